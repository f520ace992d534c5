"""Benchmark: compile time per entry point, memory per design, and a roofline of the step.

Questions answered:
1. How long does each public entry point take to trace, lower and compile (XLA), and what
   does a first call cost in all: ``simulate`` (one design, every flow recorded), a vmapped
   ``simulate`` (a batch, summaries only), ``evaluate`` (one design), its gradient, the
   sweep's chunk program (``vmap`` of ``evaluate_problem``), and ``optimize`` (one step)?
2. How much memory does a design need: XLA's buffer assignment of the compiled batched
   programs (arguments + outputs + temporaries, divided by the batch)?
3. Roofline: FLOPs per design-step (the power bus and network terms counted by XLA on the
   public right-hand side, Jacobian and time derivative of :func:`thermaljax.system.ode`; the
   Rodas4 stage algebra and the structured stage solve counted by hand), the machine's
   measured peak (a large float32 matrix product) and memory bandwidth (a STREAM-like triad),
   and the fraction of the peak the simulation reaches at its measured design-steps/s.

Protocol: each entry point is traced, lowered and compiled with JAX's ahead-of-time API
(``jax.jit(f).trace(...).lower().compile()``; trace, lower and compile timed apart); the
persistent compilation cache is off so every compile is real. float32 unless stated (the
sweep's default); the default scenario, 10 s steps.

Usage:
    python benchmarks/entry_points.py            # writes results/entry_points_<device>.json
    python benchmarks/entry_points.py --quick    # tiny sizes (used by the tests)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)  # float64 available; the runs below pick float32

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import thermaljax as tj  # noqa: E402
from thermaljax.io import write_json  # noqa: E402
from thermaljax.system import SimulationSpec, ode, steps_per_orbit  # noqa: E402

F32 = jnp.float32


def scenario(warmup: int = 0, step_s: float = 10.0) -> tj.Scenario:
    s = tj.Scenario.default().replace(simulation=SimulationSpec(step_s=step_s,
                                                                warmup_orbits=warmup))
    return _cast(s)


def _cast(tree, dtype=F32):
    return jax.tree.map(lambda a: a.astype(dtype) if isinstance(a, jax.Array)
                        and jnp.issubdtype(a.dtype, jnp.floating) else a, tree)


def designs(batch: int, seed: int = 0) -> tj.Design:
    rng = np.random.default_rng(seed)
    return jax.tree.map(lambda a: jnp.asarray(np.asarray(a) * rng.uniform(0.8, 1.2, batch), F32),
                        tj.Design.default())


def _first(x):
    return x[0] if isinstance(x, (list, tuple)) else x


def aot(name: str, fn, *args, batch: int = 1) -> dict:
    """Trace, lower and compile ``jax.jit(fn)`` on ``args``; memory of the executable."""
    jitted = jax.jit(fn)
    t0 = time.perf_counter()
    traced = jitted.trace(*args)
    t1 = time.perf_counter()
    lowered = traced.lower()
    t2 = time.perf_counter()
    compiled = lowered.compile()
    t3 = time.perf_counter()
    jax.block_until_ready(compiled(*args))
    t4 = time.perf_counter()
    jax.block_until_ready(compiled(*args))
    run = time.perf_counter() - t4
    mem = compiled.memory_analysis()
    total = None
    if mem is not None:
        total = (mem.argument_size_in_bytes + mem.output_size_in_bytes
                 + mem.temp_size_in_bytes - mem.alias_size_in_bytes)
    hlo_kb = len(lowered.as_text()) / 1024
    row = dict(entry_point=name, batch=batch, trace_s=t1 - t0, lower_s=t2 - t1,
               compile_s=t3 - t2, first_run_s=t4 - t3, run_s=run,
               stablehlo_kB=hlo_kb,
               memory_bytes=total,
               temp_bytes=None if mem is None else mem.temp_size_in_bytes,
               memory_per_design_bytes=None if total is None else total / batch)
    print(f"  {name:38s} batch {batch:5d}: trace {row['trace_s']:5.1f} s, lower "
          f"{row['lower_s']:5.1f} s, compile {row['compile_s']:5.1f} s, run {run:7.3f} s, "
          f"memory {0 if total is None else total / 1e6:8.2f} MB "
          f"({0 if total is None else total / batch / 1e3:7.1f} kB/design)", flush=True)
    return row


def entry_points(batch: int, quick: bool) -> list[dict]:
    s = scenario(0 if quick else SimulationSpec().warmup_orbits)
    d1 = _cast(tj.Design.default())
    db = designs(batch)
    rows = [
        aot("simulate (record=True)", lambda d: tj.simulate(d, s, throw=False), d1),
        aot("vmap(simulate) (record=False)",
            jax.vmap(lambda d: tj.simulate(d, s, record=False, throw=False).summary), db,
            batch=batch),
        aot("evaluate", lambda d: tj.evaluate(d, s), d1),
        aot("value_and_grad(evaluate objective)",
            jax.value_and_grad(lambda d: tj.evaluate(d, s).objective), d1),
    ]
    prob = tj.sizing.problem(s)
    rows.append(aot("sweep chunk: vmap(evaluate_problem)",
                    jax.vmap(tj.sizing.evaluate_problem, in_axes=(0, None)), db, prob,
                    batch=batch))
    # optimize: no AOT handle (it compiles inside); first call minus a warm call of one step.
    free = ("radiator_area_m2", "array_area_m2", "battery_capacity_Wh")
    t0 = time.perf_counter()
    tj.optimize(s, d1, free=free, steps=1)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    tj.optimize(s, d1, free=free, steps=1)
    warm = time.perf_counter() - t0
    rows.append(dict(entry_point="optimize (1 step)", batch=1, trace_s=None, lower_s=None,
                     compile_s=first - warm, first_run_s=first, run_s=warm, stablehlo_kB=None,
                     memory_bytes=None, temp_bytes=None, memory_per_design_bytes=None))
    print(f"  {'optimize (1 step)':38s} first call {first:5.1f} s, warm {warm:5.1f} s",
          flush=True)
    return rows


# --------------------------------------------------------------------------------------------
# roofline
# --------------------------------------------------------------------------------------------


def _median_time(fn, *args, repeats=5):
    jax.block_until_ready(fn(*args))
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*args))
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def machine_peak(quick: bool) -> dict:
    """Measured float32 matrix-product rate and triad bandwidth of the default device."""
    n = 512 if quick else (8192 if jax.devices()[0].platform == "gpu" else 2048)
    a = jnp.asarray(np.random.default_rng(0).standard_normal((n, n)), F32)
    mm = jax.jit(lambda x, y: x @ y)
    t = _median_time(mm, a, a)
    m = 1 << (20 if quick else 26)
    b = jnp.ones(m, F32)
    c = jnp.ones(m, F32) * 2.0
    triad = jax.jit(lambda x, y: x + 3.0 * y)
    tt = _median_time(triad, b, c)
    res = dict(matmul_n=n, matmul_gflops=2 * n**3 / t / 1e9, triad_elements=m,
               triad_GB_s=3 * 4 * m / tt / 1e9)
    print(f"  peak: float32 matmul {res['matmul_gflops']:.1f} GFLOP/s (n={n}), triad "
          f"{res['triad_GB_s']:.1f} GB/s", flush=True)
    return res


def _xla_flops_per_design(fn, n_state: int) -> tuple[float, float]:
    """XLA's FLOPs and bytes per design of a vmapped ``fn(design, y, t)`` (difference of two
    batch sizes, so per-batch work such as the orbit geometry, which depends on t only, is
    excluded)."""
    out = []
    for b in (8, 72):
        d = designs(b)
        y = jnp.concatenate([jnp.full((b, n_state - 2), 300.0, F32),
                             jnp.tile(jnp.asarray([[0.8, 0.0]], F32), (b, 1))], axis=1)
        c = jax.jit(jax.vmap(fn, in_axes=(0, 0, None))).lower(d, y, jnp.asarray(100.0, F32))
        ca = _first(c.compile().cost_analysis()) or {}
        out.append((ca.get("flops", 0.0), ca.get("bytes accessed", 0.0)))
    return (out[1][0] - out[0][0]) / 64, (out[1][1] - out[0][1]) / 64


def step_flops(s: tj.Scenario) -> dict:
    """FLOPs per design-step of a Rodas4 step of the coupled model."""
    f = ode(_cast(tj.Design.default()), s)
    n = f.n_nodes + 2  # states
    k = s.loop.n_segments + 1  # coolant loop block (rack + segments)
    c = n - k  # states the bus reads (5)

    def model(d):
        return ode(d, s)

    rhs = _xla_flops_per_design(lambda d, y, t: model(d).rhs(t, y), n)
    jac = _xla_flops_per_design(lambda d, y, t: model(d).jacobian(t, y), n)
    dfdt = _xla_flops_per_design(lambda d, y, t: model(d).time_derivative(t, y), n)
    flows = _xla_flops_per_design(
        lambda d, y, t: jax.tree.leaves(model(d).flows(t, y)), n)
    # By hand (2 FLOPs per multiply-add). Stage matrix M = I/(h gamma) - J: n^2.
    # Loop block inverse by the ring recurrence: ~5 k^2; Z = A^-1 B: 2 k^2 c; G Z: 2 c k c;
    # 5 x 5 Gauss-Jordan: c (2 c (2 c) + 2 c); each of 6 solves: 2 k^2 + 4 k c + 2 c^2 + n;
    # stage combinations (sum of a_ij U_j, c_ij U_j / h, d_i h f_t): 42 axpys of n.
    factor = n * n + 5 * k * k + 2 * k * k * c + 2 * c * k * c + c * (4 * c * c + 2 * c)
    solves = 6 * (2 * k * k + 4 * k * c + 2 * c * c + n)
    combos = 42 * 2 * n
    dense_gj = n * (2 * n * 2 * n + 2 * n)  # the unstructured alternative, for comparison
    bus = 6 * rhs[0] + jac[0] + dfdt[0] + flows[0]
    total = bus + factor + solves + combos
    res = dict(states=n, loop_block=k, coupled=c, xla_rhs=rhs[0], xla_jacobian=jac[0],
               xla_time_derivative=dfdt[0], xla_flows=flows[0], bus_and_network=bus,
               hand_factor=factor, hand_solves=solves, hand_stage_combinations=combos,
               hand_dense_gauss_jordan=dense_gj, flops_per_design_step=total,
               xla_bytes_rhs=rhs[1], xla_bytes_jacobian=jac[1])
    print(f"  FLOPs per design-step: {total:.0f} (6 rhs {6 * rhs[0]:.0f}, Jacobian "
          f"{jac[0]:.0f}, d/dt {dfdt[0]:.0f}, flows {flows[0]:.0f}, factor {factor}, solves "
          f"{solves}, stage algebra {combos}; a dense Gauss-Jordan inverse would be "
          f"{dense_gj})", flush=True)
    return res


def roofline(quick: bool, batch: int) -> dict:
    s = scenario(0)
    peak = machine_peak(quick)
    fl = step_flops(s)
    fn = jax.jit(jax.vmap(lambda d: tj.simulate(d, s, record=False, throw=False).summary))
    d = designs(batch)
    run = _median_time(fn, d, repeats=1 if quick else 3)
    steps = steps_per_orbit(s)
    rate = batch * steps / run
    achieved = rate * fl["flops_per_design_step"] / 1e9
    res = dict(peak, **fl, batch=batch, design_steps_per_s=rate, design_orbits_per_s=batch / run,
               achieved_gflops=achieved, fraction_of_matmul_peak=achieved / peak["matmul_gflops"])
    print(f"  batch {batch}: {rate:.3g} design-steps/s, {batch / run:.1f} design-orbits/s, "
          f"{achieved:.2f} GFLOP/s = {100 * res['fraction_of_matmul_peak']:.2f} % of the "
          "measured matmul peak", flush=True)
    return res


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    p.add_argument("--out", type=Path, default=None, help="JSON output path")
    p.add_argument("--batch", type=int, default=None,
                   help="batch of the vmapped programs (default 256; roofline 1024)")
    args = p.parse_args(argv)
    jax.config.update("jax_enable_compilation_cache", False)
    device = jax.devices()[0]
    kind = "gpu" if device.platform == "gpu" else "cpu"
    out = args.out or Path(__file__).parent / "results" / f"entry_points_{kind}.json"
    batch = args.batch or (4 if args.quick else 256)
    print(f"thermaljax {tj.__version__} on {device.device_kind} ({kind})", flush=True)
    res = dict(benchmark="entry_points", device=device.device_kind, platform=kind,
               cpu_count=os.cpu_count(), jax=jax.__version__,
               python=platform.python_version(), date=time.strftime("%Y-%m-%d"),
               thermaljax=tj.__version__, quick=args.quick, dtype="float32")
    print("entry points (trace / lower / compile, memory):", flush=True)
    res["entry_points"] = entry_points(batch, args.quick)
    print("roofline of the Rodas4 step:", flush=True)
    res["roofline"] = roofline(args.quick, args.batch or (4 if args.quick else 1024))
    write_json(out, res)
    print(f"wrote {out}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
