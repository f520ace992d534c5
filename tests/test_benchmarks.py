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


@pytest.mark.slow  # two fresh processes (1 and 2 host devices), ~60 s of compilation
def test_sweep_benchmark_quick(tmp_path):
    res = _run_quick("sweep.py", tmp_path, timeout=900)
    assert [r["devices"] for r in res["rows"]] == [1, 2]
    assert all(r["designs_per_s"] > 0 and r["failed"] == 0 for r in res["rows"])


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
