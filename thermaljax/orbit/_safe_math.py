"""NaN-safe elementary functions for the orbit module.

Every function here evaluates the dangerous operation only where it is defined and smooth, on
a harmless dummy input elsewhere, and selects the result with a second ``jnp.where`` (the
double-``where`` trick of jax-md's ``safe_mask``). The forward values equal the plain functions
inside their domain; outside it (or on its singular boundary) the value is the boundary limit and
the gradient is zero instead of ``inf``/``NaN``.
"""

from __future__ import annotations

import jax.numpy as jnp
from jax import Array
from jax.typing import ArrayLike


def safe_sqrt(x: ArrayLike) -> Array:
    """``sqrt(x)`` for ``x > 0``, else 0 with a zero gradient (no ``inf`` at ``x = 0``)."""
    x = jnp.asarray(x)
    positive = x > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, x, 1.0)), 0.0)


def safe_arccos(x: ArrayLike) -> Array:
    """``arccos(x)`` for ``|x| < 1``; 0 for ``x >= 1``, pi for ``x <= -1``, zero gradient there."""
    x = jnp.asarray(x)
    inside = jnp.abs(x) < 1.0
    return jnp.where(inside, jnp.arccos(jnp.where(inside, x, 0.0)), jnp.where(x > 0, 0.0, jnp.pi))


def safe_arcsin(x: ArrayLike) -> Array:
    """``arcsin(x)`` for ``|x| < 1``; +-pi/2 beyond, with a zero gradient there."""
    x = jnp.asarray(x)
    inside = jnp.abs(x) < 1.0
    return jnp.where(
        inside, jnp.arcsin(jnp.where(inside, x, 0.0)), jnp.where(x > 0, 0.5 * jnp.pi, -0.5 * jnp.pi)
    )


def safe_divide(num: ArrayLike, den: ArrayLike, where: ArrayLike, fill: float = 0.0) -> Array:
    """``num / den`` where ``where`` is true, else ``fill``; ``den`` is replaced by 1 elsewhere."""
    den = jnp.asarray(den)
    return jnp.where(where, jnp.asarray(num) / jnp.where(where, den, 1.0), fill)


def positive_part(x: ArrayLike) -> Array:
    """``max(x, 0)`` with gradient 1 for ``x > 0`` and 0 otherwise (0 exactly at the kink)."""
    x = jnp.asarray(x)
    return jnp.where(x > 0, x, 0.0)
