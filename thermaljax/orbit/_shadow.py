"""Earth's shadow: cylindrical eclipse fraction and the conical (penumbral) shadow function.

Orbit-plane frame: x toward the projection of the Sun direction on the orbit plane, z along
the orbit normal; Sun ``s = (cos beta, 0, sin beta)``; satellite at orbit angle ``theta`` from
orbit noon, ``r = a (cos theta, sin theta, 0)``. Eclipse is centred at ``theta = pi``.

References:
    [SMAD] Wertz & Larson (eds.), "Space Mission Analysis and Design", 3rd ed. (1999), ch. 5
        (eclipse duration of a circular orbit).
    [MG2000] O. Montenbruck & E. Gill, "Satellite Orbits: Models, Methods and Applications",
        Springer (2000), sec. 3.4.2 (conical shadow model, occultation of the solar disk).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.typing import ArrayLike

from .. import constants
from .._checks import check_range, concrete_values
from ._safe_math import safe_arccos, safe_arcsin, safe_divide, safe_sqrt
from ._validation import check_altitude, check_angle, check_beta, check_sun_distance

MAX_SMOOTHING: float = 0.5
"""Largest accepted penumbra ``smoothing`` [rad] (further limited by the altitude, see
:func:`check_smoothing`)."""

SMOOTHING_FRACTION_OF_EARTH: float = 0.25
"""``smoothing`` may not exceed this fraction of the Earth's apparent radius asin(R/a): a
broader blur would leak sunlight into the umbra and shorten the eclipse (at GEO, where the
Earth's apparent radius is only 0.15 rad, 0.2 rad of smoothing leaves 42 % of the Sun visible
at orbit midnight)."""


def check_smoothing(smoothing: ArrayLike, altitude_m: ArrayLike) -> None:
    """Validate ``smoothing`` [rad] against the fixed bound and, when concrete, the altitude."""
    check_range("smoothing", smoothing, "rad", low=0.0, high=MAX_SMOOTHING)
    s = concrete_values(smoothing, "smoothing", "rad")
    h = concrete_values(altitude_m, "altitude_m", "m")
    if s is None or h is None:
        return
    limit = SMOOTHING_FRACTION_OF_EARTH * np.arcsin(
        constants.EARTH_RADIUS_M / (constants.EARTH_RADIUS_M + np.asarray(h))
    )
    if np.any(np.asarray(s) > limit):
        raise ValueError(
            f"smoothing = {np.max(s):.4g} rad is outside the allowed range [0, "
            f"{np.min(limit):.4g}] rad at this altitude ({SMOOTHING_FRACTION_OF_EARTH:g} x the "
            "Earth's apparent radius asin(R/a)); a broader blur would erase part of the eclipse"
        )


def beta_star(altitude_m: ArrayLike) -> Array:
    """Beta angle above which a circular orbit has no eclipse.

    ``beta* = asin(R_E / (R_E + h))``.

    Args:
        altitude_m: altitude [m], in [150 km, GEO].

    Returns:
        Critical beta angle [rad] (70.2 deg at 400 km, 65.2 deg at 650 km).

    Example:
        >>> import math
        >>> from thermaljax.orbit import beta_star
        >>> round(math.degrees(float(beta_star(400e3))), 1)
        70.2

    References:
        SMAD ch. 5.
    """
    check_altitude(altitude_m)
    return _beta_star(altitude_m)


@jax.jit
def _beta_star(altitude_m: ArrayLike) -> Array:
    a = constants.EARTH_RADIUS_M + jnp.asarray(altitude_m)
    return safe_arcsin(constants.EARTH_RADIUS_M / a)


def eclipse_fraction(altitude_m: ArrayLike, beta: ArrayLike) -> Array:
    """Fraction of a circular orbit spent in the Earth's cylindrical shadow.

    ``f = (1/pi) acos( sqrt(h^2 + 2 R_E h) / ((R_E + h) cos beta) )`` for ``|beta| < beta*``,
    else 0. The gradient is finite everywhere; at ``|beta| = beta*`` exactly (where the true
    derivative is infinite) it is that of the no-eclipse side, 0.

    Args:
        altitude_m: altitude [m], in [150 km, GEO].
        beta: solar beta angle [rad], in [-pi/2, pi/2].

    Returns:
        Eclipse fraction [-], in [0, 0.5), broadcast shape.

    Example:
        >>> from thermaljax.orbit import eclipse_fraction, period
        >>> round(float(eclipse_fraction(400e3, 0.0) * period(400e3)) / 60.0, 1)  # [min]
        36.1

    References:
        SMAD ch. 5 (eclipse of a circular orbit).
    """
    check_altitude(altitude_m)
    check_beta(beta)
    return _eclipse_fraction(altitude_m, beta)


@jax.jit
def _eclipse_fraction(altitude_m: ArrayLike, beta: ArrayLike) -> Array:
    h = jnp.asarray(altitude_m)
    chord = safe_sqrt(h * (h + 2.0 * constants.EARTH_RADIUS_M))  # sqrt(a^2 - R_E^2)
    projected = (constants.EARTH_RADIUS_M + h) * jnp.cos(jnp.asarray(beta))
    in_shadow = chord < projected
    ratio = safe_divide(chord, projected, in_shadow, fill=1.0)
    return safe_arccos(ratio) / jnp.pi


def _segment_area_factor(phi: Array) -> Array:
    """``phi - sin(phi) cos(phi)`` for phi in [0, pi], accurate for small phi.

    The area of a circular segment of radius rho and half-angle phi is ``rho^2`` times this.
    Written as ``(u - sin u)/2`` with ``u = 2 phi``; below ``u = 0.3`` a Taylor series avoids the
    cancellation (truncation error < 1e-14 relative).
    """
    u = 2.0 * phi
    u2 = u * u
    # u^3/3! - u^5/5! + u^7/7! - u^9/9! + u^11/11!, in nested (Horner) form.
    series = (u * u2 / 6.0) * (
        1.0 - u2 / 20.0 * (1.0 - u2 / 42.0 * (1.0 - u2 / 72.0 * (1.0 - u2 / 110.0)))
    )
    direct = u - jnp.sin(u)
    return 0.5 * jnp.where(u < 0.3, series, direct)


def _occulted_fraction(psi: Array, rho_sun: Array, rho_earth: Array) -> Array:
    """Fraction of the solar disk (radius rho_sun) hidden by the Earth disk (radius rho_earth).

    Planar overlap of two disks whose centres are ``psi`` apart (all apparent angles [rad]):
    ``x = (psi^2 + rho_s^2 - rho_e^2) / (2 psi)``, ``y = sqrt(rho_s^2 - x^2)``,
    ``A = rho_s^2 acos(x/rho_s) + rho_e^2 acos((psi - x)/rho_e) - psi y``. ``A`` is evaluated as
    the sum of the two circular segments, ``rho_s^2 g(phi_s) + rho_e^2 g(phi_e)`` with
    ``phi_s = atan2(y, x)``, ``phi_e = atan2(y, psi - x)``, ``g(phi) = phi - sin phi cos phi``,
    which avoids the cancellation between the large Earth terms.
    """
    outside = psi >= rho_sun + rho_earth
    inside = psi <= jnp.abs(rho_earth - rho_sun)
    partial = ~(outside | inside)
    full_cover = jnp.minimum(rho_earth, rho_sun) ** 2 / rho_sun**2
    # Safe dummy separation outside the partial region: a valid partial overlap geometry.
    dummy = jnp.sqrt(rho_earth**2 + rho_sun**2)
    psi_p = jnp.where(partial, psi, dummy)
    x = ((psi_p - rho_earth) * (psi_p + rho_earth) + rho_sun**2) / (2.0 * psi_p)
    y = safe_sqrt((rho_sun - x) * (rho_sun + x))
    phi_sun = jnp.arctan2(y, x)
    phi_earth = jnp.arctan2(y, psi_p - x)
    area = rho_sun**2 * _segment_area_factor(phi_sun)
    area = area + rho_earth**2 * _segment_area_factor(phi_earth)
    fraction = area / (jnp.pi * rho_sun**2)
    return jnp.where(outside, 0.0, jnp.where(inside, full_cover, fraction))


def sunlit_fraction(
    altitude_m: ArrayLike,
    beta: ArrayLike,
    orbit_angle: ArrayLike,
    *,
    sun_distance_m: ArrayLike = constants.ASTRONOMICAL_UNIT_M,
    smoothing: ArrayLike = 0.0,
) -> Array:
    """Shadow function along a circular orbit: visible fraction of the solar disk.

    Conical shadow model (Montenbruck & Gill sec. 3.4.2). Seen from the satellite, the Sun has
    apparent radius ``rho_s = asin(R_sun / |D s - r|)``, the Earth ``rho_e = asin(R_E / a)``,
    and their centres are ``psi = atan2(D |s x r_hat|, a - D s.r_hat)`` apart. Then::

        sunlit = 1                        if psi >= rho_s + rho_e
               = 0                        if psi <= rho_e - rho_s   (umbra)
               = 1 - A / (pi rho_s^2)     otherwise (penumbra),

    ``A`` the planar overlap area of the two disks (see ``_occulted_fraction``).

    ``smoothing`` widens the solar disk to ``hypot(rho_s, smoothing)`` so that the switch spans
    several integrator steps (the physical penumbra lasts only ~8-10 s in LEO). The widened disk
    is centred where the Sun is, so the eclipse midpoint is unchanged, and for a straight Earth
    limb the orbit-integrated sunlight is unchanged too; the limb's curvature shortens each
    shadow edge by only ``~rho^2 / (8 rho_e)`` in ``psi`` (``rho`` the widened radius: 4e-5 rad
    for ``smoothing = 0.02`` in LEO, a 2e-5 relative change of the sunlit time at beta = 0).
    Near ``beta*``, where the orbit only grazes the shadow, the widened disk changes the short
    eclipse noticeably (0.3 % of the sunlit time at 400 km, beta = 1.2 rad, smoothing 0.02):
    keep ``smoothing`` small against ``beta* - |beta|`` there.

    The result is smooth (C1 at the contact points) and its gradient is finite everywhere.

    Args:
        altitude_m: altitude [m], in [150 km, GEO].
        beta: solar beta angle [rad], in [-pi/2, pi/2].
        orbit_angle: orbit angle from orbit noon [rad], finite (eclipse centred at pi).
        sun_distance_m: Earth-Sun distance [m], in [0.5, 2] AU.
        smoothing: extra apparent solar radius [rad], in [0, 0.5]; 0 is the physical shadow.

    Returns:
        Sunlit fraction [-], in [0, 1], broadcast shape of the inputs.

    Example:
        >>> from thermaljax.orbit import sunlit_fraction
        >>> float(sunlit_fraction(400e3, 0.0, 0.0)), float(sunlit_fraction(400e3, 0.0, 3.14159))
        (1.0, 0.0)

    References:
        Montenbruck & Gill (2000), sec. 3.4.2 (conical shadow, occulted solar disk).
    """
    check_altitude(altitude_m)
    check_beta(beta)
    check_angle("orbit_angle", orbit_angle)
    check_sun_distance(sun_distance_m)
    check_smoothing(smoothing, altitude_m)
    return _sunlit_fraction(altitude_m, beta, orbit_angle, sun_distance_m, smoothing)


@jax.jit
def _sunlit_fraction(
    altitude_m: ArrayLike,
    beta: ArrayLike,
    orbit_angle: ArrayLike,
    sun_distance_m: ArrayLike,
    smoothing: ArrayLike,
) -> Array:
    a = constants.EARTH_RADIUS_M + jnp.asarray(altitude_m)
    beta = jnp.asarray(beta)
    theta = jnp.asarray(orbit_angle)
    distance = jnp.asarray(sun_distance_m)
    cos_beta = jnp.cos(beta)
    cos_gamma = cos_beta * jnp.cos(theta)  # s . r_hat
    sin_beta = jnp.sin(beta)
    cos_beta_sin_theta = cos_beta * jnp.sin(theta)
    sin_gamma = safe_sqrt(sin_beta * sin_beta + cos_beta_sin_theta * cos_beta_sin_theta)
    psi = jnp.arctan2(distance * sin_gamma, a - distance * cos_gamma)
    sat_to_sun = jnp.sqrt(distance * distance + a * a - 2.0 * a * distance * cos_gamma)
    rho_sun = jnp.arcsin(constants.SUN_RADIUS_M / sat_to_sun)  # < 0.01 rad for D >= 0.5 AU
    rho_sun = jnp.sqrt(rho_sun * rho_sun + jnp.asarray(smoothing) ** 2)
    rho_earth = safe_arcsin(constants.EARTH_RADIUS_M / a)
    return 1.0 - _occulted_fraction(psi, rho_sun, rho_earth)


__all__ = ["MAX_SMOOTHING", "check_smoothing", "beta_star", "eclipse_fraction", "sunlit_fraction"]
