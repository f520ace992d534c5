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
    with pytest.raises(ValueError, match="axis 'radiator' is unknown"):
        sizing.design_grid({"radiator": [1.0]})
    with pytest.raises(ValueError, match="'beta_deg' is a scenario parameter.*Cases"):
        sizing.design_grid({"beta_deg": [1.0]})
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
    with pytest.raises(ValueError, match="column 'radiator_area' is unknown.*did you mean "
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

    def counting(designs, params, prob):
        if not isinstance(designs.radiator_area_m2, jax.core.Tracer):  # an evaluation, not
            calls.append(1)                                             # a shape inference
        return real(designs, params, prob)

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


def test_cases_mix_design_fields_and_scenario_parameters():
    c = sizing.Cases.grid({"radiator_area_m2": [80.0, 100.0], "beta_deg": [0.0, 60.0, 75.0]})
    assert c.n == 6
    np.testing.assert_array_equal(c.designs.radiator_area_m2, [80.0] * 3 + [100.0] * 3)
    np.testing.assert_array_equal(c.parameters["beta_deg"], [0.0, 60.0, 75.0] * 2)
    lhs = sizing.Cases.latin_hypercube({"altitude_m": (5e5, 1.2e6), "array_area_m2": (250, 350)},
                                       10, seed=2)
    strata = np.floor((lhs.parameters["altitude_m"] - 5e5) / 7e5 * 10).astype(int)
    np.testing.assert_array_equal(np.sort(strata), np.arange(10))
    t = sizing.Cases.from_table({"radiator_absorptance": [0.07, 0.12], "radiator_area_m2": [80, 90]})
    assert list(t.parameters) == ["radiator_absorptance"] and t.n == 2
    with pytest.raises(ValueError, match="beta_deg = 95 \\[deg\\] is outside the allowed range "
                                         "\\[-90, 90\\]"):
        sizing.Cases.grid({"beta_deg": [0.0, 95.0]})
    with pytest.raises(ValueError, match="'albedos' is unknown; did you mean albedo"):
        sizing.Cases.grid({"albedos": [0.3]})
    with pytest.raises(ValueError, match="pv_degradation = -0.1 is outside"):
        sizing.Cases.from_table({"pv_degradation": [-0.1]})


CASES = sizing.Cases.grid({"radiator_area_m2": [70.0, 90.0], "beta_deg": [10.0, 72.0],
                           "altitude_m": [500e3, 1000e3], "radiator_absorptance": [0.07, 0.2]})


def test_scenario_parameters_equal_the_scenario_they_describe():
    """A sweep over beta angle, altitude and coating absorptance gives, case by case, what
    :func:`evaluate` gives for a scenario built with those values (same equations; the steps
    per orbit follow the highest altitude; tolerance 1e-9 relative: vmapped vs single-design
    programs may reassociate float64 sums)."""
    import math

    from thermaljax.system import Coating, OrbitSpec

    ev = sizing.sweep(CASES, SC, chunk_size=8)
    assert np.all(np.asarray(ev.status) == 0)
    top = SC.replace(orbit=OrbitSpec(1000e3, 0.0))
    steps = tj.system.steps_per_orbit(top)
    for i in (0, 7, 10, 13):
        p = {k: float(v[i]) for k, v in CASES.parameters.items()}
        sc = SC.replace(
            orbit=OrbitSpec(p["altitude_m"], math.radians(p["beta_deg"])),
            loop=SC.loop.replace(radiator_coating=Coating(p["radiator_absorptance"], 0.80)),
            simulation=SimulationSpec(step_s=60.0, warmup_orbits=0, steps_per_orbit=steps))
        ref = sizing.evaluate(jax.tree.map(lambda x, i=i: x[i], CASES.designs), sc)
        for name in ("max_junction_K", "min_soc", "radiator_min_K", "objective"):
            np.testing.assert_allclose(np.asarray(getattr(ev, name))[i],
                                       float(getattr(ref, name)), rtol=1e-9, err_msg=name)
    # The parameters matter. Case 0: 70 m², beta 10 deg, 500 km, alpha 0.07; case 1: alpha
    # 0.2 (more albedo absorbed: hotter); case 4: beta 72 deg, above beta* = 68 deg at 500 km,
    # so no eclipse and the battery is never drawn down.
    tj_, soc = np.asarray(ev.max_junction_K), np.asarray(ev.min_soc)
    assert tj_[1] > tj_[0]
    assert soc[4] > soc[0] + 0.05


_TWO_PROCESSES = textwrap.dedent("""
    import json, sys
    import jax
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(sys.argv[1], num_processes=2, process_id=int(sys.argv[2]))
    import numpy as np
    import thermaljax as tj
    from thermaljax import sizing
    from thermaljax.system import SimulationSpec

    sc = tj.Scenario.default().replace(simulation=SimulationSpec(step_s=60.0, warmup_orbits=0))
    c = sizing.Cases.grid({"radiator_area_m2": [70.0, 90.0], "beta_deg": [10.0, 72.0],
                           "altitude_m": [500e3, 1000e3], "radiator_absorptance": [0.07, 0.2]})
    ev = sizing.sweep(c, sc, chunk_size=8, folder=sys.argv[3])
    placed = sizing.shard(c.designs)
    print(json.dumps({
        "process": jax.process_index(), "devices": len(jax.devices()),
        "local_rows": [int(s.data.shape[0]) for s in placed.radiator_area_m2.addressable_shards],
        "max_junction_K": np.asarray(ev.max_junction_K).tolist(),
        "min_soc": np.asarray(ev.min_soc).tolist(),
        "status": np.asarray(ev.status).tolist(),
    }))
""")


@pytest.mark.slow  # ~85 s of 2-core CPU: two processes compile the sharded program
def test_two_processes_with_jax_distributed_equal_one_process(tmp_path):
    """Two processes joined by ``jax.distributed.initialize`` (CPU, gloo collectives), one
    device each: the design axis spans both processes' devices, each evaluates half of each
    chunk, both get the whole result, equal to the one-process sweep (1e-12 relative). The
    first chunk is already on disk (process 0 loads it and hands it to process 1); only the
    second is evaluated."""
    import socket

    one = sizing.sweep(CASES, SC, chunk_size=8, folder=tmp_path)
    (tmp_path / "chunk_0000000008_0000000015.npz").unlink()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    procs = [subprocess.Popen([sys.executable, "-c", _TWO_PROCESSES, f"127.0.0.1:{port}",
                               str(i), str(tmp_path)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for i in range(2)]
    outs = [p.communicate(timeout=900) for p in procs]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
    res = sorted((json.loads(o.strip().splitlines()[-1]) for o, _ in outs),
                 key=lambda r: r["process"])
    assert [r["devices"] for r in res] == [2, 2]
    assert [r["local_rows"] for r in res] == [[8], [8]]  # 16 cases split evenly
    for r in res:
        np.testing.assert_allclose(r["max_junction_K"], np.asarray(one.max_junction_K),
                                   rtol=1e-12)
        np.testing.assert_allclose(r["min_soc"], np.asarray(one.min_soc), rtol=1e-12)
        assert r["status"] == [0] * 16
    assert (tmp_path / "chunk_0000000008_0000000015.npz").exists()  # process 0 wrote it
