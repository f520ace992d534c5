"""Solar ephemeris, epochs, beta angle and solar flux (thermaljax.orbit)."""

import datetime as dt
import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermaljax import constants
from thermaljax import orbit

AU = constants.ASTRONOMICAL_UNIT_M
MEEUS_DAYS = 2448908.5 - 2451545.0  # 1992 Oct 13.0 TT (Meeus, Astronomical Algorithms, Ex. 25.a)


def _astropy_sun(days):
    """Apparent Sun of date (true equator, true equinox) from astropy, offline."""
    pytest.importorskip("astropy")
    from astropy.utils import iers

    iers.conf.auto_download = False  # never touch the network
    iers.conf.auto_max_age = None  # accept the bundled (old) IERS-A predictions
    iers.conf.iers_degraded_accuracy = "ignore"  # dates past the tables: arcsec-level effect only
    import astropy.units as u
    from astropy.coordinates import TETE, get_sun
    from astropy.time import Time

    t = Time(constants.J2000_JULIAN_DATE_TT + np.asarray(days), format="jd", scale="tt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ERFA "dubious year" and IERS range warnings
        sun = get_sun(t).transform_to(TETE(obstime=t))
    return np.radians(sun.ra.deg), np.radians(sun.dec.deg), sun.distance.to(u.AU).value


def test_meeus_example_25(validation):
    # Meeus Ex. 25.b (VSOP87, apparent): alpha = 198.378178 deg, delta = -7.783871 deg,
    # R = 0.99760775 AU. The AA low-precision formulas are quoted at ~0.01 deg; R to ~1e-4 AU.
    sun = orbit.sun_position(MEEUS_DAYS)
    errors = dict(
        ra=abs(math.degrees(float(sun.right_ascension)) - 198.378178),
        dec=abs(math.degrees(float(sun.declination)) - (-7.783871)),
        r=abs(float(sun.distance_m) / AU - 0.99760775),
    )
    meeus = "published figure: Meeus, Astronomical Algorithms, Ex. 25.b (VSOP87)"
    where = "1992-10-13 0h TT"
    validation.record(case="Sun right ascension, Meeus example", condition=where,
                      reference=meeus, quantity="|alpha - alpha_ref|", error=errors["ra"],
                      tolerance=0.01, unit="deg")
    validation.record(case="Sun declination, Meeus example", condition=where, reference=meeus,
                      quantity="|delta - delta_ref|", error=errors["dec"], tolerance=0.01,
                      unit="deg")
    validation.record(case="Earth-Sun distance, Meeus example", condition=where,
                      reference=meeus, quantity="|R - R_ref|", error=errors["r"],
                      tolerance=1e-4, unit="AU")
    assert errors["ra"] < 0.01
    assert errors["dec"] < 0.01
    assert errors["r"] < 1e-4


def test_meeus_example_via_datetime():
    # 1992-10-13 00:00 TT expressed in UTC with the package's TT - UTC; the conversion must
    # return exactly the TT day count (float64 microsecond resolution: 1e-11 d).
    utc = dt.datetime(1992, 10, 13) - dt.timedelta(seconds=constants.TT_MINUS_UTC_S)
    assert abs(float(orbit.days_since_j2000(utc)) - MEEUS_DAYS) < 1e-9
    np.testing.assert_allclose(
        orbit.sun_position(utc).right_ascension, orbit.sun_position(MEEUS_DAYS).right_ascension,
        rtol=0, atol=1e-12,
    )


def test_days_since_j2000_conversions():
    tt_offset = dt.timedelta(seconds=constants.TT_MINUS_UTC_S)
    j2000_utc = dt.datetime(2000, 1, 1, 12) - tt_offset
    assert abs(float(orbit.days_since_j2000(j2000_utc))) < 1e-12
    # Aware datetimes are converted to UTC; naive ones are UTC.
    plus2 = dt.timezone(dt.timedelta(hours=2))
    aware = dt.datetime(2030, 6, 1, 14, 0, tzinfo=plus2)
    naive = dt.datetime(2030, 6, 1, 12, 0)
    assert float(orbit.days_since_j2000(aware)) == float(orbit.days_since_j2000(naive))
    expected = (naive - dt.datetime(2000, 1, 1, 12)).total_seconds() / 86400 + 69.184 / 86400
    assert abs(float(orbit.days_since_j2000(naive)) - expected) < 1e-12
    # Sequences and numpy datetime64 give the same days, with the input's shape.
    seq = [[naive, naive + dt.timedelta(days=1)], [naive + dt.timedelta(days=2), naive]]
    days = orbit.days_since_j2000(seq)
    assert days.shape == (2, 2)
    np.testing.assert_allclose(days[0, 1] - days[0, 0], 1.0, atol=1e-12)
    d64 = np.array(["2030-06-01T12:00:00", "2030-06-02T12:00:00"], dtype="datetime64[s]")
    np.testing.assert_allclose(orbit.days_since_j2000(d64), days[0], rtol=0, atol=1e-12)
    # Numbers pass through untouched (traceable).
    assert float(orbit.days_since_j2000(1234.5)) == 1234.5
    with pytest.raises(ValueError, match="mixes"):
        orbit.days_since_j2000([naive, 3.0])


def test_sun_against_astropy_2000_2050(validation):
    rng = np.random.default_rng(20240501)
    days = rng.uniform(0.0, 50 * 365.25, 200)
    ra_ref, dec_ref, r_ref = _astropy_sun(days)
    sun = orbit.sun_position(jnp.asarray(days))
    dra = (np.asarray(sun.right_ascension) - ra_ref + np.pi) % (2 * np.pi) - np.pi
    err_ra = np.degrees(np.abs(dra) * np.cos(dec_ref))
    err_dec = np.degrees(np.abs(np.asarray(sun.declination) - dec_ref))
    err_r = np.abs(np.asarray(sun.distance_m) / AU - r_ref)
    # The AA formulas omit nutation (+-0.0048 deg in longitude), the lunar wobble of the Earth
    # (+-0.0018 deg) and planetary terms: their sum bounds the error at ~0.014 deg in
    # alpha cos(delta) (measured max over 2000-2050: 0.0139 deg) and ~0.006 deg in delta; the
    # AA's "0.01 deg" is the typical size, checked by the RMS.
    rms = math.sqrt(np.mean(err_ra**2 + err_dec**2))
    ref = "astropy get_sun in TETE (VSOP/ERFA, offline)"
    when = "200 random epochs 2000-2050"
    validation.record(case="Sun right ascension vs astropy", condition=when, reference=ref,
                      quantity="max |alpha - alpha_ref| cos(delta)", error=err_ra.max(),
                      tolerance=0.015, unit="deg")
    validation.record(case="Sun declination vs astropy", condition=when, reference=ref,
                      quantity="max |delta - delta_ref|", error=err_dec.max(), tolerance=0.01,
                      unit="deg")
    validation.record(case="Sun direction vs astropy, RMS", condition=when, reference=ref,
                      quantity="RMS angular error", error=rms, tolerance=0.01, unit="deg")
    validation.record(case="Earth-Sun distance vs astropy", condition=when, reference=ref,
                      quantity="max |R - R_ref|", error=err_r.max(), tolerance=2e-4, unit="AU")
    assert err_ra.max() < 0.015, err_ra.max()
    assert err_dec.max() < 0.01, err_dec.max()
    assert rms < 0.01
    # Distance: the 3-term series is good to ~1e-4 AU (measured max 8.7e-5 AU).
    assert err_r.max() < 2e-4, err_r.max()


def test_sun_unit_vector_consistent_with_position():
    days = jnp.linspace(-18000.0, 36000.0, 37)
    v = orbit.sun_unit_vector(days)
    sun = orbit.sun_position(days)
    assert v.shape == (37, 3)
    np.testing.assert_allclose(jnp.linalg.norm(v, axis=-1), 1.0, atol=1e-15)
    np.testing.assert_allclose(jnp.mod(jnp.arctan2(v[:, 1], v[:, 0]), 2 * np.pi),
                               sun.right_ascension, atol=1e-12)
    np.testing.assert_allclose(jnp.arcsin(v[:, 2]), sun.declination, atol=1e-12)
    assert np.all((sun.right_ascension >= 0) & (sun.right_ascension < 2 * np.pi))


def _orbit_normal(inclination, raan):
    return np.stack(
        [np.sin(inclination) * np.sin(raan), -np.sin(inclination) * np.cos(raan),
         np.cos(inclination) * np.ones_like(raan)], axis=-1)


def test_beta_angle_against_meeus_sun(validation):
    # Independent: orbit normal from (i, Omega) and the accurate Meeus Sun (Ex. 25.b);
    # beta = asin(n . s). The Sun direction error of the AA formulas there is 0.003 deg, so
    # 0.01 deg is a clear bound.
    ra, dec = np.radians(198.378178), np.radians(-7.783871)
    s = np.array([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)])
    inc = np.radians(np.array([0.0, 28.5, 51.6, 90.0, 97.8, 140.0, 180.0]))
    raan = np.radians(np.array([0.0, 300.0, 120.0, 17.0, 288.4, 45.0, 200.0]))
    expected = np.degrees(np.arcsin(_orbit_normal(inc, raan) @ s))
    got = np.degrees(np.asarray(orbit.beta_angle(inc, raan, jnp.full(7, MEEUS_DAYS))))
    validation.record_allclose(
        case="Beta angle, Meeus Sun", condition="7 orbits, i = 0 to 180 deg, 1992-10-13",
        reference="asin(h . s) with the Meeus Ex. 25.b Sun (NumPy)",
        quantity="max |beta - beta_ref|", actual=got, desired=expected, rtol=0, atol=0.01,
        unit="deg")
    np.testing.assert_allclose(got, expected, rtol=0, atol=0.01)


def test_beta_angle_against_astropy(validation):
    rng = np.random.default_rng(7)
    n = 100
    days = rng.uniform(0.0, 50 * 365.25, n)
    inc = rng.uniform(0.0, np.pi, n)
    raan = rng.uniform(0.0, 2 * np.pi, n)
    ra, dec, _ = _astropy_sun(days)
    s = np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)
    expected = np.degrees(np.arcsin(np.sum(_orbit_normal(inc, raan) * s, axis=-1)))
    got = np.degrees(np.asarray(orbit.beta_angle(inc, raan, days)))
    # |d beta| <= angular error of the Sun direction <= hypot(0.014, 0.006) deg (see above).
    validation.record_allclose(
        case="Beta angle vs astropy", condition="100 random orbits and epochs 2000-2050",
        reference="asin(h . s) with the astropy Sun (TETE)", quantity="max |beta - beta_ref|",
        actual=got, desired=expected, rtol=0, atol=0.016, unit="deg")
    np.testing.assert_allclose(got, expected, rtol=0, atol=0.016)


def test_beta_angle_dawn_dusk_sso_over_a_year():
    h = 650e3
    inc = orbit.sun_synchronous_inclination(h)
    rate = orbit.raan_drift_rate(h, inc)
    t0 = orbit.days_since_j2000(dt.datetime(2026, 3, 20, 12))
    days = t0 + jnp.arange(0.0, 366.0, 0.5)
    raan0 = orbit.sun_position(t0).right_ascension + math.pi / 2  # Sun 90 deg from the node
    raan = raan0 + rate * (days - t0) * constants.SECONDS_PER_DAY
    beta = np.degrees(np.asarray(orbit.beta_angle(inc, raan, days)))
    # REFERENCES.md: beta spans roughly 58.6-89.9 deg. beta = 180 deg - (i + delta) for an
    # exact dawn-dusk plane gives 58.6 deg at delta = +23.44 deg; the equation of time
    # (true vs mean Sun, up to ~4 deg) moves the node-Sun angle, hence the loose bracket.
    assert 57.0 < beta.min() < 61.0, beta.min()
    assert beta.max() > 85.0, beta.max()
    assert np.all(beta > 0)  # the Sun never leaves the orbit-normal side
    # Eclipses only around the winter solstice when beta < beta* (65.2 deg at 650 km).
    assert np.any(orbit.eclipse_fraction(h, np.radians(beta)) > 0)


def test_beta_angle_gradient_matches_finite_difference(validation):
    f = jax.jit(lambda d: orbit.beta_angle(1.7, 0.4, d))
    d0, step = 9000.0, 1e-3
    fd = (f(d0 + step) - f(d0 - step)) / (2 * step)
    # Central difference error ~ step^2 * |f'''| ~ 1e-6 * (2pi/365)^3 ~ 5e-12 rad/d.
    err = abs(float(jax.grad(f)(d0)) - float(fd))
    validation.record(case="Gradient of the beta angle with respect to the epoch",
                      condition="i = 1.7 rad, Omega = 0.4 rad",
                      reference="central finite difference (float64, step 1e-3 d)",
                      quantity="|d beta/dt - FD|", error=err, tolerance=1e-9, unit="rad/d")
    assert err < 1e-9
    # Finite also at beta = +-90 deg, where asin'(1) is infinite (masked).
    sun = orbit.sun_position(d0)
    raan_pole = float(sun.right_ascension) + math.pi / 2
    inc_pole = math.pi / 2 - float(sun.declination)
    g = jax.grad(orbit.beta_angle, argnums=(0, 1, 2))(inc_pole, raan_pole, d0)
    assert all(np.isfinite(float(x)) for x in g)


def test_solar_flux_seasonal_range(validation):
    days = orbit.days_since_j2000(dt.datetime(2026, 1, 1)) + jnp.arange(0.0, 366.0, 0.25)
    flux = np.asarray(orbit.solar_flux(orbit.sun_position(days).distance_m))
    # REFERENCES.md: ~1317-1408 W/m^2 (integer rounding +-0.5; 6 h sampling of the extremes
    # changes them by < 0.01 W/m^2).
    ref = "published figure: seasonal range 1317-1408 W/m^2 (REFERENCES.md)"
    validation.record(case="Solar flux at aphelion", condition="year 2026", reference=ref,
                      quantity="|min S - 1317 W/m^2|", error=abs(flux.min() - 1317.0),
                      tolerance=0.6, unit="W/m^2")
    validation.record(case="Solar flux at perihelion", condition="year 2026", reference=ref,
                      quantity="|max S - 1408 W/m^2|", error=abs(flux.max() - 1408.0),
                      tolerance=0.6, unit="W/m^2")
    assert abs(flux.min() - 1317.0) < 0.6, flux.min()
    assert abs(flux.max() - 1408.0) < 0.6, flux.max()
    assert float(orbit.solar_flux()) == constants.SOLAR_CONSTANT_W_M2
    assert abs(float(orbit.solar_flux(2 * AU)) - constants.SOLAR_CONSTANT_W_M2 / 4) < 1e-10


def test_epoch_validation():
    for bad in (float("nan"), float("inf"), -20000.0, 40000.0):
        with pytest.raises(ValueError, match=r"epoch.*1950-01-01 to 2100-01-01"):
            orbit.sun_position(bad)
    with pytest.raises(ValueError, match="epoch"):
        orbit.beta_angle(1.0, 0.0, dt.datetime(2150, 1, 1))
    with pytest.raises(ValueError):
        orbit.days_since_j2000("2020-01-01")
    with pytest.raises(ValueError, match="raan"):
        orbit.beta_angle(1.0, float("nan"), 0.0)
    # Traced epochs are not checked.
    assert np.isfinite(float(jax.jit(lambda d: orbit.sun_position(d).declination)(1000.0)))
