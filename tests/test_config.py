"""Configuration files: defaults, partial overrides, round trips and every kind of bad input.

No test here compiles anything: configurations are checked and built before any JAX work.
"""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pytest

import thermaljax as tj
from thermaljax import config, launch
from thermaljax.config import ConfigError


def test_defaults_equal_the_api_defaults():
    cfg = config.defaults()
    d, ref = cfg.design, tj.Design.default()
    for k in tj.sizing.DESIGN_FIELDS:
        assert float(getattr(d, k)) == float(getattr(ref, k)), k
    sc, ref_sc = cfg.scenario, tj.Scenario.default()
    # Same orbit (dawn-dusk at the default epoch), flux, rack, loop and power, leaf by leaf.
    import jax

    la, lb = jax.tree.leaves(sc), jax.tree.leaves(ref_sc)
    assert len(la) == len(lb)
    for a, b in zip(la, lb):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12)
    assert jax.tree.structure(sc) == jax.tree.structure(ref_sc)
    assert cfg.vehicle.name == launch.FALCON_9.name
    assert cfg.optimize_options["steps"] == 200


def test_end_of_life_switch_matches_the_api():
    import jax

    sc = config.from_dict({"scenario": {"end_of_life": True}}).scenario
    ref = tj.Scenario.default(end_of_life=True)
    for a, b in zip(jax.tree.leaves(sc), jax.tree.leaves(ref)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-12)
    # An explicit key beats the end-of-life default.
    sc = config.from_dict({"scenario": {"end_of_life": True},
                           "power": {"pv_degradation": 0.95}}).scenario
    assert float(sc.power.pv_degradation) == 0.95
    assert float(sc.power.battery_capacity_retention) == 0.80


def test_init_file_is_complete_documented_and_round_trips(tmp_path):
    text = config.default_toml()
    data = tomllib.loads(text)
    # Every section and every non-optional key is written; optional ones appear commented.
    for sec, keys in config.KEYS.items():
        top, _, sub = sec.partition(".")
        body = data[top][sub] if sub else data[sec]
        for name, key in keys.items():
            if name == "*":
                continue
            if key.default is None:
                assert f"# {name} =" in text, name
            else:
                assert name in body, (sec, name)
    # Every key has its unit and range or choices documented on the line above it.
    lines = text.splitlines()
    i = lines.index("radiator_area_m2 = 90.0")
    assert lines[i - 1].startswith("# [m^2]") and "Range (0, 100000] m^2" in lines[i - 1]
    i = lines.index('vehicle = "falcon9"')
    assert "One of: falcon9, falcon-heavy, starship, generic" in lines[i - 1]
    assert "$3,500/kg" in lines[i - 1]  # the source of the price
    # Reading the written file gives back the defaults.
    path = tmp_path / "t.toml"
    path.write_text(text)
    assert config.load(path).values == config.defaults().values


def test_partial_file_overrides_key_by_key(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[design]\nradiator_area_m2 = 120\n[orbit]\nbeta_deg = 0.0\n'
                    '[rack]\ngpu = "B200"\n[launch]\nvehicle = "starship"\n'
                    '[optimize.bounds]\nradiator_area_m2 = [50.0, 200.0]\n')
    cfg = config.load(path)
    assert float(cfg.design.radiator_area_m2) == 120.0
    assert float(cfg.design.array_area_m2) == 320.0  # untouched default
    assert float(cfg.scenario.orbit.beta_rad) == 0.0
    assert cfg.scenario.rack.gpu.name == tj.rack.B200.name
    assert cfg.vehicle.name == launch.STARSHIP.name
    assert cfg.optimize_options["bounds"] == {"radiator_area_m2": (50.0, 200.0)}


def test_written_config_reads_back_identically():
    cfg = config.from_dict({"design": {"battery_capacity_Wh": 81234.5678},
                            "optimize": {"free": ["radiator_area_m2"]}})
    text = config.to_toml(cfg.values, comments=False)
    again = config.from_dict(tomllib.loads(text))
    assert again.values == cfg.values
    assert float(again.design.battery_capacity_Wh) == 81234.5678


def test_replace_checks_like_a_file():
    cfg = config.defaults().replace(design={"radiator_area_m2": 70.0})
    assert float(cfg.design.radiator_area_m2) == 70.0
    with pytest.raises(ConfigError, match=r"\[design\] radiator_area_m2 = -1: outside the "
                                          r"allowed range \(0, 100000\] m\^2"):
        config.defaults().replace(design={"radiator_area_m2": -1})
    sweep = config.defaults().replace(**{"sweep.axes": {"array_area_m2": [200.0, 300.0, 2]}})
    assert sweep.values["sweep.axes"] == {"array_area_m2": [200.0, 300.0, 2]}  # replaced


@pytest.mark.parametrize("text, needle", [
    ("[design]\nradiator_area_m = 90\n",
     "[design] radiator_area_m = 90: unknown key; did you mean radiator_area_m2?"),
    ("[desgin]\nradiator_area_m2 = 90\n", "unknown section [desgin]; did you mean design?"),
    ("[design]\naltitude_m = 5e5\n", "[design] altitude_m = 500000: unknown key; altitude_m "
                                     "belongs in [orbit]"),
    ("n_gpus = 8\n", "unknown section [n_gpus]; n_gpus is a key: write it under [rack]"),
    ('[design]\nradiator_area_m2 = "big"\n',
     '[design] radiator_area_m2 = "big": must be a number in (0, 100000] m^2'),
    ("[design]\nradiator_area_m2 = true\n", "radiator_area_m2 = True: must be a number"),
    ("[orbit]\naltitude_m = 100.0\n",
     "[orbit] altitude_m = 100: outside the allowed range [150000, 3.5786e+07] m"),
    ("[simulation]\norbits = 2.5\n", "[simulation] orbits = 2.5: must be an integer in [1, 50]"),
    ("[scenario]\nend_of_life = 1\n", "[scenario] end_of_life = 1: must be true or false"),
    ('[loop]\nradiator_coating = "OSR"\n',
     '[loop] radiator_coating = "OSR": must be one of osr, white-paint; did you mean osr?'),
    ('[orbit]\nepoch = "2026-12-21"\n', "must be a TOML date-time such as"),
    ('[optimize]\nfree = ["radiator_area_m2", "array"]\n',
     '[optimize] free[1] = "array": must be one of'),
    ("[optimize]\nfree = []\n", "[optimize] free = []: must be a non-empty list"),
    ("[optimize.bounds]\nradiator_area_m2 = [200.0, 100.0]\n", "low must be below high"),
    ("[optimize.bounds]\nradiator_area_m2 = [10.0, 50.0]\n",
     "does not contain the starting design's radiator_area_m2 = 90"),
    ('[optimize]\nfree = ["array_area_m2"]\n[optimize.bounds]\nradiator_area_m2 = [10.0, '
     '500.0]\n', "[optimize.bounds] radiator_area_m2: not a free field"),
    ("[sweep.axes]\nradiator = [1.0, 2.0, 3]\n",
     "[sweep.axes] radiator: unknown design field or scenario parameter; did you mean radiator_area_m2?"),
    ("[sweep.axes]\nradiator_area_m2 = [1.0, 2.0]\n", "must be [low, high, count] [m^2]"),
    ("[sweep.axes]\nradiator_area_m2 = [1.0, 2.0, 0]\n", "count = 0: outside the allowed range"),
    ("[power]\nbattery_min_K = 300.0\nbattery_max_K = 290.0\n",
     "[power] battery_max_K = 290 K is outside the allowed range (300, 400] K"),
    ("[design\nradiator_area_m2 = 1\n", "invalid TOML"),
])
def test_bad_file_names_file_section_key_and_range(tmp_path, text, needle):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        config.load(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: "), msg
    assert needle in msg, msg
    assert "\n" not in msg  # one line


def test_missing_unreadable_and_binary_files(tmp_path):
    with pytest.raises(ConfigError, match="configuration file not found"):
        config.load(tmp_path / "none.toml")
    with pytest.raises(ConfigError, match="is a folder"):
        config.load(tmp_path)
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError, match="not a text"):
        config.load(tmp_path / "bin.toml")


def test_every_key_is_documented_with_a_range_or_choices():
    for sec, keys in config.KEYS.items():
        for name, key in keys.items():
            assert key.doc and not key.doc.endswith("."), (sec, name)
            if key.kind in ("float", "int", "floats"):
                assert key.low is not None and key.high is not None, (sec, name)
                assert math.isfinite(key.high), (sec, name)
            if key.kind in ("str", "strs"):
                assert key.choices, (sec, name)


def test_docstring_example():
    import doctest

    res = doctest.testmod(config, verbose=False)
    assert res.attempted > 0 and res.failed == 0
