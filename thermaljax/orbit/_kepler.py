"""Circular-orbit kinematics and J2 nodal precession.

Circular orbits about a spherical Earth of radius ``EARTH_RADIUS_M``; the semi-major axis is
``a = R_E + h``. Angles in radians, times in seconds.

References:
    [Vallado] D. A. Vallado, "Fundamentals of Astrodynamics and Applications", 4th ed. (2013),
        sec. 2.2 (two-body period), sec. 9.6 (secular J2 effects).
    [SMAD] Wertz & Larson (eds.), "Space Mission Analysis and Design", 3rd ed. (1999), ch. 5
        ("Space mission geometry") and ch. 6 (sun-synchronous orbits).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax import Array
from jax.typing import ArrayLike

from .. import constants
from .._checks import check_range
from ._safe_math import safe_arccos
from ._validation import check_altitude, check_angle, check_inclination

_R = constants.EARTH_RADIUS_M
_MU = constants.EARTH_MU_M3_S2
_J2 = constants.EARTH_J2

MAX_SUN_SYNCHRONOUS_ALTITUDE_M: float = (
    1.5 * _J2 * _R**2 * math.sqrt(_MU) / constants.SUN_SYNCHRONOUS_RATE_RAD_S
) ** (2.0 / 7.0) - _R
"""Highest altitude with a sun-synchronous circular orbit [m] (~5,974 km): there the J2
precession of a retrograde equatorial orbit (i = 180 deg) just equals the Sun's mean motion."""


def _semi_major_axis(altitude_m: ArrayLike) -> Array:
    return constants.EARTH_RADIUS_M + jnp.asarray(altitude_m)


@jax.jit
def _mean_motion(altitude_m: ArrayLike) -> Array:
    a = _semi_major_axis(altitude_m)
    return jnp.sqrt(_MU / a**3)


@jax.jit
def _period(altitude_m: ArrayLike) -> Array:
    a = _semi_major_axis(altitude_m)
    return 2.0 * jnp.pi * jnp.sqrt(a**3 / _MU)


def mean_motion(altitude_m: ArrayLike) -> Array:
    """Mean motion of a circular orbit.

    ``n = sqrt(mu / a^3)``, ``a = R_E + h``.

    Args:
        altitude_m: altitude above the spherical Earth [m], any shape, in [150 km, GEO].

    Returns:
        Mean motion [rad/s], same shape.

    Example:
        >>> from thermaljax.orbit import mean_motion
        >>> round(float(mean_motion(400e3)), 7)
        0.0011314

    References:
        Vallado sec. 2.2; SMAD ch. 5.
    """
    check_altitude(altitude_m)
    return _mean_motion(altitude_m)


def period(altitude_m: ArrayLike) -> Array:
    """Orbital period of a circular orbit.

    ``T = 2 pi sqrt(a^3 / mu)``, ``a = R_E + h``.

    Args:
        altitude_m: altitude above the spherical Earth [m], any shape, in [150 km, GEO].

    Returns:
        Period [s], same shape.

    Example:
        >>> from thermaljax.orbit import period
        >>> round(float(period(400e3)) / 60.0, 2)  # ISS-like orbit [min]
        92.56

    References:
        Vallado sec. 2.2; SMAD ch. 5.
    """
    check_altitude(altitude_m)
    return _period(altitude_m)


def orbit_angle(altitude_m: ArrayLike, time_s: ArrayLike, orbit_angle0: ArrayLike = 0.0) -> Array:
    """Orbit angle from orbit noon after a time on a circular orbit.

    ``theta = theta0 + n t``. The result is not wrapped to [0, 2 pi): every function of the
    orbit angle is 2 pi-periodic, and an unwrapped angle keeps derivatives continuous. In
    float32 the angle after a year (~5,500 revolutions, 3.4e4 rad) resolves only ~0.004 rad,
    less than the 0.009 rad physical penumbra: for long float32 runs start ``time_s`` at the
    beginning of the simulated window and carry the phase in ``orbit_angle0``.

    Args:
        altitude_m: altitude [m], in [150 km, GEO].
        time_s: time since ``orbit_angle0`` [s], finite.
        orbit_angle0: orbit angle at ``time_s = 0`` [rad], measured in the direction of motion
            from orbit noon (the point of the orbit closest to the Sun).

    Returns:
        Orbit angle [rad], broadcast shape of the inputs.

    Example:
        >>> from thermaljax.orbit import orbit_angle, period
        >>> round(float(orbit_angle(400e3, period(400e3))), 5)  # one revolution
        6.28319

    References:
        Vallado sec. 2.2.
    """
    check_range("time_s", time_s, "s")
    check_angle("orbit_angle0", orbit_angle0)
    check_altitude(altitude_m)
    return _orbit_angle(altitude_m, time_s, orbit_angle0)


@jax.jit
def _orbit_angle(altitude_m: ArrayLike, time_s: ArrayLike, orbit_angle0: ArrayLike) -> Array:
    return jnp.asarray(orbit_angle0) + _mean_motion(altitude_m) * jnp.asarray(time_s)


def _j2_rate_factor(altitude_m: ArrayLike) -> Array:
    """``1.5 n J2 (R_E / a)^2`` [rad/s]: the nodal precession rate per unit ``-cos i``."""
    a = _semi_major_axis(altitude_m)
    n = jnp.sqrt(_MU / a**3)
    return 1.5 * n * _J2 * (_R / a) ** 2


def raan_drift_rate(altitude_m: ArrayLike, inclination: ArrayLike) -> Array:
    """Secular drift of the right ascension of the ascending node caused by J2.

    ``dOmega/dt = -1.5 n J2 (R_E / a)^2 cos i`` (circular orbit, e = 0).

    Args:
        altitude_m: altitude [m], in [150 km, GEO].
        inclination: orbit inclination [rad], in [0, pi].

    Returns:
        Nodal precession rate [rad/s], broadcast shape; negative (westward) for prograde orbits.

    Example:
        >>> import math
        >>> from thermaljax.orbit import raan_drift_rate
        >>> round(float(raan_drift_rate(400e3, math.radians(51.6))) * 86400 * 180 / math.pi, 2)
        -5.0

    References:
        Vallado sec. 9.6, eq. 9-41; SMAD ch. 6.
    """
    check_altitude(altitude_m)
    check_inclination(inclination)
    return _raan_drift_rate(altitude_m, inclination)


@jax.jit
def _raan_drift_rate(altitude_m: ArrayLike, inclination: ArrayLike) -> Array:
    return -_j2_rate_factor(altitude_m) * jnp.cos(jnp.asarray(inclination))


def sun_synchronous_inclination(altitude_m: ArrayLike) -> Array:
    """Inclination of the circular sun-synchronous orbit at an altitude.

    ``cos i = -dOmega_sun/dt / (1.5 n J2 (R_E / a)^2)`` with ``dOmega_sun/dt =
    SUN_SYNCHRONOUS_RATE_RAD_S`` (360 deg per tropical year).

    A sun-synchronous orbit exists only up to ``MAX_SUN_SYNCHRONOUS_ALTITUDE_M`` (~5,974 km);
    a concrete altitude above it raises ``ValueError``. A traced altitude above it gives NaN.

    Args:
        altitude_m: altitude [m], in [150 km, ~5,974 km].

    Returns:
        Inclination [rad], same shape (97.59 deg at 550 km, 97.99 deg at 650 km).

    Example:
        >>> import math
        >>> from thermaljax.orbit import sun_synchronous_inclination
        >>> round(math.degrees(float(sun_synchronous_inclination(650e3))), 2)
        97.99

    References:
        SMAD ch. 6 (eq. 6-19); Vallado sec. 11.4.
    """
    check_altitude(altitude_m)
    try:
        check_range(
            "altitude_m",
            altitude_m,
            "m",
            low=constants.MIN_ALTITUDE_M,
            high=MAX_SUN_SYNCHRONOUS_ALTITUDE_M,
        )
    except ValueError as exc:
        raise ValueError(
            f"{exc}: no sun-synchronous orbit exists there; circular sun-synchronous orbits exist "
            f"for altitudes from {constants.MIN_ALTITUDE_M / 1e3:.0f} km to "
            f"{MAX_SUN_SYNCHRONOUS_ALTITUDE_M / 1e3:.0f} km"
        ) from None
    return _sun_synchronous_inclination(altitude_m)


@jax.jit
def _sun_synchronous_inclination(altitude_m: ArrayLike) -> Array:
    cos_i = -constants.SUN_SYNCHRONOUS_RATE_RAD_S / _j2_rate_factor(altitude_m)
    exists = cos_i >= -1.0
    return jnp.where(exists, safe_arccos(cos_i), jnp.nan)


__all__ = [
    "MAX_SUN_SYNCHRONOUS_ALTITUDE_M",
    "mean_motion",
    "orbit_angle",
    "period",
    "raan_drift_rate",
    "sun_synchronous_inclination",
]
