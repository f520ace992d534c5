"""View factor from a flat plate (one face) to a sphere, and to the Earth.

A differential planar element at distance ``H`` sphere radii from the sphere's centre, its
normal at angle ``lambda`` from the direction to the centre. With ``phi = asin(1/H)`` the half
angle the sphere subtends (Howell's catalogue, section B,
"differential planar element to sphere")::

    lambda <= pi/2 - phi:   F = cos(lambda) / H^2                      (sphere fully in view)
    |lambda - pi/2| < phi:  F = 1/2 - (1/pi) asin( sqrt(H^2-1) / (H sin lambda) )
                              + 1/(pi H^2) [ cos(lambda) acos( -sqrt(H^2-1) cot lambda )
                                             - sqrt(H^2-1) sqrt(1 - H^2 cos^2 lambda) ]
    lambda >= pi/2 + phi:   F = 0                                      (sphere behind the plate)

The formula is evaluated from ``cos(lambda)`` and ``sin(lambda)``; every ``sqrt``, ``asin``,
``acos`` and division is masked (double ``where``) so that values and gradients are finite at
``lambda = 0``, ``pi``, at both transition angles and at ``H = 1`` (there the gradient takes
the one-sided value of the branch that owns the boundary point).

References:
    [Howell] J. R. Howell, "A Catalog of Radiation Heat Transfer Configuration Factors",
        section B (factors from differential elements to finite areas: planar element to
        sphere, element tilted from the line to the sphere's centre).
    [Gilmore] D. G. Gilmore (ed.), "Spacecraft Thermal Control Handbook", vol. I, 2nd ed.
        (2002), ch. 2 (Earth view factors of flat plates).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
from jax import Array
from jax.typing import ArrayLike

from .. import constants
from .._checks import check_range
from ._safe_math import safe_arccos, safe_arcsin, safe_sqrt
from ._validation import check_altitude


@jax.jit
def _view_factor(distance_ratio: Array, cos_angle: Array, sin_angle: Array) -> Array:
    """Plate-to-sphere view factor from ``H`` and the cosine/sine (>= 0) of ``lambda``."""
    h = distance_ratio
    h2 = h * h
    root = safe_sqrt(h2 - 1.0)  # sqrt(H^2 - 1); zero gradient at H = 1
    h_cos = h * cos_angle
    full = h_cos >= 1.0  # lambda <= pi/2 - phi  (cos lambda >= sin phi = 1/H)
    hidden = h_cos <= -1.0  # lambda >= pi/2 + phi
    partial = ~(full | hidden)
    # In the partial band |cos lambda| < 1/H <= 1, hence sin lambda > 0.
    sin_p = jnp.where(partial, sin_angle, 1.0)
    polar = safe_arcsin(root / (h * sin_p))
    azimuth = safe_arccos(-root * cos_angle / sin_p)
    chord = safe_sqrt((1.0 - h_cos) * (1.0 + h_cos))  # sqrt(1 - H^2 cos^2 lambda)
    f_partial = (
        0.5 - polar / jnp.pi + (cos_angle * azimuth - root * chord) / (jnp.pi * h2)
    )
    return jnp.where(full, cos_angle / h2, jnp.where(hidden, 0.0, f_partial))


def _earth_view_factor_from_cos(altitude_m: ArrayLike, cos_from_nadir: ArrayLike) -> Array:
    """Earth view factor of a plate whose normal makes ``acos(cos_from_nadir)`` with nadir."""
    cos_from_nadir = jnp.asarray(cos_from_nadir)
    h = (constants.EARTH_RADIUS_M + jnp.asarray(altitude_m)) / constants.EARTH_RADIUS_M
    sin_from_nadir = safe_sqrt((1.0 - cos_from_nadir) * (1.0 + cos_from_nadir))
    return _view_factor(h, cos_from_nadir, sin_from_nadir)


def plate_sphere_view_factor(distance_ratio: ArrayLike, angle_from_centre: ArrayLike) -> Array:
    """View factor from one face of a differential flat plate to a sphere.

    See the module docstring for the three branches (Howell's catalogue, section B). Limits: at
    ``H -> 1`` it tends to ``(1 + cos lambda)/2``; far away ``F H^2 -> max(cos lambda, 0)``.

    Args:
        distance_ratio: ``H``, distance of the plate from the sphere's centre over the sphere's
            radius [-], >= 1.
        angle_from_centre: ``lambda``, angle between the plate's normal and the direction from
            the plate to the sphere's centre [rad], in [0, pi].

    Returns:
        View factor [-], in [0, 1], broadcast shape.

    Example:
        >>> from thermaljax.orbit import plate_sphere_view_factor
        >>> round(float(plate_sphere_view_factor(2.0, 0.0)), 4)  # facing the centre: 1/H^2
        0.25

    References:
        Howell's catalogue, section B (planar element to sphere); Gilmore ch. 2.
    """
    check_range("distance_ratio", distance_ratio, "(ratio)", low=1.0)
    check_range("angle_from_centre", angle_from_centre, "rad", low=0.0, high=math.pi)
    angle = jnp.asarray(angle_from_centre)
    return _view_factor(jnp.asarray(distance_ratio), jnp.cos(angle), jnp.sin(angle))


def earth_view_factor(altitude_m: ArrayLike, angle_from_nadir: ArrayLike) -> Array:
    """View factor from one face of a flat plate in orbit to the spherical Earth.

    ``F = plate_sphere_view_factor((R_E + h) / R_E, angle_from_nadir)``.

    Args:
        altitude_m: altitude [m], in [150 km, GEO].
        angle_from_nadir: angle between the plate's normal and nadir [rad], in [0, pi]
            (0: facing the Earth, pi/2: edge-on, pi: facing zenith).

    Returns:
        View factor [-] (0.886 nadir / 0.289 edge-on at 400 km; 0.824 / 0.241 at 650 km).

    Example:
        >>> import math
        >>> from thermaljax.orbit import earth_view_factor
        >>> round(float(earth_view_factor(400e3, 0.0)), 4)  # facing nadir: 1/H^2
        0.8855
        >>> round(float(earth_view_factor(400e3, math.pi / 2)), 4)  # edge-on
        0.2887

    References:
        Howell's catalogue, section B (planar element to sphere); Gilmore ch. 2.
    """
    check_altitude(altitude_m)
    check_range("angle_from_nadir", angle_from_nadir, "rad", low=0.0, high=math.pi)
    angle = jnp.asarray(angle_from_nadir)
    h = (constants.EARTH_RADIUS_M + jnp.asarray(altitude_m)) / constants.EARTH_RADIUS_M
    return _view_factor(h, jnp.cos(angle), jnp.sin(angle))


__all__ = ["earth_view_factor", "plate_sphere_view_factor"]
