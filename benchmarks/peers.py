"""Benchmark: thermaljax beside installable peers, PyBaMM (battery) and spacedc-mdao (sizing).

Questions answered:
1. **Battery (PyBaMM).** On the problem of ``tests/test_battery.py`` (one 100 A h Thevenin cell
   with the same OCV table, R0, R1, C1; two LEO orbits of 36 min eclipse discharge at 60 A and
   59 min sunlit charge at 40 A; outputs every 10 s), with N variants (cell capacity and load
   current each scaled by a factor in [0.8, 1.2]): how many solves per second do PyBaMM's
   ``equivalent_circuit.Thevenin`` (model and solver built once, one solve per variant with
   ``inputs=``, or all variants in one ``solve(inputs=[...])``) and thermaljax
   (``thermaljax.battery.simulate_current``, ``jit`` + ``vmap`` over the variants) deliver at
   N = 1, 64, 1024, and how far apart are their terminal voltage and SOC?
2. **Sizing (spacedc-mdao).** How many design evaluations per second does spacedc-mdao's
   steady-state ``orbitdc.compare.evaluate_space`` deliver for a ~74 kW rack (72 H100, 90 m^2
   radiator, 320 m^2 array, 650 km dawn-dusk orbit at the December solstice), beside
   ``thermaljax.evaluate`` (3 warm-up orbits + 1 reported orbit of the coupled transient
   model: a different, much richer computation) and a batched ``thermaljax.sizing.sweep``;
   and what do both tools answer for the same design (heat load, radiator temperature,
   required radiator and array area, battery, junction temperature, mass)?

What each side solves:
- battery, PyBaMM: the DAE of ``pybamm.equivalent_circuit.Thevenin`` (SOC, RC voltage, cell
  temperature held by a lumped thermal model with zero entropic heat) with IDAKLU (BDF,
  adaptive; its default rtol 1e-4, atol 1e-6, and a tight rtol 1e-10, atol 1e-12 reference),
  the current as a piecewise-constant function of time whose switch times are passed to the
  solver as discontinuities, voltage and SOC computed inside the solver
  (``output_variables``, PyBaMM's fast path for repeated solves; the same loop without it is
  timed too) and interpolated at the 10 s sample times; the ``pybamm.Experiment``
  formulation of the test is solved once as a cross-check;
- battery, thermaljax: the exact zero-order-hold update of the same equations in a
  ``lax.scan`` (1,140 steps of 10 s; exact for a current constant between samples);
- sizing, spacedc-mdao: closed-form steady-state models (radiator at the temperature the chip
  stack allows, array and battery sized by an orbit energy balance, mass, cost, network,
  reliability); its optional ``thermal_fidelity="transient"`` (a 200-step explicit-Euler
  radiator transient) is timed too;
- sizing, thermaljax: 4 orbits (3 warm-up + 1 reported) of the coupled 14-state stiff model
  (Rodas4, 10 s steps: GPU, rack, 8 radiator segments, array, battery, SOC, RC voltage; power
  bus with MPPT, regulators, shunt and load shedding), then mass, cost and 7 constraints.

Protocol (as the other benchmarks): JAX compile time reported apart from run time;
``block_until_ready``; median of repeats; float64 on both sides; both tools on the same
problem in the same process. PyBaMM's "setup" (model build, discretisation, solver set-up and
first solve) is reported apart from its per-solve time. A peer that cannot be imported is
recorded as skipped with the reason.

Usage:
    python benchmarks/peers.py                 # full run (~5 min on 2 CPU cores), writes
                                               # results/peers_<device>.json
    python benchmarks/peers.py --quick         # tiny sizes, every code path (smoke test)
    python benchmarks/peers.py --peers battery # one part only (battery, sizing)
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import scipy  # noqa: E402

import thermaljax as tj  # noqa: E402
from thermaljax import battery, sizing  # noqa: E402
from thermaljax.io import write_json  # noqa: E402
from thermaljax.system import SimulationSpec, steps_per_orbit  # noqa: E402

HERE = Path(__file__).parent

# --- battery problem: the one of tests/test_battery.py ---------------------------------------
SOC_TABLE = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
OCV_TABLE = np.array([3.00, 3.45, 3.55, 3.62, 3.68, 3.74, 3.82, 3.90, 3.98, 4.07, 4.17])
CAPACITY_AH, R0_OHM, R1_OHM, C1_F, SOC0 = 100.0, 1.5e-3, 2.5e-3, 2.0e4, 0.85
ORBIT_STEPS = [(60.0, 2160), (-40.0, 3540)]  # (current [A], +discharges; duration [s])
SAMPLE_S = 10.0


def log(msg: str) -> None:
    print(msg, flush=True)


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def leo_profile(orbits: int):
    """Step list, sample times, nominal current at the samples and the switch times."""
    steps = ORBIT_STEPS * orbits
    edges = np.cumsum([0] + [d for _, d in steps]).astype(float)
    times = np.arange(0.0, edges[-1] + 1.0, SAMPLE_S)
    k = np.clip(np.searchsorted(edges, times, side="right") - 1, 0, len(steps) - 1)
    current = np.array([steps[i][0] for i in k])
    return steps, times, current, edges


def variants(n: int, seed: int = 0) -> np.ndarray:
    """(n, 2) factors in [0.8, 1.2]: capacity scale, load (current) scale."""
    return np.random.default_rng(seed).uniform(0.8, 1.2, size=(n, 2))


def thermaljax_battery(times, current):
    """Jitted, vmapped ``simulate_current`` over (capacity scale, load scale) variants."""
    t = jnp.asarray(times)
    i0 = jnp.asarray(current)

    def one(cap_scale, load_scale):
        p = battery.TheveninParams(
            capacity_Ah=CAPACITY_AH * cap_scale, ocv_soc=SOC_TABLE, ocv_V=OCV_TABLE,
            r0_ohm=R0_OHM, r1_ohm=R1_OHM, c1_F=C1_F, activation_energy_J_mol=0.0,
            coulombic_efficiency=1.0)
        return battery.simulate_current(p, i0 * load_scale, t, SOC0)

    return jax.jit(jax.vmap(one))


def _thevenin(pybamm, capacity, extra=None):
    """PyBaMM's Thevenin model and the parameters of the test cell (capacity in A h, or
    ``"[input]"``), plus ``extra`` entries."""
    model = pybamm.equivalent_circuit.Thevenin()
    values = model.default_parameter_values.copy()
    values.update({
        "Open-circuit voltage [V]": lambda sto: pybamm.Interpolant(
            SOC_TABLE, OCV_TABLE, sto, interpolator="linear"),
        "R0 [Ohm]": R0_OHM, "R1 [Ohm]": R1_OHM, "C1 [F]": C1_F,
        "Entropic change [V/K]": 0.0, "Cell capacity [A.h]": capacity,
        "Initial SoC": SOC0, "Upper voltage cut-off [V]": 4.5,
        "Lower voltage cut-off [V]": 2.5, **(extra or {}),
    }, check_already_exists=False)
    return model, values


def pybamm_setup(pybamm, steps, edges, rtol, atol, threads, output_variables=True):
    """PyBaMM Thevenin with the capacity and a load scale as inputs (built once).

    With ``output_variables`` the IDAKLU solver evaluates only the terminal voltage and SOC
    during the solve (PyBaMM's fast path for repeated solves); without, the full state is
    returned and the variables are post-processed from it in Python.
    """

    def current(t):
        i = steps[0][0]
        for k in range(1, len(steps)):
            i = i + (steps[k][0] - steps[k - 1][0]) * (t > float(edges[k]))
        return pybamm.InputParameter("Load scale") * i

    model, values = _thevenin(pybamm, "[input]", {"Current function [A]": current})
    kw = {"output_variables": ["Voltage [V]", "SoC"]} if output_variables else {}
    solver = pybamm.IDAKLUSolver(rtol=rtol, atol=atol, options={"num_threads": threads}, **kw)
    sim = pybamm.Simulation(model, parameter_values=values, solver=solver)
    sim.build()
    return sim


def pybamm_inputs(factors) -> list[dict]:
    return [{"Cell capacity [A.h]": CAPACITY_AH * float(c), "Load scale": float(s)}
            for c, s in factors]


def pybamm_outputs(sol, times):
    """Terminal voltage and SOC at the sample times (part of every timed PyBaMM solve)."""
    return sol["Voltage [V]"](t=times), sol["SoC"](t=times)


def pybamm_experiment_nominal(pybamm, steps, times):
    """The ``pybamm.Experiment`` formulation of tests/test_battery.py (nominal variant)."""
    model, values = _thevenin(pybamm, CAPACITY_AH)
    text = [f"{'Discharge' if i > 0 else 'Charge'} at {abs(i)} A for {d} seconds"
            for i, d in steps]
    sim = pybamm.Simulation(model, parameter_values=values,
                            experiment=pybamm.Experiment(text, period=f"{SAMPLE_S:g} seconds"))
    t0 = time.perf_counter()
    sol = sim.solve()
    first = time.perf_counter() - t0
    run = median_time(lambda: pybamm_outputs(sim.solve(), times), 3)
    return pybamm_outputs(sol, times), first, run


def bench_battery(batches, orbits, pybamm_loop_max, tight_n, repeats) -> dict:
    steps, times, current, edges = leo_profile(orbits)
    inside = ~np.isin(times, edges)  # the voltage jumps at a switch: compare inside
    nmax = max(batches)
    fac = variants(nmax)
    res = {
        "problem": (f"one 100 A h Thevenin cell (OCV table, R0 {R0_OHM * 1e3:g} mOhm, R1 "
                    f"{R1_OHM * 1e3:g} mOhm, C1 {C1_F:g} F, no Arrhenius, coulombic "
                    f"efficiency 1), SOC0 {SOC0}, {orbits} LEO orbits: 36 min eclipse at 60 A "
                    "discharge, 59 min sunlit at 40 A charge; outputs every 10 s "
                    f"({len(times)} samples); variants: capacity and load each x U[0.8, 1.2]"),
        "n_samples": len(times), "orbits": orbits,
        "thermaljax_solves": "battery.simulate_current: exact zero-order-hold update in "
                             "lax.scan, jit + vmap over variants, float64",
        "pybamm_solves": "pybamm.equivalent_circuit.Thevenin, IDAKLU (adaptive BDF), current "
                         "piecewise constant in time with its switch times as "
                         "discontinuities, capacity and load scale as inputs, "
                         "output_variables = voltage and SOC (evaluated in the solver)",
        "rows": [],
    }
    # --- thermaljax ----------------------------------------------------------------------------
    fn = thermaljax_battery(times, current)
    tj_out = {}
    for b in batches:
        c, s = jnp.asarray(fac[:b, 0]), jnp.asarray(fac[:b, 1])
        t0 = time.perf_counter()
        compiled = fn.lower(c, s).compile()
        compile_s = time.perf_counter() - t0
        out = jax.block_until_ready(compiled(c, s))
        run = median_time(lambda: jax.block_until_ready(compiled(c, s)), repeats)
        tj_out[b] = out
        res["rows"].append(dict(side="thermaljax", method="jit + vmap", batch=b, solves=b,
                                time_s=run, solves_per_s=b / run, compile_s=compile_s))
        log(f"  thermaljax battery, batch {b:5d}: {b / run:12.1f} solves/s, "
            f"compile {compile_s:.2f} s")
    soc_tj, v_tj = (np.asarray(a) for a in tj_out[nmax])

    # --- PyBaMM ------------------------------------------------------------------------------
    try:
        import pybamm
    except Exception as e:  # noqa: BLE001
        res["pybamm"] = {"skipped": f"pybamm could not be imported: {e!r}"}
        log(f"  PyBaMM skipped: {e!r}")
        return res
    res["pybamm_version"] = pybamm.__version__
    threads = os.cpu_count() or 1
    t0 = time.perf_counter()
    sim = pybamm_setup(pybamm, steps, edges, 1e-4, 1e-6, threads)
    build_s = time.perf_counter() - t0
    inputs = pybamm_inputs(fac)
    t_eval = [0.0, float(edges[-1])]
    t0 = time.perf_counter()
    pybamm_outputs(sim.solve(t_eval=t_eval, t_interp=times, inputs=inputs[0]), times)
    first_s = time.perf_counter() - t0
    res["pybamm_setup"] = {"build_s": build_s, "first_solve_s": first_s, "rtol": 1e-4,
                           "atol": 1e-6, "num_threads": threads,
                           "note": "PyBaMM's default IDAKLU tolerances"}
    log(f"  PyBaMM setup: build {build_s:.2f} s, first solve {first_s:.3f} s")

    def loop(k, s=sim):
        return [pybamm_outputs(s.solve(t_eval=t_eval, t_interp=times, inputs=inp), times)
                for inp in inputs[:k]]

    for b in batches:
        k = min(b, pybamm_loop_max)
        reps = repeats if k <= 8 else 1
        run = median_time(lambda k=k: loop(k), reps)
        res["rows"].append(dict(side="pybamm", method="loop of solve(inputs=dict)", batch=b,
                                solves=k, time_s=run, solves_per_s=k / run))
        log(f"  PyBaMM loop, batch {b:5d} ({k} solved): {k / run:10.1f} solves/s")
    k = min(nmax, pybamm_loop_max)
    looped = loop(k)
    # The same loop without output_variables: the full solution, variables post-processed.
    full = pybamm_setup(pybamm, steps, edges, 1e-4, 1e-6, threads, output_variables=False)
    loop(1, full)
    kf = min(k, 256)
    run = median_time(lambda: loop(kf, full), repeats if kf <= 8 else 1)
    res["rows"].append(dict(side="pybamm", method="loop of solve(inputs=dict), without "
                            "output_variables", batch=nmax, solves=kf, time_s=run,
                            solves_per_s=kf / run))
    log(f"  PyBaMM loop without output_variables ({kf} solved): {kf / run:10.1f} solves/s")
    for b in batches:
        reps = repeats if b <= 8 else 1

        def listed(b=b):
            sols = sim.solve(t_eval=t_eval, t_interp=times, inputs=inputs[:b])
            sols = sols if isinstance(sols, list) else [sols]
            return [pybamm_outputs(x, times) for x in sols]

        run = median_time(listed, reps)
        res["rows"].append(dict(side="pybamm", method=f"solve(inputs=[...]), {threads} threads",
                                batch=b, solves=b, time_s=run, solves_per_s=b / run))
        log(f"  PyBaMM list, batch {b:5d}: {b / run:10.1f} solves/s")

    # --- accuracy -------------------------------------------------------------------------------
    def diffs(refs, n):
        dv = max(float(np.max(np.abs(v_tj[j][inside] - refs[j][0][inside]))) for j in range(n))
        ds = max(float(np.max(np.abs(soc_tj[j] - refs[j][1]))) for j in range(n))
        return dv, ds

    n_acc = len(looped)
    dv, ds = diffs(looped, n_acc)
    tight = pybamm_setup(pybamm, steps, edges, 1e-10, 1e-12, threads)
    kt = min(tight_n, nmax)
    t_refs, t_times = [], []
    for inp in inputs[:kt]:
        t0 = time.perf_counter()
        t_refs.append(pybamm_outputs(tight.solve(t_eval=t_eval, t_interp=times, inputs=inp),
                                     times))
        t_times.append(time.perf_counter() - t0)
    dvt, dst = diffs(t_refs, kt)
    pb_v_err = max(float(np.max(np.abs(looped[j][0][inside] - t_refs[j][0][inside])))
                   for j in range(kt))
    res["accuracy"] = {
        "variants_compared": n_acc,
        "thermaljax_vs_pybamm_default_max_voltage_V": dv,
        "thermaljax_vs_pybamm_default_max_soc": ds,
        "tight_reference": {"rtol": 1e-10, "atol": 1e-12, "variants": kt,
                            "solves_per_s": kt / sum(t_times[1:]) if kt > 1 else None},
        "thermaljax_vs_pybamm_tight_max_voltage_V": dvt,
        "thermaljax_vs_pybamm_tight_max_soc": dst,
        "pybamm_default_vs_tight_max_voltage_V": pb_v_err,
        "note": "voltages compared away from the current switches (where V jumps)",
    }
    log(f"  |V_thermaljax - V_PyBaMM| max {dv:.1e} V (PyBaMM defaults), {dvt:.1e} V "
        f"(rtol 1e-10); SOC {ds:.1e} / {dst:.1e}")
    # The formulation of tests/test_battery.py (pybamm.Experiment), nominal variant.
    (v_exp, soc_exp), exp_first, exp_run = pybamm_experiment_nominal(pybamm, steps, times)
    nominal = jax.block_until_ready(fn(jnp.ones(1), jnp.ones(1)))
    res["experiment_crosscheck"] = {
        "what": "pybamm.Experiment formulation of tests/test_battery.py, nominal variant, "
                "default solver",
        "first_solve_s": exp_first, "solve_s": exp_run,
        "thermaljax_max_voltage_V": float(np.max(np.abs(
            np.asarray(nominal[1][0])[inside] - v_exp[inside]))),
        "thermaljax_max_soc": float(np.max(np.abs(np.asarray(nominal[0][0]) - soc_exp))),
    }
    log(f"  PyBaMM Experiment (as the test): {exp_run * 1e3:.1f} ms per solve, "
        f"|dV| {res['experiment_crosscheck']['thermaljax_max_voltage_V']:.1e} V")
    return res


# --- sizing: spacedc-mdao (orbitdc) ----------------------------------------------------------


def thermaljax_scenario(quick: bool):
    sc = tj.Scenario.default()
    if quick:
        sc = sc.replace(simulation=SimulationSpec(step_s=60.0, warmup_orbits=0))
    return sc


def orbitdc_scenario_dict(sc, design) -> dict:
    """spacedc-mdao scenario for the thermaljax default design (see ``mapping`` in the JSON)."""
    rk = sc.rack
    n = int(rk.n_gpus)
    tdp = float(rk.gpu.tdp_W)
    it_over = (float(rk.host_W_per_gpu) * n + float(rk.network_W)) / (tdp * n)
    non_it = float(rk.housekeeping_W) / (tdp * n * (1.0 + it_over))
    return dict(
        name="thermaljax default rack", kind="space", mission_life_years=5.0,
        accelerator="h100_sxm",
        space=dict(
            orbit=dict(altitude_km=float(sc.orbit.altitude_m) / 1e3, inclination_deg=97.98),
            architecture=dict(satellites=1, accelerators_per_satellite=n,
                              radiator_area_m2_per_sat=float(design.radiator_area_m2),
                              solar_area_m2_per_sat=float(design.array_area_m2)),
            it_power_overhead_frac=it_over, non_it_power_frac=non_it,
            beta_deg=math.degrees(float(sc.orbit.beta_rad)), coolant="water_single_phase",
            thermal_environment="good_engineering", thermal_eol=False))


def first_crossing(x, g):
    """Smallest x with g(x) <= 0 (linear interpolation on a sorted grid); None if none."""
    x, g = np.asarray(x, float), np.asarray(g, float)
    ok = g <= 0.0
    if not ok.any():
        return None, None
    i = int(np.argmax(ok))
    if i == 0:
        return float(x[0]), (None, float(x[0]))
    x0, x1, g0, g1 = x[i - 1], x[i], g[i - 1], g[i]
    return float(x0 + (x1 - x0) * g0 / (g0 - g1)), (float(x0), float(x1))


def scaled_violation(ev, names, idx):
    """max over ``names`` of (g - tolerance) / scale (<= 0: satisfied) for designs ``idx``."""
    out = []
    for k in names:
        info = sizing.CONSTRAINTS[k]
        out.append((np.asarray(ev.constraints[k])[idx] - info.tolerance) / info.scale)
    return np.max(np.stack(out), axis=0)


def bench_sizing(quick: bool, repeats: int, od_evals: int, grid_n: int) -> dict:
    sc = thermaljax_scenario(quick)
    d0 = tj.Design.default()
    orbits = sc.simulation.warmup_orbits + sc.simulation.orbits
    res = {"thermaljax_scenario": ("Scenario.default()" if not quick else
                                   "Scenario.default() with 60 s steps, no warm-up (quick)"),
           "thermaljax_orbits_per_evaluation": orbits,
           "steps_per_orbit": steps_per_orbit(sc),
           "design": {k: float(getattr(d0, k)) for k in sizing.DESIGN_FIELDS}}

    # --- thermaljax (a): evaluate, one design -------------------------------------------------
    t0 = time.perf_counter()
    ev = tj.evaluate(d0, sc)
    jax.block_until_ready(ev.objective)
    first = time.perf_counter() - t0
    run = median_time(lambda: jax.block_until_ready(tj.evaluate(d0, sc).objective), repeats)
    res["thermaljax_evaluate"] = dict(time_s=run, evaluations_per_s=1.0 / run,
                                      compile_s=max(first - run, 0.0),
                                      design_orbits_per_s=orbits / run)
    log(f"  thermaljax.evaluate (one design): {1 / run:.2f} evaluations/s, compile "
        f"{first - run:.1f} s")

    # --- thermaljax (b): sweep, three 1-D grids around the default ----------------------------
    axes = {"radiator_area_m2": (50.0, 130.0), "array_area_m2": (220.0, 420.0),
            "battery_capacity_Wh": (50e3, 150e3)}
    cols = {k: np.repeat(float(getattr(d0, k)), grid_n * len(axes)) for k in sizing.DESIGN_FIELDS}
    for j, (k, (lo, hi)) in enumerate(axes.items()):
        cols[k][j * grid_n:(j + 1) * grid_n] = np.linspace(lo, hi, grid_n)
    designs = tj.Design(**cols)
    n = grid_n * len(axes)
    t0 = time.perf_counter()
    sev = sizing.sweep(designs, sc, chunk_size=n)
    first = time.perf_counter() - t0
    run = median_time(lambda: sizing.sweep(designs, sc, chunk_size=n), 1 if n > 8 else repeats)
    res["thermaljax_sweep"] = dict(designs=n, chunk=n, time_s=run, designs_per_s=n / run,
                                   design_orbits_per_s=n * orbits / run,
                                   compile_s=max(first - run, 0.0),
                                   failed=int(np.sum(np.asarray(sev.status) != 0)),
                                   grids={k: [lo, hi, grid_n] for k, (lo, hi) in axes.items()})
    log(f"  thermaljax.sizing.sweep ({n} designs): {n / run:.1f} designs/s, compile "
        f"{first - run:.1f} s")

    # --- thermaljax (c): the default design, recorded ------------------------------------------
    r = tj.simulate(d0, sc)
    names = r.node_names
    rad = [i for i, nm in enumerate(names) if nm.startswith("radiator_")]
    area = float(d0.radiator_area_m2)
    temps = np.asarray(r.temperatures_K)
    t = np.asarray(r.times_s)
    period = float(t[-1] - t[0]) / sc.simulation.orbits

    def orbit_mean(y):
        return float(np.trapezoid(y, t) / (t[-1] - t[0]))

    absorbed = orbit_mean(np.asarray(r.absorbed_W)[:, rad].sum(1))
    radiated = orbit_mean(np.asarray(r.radiated_W)[:, rad].sum(1))
    sunlit = np.asarray(r.sunlit_fraction)
    soc = np.asarray(r.soc)
    dod = float(soc.max() - soc.min())
    cap_kwh = float(d0.battery_capacity_Wh) / 1e3
    i_rad = slice(0, grid_n)
    i_arr = slice(grid_n, 2 * grid_n)
    i_bat = slice(2 * grid_n, 3 * grid_n)
    grid = {k: np.linspace(lo, hi, grid_n) for k, (lo, hi) in axes.items()}
    need_rad, br_rad = first_crossing(grid["radiator_area_m2"],
                                      scaled_violation(sev, ["junction_K"], i_rad))
    need_arr, br_arr = first_crossing(grid["array_area_m2"], scaled_violation(
        sev, ["energy_balance", "min_soc", "compute"], i_arr))
    need_bat, br_bat = first_crossing(grid["battery_capacity_Wh"], scaled_violation(
        sev, ["min_soc", "energy_balance", "compute"], i_bat))
    limit = float(sc.rack.gpu.max_operating_K)
    rack_nodes = [i for i, nm in enumerate(names) if nm in ("gpu", "rack")]
    ours = {
        "heat_dissipated_in_rack_kW": orbit_mean(
            np.asarray(r.dissipated_W)[:, rack_nodes].sum(1)) / 1e3,
        "heat_rejected_by_main_radiator_kW": (radiated - absorbed) / 1e3,
        "absorbed_environment_W_per_m2_planform": absorbed / area,
        "radiator_orbit_mean_K": orbit_mean(temps[:, rad].mean(1)),
        "radiator_min_K": float(temps[:, rad].min()), "radiator_max_K": float(temps[:, rad].max()),
        "max_junction_K": float(r.summary.max_junction_K), "junction_limit_K": limit,
        "required_radiator_area_m2": need_rad, "required_radiator_bracket_m2": br_rad,
        "required_array_area_m2": need_arr, "required_array_bracket_m2": br_arr,
        "required_battery_kWh": None if need_bat is None else need_bat / 1e3,
        "required_battery_bracket_Wh": br_bat,
        "depth_of_discharge": dod, "battery_kWh_at_40pct_dod": dod * cap_kwh / 0.4,
        "eclipse_min": float(np.sum(np.diff(t) * (sunlit[:-1] < 0.5))) / 60.0
        / sc.simulation.orbits,
        "orbit_period_min": period / 60.0,
        "launch_mass_kg": float(ev.launch_mass_kg),
        "mass_kg": {k: float(getattr(ev.mass, k)) for k in
                    ("radiator_kg", "loop_kg", "array_kg", "battery_kg", "compute_kg",
                     "structure_kg", "total_kg")},
        "constraints": {k: float(v) for k, v in ev.constraints.items()},
    }
    res["thermaljax_answers"] = ours

    # --- spacedc-mdao ----------------------------------------------------------------------------
    try:
        t0 = time.perf_counter()
        import orbitdc
        from orbitdc.compare import evaluate_space
        from orbitdc.core.registry import get_battery, get_solar_array
        from orbitdc.core.scenario import load_scenario_dict
        from orbitdc.models import orbit as od_orbit
        from orbitdc.models import power as od_power
        from orbitdc.thermal import codesign, network, radiation
        from orbitdc.thermal.catalog import get_chip_stack, get_coolant, get_radiator_surface
        from orbitdc.thermal.presets import PRESETS, get_environment
        import_s = time.perf_counter() - t0
    except Exception as e:  # noqa: BLE001
        res["spacedc_mdao"] = {"skipped": f"spacedc-mdao (orbitdc) could not be imported: "
                                          f"{e!r}; pip install spacedc-mdao==0.4.2"}
        log(f"  spacedc-mdao skipped: {e!r}")
        return res
    from importlib.metadata import version as _version
    od = {"version": _version("spacedc-mdao"), "import_s": import_s}
    sdict = orbitdc_scenario_dict(sc, d0)
    scen = load_scenario_dict(sdict)
    od["scenario"] = sdict
    od["mapping"] = {
        "it_power_overhead_frac": "(300 W host x 72 + 1.5 kW network) / (72 x 700 W)",
        "non_it_power_frac": "1 kW housekeeping / IT power",
        "beta_deg": "beta of Scenario.default() (dawn-dusk SSO, December solstice)",
        "radiator": "deployable_osr (two-sided OSR, 7 kg/m^2), beginning of life "
                    "(thermal_eol=False) as thermaljax's default OSR_BOL",
        "thermal_environment": "good_engineering (edge to Sun, 5 % Earth view) for "
                               "thermaljax's edge-on-to-Sun radiator; the four presets are "
                               "compared for the required area",
        "coolant": "water_single_phase (pump 2 % of the heat) for thermaljax's water-glycol "
                   "loop",
        "battery": "sized by spacedc-mdao (load x eclipse / 40 % depth of discharge): not a "
                   "design input there",
        "not_modelled_by_spacedc_mdao": "time, thermal capacitance, coolant temperature rise "
                                        "along the radiator, array temperature, battery "
                                        "state, throttling and load shedding in time",
    }
    t0 = time.perf_counter()
    oev = evaluate_space(scen)
    od["first_evaluation_s"] = time.perf_counter() - t0

    def rate(fn, n_calls):
        per = median_time(lambda: [fn() for _ in range(n_calls)], repeats) / n_calls
        return dict(calls=n_calls, time_per_call_s=per, per_s=1.0 / per)

    od["evaluate_space"] = rate(lambda: evaluate_space(scen), od_evals)
    log(f"  spacedc-mdao evaluate_space: {od['evaluate_space']['per_s']:.0f} evaluations/s")
    # Varied designs (radiator and array budgets from the same grids as the sweep).
    t0 = time.perf_counter()
    scens = []
    for k, key in (("radiator_area_m2", "radiator_area_m2_per_sat"),
                   ("array_area_m2", "solar_area_m2_per_sat")):
        for a in grid[k]:
            dd = orbitdc_scenario_dict(sc, d0)
            dd["space"]["architecture"][key] = float(a)
            scens.append(load_scenario_dict(dd))
    build = (time.perf_counter() - t0) / len(scens)
    reps = max(1, od_evals // len(scens))
    per = median_time(lambda: [evaluate_space(s) for _ in range(reps) for s in scens],
                      repeats) / (reps * len(scens))
    od["evaluate_space_varied_designs"] = dict(designs=len(scens), time_per_design_s=per,
                                               designs_per_s=1.0 / per,
                                               scenario_validation_s_per_design=build)
    tr = scen.model_copy(update={"space": scen.space.model_copy(
        update={"thermal_fidelity": "transient"})})
    od["evaluate_space_transient_fidelity"] = rate(lambda: evaluate_space(tr),
                                                   max(1, od_evals // 4))
    surface = get_radiator_surface(scen.space.radiator_panel)
    env = get_environment(scen.space.thermal_environment)
    stack = get_chip_stack(scen.space.chip_stack, 700.0)
    coolant = get_coolant(scen.space.coolant)
    q = oev.details["bus_load_w"]
    od["thermal_codesign_only"] = rate(lambda: codesign.thermal_codesign(
        q_waste_w=q, chip_stack=stack, coolant=coolant, surface=surface, env=env,
        area_available_m2=area, eol=False), od_evals)
    log(f"  spacedc-mdao varied designs: {1 / per:.0f} designs/s; transient fidelity "
        f"{od['evaluate_space_transient_fidelity']['per_s']:.0f}/s; thermal_codesign only "
        f"{od['thermal_codesign_only']['per_s']:.0f}/s")

    # Answers for the same design.
    def equilibrium_K(area_m2, heat_W, env_=env):
        lo, hi = 150.0, 600.0  # net rejection is increasing in T
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            if radiation.net_flux_w_m2(mid, surface, env_, eol=False) * area_m2 < heat_W:
                lo = mid
            else:
                hi = mid
        return 0.5 * (lo + hi)

    t_eq = equilibrium_K(area, q)
    ost = od_orbit.orbit_state(scen.space.orbit.altitude_km, scen.space.beta_deg)
    pw = od_power.size_power(
        it_power_w=oev.it_power_w, non_it_frac=q / oev.it_power_w - 1.0,
        sunlit_fraction=ost.sunlit_fraction, eclipse_duration_s=ost.eclipse_duration_s,
        mission_years=scen.mission_life_years, array=get_solar_array(scen.space.solar_array),
        battery=get_battery(scen.space.battery))
    deg = (1.0 - get_solar_array(scen.space.solar_array).annual_degradation) \
        ** scen.mission_life_years
    at_limit = evaluate_space(scen, {"radiator_t_rad_setpoint_k": limit - 700.0 * stack.r_total})
    by_preset = {}
    for name, e in PRESETS.items():
        flux = radiation.net_flux_w_m2(oev.details["radiator_t_rad_k"], surface, e, eol=False)
        by_preset[name] = q / flux if flux > 0 else None
    theirs = {
        "heat_to_reject_kW": q / 1e3,
        "absorbed_environment_W_per_m2": env.absorbed_w_m2(surface.coating.alpha(False),
                                                           surface.coating.eps(False)),
        "radiator_setpoint_K": oev.details["radiator_t_rad_k"],
        "radiator_setpoint_reason": f"{oev.thermal_bottleneck}: HBM limit "
                                    f"{stack.hbm_limit_k} K minus 700 W x "
                                    f"{stack.r_total:.2f} K/W",
        "radiator_equilibrium_K_at_design_area": t_eq,
        "junction_K_at_design_area": network.junction_temperature_k(t_eq, stack),
        "junction_K_at_setpoint": oev.details["chip_junction_k"],
        "required_radiator_area_m2": oev.details["radiator_area_required_m2"],
        "required_radiator_area_m2_at_thermaljax_junction_limit":
            at_limit.details["radiator_area_required_m2"],
        "required_radiator_area_m2_by_environment_preset": by_preset,
        "required_array_area_m2": pw.array_area_m2,
        "required_array_area_m2_without_5yr_degradation": pw.array_area_m2 * deg,
        "required_battery_kWh": pw.battery_energy_wh / 1e3,
        "eclipse_min": ost.eclipse_duration_s / 60.0,
        "orbit_period_min": ost.period_s / 60.0,
        "f_power": oev.waterfall.factors.get("power"),
        "f_thermal": oev.waterfall.factors.get("thermal"),
        "dry_mass_kg": oev.dry_mass_kg,
        "mass_breakdown_kg": dict(oev.mass_breakdown_kg or {}),
    }
    od["answers"] = theirs
    log(f"  same design: heat {q / 1e3:.1f} vs {ours['heat_rejected_by_main_radiator_kW']:.1f} kW;"
        f" radiator {t_eq:.1f} K (spacedc-mdao equilibrium at {area:g} m^2) vs "
        f"{ours['radiator_orbit_mean_K']:.1f} K (thermaljax orbit mean); required radiator "
        f"{theirs['required_radiator_area_m2']:.1f} vs {need_rad} m^2")
    res["spacedc_mdao"] = od
    tj_rate = res["thermaljax_evaluate"]["evaluations_per_s"]
    res["ratios"] = {
        "spacedc_evaluate_over_thermaljax_evaluate": od["evaluate_space"]["per_s"] / tj_rate,
        "spacedc_varied_over_thermaljax_sweep":
            od["evaluate_space_varied_designs"]["designs_per_s"]
            / res["thermaljax_sweep"]["designs_per_s"],
    }
    return res


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    ap.add_argument("--out", type=Path, default=None, help="JSON output path")
    ap.add_argument("--peers", default="battery,sizing",
                    help="comma-separated parts to run: battery, sizing (default both)")
    ap.add_argument("--batches", default=None,
                    help="battery variant counts (default 1,64,1024; quick 1,4)")
    ap.add_argument("--orbits", type=int, default=2, help="battery profile orbits (default 2)")
    ap.add_argument("--pybamm-loop-max", type=int, default=None,
                    help="most variants PyBaMM solves one by one per batch (default 1024)")
    ap.add_argument("--grid", type=int, default=None,
                    help="points per sweep axis (3 axes; default 48, quick 2)")
    args = ap.parse_args(argv)
    parts = {p.strip() for p in args.peers.split(",") if p.strip()}
    unknown = parts - {"battery", "sizing"}
    if unknown:
        ap.error(f"unknown --peers {sorted(unknown)} (choose from battery, sizing)")
    q = args.quick
    batches = [int(b) for b in (args.batches or ("1,4" if q else "1,64,1024")).split(",")]
    repeats = 1 if q else 5
    device = jax.devices()[0]
    kind = "gpu" if device.platform == "gpu" else "cpu"
    load0 = os.getloadavg() if hasattr(os, "getloadavg") else None
    t_start = time.perf_counter()
    res = dict(
        benchmark="peers", device=f"{device.platform}:{device.device_kind}", platform=kind,
        cpu_count=os.cpu_count(), machine=platform.machine(), jax=jax.__version__,
        scipy=scipy.__version__, numpy=np.__version__, python=platform.python_version(),
        date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), thermaljax=tj.__version__,
        quick=q, dtype="float64",
        caveats=[
            "other jobs shared the CPU during the run (load average recorded below): "
            "absolute rates are lower and noisier than on an idle machine; each pair of "
            "numbers compared was measured in the same process minutes apart",
            "spacedc-mdao's evaluate_space is a steady-state, closed-form model; thermaljax's "
            "evaluate integrates 4 orbits of a coupled stiff transient model: the comparison "
            "is of evaluation rate and of answers, not of equal fidelity",
        ],
        load_average_start=load0)
    log(f"thermaljax {tj.__version__} peers benchmark on {device.device_kind} ({kind})")
    if "battery" in parts:
        log("battery: thermaljax vs PyBaMM Thevenin")
        res["battery"] = bench_battery(
            batches, 1 if q and args.orbits == 2 else args.orbits,
            args.pybamm_loop_max or (4 if q else 1024), 2 if q else 16, repeats)
    if "sizing" in parts:
        log("sizing: thermaljax vs spacedc-mdao")
        res["sizing"] = bench_sizing(q, repeats, 20 if q else 2000,
                                     args.grid or (2 if q else 48))
    res["load_average_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    res["wall_s"] = time.perf_counter() - t_start
    out = args.out or HERE / "results" / f"peers_{kind}{'_quick' if q else ''}.json"
    write_json(out, res)
    log(f"wrote {out} ({res['wall_s']:.0f} s)")
    return res


if __name__ == "__main__":
    main()
    sys.exit(0)
