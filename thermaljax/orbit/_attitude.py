"""Sun direction in the LVLH frame and flat-plate attitudes.

LVLH frame (CCSDS): ``z_L`` = nadir = ``-r_hat``, ``y_L`` = minus the orbit normal,
``x_L = y_L x z_L`` (the velocity direction on a circular orbit). In it the Sun direction is
``s_L = (-cos beta sin theta, -sin beta, -cos beta cos theta)``.

An attitude maps the Sun direction to the unit normal of a plate's FRONT face in LVLH; the back
face's normal is its negative. Attitudes are frozen pytrees (``equinox.Module``): an abstract
base with one abstract method and final concrete classes.

References:
    [CCSDS] CCSDS 500.0-G-4, "Navigation Data - Definitions and Conventions" (2019), LVLH frame.
    [SMAD] Wertz & Larson (eds.), "Space Mission Analysis and Design", 3rd ed. (1999), ch. 5
        (spacecraft-centred geometry) and ch. 11 (solar array pointing, sun tracking).
"""

from __future__ import annotations

import abc
from typing import final

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.typing import ArrayLike

from .._checks import check_shape, concrete_values
from ._safe_math import positive_part
from ._validation import check_angle, check_beta


def sun_direction_lvlh(beta: ArrayLike, orbit_angle: ArrayLike) -> Array:
    """Unit vector toward the Sun in the LVLH frame.

    ``s_L = (-cos beta sin theta, -sin beta, -cos beta cos theta)``; the Sun is at the zenith
    (``s_L = (0, 0, -1)``) at orbit noon with beta = 0.

    Args:
        beta: solar beta angle [rad], in [-pi/2, pi/2].
        orbit_angle: orbit angle from orbit noon [rad].

    Returns:
        Unit vector [-], shape ``broadcast(beta, orbit_angle).shape + (3,)``.

    Example:
        >>> from thermaljax.orbit import sun_direction_lvlh
        >>> [round(float(c), 6) + 0.0 for c in sun_direction_lvlh(0.0, 0.0)]  # noon: zenith
        [0.0, 0.0, -1.0]

    References:
        CCSDS 500.0-G-4 (LVLH); SMAD ch. 5.
    """
    check_beta(beta)
    check_angle("orbit_angle", orbit_angle)
    return _sun_direction_lvlh(beta, orbit_angle)


@jax.jit
def _sun_direction_lvlh(beta: ArrayLike, orbit_angle: ArrayLike) -> Array:
    beta, theta = jnp.broadcast_arrays(jnp.asarray(beta), jnp.asarray(orbit_angle))
    cos_beta = jnp.cos(beta)
    return jnp.stack(
        [-cos_beta * jnp.sin(theta), -jnp.sin(beta), -cos_beta * jnp.cos(theta)], axis=-1
    )


def _dot(u: Array, v: Array) -> Array:
    return jnp.sum(u * v, axis=-1)


def _normalize_or(v: Array, fallback: Array) -> Array:
    """``v / |v|`` along the last axis; ``fallback`` where ``|v|^2 <= eps`` (no NaN gradient).

    Below ``|v|^2 = eps`` the direction of ``v`` is lost in rounding, so the fallback is taken.
    """
    eps = float(jnp.finfo(v.dtype).eps)
    norm2 = jnp.sum(v * v, axis=-1, keepdims=True)
    ok = norm2 > eps
    return jnp.where(ok, v / jnp.sqrt(jnp.where(ok, norm2, 1.0)), fallback)


def _unit_vector_field(name: str, vector: ArrayLike) -> Array:
    """Validate a non-zero finite 3-vector and return it normalised (floating dtype kept)."""
    vector = jnp.asarray(vector)
    if not jnp.issubdtype(vector.dtype, jnp.floating):
        vector = vector.astype(float)
    check_shape(name, vector, (3,), "a 3-vector in the LVLH frame")
    values = concrete_values(vector)
    if values is not None:
        if not np.all(np.isfinite(values)) or not np.any(values != 0.0):
            raise ValueError(
                f"{name} must be a finite non-zero 3-vector in the LVLH frame, "
                f"got {values.tolist()}"
            )
        return vector / jnp.linalg.norm(vector)
    return _normalize_or(vector, jnp.zeros_like(vector).at[2].set(1.0))


class AbstractAttitude(eqx.Module):
    """How a flat plate is pointed: gives the FRONT face's unit normal in LVLH."""

    @abc.abstractmethod
    def normal_lvlh(self, sun_lvlh: Array) -> Array:
        """Front-face unit normal in LVLH [-], shape of ``sun_lvlh`` (..., 3).

        Args:
            sun_lvlh: unit vector toward the Sun in LVLH, shape (..., 3).
        """


@final
class FixedLVLH(AbstractAttitude):
    """A plate fixed in the LVLH frame (body-mounted on a nadir-pointing spacecraft).

    Attributes:
        normal: front-face unit normal in LVLH [-], shape (3,); normalised at construction.
            E.g. ``(0, 0, 1)`` faces nadir, ``(0, 0, -1)`` zenith, ``(0, 1, 0)`` anti-normal.
    """

    normal: Array

    def __init__(self, normal: ArrayLike):
        self.normal = _unit_vector_field("normal", normal)

    def normal_lvlh(self, sun_lvlh: Array) -> Array:
        sun_lvlh = jnp.asarray(sun_lvlh)
        return jnp.broadcast_to(self.normal.astype(sun_lvlh.dtype), sun_lvlh.shape)


@final
class SunTracking(AbstractAttitude):
    """A Sun-tracking plate (solar array): two-axis, or one-axis about a rotation axis.

    Two-axis (``axis=None``): ``n = s``. One-axis: ``n = normalize(s - (a.s) a)``, the best
    normal a drive rotating about ``a`` can reach (``cos incidence = sqrt(1 - (a.s)^2)``); for
    the usual solar-array drive about the orbit normal, ``a = (0, 1, 0)``, this is ``cos beta``.
    When ``s`` is parallel to ``a`` any normal perpendicular to ``a`` is optimal; a fixed one is
    used.

    Attributes:
        axis: rotation axis in LVLH (unit vector, shape (3,), normalised at construction) or
            None for two-axis tracking.
    """

    axis: Array | None

    def __init__(self, axis: ArrayLike | None = None):
        self.axis = None if axis is None else _unit_vector_field("axis", axis)

    def normal_lvlh(self, sun_lvlh: Array) -> Array:
        sun_lvlh = jnp.asarray(sun_lvlh)
        if self.axis is None:
            return sun_lvlh
        axis = jnp.broadcast_to(self.axis.astype(sun_lvlh.dtype), sun_lvlh.shape)
        along = _dot(axis, sun_lvlh)[..., None]
        # A fixed unit vector perpendicular to the axis, for the degenerate case s || a.
        helper = jnp.where(
            jnp.abs(self.axis[0]) < 0.9, jnp.array([1.0, 0.0, 0.0]), jnp.array([0.0, 1.0, 0.0])
        ).astype(sun_lvlh.dtype)
        fallback = _normalize_or(jnp.cross(self.axis.astype(sun_lvlh.dtype), helper), helper)
        fallback = jnp.broadcast_to(fallback, sun_lvlh.shape)
        return _normalize_or(sun_lvlh - along * axis, fallback)


@final
class EdgeOnSun(AbstractAttitude):
    """A plate that contains both the Sun line and the nadir line (usual radiator attitude).

    ``n = normalize(s x z_L) = normalize((s_y, -s_x, 0))``: perpendicular to nadir (so the Earth
    is seen edge-on, angle from nadir pi/2) and to the Sun (cos incidence 0). When the Sun is
    along the nadir line (beta = 0 at orbit noon or midnight) the plane is not defined and
    ``n = y_L`` is used; the loads are the same for every admissible normal.
    """

    def normal_lvlh(self, sun_lvlh: Array) -> Array:
        sun_lvlh = jnp.asarray(sun_lvlh)
        zero = jnp.zeros_like(sun_lvlh[..., 0])
        v = jnp.stack([sun_lvlh[..., 1], -sun_lvlh[..., 0], zero], axis=-1)
        fallback = jnp.stack([zero, jnp.ones_like(zero), zero], axis=-1)
        return _normalize_or(v, fallback)


def sun_incidence(attitude: AbstractAttitude, beta: ArrayLike, orbit_angle: ArrayLike) -> Array:
    """Cosine of the Sun's angle of incidence on a plate's front face, clipped at 0.

    ``cos i = max(n . s_L, 0)`` (shadowing by the Earth is not included, see
    :func:`sunlit_fraction`).

    Args:
        attitude: an :class:`AbstractAttitude`.
        beta: solar beta angle [rad], in [-pi/2, pi/2].
        orbit_angle: orbit angle from orbit noon [rad].

    Returns:
        Cosine of incidence [-], in [0, 1], broadcast shape of ``beta`` and ``orbit_angle``.

    Example:
        >>> from thermaljax.orbit import SunTracking, sun_incidence
        >>> round(float(sun_incidence(SunTracking(axis=(0.0, 1.0, 0.0)), 0.3, 1.0)), 4)  # cos(beta)
        0.9553

    References:
        SMAD ch. 5 and ch. 11 (array pointing).
    """
    check_beta(beta)
    check_angle("orbit_angle", orbit_angle)
    return _sun_incidence(attitude, beta, orbit_angle)


@jax.jit
def _sun_incidence(attitude: AbstractAttitude, beta: ArrayLike, orbit_angle: ArrayLike) -> Array:
    sun = _sun_direction_lvlh(beta, orbit_angle)
    return positive_part(_dot(attitude.normal_lvlh(sun), sun))


__all__ = [
    "AbstractAttitude",
    "EdgeOnSun",
    "FixedLVLH",
    "SunTracking",
    "sun_direction_lvlh",
    "sun_incidence",
]
