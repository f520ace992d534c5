"""The ``thermaljax`` command line.

``thermaljax simulate`` runs the default job: the orbit + radiator demonstration of
:mod:`thermaljax.demo` (a GPU rack rejecting its heat through a radiator over whole orbits),
writing ``summary.json``, ``timeseries.csv`` and ``temperatures.png`` to the output folder.

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


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="thermaljax",
        description="Differentiable thermal and power physics for data centres in orbit.",
    )
    p.add_argument("--version", action="version", version=f"thermaljax {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    s = sub.add_parser(
        "simulate",
        help="simulate the default rack + radiator over whole orbits",
        description="Simulate a GPU rack rejecting its heat through a radiator over whole "
        "orbits (the default job). Writes summary.json, timeseries.csv and temperatures.png.",
    )
    s.add_argument("--out", type=Path, default=None,
                   help="output folder (default: ./thermaljax-out/<UTC timestamp>)")
    s.add_argument("--altitude-km", type=float, default=550.0,
                   help="circular-orbit altitude [km], 150-35786 (default 550)")
    s.add_argument("--beta-deg", type=float, default=0.0,
                   help="Sun elevation above the orbit plane [deg], -90..90 (default 0)")
    s.add_argument("--orbits", type=int, default=3, help="orbits to simulate, 1-100 (default 3)")
    s.add_argument("--heat-kw", type=float, default=7.0,
                   help="rack heat load [kW] (default 7: 8 H100 at 700 W + 1.4 kW host)")
    s.add_argument("--radiator-area-m2", type=float, default=10.0,
                   help="radiator planform area [m^2] (default 10)")
    s.add_argument("--attitude", choices=["edge_on", "sun_tracking", "zenith"],
                   default="edge_on", help="radiator attitude (default edge_on)")
    s.add_argument("--one-sided", action="store_true", help="only the front face radiates")
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


def _simulate(args) -> int:
    if args.float64:
        import jax

        jax.config.update("jax_enable_x64", True)
    from .demo import RadiatorDemoConfig, run_radiator_demo
    from .io import write_csv, write_json
    from .plots import plot_radiator_demo

    limits = [
        ("--altitude-km", args.altitude_km, "km", 150.0, 35786.0),
        ("--beta-deg", args.beta_deg, "deg", -90.0, 90.0),
        ("--orbits", args.orbits, "", 1, 100),
        ("--heat-kw", args.heat_kw, "kW", 0.0, 1.0e5),
        ("--radiator-area-m2", args.radiator_area_m2, "m^2", 1e-6, 1.0e6),
    ]
    for flag, value, unit, lo, hi in limits:
        if not (math.isfinite(value) and lo <= value <= hi):
            raise UsageError(f"{flag} = {value:g} {unit} is outside the allowed range "
                             f"[{lo:g}, {hi:g}] {unit}".rstrip())
    try:
        config = RadiatorDemoConfig(
            altitude_m=args.altitude_km * 1e3,
            beta=math.radians(args.beta_deg),
            orbits=args.orbits,
            heat_W=args.heat_kw * 1e3,
            radiator_area_m2=args.radiator_area_m2,
            two_sided=not args.one_sided,
            attitude=args.attitude,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    out = _prepare_out(args.out)
    t0 = time.perf_counter()
    if not args.quiet:
        print(f"thermaljax {__version__}: simulating {config.orbits} orbits "
              f"(first run compiles, ~10 s)...", file=sys.stderr, flush=True)
    result = run_radiator_demo(config)
    s = result["summary"]  # a failed solve has raised already (throw=True): exit code 1
    T = result["temperatures_K"]
    write_json(out / "summary.json", {
        "thermaljax_version": __version__,
        "job": "orbit + radiator demonstration",
        "inputs": result["config"],
        "metrics": s,
        "wall_time_s": time.perf_counter() - t0,
    })
    write_csv(out / "timeseries.csv", {
        "time_s": result["time_s"],
        "sunlit_fraction": result["sunlit_fraction"],
        "rack_temperature_K": T[:, 0],
        "radiator_temperature_K": T[:, 1],
        "absorbed_environment_W": result["absorbed_W"],
        "radiated_W": result["radiated_W"],
    })
    plot_radiator_demo(result, out / "temperatures.png")
    if not args.quiet:
        c = 273.15
        rows = [
            ("orbit period", f"{s['period_s'] / 60:.2f} min"),
            ("eclipse", f"{s['eclipse_duration_s'] / 60:.1f} min"),
            ("rack temperature (last orbit)",
             f"{s['rack_temperature_min_K'] - c:.1f} .. {s['rack_temperature_max_K'] - c:.1f} °C"),
            ("radiator temperature",
             f"{s['radiator_temperature_min_K'] - c:.1f} .. "
             f"{s['radiator_temperature_max_K'] - c:.1f} °C"),
            ("absorbed environment (mean)", f"{s['absorbed_environment_mean_W']:.0f} W"),
            ("radiated (mean)", f"{s['radiated_mean_W']:.0f} W "
             f"({s['radiated_per_area_mean_W_m2']:.0f} W/m² of planform)"),
            ("energy balance residual", f"{s['energy_balance_residual_rel']:.1e}"),
        ]
        width = max(len(k) for k, _ in rows)
        for k, v in rows:
            print(f"{k:<{width}}  {v}")
        print(f"wrote {out}/summary.json, timeseries.csv, temperatures.png "
              f"in {time.perf_counter() - t0:.1f} s")
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
