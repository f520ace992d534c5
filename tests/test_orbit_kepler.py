"""Circular-orbit kinematics and J2 precession (thermaljax.orbit, Kepler part)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermaljax import constants
from thermaljax import orbit

R = constants.EARTH_RADIUS_M
MU = constants.EARTH_MU_M3_S2
J2 = constants.EARTH_J2


def test_period_iss_worked_value():
    # REFERENCES.md: ISS-like 400 km -> 92.56 min, published to 0.01 min (half-unit 0.005 min).
    assert abs(float(orbit.period(400e3)) / 60.0 - 92.56) < 0.005


def test_period_and_mean_motion_closed_form():
    h = np.array([150e3, 400e3, 650e3, 2000e3, 35786e3])
    a = R + h
    # Same closed form evaluated in numpy: only rounding differs (1e-14 relative).
    np.testing.assert_allclose(orbit.period(h), 2 * np.pi * np.sqrt(a**3 / MU), rtol=1e-14)
    np.testing.assert_allclose(orbit.mean_motion(h) * orbit.period(h), 2 * np.pi, rtol=1e-14)
    # GEO: sidereal day 86164.09 s (geostationary by definition), to the 0.1 s the
    # altitude 35786 km (rounded to 1 km, i.e. 0.004 % of a) determines.
    assert abs(float(orbit.period(35786e3)) - 86164.09) < 5.0


def test_orbit_angle_advances_one_turn_per_period():
    t = orbit.period(550e3)
    # theta0 + n T = theta0 + 2 pi exactly up to rounding (1e-12 rad).
    assert abs(float(orbit.orbit_angle(550e3, t, 0.3)) - (0.3 + 2 * math.pi)) < 1e-12
    times = jnp.linspace(0.0, 6000.0, 7)
    np.testing.assert_allclose(
        orbit.orbit_angle(550e3, times), orbit.mean_motion(550e3) * times, rtol=1e-15
    )


def test_period_gradient_matches_kepler_third_law():
    # dT/dh = 3 pi sqrt(a / mu) (derivative of 2 pi a^1.5 / sqrt(mu)); exact up to rounding.
    h = 650e3
    grad = jax.grad(orbit.period)(h)
    assert abs(float(grad) - 3 * math.pi * math.sqrt((R + h) / MU)) < 1e-12


@pytest.mark.parametrize("altitude_km, expected_deg", [(550.0, 97.59), (650.0, 97.99)])
def test_sun_synchronous_inclination_published(altitude_km, expected_deg):
    # REFERENCES.md values are given to 0.01 deg: half a unit of the last digit is 0.005 deg.
    got = math.degrees(float(orbit.sun_synchronous_inclination(altitude_km * 1e3)))
    assert abs(got - expected_deg) < 0.005 + 1e-9, got


def test_raan_drift_at_sun_synchronous_inclination_is_solar_rate():
    h = jnp.array([300e3, 550e3, 650e3, 1200e3, 5000e3])
    rate = orbit.raan_drift_rate(h, orbit.sun_synchronous_inclination(h))
    # cos(acos(x)) round trip: relative error ~1e-15; 1e-12 leaves margin.
    np.testing.assert_allclose(rate, constants.SUN_SYNCHRONOUS_RATE_RAD_S, rtol=1e-12)


def test_raan_drift_iss_like():
    h, inc = 400e3, math.radians(51.6)
    a = R + h
    n = math.sqrt(MU / a**3)
    expected = -1.5 * n * J2 * (R / a) ** 2 * math.cos(inc)  # independent numpy/math closed form
    got = float(orbit.raan_drift_rate(h, inc))
    assert abs(got - expected) < 1e-12 * abs(expected)
    # Published ISS nodal regression ~ -5.0 deg/day (published to 0.1 deg/day).
    assert abs(got * 86400 * 180 / math.pi - (-5.0)) < 0.1


def test_raan_drift_sign_and_polar_zero():
    assert float(orbit.raan_drift_rate(500e3, 0.5)) < 0.0  # prograde: westward
    assert float(orbit.raan_drift_rate(500e3, 2.0)) > 0.0  # retrograde: eastward
    assert abs(float(orbit.raan_drift_rate(500e3, math.pi / 2))) < 1e-20  # cos(pi/2) ~ 6e-17


def test_sun_synchronous_limit_altitude():
    h_max = orbit.MAX_SUN_SYNCHRONOUS_ALTITUDE_M
    assert 5.9e6 < h_max < 6.0e6  # ~5,974 km for WGS-84 mu, R_E, J2
    # At the limit the orbit is retrograde equatorial (cos i = -1) to rounding.
    assert abs(math.degrees(float(orbit.sun_synchronous_inclination(h_max - 1.0))) - 180.0) < 0.1
    with pytest.raises(ValueError, match=r"altitude_m.*sun-synchronous.*150 km to 5974 km"):
        orbit.sun_synchronous_inclination(6.5e6)
    # Traced altitudes are not checked: beyond the limit the result is NaN, not a wrong angle.
    assert math.isnan(float(jax.jit(orbit.sun_synchronous_inclination)(6.5e6)))


def test_kepler_gradients_finite():
    for fn in (orbit.period, orbit.mean_motion, orbit.sun_synchronous_inclination):
        for h in (150e3, 650e3, 5.9e6):
            assert np.isfinite(float(jax.grad(fn)(h)))
    g = jax.grad(orbit.raan_drift_rate, argnums=(0, 1))(650e3, 0.0)
    assert all(np.isfinite(float(x)) for x in g)
