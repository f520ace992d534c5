"""Input validation of the orbit functions: concrete bad values raise, traced ones do not."""

import datetime as dt
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermaljax import orbit

ALTITUDE_FUNCTIONS = [
    orbit.period,
    orbit.mean_motion,
    orbit.sun_synchronous_inclination,
    orbit.beta_star,
    lambda h: orbit.orbit_angle(h, 10.0),
    lambda h: orbit.raan_drift_rate(h, 1.0),
    lambda h: orbit.eclipse_fraction(h, 0.1),
    lambda h: orbit.sunlit_fraction(h, 0.1, 2.0),
    lambda h: orbit.earth_view_factor(h, 0.5),
    lambda h: orbit.earth_ir_flux(h, 0.5),
    lambda h: orbit.albedo_flux(h, 0.5, 0.5),
    lambda h: orbit.plate_environment(orbit.EdgeOnSun(), h, 0.1, 2.0),
]


@pytest.mark.parametrize("fn", ALTITUDE_FUNCTIONS)
@pytest.mark.parametrize("bad", [100e3, 40_000e3, float("nan"), float("inf")])
def test_bad_altitude(fn, bad):
    message = r"altitude_m = .* m.*allowed range \[150000, 3\.5786e\+07\] m"
    with pytest.raises(ValueError, match=message):
        fn(bad)


def test_bad_altitude_in_array_names_first_offender():
    message = r"altitude_m = array of shape \(3,\) m .*first offending element: 100000"
    with pytest.raises(ValueError, match=message):
        orbit.period(np.array([400e3, 100e3, 500e3]))


def test_bad_angles():
    with pytest.raises(ValueError, match=r"inclination = 4 rad.*\[0, 3\.14159\] rad"):
        orbit.raan_drift_rate(500e3, 4.0)
    with pytest.raises(ValueError, match="inclination"):
        orbit.beta_angle(-0.1, 0.0, 0.0)
    with pytest.raises(ValueError, match=r"beta = 2 rad.*\[-1\.5708, 1\.5708\] rad"):
        orbit.eclipse_fraction(500e3, 2.0)
    for fn in (
        lambda b: orbit.sunlit_fraction(500e3, b, 0.0),
        lambda b: orbit.sun_direction_lvlh(b, 0.0),
        lambda b: orbit.sun_incidence(orbit.SunTracking(), b, 0.0),
        lambda b: orbit.plate_environment(orbit.SunTracking(), 500e3, b, 0.0),
    ):
        with pytest.raises(ValueError, match="beta"):
            fn(-1.6)
    with pytest.raises(ValueError, match="orbit_angle"):
        orbit.sunlit_fraction(500e3, 0.0, float("nan"))
    with pytest.raises(ValueError, match="angle_from_nadir"):
        orbit.earth_view_factor(500e3, 3.5)
    with pytest.raises(ValueError, match="distance_ratio"):
        orbit.plate_sphere_view_factor(0.9, 0.0)
    with pytest.raises(ValueError, match="angle_from_centre"):
        orbit.plate_sphere_view_factor(1.5, -0.1)


def test_bad_epoch():
    with pytest.raises(ValueError, match="epoch"):
        orbit.sun_position(float("nan"))
    with pytest.raises(ValueError, match="epoch"):
        orbit.sun_unit_vector(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="epoch"):
        orbit.sun_position(dt.datetime(1900, 1, 1))


def test_bad_loads_parameters():
    with pytest.raises(ValueError, match="smoothing"):
        orbit.sunlit_fraction(500e3, 0.0, 0.0, smoothing=-0.01)
    with pytest.raises(ValueError, match="sun_distance_m"):
        orbit.sunlit_fraction(500e3, 0.0, 0.0, sun_distance_m=1e9)
    with pytest.raises(ValueError, match="sun_distance_m"):
        orbit.solar_flux(0.0)
    with pytest.raises(ValueError, match="albedo"):
        orbit.plate_environment(orbit.EdgeOnSun(), 500e3, 0.0, 0.0, albedo=1.5)
    with pytest.raises(ValueError, match="olr_W_m2"):
        orbit.earth_ir_flux(500e3, 0.0, olr_W_m2=-1.0)
    with pytest.raises(ValueError, match="cos_subsolar_zenith"):
        orbit.albedo_flux(500e3, 0.0, 1.5)


def test_bad_attitudes():
    with pytest.raises(ValueError, match=r"normal must be a finite non-zero 3-vector"):
        orbit.FixedLVLH((0.0, 0.0, 0.0))
    with pytest.raises(ValueError, match="normal"):
        orbit.FixedLVLH((0.0, float("nan"), 1.0))
    with pytest.raises(ValueError, match=r"normal must have shape \(3,\)"):
        orbit.FixedLVLH((0.0, 1.0))
    with pytest.raises(ValueError, match="axis"):
        orbit.SunTracking(axis=(0, 0, 0))
    # Integer vectors are accepted and normalised.
    np.testing.assert_allclose(orbit.FixedLVLH((0, 3, 4)).normal, [0.0, 0.6, 0.8])


def test_traced_values_are_not_checked():
    # Inside jit the values are unknown: no error, the formula is evaluated as is.
    assert np.isfinite(float(jax.jit(orbit.period)(100e3)))
    assert np.isfinite(float(jax.jit(lambda b: orbit.eclipse_fraction(500e3, b))(1.0)))
    f = jax.jit(lambda n: orbit.FixedLVLH(n).normal)
    np.testing.assert_allclose(f(jnp.array([0.0, 0.0, 2.0])), [0.0, 0.0, 1.0])
    assert math.isfinite(float(jax.jit(orbit.sun_position)(1e6).declination))
