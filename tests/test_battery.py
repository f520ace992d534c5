"""Battery: PyBaMM's Thevenin model as the independent reference, closed forms, heat, fade."""

from __future__ import annotations

import doctest

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermaljax import battery

SOC_TABLE = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
OCV_TABLE = np.array([3.00, 3.45, 3.55, 3.62, 3.68, 3.74, 3.82, 3.90, 3.98, 4.07, 4.17])


def leo_profile():
    """Two LEO orbits: 36 min eclipse discharge at 60 A, 59 min sunlit charge at 40 A."""
    steps = [(60.0, 2160), (-40.0, 3540), (60.0, 2160), (-40.0, 3540)]
    times = np.arange(0.0, sum(d for _, d in steps) + 1.0, 10.0)
    edges = np.cumsum([0] + [d for _, d in steps])
    current = np.array([steps[min(np.searchsorted(edges, t, side="right") - 1, len(steps) - 1)][0]
                        for t in times])
    return steps, times, current, edges


def test_voltage_matches_pybamm_thevenin_on_leo_profile(validation):
    pybamm = pytest.importorskip("pybamm")
    params = battery.TheveninParams(
        capacity_Ah=100.0, ocv_soc=SOC_TABLE, ocv_V=OCV_TABLE, r0_ohm=1.5e-3, r1_ohm=2.5e-3,
        c1_F=2.0e4, activation_energy_J_mol=0.0, coulombic_efficiency=1.0,
    )
    steps, times, current, edges = leo_profile()
    soc, v = battery.simulate_current(params, current, times, 0.85)

    model = pybamm.equivalent_circuit.Thevenin()
    values = model.default_parameter_values.copy()
    values.update({
        "Open-circuit voltage [V]": lambda sto: pybamm.Interpolant(
            SOC_TABLE, OCV_TABLE, sto, interpolator="linear"),
        "R0 [Ohm]": 1.5e-3, "R1 [Ohm]": 2.5e-3, "C1 [F]": 2.0e4,
        "Entropic change [V/K]": 0.0, "Cell capacity [A.h]": 100.0,
        "Initial SoC": 0.85, "Upper voltage cut-off [V]": 4.5,
        "Lower voltage cut-off [V]": 2.5,
    })
    text = [f"{'Discharge' if i > 0 else 'Charge'} at {abs(i)} A for {d} seconds"
            for i, d in steps]
    sim = pybamm.Simulation(model, parameter_values=values,
                            experiment=pybamm.Experiment(text, period="10 seconds"))
    sol = sim.solve()
    inside = ~np.isin(times, edges)  # the voltage jumps at a current switch: compare inside
    v_ref = sol["Voltage [V]"](t=times[inside])
    soc_ref = sol["SoC"](t=times[inside])
    # The bound: <= 1 mV in terminal voltage (measured 2.2e-5 V, from PyBaMM's solver
    # tolerance; the exact RC update makes thermaljax's own error negligible).
    err_v = np.max(np.abs(np.asarray(v)[inside] - v_ref))
    err_soc = np.max(np.abs(np.asarray(soc)[inside] - soc_ref))
    where = "100 A h cell, two LEO orbits: 60 A eclipse discharge, 40 A charge, 10 s"
    validation.record(case="Battery terminal voltage vs PyBaMM", condition=where,
                      reference="PyBaMM equivalent_circuit.Thevenin (same OCV, R0, R1, C1)",
                      quantity="max |V - V_ref| away from current switches", error=err_v,
                      tolerance=1e-3, unit="V")
    validation.record(case="Battery state of charge vs PyBaMM", condition=where,
                      reference="PyBaMM equivalent_circuit.Thevenin (same OCV, R0, R1, C1)",
                      quantity="max |SOC - SOC_ref|", error=err_soc, tolerance=1e-5, unit="-")
    assert err_v < 1e-3
    assert err_soc < 1e-5


def test_rc_step_response_closed_form(validation):
    """Constant current from rest: V1(t) = R1 I (1 - exp(-t / R1 C1)), any step size."""
    p = battery.TheveninParams(activation_energy_J_mol=0.0)
    I, tau = 30.0, float(p.r1_ohm * p.c1_F)
    for dt in (1.0, 10.0, 60.0):
        t = np.arange(0.0, 600.0 + dt / 2, dt)
        soc, v = battery.simulate_current(p, np.full(t.shape, I), t, 0.9)
        v1 = float(p.r1_ohm) * I * (1 - np.exp(-t / tau))
        ocv = np.interp(0.9 - I * t / 3600 / float(p.capacity_Ah), SOC_TABLE, OCV_TABLE)
        expected = ocv - I * float(p.r0_ohm) - v1
        # Exact discretisation: agreement to rounding whatever the step (not only small dt).
        validation.record_allclose(
            case="Battery step response", condition=f"30 A from rest, 600 s, dt = {dt:g} s",
            reference="closed form OCV - I R0 - R1 I (1 - exp(-t / R1 C1))",
            quantity="max |V - ref|", actual=v, desired=expected, rtol=1e-7, atol=1e-12,
            unit="V")
        np.testing.assert_allclose(np.asarray(v), expected, atol=1e-12)


def test_arrhenius_heat_and_coulombic_efficiency(validation):
    p = battery.TheveninParams()
    f_cold = float(battery.arrhenius_factor(p, 273.15))
    expected = np.exp(2.0e4 / 8.314462618 * (1 / 273.15 - 1 / 298.15))
    validation.record(case="Arrhenius resistance factor", condition="0 C, E_a 20 kJ/mol",
                      reference="closed form exp(E_a / R (1/T - 1/T_ref))",
                      quantity="|f - ref|", error=abs(f_cold - expected),
                      tolerance=max(1e-12 * expected, 1e-12), unit="-")
    assert f_cold == pytest.approx(expected, rel=1e-12) and f_cold > 1.5
    q = battery.joule_heat_W(p, 50.0, 0.05, 298.15)
    q_ref = 50.0**2 * 1e-3 + 0.05**2 / 2e-3
    validation.record(case="Battery Joule heat", condition="50 A, V1 = 0.05 V, 25 C",
                      reference="closed form I^2 R0 + V1^2 / R1", quantity="|Q - ref|",
                      error=abs(float(q) - q_ref), tolerance=max(1e-12 * q_ref, 1e-12),
                      unit="W")
    assert float(q) == pytest.approx(50.0**2 * 1e-3 + 0.05**2 / 2e-3, rel=1e-12)
    # Charging stores eta_c of the charge: after +I then -I for the same time SOC ends lower.
    t = np.arange(0.0, 7201.0, 10.0)
    i = np.where(t < 3600.0, 40.0, -40.0)
    soc, _ = battery.simulate_current(p, i, t, 0.8)
    soc_ref = 0.8 - 40.0 * 3600 / 3600 / 100.0 * (1 - 0.999)
    validation.record(case="Coulombic efficiency over a charge-discharge cycle",
                      condition="40 A for 1 h each way, eta_c 0.999",
                      reference="closed form SOC0 - I t (1 - eta_c) / (3600 Q)",
                      quantity="|SOC_end - ref|", error=abs(float(soc[-1]) - soc_ref),
                      tolerance=1e-12, unit="-")
    assert float(soc[-1]) == pytest.approx(0.8 - 40.0 * 3600 / 3600 / 100.0 * (1 - 0.999),
                                           abs=1e-12)


def test_capacity_fade_calibration_and_monotonicity(validation):
    validation.record(case="Capacity fade calibration point",
                      condition="5 years of LEO cycling at 30 % DoD (16,500 capacities), 25 C",
                      reference="published figure: < 20 % loss over 5 years (Saft/ESA, "
                                "REFERENCES.md)",
                      quantity="|loss - 0.20|",
                      error=abs(float(battery.capacity_fade(16500.0)) - 0.20),
                      tolerance=max(1e-12 * 0.20, 1e-12), unit="-")
    assert float(battery.capacity_fade(16500.0)) == pytest.approx(0.20, rel=1e-12)
    x = jnp.array([0.0, 100.0, 1000.0, 10000.0])
    loss = battery.capacity_fade(x)
    assert bool(jnp.all(jnp.diff(loss) > 0)) and float(loss[0]) == 0.0
    assert float(battery.capacity_fade(16500.0, 313.15)) > 0.2  # hotter fades faster
    g = jax.grad(lambda a: battery.capacity_fade(a))(0.0)
    assert np.isfinite(float(g))


def test_gradients_through_a_profile_and_vmap(validation):
    steps, times, current, _ = leo_profile()

    def min_voltage(r0):
        p = battery.TheveninParams(r0_ohm=r0)
        return jnp.min(battery.simulate_current(p, current, times, 0.85)[1])

    g = jax.grad(min_voltage)(1.5e-3)
    eps = 1e-7
    fd = (min_voltage(1.5e-3 + eps) - min_voltage(1.5e-3 - eps)) / (2 * eps)
    validation.record(case="Gradient of the minimum voltage with respect to R0",
                      condition="two LEO orbits, R0 = 1.5 mOhm",
                      reference="central finite difference (float64, step 1e-7 Ohm)",
                      quantity="|dV_min/dR0 - FD| (pytest.approx rel 1e-6)",
                      error=abs(float(g) - float(fd)),
                      tolerance=max(1e-6 * abs(float(fd)), 1e-12), unit="V/Ohm")
    assert float(g) == pytest.approx(float(fd), rel=1e-6)
    socs = jax.vmap(lambda s0: battery.simulate_current(
        battery.TheveninParams(), current, times, s0)[0][-1])(jnp.array([0.7, 0.8, 0.9]))
    np.testing.assert_allclose(np.diff(np.asarray(socs)), 0.1, rtol=1e-9)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(capacity_Ah=0.0), "capacity_Ah"),
        (dict(ocv_soc=[0.0, 0.5, 0.4], ocv_V=[3.0, 3.5, 3.6]), "strictly increasing"),
        (dict(ocv_V=[3.0, 4.0]), r"ocv_V must have shape \(11,\)"),
        (dict(soc_min=0.9, soc_max=0.8), "soc_min"),
        (dict(r1_ohm=-1.0), r"r1_ohm = -1 Ohm is outside the allowed range"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        battery.TheveninParams(**kwargs)


def test_docstring_examples():
    result = doctest.testmod(battery, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
