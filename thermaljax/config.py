"""Configuration files: TOML with unit-named keys, every value checked before any compilation.

A configuration is a TOML file of sections (``[design]``, ``[orbit]``, ``[environment]``,
``[rack]``, ``[loop]``, ``[power]``, ``[simulation]``, ``[launch]``, ``[mass]``, ``[costs]``,
``[requirements]``, ``[optimize]``, ``[trade]``, ``[sweep]``). Every key carries its unit in
its name (``radiator_area_m2``, ``altitude_m``, ``battery_max_K``; dimensionless fractions have
none) and has a default, so a file needs to name only what it changes: a partial file
overrides the embedded defaults key by key. ``thermaljax init`` writes the whole default
configuration with the unit, allowed range and source of every key (:func:`default_toml`).

Errors (:class:`ConfigError`, a ``ValueError``) name the file, the section and key, what was
given and what is allowed; an unknown key or section gets the closest valid one suggested::

    run.toml: [design] radiator_area_m = 90: unknown key; did you mean radiator_area_m2?

Example:
    >>> from thermaljax import config
    >>> cfg = config.from_dict({"design": {"radiator_area_m2": 120.0}})
    >>> float(cfg.design.radiator_area_m2), float(cfg.design.array_area_m2)
    (120.0, 320.0)
    >>> config.from_dict({"design": {"radiator_area": 1.0}})
    Traceback (most recent call last):
    ...
    thermaljax.config.ConfigError: <dict>: [design] radiator_area = 1: unknown key; did you mean radiator_area_m2?
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import json
import math
import os
import tomllib
from pathlib import Path
from typing import Any

from . import launch as _launch
from . import mass as _mass
from . import orbit as _orbit
from . import pv as _pv
from . import rack as _rack
from . import sizing as _sizing
from .sizing import OBJECTIVES, Requirements
from .sizing._optimize import DESIGN_FIELDS
from .system import Design, Scenario
from .system._spec import (DEFAULT_EPOCH, OSR_BOL, OSR_EOL, WHITE_PAINT_BOL, WHITE_PAINT_EOL,
                           Coating, EnvironmentSpec, LoopSpec, OrbitSpec, PowerSpec, RackSpec,
                           SimulationSpec)

_C = 273.15


class ConfigError(ValueError):
    """A configuration that cannot be used: the message names file, section, key and range."""


@dataclasses.dataclass(frozen=True)
class Key:
    """One configuration key.

    ``kind``: ``float``, ``int``, ``bool``, ``str`` (one of ``choices``), ``floats`` (list of
    numbers), ``strs`` (list of ``choices``), ``datetime``, ``bounds`` (a table of design field
    -> [low, high]) or ``axes`` (a table of design field -> [low, high, count]). ``default``
    ``None`` marks an optional key whose value is derived (the ``doc`` says from what).
    """

    section: str
    name: str
    kind: str
    default: Any
    unit: str
    doc: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[str, ...] = ()


_GPUS = {"H100": _rack.H100, "H200": _rack.H200, "B200": _rack.B200}
_CELLS = {"gaas-triple-junction": _pv.GAAS_TRIPLE_JUNCTION, "silicon": _pv.SILICON}
_COATINGS = {"osr": (OSR_BOL, OSR_EOL), "white-paint": (WHITE_PAINT_BOL, WHITE_PAINT_EOL)}
_RADIATOR_ATTITUDES = ("edge-on-sun", "zenith", "sun-tracking")
_ARRAY_ATTITUDES = ("sun-tracking", "sun-tracking-1axis", "zenith")
_OBJECTIVE_UNITS = {"launch_mass": "kg", "launch_cost": "USD", "cost_per_gpu_hour": "USD/h"}

_d = Design.default()
_DESIGN_DOCS = {
    "radiator_area_m2": ("m^2", 1e5, "main radiator planform (two-sided OSR panel); 90 m^2 "
                         "rejects ~74 kW near 60 C with ~20 % margin (2 eps sigma T^4, "
                         "REFERENCES.md)"),
    "array_area_m2": ("m^2", 1e6, "solar array area (GaAs, Sun-tracking); covers the load and "
                      "the eclipse recharge at ~330 W/m^2 delivered"),
    "battery_capacity_Wh": ("W h", 1e9, "nameplate battery energy; a 20-min eclipse at ~75 kW "
                            "draws ~26 % of 100 kWh (LEO DoD practice 20-40 %, REFERENCES.md)"),
    "coolant_flow_kg_s": ("kg/s", 1e3, "pumped coolant flow; ~10 K rise across the rack"),
    "battery_radiator_area_m2": ("m^2", 1e4, "the battery's own one-sided radiator; rejects "
                                 "~2 kW of Joule heat near 20 C"),
}

_KEYS: tuple[Key, ...] = (
    # design ---------------------------------------------------------------------------------
    *(Key("design", k, "float", float(getattr(_d, k)), u, doc, 0.0, hi, low_open=True)
      for k, (u, hi, doc) in _DESIGN_DOCS.items()),
    # scenario switches ----------------------------------------------------------------------
    Key("scenario", "end_of_life", "bool", False, "",
        "end-of-life defaults (as Scenario.default(end_of_life=True)): main radiator coating "
        "alpha +0.05 (OSR) / +0.08 (paint), PV power x "
        "0.89 (XTJ after 5e14 e/cm^2, Fetzer et al.), battery capacity x 0.80 (REFERENCES.md)"),
    # orbit ----------------------------------------------------------------------------------
    Key("orbit", "altitude_m", "float", 650e3, "m",
        "circular orbit altitude; 650 km, Project Suncatcher's (Google, arXiv:2511.19468)",
        150e3, 35_786e3),
    Key("orbit", "epoch", "datetime", DEFAULT_EPOCH, "UTC",
        "date of the run; the December solstice is the middle of a dawn-dusk orbit's eclipse "
        "season (REFERENCES.md)"),
    Key("orbit", "ltan_hours", "float", 6.0, "h",
        "local time of the ascending node of the sun-synchronous orbit (6 = dawn-dusk)",
        0.0, 24.0),
    Key("orbit", "beta_deg", "float", None, "deg",
        "fix the Sun's beta angle instead of deriving it from epoch and LTAN (default: derived, "
        "about -58.6 deg for the default orbit)", -90.0, 90.0),
    # environment ----------------------------------------------------------------------------
    Key("environment", "solar_flux_W_m2", "float", None, "W/m^2",
        "solar irradiance (default: 1361 W/m^2 at 1 AU, Kopp & Lean 2011, scaled to the "
        "Earth-Sun distance of the epoch)", 0.0, 3000.0),
    Key("environment", "albedo", "float", 0.30, "", "Earth albedo (CERES; NASA "
        "TM-2001-211221)", 0.0, 1.0),
    Key("environment", "olr_W_m2", "float", 237.0, "W/m^2",
        "Earth outgoing long-wave radiation (CERES mean)", 0.0, 500.0),
    Key("environment", "sink_temperature_K", "float", 3.0, "K", "deep-space sink (CMB)",
        0.0, 300.0),
    Key("environment", "penumbra_smoothing_rad", "float", 0.02, "rad",
        "widening of the solar disk that smooths eclipse entry and exit (differentiability)",
        0.0, 0.1),
    # rack -----------------------------------------------------------------------------------
    Key("rack", "gpu", "str", "H100", "", "GPU model: H100 / H200 SXM (700 W) or B200 "
        "(1000 W) (NVIDIA data sheets; 87 C max operating, nvidia-smi)", choices=tuple(_GPUS)),
    Key("rack", "n_gpus", "float", 72.0, "GPUs", "GPUs in the rack (GB200 NVL72 class)",
        1.0, 1e6),
    Key("rack", "host_W_per_gpu", "float", 300.0, "W",
        "CPU, memory, NVSwitch and NIC per GPU (estimate from HGX H100 10.2 kW - 8 x 700 W)",
        0.0, 1e4),
    Key("rack", "network_W", "float", 1500.0, "W", "rack network switches (estimate)",
        0.0, 1e7),
    Key("rack", "housekeeping_W", "float", 1000.0, "W",
        "avionics, attitude control, communications, heaters (estimate)", 0.0, 1e7),
    Key("rack", "utilisation_orbit_fraction", "floats", [0.0, 1.0], "",
        "breakpoints of the utilisation schedule, as fractions of the orbit", 0.0, 1.0),
    Key("rack", "utilisation", "floats", [1.0, 1.0], "",
        "scheduled GPU utilisation at the breakpoints (linear in between)", 0.0, 1.0),
    Key("rack", "gpu_heat_capacity_J_per_K", "float", 1500.0, "J/K",
        "one GPU module with its cold plate (~3 kg of Cu/Al; estimate)", 0.0, 1e9,
        low_open=True),
    Key("rack", "rack_heat_capacity_J_per_K", "float", 3.0e5, "J/K",
        "cold plates, manifolds, servers and coolant in the rack (estimate)", 0.0, 1e12,
        low_open=True),
    # loop -----------------------------------------------------------------------------------
    Key("loop", "coolant_cp_J_per_kg_K", "float", 3500.0, "J/(kg K)",
        "50/50 water-propylene glycol near 40 C (ASHRAE Handbook Fundamentals, ch. 31)",
        0.0, 2e4, low_open=True),
    Key("loop", "coolant_density_kg_m3", "float", 1040.0, "kg/m^3", "50 % PG (ASHRAE)",
        0.0, 2e4, low_open=True),
    Key("loop", "coolant_freezing_K", "float", 239.0, "K", "-34 C for 50 % PG (ASHRAE)",
        0.0, 400.0),
    Key("loop", "pump_pressure_rise_Pa", "float", 2.0e5, "Pa",
        "loop pressure drop the pump overcomes (estimate)", 0.0, 1e7),
    Key("loop", "pump_efficiency", "float", 0.5, "", "wire-to-fluid (estimate)", 0.0, 1.0,
        low_open=True),
    Key("loop", "n_segments", "int", 8, "", "radiator segments along the flow", 1, 12),
    Key("loop", "radiator_coating", "str", "osr", "",
        "osr (alpha 0.07, eps 0.80, Gilmore App. A) or white-paint (Z-93: 0.12 / 0.90, "
        "Fortescue Table 11.3); end-of-life values with [scenario] end_of_life",
        choices=tuple(_COATINGS)),
    Key("loop", "radiator_absorptance", "float", None, "",
        "override the coating's solar absorptance", 0.0, 1.0),
    Key("loop", "radiator_emissivity", "float", None, "",
        "override the coating's IR emissivity", 0.0, 1.0),
    Key("loop", "two_sided", "bool", True, "", "both faces radiate (deployed panel)"),
    Key("loop", "radiator_attitude", "str", "edge-on-sun", "",
        "edge-on-sun (usual deployed radiator), zenith (body-mounted, facing away from Earth) "
        "or sun-tracking", choices=_RADIATOR_ATTITUDES),
    Key("loop", "radiator_heat_capacity_J_per_K_m2", "float", 3400.0, "J/(K m^2)",
        "3 kg/m^2 aluminium panel plus 0.2 kg/m^2 coolant (estimate)", 0.0, 1e6,
        low_open=True),
    # power ----------------------------------------------------------------------------------
    Key("power", "pv_cell", "str", "gaas-triple-junction", "",
        "gaas-triple-junction (Spectrolab XTJ class) or silicon", choices=tuple(_CELLS)),
    Key("power", "packing_factor", "float", 0.90, "", "cell area / array area (estimate)",
        0.0, 1.0, low_open=True),
    Key("power", "pv_degradation", "float", None, "",
        "PV power factor (default 1.0, or 0.89 at end of life: XTJ, Fetzer et al.)",
        0.0, 1.0, low_open=True),
    Key("power", "mppt_efficiency", "float", 0.97, "", "array-to-bus converter (estimate)",
        0.0, 1.0, low_open=True),
    Key("power", "charge_efficiency", "float", 0.96, "", "battery charge regulator (estimate)",
        0.0, 1.0, low_open=True),
    Key("power", "discharge_efficiency", "float", 0.96, "",
        "battery discharge regulator (estimate)", 0.0, 1.0, low_open=True),
    Key("power", "array_attitude", "str", "sun-tracking", "",
        "sun-tracking (two-axis), sun-tracking-1axis (about the orbit normal) or zenith",
        choices=_ARRAY_ATTITUDES),
    Key("power", "array_back_absorptance", "float", 0.90, "",
        "rear face (black CFRP, Fortescue Table 11.3)", 0.0, 1.0),
    Key("power", "array_back_emissivity", "float", 0.85, "", "rear face (Fortescue)", 0.0, 1.0),
    Key("power", "array_heat_capacity_J_per_K_m2", "float", 2200.0, "J/(K m^2)",
        "~2.4 kg/m^2 blanket array (estimate)", 0.0, 1e6, low_open=True),
    Key("power", "shunt_destination", "str", "array", "",
        "where surplus power becomes heat: array (sequential switching shunts, Patel ch. 13) "
        "or radiator", choices=("array", "radiator")),
    Key("power", "cells_in_series", "int", 96, "", "battery cells per string (~359 V)",
        1, 1000),
    Key("power", "battery_capacity_retention", "float", None, "",
        "remaining battery capacity (default 1.0, or 0.80 at end of life, REFERENCES.md)",
        0.0, 1.0, low_open=True),
    Key("power", "battery_specific_energy_Wh_kg", "float", 130.0, "W h/kg",
        "pack level, 100-150 Wh/kg (REFERENCES.md)", 0.0, 1000.0, low_open=True),
    Key("power", "battery_heat_capacity_J_kg_K", "float", 1000.0, "J/(kg K)",
        "Li-ion pack (estimate)", 0.0, 1e4, low_open=True),
    Key("power", "battery_to_rack_W_per_K", "float", 5.0, "W/K",
        "conductance battery - rack (estimate)", 0.0, 1e6),
    Key("power", "battery_radiator_coating", "str", "osr", "",
        "coating of the battery radiator (beginning-of-life optics; Scenario.default keeps them "
        "at end of life too)",
        choices=tuple(_COATINGS)),
    Key("power", "battery_min_K", "float", _C + 0.0, "K",
        "bottom of the battery operating window (0 C; estimate)", 150.0, 400.0),
    Key("power", "battery_max_K", "float", _C + 40.0, "K",
        "top of the battery operating window (40 C; estimate)", 150.0, 400.0),
    Key("power", "initial_soc", "float", None, "",
        "SOC at the start (default: the cell's soc_max)", 0.0, 1.0),
    # simulation -----------------------------------------------------------------------------
    Key("simulation", "step_s", "float", 10.0, "s",
        "longest time step (Rodas4; 10 s is within 0.1 K of a 10x finer step)", 0.5, 60.0),
    Key("simulation", "orbits", "int", 1, "", "reported orbits", 1, 50),
    Key("simulation", "warmup_orbits", "int", 3, "",
        "orbits run before the reported ones (periodic state)", 0, 50),
    # launch ---------------------------------------------------------------------------------
    Key("launch", "vehicle", "str", "falcon9", "",
        "falcon9 ($3,500/kg, 17.5 t reused), falcon-heavy ($1,500/kg, 63.8 t), starship "
        "(target $100/kg, 100 t), generic ($5,000/kg, 20 t) (REFERENCES.md)",
        choices=tuple(_launch.VEHICLES)),
    Key("launch", "price_per_kg_USD", "float", None, "USD/kg",
        "override the vehicle's price per kg", 0.0, 1e7, low_open=True),
    Key("launch", "payload_kg", "float", None, "kg", "override the vehicle's payload to LEO",
        0.0, 1e7, low_open=True),
    # mass -----------------------------------------------------------------------------------
    Key("mass", "radiator_panel_kg_m2", "float", 3.0, "kg/m^2",
        "radiator areal density (2/3/5 optimistic/central/conservative, REFERENCES.md)",
        0.0, 100.0),
    Key("mass", "radiator_fluid_kg_m2", "float", 0.2, "kg/m^2", "coolant in the radiator tubes "
        "(estimate)", 0.0, 100.0),
    Key("mass", "loop_kg_per_kW", "float", 10.0, "kg/kW",
        "pumps, accumulator, lines per kW of rack heat (estimate)", 0.0, 1e4),
    Key("mass", "array_specific_power_W_kg", "float", 150.0, "W/kg",
        "blanket arrays at AM0 BOL rating (NASA NTRS 20150006022)", 0.0, 1e5, low_open=True),
    Key("mass", "compute_kg_per_gpu", "float", 16.0, "kg",
        "GPU with host share (DGX H100 130 kg / 8; estimate)", 0.0, 1e4),
    Key("mass", "shielding_kg_per_kW", "float", 0.0, "kg/kW",
        "radiation shielding (Starcloud white paper: 1 kg/kW)", 0.0, 1e4),
    Key("mass", "other_kg", "float", 0.0, "kg", "any fixed mass (avionics, propulsion)",
        0.0, 1e8),
    Key("mass", "structure_fraction", "float", 0.20, "",
        "structure / subsystem mass (15-25 % typical; estimate)", 0.0, 2.0),
    Key("mass", "harness_fraction", "float", 0.05, "",
        "harness / subsystem mass (3-8 % typical; estimate)", 0.0, 2.0),
    # costs ----------------------------------------------------------------------------------
    Key("costs", "compute_USD_per_gpu", "float", 40_000.0, "USD",
        "GPU with host share (estimate: 8-GPU H100 systems ~$300-400k)", 0.0, 1e12),
    Key("costs", "array_USD_per_W", "float", 50.0, "USD/W", "solar array per rated W (estimate)",
        0.0, 1e12),
    Key("costs", "battery_USD_per_Wh", "float", 1.0, "USD/(W h)", "battery pack (estimate)",
        0.0, 1e12),
    Key("costs", "radiator_USD_per_m2", "float", 5000.0, "USD/m^2",
        "radiator panel and plumbing (estimate)", 0.0, 1e12),
    Key("costs", "other_USD", "float", 0.0, "USD", "any fixed cost", 0.0, 1e12),
    Key("costs", "mission_life_years", "float", 5.0, "yr",
        "years the costs are spread over", 0.0, 100.0, low_open=True),
    # requirements ---------------------------------------------------------------------------
    Key("requirements", "junction_max_K", "float", None, "K",
        "highest GPU junction temperature (default: the GPU's max operating, 87 C = 360.15 K)",
        200.0, 450.0),
    Key("requirements", "min_compute_fraction", "float", 0.99, "",
        "lowest orbit-average delivered compute", 0.0, 1.0),
    Key("requirements", "min_soc", "float", None, "",
        "lowest SOC (default: where load shedding begins)", 0.0, 1.0),
    Key("requirements", "freeze_margin_K", "float", 5.0, "K",
        "margin of the coldest coolant above freezing (estimate)", 0.0, 200.0),
    # optimize -------------------------------------------------------------------------------
    Key("optimize", "objective", "str", "launch_mass", "",
        "launch_mass [kg], launch_cost [USD] or cost_per_gpu_hour [USD/h]", choices=OBJECTIVES),
    Key("optimize", "free", "strs", list(DESIGN_FIELDS), "",
        "design fields the optimiser may change", choices=DESIGN_FIELDS),
    Key("optimize", "steps", "int", 200, "", "optimisation steps", 1, 100_000),
    Key("optimize", "starts", "int", 1, "", "starting designs (vmapped)", 1, 4096),
    Key("optimize", "seed", "int", 0, "", "seed of the extra starts", 0, 2**31 - 1),
    Key("optimize", "learning_rate", "float", 0.05, "",
        "initial Adam step in log space (0.05 = 5 % per step)", 0.0, 1.0, low_open=True),
    Key("optimize", "inner_steps", "int", 25, "", "steps between multiplier updates",
        1, 100_000),
    Key("optimize", "checkpoint_every", "int", 10, "", "steps between checkpoints", 1, 100_000),
    Key("optimize.bounds", "*", "bounds", {}, "field unit",
        "field = [low, high] in the field's unit (default x0/10 .. 10 x0)"),
    # trade ----------------------------------------------------------------------------------
    Key("trade", "vehicles", "strs", list(_launch.VEHICLES), "", "vehicles to compare",
        choices=tuple(_launch.VEHICLES)),
    Key("trade", "objective", "str", "cost_per_gpu_hour", "",
        "what each vehicle's design minimises", choices=OBJECTIVES),
    # sweep ----------------------------------------------------------------------------------
    Key("sweep", "method", "str", "grid", "",
        "grid (every combination of the [sweep.axes] values) or lhs (Latin hypercube: "
        "samples designs inside the axes' [low, high]; their counts are ignored)",
        choices=("grid", "lhs")),
    Key("sweep", "samples", "int", 64, "", "designs drawn by the lhs method", 1, 10_000_000),
    Key("sweep", "seed", "int", 0, "", "seed of the lhs method", 0, 2**31 - 1),
    Key("sweep", "spacing", "str", "linear", "", "spacing of every axis (grid points, or the "
        "strata of lhs)", choices=("linear", "log")),
    Key("sweep", "chunk_size", "int", 64, "", "designs evaluated per batch (memory)",
        1, 1_000_000),
    Key("sweep.axes", "*", "axes",
        {"radiator_area_m2": [60.0, 120.0, 7], "battery_capacity_Wh": [60e3, 140e3, 5]},
        "field unit", "field = [low, high, count]: a grid over design fields (the others "
        "from [design]) and scenario parameters ("
        + ", ".join(_sizing.SCENARIO_PARAMETERS) + ": replace that quantity of the scenario, "
        "case by case)"),
)

SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(k.section for k in _KEYS))
"""The sections of a configuration file, in the order ``thermaljax init`` writes them."""
KEYS: dict[str, dict[str, Key]] = {s: {k.name: k for k in _KEYS if k.section == s}
                                   for s in SECTIONS}
"""section -> key name -> :class:`Key` (``"*"`` for the tables of design fields)."""


# --------------------------------------------------------------------------------------------
# checking
# --------------------------------------------------------------------------------------------


def _suggest(name: str, options) -> str:
    lower = {o.lower(): o for o in options}
    match = difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=0.5)
    return f"; did you mean {lower[match[0]]}?" if match else ""


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.10g}"
    if isinstance(v, (str, list)):
        return json.dumps(v, default=str)
    return str(v)


def _range_text(key: Key) -> str:
    lo = "(" if key.low_open else "["
    unit = f" {key.unit}" if key.unit else ""
    return f"{lo}{key.low:g}, {key.high:g}]{unit}"


def _number(v, key: Key, where: str, integer: bool = False):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (integer and
                                                                  not isinstance(v, int)):
        what = "an integer" if integer else "a number"
        raise ConfigError(f"{where} = {_fmt(v)}: must be {what}"
                          + (f" in {_range_text(key)}" if key.low is not None else ""))
    if not math.isfinite(v):
        raise ConfigError(f"{where} = {v}: must be finite")
    if key.low is not None:
        below = v <= key.low if key.low_open else v < key.low
        if below or v > key.high:
            raise ConfigError(f"{where} = {_fmt(v)}: outside the allowed range "
                              f"{_range_text(key)}")
    return int(v) if integer else float(v)


def _choice(v, key: Key, where: str) -> str:
    if not isinstance(v, str):
        raise ConfigError(f"{where} = {_fmt(v)}: must be a string, one of "
                          f"{', '.join(key.choices)}")
    if v not in key.choices:
        raise ConfigError(f"{where} = {_fmt(v)}: must be one of {', '.join(key.choices)}"
                          + _suggest(v, key.choices))
    return v


def _check_value(v, key: Key, where: str):
    if key.kind == "float":
        return _number(v, key, where)
    if key.kind == "int":
        return _number(v, key, where, integer=True)
    if key.kind == "bool":
        if not isinstance(v, bool):
            raise ConfigError(f"{where} = {_fmt(v)}: must be true or false")
        return v
    if key.kind == "str":
        return _choice(v, key, where)
    if key.kind == "datetime":
        if not isinstance(v, _dt.datetime):
            raise ConfigError(f"{where} = {_fmt(v)}: must be a TOML date-time such as "
                              "2026-12-21T12:00:00Z")
        return v if v.tzinfo is not None else v.replace(tzinfo=_dt.timezone.utc)
    if key.kind in ("floats", "strs"):
        if not isinstance(v, list) or not v:
            raise ConfigError(f"{where} = {_fmt(v)}: must be a non-empty list")
        if key.kind == "floats":
            return [_number(x, key, f"{where}[{i}]") for i, x in enumerate(v)]
        out = [_choice(x, key, f"{where}[{i}]") for i, x in enumerate(v)]
        if len(set(out)) != len(out):
            raise ConfigError(f"{where} = {_fmt(v)}: lists a value twice")
        return out
    raise AssertionError(key.kind)


def _check_table(v, key: Key, where: str) -> dict:
    """``[optimize.bounds]`` (field = [low, high]) and ``[sweep.axes]`` (field = [low, high,
    count])."""
    if not isinstance(v, dict):
        raise ConfigError(f"{where}: must be a table")
    out = {}
    n = 2 if key.kind == "bounds" else 3
    shape = "[low, high]" if n == 2 else "[low, high, count]"
    for field, val in v.items():
        w = f"{where} {field}"
        params = _sizing.SCENARIO_PARAMETERS if n == 3 else {}
        if field not in DESIGN_FIELDS and field not in params:
            names = list(DESIGN_FIELDS) + list(params)
            raise ConfigError(f"{w}: unknown design field" + (" or scenario parameter"
                              if params else "") + f"{_suggest(field, names)} "
                              f"(fields: {', '.join(names)})")
        if field in params:
            p = params[field]
            unit = p.unit
            rng = Key(key.section, field, "float", None, unit, "", p.low, p.high)
        else:
            unit, hi, _ = _DESIGN_DOCS[field]
            rng = Key(key.section, field, "float", None, unit, "", 0.0, hi, low_open=True)
        if not isinstance(val, list) or len(val) != n:
            raise ConfigError(f"{w} = {_fmt(val)}: must be {shape} [{unit}]")
        lo_v = _number(val[0], rng, f"{w} low")
        hi_v = _number(val[1], rng, f"{w} high")
        if not lo_v < hi_v and not (n == 3 and lo_v == hi_v):
            raise ConfigError(f"{w} = {_fmt(val)}: low must be below high [{unit}]")
        row = [lo_v, hi_v]
        if n == 3:
            count = Key(key.section, field, "int", None, "points", "", 1, 10_000)
            row.append(_number(val[2], count, f"{w} count", integer=True))
        out[field] = row
    return out


def _defaults() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for k in _KEYS:
        v = k.default
        out.setdefault(k.section, {})
        if k.name == "*":
            out[k.section] = {f: list(r) for f, r in v.items()}
        else:
            out[k.section][k.name] = list(v) if isinstance(v, list) else v
    return out


def _merge(data: dict, source: str) -> dict[str, dict[str, Any]]:
    """Defaults overridden by ``data`` (parsed TOML), every key checked."""
    values = _defaults()
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: must be a table of sections")
    flat = {}
    for sec, body in data.items():  # flatten [optimize] bounds = {...} into "optimize.bounds"
        if isinstance(body, dict):
            flat.setdefault(sec, {})
            for name, v in body.items():
                if isinstance(v, dict) and f"{sec}.{name}" in KEYS:
                    flat[f"{sec}.{name}"] = v
                else:
                    flat.setdefault(sec, {})[name] = v
        else:
            flat[sec] = body
    for sec, body in flat.items():
        if sec not in KEYS:
            others = [s for s in KEYS if sec in KEYS[s]]
            hint = (f"; {sec} is a key: write it under [{others[0]}]" if others
                    else _suggest(sec, KEYS) or f" (sections: {', '.join(SECTIONS)})")
            raise ConfigError(f"{source}: unknown section [{sec}]{hint}")
        if not isinstance(body, dict):
            raise ConfigError(f"{source}: [{sec}] must be a table, got {_fmt(body)}")
        if "*" in KEYS[sec]:
            values[sec] = _check_table(body, KEYS[sec]["*"], f"{source}: [{sec}]")
            continue
        for name, v in body.items():
            where = f"{source}: [{sec}] {name}"
            key = KEYS[sec].get(name)
            if key is None:
                elsewhere = [s for s in KEYS if name in KEYS[s]]
                hint = (f"; {name} belongs in [{elsewhere[0]}]" if elsewhere
                        else _suggest(name, KEYS[sec]))
                raise ConfigError(f"{where} = {_fmt(v) if not isinstance(v, dict) else '{...}'}"
                                  f": unknown key{hint}")
            values[sec][name] = _check_value(v, key, where)
    return values


# --------------------------------------------------------------------------------------------
# building the objects
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Config:
    """A checked configuration: the effective values and the objects built from them.

    Attributes:
        values: section -> key -> value (defaults merged with the file; optional keys that
            were not given are ``None``).
        source: where it came from (file name, or ``<defaults>`` / ``<dict>``).
        design, scenario, vehicle, mass_model, costs, requirements: the built inputs.
    """

    values: dict
    source: str
    design: Design
    scenario: Scenario
    vehicle: _launch.LaunchVehicle
    mass_model: _mass.MassModel
    costs: _launch.CostModel
    requirements: Requirements

    @property
    def optimize_options(self) -> dict:
        """Keyword arguments of :func:`thermaljax.optimize` from ``[optimize]`` (all but the
        checkpoint interval) and the sizing inputs."""
        o = self.values["optimize"]
        return dict(objective=o["objective"], free=tuple(o["free"]), steps=o["steps"],
                    starts=o["starts"], seed=o["seed"], learning_rate=o["learning_rate"],
                    inner_steps=o["inner_steps"],
                    bounds={k: tuple(v) for k, v in self.values["optimize.bounds"].items()},
                    vehicle=self.vehicle, mass_model=self.mass_model, costs=self.costs,
                    requirements=self.requirements)

    def replace(self, **sections) -> "Config":
        """A copy with some keys changed, checked again: ``cfg.replace(design={...})``."""
        data = {s: dict(v) for s, v in self.values.items()}
        for sec, body in sections.items():
            if sec not in data:
                raise ConfigError(f"unknown section [{sec}]{_suggest(sec, data)}")
            if "*" in KEYS[sec]:
                data[sec] = dict(body)  # a table of design fields is replaced as a whole
            else:
                data[sec].update(body)
        data = {s: {k: v for k, v in b.items() if v is not None} for s, b in data.items()}
        return _build(_merge(_nest(data), self.source), self.source)


def _nest(values: dict) -> dict:
    """``{"optimize.bounds": {...}}`` -> ``{"optimize": {"bounds": {...}}}`` (TOML layout)."""
    out: dict = {}
    for sec, body in values.items():
        if "." in sec:
            top, sub = sec.split(".")
            out.setdefault(top, {})[sub] = body
        else:
            out.setdefault(sec, {}).update(body)
    return out


def _attitude(name: str):
    return {"edge-on-sun": lambda: _orbit.EdgeOnSun(),
            "zenith": lambda: _orbit.FixedLVLH((0.0, 0.0, -1.0)),
            "sun-tracking": lambda: _orbit.SunTracking(),
            "sun-tracking-1axis": lambda: _orbit.SunTracking((0.0, 1.0, 0.0))}[name]()


def _coating(name: str, eol: bool, absorptance=None, emissivity=None) -> Coating:
    c = _COATINGS[name][1 if eol else 0]
    if absorptance is None and emissivity is None:
        return c
    return Coating(c.absorptance if absorptance is None else absorptance,
                   c.emissivity if emissivity is None else emissivity,
                   f"{c.name}, user optics")


def _build(v: dict, source: str) -> Config:
    def part(section: str, make):
        try:
            return make()
        except ConfigError:
            raise
        except ValueError as exc:  # a rule across keys, checked by the constructor
            raise ConfigError(f"{source}: [{section}] {exc}") from None

    eol = v["scenario"]["end_of_life"]
    o, e, r, lp, pw, sm = (v[s] for s in ("orbit", "environment", "rack", "loop", "power",
                                          "simulation"))
    design = part("design", lambda: Design(**v["design"]))

    def make_orbit():
        if o["beta_deg"] is not None:
            return OrbitSpec(o["altitude_m"], math.radians(o["beta_deg"]))
        return OrbitSpec.dawn_dusk(o["altitude_m"], o["epoch"], o["ltan_hours"])

    orb = part("orbit", make_orbit)
    flux = e["solar_flux_W_m2"]
    if flux is None:
        flux = float(_orbit.solar_flux(_orbit.sun_position(o["epoch"]).distance_m))
    env = part("environment", lambda: EnvironmentSpec(
        flux, e["albedo"], e["olr_W_m2"], e["sink_temperature_K"], e["penumbra_smoothing_rad"]))
    rack = part("rack", lambda: RackSpec(
        _GPUS[r["gpu"]], r["n_gpus"], r["host_W_per_gpu"], r["network_W"], r["housekeeping_W"],
        r["utilisation_orbit_fraction"], r["utilisation"], r["gpu_heat_capacity_J_per_K"],
        r["rack_heat_capacity_J_per_K"]))
    loop = part("loop", lambda: LoopSpec(
        lp["coolant_cp_J_per_kg_K"], lp["coolant_density_kg_m3"], lp["coolant_freezing_K"],
        lp["pump_pressure_rise_Pa"], lp["pump_efficiency"], lp["n_segments"],
        _coating(lp["radiator_coating"], eol, lp["radiator_absorptance"],
                 lp["radiator_emissivity"]),
        lp["two_sided"], _attitude(lp["radiator_attitude"]),
        lp["radiator_heat_capacity_J_per_K_m2"]))
    pv_deg = pw["pv_degradation"] if pw["pv_degradation"] is not None else (0.89 if eol else 1.0)
    retention = (pw["battery_capacity_retention"] if pw["battery_capacity_retention"] is not None
                 else (0.80 if eol else 1.0))
    power = part("power", lambda: PowerSpec(
        cell=_CELLS[pw["pv_cell"]], packing_factor=pw["packing_factor"], pv_degradation=pv_deg,
        mppt_efficiency=pw["mppt_efficiency"], charge_efficiency=pw["charge_efficiency"],
        discharge_efficiency=pw["discharge_efficiency"],
        array_attitude=_attitude(pw["array_attitude"]),
        array_back_absorptance=pw["array_back_absorptance"],
        array_back_emissivity=pw["array_back_emissivity"],
        array_heat_capacity_J_per_K_m2=pw["array_heat_capacity_J_per_K_m2"],
        shunt_destination=pw["shunt_destination"], cells_in_series=pw["cells_in_series"],
        battery_capacity_retention=retention,
        battery_specific_energy_Wh_kg=pw["battery_specific_energy_Wh_kg"],
        battery_heat_capacity_J_kg_K=pw["battery_heat_capacity_J_kg_K"],
        battery_to_rack_W_per_K=pw["battery_to_rack_W_per_K"],
        battery_radiator_coating=_coating(pw["battery_radiator_coating"], False),
        battery_min_K=pw["battery_min_K"], battery_max_K=pw["battery_max_K"],
        initial_soc=pw["initial_soc"]))
    sim = part("simulation", lambda: SimulationSpec(sm["step_s"], sm["orbits"],
                                                    sm["warmup_orbits"]))
    scenario = part("scenario", lambda: Scenario(orb, env, rack, loop, power, sim))
    la = v["launch"]
    base = _launch.vehicle(la["vehicle"])
    vehicle = part("launch", lambda: _launch.LaunchVehicle(
        base.name if la["price_per_kg_USD"] is None and la["payload_kg"] is None
        else f"{base.name}, user prices",
        base.price_per_kg_USD if la["price_per_kg_USD"] is None else la["price_per_kg_USD"],
        base.payload_kg if la["payload_kg"] is None else la["payload_kg"]))
    mass_model = part("mass", lambda: _mass.MassModel(**v["mass"]))
    costs = part("costs", lambda: _launch.CostModel(**v["costs"]))
    requirements = part("requirements", lambda: Requirements(**v["requirements"]))
    free = v["optimize"]["free"]
    for field in v["optimize.bounds"]:
        if field not in free:
            raise ConfigError(f"{source}: [optimize.bounds] {field}: not a free field (free: "
                              f"{', '.join(free)})")
        lo, hi = v["optimize.bounds"][field]
        x0 = v["design"][field]
        if not lo <= x0 <= hi:
            raise ConfigError(f"{source}: [optimize.bounds] {field} = [{lo:g}, {hi:g}] does not "
                              f"contain the starting design's {field} = {x0:g}")
    if v["sweep"]["spacing"] == "log":
        for field, (lo, _, _) in v["sweep.axes"].items():
            if lo <= 0:
                raise ConfigError(f"{source}: [sweep.axes] {field}: log spacing needs low > 0")
    return Config(v, source, design, scenario, vehicle, mass_model, costs, requirements)


def from_dict(data: dict, source: str = "<dict>") -> Config:
    """A :class:`Config` from parsed TOML (a dict of sections); unnamed keys take defaults."""
    return _build(_merge(data, source), source)


def defaults() -> Config:
    """The embedded default configuration (the default design and scenario)."""
    return from_dict({}, "<defaults>")


def load(path: str | os.PathLike) -> Config:
    """Read and check a TOML configuration file.

    Raises:
        ConfigError: the file is missing, unreadable or not TOML, or a key is unknown, of the
            wrong type or out of range (the message names file, section, key and range).
    """
    path = Path(path)
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a configuration file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration file ({exc.strerror})") from None
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text (UTF-8) TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return from_dict(data, str(path))


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)  # shortest round-trip form; valid TOML for finite floats
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, _dt.datetime):
        return v.isoformat()
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} as TOML")


def _doc_line(key: Key) -> str:
    unit = f"[{key.unit}] " if key.unit and key.kind not in ("bounds", "axes") else ""
    rng = ""
    if key.low is not None:
        rng = f" Range {_range_text(key)}."
    elif key.choices and key.kind == "str":
        rng = f" One of: {', '.join(key.choices)}."
    return f"# {unit}{key.doc}.{rng}"


def to_toml(values: dict, *, comments: bool = True, header: str = "") -> str:
    """TOML text of configuration ``values`` (as in :attr:`Config.values`).

    With ``comments``, every key is preceded by its unit, meaning, source and range, and
    optional keys that are not set are written commented out.
    """
    lines = [f"# {h}" if h else "#" for h in header.splitlines()] if header else []
    for sec in SECTIONS:
        body = values.get(sec, {})
        if lines:
            lines.append("")
        lines.append(f"[{sec}]")
        if "*" in KEYS[sec]:
            if comments:
                lines.append(_doc_line(KEYS[sec]["*"]))
            for field, row in body.items():
                lines.append(f"{field} = {_toml_value(row)}")
            continue
        for name, key in KEYS[sec].items():
            v = body.get(name)
            if comments:
                lines.append(_doc_line(key))
            if v is None:
                if comments:
                    lines.append(f"# {name} =")
                continue
            lines.append(f"{name} = {_toml_value(v)}")
    return "\n".join(lines) + "\n"


def default_toml() -> str:
    """The full default configuration as commented TOML (what ``thermaljax init`` writes)."""
    from ._version import __version__

    return to_toml(defaults().values, header=(
        f"thermaljax {__version__} configuration: every key with its unit, meaning, source and "
        "allowed range.\nA file needs only the keys it changes; the others keep these "
        "defaults.\nUnits are in the key names (SI; W h for energy, deg for beta)."))
