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


TABLES = {"thermal_transient": thermal_transient_table}


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
