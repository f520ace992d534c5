"""Sweeps: chunks on disk and resume, failed designs kept and explained, several devices.

The scenario is the cheapest that still has every part: the default rack at 60 s steps, one
orbit from the orbit-averaged steady state (no warm-up).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import jax
import numpy as np
import pytest

import thermaljax as tj
from thermaljax import sizing
from thermaljax.sizing import _sweep
from thermaljax.system import SimulationSpec

SC = tj.Scenario.default().replace(simulation=SimulationSpec(step_s=60.0, warmup_orbits=0))


def test_grid_is_the_cartesian_product_with_base_values():
    d = sizing.design_grid({"radiator_area_m2": [80.0, 100.0],
                            "battery_capacity_Wh": [6e4, 8e4, 1e5]})
    assert d.radiator_area_m2.shape == (6,)
    np.testing.assert_array_equal(d.radiator_area_m2, [80.0] * 3 + [100.0] * 3)
    np.testing.assert_array_equal(d.battery_capacity_Wh, [6e4, 8e4, 1e5] * 2)
    assert np.all(np.asarray(d.array_area_m2) == 320.0)
    with pytest.raises(ValueError, match="unknown design field 'radiator'"):
        sizing.design_grid({"radiator": [1.0]})
    with pytest.raises(ValueError, match="radiator_area_m2 = .*outside"):
        sizing.design_grid({"radiator_area_m2": [-1.0, 10.0]})


def test_latin_hypercube_has_one_sample_per_stratum():
    n = 50
    d = sizing.latin_hypercube({"radiator_area_m2": (60.0, 120.0),
                                "battery_capacity_Wh": (5e4, 1.5e5)}, n, seed=3)
    for field, (lo, hi) in (("radiator_area_m2", (60.0, 120.0)),
                            ("battery_capacity_Wh", (5e4, 1.5e5))):
        x = np.asarray(getattr(d, field))
        assert np.all((x >= lo) & (x <= hi))
        strata = np.floor((x - lo) / (hi - lo) * n).astype(int)
        np.testing.assert_array_equal(np.sort(strata), np.arange(n))  # exactly one each
    assert np.all(np.asarray(d.array_area_m2) == 320.0)  # unsampled fields keep the base
    again = sizing.latin_hypercube({"radiator_area_m2": (60.0, 120.0),
                                    "battery_capacity_Wh": (5e4, 1.5e5)}, n, seed=3)
    np.testing.assert_array_equal(d.radiator_area_m2, again.radiator_area_m2)  # seeded
    # The two fields are paired by independent permutations: not sorted together.
    assert abs(np.corrcoef(d.radiator_area_m2, d.battery_capacity_Wh)[0, 1]) < 0.5
    logd = sizing.latin_hypercube({"radiator_area_m2": (10.0, 1000.0)}, 20, log=True)
    strata = np.floor(np.log10(np.asarray(logd.radiator_area_m2)) * 10 - 10).astype(int)
    np.testing.assert_array_equal(np.sort(strata), np.arange(20))  # strata even in log
    with pytest.raises(ValueError, match="low > 0 for log"):
        sizing.latin_hypercube({"radiator_area_m2": (0.0, 10.0)}, 4, log=True)


def test_designs_from_table():
    d = sizing.designs_from_table({"radiator_area_m2": [70.0, 80.0], "array_area_m2": [300, 310]})
    np.testing.assert_array_equal(d.array_area_m2, [300.0, 310.0])
    assert np.all(np.asarray(d.battery_capacity_Wh) == 1e5)
    with pytest.raises(ValueError, match="unknown design field 'radiator_area'.*did you mean "
                                         "radiator_area_m2"):
        sizing.designs_from_table({"radiator_area": [1.0]})
    with pytest.raises(ValueError, match="one length"):
        sizing.designs_from_table({"radiator_area_m2": [1.0], "array_area_m2": [1.0, 2.0]})
    with pytest.raises(ValueError, match="radiator_area_m2 = .*outside"):
        sizing.designs_from_table({"radiator_area_m2": [-5.0]})


def test_chunks_resume_and_failed_designs_are_kept(tmp_path, monkeypatch):
    """Five designs in chunks of two (3 chunks, the last padded); the fourth has a 1 Wh
    battery and diverges: it is marked failed with its reason, the others complete. A second
    call with one chunk file deleted and one truncated (an interrupted write) evaluates just
    those two chunks and returns the same numbers."""
    d = sizing.design_grid({"battery_capacity_Wh": [6e4, 8e4, 1e5, 1.0, 1.2e5]})
    calls = []
    real = _sweep._batched

    def counting(designs, prob):
        if not isinstance(designs.radiator_area_m2, jax.core.Tracer):  # an evaluation, not
            calls.append(1)                                             # a shape inference
        return real(designs, prob)

    monkeypatch.setattr(_sweep, "_batched", counting)
    seen = []
    first = sizing.sweep(d, SC, chunk_size=2, folder=tmp_path,
                         callback=lambda done, total: seen.append((done, total)))
    assert seen == [(2, 5), (4, 5), (5, 5)] and len(calls) == 3
    status = np.asarray(first.status)
    np.testing.assert_array_equal(status, [0, 0, 0, 1, 0])
    reasons = sizing.failure_reason(status)
    assert reasons[0] == "" and "diverged" in reasons[3]
    ok = status == 0
    assert np.all(np.isfinite(np.asarray(first.objective)[ok]))
    assert np.all(np.isfinite(np.asarray(first.max_junction_K)[ok]))
    # The battery sizes the SOC swing: more capacity, higher minimum SOC.
    assert np.all(np.diff(np.asarray(first.min_soc)[[0, 1, 2, 4]]) > 0)

    files = sorted(tmp_path.glob("chunk_*.npz"))
    assert [f.name for f in files] == ["chunk_0000000000_0000000001.npz",
                                       "chunk_0000000002_0000000003.npz",
                                       "chunk_0000000004_0000000004.npz"]
    files[1].unlink()
    files[2].write_bytes(files[2].read_bytes()[:100])
    calls.clear()
    again = sizing.sweep(d, SC, chunk_size=2, folder=tmp_path)
    assert len(calls) == 2
    for a, b in zip(jax.tree.leaves(first), jax.tree.leaves(again)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # Other inputs never reuse the stored chunks (digest of problem and designs).
    calls.clear()
    sizing.sweep(d, SC, chunk_size=2, folder=tmp_path, objective="launch_cost")
    assert len(calls) == 3


_FOUR_DEVICES = textwrap.dedent("""
    import json, os
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
    import jax
    jax.config.update("jax_enable_x64", True)
    import numpy as np
    import thermaljax as tj
    from thermaljax import sizing
    from thermaljax.system import SimulationSpec

    sc = tj.Scenario.default().replace(simulation=SimulationSpec(step_s=60.0, warmup_orbits=0))
    d = sizing.design_grid({"radiator_area_m2": [60.0, 80.0, 100.0, 120.0],
                            "battery_capacity_Wh": [5e4, 1e5]})
    devs = jax.local_devices()
    placed = sizing.shard(d, devs)
    shards = placed.radiator_area_m2.addressable_shards
    four = sizing.sweep(d, sc, devices=devs, chunk_size=8)
    one = sizing.sweep(d, sc, devices=devs[:1], chunk_size=8)
    diff = max(float(np.max(np.abs(np.asarray(a) - np.asarray(b)) / (1.0 + np.abs(np.asarray(b)))))
               for a, b in zip(jax.tree.leaves(four), jax.tree.leaves(one)))
    print(json.dumps({
        "devices": len(devs),
        "rows_per_device": sorted(int(s.data.shape[0]) for s in shards),
        "devices_holding_rows": sorted(int(s.device.id) for s in shards),
        "values_per_device": [np.asarray(s.data).tolist() for s in shards],
        "max_rel_diff": diff,
        "status": np.asarray(four.status).tolist(),
    }))
""")


def test_sharded_over_four_devices_equals_one_device():
    """XLA_FLAGS=--xla_force_host_platform_device_count=4 in a fresh process: the design axis
    is split 2/2/2/2 over four devices, and the sweep gives the same numbers as on one device
    (the same per-design program; tolerance 1e-12 relative for float64 reassociation)."""
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=4"}
    proc = subprocess.run([sys.executable, "-c", _FOUR_DEVICES], capture_output=True,
                          text=True, timeout=900, env=env)
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    assert res["devices"] == 4
    assert res["rows_per_device"] == [2, 2, 2, 2]  # work split evenly
    assert res["devices_holding_rows"] == [0, 1, 2, 3]
    # Each device holds its own consecutive slice of the grid.
    assert sorted(v for vals in res["values_per_device"] for v in vals) == \
        sorted([60.0, 60.0, 80.0, 80.0, 100.0, 100.0, 120.0, 120.0])
    assert res["max_rel_diff"] <= 1e-12
    assert res["status"] == [0] * 8
