"""Mass model and launch economics: each term against its formula and its sources."""

import jax
import numpy as np
import pytest

import thermaljax as tj
from thermaljax import launch, mass


def _approx_tolerance(expected, rel=1e-6, abs_=1e-12):
    """The tolerance of ``pytest.approx(expected)`` with its default rel and abs."""
    return max(rel * abs(expected), abs_)


def test_mass_breakdown_terms(validation):
    d = tj.Design(100.0, 300.0, 130_000.0, 2.0, 10.0)
    s = tj.Scenario.default()
    m = mass.mass_breakdown(d, s)
    p_rack = 72 * (700.0 + 300.0) + 1500.0 + 1000.0  # W
    rated = 300.0 * 0.9 * 0.298 * 1361.0  # A f_pack eta_ref S0 [W]
    where = "radiator 100 + 10 m^2, array 300 m^2, battery 130 kW h, 72 H100"
    expected = dict(radiator_kg=3.2 * 100.0 + 3.0 * 10.0, loop_kg=10.0 * p_rack / 1000.0,
                    array_kg=rated / 150.0, battery_kg=1000.0, compute_kg=72 * 16.0)
    got = {k: float(getattr(m, k)) for k in expected}
    validation.record(case="Launch mass by subsystem",
                      condition=where + "; radiator, loop, array, battery, compute",
                      reference="closed form from the sourced coefficients (docs/sizing.md)",
                      quantity="max |m - ref| (pytest.approx rel 1e-6)",
                      error=[abs(got[k] - v) for k, v in expected.items()],
                      tolerance=[_approx_tolerance(v) for v in expected.values()], unit="kg")
    assert float(m.radiator_kg) == pytest.approx(3.2 * 100.0 + 3.0 * 10.0)
    assert float(mass.rack_heat_load_W(s)) == pytest.approx(p_rack)
    assert float(m.loop_kg) == pytest.approx(10.0 * p_rack / 1000.0)
    assert float(m.array_kg) == pytest.approx(rated / 150.0, rel=1e-6)
    assert float(m.battery_kg) == pytest.approx(1000.0)  # 130 kWh at 130 Wh/kg
    assert float(m.compute_kg) == pytest.approx(72 * 16.0)
    sub = sum(float(getattr(m, k)) for k in ("radiator_kg", "loop_kg", "array_kg", "battery_kg",
                                             "compute_kg", "shielding_kg", "other_kg"))
    validation.record(case="Launch mass: structure and total", condition=where,
                      reference="closed form 0.20 and 1.25 x the subsystem sum",
                      quantity="max |m - ref| (pytest.approx rel 1e-6)",
                      error=[abs(float(m.structure_kg) - 0.20 * sub),
                             abs(float(m.total_kg) - 1.25 * sub)],
                      tolerance=[_approx_tolerance(0.20 * sub), _approx_tolerance(1.25 * sub)],
                      unit="kg")
    assert float(m.structure_kg) == pytest.approx(0.20 * sub)
    assert float(m.total_kg) == pytest.approx(1.25 * sub)


def test_mass_is_batched_and_differentiable(validation):
    s = tj.Scenario.default()
    d = jax.tree.map(lambda x: x * np.linspace(0.5, 2.0, 7), tj.Design.default())
    m = mass.mass_breakdown(d, s)
    assert m.total_kg.shape == (7,) and m.compute_kg.shape == (7,)
    g = jax.grad(lambda dd: mass.mass_breakdown(dd, s).total_kg)(tj.Design.default())
    validation.record(case="Gradient of the launch mass with respect to the radiator area",
                      condition="default design", reference="closed form 1.25 x 3.2 kg/m^2",
                      quantity="|dm/dA - ref| (pytest.approx rel 1e-6)",
                      error=abs(float(g.radiator_area_m2) - 1.25 * 3.2),
                      tolerance=_approx_tolerance(1.25 * 3.2), unit="kg/m^2")
    validation.record(case="Gradient of the launch mass with respect to the battery capacity",
                      condition="default design", reference="closed form 1.25 / (130 W h/kg)",
                      quantity="|dm/dE - ref| (pytest.approx rel 1e-6)",
                      error=abs(float(g.battery_capacity_Wh) - 1.25 / 130.0),
                      tolerance=_approx_tolerance(1.25 / 130.0), unit="kg/(W h)")
    assert float(g.radiator_area_m2) == pytest.approx(1.25 * 3.2)
    assert float(g.battery_capacity_Wh) == pytest.approx(1.25 / 130.0)
    assert float(g.coolant_flow_kg_s) == 0.0


def test_mass_model_validation():
    with pytest.raises(ValueError, match="array_specific_power_W_kg = 0 W/kg"):
        mass.MassModel(array_specific_power_W_kg=0.0)
    with pytest.raises(ValueError, match="structure_fraction = -0.1"):
        mass.MassModel().replace(structure_fraction=-0.1)


def test_launch_presets_and_costs():
    # REFERENCES.md: Falcon 9 ~$3,000-4,000/kg and ~17.5 t reused; Starship $100/kg target.
    assert 3000 <= float(launch.FALCON_9.price_per_kg_USD) <= 4000
    assert float(launch.FALCON_9.payload_kg) == 17_500.0
    assert float(launch.STARSHIP.price_per_kg_USD) == 100.0
    assert float(launch.FALCON_HEAVY.payload_kg) == 63_800.0
    assert set(launch.VEHICLES) == {"falcon9", "falcon-heavy", "starship", "generic"}
    assert launch.number_of_launches(17_500.0, launch.FALCON_9) == 1
    assert launch.number_of_launches(17_500.1, launch.FALCON_9) == 2
    assert list(launch.number_of_launches(np.array([1.0, 40_000.0]), launch.FALCON_9)) == [1, 3]
    assert float(launch.launch_cost_USD(1000.0, launch.STARSHIP)) == 100_000.0
    with pytest.raises(ValueError, match="unknown launch vehicle 'atlas'"):
        launch.vehicle("atlas")
    with pytest.raises(ValueError, match="price_per_kg_USD = 0 USD/kg"):
        launch.LaunchVehicle("free", 0.0, 1000.0)


def test_hardware_cost(validation):
    d = tj.Design(100.0, 300.0, 130_000.0, 2.0, 10.0)
    s = tj.Scenario.default()
    c = launch.CostModel()
    rated = 300.0 * 0.9 * 0.298 * 1361.0
    want = 72 * 40_000.0 + 50.0 * rated + 1.0 * 130_000.0 + 5000.0 * 110.0
    got = float(launch.hardware_cost_USD(d, s, c))
    validation.record(case="Hardware cost",
                      condition="radiator 100 + 10 m^2, array 300 m^2, battery 130 kW h, 72 GPUs",
                      reference="closed form from the CostModel prices (docs/sizing.md)",
                      quantity="|cost - ref| (pytest.approx rel 1e-6)", error=abs(got - want),
                      tolerance=_approx_tolerance(want), unit="USD")
    assert float(launch.hardware_cost_USD(d, s, c)) == pytest.approx(want, rel=1e-6)
    with pytest.raises(ValueError, match="mission_life_years = 0 yr"):
        launch.CostModel(mission_life_years=0.0)
