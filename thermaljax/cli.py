"""The ``thermaljax`` command line.

Subcommands (``thermaljax COMMAND --help`` for each):

* ``simulate``: the coupled rack over its orbits (the default job: 72 H100 GPUs, coolant loop
  and radiator, solar array, battery and bus, 650 km dawn-dusk orbit in eclipse season), or
  the design and scenario of ``--config FILE.toml``; writes ``summary.json``,
  ``timeseries.csv`` and temperature, battery and power plots, and prints every limit with its
  margin.
* ``optimize``: sizes the design against launch mass or cost (:func:`thermaljax.optimize`);
  checkpoints every N steps and on Ctrl-C, ``--resume`` continues to the same result; writes
  the optimised design as a configuration file that ``simulate --config`` reads back.
* ``trade``: one optimum per launch vehicle, side by side.
* ``sweep``: a grid of designs evaluated in batches; CSV, Pareto and feasibility plots.
* ``init``: the full default configuration as commented TOML.

Every output file is written atomically (temporary file, then rename); Ctrl-C or SIGTERM stops
``optimize`` with a checkpoint. Errors in the user's
input print one line on stderr and exit with code 2; a run that fails (or an optimisation
that ends infeasible) exits with 1; ``--debug`` shows the traceback instead. Compiled
programs are cached on disk (``THERMALJAX_CACHE_DIR``, default ``~/.cache/thermaljax/xla``;
set it to ``off`` to disable), so a second run of the same configuration starts in seconds.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import sys
import time
from pathlib import Path

from ._version import __version__

EXIT_OK = 0
EXIT_FAILED_RUN = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A problem with the user's input: reported in one line, exit code 2."""


class FailedRun(Exception):
    """A run that completed but failed its purpose (e.g. no feasible design): exit code 1."""


_DESIGN_FLAGS = (
    # flag, Design field, unit shown, factor to SI, allowed range in the flag's unit
    ("--radiator-area-m2", "radiator_area_m2", "m^2", 1.0, (0.0, 1e5)),
    ("--array-area-m2", "array_area_m2", "m^2", 1.0, (0.0, 1e6)),
    ("--battery-kwh", "battery_capacity_Wh", "kWh", 1e3, (0.0, 1e6)),
    ("--coolant-flow-kg-s", "coolant_flow_kg_s", "kg/s", 1.0, (0.0, 1e3)),
    ("--battery-radiator-area-m2", "battery_radiator_area_m2", "m^2", 1.0, (0.0, 1e4)),
)
# The names the API defines (the parser needs them, and imports JAX for its defaults anyway).
from .launch import VEHICLES as _VEHICLE_PRESETS  # noqa: E402
from .sizing import OBJECTIVES as _OBJECTIVES  # noqa: E402
from .sizing._optimize import _UNITS as _FIELD_UNITS  # noqa: E402
from .sizing._optimize import DESIGN_FIELDS as _DESIGN_FIELDS  # noqa: E402
from .sizing._sweep import SCENARIO_PARAMETERS as _SCENARIO_PARAMETERS  # noqa: E402

_VEHICLES = tuple(_VEHICLE_PRESETS)


# --------------------------------------------------------------------------------------------
# arguments
# --------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, default=None, metavar="FILE.toml",
                        help="configuration file (keys with units; missing keys keep the "
                        "embedded defaults; `thermaljax init` writes them all)")
    common.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="output folder (default: ./thermaljax-out/<command>-<UTC time>)")
    common.add_argument("--float64", action="store_true",
                        help="compute in float64 (default float32: ~0.05 K, 1e-3 SOC)")
    common.add_argument("--quiet", action="store_true", help="print nothing but errors")
    common.add_argument("--debug", action="store_true", help="show tracebacks")

    p = argparse.ArgumentParser(
        prog="thermaljax",
        description="Differentiable thermal and power physics for data centres in orbit.",
        epilog="Exit codes: 0 success, 1 failed run (or infeasible optimum), 2 bad input, "
        "130 interrupted.")
    p.add_argument("--version", action="version", version=f"thermaljax {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser(
        "simulate", parents=[common],
        help="simulate the orbiting GPU rack (default design and scenario)",
        description="Simulate the orbiting GPU rack: 72 H100 GPUs, pumped coolant loop and "
        "radiator, solar array, battery and power bus, 650 km dawn-dusk orbit in eclipse "
        "season (the default job), or the design and scenario of --config. Writes "
        "summary.json, timeseries.csv, temperatures.png, battery.png and power.png, and "
        "prints every limit with its margin.")
    from .system import Design

    d = Design.default()
    for flag, field, unit, factor, (lo, hi) in _DESIGN_FLAGS:
        default = float(getattr(d, field)) / factor
        s.add_argument(flag, type=float, default=None,
                       help=f"{field.replace('_', ' ')} [{unit}], in ({lo:g}, {hi:g}] "
                       f"(overrides the configuration; default {default:g})")
    s.add_argument("--end-of-life", action="store_true",
                   help="end-of-life coatings, PV degradation and battery capacity")
    s.add_argument("--orbits", type=int, default=None,
                   help="reported orbits after the warm-up, 1-50 (default 1)")

    o = sub.add_parser(
        "optimize", parents=[common],
        help="size radiator, array and battery for the least launch mass or cost",
        description="Minimise launch mass, launch cost or cost per delivered GPU-hour subject "
        "to the junction, battery, coolant, SOC, energy-balance and compute constraints "
        "(Optax augmented Lagrangian with exact gradients). Checkpoints every "
        "[optimize] checkpoint_every steps and on Ctrl-C; --resume continues. Writes "
        "summary.json, history.csv, optimized.toml (feed it to simulate --config), "
        "convergence.png, design.png and the optimum's orbit plots.")
    o.add_argument("--objective", choices=_OBJECTIVES, default=None,
                   help="what to minimise (default: [optimize] objective, launch_mass)")
    o.add_argument("--vehicle", choices=_VEHICLES, default=None,
                   help="launch vehicle for prices (default: [launch] vehicle, falcon9)")
    o.add_argument("--steps", type=int, default=None,
                   help="optimisation steps (default: [optimize] steps, 200)")
    o.add_argument("--starts", type=int, default=None,
                   help="starting designs, run in parallel (default 1)")
    o.add_argument("--resume", action="store_true",
                   help="continue the interrupted run in --out from its checkpoint")

    t = sub.add_parser(
        "trade", parents=[common], help="compare launch vehicles, each with its own optimum",
        description="Optimise the design for each launch vehicle of [trade] vehicles and "
        "compare launch mass, launches, launch and hardware cost and cost per GPU-hour. "
        "Writes summary.json, trade.csv and trade.png.")
    t.add_argument("--vehicles", default=None, metavar="V1,V2",
                   help=f"comma-separated subset of {','.join(_VEHICLES)} (default: all)")
    t.add_argument("--objective", choices=_OBJECTIVES, default=None,
                   help="what each design minimises (default cost_per_gpu_hour)")
    t.add_argument("--steps", type=int, default=None, help="optimisation steps per vehicle")

    w = sub.add_parser(
        "sweep", parents=[common], help="evaluate a grid of designs in batches",
        description="Evaluate a grid of designs ([sweep.axes] or --axis) in batches of "
        "--chunk-size, split over every local device: launch mass and cost, temperatures, "
        "SOC, every constraint and feasibility per design. Writes sweep.csv, summary.json "
        "(with the reason of each failed design) and sweep.png (launch mass vs junction "
        "temperature, feasibility map over the first two axes). Evaluated chunks are kept in "
        "DIR/chunks: rerunning with the same --out resumes an interrupted sweep.")
    w.add_argument("--axis", action="append", default=None, metavar="NAME=LOW:HIGH:COUNT",
                   help="a grid axis over a design field or a scenario parameter ("
                   + ", ".join(_SCENARIO_PARAMETERS) + "; repeatable; replaces "
                   "[sweep.axes])")
    w.add_argument("--lhs", type=int, default=None, metavar="N",
                   help="N designs by Latin hypercube inside the axes' [low, high] instead "
                   "of the grid")
    w.add_argument("--table", type=Path, default=None, metavar="FILE.csv",
                   help="evaluate the designs of a CSV file (header: design fields and "
                   "scenario parameters; other fields from [design]) instead of the grid")
    w.add_argument("--chunk-size", type=int, default=None,
                   help="designs per compiled batch (default 64)")
    dist = w.add_argument_group(
        "several hosts (jax.distributed; run the same command on every host, each with its "
        "--process-id; process 0 writes the outputs)")
    dist.add_argument("--coordinator", default=None, metavar="HOST:PORT",
                      help="address of process 0's coordinator service")
    dist.add_argument("--num-processes", type=int, default=None, metavar="N",
                      help="number of processes (hosts) taking part")
    dist.add_argument("--process-id", type=int, default=None, metavar="I",
                      help="this process's index, 0 ... N-1")

    i = sub.add_parser(
        "init", help="write the default configuration as commented TOML",
        description="Write every configuration key with its default, unit, allowed range and "
        "source, as TOML. Edit what you need; missing keys keep their defaults.")
    i.add_argument("file", nargs="?", type=Path, default=Path("thermaljax.toml"),
                   help="file to write (default thermaljax.toml)")
    i.add_argument("--force", action="store_true", help="overwrite an existing file")
    i.add_argument("--debug", action="store_true", help="show tracebacks")
    return p


# --------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------


def _distributed(args) -> tuple[str, int, int] | None:
    """The jax.distributed settings of ``args`` (checked before JAX starts), or None."""
    vals = [getattr(args, k, None) for k in ("coordinator", "num_processes", "process_id")]
    if all(v is None for v in vals):
        return None
    if any(v is None for v in vals):
        raise UsageError("--coordinator, --num-processes and --process-id go together (all "
                         "three, on every host)")
    addr, n, i = vals
    host, sep, port = addr.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--coordinator {addr!r}: expected HOST:PORT, e.g. node0:12345")
    if n < 1:
        raise UsageError(f"--num-processes {n}: must be at least 1")
    if not 0 <= i < n:
        raise UsageError(f"--process-id {i}: must be in [0, {n - 1}] for {n} processes")
    return addr, n, i


def _setup_jax(args) -> None:
    import jax

    if getattr(args, "float64", False):
        jax.config.update("jax_enable_x64", True)
    dist = _distributed(args)
    if dist is not None:
        jax.config.update("jax_cpu_collectives_implementation", "gloo")  # CPU hosts
        jax.distributed.initialize(dist[0], num_processes=dist[1], process_id=dist[2])
        if dist[2] != 0:
            args.quiet = True  # process 0 reports and writes
    cache = os.environ.get("THERMALJAX_CACHE_DIR")
    if cache is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                                 ".cache")
        cache = os.path.join(base, "thermaljax", "xla")
    if cache.lower() not in ("", "0", "off", "none"):
        try:
            os.makedirs(cache, exist_ok=True)
        except OSError:
            return  # no cache is not an error
        jax.config.update("jax_compilation_cache_dir", cache)
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)


def _prepare_out(out: Path | None, command: str) -> Path:
    if out is None:
        out = Path("thermaljax-out") / (command + "-" + time.strftime("%Y%m%dT%H%M%SZ",
                                                                      time.gmtime()))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create output folder {str(out)!r}: "
                         f"{exc.strerror or exc}") from exc
    if not os.access(out, os.W_OK):
        raise UsageError(f"output folder {str(out)!r} is not writable")
    return out


def _load_config(path: Path | None):
    from . import config

    return config.defaults() if path is None else config.load(path)


def _override(cfg, where: str, **sections):
    """Apply command-line values to the configuration (checked like file values)."""
    from . import config

    try:
        return cfg.replace(**sections)
    except config.ConfigError as exc:
        raise UsageError(f"{where}: {str(exc).split(': ', 1)[-1]}") from None


def _check_int_flag(name: str, value: int | None, lo: int, hi: int) -> None:
    if value is not None and not lo <= value <= hi:
        raise UsageError(f"{name} = {value} is outside the allowed range [{lo}, {hi}]")


def _console(args, stderr: bool = False):
    from rich.console import Console

    width = None if sys.stdout.isatty() else max(120, shutil.get_terminal_size().columns)
    return Console(stderr=stderr, width=width, quiet=args.quiet, highlight=False)


def _say(args, text: str) -> None:
    if not args.quiet:
        print(text, file=sys.stderr, flush=True)


def _progress(args, description: str, total: int):
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    p = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                 TextColumn("{task.fields[rate]}"), TextColumn("ETA"), TimeRemainingColumn(),
                 TimeElapsedColumn(), TextColumn("{task.fields[info]}"),
                 console=_console(args, stderr=True), disable=args.quiet)
    task = p.add_task(description, total=total, rate="", info="")
    return p, task


def _busy(args, description: str):
    """A spinner with the elapsed time, for one long call whose progress cannot be counted."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    p = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), TimeElapsedColumn(),
                 console=_console(args, stderr=True), disable=args.quiet, transient=True)
    p.add_task(description, total=None)
    return p


def _summary_base(job: str, cfg, wall: float | None = None) -> dict:
    return {"thermaljax_version": __version__, "job": job,
            "config_source": cfg.source, "config": cfg.values,
            **({} if wall is None else {"wall_time_s": wall})}


def _f(x) -> float:
    import numpy as np

    return float(np.asarray(x))


def _design_dict(design) -> dict:
    return {k: _f(getattr(design, k)) for k in _DESIGN_FIELDS}


def _orbit_outputs(result, scenario, design, out: Path) -> None:
    from . import system
    from .io import write_csv
    from .plots import plot_battery, plot_power, plot_temperatures

    write_csv(out / "timeseries.csv", system.timeseries_columns(result))
    plot_temperatures(result, scenario, design, out / "temperatures.png")
    plot_battery(result, scenario, out / "battery.png")
    plot_power(result, scenario, out / "power.png")


def _limits_table(console, checks, title: str) -> None:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for col, just in (("limit", "left"), ("value", "right"), ("limit value", "right"),
                      ("margin", "right"), ("unit", "left"), ("status", "left")):
        table.add_column(col, justify=just)
    for c in checks:
        limit = round(c.limit, 4) + 0.0  # limits are round numbers (273.15 K in float32: -6e-6 C)
        table.add_row(c.name, f"{c.value:.4g}", f"{limit:.4g}", f"{c.margin:.3g}", c.unit,
                      "ok" if c.ok else "[bold red]VIOLATED[/]")
    console.print(table)


# --------------------------------------------------------------------------------------------
# simulate
# --------------------------------------------------------------------------------------------


def _simulate(args) -> int:
    values = {}
    for flag, field, unit, factor, (lo, hi) in _DESIGN_FLAGS:
        v = getattr(args, flag[2:].replace("-", "_"))
        if v is None:
            continue
        if not (math.isfinite(v) and lo < v <= hi):
            raise UsageError(f"{flag} = {v:g} {unit} is outside the allowed range "
                             f"({lo:g}, {hi:g}] {unit}")
        values[field] = v * factor
    _check_int_flag("--orbits", args.orbits, 1, 50)
    cfg = _load_config(args.config)
    changes = {"design": values}
    if args.end_of_life:
        changes["scenario"] = {"end_of_life": True}
    if args.orbits is not None:
        changes["simulation"] = {"orbits": args.orbits}
    cfg = _override(cfg, "command line", **changes)
    out = _prepare_out(args.out, "simulate")
    from . import system
    from .io import write_json

    design, scenario = cfg.design, cfg.scenario
    t0 = time.perf_counter()
    sim = scenario.simulation
    _say(args, f"thermaljax {__version__}: simulating the rack over {sim.warmup_orbits} "
         f"warm-up + {sim.orbits} orbit(s) at {sim.step_s:g} s steps (a new configuration "
         "compiles first, ~20 s; later runs reuse the cache)...")
    with _busy(args, "compiling and simulating"):
        result = system.simulate(design, scenario)  # a failed run raises: exit code 1
    checks = system.limit_checks(result, scenario)
    wall = time.perf_counter() - t0
    summary = _summary_base("simulate", cfg, wall)
    summary |= {"inputs": system.inputs_dict(design, scenario),
                "metrics": system.summary_dict(result),
                "limits": [c._asdict() for c in checks],
                "all_limits_met": all(c.ok for c in checks)}
    write_json(out / "summary.json", summary)
    _orbit_outputs(result, scenario, design, out)
    if not args.quiet:
        console = _console(args)
        _limits_table(console, checks, "Limits over the reported orbits")
        m = system.summary_dict(result)
        for k, v in m.items():
            if k.endswith("_time_s") and v is not None:
                console.print(f"event: {k[:-7].replace('_', ' ')} at t = {v / 60:.1f} min")
        console.print(f"wrote {out}/summary.json, timeseries.csv, temperatures.png, "
                      f"battery.png, power.png in {time.perf_counter() - t0:.1f} s")
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# optimize
# --------------------------------------------------------------------------------------------


def _evaluation_dict(ev) -> dict:
    from .sizing import CONSTRAINTS

    mass = {k: _f(getattr(ev.mass, k)) for k in ev.mass.__dataclass_fields__}
    return {
        "objective": _f(ev.objective),
        "launch_mass_kg": _f(ev.launch_mass_kg), "mass_kg": mass,
        "launch_cost_USD": _f(ev.launch_cost_USD), "launches": _f(ev.launches),
        "hardware_cost_USD": _f(ev.hardware_cost_USD),
        "cost_per_gpu_hour_USD": _f(ev.cost_per_gpu_hour_USD),
        "max_junction_K": _f(ev.max_junction_K), "battery_min_K": _f(ev.battery_min_K),
        "battery_max_K": _f(ev.battery_max_K), "radiator_min_K": _f(ev.radiator_min_K),
        "min_soc": _f(ev.min_soc), "soc_change": _f(ev.soc_change),
        "compute_fraction": _f(ev.compute_fraction), "status": int(_f(ev.status)),
        "constraints": {k: {"value": _f(ev.constraints[k]), "unit": info.unit,
                            "tolerance": info.tolerance,
                            "ok": bool(_f(ev.constraints[k]) <= info.tolerance),
                            "meaning": info.meaning}
                        for k, info in CONSTRAINTS.items()},
    }


def _optimize(args) -> int:
    from . import config as _config

    _check_int_flag("--steps", args.steps, 1, 100_000)
    _check_int_flag("--starts", args.starts, 1, 4096)
    out_given = args.out
    if args.resume:
        if out_given is None:
            raise UsageError("--resume needs --out DIR, the folder of the interrupted run")
        if not (out_given / "checkpoint.npz").is_file():
            raise UsageError(f"--resume: no checkpoint.npz in {str(out_given)!r} (the folder "
                             "of an interrupted `thermaljax optimize --out DIR` run)")
    cfg_path = args.config
    if cfg_path is None and args.resume and (out_given / "config.toml").is_file():
        cfg_path = out_given / "config.toml"  # the inputs the interrupted run recorded
    cfg = _load_config(cfg_path)
    changes: dict = {}
    if args.objective is not None or args.steps is not None or args.starts is not None:
        changes["optimize"] = {k: v for k, v in (("objective", args.objective),
                                                 ("steps", args.steps),
                                                 ("starts", args.starts)) if v is not None}
    if args.vehicle is not None:
        changes["launch"] = {"vehicle": args.vehicle}
    cfg = _override(cfg, "command line", **changes)
    out = _prepare_out(out_given, "optimize")
    import numpy as np

    from . import mass as _mass
    from . import sizing, system
    from .io import atomic_write_text, write_csv, write_json
    from .plots import plot_convergence, plot_design

    if not args.resume:
        atomic_write_text(out / "config.toml", _config.to_toml(
            cfg.values, comments=False, header=f"inputs of `thermaljax optimize` (thermaljax "
            f"{__version__}); `--resume` reads them back"))
    opts = cfg.optimize_options
    steps = opts["steps"]
    ckpt = out / "checkpoint.npz"
    progress, task = _progress(args, "optimising", steps)
    state = {"t0": None, "k0": None}

    def callback(k, row):
        now = time.perf_counter()
        if state["t0"] is None:
            state["t0"], state["k0"] = now, k
            progress.update(task, completed=k)
        done = k + 1 - state["k0"]
        rate = (done - 1) / (now - state["t0"]) if done > 1 and now > state["t0"] else 0.0
        best = np.min(row["best_objective"])
        info = (f"best feasible {best:,.6g}" if np.isfinite(best) else "no feasible iterate yet")
        info += f", violation {float(np.min(row['max_violation'])):.2e}"
        progress.update(task, completed=k + 1, rate=f"{rate:.2f} steps/s" if rate else "",
                        info=info)

    obj_name = opts["objective"]
    sc = cfg.scenario
    if args.resume:  # before anything is printed or compiled
        try:
            sizing.verify_checkpoint(ckpt, sc, cfg.design, **opts)
        except sizing.CheckpointError as exc:
            raise UsageError(str(exc)) from None
    _say(args, f"thermaljax {__version__}: optimising {obj_name} over {len(opts['free'])} "
         f"design field(s), {steps} steps x {opts['starts']} start(s) "
         f"({'resuming from ' + str(ckpt) if args.resume else 'checkpoint ' + str(ckpt)}); "
         "a new configuration compiles first (~1-2 min), later runs reuse the cache...")
    t0 = time.perf_counter()
    try:
        with progress:
            res = sizing.optimize(sc, cfg.design, **opts, callback=callback, checkpoint=ckpt,
                                  checkpoint_every=cfg.values["optimize"]["checkpoint_every"],
                                  resume=args.resume)
    except sizing.CheckpointError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        done = "?"
        if ckpt.is_file():
            with np.load(ckpt) as data:
                done = data["history_objective"].shape[0]
        print(f"thermaljax: interrupted after step {done} of {steps}; checkpoint {ckpt}; "
              f"continue with: thermaljax optimize --out {out} --resume", file=sys.stderr)
        return EXIT_INTERRUPTED

    # The optimum over its orbits (time series and plots), and where it started.
    result = system.simulate(res.design, sc)
    checks = system.limit_checks(result, sc)
    start = res.start_evaluation
    wall = time.perf_counter() - t0
    design = _design_dict(res.design)
    optimized = cfg.replace(design=design)
    atomic_write_text(out / "optimized.toml", _config.to_toml(
        optimized.values, comments=False, header=(
            f"optimised by thermaljax {__version__}: {obj_name} = {_f(res.evaluation.objective):.6g}"
            f" ({'feasible' if res.feasible else 'NOT feasible'})\n"
            f"simulate it with: thermaljax simulate --config {out / 'optimized.toml'}")))
    hist_cols = {"step": np.arange(1, res.history["objective"].shape[0] + 1)}
    for name, arr in res.history.items():
        for s in range(arr.shape[1]):
            hist_cols[f"{name}_start{s + 1}"] = arr[:, s]
    write_csv(out / "history.csv", hist_cols)
    summary = _summary_base("optimize", cfg, wall)
    summary |= {
        "result": {"feasible": res.feasible, "message": res.message,
                   "objective_name": obj_name, "design": design,
                   "free": list(res.free), "bounds": {k: list(v) for k, v in res.bounds.items()},
                   "active_bounds": list(res.active_bounds), "multipliers": res.multipliers,
                   **_evaluation_dict(res.evaluation),
                   "steps": res.steps, "starts": res.starts, "evaluations": res.evaluations,
                   "start_objectives": res.start_objectives,
                   "start_feasible": res.start_feasible,
                   "optimizer_wall_time_s": res.wall_time_s,
                   "compile_time_s": res.compile_time_s, "resumed": args.resume},
        "start": {"design": _design_dict(cfg.design), **_evaluation_dict(start)},
        "optimum_orbit": {"metrics": system.summary_dict(result),
                          "limits": [c._asdict() for c in checks]},
    }
    write_json(out / "summary.json", summary)
    plot_convergence(res.history, obj_name, out / "convergence.png")
    m0 = _mass.mass_breakdown(cfg.design, sc, cfg.mass_model)
    plot_design(cfg.design, res.design, m0, res.evaluation.mass, out / "design.png")
    _orbit_outputs(result, sc, res.design, out)

    if not args.quiet:
        from rich.table import Table

        console = _console(args)
        table = Table(title=f"Optimised design ({obj_name})", title_justify="left")
        for col in ("field", "start", "optimised", "unit", "note"):
            table.add_column(col, justify="right" if col in ("start", "optimised") else "left")
        for k in _DESIGN_FIELDS:
            note = ("at a bound" if k in res.active_bounds else
                    "free" if k in res.free else "fixed")
            table.add_row(k, f"{_f(getattr(cfg.design, k)):.5g}", f"{design[k]:.5g}",
                          _FIELD_UNITS[k],
                          note)
        console.print(table)
        ct = Table(title="Constraints (g <= tolerance is met)", title_justify="left")
        for col in ("constraint", "value", "unit", "tolerance", "status", "multiplier"):
            ct.add_column(col, justify="left" if col in ("constraint", "unit", "status")
                          else "right")
        for k, c in summary["result"]["constraints"].items():
            ct.add_row(k, f"{c['value']:.4g}", c["unit"], f"{c['tolerance']:g}",
                       "ok" if c["ok"] else "[bold red]VIOLATED[/]",
                       f"{res.multipliers[k]:.3g}")
        console.print(ct)
        r, s0 = summary["result"], summary["start"]
        console.print(f"launch mass {s0['launch_mass_kg']:,.0f} -> {r['launch_mass_kg']:,.0f} kg; "
                      f"{cfg.vehicle.name}: {r['launches']:.2f} launches, launch "
                      f"${r['launch_cost_USD'] / 1e6:,.2f} M, hardware "
                      f"${r['hardware_cost_USD'] / 1e6:,.2f} M, "
                      f"${r['cost_per_gpu_hour_USD']:.2f} per GPU-hour")
        console.print(f"{res.message}")
        console.print(f"wrote {out}/summary.json, history.csv, optimized.toml, convergence.png, "
                      f"design.png, timeseries.csv, temperatures.png, battery.png, power.png "
                      f"in {wall:.1f} s (compile {res.compile_time_s:.1f} s)")
    if not res.feasible:
        raise FailedRun(res.message)
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# trade
# --------------------------------------------------------------------------------------------


def _trade(args) -> int:
    _check_int_flag("--steps", args.steps, 1, 100_000)
    cfg = _load_config(args.config)
    changes: dict = {}
    trade = {}
    if args.vehicles is not None:
        names = [v.strip() for v in args.vehicles.split(",") if v.strip()]
        for v in names:
            if v not in _VEHICLES:
                import difflib

                close = difflib.get_close_matches(v, _VEHICLES, n=1)
                raise UsageError(f"--vehicles: unknown vehicle {v!r}; choose from "
                                 f"{', '.join(_VEHICLES)}"
                                 + (f" (did you mean {close[0]}?)" if close else ""))
        trade["vehicles"] = names
    if args.objective is not None:
        trade["objective"] = args.objective
    if trade:
        changes["trade"] = trade
    if args.steps is not None:
        changes["optimize"] = {"steps": args.steps}
    cfg = _override(cfg, "command line", **changes)
    out = _prepare_out(args.out, "trade")
    from . import launch, sizing
    from .io import write_csv, write_json
    from .plots import plot_trade

    vehicles = [launch.vehicle(v) for v in cfg.values["trade"]["vehicles"]]
    opts = cfg.optimize_options
    opts.pop("vehicle")
    opts["objective"] = cfg.values["trade"]["objective"]
    steps = opts["steps"]
    _say(args, f"thermaljax {__version__}: optimising {opts['objective']} for "
         f"{len(vehicles)} vehicle(s), {steps} steps each (one compilation shared by all)...")
    progress, task = _progress(args, "trade", steps * len(vehicles))
    count = {"n": 0, "t0": None}

    def callback(k, row):
        count["n"] += 1
        now = time.perf_counter()
        if count["t0"] is None:
            count["t0"] = now
        rate = (count["n"] - 1) / (now - count["t0"]) if now > count["t0"] else 0.0
        progress.update(task, completed=count["n"], rate=f"{rate:.2f} steps/s" if rate else "",
                        info=f"vehicle {(count['n'] - 1) // steps + 1}/{len(vehicles)}")

    t0 = time.perf_counter()
    with progress:
        study = sizing.trade_study(cfg.scenario, vehicles, design0=cfg.design,
                                   callback=callback, **opts)
    wall = time.perf_counter() - t0
    rows = [r.__dict__ for r in study.rows]
    cols = {}
    for key in ("price_per_kg_USD", "payload_kg", "launch_mass_kg", "launches",
                "launch_cost_USD", "hardware_cost_USD", "cost_per_gpu_hour_USD",
                "max_junction_K", "min_soc", "compute_fraction", "feasible"):
        cols[key] = [float(r[key]) for r in rows]
    for k in _DESIGN_FIELDS:
        cols[k] = [r["design"][k] for r in rows]
    write_csv(out / "trade.csv", {"vehicle_index": list(range(len(rows))), **cols})
    summary = _summary_base("trade", cfg, wall)
    summary |= {"objective": study.objective, "rows": rows}
    write_json(out / "summary.json", summary)
    plot_trade(study.rows, out / "trade.png")
    if not args.quiet:
        from rich.table import Table

        console = _console(args)
        table = Table(title=f"Launch-vehicle trade ({study.objective})", title_justify="left")
        for col in ("#", "vehicle", "$/kg", "mass [kg]", "launches", "launch [M$]",
                    "hardware [M$]", "$/GPU-h", "feasible"):
            table.add_column(col, justify="left" if col in ("vehicle", "feasible") else "right")
        for i, r in enumerate(study.rows):
            table.add_row(str(i), r.vehicle, f"{r.price_per_kg_USD:,.0f}",
                          f"{r.launch_mass_kg:,.0f}", str(r.launches),
                          f"{r.launch_cost_USD / 1e6:.2f}", f"{r.hardware_cost_USD / 1e6:.2f}",
                          f"{r.cost_per_gpu_hour_USD:.2f}",
                          "yes" if r.feasible else "[bold red]NO[/]")
        console.print(table)
        console.print(f"wrote {out}/summary.json, trade.csv (rows in this order), trade.png in "
                      f"{wall:.1f} s")
    bad = [r.vehicle for r in study.rows if not r.feasible]
    if bad:
        raise FailedRun(f"no feasible design for: {', '.join(bad)}")
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# sweep
# --------------------------------------------------------------------------------------------


def _parse_axis(text: str) -> tuple[str, list]:
    field, sep, rest = text.partition("=")
    parts = rest.split(":")
    if not sep or len(parts) != 3:
        raise UsageError(f"--axis {text!r}: expected FIELD=LOW:HIGH:COUNT, e.g. "
                         "radiator_area_m2=60:120:7")
    try:
        return field.strip(), [float(parts[0]), float(parts[1]), int(parts[2])]
    except ValueError:
        raise UsageError(f"--axis {text!r}: LOW and HIGH must be numbers and COUNT an "
                         "integer") from None


def _read_table(path: Path) -> dict:
    """Columns of a CSV file of designs (header row: design fields)."""
    import csv

    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    except FileNotFoundError:
        raise UsageError(f"{path}: table file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the table ({exc})") from None
    rows = [r for r in rows if r and any(c.strip() for c in r)]
    if len(rows) < 2:
        raise UsageError(f"{path}: needs a header of design fields and at least one row")
    head = [h.strip() for h in rows[0]]
    cols: dict = {h: [] for h in head}
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != len(head):
            raise UsageError(f"{path}: line {i} has {len(r)} values, the header {len(head)}")
        for h, v in zip(head, r):
            try:
                cols[h].append(float(v))
            except ValueError:
                raise UsageError(f"{path}: line {i}, column {h}: {v!r} is not a number") \
                    from None
    return cols


def _sweep(args) -> int:
    cfg = _load_config(args.config)
    if args.axis:
        axes = dict(_parse_axis(a) for a in args.axis)
        cfg = _override(cfg, "--axis", **{"sweep.axes": axes})
    if args.chunk_size is not None:
        cfg = _override(cfg, "--chunk-size", sweep={"chunk_size": args.chunk_size})
    if args.lhs is not None:
        cfg = _override(cfg, "--lhs", sweep={"method": "lhs", "samples": args.lhs})
    axes = cfg.values["sweep.axes"]
    sw = cfg.values["sweep"]
    import numpy as np

    from . import sizing

    table = _read_table(args.table) if args.table is not None else None
    log = sw["spacing"] == "log"
    if table is not None:
        try:
            cases = sizing.Cases.from_table(table, cfg.design)
        except ValueError as exc:
            raise UsageError(f"{args.table}: {exc}") from None
        axes = {k: None for k in table}
        method = f"table {args.table}"
    elif sw["method"] == "lhs":
        cases = sizing.Cases.latin_hypercube(
            {k: (lo, hi) for k, (lo, hi, _) in axes.items()}, sw["samples"], seed=sw["seed"],
            log=log, base=cfg.design)
        method = f"Latin hypercube of {sw['samples']:,} (seed {sw['seed']})"
    else:
        n_grid = math.prod(a[2] for a in axes.values())
        if n_grid > 10_000_000:
            raise UsageError(f"the sweep grid has {n_grid:,} designs; at most 10,000,000 per "
                             "run")
        grid = {k: (np.geomspace if log else np.linspace)(lo, hi, int(c))
                for k, (lo, hi, c) in axes.items()}
        cases = sizing.Cases.grid(grid, cfg.design)
        method = "grid " + " x ".join(str(int(c)) for _, _, c in axes.values())
    designs = cases.designs
    n = int(np.shape(designs.radiator_area_m2)[0])
    import jax

    writer = jax.process_index() == 0  # with several processes, process 0 writes
    out = _prepare_out(args.out, "sweep") if writer else (args.out or Path("thermaljax-out"))
    from .io import write_csv, write_json
    from .plots import plot_sweep

    chunk = sw["chunk_size"]
    obj = cfg.values["optimize"]["objective"]
    _say(args, f"thermaljax {__version__}: evaluating {n:,} designs ({method}) in batches of "
         f"{min(chunk, n)} over {len(jax.devices())} device(s) in {jax.process_count()} "
         "process(es) (the first batch "
         "compiles)...")
    progress, task = _progress(args, "sweep", n)
    t = {"t0": None, "n0": 0}

    def callback(done, total):
        now = time.perf_counter()
        if t["t0"] is None:
            t["t0"], t["n0"] = now, done
        rate = (done - t["n0"]) / (now - t["t0"]) if now > t["t0"] else 0.0
        progress.update(task, completed=done, rate=f"{rate:,.1f} designs/s" if rate else "")

    chunks = out / "chunks"
    stored = len(list(chunks.glob("chunk_*.npz"))) if chunks.is_dir() else 0
    if stored:
        _say(args, f"{stored} chunk file(s) in {chunks}: chunks with the same inputs are "
             "loaded, not evaluated again")
    t0 = time.perf_counter()
    with progress:
        ev = sizing.sweep(cases, cfg.scenario, objective=obj, vehicle=cfg.vehicle,
                          mass_model=cfg.mass_model, costs=cfg.costs,
                          requirements=cfg.requirements, chunk_size=chunk, callback=callback,
                          folder=chunks)
    wall = time.perf_counter() - t0
    if not writer:
        return EXIT_OK
    tols = {k: info.tolerance for k, info in sizing.CONSTRAINTS.items()}
    g = {k: np.asarray(ev.constraints[k]) for k in tols}
    status = np.asarray(ev.status)
    feasible = np.all([g[k] <= tols[k] for k in tols], axis=0) & (status == 0)
    cols = {k: np.asarray(getattr(designs, k)) for k in _DESIGN_FIELDS}
    cols |= {k: np.asarray(v) for k, v in cases.parameters.items()}
    for key in ("objective", "launch_mass_kg", "launch_cost_USD", "launches",
                "hardware_cost_USD", "cost_per_gpu_hour_USD", "max_junction_K",
                "battery_min_K", "battery_max_K", "radiator_min_K", "min_soc", "soc_change",
                "compute_fraction"):
        cols[key] = np.asarray(getattr(ev, key))
    for k in tols:
        cols[f"g_{k}"] = g[k]
    cols["feasible"] = feasible.astype(int)
    cols["status"] = status
    write_csv(out / "sweep.csv", cols)
    names = list(axes)
    plot_sweep(cols, out / "sweep.png", *(names[:2] if len(names) >= 2 else (None, None)))
    best = None
    if feasible.any():
        i = int(np.argmin(np.where(feasible, cols["objective"], np.inf)))
        best = {"index": i, "design": {k: float(cols[k][i]) for k in _DESIGN_FIELDS},
                "parameters": {k: float(cols[k][i]) for k in cases.parameters},
                **{k: float(cols[k][i]) for k in ("objective", "launch_mass_kg",
                                                  "cost_per_gpu_hour_USD", "max_junction_K",
                                                  "min_soc")}}
    reasons = sizing.failure_reason(status)
    failed = [{"index": int(i), "status": int(status[i]), "reason": str(reasons[i]),
               "design": {k: float(cols[k][i]) for k in _DESIGN_FIELDS},
               "parameters": {k: float(cols[k][i]) for k in cases.parameters}}
              for i in np.flatnonzero(status != 0)]
    summary = _summary_base("sweep", cfg, wall)
    summary |= {"designs": n, "method": method, "feasible": int(feasible.sum()),
                "failed": len(failed), "failures": failed[:1000],
                "objective_name": obj, "best_feasible": best, "designs_per_s": n / wall,
                "devices": [str(dv) for dv in jax.devices()],
                "processes": jax.process_count()}
    write_json(out / "summary.json", summary)
    if not args.quiet:
        console = _console(args)
        console.print(f"{n:,} designs: {int(feasible.sum()):,} feasible, "
                      f"{int((status != 0).sum()):,} failed simulations; "
                      f"{n / wall:,.1f} designs/s including compilation")
        if best is not None:
            console.print(f"best feasible ({obj}): {best['objective']:,.6g} at " + ", ".join(
                f"{k} = {v:.5g}" for k, v in best["design"].items() if k in axes))
        console.print(f"wrote {out}/sweep.csv, summary.json, sweep.png in {wall:.1f} s")
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# init
# --------------------------------------------------------------------------------------------


def _init(args) -> int:
    from .config import default_toml
    from .io import atomic_write_text

    path: Path = args.file
    if path.exists() and not args.force:
        raise UsageError(f"{path} exists; use --force to overwrite it")
    try:
        atomic_write_text(path, default_toml())
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    print(f"wrote {path}: every key with its default, unit, range and source; edit it and run "
          f"`thermaljax simulate --config {path}`")
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------------

_COMMANDS = {"simulate": _simulate, "optimize": _optimize, "trade": _trade, "sweep": _sweep,
             "init": _init}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``thermaljax`` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from .config import ConfigError

    debug = getattr(args, "debug", False)
    _terminate_as_interrupt()
    try:
        if args.command != "init":
            # Before any array is made: the configuration's leaves take the float width.
            _setup_jax(args)
        return _COMMANDS[args.command](args)
    except (UsageError, ConfigError) as exc:
        if debug:
            raise
        print(f"thermaljax: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except FailedRun as exc:
        if debug:
            raise
        print(f"thermaljax: failed: {exc}", file=sys.stderr)
        return EXIT_FAILED_RUN
    except KeyboardInterrupt:
        print("thermaljax: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a failed run: one line unless --debug
        if debug:
            raise
        print(f"thermaljax: error: run failed: {_one_line(exc)}", file=sys.stderr)
        return EXIT_FAILED_RUN


def _terminate_as_interrupt() -> None:
    """SIGTERM (a batch scheduler's stop, ``kill``) is handled like Ctrl-C: ``optimize``
    writes its checkpoint, and the exit code is 130."""
    import signal

    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (main() called from a thread)
        pass


def _one_line(exc: Exception) -> str:
    """The message of a run-time failure in one line (a check raised inside a compiled
    program carries its message after JAX's and Equinox's explanations)."""
    text = str(exc)
    for line in text.splitlines():
        if "EquinoxRuntimeError: " in line:
            return line.split("EquinoxRuntimeError: ", 1)[1].strip()
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
