"""The command line, run as a user would: a subprocess, fresh output folders, exit codes."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

import thermaljax as tj


def run_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "thermaljax.cli", *args],
        capture_output=True, text=True, cwd=cwd, timeout=600,
    )


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    proc = run_cli("simulate", "--out", str(out), "--float64")
    return proc, out


def test_simulate_writes_summary_csv_and_plots(default_run):
    proc, out = default_run
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["thermaljax_version"] == tj.__version__
    assert summary["all_limits_met"] is True
    assert summary["inputs"]["design"]["radiator_area_m2"] == 90.0
    with open(out / "timeseries.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == tj.system.steps_per_orbit(tj.Scenario.default()) + 1
    assert {"time_s", "T_gpu_K", "soc", "pv_W", "shunt_W", "radiated_battery_W"} <= set(rows[0])
    for name in ("temperatures.png", "battery.png", "power.png"):
        png = (out / name).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000, name  # real figures
    assert "max GPU junction temperature" in proc.stdout and "VIOLATED" not in proc.stdout
    assert not list(out.glob("*.tmp"))  # atomic writes leave no temporaries


def test_summary_equals_python_api(default_run):
    proc, out = default_run
    metrics = json.loads((out / "summary.json").read_text())["metrics"]
    api = tj.system.summary_dict(tj.simulate(tj.Design.default(), tj.Scenario.default()))
    for key in ("max_junction_K", "min_soc", "battery_max_K", "compute_fraction",
                "pv_energy_J", "shunt_energy_J"):
        # Same inputs, separate processes: XLA may fuse differently; agreement to 1e-7.
        assert metrics[key] == pytest.approx(api[key], rel=1e-7), key
    assert metrics["shutdown_time_s"] is None  # an event that did not happen


def test_design_flags_reach_the_design(tmp_path):
    out = tmp_path / "small"
    proc = run_cli("simulate", "--out", str(out), "--radiator-area-m2", "55", "--battery-kwh",
                   "60", "--quiet")
    assert proc.returncode == 0, proc.stderr
    s = json.loads((out / "summary.json").read_text())
    assert s["inputs"]["design"]["radiator_area_m2"] == 55.0
    assert s["inputs"]["design"]["battery_capacity_Wh"] == 60_000.0
    # A 55 m^2 radiator cannot hold 87 C: the report says so instead of failing.
    assert s["all_limits_met"] is False
    assert s["metrics"]["throttle_time_s"] is not None


@pytest.mark.parametrize(
    "args, needle",
    [
        (["simulate", "--radiator-area-m2", "-1"],
         "--radiator-area-m2 = -1 m^2 is outside the allowed range (0, 100000] m^2"),
        (["simulate", "--battery-kwh", "nan"], "--battery-kwh = nan kWh"),
        (["simulate", "--orbits", "0"], "--orbits = 0 is outside the allowed range [1, 50]"),
        (["simulate", "--array-area-m2", "lots"], "invalid float value"),
        (["simulate", "--out", "/proc/thermaljax-cannot-write"], "cannot create output folder"),
    ],
)
def test_bad_input_one_line_exit_2(args, needle):
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr
    if "invalid float" not in needle:  # argparse prints usage first for its own errors
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_default_float32_run(tmp_path):
    """The path a newcomer takes: no --float64 (JAX's default float32)."""
    out = tmp_path / "f32"
    proc = run_cli("simulate", "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # --quiet
    m = json.loads((out / "summary.json").read_text())["metrics"]
    api = tj.system.summary_dict(tj.simulate(tj.Design.default(), tj.Scenario.default()))
    # float32 rounding over ~1,800 steps: within 0.05 K and 1e-3 SOC of float64.
    assert m["max_junction_K"] == pytest.approx(api["max_junction_K"], abs=0.05)
    assert m["min_soc"] == pytest.approx(api["min_soc"], abs=1e-3)


def test_version_and_help():
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("thermaljax ")
    proc = run_cli("simulate", "--help")
    assert proc.returncode == 0 and "--radiator-area-m2" in proc.stdout
    assert "--battery-kwh" in proc.stdout
