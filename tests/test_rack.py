"""GPU rack: presets from the sources, junction temperature, smooth throttling, gradients."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermaljax import rack


def test_presets_match_published_thresholds():
    for gpu in (rack.H100, rack.H200):
        assert gpu.tdp_W == 700.0
        assert (gpu.max_operating_K, gpu.slowdown_K, gpu.shutdown_K) == pytest.approx(
            (360.15, 362.15, 365.15))
    assert rack.B200.tdp_W == 1000.0


def test_throttle_switches_at_slowdown_temperature(validation):
    gpu = rack.H100
    T = gpu.slowdown_K + jnp.array([-10.0, -3.0, 0.0, 3.0, 10.0])
    f = rack.throttle_factor(T, gpu, width_K=0.5, min_factor=0.3)
    # 1 well below, exactly half-way at T_slowdown, min_factor well above (sigmoid tails
    # at +-6 widths are 2.5e-3 of the span).
    expected = [1.0, 1.0 - 0.7 * 0.00247, 0.65, 0.3 + 0.7 * 0.00247, 0.3]
    validation.record_allclose(
        case="GPU throttle factor around the slowdown temperature",
        condition="H100, T_slowdown -10, -3, 0, +3, +10 K, width 0.5 K",
        reference="closed form 1 - 0.7 sigmoid((T - T_slow) / w), tails to 3 digits",
        quantity="max |throttle - ref|", actual=f, desired=expected, rtol=1e-7, atol=2e-4,
        unit="-")
    np.testing.assert_allclose(f, expected, atol=2e-4)
    assert bool(jnp.all(jnp.diff(f) < 0))


def test_steady_junction_without_throttling_is_closed_form(validation):
    gpu = rack.H100
    tj, thr = rack.steady_junction_K(318.15, 1.0, gpu)
    # Far below slowdown: T_j = T_c + R P_tdp = 45 C + 21 K = 66 C, throttle 1.
    validation.record(case="GPU junction temperature, unthrottled",
                      condition="H100 at full load, 45 C coolant",
                      reference="closed form T_c + R_jc P_tdp", quantity="|T_j - ref|",
                      error=abs(float(tj) - (318.15 + 0.03 * 700.0)), tolerance=1e-6, unit="K")
    assert float(tj) == pytest.approx(318.15 + 0.03 * 700.0, abs=1e-6)
    assert float(thr) == pytest.approx(1.0, abs=1e-12)


def test_steady_junction_throttles_when_coolant_is_hot(validation):
    gpu = rack.H100
    tc = gpu.slowdown_K - 15.0
    tj, thr = rack.steady_junction_K(tc, 1.0, gpu)
    # Unthrottled it would sit 6 K above slowdown; at the deepest throttle 6.8 K below. The
    # equilibrium needs R P = 15 K, P = 500 W, throttle (500 - 90) / 610 = 0.67, reached within
    # a few widths of T_slowdown.
    assert abs(float(tj) - gpu.slowdown_K) < 2.0
    thr_ref = (15.0 / 0.03 - 90.0) / 610.0
    validation.record(case="GPU throttle at equilibrium with hot coolant",
                      condition="H100 at full load, coolant 15 K below slowdown",
                      reference="closed form (dT / R_jc - P_idle) / (P_tdp - P_idle) at "
                                "T_j = T_slowdown",
                      quantity="|throttle - ref| (equilibrium within a few widths)",
                      error=abs(float(thr) - thr_ref), tolerance=0.05, unit="-")
    assert float(thr) == pytest.approx((15.0 / 0.03 - 90.0) / 610.0, abs=0.05)
    p = rack.gpu_power_W(1.0, thr, gpu)
    assert float(tj) == pytest.approx(tc + 0.03 * float(p), abs=1e-8)


def test_gradients_match_finite_differences_and_vmap(validation):
    gpu = rack.H100

    def f(tc):
        tj, thr = rack.steady_junction_K(tc, 0.9, gpu)
        return tj + 10.0 * thr

    rows = []
    for tc in (318.15, gpu.slowdown_K - 16.0, gpu.slowdown_K - 14.0):
        g = jax.grad(f)(tc)
        eps = 1e-4
        fd = (f(tc + eps) - f(tc - eps)) / (2 * eps)
        rows.append((float(g), float(fd)))
    validation.record(case="Gradient of the self-consistent junction temperature",
                      condition="H100, coolant 45 C and 14, 16 K below slowdown",
                      reference="central finite difference (float64, step 1e-4 K)",
                      quantity="|d(T_j + 10 throttle)/dT_c - FD|",
                      error=[abs(g - fd) for g, fd in rows],
                      tolerance=[max(1e-5 * abs(fd), 1e-7) for _, fd in rows], unit="-")
    for g, fd in rows:
        assert g == pytest.approx(fd, rel=1e-5, abs=1e-7)
    tcs = jnp.linspace(300.0, 370.0, 8)
    batched = jax.vmap(lambda t: rack.steady_junction_K(t, 1.0, gpu)[0])(tcs)
    looped = jnp.array([rack.steady_junction_K(t, 1.0, gpu)[0] for t in tcs])
    np.testing.assert_allclose(batched, looped, rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(tdp_W=-1.0), "tdp_W"),
        (dict(slowdown_K=300.0), "slowdown_K"),
        (dict(junction_to_coolant_K_per_W=0.0), "junction_to_coolant_K_per_W"),
    ],
)
def test_bad_gpu_spec(kwargs, match):
    args = dict(tdp_W=700.0, idle_W=90.0, max_operating_K=360.15, slowdown_K=362.15,
                shutdown_K=365.15)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        rack.GPUSpec(**args)
    with pytest.raises(ValueError, match="utilisation"):
        rack.gpu_power_W(1.5, 1.0, rack.H100)
