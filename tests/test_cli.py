"""The command line, run as a user would: a subprocess, fresh output folders, exit codes.

The subprocesses share the suite's compilation cache (``THERMALJAX_CACHE_DIR``, set by
conftest), so a program compiled by one run is loaded by the next: the sizing commands
(optimize, its interrupted and resumed runs, trade) compile the optimiser step once. They use
the cheap scenario of test_sizing.py (60 s steps, one warm-up orbit, one start).
"""

from __future__ import annotations

import csv
import json
import math
import signal
import subprocess
import sys
import time
import tomllib

import numpy as np
import pytest

import thermaljax as tj
from thermaljax import config

PNG = b"\x89PNG\r\n\x1a\n"

FAST = """
[simulation]
step_s = 60.0
warmup_orbits = 1

[optimize]
steps = 12
inner_steps = 4
checkpoint_every = 5
free = ["radiator_area_m2", "array_area_m2", "battery_capacity_Wh"]

[trade]
vehicles = ["falcon9", "starship"]
objective = "cost_per_gpu_hour"

[sweep]
chunk_size = 4

[sweep.axes]
radiator_area_m2 = [70.0, 110.0, 3]
beta_deg = [50.0, 70.0, 3]
"""


def run_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "thermaljax.cli", *args],
        capture_output=True, text=True, cwd=cwd, timeout=600,
    )


def is_png(path, min_bytes=20_000):
    data = path.read_bytes()
    return data[:8] == PNG and len(data) > min_bytes  # a real figure, not an empty canvas


def one_line_error(proc, code=2):
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def fast_toml(tmp_path_factory):
    path = tmp_path_factory.mktemp("cfg") / "fast.toml"
    path.write_text(FAST)
    return path


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


# --------------------------------------------------------------------------------------------
# init, configuration files and their errors
# --------------------------------------------------------------------------------------------


def test_init_writes_a_config_that_simulate_reads(tmp_path):
    proc = run_cli("init", "run.toml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "run.toml").read_text()
    assert tomllib.loads(text)["design"]["radiator_area_m2"] == 90.0
    assert config.load(tmp_path / "run.toml").values == config.defaults().values
    # A second init does not overwrite the user's file.
    assert "exists; use --force" in one_line_error(run_cli("init", "run.toml", cwd=tmp_path))
    assert run_cli("init", "run.toml", "--force", cwd=tmp_path).returncode == 0


def test_partial_config_reaches_the_run(tmp_path):
    # Default step and float32: the program of test_design_flags_reach_the_design (cached).
    cfg = tmp_path / "partial.toml"
    cfg.write_text("[design]\nradiator_area_m2 = 100.0\n[rack]\nn_gpus = 64\n"
                   "[environment]\nalbedo = 0.25\n")
    out = tmp_path / "out"
    proc = run_cli("simulate", "--config", str(cfg), "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    s = json.loads((out / "summary.json").read_text())
    assert s["inputs"]["design"]["radiator_area_m2"] == 100.0
    assert s["inputs"]["rack"]["n_gpus"] == 64.0
    assert s["inputs"]["environment"]["albedo"] == pytest.approx(0.25, rel=1e-7)  # float32
    assert s["inputs"]["design"]["array_area_m2"] == 320.0  # a default kept
    assert s["config_source"] == str(cfg)
    for name in ("temperatures.png", "battery.png", "power.png"):
        assert is_png(out / name), name


@pytest.mark.parametrize("text, needle", [
    ("[design]\nradiator_area_m = 90\n",
     "[design] radiator_area_m = 90: unknown key; did you mean radiator_area_m2?"),
    ('[design]\nradiator_area_m2 = "big"\n', 'radiator_area_m2 = "big": must be a number'),
    ("[orbit]\naltitude_m = 100.0\n", "altitude_m = 100: outside the allowed range"),
    ("[design\n", "invalid TOML"),
])
def test_bad_config_one_line_exit_2(tmp_path, text, needle):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    msg = one_line_error(run_cli("simulate", "--config", str(path), "--out",
                                 str(tmp_path / "o")))
    assert msg.startswith(f"thermaljax: error: {path}: ") and needle in msg, msg
    assert not (tmp_path / "o").exists()  # nothing is written for a rejected input


@pytest.mark.parametrize("args, needle", [
    (["simulate", "--config", "/nonexistent/run.toml"], "configuration file not found"),
    (["simulate", "--config", "/"], "is a folder"),
    (["optimize", "--steps", "0"], "--steps = 0 is outside the allowed range [1, 100000]"),
    (["optimize", "--resume"], "--resume needs --out DIR"),
    (["optimize", "--resume", "--out", "/tmp"], "no checkpoint.npz in '/tmp'"),
    (["trade", "--vehicles", "falcon9,starshp"], "unknown vehicle 'starshp'"),
    (["sweep", "--axis", "radiator_area_m2=60:120"], "expected FIELD=LOW:HIGH:COUNT"),
    (["sweep", "--axis", "radiator=60:120:3"], "unknown design field or scenario parameter; "
                                                "did you mean radiator_area_m2?"),
    (["sweep", "--axis", "beta_deg=0:100:3"], "[sweep.axes] beta_deg high = 100: outside the "
                                              "allowed range"),
    (["sweep", "--coordinator", "node0:1234", "--num-processes", "2"], "go together"),
    (["sweep", "--coordinator", "node0", "--num-processes", "2", "--process-id", "0"],
     "expected HOST:PORT"),
    (["sweep", "--coordinator", "node0:1234", "--num-processes", "2", "--process-id", "2"],
     "--process-id 2: must be in [0, 1] for 2 processes"),
    (["optimize", "--out", "/proc/thermaljax-cannot-write"], "cannot create output folder"),
    (["sweep", "--table", "/nonexistent/designs.csv"], "table file not found"),
    (["sweep", "--table", "{bad_table}"], "table column 'radiator_area' is unknown; "
                                          "did you mean radiator_area_m2?"),
    (["sweep", "--lhs", "0"], "--lhs: [sweep] samples = 0: outside the allowed range"),
])
def test_bad_arguments_one_line_exit_2(args, needle, tmp_path):
    bad = tmp_path / "designs.csv"
    bad.write_text("radiator_area,array_area_m2\n80,300\n")
    msg = one_line_error(run_cli(*(a.format(bad_table=bad) for a in args)))
    assert needle in msg, msg


def test_diverged_run_one_line_exit_1(tmp_path):
    """A 1 Wh battery under a 75 kW rack: the bus collapses in the first eclipse and the
    solve diverges. The user gets the reason in one line and exit code 1."""
    proc = run_cli("simulate", "--battery-kwh", "0.001", "--out", str(tmp_path / "o"),
                   "--quiet")
    msg = one_line_error(proc, code=1)
    assert msg.startswith("thermaljax: error: run failed: the solution became non-finite"), msg
    assert "smaller steps" in msg


def test_help_of_every_subcommand():
    for cmd in ("simulate", "optimize", "trade", "sweep", "init"):
        proc = run_cli(cmd, "--help")
        assert proc.returncode == 0 and "usage: thermaljax " + cmd in proc.stdout, cmd
        if cmd == "optimize":
            assert "--resume" in proc.stdout and "--float64" in proc.stdout


# --------------------------------------------------------------------------------------------
# optimize, resume, trade, sweep (one worker, in this order, sharing compiled programs)
# --------------------------------------------------------------------------------------------


def _interrupted_then_resumed(fast_toml, out):
    """Ctrl-C (SIGINT) once the first checkpoint exists, then ``--resume``."""
    # Ctrl-C's handler installed in the child: a shell that runs the suite in the background
    # without job control starts it with SIGINT ignored, and Python keeps that.
    args = ["optimize", "--config", str(fast_toml), "--out", str(out), "--float64", "--quiet"]
    launcher = ("import runpy, signal, sys; signal.signal(signal.SIGINT, "
                "signal.default_int_handler); sys.argv = ['thermaljax'] + sys.argv[1:]; "
                "runpy.run_module('thermaljax.cli', run_name='__main__')")
    p = subprocess.Popen([sys.executable, "-c", launcher, *args], stderr=subprocess.PIPE,
                         text=True)
    deadline = time.monotonic() + 500
    while not (out / "checkpoint.npz").exists() and p.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    p.send_signal(signal.SIGINT)  # after the first checkpoint (step 5 of 12)
    _, err = p.communicate(timeout=300)
    assert p.returncode == 130, err
    assert "interrupted after step" in err and "--resume" in err and "Traceback" not in err
    with np.load(out / "checkpoint.npz") as data:
        done = data["history_objective"].shape[0]
    assert 5 <= done < 12
    assert not (out / "summary.json").exists()
    # Resume reads the recorded inputs from the folder (no --config needed).
    proc = run_cli("optimize", "--out", str(out), "--resume", "--float64", "--quiet")
    assert proc.returncode == 0, proc.stderr
    # Other inputs than the checkpoint's: refused in one line, before anything runs.
    msg = one_line_error(run_cli("optimize", "--out", str(out), "--resume", "--float64",
                                 "--steps", "13"))
    assert "written by a run with different inputs" in msg


def test_optimize_outputs_resume_and_feedback_to_simulate(tmp_path, fast_toml):
    out = tmp_path / "opt"
    proc = run_cli("optimize", "--config", str(fast_toml), "--out", str(out), "--float64")
    assert proc.returncode == 0, proc.stderr
    for name in ("summary.json", "history.csv", "optimized.toml", "config.toml",
                 "checkpoint.npz", "timeseries.csv"):
        assert (out / name).is_file(), name
    for name in ("convergence.png", "design.png", "temperatures.png", "battery.png",
                 "power.png"):
        assert is_png(out / name), name
    assert not list(out.glob(".*.tmp"))  # atomic writes leave no temporaries
    s = json.loads((out / "summary.json").read_text())
    r = s["result"]
    assert s["thermaljax_version"] == tj.__version__ and r["feasible"] is True
    assert all(c["ok"] for c in r["constraints"].values())
    assert r["launch_mass_kg"] < s["start"]["launch_mass_kg"]  # it improved on the start
    with open(out / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 12 and "objective_start1" in rows[0]
    assert "Constraints" in proc.stdout and "VIOLATED" not in proc.stdout
    # The numbers equal the Python API's for the same inputs (float64 in both processes; the
    # optimiser evaluates in a batch, the API one design: XLA fuses differently, 1e-7).
    cfg = config.load(fast_toml)
    design = tj.Design(**r["design"])
    ev = tj.evaluate(design, cfg.scenario, objective="launch_mass", vehicle=cfg.vehicle,
                     mass_model=cfg.mass_model, costs=cfg.costs, requirements=cfg.requirements)
    for key in ("objective", "launch_mass_kg", "launch_cost_USD", "cost_per_gpu_hour_USD",
                "max_junction_K", "min_soc", "compute_fraction"):
        assert r[key] == pytest.approx(float(getattr(ev, key)), rel=1e-7), key
    # The written design is a configuration that simulate reads back.
    opt_cfg = config.load(out / "optimized.toml")
    assert {k: float(getattr(opt_cfg.design, k)) for k in r["design"]} == r["design"]
    sim_out = tmp_path / "sim"
    proc2 = run_cli("simulate", "--config", str(out / "optimized.toml"), "--out", str(sim_out),
                    "--float64", "--quiet")
    assert proc2.returncode == 0, proc2.stderr
    m = json.loads((sim_out / "summary.json").read_text())["metrics"]
    assert m["max_junction_K"] == pytest.approx(
        s["optimum_orbit"]["metrics"]["max_junction_K"], rel=1e-12)
    # simulate (recorded) and evaluate (summary only) are the same physics.
    assert m["max_junction_K"] == pytest.approx(r["max_junction_K"], abs=1e-5)

    # Interrupted and resumed: the same result as the run above, bit for bit.
    run2 = tmp_path / "run2"
    _interrupted_then_resumed(fast_toml, run2)
    b = json.loads((run2 / "summary.json").read_text())["result"]
    assert b["resumed"] is True and b["design"] == r["design"]
    assert b["multipliers"] == r["multipliers"]
    assert (run2 / "history.csv").read_text() == (out / "history.csv").read_text()


def test_trade_compares_vehicles(tmp_path, fast_toml):
    out = tmp_path / "trade"
    proc = run_cli("trade", "--config", str(fast_toml), "--out", str(out), "--float64")
    assert proc.returncode == 0, proc.stderr
    assert is_png(out / "trade.png")
    rows = json.loads((out / "summary.json").read_text())["rows"]
    f9, ss = rows
    assert "Falcon 9" in f9["vehicle"] and "Starship" in ss["vehicle"]
    for r in rows:
        assert r["feasible"]
        assert r["launch_cost_USD"] == pytest.approx(r["launch_mass_kg"] * r["price_per_kg_USD"],
                                                     rel=1e-9)
        assert r["launches"] == int(np.ceil(r["launch_mass_kg"] / r["payload_kg"]))
    assert ss["cost_per_gpu_hour_USD"] < f9["cost_per_gpu_hour_USD"]
    with open(out / "trade.csv") as f:
        assert len(list(csv.DictReader(f))) == 2
    assert "Launch-vehicle trade" in proc.stdout


def test_sweep_writes_every_design_and_marks_feasibility(tmp_path, fast_toml):
    out = tmp_path / "sweep"
    proc = run_cli("sweep", "--config", str(fast_toml), "--out", str(out), "--float64")
    assert proc.returncode == 0, proc.stderr
    assert is_png(out / "sweep.png")
    with open(out / "sweep.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 9  # 3 x 3 grid in chunks of 4: the padded last chunk is cut
    assert sorted({float(r["radiator_area_m2"]) for r in rows}) == [70.0, 90.0, 110.0]
    tols = {k: c.tolerance for k, c in tj.sizing.CONSTRAINTS.items()}
    for r in rows:
        ok = all(float(r[f"g_{k}"]) <= t for k, t in tols.items()) and r["status"] == "0"
        assert (r["feasible"] == "1") == ok
    s = json.loads((out / "summary.json").read_text())
    assert s["designs"] == 9 and s["feasible"] == sum(r["feasible"] == "1" for r in rows)
    assert sorted({float(r["beta_deg"]) for r in rows}) == [50.0, 60.0, 70.0]
    # One case against the Python API (float64 in both processes): the scenario parameter
    # beta_deg replaces the orbit's beta angle.
    cfg = config.load(fast_toml)
    r = rows[4]
    assert float(r["beta_deg"]) == 60.0
    d = tj.Design(**{k: float(r[k]) for k in tj.sizing.DESIGN_FIELDS})
    sc = cfg.scenario.replace(orbit=tj.system.OrbitSpec(cfg.scenario.orbit.altitude_m,
                                                        math.radians(60.0)))
    ev = tj.evaluate(d, sc, vehicle=cfg.vehicle, requirements=cfg.requirements)
    # Batched vs single-design programs: XLA fuses differently; float64 agreement to 1e-7.
    assert float(r["launch_mass_kg"]) == pytest.approx(float(ev.launch_mass_kg), rel=1e-7)
    assert float(r["max_junction_K"]) == pytest.approx(float(ev.max_junction_K), rel=1e-7)
