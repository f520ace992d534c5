"""Run-time outcomes of the solvers, reported per solve so that ``vmap`` keeps working.

A solver returns an integer ``status`` (0 = success) next to its values. With ``throw=True``
(the default of the public entry points) a non-zero status raises at run time through
``equinox.branched_error_if``, with the message below; with ``throw=False`` the status is
returned and the caller decides (a design sweep marks the design as failed and goes on).
"""

from __future__ import annotations

import enum

import equinox as eqx
import jax.numpy as jnp


class Status(enum.IntEnum):
    """Outcome codes of thermaljax solvers."""

    SUCCESS = 0
    NONFINITE = 1
    MAX_STEPS = 2
    NOT_CONVERGED = 3


MESSAGES: dict[int, str] = {
    Status.SUCCESS: "success",
    Status.NONFINITE: (
        "the solution became non-finite or a temperature fell to 0 K or below: the solve "
        "diverged. Check units (W, J/K, W/K, m^2), loads and initial temperatures, or use "
        "smaller steps"
    ),
    Status.MAX_STEPS: "the adaptive solver reached max_steps before the final time",
    Status.NOT_CONVERGED: "Newton's method did not converge within max_iterations",
}


def raise_if_failed(x, status):
    """Return ``x``, raising at run time (also under ``jit``) if ``status`` is not SUCCESS."""
    msgs = tuple(MESSAGES[s] for s in sorted(MESSAGES))
    return eqx.branched_error_if(x, jnp.any(status != Status.SUCCESS), jnp.max(status), msgs)
