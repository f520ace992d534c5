"""GPU racks: sourced GPU presets, junction temperature, throttling and delivered compute.

A GPU at power ``P`` [W] on a cold plate at coolant temperature ``T_c`` [K] runs at junction
temperature ``T_j = T_c + R_jc P`` (``R_jc`` the junction-to-coolant thermal resistance, K/W).
Above its slowdown temperature the GPU throttles: clocks, power and compute fall together. The
throttle is a smooth switch so that gradients flow through it:

    s(T_j) = sigmoid((T_j - T_slow) / w)                     (w: transition width [K])
    throttle = 1 - (1 - f_min) s(T_j)                        (f_min: deepest throttle)
    P_gpu = P_idle + (P_tdp - P_idle) u throttle             (u: utilisation in [0, 1])
    compute = u throttle                                     (fraction of nominal)

References:
    [NVIDIA] NVIDIA H100 / H200 SXM product briefs (700 W TDP); HGX B200 (up to 1,000 W per GPU).
    [SMI] public ``nvidia-smi -q`` log of an H800 (Hopper): GPU max operating temperature 87 C,
        slowdown 89 C, shutdown 92 C, HBM max 95 C (REFERENCES.md).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike

from ._checks import check_range

ZERO_CELSIUS_K = 273.15


class GPUSpec(eqx.Module):
    """One GPU model.

    Attributes:
        tdp_W: thermal design power [W].
        idle_W: power at zero utilisation [W] (estimate: ~10-15 % of TDP for Hopper SXM).
        max_operating_K: highest junction temperature for sustained operation [K].
        slowdown_K: junction temperature at which hardware slowdown starts [K].
        shutdown_K: junction temperature of thermal shutdown [K].
        junction_to_coolant_K_per_W: junction-to-coolant resistance through the cold plate
            [K/W]; 0.03 K/W (a 700 W GPU 21 K above 45 C coolant, estimate from direct liquid
            cooling practice, ~25 C in / 45 C out, REFERENCES.md).
        name: label (static).
    """

    tdp_W: float
    idle_W: float
    max_operating_K: float
    slowdown_K: float
    shutdown_K: float
    junction_to_coolant_K_per_W: float = 0.03
    name: str = eqx.field(static=True, default="custom")

    def __check_init__(self):
        check_range("tdp_W", self.tdp_W, "W", low=0.0, low_inclusive=False, high=1.0e4)
        check_range("idle_W", self.idle_W, "W", low=0.0, high=self.tdp_W)
        check_range("max_operating_K", self.max_operating_K, "K", low=250.0, high=500.0)
        check_range("slowdown_K", self.slowdown_K, "K", low=self.max_operating_K, high=500.0)
        check_range("shutdown_K", self.shutdown_K, "K", low=self.slowdown_K, high=500.0)
        check_range("junction_to_coolant_K_per_W", self.junction_to_coolant_K_per_W, "K/W",
                    low=0.0, low_inclusive=False, high=10.0)


H100 = GPUSpec(700.0, 90.0, ZERO_CELSIUS_K + 87.0, ZERO_CELSIUS_K + 89.0, ZERO_CELSIUS_K + 92.0,
               name="NVIDIA H100 SXM")
"""H100 SXM: 700 W TDP [NVIDIA]; Hopper thresholds 87 / 89 / 92 C [SMI]; idle ~90 W (estimate)."""

H200 = GPUSpec(700.0, 90.0, ZERO_CELSIUS_K + 87.0, ZERO_CELSIUS_K + 89.0, ZERO_CELSIUS_K + 92.0,
               name="NVIDIA H200 SXM")
"""H200 SXM: 700 W TDP [NVIDIA]; Hopper thresholds as H100 [SMI]; idle ~90 W (estimate)."""

B200 = GPUSpec(1000.0, 130.0, ZERO_CELSIUS_K + 87.0, ZERO_CELSIUS_K + 89.0,
               ZERO_CELSIUS_K + 92.0, name="NVIDIA B200")
"""B200: up to 1,000 W per GPU [NVIDIA HGX B200]; thresholds taken equal to Hopper's and idle
~130 W (estimates: no public nvidia-smi log was available)."""


def junction_temperature_K(coolant_temperature_K: ArrayLike, gpu_power_W: ArrayLike,
                           gpu: GPUSpec) -> Array:
    """Junction temperature [K]: ``T_j = T_coolant + R_jc P``."""
    return jnp.asarray(coolant_temperature_K) + gpu.junction_to_coolant_K_per_W * jnp.asarray(
        gpu_power_W)


def throttle_factor(junction_K: ArrayLike, gpu: GPUSpec, *, width_K: float = 0.5,
                    min_factor: float = 0.3) -> Array:
    """Fraction of nominal clocks kept at junction temperature ``junction_K`` [-].

    ``1 - (1 - min_factor) sigmoid((T_j - T_slowdown) / width_K)``: 1 below the slowdown
    temperature, ``min_factor`` well above it, half-way at ``T_slowdown``; smooth so gradients
    flow. ``width_K`` sets how sharply the hardware responds (0.5 K: within a kelvin).

    Args:
        junction_K: junction temperature [K].
        gpu: the GPU model.
        width_K: transition width [K], > 0.
        min_factor: deepest throttle [-], in [0, 1).
    """
    check_range("width_K", width_K, "K", low=0.0, low_inclusive=False, high=20.0)
    check_range("min_factor", min_factor, "(fraction)", low=0.0, high=1.0, high_inclusive=False)
    s = jax.nn.sigmoid((jnp.asarray(junction_K) - gpu.slowdown_K) / width_K)
    return 1.0 - (1.0 - min_factor) * s


def gpu_power_W(utilisation: ArrayLike, throttle: ArrayLike, gpu: GPUSpec) -> Array:
    """Power of one GPU [W]: ``P_idle + (P_tdp - P_idle) u throttle``."""
    check_range("utilisation", utilisation, "(fraction)", low=0.0, high=1.0)
    return gpu.idle_W + (gpu.tdp_W - gpu.idle_W) * jnp.asarray(utilisation) * jnp.asarray(throttle)


def steady_junction_K(coolant_temperature_K: ArrayLike, utilisation: ArrayLike, gpu: GPUSpec,
                      *, width_K: float = 0.5, min_factor: float = 0.3,
                      iterations: int = 40) -> tuple[Array, Array]:
    """Self-consistent junction temperature and throttle at a given coolant temperature.

    Solves ``T_j = T_c + R_jc P(u, throttle(T_j))`` by bisection on ``T_j`` (the right-hand
    side falls as ``T_j`` rises, so the root is unique), with a fixed number of iterations so
    it jits and vmaps; gradients come from one implicit-function step at the root.

    Returns:
        ``(T_j [K], throttle [-])``.
    """
    tc = jnp.asarray(coolant_temperature_K)
    u = jnp.asarray(utilisation)

    def residual(tj):
        p = gpu.idle_W + (gpu.tdp_W - gpu.idle_W) * u * throttle_factor(
            tj, gpu, width_K=width_K, min_factor=min_factor)
        return tc + gpu.junction_to_coolant_K_per_W * p - tj

    lo = tc  # residual(T_c) = R_jc P > 0
    hi = tc + gpu.junction_to_coolant_K_per_W * gpu.tdp_W + 1.0  # residual < 0 there

    def bisect(_, bounds):
        a, b = bounds
        m = 0.5 * (a + b)
        go_right = residual(m) > 0.0
        return jnp.where(go_right, m, a), jnp.where(go_right, b, m)

    a, b = jax.lax.fori_loop(0, iterations, bisect,
                             (jax.lax.stop_gradient(lo), jax.lax.stop_gradient(hi)))
    tj0 = jax.lax.stop_gradient(0.5 * (a + b))
    # One Newton step from the (gradient-free) root restores exact first derivatives.
    d = jax.grad(lambda t: residual(t).sum())(tj0)
    tj = tj0 - residual(tj0) / d
    return tj, throttle_factor(tj, gpu, width_K=width_K, min_factor=min_factor)
