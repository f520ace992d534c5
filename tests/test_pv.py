"""Photovoltaics: pvlib's PVWatts as the independent reference, energy bookkeeping, gradients."""

from __future__ import annotations

import doctest

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermaljax import orbit, pv, thermal
from thermaljax.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA

pvsystem = pytest.importorskip("pvlib.pvsystem")


@pytest.mark.parametrize("cell", [pv.GAAS_TRIPLE_JUNCTION, pv.SILICON], ids=lambda c: c.name)
def test_power_matches_pvlib_pvwatts(cell, validation):
    G = np.linspace(0.0, 1420.0, 15)[:, None]
    T = np.linspace(200.0, 420.0, 12)[None, :]
    area = 7.5
    ours = pv.power_W(area, G, T, cell.efficiency_ref, cell.temp_coeff_per_K)
    ref = pvsystem.pvwatts_dc(G, T - 273.15, pdc0=cell.efficiency_ref * area * 1000.0,
                              gamma_pdc=cell.temp_coeff_per_K, temp_ref=28.0)
    # Same formula evaluated two ways: agreement to float64 rounding.
    validation.record_allclose(
        case="Array power vs pvlib PVWatts", condition=f"{cell.name}, G 0-1420 W/m^2, T 200-420 K",
        reference="pvlib pvsystem.pvwatts_dc (temp_ref 28 C)", quantity="max |P - P_ref|",
        actual=ours, desired=ref, rtol=1e-12, atol=1e-9, unit="W")
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-9)


def test_derating_factors_multiply_and_temperature_coefficient(validation):
    cell = pv.GAAS_TRIPLE_JUNCTION
    base = pv.power_W(1.0, 1361.0, 301.15, cell.efficiency_ref, cell.temp_coeff_per_K)
    validation.record(case="Array power at the rating point",
                      condition="1 m^2 of GaAs TJ, AM0, 28 C",
                      reference="closed form eta_ref S0 A = 0.298 x 1361 W (Fetzer XTJ)",
                      quantity="|P - ref|", error=abs(float(base) - 0.298 * 1361.0),
                      tolerance=max(1e-12 * 0.298 * 1361.0, 1e-12), unit="W")
    assert float(base) == pytest.approx(0.298 * 1361.0, rel=1e-12)
    derated = pv.power_W(1.0, 1361.0, 301.15, cell.efficiency_ref, cell.temp_coeff_per_K,
                         packing_factor=0.9, degradation=0.89, converter_efficiency=0.97)
    assert float(derated) == pytest.approx(float(base) * 0.9 * 0.89 * 0.97, rel=1e-12)
    # d ln P / dT at the reference temperature is the relative coefficient gamma.
    dlnP = jax.grad(lambda t: jnp.log(pv.power_W(1.0, 1361.0, t, 0.298, -0.0025)))(301.15)
    validation.record(case="Temperature coefficient d ln P / dT (jax.grad)",
                      condition="GaAs TJ at 28 C", reference="closed form gamma = -0.25 %/K",
                      quantity="|d ln P/dT - gamma|", error=abs(float(dlnP) + 0.0025),
                      tolerance=max(1e-12 * 0.0025, 1e-12), unit="1/K")
    assert float(dlnP) == pytest.approx(-0.0025, rel=1e-12)
    # XTJ end-of-life retention 0.89 (Fetzer) vs 1.5 %/yr for 5 years: 0.927.
    assert float(pv.degradation_factor(5.0, 0.015)) == pytest.approx(0.985**5, rel=1e-12)


def test_array_equilibrium_closed_form(validation):
    """Sun-tracking array, no Earth (GEO-like loads off), gamma = 0: closed-form temperature.

    eps_tot sigma T^4 = (alpha - eta) S  =>  T = ((alpha - eta) S / (eps_tot sigma))^(1/4)
    """
    cell = pv.PVCell(efficiency_ref=0.30, temp_coeff_per_K=0.0, absorptance=0.88, emissivity=0.8)
    S = 1361.0
    env = orbit.PlateEnvironment(*(jnp.zeros(()) for _ in range(8)))._replace(
        solar_front_W_m2=jnp.asarray(S)
    )
    area = 2.0
    heat = pv.absorbed_W(area, env, cell) - pv.power_W(
        area, pv.front_irradiance_W_m2(env), 330.0, cell.efficiency_ref, cell.temp_coeff_per_K)
    gs = pv.space_radiative_m2(area, cell)
    net = thermal.Network([1.0], [[0.0]], [[0.0]], gs[None], sink_temperature_K=0.0)
    T = float(thermal.steady_state(net, heat[None])[0])
    expected = ((0.88 - 0.30) * S / ((0.8 + 0.85) * SIGMA)) ** 0.25
    validation.record(case="Sun-tracking array equilibrium temperature",
                      condition="1361 W/m^2, no Earth, gamma = 0",
                      reference="closed form T = ((alpha - eta) S / (eps_tot sigma))^(1/4)",
                      quantity="|T - ref|", error=abs(T - expected),
                      tolerance=max(1e-10 * expected, 1e-12), unit="K")
    assert T == pytest.approx(expected, rel=1e-10)


def test_energy_bookkeeping_in_orbit(validation):
    """Absorbed = heat into the node + electricity, at every point of an orbit."""
    cell = pv.SILICON
    theta = jnp.linspace(0.0, 2 * jnp.pi, 181)
    env = orbit.plate_environment(orbit.SunTracking(jnp.array([0.0, 1.0, 0.0])), 550e3, 0.3,
                                  theta)
    P = pv.power_W(5.0, pv.front_irradiance_W_m2(env), 320.0, cell.efficiency_ref,
                   cell.temp_coeff_per_K)
    absorbed = pv.absorbed_W(5.0, env, cell)
    heat = absorbed - P
    assert bool(jnp.all(heat > 0.0))  # the cells absorb more than they convert (alpha > eta)
    # In eclipse no electricity; in sunlight the one-axis array sees cos(beta) of the Sun.
    sunlit = np.asarray(env.sunlit_fraction) == 1.0
    umbra = np.asarray(env.sunlit_fraction) == 0.0
    assert umbra.sum() > 40 and sunlit.sum() > 100
    from_albedo = pv.power_W(5.0, env.albedo_front_W_m2, 320.0, cell.efficiency_ref,
                             cell.temp_coeff_per_K)
    np.testing.assert_allclose(np.asarray(P)[umbra], np.asarray(from_albedo)[umbra], atol=1e-12)
    direct = 1361.0 * np.cos(0.3) * cell.efficiency_ref * (1 - 0.0045 * (320.0 - 301.15)) * 5.0
    validation.record_allclose(
        case="Array power in orbit, one-axis tracker",
        condition="silicon, 5 m^2, 550 km, beta = 0.3 rad, 320 K, sunlit points",
        reference="closed form S0 cos(beta) eta_ref (1 + gamma (T - 28 C)) A",
        quantity="max |P_direct - ref|", actual=np.asarray(P - from_albedo)[sunlit],
        desired=direct, rtol=1e-9, atol=0, unit="W")
    np.testing.assert_allclose(np.asarray(P - from_albedo)[sunlit], direct, rtol=1e-9)


def test_gradients_finite_and_vmap():
    def f(area, T):
        return pv.power_W(area, 1361.0, T, 0.298, -0.0025, packing_factor=0.9)

    g = jax.grad(f, argnums=(0, 1))(10.0, 330.0)
    assert all(np.isfinite(np.asarray(x)) for x in g)
    Ts = jnp.linspace(250.0, 400.0, 7)
    np.testing.assert_allclose(jax.vmap(lambda t: f(10.0, t))(Ts), f(10.0, Ts), rtol=1e-14)
    out = pv.power_W(jnp.float32(1.0), jnp.float32(1361.0), jnp.float32(300.0), 0.298, -0.0025)
    assert out.dtype == jnp.float32


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(area_m2=-1.0), r"area_m2 = -1 m\^2 is outside the allowed range"),
        (dict(efficiency_ref=1.2), "efficiency_ref"),
        (dict(temp_coeff_per_K=0.01), "temp_coeff_per_K.*1/K"),
        (dict(cell_temperature_K=0.0), "cell_temperature_K"),
        (dict(packing_factor=0.0), "packing_factor"),
        (dict(irradiance_W_m2=float("nan")), "irradiance_W_m2 = nan W/m\\^2 is not finite"),
    ],
)
def test_bad_input(kwargs, match):
    args = dict(area_m2=1.0, irradiance_W_m2=1361.0, cell_temperature_K=300.0,
                efficiency_ref=0.3, temp_coeff_per_K=-0.0025)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        pv.power_W(**args)
    with pytest.raises(ValueError, match="efficiency_ref"):
        pv.PVCell(efficiency_ref=0.0, temp_coeff_per_K=-0.002, absorptance=0.9, emissivity=0.8)


def test_docstring_examples():
    result = doctest.testmod(pv, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
