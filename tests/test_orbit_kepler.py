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


def test_period_iss_worked_value(validation):
    # REFERENCES.md: ISS-like 400 km -> 92.56 min, published to 0.01 min (half-unit 0.005 min).
    err = abs(float(orbit.period(400e3)) / 60.0 - 92.56)
    validation.record(case="Orbital period, ISS-like orbit", condition="h = 400 km",
                      reference="published figure 92.56 min (REFERENCES.md worked example)",
                      quantity="|T - 92.56 min|", error=err, tolerance=0.005, unit="min")
    assert err < 0.005


def test_period_and_mean_motion_closed_form(validation):
    h = np.array([150e3, 400e3, 650e3, 2000e3, 35786e3])
    a = R + h
    # Same closed form evaluated in numpy: only rounding differs (1e-14 relative).
    expected = 2 * np.pi * np.sqrt(a**3 / MU)
    validation.record_allclose(
        case="Orbital period, Kepler's third law", condition="h = 150 km to GEO",
        reference="closed form 2 pi sqrt(a^3/mu) (NumPy)", quantity="|T - T_ref|",
        actual=orbit.period(h), desired=expected, rtol=1e-14, atol=0, unit="s")
    np.testing.assert_allclose(orbit.period(h), expected, rtol=1e-14)
    np.testing.assert_allclose(orbit.mean_motion(h) * orbit.period(h), 2 * np.pi, rtol=1e-14)
    # GEO: sidereal day 86164.09 s (geostationary by definition), to the 0.1 s the
    # altitude 35786 km (rounded to 1 km, i.e. 0.004 % of a) determines.
    err = abs(float(orbit.period(35786e3)) - 86164.09)
    validation.record(case="Orbital period, geostationary orbit", condition="h = 35,786 km",
                      reference="published figure: sidereal day 86164.09 s",
                      quantity="|T - 86164.09 s| (altitude given to 1 km)", error=err,
                      tolerance=5.0, unit="s")
    assert err < 5.0


def test_orbit_angle_advances_one_turn_per_period():
    t = orbit.period(550e3)
    # theta0 + n T = theta0 + 2 pi exactly up to rounding (1e-12 rad).
    assert abs(float(orbit.orbit_angle(550e3, t, 0.3)) - (0.3 + 2 * math.pi)) < 1e-12
    times = jnp.linspace(0.0, 6000.0, 7)
    np.testing.assert_allclose(
        orbit.orbit_angle(550e3, times), orbit.mean_motion(550e3) * times, rtol=1e-15
    )


def test_period_gradient_matches_kepler_third_law(validation):
    # dT/dh = 3 pi sqrt(a / mu) (derivative of 2 pi a^1.5 / sqrt(mu)); exact up to rounding.
    h = 650e3
    grad = jax.grad(orbit.period)(h)
    err = abs(float(grad) - 3 * math.pi * math.sqrt((R + h) / MU))
    validation.record(case="Gradient of the period dT/dh (jax.grad)", condition="h = 650 km",
                      reference="closed form 3 pi sqrt(a/mu)", quantity="|dT/dh - ref|",
                      error=err, tolerance=1e-12, unit="s/m")
    assert err < 1e-12


@pytest.mark.parametrize("altitude_km, expected_deg", [(550.0, 97.59), (650.0, 97.99)])
def test_sun_synchronous_inclination_published(altitude_km, expected_deg, validation):
    # REFERENCES.md values are given to 0.01 deg: half a unit of the last digit is 0.005 deg.
    got = math.degrees(float(orbit.sun_synchronous_inclination(altitude_km * 1e3)))
    validation.record(case="Sun-synchronous inclination", condition=f"h = {altitude_km:.0f} km",
                      reference=f"published figure {expected_deg} deg (REFERENCES.md)",
                      quantity="|i - i_ref| (reference given to 0.01 deg)",
                      error=abs(got - expected_deg), tolerance=0.005 + 1e-9, unit="deg")
    assert abs(got - expected_deg) < 0.005 + 1e-9, got


def test_raan_drift_at_sun_synchronous_inclination_is_solar_rate(validation):
    h = jnp.array([300e3, 550e3, 650e3, 1200e3, 5000e3])
    rate = orbit.raan_drift_rate(h, orbit.sun_synchronous_inclination(h))
    # cos(acos(x)) round trip: relative error ~1e-15; 1e-12 leaves margin.
    validation.record_allclose(
        case="Nodal precession of sun-synchronous orbits", condition="h = 300 to 5,000 km",
        reference="closed form: 360 deg per tropical year", quantity="|dOmega/dt - ref|",
        actual=rate, desired=constants.SUN_SYNCHRONOUS_RATE_RAD_S, rtol=1e-12, atol=0,
        unit="rad/s")
    np.testing.assert_allclose(rate, constants.SUN_SYNCHRONOUS_RATE_RAD_S, rtol=1e-12)


def test_raan_drift_iss_like(validation):
    h, inc = 400e3, math.radians(51.6)
    a = R + h
    n = math.sqrt(MU / a**3)
    expected = -1.5 * n * J2 * (R / a) ** 2 * math.cos(inc)  # independent numpy/math closed form
    got = float(orbit.raan_drift_rate(h, inc))
    validation.record(case="J2 nodal precession, closed form",
                      condition="h = 400 km, i = 51.6 deg",
                      reference="closed form -1.5 n J2 (R/a)^2 cos i (math)",
                      quantity="|dOmega/dt - ref|", error=abs(got - expected),
                      tolerance=1e-12 * abs(expected), unit="rad/s")
    assert abs(got - expected) < 1e-12 * abs(expected)
    # Published ISS nodal regression ~ -5.0 deg/day (published to 0.1 deg/day).
    err = abs(got * 86400 * 180 / math.pi - (-5.0))
    validation.record(case="J2 nodal precession, ISS", condition="h = 400 km, i = 51.6 deg",
                      reference="published figure -5.0 deg/day (ISS nodal regression)",
                      quantity="|dOmega/dt - ref|", error=err, tolerance=0.1, unit="deg/day")
    assert err < 0.1


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
