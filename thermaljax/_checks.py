"""Input validation shared by every public function.

Checks run on concrete values before any tracing, and raise ``ValueError`` naming the argument,
its unit and the allowed range. Values that are JAX tracers (inside ``jit``, ``vmap`` or
``grad``) cannot be inspected; their shapes are still checked, and their values are left to the
in-graph checks of the solvers (non-finite results are reported through a status, see
:mod:`thermaljax.thermal`).
"""

from __future__ import annotations

import math
from typing import Any

import jax
import numpy as np


def is_concrete(x: Any) -> bool:
    """True when ``x`` holds values that can be read now (not a tracer)."""
    return not isinstance(x, jax.core.Tracer)


def concrete_values(x: Any, name: str = "value", unit: str = "") -> np.ndarray | None:
    """Return ``x`` as a float64 NumPy array, or ``None`` if ``x`` is traced.

    Raises ``ValueError`` naming ``name`` (and ``unit``) if ``x`` is not numeric.
    """
    if not is_concrete(x):
        return None
    try:
        return np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:  # e.g. a string
        what = f" [{unit}]" if unit else ""
        raise ValueError(
            f"{name}{what} must be a number or an array of numbers, got {x!r}"
        ) from exc


def _fmt(v: float) -> str:
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.6g}"


def check_range(
    name: str,
    x: Any,
    unit: str,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> None:
    """Raise ``ValueError`` unless every value of ``x`` is finite and inside [low, high].

    Args:
        name: argument name shown to the user.
        x: scalar or array; skipped when traced.
        unit: unit shown in the message, e.g. ``"m"`` or ``"rad"``.
        low, high: allowed range; either may be infinite.
        low_inclusive, high_inclusive: whether the bounds themselves are allowed.
    """
    v = concrete_values(x, name, unit)
    if v is None or v.size == 0:
        return
    lo_br = "[" if low_inclusive else "("
    hi_br = "]" if high_inclusive else ")"
    allowed = f"{lo_br}{_fmt(low)}, {_fmt(high)}{hi_br} {unit}".rstrip()
    finite = np.isfinite(v)
    if not np.all(finite):
        first = float(v.reshape(-1)[np.argmax(~finite.reshape(-1))])
        value = _fmt(first) if v.ndim == 0 else f"array of shape {v.shape}"
        where = "" if v.ndim == 0 else f" (first offending element: {_fmt(first)})"
        raise ValueError(
            f"{name} = {value} {unit}{where} is not finite: outside the allowed range {allowed}"
        )
    bad = np.zeros(v.shape, dtype=bool)
    if low_inclusive:
        bad |= v < low
    else:
        bad |= v <= low
    if high_inclusive:
        bad |= v > high
    else:
        bad |= v >= high
    if np.any(bad):
        first = v.reshape(-1)[np.argmax(bad.reshape(-1))]
        where = "" if v.ndim == 0 else f" (first offending element: {_fmt(float(first))})"
        value = _fmt(float(v)) if v.ndim == 0 else f"array of shape {v.shape}"
        raise ValueError(f"{name} = {value} {unit}{where} is outside the allowed range {allowed}")


def float_leaf(x) -> jax.Array:
    """A float array leaf: float32/float64 arrays keep their dtype; Python numbers and integer
    arrays become the default float (float64 under x64)."""
    x = jax.numpy.asarray(x)
    if jax.numpy.issubdtype(x.dtype, jax.numpy.floating) and not getattr(x, "weak_type", False):
        return x
    return x.astype(jax.numpy.result_type(float))


def check_shape(name: str, x: Any, shape: tuple[int, ...], what: str = "") -> None:
    """Raise ``ValueError`` unless ``jnp.shape(x) == shape``."""
    got = tuple(np.shape(x))
    if got != tuple(shape):
        extra = f" ({what})" if what else ""
        raise ValueError(f"{name} must have shape {tuple(shape)}{extra}, got {got}")
