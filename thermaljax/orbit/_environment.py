"""Environmental heat loads on a flat plate in a circular orbit: direct Sun, albedo, Earth IR.

Every flux is the irradiance incident on one face, per unit plate area [W/m^2]; the caller
multiplies by the face's solar absorptance (direct and albedo) or IR emissivity (Earth IR).

    direct  = S max(n . s_L, 0) * sunlit_fraction
    albedo  = S a F max(cos zeta, 0),     cos zeta = cos beta cos theta
    earth IR = OLR F

with ``S`` the solar flux at the Sun's distance, ``F`` the plate-Earth view factor of the face
and ``zeta`` the solar zenith angle at the sub-satellite point. Albedo does not depend on the
satellite being in shadow, only on how much of the Earth below is lit.

References:
    [Gilmore] D. G. Gilmore (ed.), "Spacecraft Thermal Control Handbook", vol. I, 2nd ed.
        (2002), ch. 2 ("Spacecraft thermal environments": direct solar, albedo, Earth IR).
    [Howell] J. R. Howell, "A Catalog of Radiation Heat Transfer Configuration Factors",
        section B (planar element to sphere).
    [TM2001] Anderson, Justus & Batts, NASA TM-2001-211221 (2001) (albedo and OLR values).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import Array
from jax.typing import ArrayLike

from .. import constants
from .._checks import check_range
from ._attitude import AbstractAttitude, _sun_direction_lvlh
from ._ephemeris import _solar_flux
from ._safe_math import positive_part
from ._shadow import _sunlit_fraction, check_smoothing
from ._validation import check_altitude, check_angle, check_beta, check_sun_distance
from ._view_factor import _earth_view_factor_from_cos, earth_view_factor


def _check_albedo(albedo: ArrayLike) -> None:
    check_range("albedo", albedo, "(fraction)", low=0.0, high=1.0)


def _check_olr(olr_W_m2: ArrayLike) -> None:
    check_range("olr_W_m2", olr_W_m2, "W/m^2", low=0.0)


def earth_ir_flux(
    altitude_m: ArrayLike,
    angle_from_nadir: ArrayLike,
    *,
    olr_W_m2: ArrayLike = constants.EARTH_OLR_W_M2,
) -> Array:
    """Earth infrared irradiance on one face of a flat plate.

    ``q_IR = OLR F(h, lambda)`` (the Earth as a uniform Lambertian emitter).

    Args:
        altitude_m: altitude [m], in [150 km, GEO].
        angle_from_nadir: angle between the face's normal and nadir [rad], in [0, pi].
        olr_W_m2: outgoing long-wave radiation at the top of the atmosphere [W/m^2], >= 0
            (default 237 W/m^2, CERES / NASA TM-2001-211221).

    Returns:
        Incident IR flux [W/m^2], broadcast shape.

    Example:
        >>> from thermaljax.orbit import earth_ir_flux
        >>> round(float(earth_ir_flux(400e3, 0.0)))  # nadir face: OLR / H^2
        210

    References:
        Gilmore ch. 2; Howell's catalogue, section B.
    """
    _check_olr(olr_W_m2)
    return jnp.asarray(olr_W_m2) * earth_view_factor(altitude_m, angle_from_nadir)


def _albedo(solar_W_m2, albedo, view_factor, cos_subsolar_zenith) -> Array:
    return solar_W_m2 * albedo * view_factor * positive_part(jnp.asarray(cos_subsolar_zenith))


def albedo_flux(
    altitude_m: ArrayLike,
    angle_from_nadir: ArrayLike,
    cos_subsolar_zenith: ArrayLike,
    *,
    solar_flux_W_m2: ArrayLike = constants.SOLAR_CONSTANT_W_M2,
    albedo: ArrayLike = constants.EARTH_ALBEDO,
) -> Array:
    """Earth albedo (reflected sunlight) irradiance on one face of a flat plate.

    ``q_a = S a F(h, lambda) max(cos zeta, 0)`` -- Gilmore's simple model: the Earth in view
    reflects like a uniform Lambertian disk lit at the solar zenith angle ``zeta`` of the
    sub-satellite point. Limitation: the load drops to zero exactly when the sub-satellite point
    crosses the terminator, although a satellite just beyond it still sees a sunlit crescent
    (out to ``zeta ~ 90 deg + rho_e``); near the terminator the model under-predicts and, at
    high altitude where much of the visible disk is at a different zenith angle, it is only a
    rough estimate. Orbit-average loads are little affected.

    Args:
        altitude_m: altitude [m], in [150 km, GEO].
        angle_from_nadir: angle between the face's normal and nadir [rad], in [0, pi].
        cos_subsolar_zenith: cosine of the solar zenith angle at the sub-satellite point [-],
            in [-1, 1] (``cos beta cos theta`` on a circular orbit).
        solar_flux_W_m2: solar irradiance [W/m^2], >= 0 (default 1361 W/m^2, Kopp & Lean 2011).
        albedo: Earth albedo [-], in [0, 1] (default 0.30, CERES / NASA TM-2001-211221).

    Returns:
        Incident albedo flux [W/m^2], broadcast shape.

    Example:
        >>> from thermaljax.orbit import albedo_flux
        >>> round(float(albedo_flux(400e3, 0.0, 1.0)))  # nadir face at the subsolar point
        362

    References:
        Gilmore ch. 2 (albedo); Howell's catalogue, section B (view factor).
    """
    check_range("cos_subsolar_zenith", cos_subsolar_zenith, "(cosine)", low=-1.0, high=1.0)
    check_range("solar_flux_W_m2", solar_flux_W_m2, "W/m^2", low=0.0)
    _check_albedo(albedo)
    view_factor = earth_view_factor(altitude_m, angle_from_nadir)
    return _albedo(
        jnp.asarray(solar_flux_W_m2), jnp.asarray(albedo), view_factor, cos_subsolar_zenith
    )


class PlateEnvironment(NamedTuple):
    """Incident environmental fluxes on both faces of a flat plate [W/m^2].

    Attributes:
        solar_front_W_m2, solar_back_W_m2: direct sunlight, ``S max(+-n.s, 0) sunlit``.
        albedo_front_W_m2, albedo_back_W_m2: reflected sunlight from the Earth.
        ir_front_W_m2, ir_back_W_m2: Earth infrared.
        sunlit_fraction: visible fraction of the solar disk [-] (1 sunlit, 0 umbra).
        cos_subsolar_zenith: ``cos beta cos theta`` [-], cosine of the solar zenith angle at
            the sub-satellite point.
    """

    solar_front_W_m2: Array
    solar_back_W_m2: Array
    albedo_front_W_m2: Array
    albedo_back_W_m2: Array
    ir_front_W_m2: Array
    ir_back_W_m2: Array
    sunlit_fraction: Array
    cos_subsolar_zenith: Array


def plate_environment(
    attitude: AbstractAttitude,
    altitude_m: ArrayLike,
    beta: ArrayLike,
    orbit_angle: ArrayLike,
    *,
    sun_distance_m: ArrayLike = constants.ASTRONOMICAL_UNIT_M,
    albedo: ArrayLike = constants.EARTH_ALBEDO,
    olr_W_m2: ArrayLike = constants.EARTH_OLR_W_M2,
    smoothing: ArrayLike = 0.0,
) -> PlateEnvironment:
    """Direct solar, albedo and Earth-IR fluxes on the front and back of a flat plate.

    With the front normal ``n = attitude.normal_lvlh(s_L)`` (back normal ``-n``) and
    ``S = solar_flux(sun_distance_m)``::

        solar_front = S max(n . s_L, 0) sunlit        solar_back = S max(-n . s_L, 0) sunlit
        albedo_front = S a F(n_z) max(cos zeta, 0)    albedo_back = S a F(-n_z) max(cos zeta, 0)
        ir_front = OLR F(n_z)                         ir_back = OLR F(-n_z)

    ``n_z = n . z_L`` is the cosine of the angle from nadir; ``F`` is evaluated from it directly
    (no ``acos``), so gradients stay finite for plates facing exactly nadir or zenith.

    Args:
        attitude: the plate's :class:`AbstractAttitude`.
        altitude_m: altitude [m], in [150 km, GEO].
        beta: solar beta angle [rad], in [-pi/2, pi/2].
        orbit_angle: orbit angle from orbit noon [rad].
        sun_distance_m: Earth-Sun distance [m], in [0.5, 2] AU (default 1 AU).
        albedo: Earth albedo [-], in [0, 1] (default 0.30).
        olr_W_m2: Earth outgoing long-wave radiation [W/m^2], >= 0 (default 237 W/m^2).
        smoothing: penumbra smoothing [rad], see :func:`sunlit_fraction`.

    Returns:
        :class:`PlateEnvironment`, every field with the broadcast shape of the numeric inputs.

    Example:
        >>> from thermaljax.orbit import FixedLVLH, plate_environment
        >>> env = plate_environment(FixedLVLH((0.0, 0.0, -1.0)), 400e3, 0.0, 0.0)  # zenith face
        >>> round(float(env.solar_front_W_m2)), float(env.ir_front_W_m2)
        (1361, 0.0)
        >>> round(float(env.ir_back_W_m2))  # the back face looks at nadir
        210

    References:
        Gilmore ch. 2; Montenbruck & Gill sec. 3.4.2 (shadow); Howell's catalogue, section B.
    """
    check_altitude(altitude_m)
    check_beta(beta)
    check_angle("orbit_angle", orbit_angle)
    check_sun_distance(sun_distance_m)
    check_smoothing(smoothing, altitude_m)
    _check_albedo(albedo)
    _check_olr(olr_W_m2)
    return _plate_environment(
        attitude, altitude_m, beta, orbit_angle, sun_distance_m, albedo, olr_W_m2, smoothing
    )


@jax.jit
def _plate_environment(
    attitude: AbstractAttitude,
    altitude_m: ArrayLike,
    beta: ArrayLike,
    orbit_angle: ArrayLike,
    sun_distance_m: ArrayLike,
    albedo: ArrayLike,
    olr_W_m2: ArrayLike,
    smoothing: ArrayLike,
) -> PlateEnvironment:
    sun = _sun_direction_lvlh(beta, orbit_angle)
    normal = attitude.normal_lvlh(sun)
    cos_incidence = jnp.sum(normal * sun, axis=-1)
    lit = _sunlit_fraction(altitude_m, beta, orbit_angle, sun_distance_m, smoothing)
    flux = _solar_flux(sun_distance_m)
    direct = flux * lit
    cos_nadir = normal[..., 2]
    view_front = _earth_view_factor_from_cos(altitude_m, cos_nadir)
    view_back = _earth_view_factor_from_cos(altitude_m, -cos_nadir)
    cos_zenith = jnp.cos(jnp.asarray(beta)) * jnp.cos(jnp.asarray(orbit_angle))
    albedo = jnp.asarray(albedo)
    olr = jnp.asarray(olr_W_m2)
    env = PlateEnvironment(
        solar_front_W_m2=direct * positive_part(cos_incidence),
        solar_back_W_m2=direct * positive_part(-cos_incidence),
        albedo_front_W_m2=_albedo(flux, albedo, view_front, cos_zenith),
        albedo_back_W_m2=_albedo(flux, albedo, view_back, cos_zenith),
        ir_front_W_m2=olr * view_front,
        ir_back_W_m2=olr * view_back,
        sunlit_fraction=lit,
        cos_subsolar_zenith=cos_zenith,
    )
    shape = jnp.broadcast_shapes(*(jnp.shape(field) for field in env))
    return PlateEnvironment(*(jnp.broadcast_to(field, shape) for field in env))


__all__ = [
    "PlateEnvironment",
    "albedo_flux",
    "earth_ir_flux",
    "plate_environment",
]
