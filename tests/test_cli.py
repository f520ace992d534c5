"""The command line, run as a user would: a subprocess, fresh output folders, exit codes."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from thermaljax.demo import RadiatorDemoConfig, run_radiator_demo


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


def test_simulate_writes_summary_csv_and_plot(default_run):
    proc, out = default_run
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["thermaljax_version"]
    with open(out / "timeseries.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 500 and float(rows[-1]["time_s"]) > 3 * 5700
    png = (out / "temperatures.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # a real, non-empty figure
    assert "rack temperature" in proc.stdout
    assert not list(out.glob("*.tmp"))  # atomic writes leave no temporaries


def test_summary_equals_python_api(default_run):
    proc, out = default_run
    metrics = json.loads((out / "summary.json").read_text())["metrics"]
    api = run_radiator_demo(RadiatorDemoConfig())["summary"]  # float64, as with --float64
    for key in ("rack_temperature_max_K", "radiator_temperature_min_K", "eclipse_fraction",
                "radiated_mean_W"):
        assert metrics[key] == pytest.approx(api[key], rel=1e-9), key


@pytest.mark.parametrize(
    "args, needle",
    [
        (["simulate", "--altitude-km", "50"], "--altitude-km = 50 km is outside the allowed range"),
        (["simulate", "--beta-deg", "120"], "--beta-deg"),
        (["simulate", "--orbits", "0"], "--orbits"),
        (["simulate", "--radiator-area-m2", "-1"], "--radiator-area-m2"),
        (["simulate", "--attitude", "sideways"], "invalid choice"),
        (["simulate", "--out", "/proc/thermaljax-cannot-write"], "cannot create output folder"),
    ],
)
def test_bad_input_one_line_exit_2(args, needle):
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr
    if "invalid choice" not in needle:  # argparse prints usage first for its own errors
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_default_float32_run(tmp_path):
    """The path a newcomer takes: no --float64 (JAX's default float32), one orbit."""
    out = tmp_path / "f32"
    proc = run_cli("simulate", "--out", str(out), "--orbits", "1", "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # --quiet
    m = json.loads((out / "summary.json").read_text())["metrics"]
    api = run_radiator_demo(RadiatorDemoConfig(orbits=1))["summary"]
    # float32 rounding over ~190 steps: well inside 0.01 K of the float64 result.
    assert m["rack_temperature_max_K"] == pytest.approx(api["rack_temperature_max_K"], abs=0.01)


def test_version_and_help():
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("thermaljax ")
    proc = run_cli("simulate", "--help")
    assert proc.returncode == 0 and "--radiator-area-m2" in proc.stdout
