"""Benchmark: design optimisation with exact gradients (thermaljax.optimize, Optax) against
SciPy SLSQP with finite-difference gradients, on the same ``evaluate``.

Questions answered:
1. How long does ``optimize`` take to converge on the default scenario (steps, wall time,
   evaluations, compile time reported separately), with all five design fields free?
2. How long does SciPy ``minimize(method="SLSQP")`` take on the same problem, given the same
   jitted float64 ``evaluate`` (one design per call, what a SciPy user would write), the same
   log-space variables and bounds, and the same scaled constraints, with its default
   finite-difference gradients? Evaluations shared between objective and constraints through
   a cache (fair to SciPy).
3. Time to the same objective: the first time each method holds a feasible design within
   0.5 % of the better of the two final objectives.
4. Multi-start throughput: starts x steps per second with ``vmap`` over starts.

Usage:
    python benchmarks/optimize.py            # full run, writes results/optimize_<device>.json
    python benchmarks/optimize.py --quick    # tiny sizes (used by the tests)
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import numpy as np  # noqa: E402
import scipy  # noqa: E402
from scipy import optimize as sopt  # noqa: E402

import thermaljax as tj  # noqa: E402
import thermaljax.io  # noqa: E402,F401
from thermaljax import sizing  # noqa: E402
from thermaljax.system import SimulationSpec  # noqa: E402

NAMES = tuple(sizing.CONSTRAINTS)
TOLS = np.array([sizing.CONSTRAINTS[k].tolerance for k in NAMES])
FIELDS = sizing.DESIGN_FIELDS
TARGET = 5e-3  # relative objective gap that counts as "the same objective"


def run_thermaljax(scenario, steps: int, starts: int = 1):
    times, best = [], []
    t0 = time.perf_counter()

    def cb(k, row):
        times.append(time.perf_counter() - t0)
        best.append(float(np.min(row["best_objective"])))

    res = tj.optimize(scenario, steps=steps, starts=starts, callback=cb)
    return res, np.array(times), np.array(best)


def run_scipy(scenario, maxiter: int):
    prob = sizing.problem(scenario)
    f = jax.jit(lambda d: sizing.evaluate_problem(d, prob))
    d0 = tj.Design.default()
    x0 = np.log([float(getattr(d0, k)) for k in FIELDS])
    t0 = time.perf_counter()
    jax.block_until_ready(f(d0))
    compile_s = time.perf_counter() - t0
    ev0 = f(d0)
    f0 = float(ev0.objective)
    # Same scaling as optimize: objective / f0; constraints / the floor scales of CONSTRAINTS.
    scales = np.array([sizing.CONSTRAINTS[k].scale for k in NAMES])
    cache: dict = {}
    log = []
    t_start = time.perf_counter()

    def ev(z):
        key = tuple(np.round(z, 15))
        if key not in cache:
            e = f(tj.Design(*np.exp(z)))
            g = np.array([float(e.constraints[k]) for k in NAMES])
            obj = float(e.objective)
            cache[key] = (obj, g)
            feas = bool(np.all(g <= TOLS))
            log.append((time.perf_counter() - t_start, obj, feas))
        return cache[key]

    bounds = [(z - np.log(10.0), z + np.log(10.0)) for z in x0]
    res = sopt.minimize(lambda z: ev(z)[0] / f0, x0, method="SLSQP", bounds=bounds,
                        constraints=[{"type": "ineq", "fun": lambda z: -ev(z)[1] / scales}],
                        options=dict(maxiter=maxiter, ftol=1e-9))
    wall = time.perf_counter() - t_start
    obj, g = ev(res.x)
    times = np.array([t for t, _, _ in log])
    best = np.minimum.accumulate(np.array([o if feas else np.inf for _, o, feas in log]))
    return dict(success=bool(res.success), message=str(res.message), iterations=int(res.nit),
                evaluations=len(cache), wall_s=wall, compile_s=compile_s, objective=obj,
                feasible=bool(np.all(g <= TOLS)),
                design={k: float(np.exp(v)) for k, v in zip(FIELDS, res.x)}), times, best


def time_to(target, times, best):
    hit = np.nonzero(best <= target)[0]
    return float(times[hit[0]]) if hit.size else None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes (for the tests)")
    p.add_argument("--out", type=Path, default=None, help="JSON output path")
    args = p.parse_args()
    device = jax.devices()[0]
    kind = "gpu" if device.platform == "gpu" else "cpu"
    out = args.out or Path(__file__).parent / "results" / f"optimize_{kind}.json"
    if args.quick:
        scenario = tj.Scenario.default().replace(
            simulation=SimulationSpec(step_s=60.0, warmup_orbits=0))
        steps, maxiter, ms_starts, ms_steps = 6, 2, 1, 3  # one start: no second compile
    else:
        scenario = tj.Scenario.default()
        steps, maxiter, ms_starts, ms_steps = 200, 100, 8, 20
    print(f"thermaljax {tj.__version__} on {device.device_kind} ({kind})", flush=True)

    res, t_ours, b_ours = run_thermaljax(scenario, steps)
    ours = dict(steps=res.steps, evaluations=res.evaluations, wall_s=res.wall_time_s,
                compile_s=res.compile_time_s, run_s=res.wall_time_s - res.compile_time_s,
                objective=float(res.evaluation.objective), feasible=res.feasible,
                message=res.message,
                design={k: float(getattr(res.design, k)) for k in FIELDS})
    print("thermaljax:", ours, flush=True)
    sp, t_sp, b_sp = run_scipy(scenario, maxiter)
    print("scipy:", sp, flush=True)
    finals = [v for v in (ours["objective"] if ours["feasible"] else None,
                          sp["objective"] if sp["feasible"] else None) if v is not None]
    comparison = None
    if finals:
        target = min(finals) * (1 + TARGET)
        # Our clock includes the first step's compilation: subtract it (reported apart).
        t_o = time_to(target, t_ours - res.compile_time_s, b_ours)
        t_s = time_to(target, t_sp, b_sp)
        comparison = dict(target_objective=target, thermaljax_s=t_o, scipy_s=t_s,
                          speedup=(t_s / t_o) if (t_o and t_s) else None)
    print("time to target:", comparison, flush=True)

    # Multi-start throughput (compiled separately for the batch of starts).
    ms, _, _ = run_thermaljax(scenario, ms_steps, starts=ms_starts)
    one_s = ours["run_s"] / ours["steps"]
    multi = dict(starts=ms_starts, steps=ms_steps, compile_s=ms.compile_time_s,
                 run_s=ms.wall_time_s - ms.compile_time_s,
                 start_steps_per_s=ms_starts * ms_steps / (ms.wall_time_s - ms.compile_time_s),
                 single_start_steps_per_s=1.0 / one_s)
    print("multi-start:", multi, flush=True)

    out_json = dict(benchmark="optimize", device=device.device_kind, platform=kind,
                    cpu_count=os.cpu_count(), jax=jax.__version__, scipy=scipy.__version__,
                    python=platform.python_version(), date=time.strftime("%Y-%m-%d"),
                    quick=args.quick, scenario="Scenario.default()" if not args.quick
                    else "default at 60 s steps, no warm-up", free=list(FIELDS),
                    thermaljax=ours, scipy_slsqp=sp, time_to_target=comparison,
                    multistart=multi)
    out.parent.mkdir(parents=True, exist_ok=True)
    tj.io.write_json(out, out_json)  # atomic
    print(f"wrote {out}", flush=True)


if __name__ == "__main__":
    main()
