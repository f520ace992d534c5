"""Benchmark: transient thermal-network solves, thermaljax vs SciPy ``solve_ivp``.

Question answered: how fast does thermaljax integrate a stiff thermal network over three orbits
with eclipse, alone and as a batch of load variants, compared with what an engineer would
otherwise write (SciPy Radau or LSODA with an analytic Jacobian), at the same accuracy?

Protocol (diffrax's benchmark FAQ):
- the problem is :func:`thermaljax.thermal.example_network` (8, 64, 256 nodes): GPU dies with a
  1 s time constant beside radiator segments of about an hour, three 95-minute orbits, loads
  stepping at eclipse entry and exit and sampled every 30 s (linear in between);
- the reference is SciPy Radau at rtol = 1e-10 on a NumPy right-hand side; every method's error
  is its maximum absolute deviation from it over all nodes and output times [K];
- SciPy's tolerances are the loosest of a ladder that reaches 0.05 K (the accuracy target of
  thermaljax's defaults), and SciPy gets the exact Jacobian;
- JAX timings exclude compilation (reported separately), use ``block_until_ready`` and take the
  median of repeats; both sides run in float64 on the same machine in the same process;
- a batch is 1024 load variants (each load scaled by a factor in [0.8, 1.2]): thermaljax vmaps
  over them in one call, SciPy loops; where looping them all would take too long, SciPy solves
  a subset and its throughput (solves/s) is what is compared.

Usage:
    python benchmarks/thermal_transient.py                 # full run, writes results JSON
    python benchmarks/thermal_transient.py --quick         # tiny sizes (used by the tests)
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

import thermaljax  # noqa: E402
from thermaljax.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA  # noqa: E402
from thermaljax.thermal import example_network, transient_solution  # noqa: E402

TARGET_K = 0.05
TOLERANCE_LADDER = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8)


def numpy_problem(net):
    """Vectorised NumPy right-hand side and Jacobian: what a SciPy user would write."""
    C = np.asarray(net.capacitance_J_per_K)
    gl = np.asarray(net.conductance_W_per_K)
    gr = np.asarray(net.radiative_m2)
    gs = np.asarray(net.space_radiative_m2)
    ts4 = float(net.sink_temperature_K) ** 4
    gl_sum, gr_sum = gl.sum(1), gr.sum(1)

    def rhs(t, T, times, Q):
        q = _interp_rows(t, times, Q)
        T4 = T**4
        P = q + gl @ T - gl_sum * T + SIGMA * (gr @ T4 - gr_sum * T4) - SIGMA * gs * (T4 - ts4)
        return P / C

    def jac(t, T, times, Q):
        T3 = T**3
        J = gl + 4 * SIGMA * gr * T3[None, :]
        J[np.diag_indices_from(J)] = -(gl_sum + 4 * SIGMA * (gr_sum + gs) * T3)
        return J / C[:, None]

    return rhs, jac


def _interp_rows(t, times, Q):
    k = int(np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2))
    w = (t - times[k]) / (times[k + 1] - times[k])
    return (1 - w) * Q[k] + w * Q[k + 1]


def scipy_solve(net, T0, times, Q, method, rtol, atol):
    rhs, jac = numpy_problem(net)
    kw = {"jac": jac} if method in ("Radau", "BDF", "LSODA") else {}
    sol = solve_ivp(
        rhs, (times[0], times[-1]), T0, method=method, t_eval=times, rtol=rtol, atol=atol,
        args=(times, Q), **kw,
    )
    if not sol.success:
        raise RuntimeError(f"SciPy {method} failed: {sol.message}")
    return sol.y.T, sol.nfev


def compile_time(jitted, *args):
    """Seconds to trace, lower and compile ``jitted`` for ``args`` (ahead of time, not run)."""
    t0 = time.perf_counter()
    compiled = jitted.lower(*args).compile()
    return time.perf_counter() - t0, compiled


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_size(n_nodes, n_orbits, batch, scipy_batch, repeats, log):
    p = example_network(n_nodes)
    net = p.network
    times = np.arange(0.0, n_orbits * p.orbit_period_s + 1.0, 30.0)
    Q = np.asarray(p.heat_W(times))
    T0 = np.asarray(p.T0_K)
    res = {"n_nodes": n_nodes, "n_orbits": n_orbits, "n_outputs": len(times)}

    t0 = time.perf_counter()
    ref, _ = scipy_solve(net, T0, times, Q, "Radau", 1e-10, 1e-8)
    res["reference_radau_rtol1e-10_s"] = time.perf_counter() - t0
    log(f"[{n_nodes} nodes] reference done in {res['reference_radau_rtol1e-10_s']:.2f} s")

    # --- SciPy at the loosest tolerance reaching the target ---------------------------------
    for method in ("Radau", "LSODA"):
        chosen = None
        for rtol in TOLERANCE_LADDER:
            t0 = time.perf_counter()
            y, nfev = scipy_solve(net, T0, times, Q, method, rtol, rtol * 10.0)
            dt = time.perf_counter() - t0
            err = float(np.max(np.abs(y - ref)))
            if err <= TARGET_K:
                chosen = {"rtol": rtol, "atol_K": rtol * 10.0, "time_s": dt, "error_K": err,
                          "nfev": int(nfev)}
                break
        res[f"scipy_{method.lower()}"] = chosen
        log(f"[{n_nodes}] scipy {method}: {chosen}")

    # --- thermaljax, single solve --------------------------------------------------------------
    # Rodas4 at its defaults; Kvaerno5 at the loosest tolerance of the ladder that reaches the
    # target (atol = 10 rtol K, as for SciPy), so both are compared at matched accuracy.
    def measure(opts):
        compile_s, fn = compile_time(
            jax.jit(lambda q: transient_solution(net, T0, times, q, **opts)), Q)
        sol = jax.block_until_ready(fn(Q))
        run = median_time(lambda: jax.block_until_ready(fn(Q)), repeats)
        err = float(np.max(np.abs(np.asarray(sol.temperatures_K) - ref)))
        return {"compile_s": compile_s, "time_s": run, "error_K": err,
                "n_steps": int(sol.n_steps), "options": opts}

    candidates = {"rodas4": [{}],
                  "kvaerno5": [{"method": "kvaerno5", "rtol": r, "atol": 10 * r}
                               for r in TOLERANCE_LADDER]}
    for name, ladder in candidates.items():
        for opts in ladder:
            r = measure(opts)
            if r["error_K"] <= TARGET_K:
                break
        res[f"thermaljax_{name}"] = r
        log(f"[{n_nodes}] thermaljax {name}: run {r['time_s'] * 1e3:.1f} ms, compile "
            f"{r['compile_s']:.2f} s, error {r['error_K']:.2e} K, steps {r['n_steps']}")

    # --- gradient cost ---------------------------------------------------------------------------
    def loss(q, cap_scale):
        n2 = type(net)(net.capacitance_J_per_K * cap_scale, net.conductance_W_per_K,
                       net.radiative_m2, net.space_radiative_m2)
        T = transient_solution(n2, T0, times, q).temperatures_K
        return jnp.sum(T[-1]) + jnp.mean(T)

    _, fwd = compile_time(jax.jit(loss), Q, 1.0)
    grad_compile, grad = compile_time(jax.jit(jax.grad(loss, argnums=(0, 1))), Q, 1.0)
    jax.block_until_ready(fwd(Q, 1.0))
    jax.block_until_ready(grad(Q, 1.0))
    # Interleave forward and gradient runs so that machine load drifts hit both alike.
    t_fwd_all, t_grad_all = [], []
    for _ in range(max(3, repeats)):
        t_fwd_all.append(median_time(lambda: jax.block_until_ready(fwd(Q, 1.0)), 1))
        t_grad_all.append(median_time(lambda: jax.block_until_ready(grad(Q, 1.0)), 1))
    t_fwd, t_grad = statistics.median(t_fwd_all), statistics.median(t_grad_all)
    res["gradient"] = {"forward_s": t_fwd, "grad_s": t_grad, "ratio": t_grad / t_fwd,
                       "grad_compile_s": grad_compile,
                       "wrt": "all loads (m x n) and a capacitance scale"}
    log(f"[{n_nodes}] grad/forward = {t_grad / t_fwd:.2f}")

    # --- batch of load variants ------------------------------------------------------------------
    rng = np.random.default_rng(0)
    factors = rng.uniform(0.8, 1.2, size=(batch, 1, n_nodes))
    Qb = Q[None] * factors
    batch_compile, bfn = compile_time(
        jax.jit(jax.vmap(lambda q: transient_solution(net, T0, times, q).temperatures_K)), Qb)
    out = jax.block_until_ready(bfn(Qb))
    run = median_time(lambda: jax.block_until_ready(bfn(Qb)), max(1, repeats // 2))
    jax_rate = batch / run
    k = min(scipy_batch, batch)
    radau = res["scipy_radau"]
    t0 = time.perf_counter()
    for i in range(k):
        y, _ = scipy_solve(net, T0, times, Qb[i], "Radau", radau["rtol"], radau["atol_K"])
    scipy_run = time.perf_counter() - t0
    check = float(np.max(np.abs(np.asarray(out[k - 1]) - y)))
    scipy_rate = k / scipy_run
    res["batch"] = {
        "batch": batch, "thermaljax_time_s": run, "thermaljax_compile_s": batch_compile,
        "thermaljax_solves_per_s": jax_rate, "scipy_radau_solves": k,
        "scipy_radau_time_s": scipy_run, "scipy_radau_solves_per_s": scipy_rate,
        "speedup_vs_radau": jax_rate / scipy_rate,
        "max_difference_last_variant_K": check,
    }
    lsoda = res["scipy_lsoda"]
    if lsoda is not None:
        res["batch"]["speedup_vs_lsoda_single"] = jax_rate * lsoda["time_s"]
    log(f"[{n_nodes}] batch {batch}: thermaljax {jax_rate:.1f}/s, scipy radau "
        f"{scipy_rate:.2f}/s -> x{jax_rate / scipy_rate:.0f}")
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[8, 64, 256])
    ap.add_argument("--orbits", type=int, default=3)
    ap.add_argument("--batch", type=int, nargs="+", default=None,
                    help="batch size per network size (default 1024, 1024, 16)")
    ap.add_argument("--scipy-batch", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="tiny run for the test suite")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes, args.orbits, args.batch, args.scipy_batch, args.repeats = [8], 1, [4], 2, 1
    batches = args.batch or [1024 if n <= 64 else 16 for n in args.sizes]
    if len(batches) == 1:
        batches = batches * len(args.sizes)
    device = jax.devices()[0]
    results = {
        "benchmark": "thermal_transient",
        "thermaljax": thermaljax.__version__,
        "jax": jax.__version__,
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "device": f"{device.platform}:{device.device_kind}",
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "target_accuracy_K": TARGET_K,
        "sizes": [],
    }
    for n, b in zip(args.sizes, batches):
        results["sizes"].append(
            bench_size(n, args.orbits, b, args.scipy_batch, args.repeats,
                       lambda s: print(s, file=sys.stderr, flush=True))
        )
    out = args.out
    if out is None:
        name = f"thermal_transient_{device.platform}{'_quick' if args.quick else ''}.json"
        out = Path(__file__).parent / "results" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    os.replace(tmp, out)
    print(out)
    return results


if __name__ == "__main__":
    main()
