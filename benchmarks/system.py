"""Benchmark: the coupled rack (``thermaljax.simulate``), throughput, gradient cost and accuracy.

Questions answered:
1. How many designs per second does ``simulate`` evaluate on the default scenario (72 H100
   GPUs, 650 km dawn-dusk orbit in eclipse season), batched over 1, 64, 1024 and 8192
   designs, and how long does compilation take (reported separately)?
2. What does a gradient cost relative to the forward run?
3. Is the default step accurate: error of the default 10 s step against a float64 run with a
   10x finer step (targets: 0.1 K on junction temperature, 1e-4 on SOC)?
4. What would the same equations cost with SciPy's adaptive stiff solver (``solve_ivp``
   Radau, exact Jacobian from :func:`thermaljax.system.ode`, one design at a time)?

Protocol (as ``thermal_transient.py``): compile first and report compile time separately,
``block_until_ready``, median of repeats; float64 unless stated; SciPy and thermaljax on the
same machine in the same process. "One-orbit simulate" runs one orbit from the orbit-averaged
steady state (``warmup_orbits=0``); the default ``simulate`` adds its warm-up orbits
(``SimulationSpec().warmup_orbits``), reported separately. Design-orbits/s counts every simulated
orbit. Batches are random designs around ``Design.default()`` (each field x U[0.8, 1.2]).

Usage:
    python benchmarks/system.py                  # full run, writes results/system_<device>.json
    python benchmarks/system.py --quick          # tiny sizes (used by the tests)
    python benchmarks/system.py --throughput-only --batches 1024,16384,131072
                                                 # throughput and gradient cost only (a GPU
                                                 # run inside a short time budget)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import scipy  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

import thermaljax as tj  # noqa: E402
from thermaljax.system import SimulationSpec, ode, steps_per_orbit  # noqa: E402

DEFAULT_WARMUP = SimulationSpec().warmup_orbits
TARGET_JUNCTION_K = 0.1
TARGET_SOC = 1e-4


def scenario(warmup: int, dtype=jnp.float64, step_s: float = 10.0, steps: int | None = None):
    s = tj.Scenario.default()
    s = s.replace(simulation=SimulationSpec(step_s=step_s, warmup_orbits=warmup,
                                            steps_per_orbit=steps))
    return jax.tree.map(lambda a: a.astype(dtype) if isinstance(a, jax.Array)
                        and jnp.issubdtype(a.dtype, jnp.floating) else a, s)


def designs(batch: int, dtype=jnp.float64, seed: int = 0) -> tj.Design:
    rng = np.random.default_rng(seed)
    d0 = tj.Design.default()
    return jax.tree.map(lambda a: jnp.asarray(np.asarray(a) * rng.uniform(0.8, 1.2, batch),
                                              dtype), d0)


def timed(fn, *args, repeats: int = 3):
    """(compile + first run [s], median run [s]) of a jitted function."""
    t0 = time.perf_counter()
    jax.block_until_ready(fn(*args))
    first = time.perf_counter() - t0
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*args))
        runs.append(time.perf_counter() - t0)
    return first, statistics.median(runs)


def throughput(batches, warmup: int, dtype, repeats: int) -> list[dict]:
    s = scenario(warmup, dtype)
    fn = jax.jit(jax.vmap(lambda d: tj.simulate(d, s, record=False, throw=False).summary))
    out = []
    for b in batches:
        first, run = timed(fn, designs(b, dtype), repeats=repeats if b <= 1024 else 1)
        orbits = (warmup + 1) * b
        out.append(dict(batch=b, dtype=jnp.dtype(dtype).name, warmup_orbits=warmup,
                        time_s=run, compile_s=max(first - run, 0.0), designs_per_s=b / run,
                        design_orbits_per_s=orbits / run,
                        us_per_design_step=run / (b * (warmup + 1) * steps_per_orbit(s)) * 1e6))
        print(f"  batch {b:5d} {out[-1]['dtype']} warm-up {warmup}: {b / run:9.1f} designs/s, "
              f"{orbits / run:9.1f} design-orbits/s, compile {out[-1]['compile_s']:.1f} s",
              flush=True)
    return out


def gradient_cost(batch: int, repeats: int) -> dict:
    s = scenario(0)

    def metric(d):
        r = tj.simulate(d, s, record=False, throw=False).summary
        return r.max_junction_K + 100.0 * r.min_soc

    fwd = jax.jit(jax.vmap(metric))
    grad = jax.jit(jax.vmap(jax.value_and_grad(metric)))
    d = designs(batch)
    f_first, f_run = timed(fwd, d, repeats=repeats)
    g_first, g_run = timed(grad, d, repeats=repeats)
    g = grad(d)[1]
    finite = all(bool(jnp.all(jnp.isfinite(x))) for x in jax.tree.leaves(g))
    print(f"  gradient/forward at batch {batch}: {g_run / f_run:.2f} (finite: {finite})",
          flush=True)
    return dict(batch=batch, forward_s=f_run, gradient_s=g_run, ratio=g_run / f_run,
                forward_compile_s=max(f_first - f_run, 0.0),
                gradient_compile_s=max(g_first - g_run, 0.0), finite=finite)


def accuracy(refine: int, factors=(1, 2)) -> dict:
    base = steps_per_orbit(scenario(DEFAULT_WARMUP))
    d = tj.Design.default()
    ref = tj.simulate(d, scenario(DEFAULT_WARMUP, steps=base * refine))
    rows = []
    for k in factors:
        if base % k:
            continue
        r = tj.simulate(d, scenario(DEFAULT_WARMUP, steps=base // k))
        stride = refine * k
        rows.append(dict(
            step_s=float(r.times_s[1]),
            junction_error_K=float(jnp.max(jnp.abs(r.junction_K - ref.junction_K[::stride]))),
            soc_error=float(jnp.max(jnp.abs(r.soc - ref.soc[::stride]))),
            all_nodes_error_K=float(jnp.max(jnp.abs(r.temperatures_K
                                                    - ref.temperatures_K[::stride]))),
            max_junction_error_K=float(r.summary.max_junction_K - ref.summary.max_junction_K),
        ))
        print(f"  step {rows[-1]['step_s']:.2f} s: junction {rows[-1]['junction_error_K']:.1e} K,"
              f" SOC {rows[-1]['soc_error']:.1e}", flush=True)
    return dict(reference_step_s=float(ref.times_s[1]), refine=refine, rows=rows,
                target_junction_K=TARGET_JUNCTION_K, target_soc=TARGET_SOC,
                default_meets_targets=rows[0]["junction_error_K"] <= TARGET_JUNCTION_K
                and rows[0]["soc_error"] <= TARGET_SOC)


def scipy_radau(rtol: float) -> dict:
    """The same equations (one design, one orbit) with SciPy Radau and the exact Jacobian."""
    s = scenario(0)
    d = tj.Design.default()
    ours = tj.simulate(d, s)
    f = ode(d, s)
    rhs = jax.jit(lambda m, t, y: m.rhs(t, y))
    jac = jax.jit(lambda m, t, y: m.jacobian(t, y))
    y0 = np.concatenate([np.asarray(ours.temperatures_K[0]),
                         [float(ours.soc[0]), float(ours.rc_voltage_V[0])]])
    t_end = float(ours.times_s[-1])
    rhs(f, 0.0, jnp.asarray(y0)).block_until_ready()
    jac(f, 0.0, jnp.asarray(y0)).block_until_ready()
    fun = lambda t, y: np.asarray(rhs(f, t, jnp.asarray(y)))  # noqa: E731
    jfun = lambda t, y: np.asarray(jac(f, t, jnp.asarray(y)))  # noqa: E731
    t0 = time.perf_counter()
    sol = solve_ivp(fun, (0.0, t_end), y0, method="Radau", rtol=rtol, atol=1e-6, jac=jfun,
                    t_eval=np.asarray(ours.times_s))
    wall = time.perf_counter() - t0
    n = f.n_nodes
    err_j = float(np.max(np.abs(sol.y[0] - np.asarray(ours.junction_K))))
    err_soc = float(np.max(np.abs(sol.y[n] - np.asarray(ours.soc))))
    print(f"  SciPy Radau rtol {rtol:g}: {wall:.2f} s per design-orbit, nfev {sol.nfev}, "
          f"|Radau - thermaljax| junction {err_j:.1e} K, SOC {err_soc:.1e}", flush=True)
    return dict(rtol=rtol, atol=1e-6, time_s=wall, design_orbits_per_s=1.0 / wall,
                nfev=int(sol.nfev), njev=int(sol.njev), success=bool(sol.success),
                junction_difference_K=err_j, soc_difference=err_soc)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    p.add_argument("--out", type=Path, default=None, help="JSON output path")
    p.add_argument("--batches", default=None,
                   help="comma-separated batch sizes (default 1,64,1024,8192)")
    p.add_argument("--throughput-only", action="store_true",
                   help="skip the accuracy study, the default-simulate series and SciPy")
    args = p.parse_args(argv)
    device = jax.devices()[0]
    kind = "gpu" if device.platform == "gpu" else "cpu"
    out = args.out or Path(__file__).parent / "results" / f"system_{kind}.json"
    repeats = 1 if args.quick else 3
    batches = (1, 4) if args.quick else (1, 64, 1024, 8192)
    if args.batches:
        batches = tuple(int(b) for b in args.batches.split(","))
    print(f"thermaljax {tj.__version__} on {device.device_kind} ({kind})", flush=True)
    res = dict(benchmark="system", device=device.device_kind, platform=kind,
               cpu_count=os.cpu_count(), jax=jax.__version__, scipy=scipy.__version__,
               python=platform.python_version(), date=time.strftime("%Y-%m-%d"),
               thermaljax=tj.__version__, quick=args.quick,
               steps_per_orbit=steps_per_orbit(scenario(0)))
    res["throughput_only"] = args.throughput_only
    if not args.throughput_only:
        print("accuracy of the default step:", flush=True)
        res["accuracy"] = accuracy(2, (1,)) if args.quick else accuracy(10)
    print("throughput (one-orbit simulate, float32 / float64):", flush=True)
    res["one_orbit_float32"] = [] if args.quick else throughput(batches, 0, jnp.float32,
                                                                 repeats)
    res["one_orbit_float64"] = throughput(batches, 0, jnp.float64, repeats)
    if not args.throughput_only:
        print(f"throughput (default simulate: {DEFAULT_WARMUP} warm-up orbits + 1):", flush=True)
        res["default_float64"] = throughput(batches[-1:] if args.quick else batches[:3],
                                            DEFAULT_WARMUP, jnp.float64, repeats)
    print("gradient cost:", flush=True)
    res["gradient"] = gradient_cost(2 if args.quick else 64, repeats)
    best = max(r["design_orbits_per_s"] for r in res["one_orbit_float64"]
               + res["one_orbit_float32"])
    at_1024 = [r for r in res["one_orbit_float64"] if r["batch"] == 1024]
    res["target_design_orbits_per_s_at_1024"] = 5000
    res["design_orbits_per_s_at_1024_float64"] = at_1024[0]["design_orbits_per_s"] if at_1024 else None
    res["best_design_orbits_per_s"] = best
    if not args.throughput_only:
        print("SciPy Radau on the same equations:", flush=True)
        res["scipy_radau"] = scipy_radau(1e-6)
        res["speedup_vs_scipy_radau"] = best / res["scipy_radau"]["design_orbits_per_s"]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(res, indent=2) + "\n")
    os.replace(tmp, out)
    print(f"wrote {out}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
