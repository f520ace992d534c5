"""Regenerate the results tables of ``benchmarks/README.md`` from ``benchmarks/results/*.json``.

The README keeps hand-written text (protocol, decisions, interpretation) outside the markers
``<!-- results:NAME -->`` ... ``<!-- /results:NAME -->``; only the text between them is
replaced, so numbers in the table always come from a committed JSON file.

Usage:
    python benchmarks/report.py
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

HERE = Path(__file__).parent


def _fmt(x, spec=".3g"):
    return "—" if x is None else format(x, spec)


def thermal_transient_table(res: dict) -> str:
    lines = [
        f"Device `{res['device']}`, {res['cpu_count']} CPU cores, jax {res['jax']}, "
        f"SciPy {res['scipy']}, {res['date']}; target accuracy {res['target_accuracy_K']} K, "
        "errors against SciPy Radau at rtol 1e-10.",
        "",
        "| nodes | method | settings | error [K] | one solve [ms] | compile [s] | steps / nfev |",
        "|---:|---|---|---:|---:|---:|---:|",
    ]
    for s in res["sizes"]:
        n = s["n_nodes"]
        for name in ("thermaljax_rodas4", "thermaljax_kvaerno5"):
            r = s[name]
            opts = r["options"] or {"max_step_s": 10}
            lines.append(
                f"| {n} | {name.replace('_', ' ')} | {', '.join(f'{k}={v}' for k, v in opts.items())}"
                f" | {r['error_K']:.1e} | {r['time_s'] * 1e3:.1f} | {r['compile_s']:.2f} "
                f"| {r['n_steps']} |"
            )
        for name in ("scipy_radau", "scipy_lsoda"):
            r = s[name]
            if r is None:
                lines.append(f"| {n} | {name.replace('_', ' ')} | no tolerance reached the target | | | | |")
                continue
            lines.append(
                f"| {n} | {name.replace('_', ' ')} | rtol={r['rtol']:g}, atol={r['atol_K']:g} K, "
                f"exact Jacobian | {r['error_K']:.1e} | {r['time_s'] * 1e3:.1f} | — "
                f"| {r['nfev']} |"
            )
    lines += [
        "",
        "| nodes | batch | thermaljax solves/s | SciPy Radau solves/s (looped) | speed-up vs Radau "
        "| speed-up vs LSODA | batch compile [s] | grad / forward |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in res["sizes"]:
        b, g = s["batch"], s["gradient"]
        lines.append(
            f"| {s['n_nodes']} | {b['batch']} | {b['thermaljax_solves_per_s']:.1f} "
            f"| {b['scipy_radau_solves_per_s']:.2f} ({b['scipy_radau_solves']} solves) "
            f"| {_fmt(b['speedup_vs_radau'], '.3g')}× "
            f"| {_fmt(b.get('speedup_vs_lsoda_single'), '.3g')}× "
            f"| {b['thermaljax_compile_s']:.1f} | {g['ratio']:.2f} |"
        )
    return "\n".join(lines)


def system_table(res: dict) -> str:
    lines = [
        f"Device `{res['device']}`, {res['cpu_count']} CPU cores, jax {res['jax']}, "
        f"SciPy {res['scipy']}, {res['date']}; default scenario, {res['steps_per_orbit']} steps "
        "per orbit." + (f" ({res['note']}.)" if res.get("note") else ""),
    ]
    acc = res.get("accuracy")
    if acc:
        lines += [
            "",
            f"Accuracy against a float64 run with a {acc['refine']}x finer step "
            f"({acc['reference_step_s']:.2f} s); targets {acc['target_junction_K']} K junction, "
            f"{acc['target_soc']:g} SOC:",
            "",
            "| step [s] | junction error [K] | SOC error | any node [K] | max-junction error [K] |",
            "|---:|---:|---:|---:|---:|",
        ]
        for r in acc["rows"]:
            lines.append(f"| {r['step_s']:.2f} | {r['junction_error_K']:.1e} | "
                         f"{r['soc_error']:.1e} | {r['all_nodes_error_K']:.1e} | "
                         f"{r['max_junction_error_K']:.1e} |")
    lines += [
        "",
        "| run | dtype | batch | designs/s | design-orbits/s | µs per design-step | compile [s] |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for key, label in (("one_orbit_float64", "one orbit"), ("one_orbit_float32", "one orbit"),
                       ("default_float64", "default ({w} warm-up + 1)")):
        for r in res.get(key, []):
            lines.append(f"| {label.format(w=r['warmup_orbits'])} | {r['dtype']} | {r['batch']} "
                         f"| {r['designs_per_s']:.1f} | {r['design_orbits_per_s']:.1f} "
                         f"| {r['us_per_design_step']:.3g} | {r['compile_s']:.1f} |")
    grads = res.get("gradient_runs") or [res["gradient"]]
    ratios = " and ".join(f"{g['ratio']:.2f}x" for g in grads)
    g = grads[0]
    lines += [
        "",
        f"Gradient (value and gradient of max junction temperature + 100 x min SOC, batch "
        f"{g['batch']}): {ratios} the forward run (compile {g['gradient_compile_s']:.0f} s"
        f" vs {g['forward_compile_s']:.0f} s).",
    ]
    sp = res.get("scipy_radau")
    if sp:
        lines += [
            "",
            f"SciPy `solve_ivp` Radau (rtol {sp['rtol']:g}, exact Jacobian, same equations "
            f"through `thermaljax.system.ode`): {sp['time_s']:.2f} s per design-orbit "
            f"({sp['nfev']} evaluations), {sp['design_orbits_per_s']:.2f} design-orbits/s; "
            f"differs from thermaljax by {sp['junction_difference_K']:.1e} K (junction) and "
            f"{sp['soc_difference']:.1e} (SOC). Best thermaljax throughput: "
            f"{res['best_design_orbits_per_s']:.0f} design-orbits/s, "
            f"{res['speedup_vs_scipy_radau']:.0f}x. Target at batch 1024: "
            f"{res['target_design_orbits_per_s_at_1024']} design-orbits/s; measured "
            f"{_fmt(res['design_orbits_per_s_at_1024_float64'], '.0f')} (float64).",
        ]
    else:
        lines += ["", f"Best throughput: {res['best_design_orbits_per_s']:,.0f} design-orbits/s."]
    return "\n".join(lines)


def optimize_table(res: dict) -> str:
    o, sp, c, m = res["thermaljax"], res["scipy_slsqp"], res["time_to_target"], res["multistart"]
    lines = [
        f"Device `{res['device']}`, {res['cpu_count']} CPU cores, jax {res['jax']}, SciPy "
        f"{res['scipy']}, {res['date']}; scenario {res['scenario']}, free fields: "
        f"{', '.join(res['free'])}; objective launch mass.",
        "",
        "| method | steps / iterations | evaluations | compile [s] | run [s] | objective [kg] | "
        "feasible |",
        "|---|---:|---:|---:|---:|---:|---|",
        f"| thermaljax.optimize (Optax, exact gradients) | {o['steps']} | {o['evaluations']} | "
        f"{o['compile_s']:.0f} | {o['run_s']:.1f} | {o['objective']:.1f} | {o['feasible']} |",
        f"| SciPy SLSQP, finite differences | {sp['iterations']} | {sp['evaluations']} | "
        f"{sp['compile_s']:.0f} | {sp['wall_s']:.1f} | {sp['objective']:.1f} | "
        f"{sp['feasible']} |",
        "",
    ]
    if c:
        lines.append(
            f"Time to a feasible design within 0.5 % of the better final objective "
            f"({c['target_objective']:.1f} kg), compilation excluded: thermaljax "
            f"{_fmt(c['thermaljax_s'], '.1f')} s, SciPy {_fmt(c['scipy_s'], '.1f')} s, "
            f"speed-up {_fmt(c['speedup'], '.2f')}x (target 10x).")
    lines.append(
        f"Multi-start: {m['starts']} starts x {m['steps']} steps in {m['run_s']:.1f} s = "
        f"{m['start_steps_per_s']:.1f} start-steps/s vs {m['single_start_steps_per_s']:.1f} "
        f"for one start (compile {m['compile_s']:.0f} s).")
    return "\n".join(lines)


def sweep_table(res: dict) -> str:
    lines = [
        f"Device `{res['device']}`, {res['cpu_count']} CPU cores, jax {res['jax']}, "
        f"{res['date']}; default scenario (3 warm-up orbits + 1, 10 s steps), designs a Latin "
        "hypercube of +-20 % around the default.",
        "",
        "| devices | processes | dtype | designs | chunk | designs/s | design-orbits/s | "
        "compile [s] | device memory per design |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in res["rows"]:
        mem = "n/a" if r["bytes_per_design"] is None else f"{r['bytes_per_design'] / 1e3:.1f} kB"
        lines.append(f"| {r['devices']} | {r.get('processes', 1)} | {r['dtype']} | "
                     f"{r['designs']} | {r['chunk']} | "
                     f"{r['designs_per_s']:.1f} | {r['design_orbits_per_s']:.1f} | "
                     f"{r['compile_s']:.1f} | {mem} |")
    return "\n".join(lines)


def entry_points_table(res: dict) -> str:
    lines = [
        f"Device `{res['device']}`, {res['cpu_count']} CPU cores, jax {res['jax']}, "
        f"{res['date']}, {res['dtype']}; default scenario (3 warm-up orbits + 1, 10 s steps); "
        "persistent compilation cache off.",
        "",
        "| entry point | batch | trace [s] | lower [s] | XLA compile [s] | run [s] | "
        "StableHLO [kB] | memory (XLA buffers) | per design |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    f = lambda x, spec: "—" if x is None else format(x, spec)  # noqa: E731
    for r in res["entry_points"]:
        mem = "—" if r["memory_bytes"] is None else f"{r['memory_bytes'] / 1e6:.2f} MB"
        per = ("—" if r["memory_per_design_bytes"] is None
               else f"{r['memory_per_design_bytes'] / 1e3:.1f} kB")
        lines.append(f"| {r['entry_point']} | {r['batch']} | {f(r['trace_s'], '.1f')} | "
                     f"{f(r['lower_s'], '.1f')} | {f(r['compile_s'], '.1f')} | "
                     f"{f(r['run_s'], '.3f')} | {f(r['stablehlo_kB'], '.0f')} | {mem} | {per} |")
    ro = res["roofline"]
    lines += [
        "",
        "Roofline of the Rodas4 step (per design-step, float32):",
        "",
        "| quantity | value |",
        "|---|---:|",
        f"| right-hand side x 6 (XLA count, public `ode().rhs`) | {6 * ro['xla_rhs']:,.0f} FLOPs |",
        f"| Jacobian (network analytic, bus by 5 forward tangents; XLA) | {ro['xla_jacobian']:,.0f} FLOPs |",
        f"| time derivative + recorded flows (XLA) | "
        f"{ro['xla_time_derivative'] + ro['xla_flows']:,.0f} FLOPs |",
        f"| structured factorisation (by hand) | {ro['hand_factor']:,.0f} FLOPs |",
        f"| six stage solves (by hand) | {ro['hand_solves']:,.0f} FLOPs |",
        f"| stage combinations (by hand) | {ro['hand_stage_combinations']:,.0f} FLOPs |",
        f"| **total** | **{ro['flops_per_design_step']:,.0f} FLOPs** |",
        f"| (a dense Gauss-Jordan inverse instead of the factorisation) | "
        f"{ro['hand_dense_gauss_jordan']:,.0f} FLOPs |",
        f"| measured peak: float32 matrix product n = {ro['matmul_n']} | "
        f"{ro['matmul_gflops']:.1f} GFLOP/s |",
        f"| measured bandwidth: triad on {ro['triad_elements']:,} floats | "
        f"{ro['triad_GB_s']:.1f} GB/s |",
        f"| simulation at batch {ro['batch']} | {ro['design_steps_per_s']:.3g} design-steps/s "
        f"({ro['design_orbits_per_s']:.0f} design-orbits/s) |",
        f"| achieved | {ro['achieved_gflops']:.2f} GFLOP/s = "
        f"**{100 * ro['fraction_of_matmul_peak']:.1f} % of the measured peak** |",
    ]
    return "\n".join(lines)


TABLES = {"thermal_transient": thermal_transient_table, "system": system_table,
          "optimize": optimize_table, "sweep": sweep_table, "entry_points": entry_points_table}


def main() -> None:
    readme = HERE / "README.md"
    text = readme.read_text()
    for path in sorted((HERE / "results").glob("*.json")):
        res = json.loads(path.read_text())
        make = TABLES.get(res.get("benchmark"))
        if make is None or "quick" in path.name:
            continue
        tag = f"{res['benchmark']}:{path.stem.split('_')[-1]}"
        block = f"<!-- results:{tag} -->\n{make(res)}\n<!-- /results:{tag} -->"
        pattern = re.compile(rf"<!-- results:{re.escape(tag)} -->.*?<!-- /results:{re.escape(tag)} -->",
                             re.S)
        if pattern.search(text):
            text = pattern.sub(lambda _: block, text)
        else:
            text += f"\n{block}\n"
    tmp = readme.with_suffix(".md.tmp")
    tmp.write_text(text)
    os.replace(tmp, readme)


if __name__ == "__main__":
    main()
