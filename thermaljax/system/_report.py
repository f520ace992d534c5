"""What a reviewer asks of a run: each limit with its margin, and the results as plain data."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._simulate import SimulationResult, Summary
from ._spec import Design, Scenario

_C = 273.15


class LimitCheck(NamedTuple):
    """One design limit: the value reached, the limit, the margin (positive = inside)."""

    name: str
    value: float
    limit: float
    unit: str
    margin: float
    ok: bool


def limit_checks(result: SimulationResult, scenario: Scenario) -> list[LimitCheck]:
    """The limits of the rack over the reported orbits, each with its margin.

    GPU junction vs the maximum operating temperature; battery SOC vs its floor; battery
    temperature vs its window; coolant vs its freezing point; delivered compute vs 100 %;
    thermal and electrical energy balance vs 0.5 %; periodicity vs 0.5 K and 1e-3 SOC per
    orbit (a larger change means the run has not reached its periodic state, e.g. a design
    whose battery loses charge every orbit: run more warm-up orbits or resize). Needs a
    single (not batched) result.
    """
    s: Summary = result.summary
    f = lambda x: float(np.asarray(x))  # noqa: E731
    sc, pw = scenario, scenario.power
    cell = pw.battery_cell
    rows = [
        ("max GPU junction temperature", f(s.max_junction_K) - _C,
         f(sc.rack.gpu.max_operating_K) - _C, "°C", "max"),
        ("min battery SOC", f(s.min_soc), f(cell.soc_min), "", "min"),
        ("max battery temperature", f(s.battery_max_K) - _C, f(pw.battery_max_K) - _C, "°C",
         "max"),
        ("min battery temperature", f(s.battery_min_K) - _C, f(pw.battery_min_K) - _C, "°C",
         "min"),
        ("min coolant temperature", f(s.radiator_min_K) - _C,
         f(sc.loop.coolant_freezing_K) - _C, "°C", "min"),
        ("delivered compute (orbit average)", f(s.compute_fraction), 1.0 - 1e-3, "", "min"),
        ("thermal energy balance residual", abs(f(s.thermal_energy_residual)), 5e-3, "", "max"),
        ("electrical energy balance residual", abs(f(s.electrical_energy_residual)), 5e-3, "",
         "max"),
        ("periodicity (temperatures)", f(s.periodicity_error_K), 0.5, "K", "max"),
        ("periodicity (SOC)", f(s.periodicity_error_soc), 1e-3, "", "max"),
    ]
    out = []
    for name, value, limit, unit, kind in rows:
        margin = limit - value if kind == "max" else value - limit
        out.append(LimitCheck(name, value, limit, unit, margin, bool(margin >= 0.0)))
    return out


def _number(x) -> float | None:
    v = float(np.asarray(x))
    return v if math.isfinite(v) else None


def summary_dict(result: SimulationResult) -> dict:
    """Every scalar of the summary as a float (``None`` for events that did not happen)."""
    s = result.summary
    return {name: _number(getattr(s, name)) for name in s.__dataclass_fields__}


def inputs_dict(design: Design, scenario: Scenario) -> dict:
    """The design and the scenario's main inputs, as plain numbers and names."""
    f = lambda x: float(np.asarray(x))  # noqa: E731
    sc = scenario
    return {
        "design": {k: f(getattr(design, k)) for k in design.__dataclass_fields__},
        "orbit": {"altitude_m": f(sc.orbit.altitude_m), "beta_rad": f(sc.orbit.beta_rad),
                  "orbit_angle0_rad": f(sc.orbit.orbit_angle0_rad)},
        "environment": {k: f(getattr(sc.environment, k))
                        for k in sc.environment.__dataclass_fields__},
        "rack": {"gpu": sc.rack.gpu.name, "n_gpus": f(sc.rack.n_gpus),
                 "gpu_tdp_W": f(sc.rack.gpu.tdp_W), "host_W_per_gpu": f(sc.rack.host_W_per_gpu),
                 "network_W": f(sc.rack.network_W), "housekeeping_W": f(sc.rack.housekeeping_W)},
        "loop": {"n_segments": sc.loop.n_segments, "two_sided": sc.loop.two_sided,
                 "radiator_coating": sc.loop.radiator_coating.name,
                 "radiator_absorptance": f(sc.loop.radiator_coating.absorptance),
                 "radiator_emissivity": f(sc.loop.radiator_coating.emissivity),
                 "radiator_attitude": type(sc.loop.radiator_attitude).__name__},
        "power": {"pv_cell": sc.power.cell.name, "pv_degradation": f(sc.power.pv_degradation),
                  "battery_capacity_retention": f(sc.power.battery_capacity_retention),
                  "shunt_destination": sc.power.shunt_destination,
                  "array_attitude": type(sc.power.array_attitude).__name__},
        "simulation": {"step_s": sc.simulation.step_s, "orbits": sc.simulation.orbits,
                       "warmup_orbits": sc.simulation.warmup_orbits},
    }


def timeseries_columns(result: SimulationResult) -> dict[str, np.ndarray]:
    """The time series as named 1-D columns (one per node for node-wise quantities)."""
    r = result
    cols: dict[str, np.ndarray] = {"time_s": np.asarray(r.times_s)}
    for i, name in enumerate(r.node_names):
        cols[f"T_{name}_K"] = np.asarray(r.temperatures_K[:, i])
    for key in ("junction_K", "soc", "rc_voltage_V", "battery_voltage_V", "battery_current_A",
                "battery_power_W", "pv_W", "pv_available_W", "load_W", "gpu_W", "shunt_W",
                "charge_W", "discharge_W", "converter_loss_W", "battery_heat_W",
                "compute_fraction", "throttle", "shed", "utilisation", "sunlit_fraction"):
        cols[key] = np.asarray(getattr(r, key))
    for key in ("absorbed_W", "dissipated_W", "radiated_W"):
        arr = np.asarray(getattr(r, key))
        for i, name in enumerate(r.node_names):
            cols[f"{key[:-2]}_{name}_W"] = arr[:, i]
    return cols
