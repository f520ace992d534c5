"""Benchmark: design sweeps (``thermaljax.sizing.sweep``): designs/s against chunk size and
device count, compile time, and device memory per design.

Questions answered:
1. How many designs per second does a sweep evaluate (default scenario: 3 warm-up orbits + 1
   reported, 10 s steps; mass, cost and every constraint) for each chunk size?
2. Does splitting each chunk over several devices pay? On a CPU, ``--devices K`` re-runs the
   measurement in fresh processes with ``XLA_FLAGS=--xla_force_host_platform_device_count=K``
   (JAX then sees K CPU devices sharing the machine's cores); on a GPU machine it uses the
   GPUs present. ``--processes P`` runs it in P processes joined by
   ``jax.distributed.initialize`` on this host (one CPU device each, gloo collectives): the
   sweep's multi-host path, and on a CPU the way to use every core, since XLA runs this
   program on one thread per device.
3. What does one design cost in device memory (peak bytes in use / chunk size, where the
   backend reports it)?

Protocol: designs are a Latin hypercube of +-20 % around ``Design.default()`` (radiator,
array, battery); the first call of each chunk size (one chunk) is reported as compile + run,
then the whole sweep is timed; float32 (the CLI's default) unless ``--float64``.

Usage:
    python benchmarks/sweep.py                              # CPU: chunk sizes, 1 and 2 processes
    python benchmarks/sweep.py --designs 1048576 --chunks 65536,262144   # a GPU
    python benchmarks/sweep.py --quick                      # tiny sizes (smoke test)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import jax

HERE = Path(__file__).parent


def measure(n: int, chunks: list[int], float64: bool, warmup: int) -> list[dict]:
    if float64:
        jax.config.update("jax_enable_x64", True)
    import numpy as np

    import thermaljax as tj
    from thermaljax import sizing
    from thermaljax.system import SimulationSpec

    sc = tj.Scenario.default().replace(simulation=SimulationSpec(warmup_orbits=warmup))
    d0 = tj.Design.default()
    bounds = {k: (0.8 * float(getattr(d0, k)), 1.2 * float(getattr(d0, k)))
              for k in ("radiator_area_m2", "array_area_m2", "battery_capacity_Wh")}
    designs = sizing.latin_hypercube(bounds, n, seed=0)
    rows = []
    for c in chunks:
        c = min(c, n)
        first = jax.tree.map(lambda a: a[:c], designs)
        t0 = time.perf_counter()
        sizing.sweep(first, sc, chunk_size=c)
        first_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        ev = sizing.sweep(designs, sc, chunk_size=c)
        run_s = time.perf_counter() - t0
        per_chunk = run_s / -(-n // c)
        stats = jax.local_devices()[0].memory_stats() or {}
        peak = stats.get("peak_bytes_in_use")
        rows.append(dict(
            designs=n, chunk=c, devices=len(jax.devices()), processes=jax.process_count(),
            dtype="float64" if float64 else "float32", orbits_per_design=warmup + 1,
            first_chunk_s=first_s, compile_s=max(first_s - per_chunk, 0.0), run_s=run_s,
            designs_per_s=n / run_s, design_orbits_per_s=n * (warmup + 1) / run_s,
            failed=int(np.sum(np.asarray(ev.status) != 0)),
            peak_device_bytes=peak, bytes_per_design=None if peak is None else peak / c))
        if jax.process_index() != 0:
            continue
        print(f"  {rows[-1]['devices']} device(s) in {jax.process_count()} process(es), chunk {c:7d}: {n / run_s:10.1f} designs/s "
              f"({rows[-1]['design_orbits_per_s']:.1f} design-orbits/s), compile "
              f"{rows[-1]['compile_s']:.1f} s"
              + (f", {peak / c / 1e3:.1f} kB per design" if peak else ""), flush=True)
    return rows


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--designs", type=int, default=None)
    p.add_argument("--chunks", default=None, help="comma-separated chunk sizes")
    p.add_argument("--devices", default=None,
                   help="CPU only: comma-separated device counts to compare (default 1,2)")
    p.add_argument("--processes", default=None,
                   help="comma-separated process counts to compare (jax.distributed on this "
                   "host; default: 1,2 on a CPU, 1 on a GPU)")
    p.add_argument("--float64", action="store_true")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--process", default=None, help=argparse.SUPPRESS)  # "ADDR,N,I"
    args = p.parse_args(argv)
    n = args.designs or (8 if args.quick else 2048)
    chunks = [int(c) for c in (args.chunks or ("4" if args.quick else "64,256,1024")).split(",")]
    warmup = 0 if args.quick else 3
    if args.child:  # one measurement in this process, JSON on the last line
        if args.process:
            addr, nproc, pid = args.process.split(",")
            jax.config.update("jax_cpu_collectives_implementation", "gloo")
            jax.distributed.initialize(addr, num_processes=int(nproc), process_id=int(pid))
        rows = measure(n, chunks, args.float64, warmup)
        if jax.process_index() == 0:
            print(json.dumps(rows))
        return
    device = jax.devices()[0]
    kind = "gpu" if device.platform == "gpu" else "cpu"
    import thermaljax as tj
    from thermaljax.io import write_json

    res = dict(benchmark="sweep", device=device.device_kind, platform=kind,
               cpu_count=os.cpu_count(), jax=jax.__version__, python=platform.python_version(),
               date=time.strftime("%Y-%m-%d"), thermaljax=tj.__version__, quick=args.quick,
               rows=[])
    print(f"thermaljax {tj.__version__} sweep benchmark on {device.device_kind} ({kind})",
          flush=True)
    counts = [int(k) for k in (args.devices or "1").split(",")]
    procs = [int(k) for k in (args.processes or ("1" if kind == "gpu" else "1,2")).split(",")]
    runs = [(k, 1) for k in counts] + [(1, q) for q in procs if q > 1]
    for k, q in runs:
        env = dict(os.environ)
        if kind == "cpu":
            env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") +
                                f" --xla_force_host_platform_device_count={k}").strip()
        cmd = [sys.executable, __file__, "--child", "--designs", str(n), "--chunks",
               ",".join(map(str, chunks))] + (["--float64"] if args.float64 else []) + \
              (["--quick"] if args.quick else [])
        if q == 1:
            children = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True)]
        else:
            import socket

            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = sock.getsockname()[1]
            children = [subprocess.Popen(cmd + ["--process", f"127.0.0.1:{port},{q},{i}"],
                                         env=env, stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True) for i in range(q)]
        outs = [c.communicate() for c in children]
        if any(c.returncode != 0 for c in children):
            for _, err in outs:
                sys.stderr.write(err[-3000:])
            raise SystemExit(f"measurement with {k} device(s) in {q} process(es) failed")
        stdout = outs[0][0]
        sys.stdout.write(stdout.rsplit("\n", 2)[0] + "\n")
        res["rows"] += json.loads(stdout.strip().splitlines()[-1])
    res["best_designs_per_s"] = max(r["designs_per_s"] for r in res["rows"])
    out = args.out or HERE / "results" / f"sweep_{kind}{'_quick' if args.quick else ''}.json"
    write_json(out, res)  # atomic
    print(f"wrote {out}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
