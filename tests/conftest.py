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
