"""The coupled rack (thermaljax.simulate): conservation, closed forms, limits, gradients, vmap.

Most tests use a cheap variant of the default scenario (4 radiator segments, 30 s steps, one
warm-up orbit) to keep compile and run times small; the physics checked does not depend on
those choices. The default scenario itself is used for energy conservation and for the
closed-form equilibrium.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import thermaljax as tj
from thermaljax import battery, rack
from thermaljax.constants import STEFAN_BOLTZMANN_W_M2_K4 as SIGMA
from thermaljax.system import (Coating, EnvironmentSpec, LoopSpec, OrbitSpec, PowerSpec,
                               RackSpec, Scenario, SimulationSpec)


def cheap(scenario: Scenario | None = None, **sim) -> Scenario:
    s = Scenario.default() if scenario is None else scenario
    opts = dict(step_s=30.0, warmup_orbits=1)
    opts.update(sim)
    return s.replace(loop=s.loop.replace(n_segments=4), simulation=SimulationSpec(**opts))


@pytest.fixture(scope="module")
def default_run():
    return tj.simulate(tj.Design.default(), Scenario.default())


# ------------------------------------------------------------------ defaults and bookkeeping


def test_default_scenario_is_the_documented_one(validation):
    s = Scenario.default()
    beta_deg = abs(math.degrees(float(s.orbit.beta_rad)))
    where = "dawn-dusk SSO, 650 km, 2026-12-21 12:00 UTC"
    validation.record(case="Beta angle of the default orbit at the December solstice",
                      condition=where,
                      reference="published figure 58.6 deg, lower end of the yearly range "
                                "(REFERENCES.md)",
                      quantity="||beta| - 58.6 deg|", error=abs(beta_deg - 58.6), tolerance=0.3,
                      unit="deg")
    assert abs(math.degrees(float(s.orbit.beta_rad))) == pytest.approx(58.6, abs=0.3)
    assert float(s.orbit.altitude_m) == 650e3
    assert float(s.rack.n_gpus) == 72 and s.rack.gpu is rack.H100
    # December solstice, near perihelion: 1361 (1 AU / r)^2 ~ 1407 W/m^2.
    flux = float(s.environment.solar_flux_W_m2)
    validation.record(case="Solar flux of the default scenario", condition=where,
                      reference="1361 (1 AU / r)^2 near perihelion, 1407 W/m^2 (REFERENCES.md "
                                "seasonal range 1317-1408)",
                      quantity="|S - 1407 W/m^2|", error=abs(flux - 1407.0), tolerance=2.0,
                      unit="W/m^2")
    assert float(s.environment.solar_flux_W_m2) == pytest.approx(1407.0, abs=2.0)
    eol = Scenario.default(end_of_life=True)
    assert float(eol.loop.radiator_coating.absorptance) > float(s.loop.radiator_coating.absorptance)
    assert float(eol.power.pv_degradation) == pytest.approx(0.89)


def test_default_design_meets_its_limits(default_run, validation):
    r = default_run
    s = r.summary
    assert int(r.status) == 0
    assert float(s.max_junction_K) < rack.H100.max_operating_K
    assert float(s.min_soc) > 0.6 and float(s.compute_fraction) > 0.999
    # The eclipse: the closed-form cylindrical shadow (SMAD ch. 5) at the scenario's altitude
    # and beta (~19.7 min of a 97.7 min orbit at 650 km, beta 58.6 deg), against the steps
    # whose array is more than half dark. Tolerance 0.2 min: one 10 s step of resolution
    # at each end plus the smoothed penumbra.
    sc = tj.Scenario.default()
    expected = float(tj.orbit.eclipse_fraction(sc.orbit.altitude_m, sc.orbit.beta_rad)
                     * tj.orbit.period(sc.orbit.altitude_m)) / 60.0
    dark = np.asarray(r.sunlit_fraction) < 0.5
    h = float(r.times_s[1] - r.times_s[0])
    validation.record(case="Eclipse duration seen by the coupled simulation",
                      condition="default scenario (beta 58.6 deg, 650 km), 10 s steps",
                      reference="closed-form cylindrical shadow (SMAD ch. 5), "
                                f"{expected:.2f} min",
                      quantity="|steps with sunlit < 0.5 x step - closed form|",
                      error=abs(dark.sum() * h / 60.0 - expected), tolerance=0.2, unit="min")
    assert dark.sum() * h / 60.0 == pytest.approx(expected, abs=0.2)
    assert r.temperatures_K.shape == (len(r.times_s), 12)
    assert r.node_names[:2] == ("gpu", "rack") and r.node_names[-2:] == ("array", "battery")


@pytest.mark.parametrize("destination", ["array", "radiator"])
def test_energy_conservation_over_an_orbit(destination, validation):
    """Thermal: sum C dT = int (absorbed + dissipated - radiated); electrical: PV energy =
    loads + converter losses + battery heat + shunt heat + change of battery energy. Both are
    recomputed here from the returned time series (trapezoid at the 10 s steps) and must
    close to 0.5 % (the issue's bound; the scheme's own error is ~1e-5)."""
    s0 = Scenario.default()
    s = s0.replace(power=s0.power.replace(shunt_destination=destination))
    r = tj.simulate(tj.Design.default(), s)
    t = np.asarray(r.times_s)
    trap = lambda y: float(np.trapezoid(np.asarray(y), t, axis=0).sum())  # noqa: E731
    stored = float(np.sum(np.asarray(r.capacitance_J_per_K)
                          * (np.asarray(r.temperatures_K[-1]) - np.asarray(r.temperatures_K[0]))))
    net = trap(r.absorbed_W) + trap(r.dissipated_W) - trap(r.radiated_W)
    heat_in = trap(r.absorbed_W) + trap(r.dissipated_W) + trap(r.pv_W)
    where = f"default design and scenario, one orbit, shunt heat on the {destination}"
    validation.record(case="Thermal energy balance of the coupled simulation", condition=where,
                      reference="energy balance from the returned series: sum C dT = "
                                "int (absorbed + dissipated - radiated) (NumPy trapezoid)",
                      quantity="|stored - net| / heat input", error=abs(stored - net) / heat_in,
                      tolerance=5e-3, unit="-")
    assert abs(stored - net) / heat_in < 5e-3
    # Electrical side, with the battery's energy from the SOC series.
    sc = s.power.battery_cell
    cell = eqx.tree_at(lambda c: c.capacity_Ah, sc, sc.capacity_Ah * s.power.battery_capacity_retention)
    n_cells = 100_000.0 / (float(battery.chemical_energy_J(sc, 1.0)) / 3600.0)
    soc = np.asarray(r.soc)
    d_chem = n_cells * float(battery.chemical_energy_J(cell, soc[-1]) - battery.chemical_energy_J(cell, soc[0]))
    shunt_heat = trap(r.shunt_W) if destination == "radiator" else 0.0
    pv = trap(r.pv_W)
    out = trap(r.load_W) + trap(r.converter_loss_W) + trap(r.battery_heat_W) + shunt_heat + d_chem
    validation.record(case="Electrical energy balance of the coupled simulation", condition=where,
                      reference="energy balance from the returned series: PV = loads + losses "
                                "+ battery heat + shunt heat + change of chemical energy",
                      quantity="|PV - out| / PV", error=abs(pv - out) / pv, tolerance=5e-3,
                      unit="-")
    assert abs(pv - out) / pv < 5e-3
    # The internal accumulators agree with the series and are far tighter.
    assert abs(float(r.summary.thermal_energy_residual)) < 1e-4
    assert abs(float(r.summary.electrical_energy_residual)) < 1e-4
    assert float(r.summary.pv_energy_J) == pytest.approx(pv, rel=1e-9)


def test_radiator_matches_closed_form_equilibrium_without_environment(validation):
    """beta = 90 deg (no eclipse), no albedo, no Earth IR, radiator edge-on to the Sun (no
    direct sunlight), battery full and decoupled from the rack, pump work 0, flow 200 kg/s
    (radiator isothermal to 0.1 K): the radiator must sit at
    T = (Q / (2 eps sigma A) + T_sink^4)^(1/4) with Q = loads / eta_mppt (all rack power and
    the MPPT loss end in the loop), and the GPU at T_rack + R_jc P_gpu. Tolerance 0.02 K: the
    residual temperature spread along the radiator (Q / m_dot c_p = 0.1 K) changes the
    mean of T^4 at second order only."""
    s0 = Scenario.default()
    env = EnvironmentSpec(solar_flux_W_m2=1361.0, albedo=0.0, olr_W_m2=0.0)
    loop = LoopSpec(pump_pressure_rise_Pa=0.0)
    power = PowerSpec(battery_to_rack_W_per_K=0.0)
    s = Scenario(OrbitSpec(650e3, math.pi / 2), env, s0.rack, loop, power,
                 SimulationSpec(warmup_orbits=1))
    d = tj.Design(90.0, 320.0, 100_000.0, coolant_flow_kg_s=200.0)
    r = tj.simulate(d, s)
    rk = s.rack
    load = float(rk.n_gpus) * (700.0 + 300.0) + 1500.0 + 1000.0
    q = load / 0.97
    eps = float(loop.radiator_coating.emissivity)
    t_closed = (q / (2 * eps * SIGMA * 90.0) + 3.0**4) ** 0.25
    seg = np.asarray(r.temperatures_K[-1, 2:6 + 4])
    where = "beta 90 deg, no albedo or Earth IR, edge-on radiator 90 m^2, 200 kg/s"
    validation.record(case="Radiator equilibrium of the coupled rack", condition=where,
                      reference="closed form T = (Q / (2 eps sigma A) + T_sink^4)^(1/4), "
                                "Q = rack load / eta_mppt",
                      quantity="|mean segment T - ref|", error=abs(float(np.mean(seg)) - t_closed),
                      tolerance=0.02, unit="K")
    assert float(np.mean(seg)) == pytest.approx(t_closed, abs=0.02)
    assert float(np.max(seg) - np.min(seg)) < 0.15
    t_rack = float(r.temperatures_K[-1, 1])
    validation.record(case="GPU junction above the coupled rack's coolant", condition=where,
                      reference="closed form T_rack + R_jc P_tdp", quantity="|T_j - ref|",
                      error=abs(float(r.junction_K[-1]) - (t_rack + 0.03 * 700.0)),
                      tolerance=1e-3, unit="K")
    assert float(r.junction_K[-1]) == pytest.approx(t_rack + 0.03 * 700.0, abs=1e-3)
    # Loop nodes start at their steady state (the battery, with no heat at all here, keeps
    # cooling towards the sink over hours and is not part of this check).
    loop_nodes = np.asarray(r.temperatures_K[:, :10])
    assert float(np.max(np.abs(loop_nodes[-1] - loop_nodes[0]))) < 1e-3


# ------------------------------------------------------------------ limits engage where crossed


def test_throttling_engages_exactly_at_the_slowdown_temperature():
    s = cheap()
    r = tj.simulate(tj.Design(55.0, 320.0, 100_000.0), s)
    tjn, thr = np.asarray(r.junction_K), np.asarray(r.throttle)
    slow = rack.H100.slowdown_K
    assert tjn.max() > slow  # this radiator is too small: the GPUs reach slowdown
    # Half-way exactly at T_slowdown (sigmoid of width 0.5 K): below it less than half
    # the throttle span is applied, above it more.
    np.testing.assert_array_equal(thr < 0.65, tjn > slow)
    assert np.all(thr[tjn < slow - 4.0] > 0.999)
    # Throttling costs compute, and the event time is the first crossing.
    assert float(r.summary.compute_fraction) < 0.99
    first = float(r.times_s[np.argmax(tjn >= slow)])
    assert float(r.summary.throttle_time_s) == pytest.approx(first)
    # The junction holds just above slowdown instead of running away.
    assert tjn.max() < slow + 3.0
    assert math.isinf(float(r.summary.shutdown_time_s))


def test_load_shedding_engages_exactly_at_the_soc_floor():
    """A battery too small for the eclipse, with generous current limits so that only the SOC
    floor limits it: servers are shed only inside the ramp [soc_min, soc_min + w], never
    above it; SOC goes below soc_min only by what the essential loads draw."""
    s0 = cheap()
    cell = battery.TheveninParams(max_discharge_current_A=400.0, max_charge_current_A=200.0)
    power = PowerSpec(battery_cell=cell)
    s = Scenario(s0.orbit, s0.environment, s0.rack, s0.loop, power, s0.simulation)
    r = tj.simulate(tj.Design(90.0, 320.0, 40_000.0), s)
    soc, shed = np.asarray(r.soc), np.asarray(r.shed)
    floor, w = float(cell.soc_min), power.soc_switch_width
    assert shed.min() < 0.5  # shedding happened
    # The ramp's C1 corners reach 0.05 w beyond it.
    assert np.all(soc[shed < 0.999] <= floor + 1.05 * w + 1e-9)
    assert np.all(shed[soc > floor + 1.05 * w + 1e-6] == 1.0)
    # Essential loads (~3.3 kW) for ~10 min below the floor on a 40 kW h pack: < 2 % SOC.
    assert soc.min() > floor - 0.02
    assert float(r.summary.compute_fraction) < 0.95
    first = float(r.times_s[np.argmax(soc <= floor)])
    assert float(r.summary.soc_floor_time_s) == pytest.approx(first)
    assert math.isinf(float(r.summary.battery_empty_time_s))


def test_charging_stops_at_soc_max(default_run):
    soc = np.asarray(default_run.soc)
    assert soc.max() <= 0.95 + 0.05 * 0.005 + 1e-9  # the taper's corner
    # The constant-voltage taper: charge power falls to zero over the last 0.005 of SOC
    # (~52 kW at full rate); at soc_max it is within the corner, < 2 % of the full rate.
    assert float(np.max(np.asarray(default_run.charge_W)[soc >= 0.95])) < 1000.0


def test_empty_battery_and_runaway_are_reported_outcomes_not_nans():
    s = cheap(warmup_orbits=0)
    # Essential loads (20 kW of housekeeping, never shed) beyond what a 5 m^2 array gives,
    # from a 10 kW h battery at SOC 0.3: it empties within the orbit.
    s_empty = s.replace(rack=s.rack.replace(housekeeping_W=20_000.0),
                        power=s.power.replace(initial_soc=0.3))
    r = tj.simulate(tj.Design(90.0, 5.0, 10_000.0), s_empty)
    assert int(r.status) == 0 and np.all(np.isfinite(np.asarray(r.soc)))
    t_empty = float(r.summary.battery_empty_time_s)
    assert 0.0 < t_empty < float(r.times_s[-1])
    assert t_empty == pytest.approx(float(r.times_s[np.argmax(np.asarray(r.soc) <= 0.0)]))
    # Radiator far too small: the GPUs reach shutdown; reported with its time.
    r = tj.simulate(tj.Design(8.0, 320.0, 100_000.0), s)
    assert int(r.status) == 0
    assert 0.0 <= float(r.summary.shutdown_time_s) < float(r.times_s[-1])
    assert float(r.summary.max_junction_K) > rack.H100.shutdown_K
    assert np.all(np.isfinite(np.asarray(r.temperatures_K)))


def test_hot_case_runs_hotter_than_cold_case():
    """Hot: end-of-life coatings and PV, 1408 W/m^2 (perihelion), the eclipse season (the
    battery's recharge puts ~2.5 kW of converter loss into the loop, and albedo reaches the
    radiator); cold: beginning of life, 1317 W/m^2 (aphelion), beta at its yearly maximum
    (89 deg: no eclipse, no recharge, no albedo). REFERENCES.md seasonal flux range."""
    base = Scenario.default()
    hot0 = Scenario.default(end_of_life=True)
    hot = hot0.replace(environment=EnvironmentSpec(solar_flux_W_m2=1408.0))
    cold = base.replace(orbit=OrbitSpec(650e3, math.radians(89.0)),
                        environment=EnvironmentSpec(solar_flux_W_m2=1317.0))
    d = tj.Design.default()
    rh, rc = tj.simulate(d, cheap(hot)), tj.simulate(d, cheap(cold))
    assert float(rh.summary.max_junction_K) > float(rc.summary.max_junction_K) + 1.0
    assert float(rh.summary.radiator_min_K) > float(rc.summary.radiator_min_K)
    assert float(rh.summary.coolant_max_K) > float(rc.summary.coolant_max_K) + 1.0


# ------------------------------------------------------------------ gradients and batching

FIELDS = ("radiator_area_m2", "array_area_m2", "battery_capacity_Wh", "coolant_flow_kg_s",
          "battery_radiator_area_m2")
FIELD_UNITS = dict(radiator_area_m2="m^2", array_area_m2="m^2", battery_capacity_Wh="W h",
                   coolant_flow_kg_s="kg/s", battery_radiator_area_m2="m^2")


@pytest.mark.slow  # 160 s; tests/test_sizing.py checks the same gradients through evaluate
def test_gradients_match_central_finite_differences(validation):
    """d(max junction T)/d(field) and d(min SOC)/d(field) for every Design field, against
    central differences with a relative step of 1e-5 (float64). A design where every
    field matters: radiator small enough to throttle, battery small enough to shed.
    Tolerance: 2 % of the derivative or 1e-3 of its scale, whichever is larger (the max and
    min over time switch between samples, and the clip ramps are kinks)."""
    s = cheap(step_s=60.0)
    d0 = tj.Design(80.0, 300.0, 70_000.0, 2.0, 6.0)

    def metrics(d):
        r = tj.simulate(d, s, record=False)
        return jnp.stack([r.summary.max_junction_K, r.summary.min_soc])

    f = jax.jit(metrics)
    jac = jax.jit(jax.jacrev(metrics))(d0)
    for name in FIELDS:
        x0 = float(getattr(d0, name))
        dx = 1e-5 * x0
        up = f(eqx.tree_at(lambda d: getattr(d, name), d0, jnp.asarray(x0 + dx)))
        dn = f(eqx.tree_at(lambda d: getattr(d, name), d0, jnp.asarray(x0 - dx)))
        fd = np.asarray((up - dn) / (2 * dx))
        ad = np.asarray(getattr(jac, name))
        assert np.all(np.isfinite(ad)), name
        scale = np.abs(np.asarray([1.0, 1e-2])) / x0  # K and SOC per unit of the field
        where = f"d / d {name} of the coupled simulation, 60 s steps"
        ref = "central finite differences (float64, relative step 1e-5)"
        validation.record_allclose(
            case="Gradient of the maximum junction temperature (reverse mode)",
            condition=where, reference=ref, quantity="|jacrev - FD|", actual=ad[0],
            desired=fd[0], rtol=2e-2, atol=1e-3 * scale.max(), unit=f"K/({FIELD_UNITS[name]})")
        validation.record_allclose(
            case="Gradient of the minimum state of charge (reverse mode)",
            condition=where, reference=ref, quantity="|jacrev - FD|", actual=ad[1],
            desired=fd[1], rtol=2e-2, atol=1e-3 * scale.max(), unit=f"1/({FIELD_UNITS[name]})")
        np.testing.assert_allclose(ad, fd, rtol=2e-2, atol=1e-3 * scale.max(), err_msg=name)


@pytest.mark.slow  # ~40 s; batching is also checked by the sweep tests (4 devices = 1 device)
def test_vmap_over_64_designs_equals_the_loop():
    s = cheap(step_s=60.0, warmup_orbits=0)
    rng = np.random.default_rng(0)
    d = tj.Design(rng.uniform(50, 120, 64), rng.uniform(250, 400, 64),
                  rng.uniform(40e3, 150e3, 64), rng.uniform(1.0, 4.0, 64),
                  rng.uniform(4.0, 12.0, 64))
    batched = jax.vmap(lambda x: tj.simulate(x, s, record=False).summary)(d)
    for i in range(64):
        di = jax.tree.map(lambda a: a[i], d)
        one = tj.simulate(di, s, record=False).summary
        for name in ("max_junction_K", "min_soc", "compute_fraction", "battery_max_K"):
            np.testing.assert_allclose(getattr(batched, name)[i], getattr(one, name),
                                       rtol=1e-10, err_msg=f"design {i}: {name}")


def test_float32_mode_keeps_dtype_and_agrees_with_float64():
    s = cheap()
    s32 = jax.tree.map(lambda a: a.astype(jnp.float32) if eqx.is_inexact_array(a) else a, s)
    d = tj.Design.default()
    d32 = jax.tree.map(lambda a: a.astype(jnp.float32), d)
    r32 = tj.simulate(d32, s32)
    r64 = tj.simulate(d, s)
    assert r32.temperatures_K.dtype == jnp.float32
    assert float(r32.summary.max_junction_K) == pytest.approx(float(r64.summary.max_junction_K), abs=0.05)
    assert float(r32.summary.min_soc) == pytest.approx(float(r64.summary.min_soc), abs=1e-3)


def test_new_design_values_do_not_retrace():
    s = cheap(step_s=60.0, warmup_orbits=0)
    from thermaljax.system._simulate import _simulate

    tj.simulate(tj.Design(80.0, 300.0, 9e4), s, record=False)
    before = _simulate._cached._cache_size()
    tj.simulate(tj.Design(85.0, 310.0, 8e4), s, record=False)
    assert _simulate._cached._cache_size() == before


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize("build, message", [
    (lambda: tj.Design(-1.0, 300.0, 1e5), "radiator_area_m2 = -1 m^2 is outside the allowed range"),
    (lambda: tj.Design(90.0, 0.0, 1e5), "array_area_m2 = 0 m^2"),
    (lambda: tj.Design(90.0, 300.0, float("nan")), "battery_capacity_Wh = nan W h is not finite"),
    (lambda: Coating(1.2, 0.8), "absorptance = 1.2 (fraction) is outside the allowed range [0, 1]"),
    (lambda: Coating(0.1, -0.1), "emissivity = -0.1"),
    (lambda: OrbitSpec(100e3, 0.0), "altitude_m = 100000 m is outside the allowed range [150000, 3.5786e+07] m"),
    (lambda: OrbitSpec(650e3, 2.0), "beta_rad = 2 rad"),
    (lambda: SimulationSpec(step_s=0.0), "step_s = 0 s is outside the allowed range [0.5, 60] s"),
    (lambda: SimulationSpec(step_s=120.0), "step_s = 120 s"),
    (lambda: LoopSpec(n_segments=0), "n_segments must be an integer in [1, 12]"),
    (lambda: PowerSpec(shunt_destination="space"), "shunt_destination must be one of"),
    (lambda: PowerSpec(battery_min_K=300.0, battery_max_K=290.0), "battery_max_K = 290 K"),
    (lambda: PowerSpec(battery_cell=battery.TheveninParams(soc_min=0.9, soc_max=0.5)),
     "soc_min = 0.9 must be below soc_max = 0.5"),
    (lambda: RackSpec(n_gpus=0), "n_gpus = 0 GPUs"),
    (lambda: RackSpec(utilisation=(1.0, 1.5)), "utilisation = array of shape (2,)"),
    (lambda: EnvironmentSpec(albedo=-0.1), "albedo = -0.1 (fraction)"),
])
def test_every_field_is_validated_with_name_unit_and_range(build, message):
    with pytest.raises(ValueError, match=None) as err:
        build()
    assert message in str(err.value)


def test_traced_altitude_needs_explicit_steps_per_orbit():
    s = cheap()
    with pytest.raises(ValueError, match=r"steps_per_orbit"):
        jax.vmap(lambda a: tj.simulate(tj.Design.default(),
                                       eqx.tree_at(lambda x: x.orbit.altitude_m, s, a),
                                       record=False).summary.max_junction_K)(jnp.array([600e3, 700e3]))
