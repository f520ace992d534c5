"""Low-precision apparent position of the Sun, the solar beta angle and the solar flux.

Epochs are counted in days since J2000.0 (2000-01-01 12:00:00 TT = 2000-01-01 11:58:55.816 UTC).
Numbers are taken to be such days (traceable and differentiable); ``datetime`` objects and
``numpy.datetime64`` values are UTC and are converted in Python, in float64, with
``TT = UTC + TT_MINUS_UTC_S``.

Accepted epochs: 1950-01-01 to 2100-01-01 TT. The Astronomical Almanac quotes its formulas at
0.01 deg precision over 1950-2050; against astropy's full ephemeris (tests) the largest errors
measured are 0.014 deg in right ascension x cos(declination) and 0.006 deg in declination over
2000-2050 (RMS 0.005 deg), rising to 0.017 deg by 2100 -- mostly the omitted nutation
(+-0.005 deg) and planetary and lunar perturbations. That moves a beta angle by < 0.02 deg.

References:
    [AA] The Astronomical Almanac, section C, "Low-precision formulas for the Sun's coordinates
        and the equation of time" (U.S. Naval Observatory / HM Nautical Almanac Office).
    [Vallado] D. A. Vallado, "Fundamentals of Astrodynamics and Applications", 4th ed. (2013),
        ch. 5 (solar phenomena, algorithm SUN).
    [SMAD] Wertz & Larson (eds.), "Space Mission Analysis and Design", 3rd ed. (1999), ch. 5
        (beta angle and eclipse geometry).
    [KL2011] Kopp & Lean, Geophys. Res. Lett. 38, L01706 (2011) (solar constant).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.typing import ArrayLike

from .. import constants
from .._checks import check_range, concrete_values
from ._safe_math import safe_arcsin
from ._validation import check_angle, check_inclination, check_sun_distance

EPOCH_MIN_DAYS: float = -18262.5
"""Earliest accepted epoch [d since J2000.0 TT]: 1950-01-01 00:00 TT (JD 2433282.5)."""

EPOCH_MAX_DAYS: float = 36524.5
"""Latest accepted epoch [d since J2000.0 TT]: 2100-01-01 00:00 TT (JD 2488069.5)."""

_J2000_TT_NAIVE = _dt.datetime(2000, 1, 1, 12, 0, 0)
_J2000_TT_DATETIME64 = np.datetime64("2000-01-01T12:00:00", "us")


class SunPosition(NamedTuple):
    """Apparent geocentric position of the Sun, equator and equinox of date.

    Attributes:
        right_ascension: apparent right ascension alpha [rad], in [0, 2 pi).
        declination: apparent declination delta [rad], in [-pi/2, pi/2].
        distance_m: Earth-Sun distance [m].
    """

    right_ascension: Array
    declination: Array
    distance_m: Array


def _datetime_days(t: _dt.datetime) -> float:
    if t.tzinfo is not None:
        t = t.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    # TT clock reading = UTC clock reading + (TT - UTC); TT has no leap seconds, so calendar
    # arithmetic on TT readings gives elapsed TT time exactly.
    seconds = (t - _J2000_TT_NAIVE).total_seconds() + constants.TT_MINUS_UTC_S
    return seconds / constants.SECONDS_PER_DAY


def _calendar_days(epoch: Any) -> np.ndarray | None:
    """Days since J2000.0 TT for datetime-like epochs, or None for numeric ones."""
    if isinstance(epoch, _dt.datetime):
        return np.asarray(_datetime_days(epoch), dtype=np.float64)
    if isinstance(epoch, np.datetime64) or (
        isinstance(epoch, np.ndarray) and epoch.dtype.kind == "M"
    ):
        delta = np.asarray(epoch).astype("datetime64[us]") - _J2000_TT_DATETIME64
        seconds = delta / np.timedelta64(1, "s") + constants.TT_MINUS_UTC_S
        return np.asarray(seconds / constants.SECONDS_PER_DAY, dtype=np.float64)
    is_object_array = isinstance(epoch, np.ndarray) and epoch.dtype == object
    if isinstance(epoch, (list, tuple)) or is_object_array:
        items = np.asarray(epoch, dtype=object)
        is_dt = [isinstance(x, _dt.datetime) for x in items.flat]
        if items.size == 0 or not any(is_dt):
            return None
        if not all(is_dt):
            raise ValueError("epoch mixes datetime objects and other values; pass one kind only")
        days = np.array([_datetime_days(x) for x in items.flat], dtype=np.float64)
        return days.reshape(items.shape)
    return None


def _check_epoch_days(days: ArrayLike) -> None:
    try:
        check_range("epoch", days, "d since J2000.0 TT", low=EPOCH_MIN_DAYS, high=EPOCH_MAX_DAYS)
    except ValueError as exc:
        raise ValueError(
            f"{exc}, i.e. 1950-01-01 to 2100-01-01 TT, where the low-precision solar formulas "
            "of the Astronomical Almanac hold to ~0.01 deg"
        ) from None


def days_since_j2000(epoch: Any) -> Array:
    """Convert an epoch to days since J2000.0 TT.

    ``d = (JD_TT - 2451545.0)``; for UTC calendar inputs ``TT = UTC + TT_MINUS_UTC_S``.

    Args:
        epoch: a ``datetime.datetime`` (UTC; naive is taken as UTC, aware is converted), a
            ``numpy.datetime64`` (UTC), a sequence or array of either, or a number / array of
            days since J2000.0 TT (returned as is, so it may be traced and differentiated).
            Must lie in 1950-01-01 .. 2100-01-01.

    Returns:
        Days since J2000.0 TT [d], shape of ``epoch`` (float64 for calendar inputs when x64 is
        enabled; numeric inputs keep their dtype).

    Example:
        >>> import datetime
        >>> from thermaljax.orbit import days_since_j2000
        >>> round(float(days_since_j2000(datetime.datetime(2030, 1, 1))), 2)  # 0h UTC
        10957.5

    References:
        Astronomical Almanac, sections B and C (time scales, J2000.0); IERS Bulletin C (TT-UTC).
    """
    days = _calendar_days(epoch)
    if days is None:
        concrete_values(epoch)  # rejects strings and other non-numbers with a clear message
        _check_epoch_days(epoch)
        return jnp.asarray(epoch)
    _check_epoch_days(days)
    return jnp.asarray(days)


def _solar_longitude(days: Array) -> tuple[Array, Array, Array]:
    """Apparent ecliptic longitude, obliquity of date and distance [rad, rad, AU]."""
    mean_longitude = jnp.deg2rad(jnp.mod(280.460 + 0.9856474 * days, 360.0))
    mean_anomaly = jnp.deg2rad(jnp.mod(357.528 + 0.9856003 * days, 360.0))
    longitude = mean_longitude + jnp.deg2rad(
        1.915 * jnp.sin(mean_anomaly) + 0.020 * jnp.sin(2.0 * mean_anomaly)
    )
    obliquity = jnp.deg2rad(23.439 - 0.0000004 * days)
    distance_au = (
        1.00014 - 0.01671 * jnp.cos(mean_anomaly) - 0.00014 * jnp.cos(2.0 * mean_anomaly)
    )
    return longitude, obliquity, distance_au


def sun_position(epoch: Any) -> SunPosition:
    """Apparent right ascension, declination and distance of the Sun (low precision).

    With ``n`` days since J2000.0 TT::

        L = 280.460 deg + 0.9856474 deg n        (mean longitude, aberration included)
        g = 357.528 deg + 0.9856003 deg n        (mean anomaly)
        lambda = L + 1.915 deg sin g + 0.020 deg sin 2g
        eps = 23.439 deg - 0.0000004 deg n
        alpha = atan2(cos eps sin lambda, cos lambda)  in [0, 2 pi)
        delta = asin(sin eps sin lambda)
        R = 1.00014 - 0.01671 cos g - 0.00014 cos 2g   [AU]

    Args:
        epoch: see :func:`days_since_j2000` (datetime, datetime64, or days since J2000.0 TT).

    Returns:
        :class:`SunPosition` of arrays with the shape of ``epoch``: right ascension [rad],
        declination [rad], distance [m].

    Example:
        >>> import math
        >>> from thermaljax.orbit import sun_position
        >>> sun = sun_position(-2636.5)  # 1992-10-13 0h TT (Meeus, Example 25.a)
        >>> round(math.degrees(float(sun.right_ascension)), 2)
        198.38
        >>> round(math.degrees(float(sun.declination)), 2)
        -7.78

    References:
        Astronomical Almanac, section C; Vallado ch. 5 (algorithm SUN).
    """
    return _sun_position(days_since_j2000(epoch))


@jax.jit
def _sun_position(days: Array) -> SunPosition:
    longitude, obliquity, distance_au = _solar_longitude(days)
    sin_lon = jnp.sin(longitude)
    right_ascension = jnp.mod(
        jnp.arctan2(jnp.cos(obliquity) * sin_lon, jnp.cos(longitude)), 2.0 * jnp.pi
    )
    declination = jnp.arcsin(jnp.sin(obliquity) * sin_lon)  # |argument| <= sin eps < 0.4
    return SunPosition(right_ascension, declination, distance_au * constants.ASTRONOMICAL_UNIT_M)


def sun_unit_vector(epoch: Any) -> Array:
    """Unit vector toward the Sun in the true-of-date equatorial frame.

    ``s = (cos lambda, cos eps sin lambda, sin eps sin lambda)
        = (cos delta cos alpha, cos delta sin alpha, sin delta)``.

    Args:
        epoch: see :func:`days_since_j2000`.

    Returns:
        Unit vector [-], shape ``epoch.shape + (3,)`` (x toward the equinox of date, z toward
        the true celestial pole).

    Example:
        >>> from thermaljax.orbit import sun_unit_vector
        >>> [round(float(c), 3) for c in sun_unit_vector(0.0)]  # J2000.0
        [0.18, -0.902, -0.391]

    References:
        Astronomical Almanac, section C.
    """
    return _sun_unit_vector(days_since_j2000(epoch))


@jax.jit
def _sun_unit_vector(days: Array) -> Array:
    longitude, obliquity, _ = _solar_longitude(days)
    sin_lon = jnp.sin(longitude)
    return jnp.stack(
        [jnp.cos(longitude), jnp.cos(obliquity) * sin_lon, jnp.sin(obliquity) * sin_lon], axis=-1
    )


def beta_angle(inclination: ArrayLike, raan: ArrayLike, epoch: Any) -> Array:
    """Solar beta angle: elevation of the Sun above the orbit plane.

    ``sin beta = cos delta sin i sin(Omega - alpha) + sin delta cos i``, i.e. ``beta =
    asin(h . s)`` with the orbit normal ``h = (sin i sin Omega, -sin i cos Omega, cos i)``;
    positive when the Sun is on the side of the orbit normal (angular momentum).

    Args:
        inclination: inclination [rad], in [0, pi].
        raan: right ascension of the ascending node in the true-of-date equatorial frame [rad].
            A RAAN from a TLE or in J2000 differs by precession (~0.014 deg per year since
            2000, ~0.37 deg in 2026) plus nutation: rotate it to the frame of date first, or
            accept an error of that size in beta.
        epoch: see :func:`days_since_j2000`.

    Returns:
        Beta angle [rad], in [-pi/2, pi/2], broadcast shape of the inputs.

    Example:
        >>> import math
        >>> from thermaljax.orbit import beta_angle
        >>> round(math.degrees(float(beta_angle(0.0, 0.0, 0.0))), 1)  # equatorial orbit, J2000
        -23.0

    References:
        Vallado / SMAD ch. 5 (beta angle); Astronomical Almanac, section C (Sun position).
    """
    check_inclination(inclination)
    check_angle("raan", raan)
    return _beta_angle(inclination, raan, days_since_j2000(epoch))


@jax.jit
def _beta_angle(inclination: ArrayLike, raan: ArrayLike, days: Array) -> Array:
    sun = _sun_position(days)
    inclination = jnp.asarray(inclination)
    sin_beta = jnp.cos(sun.declination) * jnp.sin(inclination) * jnp.sin(
        jnp.asarray(raan) - sun.right_ascension
    ) + jnp.sin(sun.declination) * jnp.cos(inclination)
    return safe_arcsin(sin_beta)


def solar_flux(sun_distance_m: ArrayLike = constants.ASTRONOMICAL_UNIT_M) -> Array:
    """Solar irradiance at a distance from the Sun.

    ``S = S0 (AU / r)^2`` with ``S0 = SOLAR_CONSTANT_W_M2`` = 1361 W/m^2.

    Args:
        sun_distance_m: distance from the Sun [m], in [0.5, 2] AU (Earth: 0.983-1.017 AU,
            e.g. ``sun_position(epoch).distance_m``).

    Returns:
        Irradiance on a surface normal to the Sun [W/m^2] (1317-1408 W/m^2 over a year).

    Example:
        >>> from thermaljax.orbit import solar_flux
        >>> float(solar_flux())
        1361.0

    References:
        Kopp & Lean 2011 (S0); inverse-square law.
    """
    check_sun_distance(sun_distance_m)
    return _solar_flux(sun_distance_m)


@jax.jit
def _solar_flux(sun_distance_m: ArrayLike) -> Array:
    ratio = constants.ASTRONOMICAL_UNIT_M / jnp.asarray(sun_distance_m)
    return constants.SOLAR_CONSTANT_W_M2 * ratio * ratio
