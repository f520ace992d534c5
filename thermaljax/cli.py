"""The ``thermaljax`` command line.

``thermaljax simulate`` runs the default job: the coupled rack of :func:`thermaljax.simulate`
(72 H100 GPUs, coolant loop and radiator, solar array, battery and power bus, in a 650 km
dawn-dusk orbit during its eclipse season) on the embedded default design, or with the design
fields given as flags, writing ``summary.json``, ``timeseries.csv`` and three PNG figures
(temperatures, battery, power) to the output folder, and a table of every limit with its
margin on stdout.

Errors in the user's input print one line on stderr and exit with code 2 (a failed run exits
with 1); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

from ._version import __version__

EXIT_USAGE = 2
EXIT_FAILED_RUN = 1


class UsageError(Exception):
    """A problem with the user's input: reported in one line, exit code 2."""


_DESIGN_FLAGS = (
    # flag, Design field, unit shown, factor to SI, allowed range in the flag's unit
    ("--radiator-area-m2", "radiator_area_m2", "m^2", 1.0, (0.0, 1e5)),
    ("--array-area-m2", "array_area_m2", "m^2", 1.0, (0.0, 1e6)),
    ("--battery-kwh", "battery_capacity_Wh", "kWh", 1e3, (0.0, 1e6)),
    ("--coolant-flow-kg-s", "coolant_flow_kg_s", "kg/s", 1.0, (0.0, 1e3)),
    ("--battery-radiator-area-m2", "battery_radiator_area_m2", "m^2", 1.0, (0.0, 1e4)),
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="thermaljax",
        description="Differentiable thermal and power physics for data centres in orbit.",
    )
    p.add_argument("--version", action="version", version=f"thermaljax {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    s = sub.add_parser(
        "simulate",
        help="simulate the orbiting GPU rack (default design and scenario)",
        description="Simulate the orbiting GPU rack: 72 H100 GPUs, pumped coolant loop and "
        "radiator, solar array, battery and power bus, 650 km dawn-dusk orbit in eclipse "
        "season (the default job). Writes summary.json, timeseries.csv, temperatures.png, "
        "battery.png and power.png, and prints every limit with its margin.",
    )
    s.add_argument("--out", type=Path, default=None,
                   help="output folder (default: ./thermaljax-out/<UTC timestamp>)")
    from .system import Design

    d = Design.default()
    for flag, field, unit, factor, (lo, hi) in _DESIGN_FLAGS:
        default = float(getattr(d, field)) / factor
        s.add_argument(flag, type=float, default=None,
                       help=f"{field.replace('_', ' ')} [{unit}], in ({lo:g}, {hi:g}] "
                       f"(default {default:g})")
    s.add_argument("--end-of-life", action="store_true",
                   help="end-of-life coatings, PV degradation and battery capacity")
    s.add_argument("--orbits", type=int, default=1,
                   help="reported orbits after the warm-up, 1-50 (default 1)")
    s.add_argument("--float64", action="store_true", help="compute in float64 (default float32)")
    s.add_argument("--quiet", action="store_true", help="print nothing but errors")
    s.add_argument("--debug", action="store_true", help="show tracebacks")
    return p


def _prepare_out(out: Path | None) -> Path:
    if out is None:
        out = Path("thermaljax-out") / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create output folder {str(out)!r}: {exc.strerror}") from exc
    if not os.access(out, os.W_OK):
        raise UsageError(f"output folder {str(out)!r} is not writable")
    return out


def _design_and_scenario(args):
    from .system import Design, Scenario, SimulationSpec

    values = {}
    for flag, field, unit, factor, (lo, hi) in _DESIGN_FLAGS:
        v = getattr(args, flag[2:].replace("-", "_"))
        if v is None:
            continue
        if not (math.isfinite(v) and lo < v <= hi):
            raise UsageError(f"{flag} = {v:g} {unit} is outside the allowed range "
                             f"({lo:g}, {hi:g}] {unit}")
        values[field] = v * factor
    if not 1 <= args.orbits <= 50:
        raise UsageError(f"--orbits = {args.orbits} is outside the allowed range [1, 50]")
    design = Design.default().replace(**values)
    scenario = Scenario.default(end_of_life=args.end_of_life)
    scenario = scenario.replace(simulation=SimulationSpec(orbits=args.orbits))
    return design, scenario


def _simulate(args) -> int:
    if args.float64:
        import jax

        jax.config.update("jax_enable_x64", True)
    from . import system
    from .io import write_csv, write_json
    from .plots import plot_battery, plot_power, plot_temperatures

    design, scenario = _design_and_scenario(args)
    out = _prepare_out(args.out)
    t0 = time.perf_counter()
    if not args.quiet:
        print(f"thermaljax {__version__}: simulating the rack over "
              f"{scenario.simulation.warmup_orbits} warm-up + {scenario.simulation.orbits} "
              "orbit(s) (the first run compiles, ~20 s)...", file=sys.stderr, flush=True)
    result = system.simulate(design, scenario)  # a failed run raises: exit code 1
    checks = system.limit_checks(result, scenario)
    wall = time.perf_counter() - t0
    write_json(out / "summary.json", {
        "thermaljax_version": __version__,
        "job": "simulate",
        "inputs": system.inputs_dict(design, scenario),
        "metrics": system.summary_dict(result),
        "limits": [c._asdict() for c in checks],
        "all_limits_met": all(c.ok for c in checks),
        "wall_time_s": wall,
    })
    write_csv(out / "timeseries.csv", system.timeseries_columns(result))
    plot_temperatures(result, scenario, design, out / "temperatures.png")
    plot_battery(result, scenario, out / "battery.png")
    plot_power(result, scenario, out / "power.png")
    if not args.quiet:
        width = max(len(c.name) for c in checks)
        print(f"{'limit':<{width}}  {'value':>10}  {'limit':>10}  {'margin':>10}  status")
        for c in checks:
            unit = f" {c.unit}" if c.unit else ""
            print(f"{c.name:<{width}}  {c.value:>10.4g}  {c.limit:>10.4g}  "
                  f"{c.margin:>10.3g}{unit:<3}  {'ok' if c.ok else 'VIOLATED'}")
        m = system.summary_dict(result)
        events = [(k, v) for k, v in m.items() if k.endswith("_time_s") and v is not None]
        for k, v in events:
            print(f"event: {k[:-7].replace('_', ' ')} at t = {v / 60:.1f} min")
        print(f"wrote {out}/summary.json, timeseries.csv, temperatures.png, battery.png, "
              f"power.png in {time.perf_counter() - t0:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``thermaljax`` console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return _simulate(args)
    except UsageError as exc:
        if getattr(args, "debug", False):
            raise
        print(f"thermaljax: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("thermaljax: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a failed run: one line unless --debug
        if getattr(args, "debug", False):
            raise
        print(f"thermaljax: error: run failed: {type(exc).__name__}: {exc}".splitlines()[0],
              file=sys.stderr)
        return EXIT_FAILED_RUN


if __name__ == "__main__":
    sys.exit(main())
