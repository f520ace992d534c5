"""Benchmarks still run (at a tiny size) and write their JSON; timings are never asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run_quick(script: str, tmp_path: Path, timeout: int) -> dict:
    """Run ``benchmarks/<script> --quick`` in a fresh process; return its JSON."""
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), "--quick", "--out", str(out)],
        capture_output=True, text=True, timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


def test_thermal_transient_benchmark_quick(tmp_path):
    res = _run_quick("thermal_transient.py", tmp_path, timeout=600)
    size = res["sizes"][0]
    assert size["thermaljax_rodas4"]["error_K"] < 0.05
    assert size["batch"]["thermaljax_solves_per_s"] > 0
    assert size["gradient"]["ratio"] > 0


@pytest.mark.slow  # ~210 s of compilation in a fresh process
def test_system_benchmark_quick(tmp_path):
    res = _run_quick("system.py", tmp_path, timeout=900)
    assert res["accuracy"]["default_meets_targets"]
    assert res["one_orbit_float64"][0]["designs_per_s"] > 0
    assert res["gradient"]["finite"] and res["gradient"]["ratio"] > 0
    assert res["scipy_radau"]["success"]
    assert res["scipy_radau"]["junction_difference_K"] < 0.05


@pytest.mark.slow  # ~110 s of compilation in a fresh process
def test_optimize_benchmark_quick(tmp_path):
    res = _run_quick("optimize.py", tmp_path, timeout=900)
    assert res["thermaljax"]["steps"] == 6 and res["thermaljax"]["compile_s"] > 0
    assert res["scipy_slsqp"]["evaluations"] > 0
    assert res["multistart"]["start_steps_per_s"] > 0


@pytest.mark.slow  # fresh processes (1 device; 2 processes joined by jax.distributed)
def test_sweep_benchmark_quick(tmp_path):
    res = _run_quick("sweep.py", tmp_path, timeout=900)
    assert [(r["devices"], r["processes"]) for r in res["rows"]] == [(1, 1), (2, 2)]
    assert all(r["designs_per_s"] > 0 and r["failed"] == 0 for r in res["rows"])


@pytest.mark.slow  # ~6 programs compiled in a fresh process
def test_entry_points_benchmark_quick(tmp_path):
    res = _run_quick("entry_points.py", tmp_path, timeout=1200)
    names = [r["entry_point"] for r in res["entry_points"]]
    assert "evaluate" in names and "optimize (1 step)" in names
    assert all(r["compile_s"] > 0 for r in res["entry_points"])
    roof = res["roofline"]
    assert roof["matmul_gflops"] > 0 and roof["flops_per_design_step"] > 1000
    assert 0 < roof["fraction_of_matmul_peak"] < 1


@pytest.mark.slow  # ~110 s: grad and a 64-design vmap at the default 10 s step (the same
# operations are tested on cheaper scenarios in test_system.py)
def test_readme_python_example_runs():
    import re

    src = (ROOT / "README.md").read_text()
    code = re.findall(r"```python\n(.*?)```", src, re.S)[0]
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    assert scope["T"].shape[1] == len(scope["r"].node_names)
    assert float(scope["dTj"].radiator_area_m2) < 0.0  # more radiator, cooler GPUs
    assert scope["tj_batch"].shape == (64,)


def test_peers_benchmark_battery_quick(tmp_path):
    """PyBaMM's Thevenin model beside thermaljax.battery at a tiny size (~10 s)."""
    out = tmp_path / "peers.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "peers.py"), "--quick", "--peers",
         "battery", "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    bat = json.loads(out.read_text())["battery"]
    assert all(r["solves_per_s"] > 0 for r in bat["rows"])
    # thermaljax's exact zero-order-hold update against PyBaMM at rtol 1e-10: both solve the
    # same Thevenin equations, so they agree to the reference's tolerance (1e-8 V here).
    assert bat["accuracy"]["thermaljax_vs_pybamm_tight_max_voltage_V"] < 1e-8


@pytest.mark.slow  # compiles evaluate, sweep and a recorded simulate (~150 s)
def test_peers_benchmark_quick(tmp_path):
    res = _run_quick("peers.py", tmp_path, timeout=1200)
    assert res["sizing"]["spacedc_mdao"] and res["sizing"]["thermaljax_sweep"]
