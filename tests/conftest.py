"""Strict numerics for the whole suite (diffrax's convention).

float64 everywhere unless a test asks for float32 explicitly (``jnp.float32`` arrays keep their
dtype under x64), and implicit rank promotion is an error so that a shape slip cannot hide.
"""

import os

import jax

# PyBaMM (a test-only reference) must never try to reach a telemetry server.
os.environ.setdefault("PYBAMM_DISABLE_TELEMETRY", "true")

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_rank_promotion", "raise")
