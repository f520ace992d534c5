"""Physical and astronomical constants used by thermaljax, each with its unit and source.

All values are SI. Every module takes its constants from here, so a change of source is made
in one place. Values are plain Python floats: they are folded into compiled code as literals and
take the dtype of the arrays they meet (float32 or float64).

References:
    [CODATA2018] Tiesinga et al., "CODATA recommended values of the fundamental physical
        constants: 2018", Rev. Mod. Phys. 93, 025010 (2021).
    [WGS84] NIMA TR8350.2, "Department of Defense World Geodetic System 1984", 3rd ed. (2000).
    [EGM2008] Pavlis et al., "The development and evaluation of the Earth Gravitational Model
        2008", J. Geophys. Res. 117, B04406 (2012) (unnormalised J2 = -C20 * sqrt(5)).
    [KL2011] Kopp & Lean, "A new, lower value of total solar irradiance", Geophys. Res. Lett. 38,
        L01706 (2011).
    [IAU2012] IAU 2012 Resolution B2 (astronomical unit); IAU 2015 Resolution B3 (nominal solar
        radius).
    [CERES] Loeb et al., "Clouds and the Earth's Radiant Energy System (CERES) Energy Balanced
        and Filled (EBAF) top-of-atmosphere edition 4.0", J. Climate 31 (2018): global albedo
        0.29-0.30, outgoing long-wave radiation ~ 240 W/m^2.
    [TM2001] Anderson, Justus & Batts, "Guidelines for the selection of near-Earth thermal
        environment parameters for spacecraft design", NASA TM-2001-211221 (2001).
    [FIXEN2009] Fixsen, "The temperature of the cosmic microwave background", ApJ 707, 916 (2009).
    [AA] The Astronomical Almanac, section C ("low-precision formulas for the Sun"), U.S. Naval
        Observatory / HM Nautical Almanac Office.
    [IERS] IERS Bulletin C 52+: TAI - UTC = 37 s since 2017-01-01; TT = TAI + 32.184 s.
"""

from __future__ import annotations

import math

# --- Radiation ------------------------------------------------------------------------------
STEFAN_BOLTZMANN_W_M2_K4: float = 5.670374419e-8
"""Stefan-Boltzmann constant sigma [W m^-2 K^-4]. Exact in SI since 2019 [CODATA2018]."""

SOLAR_CONSTANT_W_M2: float = 1361.0
"""Total solar irradiance at 1 AU [W/m^2]; 1360.8 +/- 0.5 measured by SORCE/TIM [KL2011]."""

DEEP_SPACE_TEMPERATURE_K: float = 3.0
"""Radiative sink temperature of deep space [K]; the CMB is 2.7255 K [FIXEN2009], rounded up
as is usual in spacecraft thermal analysis."""

EARTH_ALBEDO: float = 0.30
"""Orbit-average Earth albedo [-]; CERES gives 0.29-0.30, design range 0.25-0.35 [CERES, TM2001]."""

EARTH_OLR_W_M2: float = 237.0
"""Orbit-average outgoing long-wave radiation of the Earth [W/m^2]; design value, short-time
range ~150-350 W/m^2 [CERES, TM2001]."""

# --- Earth ----------------------------------------------------------------------------------
EARTH_RADIUS_M: float = 6378137.0
"""Earth equatorial radius [m] [WGS84]. thermaljax uses a spherical Earth of this radius."""

EARTH_MU_M3_S2: float = 3.986004418e14
"""Earth gravitational parameter GM [m^3/s^2] [WGS84]."""

EARTH_J2: float = 1.08263e-3
"""Second zonal harmonic J2 of the Earth's gravity field [-] [WGS84, EGM2008]."""

GEO_ALTITUDE_M: float = 35786.0e3
"""Altitude of the geostationary orbit above the equator [m] (radius 42164 km)."""

MIN_ALTITUDE_M: float = 150.0e3
"""Lowest altitude thermaljax accepts [m]: below ~150 km drag decays an orbit within hours."""

MAX_ALTITUDE_M: float = GEO_ALTITUDE_M
"""Highest altitude thermaljax accepts [m]: geostationary altitude."""

# --- Sun and time ---------------------------------------------------------------------------
ASTRONOMICAL_UNIT_M: float = 149597870700.0
"""Astronomical unit [m], exact by definition [IAU2012]."""

SUN_RADIUS_M: float = 6.957e8
"""Nominal solar radius [m] [IAU2012, IAU 2015 B3]."""

TROPICAL_YEAR_S: float = 365.2422 * 86400.0
"""Mean tropical year [s]: period of the mean Sun's right ascension, used for sun-synchronous
precession (360 deg per 365.2422 days) [AA]."""

SUN_SYNCHRONOUS_RATE_RAD_S: float = 2.0 * math.pi / TROPICAL_YEAR_S
"""Nodal precession rate of a sun-synchronous orbit [rad/s] (~0.9856 deg/day)."""

SECONDS_PER_DAY: float = 86400.0
"""Seconds per day [s]."""

J2000_JULIAN_DATE_TT: float = 2451545.0
"""Julian date of the J2000.0 epoch, 2000-01-01 12:00:00 TT [d]."""

TT_MINUS_UTC_S: float = 69.184
"""TT - UTC [s] = (TAI - UTC = 37 s) + 32.184 s, valid since 2017-01-01 [IERS]. Before 2017 it
is at most 37 s smaller, which moves the Sun by < 0.0004 deg, far inside the 0.01 deg accuracy
of the solar ephemeris."""
