"""Generate docs/validation.md from the comparisons the physics tests record.

Each physics test that checks thermaljax against an independent reference (a closed form,
SciPy in float64, PyBaMM, pvlib, astropy or a published figure) records the comparison next to
its assertion with the ``validation`` fixture of tests/conftest.py: the case, the reference,
the measured error and the tolerance the assertion uses. This script

1. finds those tests by reading the test files (every ``validation.record(...)`` and
   ``validation.record_allclose(...)`` call, whose ``case=`` must be a string literal),
2. runs them with pytest (slow ones included) with ``THERMALJAX_VALIDATION_LOG`` set, so each
   record is appended to a JSON-lines log,
3. writes docs/validation.md atomically: a header saying how and where it was generated, a
   summary per module and one table per module (orbit, thermal, pv, battery, rack, system,
   mass/sizing),

and exits with status 1 if a recorded error exceeds its tolerance, a test failed, or a case
written in the tests was not recorded (e.g. a skipped test); 0 otherwise.

Usage:
    python scripts/validation_report.py                   # run the tests, write the report
    python scripts/validation_report.py --workers 4       # pytest-xdist workers (default auto)
    python scripts/validation_report.py --keep-log run.jsonl   # ... and keep the records
    python scripts/validation_report.py --log run.jsonl   # render an existing log, no pytest
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import importlib.metadata
import json
import math
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOG_ENV = "THERMALJAX_VALIDATION_LOG"
"""Environment variable read by the ``validation`` fixture (tests/conftest.py)."""

PHYSICS_TESTS = (
    "tests/test_orbit_kepler.py", "tests/test_orbit_ephemeris.py", "tests/test_orbit_shadow.py",
    "tests/test_orbit_view_factor.py", "tests/test_orbit_environment.py",
    "tests/test_thermal.py", "tests/test_pv.py", "tests/test_battery.py", "tests/test_rack.py",
    "tests/test_system.py", "tests/test_mass.py", "tests/test_sizing.py",
)
"""Test files that carry validation records, in report order."""

MODULES = ("orbit", "thermal", "pv", "battery", "rack", "system", "mass/sizing")
"""Report sections, in order (the fixture derives a record's module from its file name)."""

MODULE_TITLES = {
    "orbit": "Orbit and environment (`thermaljax.orbit`, [orbit.md](orbit.md))",
    "thermal": "Thermal network (`thermaljax.thermal`, [thermal.md](thermal.md))",
    "pv": "Photovoltaics (`thermaljax.pv`, [power.md](power.md))",
    "battery": "Battery (`thermaljax.battery`, [power.md](power.md))",
    "rack": "GPU rack (`thermaljax.rack`, [thermal.md](thermal.md))",
    "system": "Coupled system (`thermaljax.simulate`, [thermal.md](thermal.md), "
              "[power.md](power.md))",
    "mass/sizing": "Mass, cost and optimisation (`thermaljax.mass`, `thermaljax.launch`, "
                   "`thermaljax.sizing`, [sizing.md](sizing.md))",
}

RECORD_METHODS = ("record", "record_allclose")
REFERENCE_PACKAGES = ("thermaljax", "jax", "jaxlib", "numpy", "scipy", "pvlib", "pybamm",
                      "astropy", "pytest")


# --------------------------------------------------------------------------------------------
# The cases written in the tests
# --------------------------------------------------------------------------------------------


def scan_cases(paths=PHYSICS_TESTS, root: Path = ROOT) -> list[dict]:
    """Every ``validation.record*(case=...)`` call in the test files, in source order.

    Returns:
        One dict per call: ``file`` (path relative to ``root``), ``test`` (the test function),
        ``line`` and ``case``.

    Raises:
        ValueError: a call outside a test function, or whose ``case`` is not a string literal.
    """
    found = []
    for rel in paths:
        path = root / rel
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef):
                continue
            for node in ast.walk(func):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in RECORD_METHODS
                        and isinstance(node.func.value, ast.Name)
                        and node.func.value.id == "validation"):
                    continue
                where = f"{rel}:{node.lineno}"
                if not func.name.startswith("test_"):
                    raise ValueError(f"{where}: validation.{node.func.attr} outside a test "
                                     f"function ({func.name})")
                case = next((k.value for k in node.keywords if k.arg == "case"), None)
                if not (isinstance(case, ast.Constant) and isinstance(case.value, str)):
                    raise ValueError(f"{where}: case= must be a string literal, so that the "
                                     "report can be checked against the tests")
                found.append(dict(file=rel, test=func.name, line=node.lineno, case=case.value))
    return found


def node_ids(cases: list[dict]) -> list[str]:
    """pytest node ids of the tests that record, each once, in source order."""
    ids = []
    for c in cases:
        nid = f"{c['file']}::{c['test']}"
        if nid not in ids:
            ids.append(nid)
    return ids


# --------------------------------------------------------------------------------------------
# Running the tests
# --------------------------------------------------------------------------------------------


def run_tests(ids: list[str], log: Path, workers: str) -> int:
    """Run the recording tests (slow ones included) with the log enabled; pytest's status."""
    env = dict(os.environ)
    env[LOG_ENV] = str(log)
    cmd = [sys.executable, "-m", "pytest", *ids, "-m", "", "-n", workers, "-p",
           "no:cacheprovider", "-q"]
    print("running:", shlex.join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode


def read_log(path: Path) -> list[dict]:
    """The records of a JSON-lines log, each with its position as ``index``."""
    records = []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if line.strip():
                r = json.loads(line)
                r["index"] = i
                records.append(r)
    return records


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text for one Markdown table cell (pipes and asterisks escaped)."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")


def _number(x, unit: str) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        text = "nan"
    elif x == 0:
        text = "0"
    else:
        text = f"{x:.3g}"
    return text if unit in ("", "-") else f"{text} {escape(unit)}"


def _ratio(r: dict) -> float:
    return math.inf if r.get("ratio") is None else float(r["ratio"])


def _sorted(records: list[dict]) -> list[dict]:
    files = {f.rsplit("/", 1)[-1]: i for i, f in enumerate(PHYSICS_TESTS)}

    def key(r):
        module = MODULES.index(r["module"]) if r["module"] in MODULES else len(MODULES)
        return (module, files.get(r["file"], len(files)), r["line"], r["index"])

    return sorted(records, key=key)


def machine_description() -> str:
    """CPU model, cores, OS and Python of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} logical cores, {platform.system()} "
            f"{platform.machine()}, Python {platform.python_version()}")


def source_description() -> str:
    """The git commit of the checkout, and whether the package or its tests have uncommitted
    changes (the report then describes code that no commit holds)."""
    def git(*args):
        out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                             check=False)
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "--short=12", "HEAD")
    if commit is None:
        return "not a git checkout"
    dirty = git("status", "--porcelain", "--", "thermaljax", "tests")
    return f"commit {commit}" + (" with uncommitted changes in thermaljax/ or tests/"
                                 if dirty else "")


def package_versions() -> str:
    out = []
    for name in REFERENCE_PACKAGES:
        try:
            out.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            out.append(f"{name} (not installed)")
    return ", ".join(out)


def render(records: list[dict], *, generated: str, source: str, machine: str, versions: str,
           run: str, missing: list[dict] = ()) -> str:
    """The Markdown report."""
    records = _sorted(records)
    failed = [r for r in records if not r["passed"]]
    cases = {(r["module"], r["case"]) for r in records}
    worst = max(records, key=_ratio) if records else None
    lines = [
        "# Validation report",
        "",
        "Generated by `python scripts/validation_report.py`; do not edit by hand. The script "
        "runs the physics tests (slow ones included) that compare thermaljax with an "
        "independent reference, each of which records its comparison next to its assertion "
        "(the `validation` fixture of `tests/conftest.py`), and tabulates the records. "
        "Regenerate it after changing the physics or its tests.",
        "",
        f"- Generated: {generated}, from {source}",
        f"- Machine: {machine}",
        f"- Packages: {versions}",
        f"- Test run: {run}",
        "",
        "How to read a row: *error* is the measured difference between thermaljax and the "
        "reference, computed from the same values the test's assertion checks, and "
        "*tolerance* is the bound that assertion uses (never loosened for this report). "
        "Where a test compares many values (a time series, a grid of inputs), the row shows "
        "the value with the largest error / tolerance. A one-sided check (the optimiser "
        "versus a grid search) records a signed error: below zero means better than the "
        "reference. Published figures are compared to the precision they are given with "
        "(half a unit of their last digit, unless the row says otherwise); the sources are "
        "listed in `REFERENCES.md` and in the docstrings of the code.",
        "",
        "## Summary",
        "",
    ]
    if records:
        verdict = ("every comparison is within its tolerance" if not failed
                   else f"**{len(failed)} comparison(s) exceed their tolerance**")
        lines += [
            f"{len(records)} comparisons in {len(cases)} cases: {verdict}. Largest error / "
            f"tolerance: {_ratio(worst):.2g} ({escape(worst['case'])}"
            + (f", {escape(worst['condition'])}" if worst.get("condition") else "") + ").",
            "",
        ]
    else:
        lines += ["No comparisons were recorded.", ""]
    lines += ["| module | cases | comparisons | failed | largest error / tolerance |",
              "|---|---:|---:|---:|---:|"]
    for module in MODULES:
        rows = [r for r in records if r["module"] == module]
        if not rows:
            continue
        n_cases = len({r["case"] for r in rows})
        n_failed = sum(not r["passed"] for r in rows)
        lines.append(f"| [{module}](#{_anchor(module)}) | {n_cases} | {len(rows)} | "
                     f"{n_failed} | {max(map(_ratio, rows)):.2g} |")
    lines.append("")
    if missing:
        lines += ["## Cases not recorded in this run", "",
                  "These cases are written in the tests but were not recorded (the test was "
                  "skipped, deselected or failed before recording):", ""]
        lines += [f"- {escape(m['case'])} (`{m['file']}::{m['test']}`)" for m in missing]
        lines.append("")
    for module in MODULES + tuple(sorted({r["module"] for r in records} - set(MODULES))):
        rows = [r for r in records if r["module"] == module]
        if not rows:
            continue
        lines += [f"## {module}", "", MODULE_TITLES.get(module, module) + ".", "",
                  "| case | condition | reference | quantity | error | tolerance | "
                  "error / tolerance | result |",
                  "|---|---|---|---|---:|---:|---:|---|"]
        for r in rows:
            result = "pass" if r["passed"] else "**FAIL**"
            lines.append(
                f"| {escape(r['case'])} | {escape(r.get('condition', ''))} | "
                f"{escape(r['reference'])} | {escape(r['quantity'])} | "
                f"{_number(r['error'], r['unit'])} | {_number(r['tolerance'], r['unit'])} | "
                f"{_number(r['ratio'], '-')} | {result} |")
        lines.append("")
    return "\n".join(lines)


def _anchor(module: str) -> str:
    """GitHub's heading anchor for a module name ("mass/sizing" -> "masssizing")."""
    return "".join(c for c in module.lower() if c.isalnum() or c in "-_ ").replace(" ", "-")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "validation.md",
                        help="report to write (default docs/validation.md)")
    parser.add_argument("--log", type=Path, default=None,
                        help="render this existing JSON-lines log instead of running pytest")
    parser.add_argument("--workers", default="auto",
                        help="pytest-xdist workers for the test run (default auto)")
    parser.add_argument("--keep-log", type=Path, default=None,
                        help="also save the run's JSON-lines log here (render it again later "
                             "with --log, without rerunning the tests)")
    args = parser.parse_args(argv)
    generated = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    source = source_description()  # before the run: the code the tests are about to use

    if args.log is not None:
        records = read_log(args.log)
        missing, status = [], 0
        run = f"records read from {args.log.name} (pytest not run by this invocation)"
    else:
        cases = scan_cases()
        ids = node_ids(cases)
        with tempfile.TemporaryDirectory(prefix="thermaljax-validation-") as tmp:
            log = Path(tmp) / "validation.jsonl"
            log.touch()
            start = time.perf_counter()
            status = run_tests(ids, log, args.workers)
            wall = time.perf_counter() - start
            records = read_log(log)
            if args.keep_log is not None:
                write_atomic(args.keep_log, log.read_text(encoding="utf-8"))
        seen = {r["case"] for r in records}
        missing = [c for c in cases if c["case"] not in seen]
        run = (f"{len(ids)} tests in {len({c['file'] for c in cases})} files, pytest exit "
               f"status {status}, {wall:.0f} s wall time with pytest-xdist "
               f"(`-n {args.workers}`)")

    text = render(records, generated=generated, source=source, machine=machine_description(),
                  versions=package_versions(), run=run, missing=missing)
    write_atomic(args.output, text)
    failed = [r for r in records if not r["passed"]]
    print(f"wrote {args.output}: {len(records)} comparisons, {len(failed)} over tolerance, "
          f"{len(missing)} cases not recorded, pytest status {status}")
    for r in failed:
        print(f"  FAIL {r['case']} ({r.get('condition', '')}): error {r['error']} > "
              f"tolerance {r['tolerance']} {r['unit']}")
    return 1 if failed or missing or status != 0 or not records else 0


if __name__ == "__main__":
    sys.exit(main())
