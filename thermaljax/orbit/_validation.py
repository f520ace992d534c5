"""Argument checks shared by the orbit functions (run on concrete values, skipped when traced)."""

from __future__ import annotations

import math

from jax.typing import ArrayLike

from .. import constants
from .._checks import check_range

MIN_SUN_DISTANCE_M: float = 0.5 * constants.ASTRONOMICAL_UNIT_M
"""Smallest accepted Sun distance [m]. The Earth's own range is 0.983-1.017 AU; the wider
bracket 0.5-2 AU admits what-if studies while keeping the Sun far outside any Earth orbit."""

MAX_SUN_DISTANCE_M: float = 2.0 * constants.ASTRONOMICAL_UNIT_M
"""Largest accepted Sun distance [m] (see :data:`MIN_SUN_DISTANCE_M`)."""


def check_altitude(altitude_m: ArrayLike) -> None:
    """Altitude above the spherical Earth within [150 km, GEO] [m]."""
    check_range(
        "altitude_m",
        altitude_m,
        "m",
        low=constants.MIN_ALTITUDE_M,
        high=constants.MAX_ALTITUDE_M,
    )


def check_inclination(inclination: ArrayLike) -> None:
    """Orbit inclination within [0, pi] rad."""
    check_range("inclination", inclination, "rad", low=0.0, high=math.pi)


def check_beta(beta: ArrayLike) -> None:
    """Solar beta angle within [-pi/2, pi/2] rad."""
    check_range("beta", beta, "rad", low=-0.5 * math.pi, high=0.5 * math.pi)


def check_angle(name: str, angle: ArrayLike) -> None:
    """Any finite angle [rad] (orbit angles, RAAN: periodic, not wrapped)."""
    check_range(name, angle, "rad")


def check_sun_distance(sun_distance_m: ArrayLike) -> None:
    """Sun distance within [0.5, 2] AU [m]."""
    check_range(
        "sun_distance_m", sun_distance_m, "m", low=MIN_SUN_DISTANCE_M, high=MAX_SUN_DISTANCE_M
    )
