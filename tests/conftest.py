"""Strict numerics for the whole suite (diffrax's convention), and one compilation cache.

float64 everywhere unless a test asks for float32 explicitly (``jnp.float32`` arrays keep their
dtype under x64), and implicit rank promotion is an error so that a shape slip cannot hide.

Compiled programs go to a persistent XLA cache shared by the xdist workers of this run and by
the command-line subprocesses they start (``THERMALJAX_CACHE_DIR``): a program that two
workers, or a worker and the CLI, both need is compiled once. The cache is keyed by the
program itself, so it changes no result.
"""

import os
import tempfile

import jax

# PyBaMM (a test-only reference) must never try to reach a telemetry server.
os.environ.setdefault("PYBAMM_DISABLE_TELEMETRY", "true")

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_rank_promotion", "raise")

# The same strictness in the command-line subprocesses: it is part of the compilation cache's
# key, so with it a subprocess and an in-process test share compiled programs.
os.environ["JAX_NUMPY_RANK_PROMOTION"] = "raise"
_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID") or str(os.getpid())
os.environ.setdefault("THERMALJAX_CACHE_DIR",
                      os.path.join(tempfile.gettempdir(), f"thermaljax-test-xla-{_RUN}"))
os.makedirs(os.environ["THERMALJAX_CACHE_DIR"], exist_ok=True)
jax.config.update("jax_compilation_cache_dir", os.environ["THERMALJAX_CACHE_DIR"])
jax.config.update("jax_persistent_cache_min_compile_time_secs", 1.0)


# --- validation records (docs/validation.md) --------------------------------------------------
# A physics test that compares against an independent reference (closed form, SciPy in float64,
# PyBaMM, pvlib, astropy, a published figure) records the comparison next to its assertion:
#
#     validation.record(case="...", reference="...", quantity="...", error=err, tolerance=tol,
#                       unit="K")
#
# With THERMALJAX_VALIDATION_LOG=path set (scripts/validation_report.py sets it) each record is
# appended to that file as one JSON line; otherwise record() returns at once. Recording happens
# before the assertion, so a failing comparison is in the log too.

import json
import sys

try:
    import fcntl  # POSIX: lock the log while appending
except ImportError:  # pragma: no cover - Windows: one small append per write, no lock
    fcntl = None

import numpy as np
import pytest

VALIDATION_LOG_ENV = "THERMALJAX_VALIDATION_LOG"

_VALIDATION_MODULES = (
    ("test_orbit_", "orbit"), ("test_thermal", "thermal"), ("test_pv", "pv"),
    ("test_battery", "battery"), ("test_rack", "rack"), ("test_system", "system"),
    ("test_mass", "mass/sizing"), ("test_sizing", "mass/sizing"),
)


def _validation_module(filename: str) -> str:
    for prefix, module in _VALIDATION_MODULES:
        if filename.startswith(prefix):
            return module
    return filename.removeprefix("test_").removesuffix(".py")


def _worst(error, tolerance) -> tuple[float, float, float]:
    """(error, tolerance, error / tolerance) where the ratio is largest (NaN counts as inf)."""
    err, tol = np.broadcast_arrays(np.asarray(error, dtype=float),
                                   np.asarray(tolerance, dtype=float))
    if err.size == 0:
        raise ValueError("validation.record: error is empty")
    if np.any(~(tol >= 0.0)):
        raise ValueError("validation.record: tolerance must be >= 0 everywhere")
    with np.errstate(divide="ignore", invalid="ignore"):
        # At tolerance 0 only exact agreement passes; a signed (one-sided) error may be < 0.
        ratio = np.where(tol > 0.0, err / tol, np.where(err <= 0.0, 0.0, np.inf))
    ratio = np.where(np.isnan(ratio), np.inf, ratio).ravel()
    k = int(np.argmax(ratio))
    return float(err.ravel()[k]), float(tol.ravel()[k]), float(ratio[k])


class ValidationRecorder:
    """Appends one JSON line per comparison to ``$THERMALJAX_VALIDATION_LOG`` (if set)."""

    def __init__(self, nodeid: str, filename: str):
        self._nodeid = nodeid
        self._module = _validation_module(filename)
        self._filename = filename
        self._count = 0

    def record(self, *, case: str, reference: str, quantity: str, error, tolerance,
               unit: str, condition: str = "") -> None:
        """Record one comparison against an independent reference.

        Args:
            case: what is validated (a string literal: docs/validation.md is checked to list
                every case written in the tests).
            reference: the independent reference (closed form, SciPy, PyBaMM, ...).
            quantity: the compared quantity and how the error is measured.
            error: measured error, scalar or array (the same values the assertion tests);
                for an array the element with the largest error / tolerance is kept.
            tolerance: the assertion's tolerance, scalar or array broadcastable to ``error``.
            unit: unit of error and tolerance ("-" for dimensionless).
            condition: parameters of this instance (parametrized tests), optional.
        """
        path = os.environ.get(VALIDATION_LOG_ENV)
        if not path:
            return
        self._write(sys._getframe(1).f_lineno, case, reference, quantity, error, tolerance,
                    unit, condition)

    def record_allclose(self, *, case: str, reference: str, quantity: str, actual, desired,
                        rtol, atol, unit: str, condition: str = "") -> None:
        """Record the comparison of ``np.testing.assert_allclose(actual, desired, rtol, atol)``:
        error ``|actual - desired|`` against tolerance ``atol + rtol |desired|``, elementwise."""
        path = os.environ.get(VALIDATION_LOG_ENV)
        if not path:
            return
        actual = np.asarray(actual, dtype=float)
        desired = np.asarray(desired, dtype=float)
        self._write(sys._getframe(1).f_lineno, case, reference, quantity,
                    np.abs(actual - desired), atol + rtol * np.abs(desired), unit, condition)

    def _write(self, lineno, case, reference, quantity, error, tolerance, unit, condition):
        path = os.environ[VALIDATION_LOG_ENV]
        err, tol, ratio = _worst(error, tolerance)
        self._count += 1
        line = json.dumps({
            "module": self._module, "file": self._filename,
            "line": lineno, "seq": self._count, "test": self._nodeid,
            "case": case, "condition": condition, "reference": reference,
            "quantity": quantity, "error": err if np.isfinite(err) else None,
            "tolerance": tol, "unit": unit, "ratio": ratio if np.isfinite(ratio) else None,
            "passed": bool(ratio <= 1.0),
        }) + "\n"
        with open(path, "a", encoding="utf-8") as log:
            if fcntl is not None:
                fcntl.flock(log, fcntl.LOCK_EX)  # xdist workers append to the same file
            try:
                log.write(line)
                log.flush()
            finally:
                if fcntl is not None:
                    fcntl.flock(log, fcntl.LOCK_UN)


@pytest.fixture
def validation(request) -> ValidationRecorder:
    """Recorder of comparisons against independent references (see ValidationRecorder)."""
    return ValidationRecorder(request.node.nodeid, request.path.name)
