"""The Examples in the docstrings (orbit, thermal, pv, battery, mass, launch, system) run and print what they say;
the orbit namespace is curated."""

import doctest
import importlib

import pytest

MODULES = [
    *(f"thermaljax.orbit.{m}" for m in
      ("_kepler", "_ephemeris", "_shadow", "_view_factor", "_attitude", "_environment")),
    *(f"thermaljax.thermal.{m}" for m in ("_network", "_transient", "_steady")),
    "thermaljax.pv", "thermaljax.battery", "thermaljax.mass", "thermaljax.launch",
    *(f"thermaljax.system.{m}" for m in ("_spec", "_simulate")),
    "thermaljax.sizing._sweep",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def test_public_namespace_is_curated():
    import thermaljax.orbit as orbit

    public = {n for n in dir(orbit) if not n.startswith("_")}
    expected = {
        "period", "mean_motion", "orbit_angle", "sun_synchronous_inclination", "raan_drift_rate",
        "days_since_j2000", "sun_position", "SunPosition", "sun_unit_vector", "beta_angle",
        "solar_flux", "beta_star", "eclipse_fraction", "sunlit_fraction",
        "plate_sphere_view_factor", "earth_view_factor", "earth_ir_flux", "albedo_flux",
        "sun_direction_lvlh", "AbstractAttitude", "FixedLVLH", "SunTracking", "EdgeOnSun",
        "sun_incidence", "plate_environment", "PlateEnvironment",
        "EPOCH_MIN_DAYS", "EPOCH_MAX_DAYS", "MAX_SUN_SYNCHRONOUS_ALTITUDE_M",
    }
    assert expected <= public, expected - public
    # Nothing else leaks except the private implementation modules' package names.
    assert public - expected == set(), public - expected
