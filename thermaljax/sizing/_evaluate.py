"""``evaluate(design, scenarios)``: objective, constraints and the metrics behind them.

One evaluation simulates the design in every scenario (``record=False``: summaries only) and
combines the results with the mass, launch and cost models:

* constraints ``g <= 0`` when satisfied, in physical units (see :data:`CONSTRAINTS`), taken
  as the worst case over the scenarios (a thermal engineer's hot and cold cases at once);
* metrics: launch mass and its breakdown, launch cost, launches (continuous), hardware cost,
  cost per delivered GPU-hour, and the worst-case temperatures, SOC and compute;
* ``objective``: launch mass [kg], launch cost [USD] or cost per delivered GPU-hour [USD/h].

Scenarios with the same structure (same static fields and array shapes) are stacked and run
under one ``vmap``, so a list of hot/cold/beginning/end-of-life cases that differ only in
numbers compiles once. Everything is a pure function of the design: ``jit``, ``vmap`` and
``grad`` go through it.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from .. import launch as _launch
from .. import mass as _mass
from .._checks import check_range, float_leaf
from ..system._simulate import _dtype, _simulate, steps_per_orbit
from ..system._spec import Design, Scenario

OBJECTIVES = ("launch_mass", "launch_cost", "cost_per_gpu_hour")
"""Selectable objectives: launch mass [kg], launch cost [USD], cost per delivered GPU-hour
[USD/h]."""


class ConstraintInfo(NamedTuple):
    """How a constraint is reported and scaled (``g <= 0`` when satisfied)."""

    unit: str
    scale: float  # the optimiser works with g / scale
    tolerance: float  # g <= tolerance counts as satisfied [unit]
    meaning: str


CONSTRAINTS: dict[str, ConstraintInfo] = {
    "junction_K": ConstraintInfo(
        "K", 1.0, 0.05, "max GPU junction temperature minus its limit"),
    "battery_hot_K": ConstraintInfo(
        "K", 1.0, 0.05, "max battery temperature minus the top of its window"),
    "battery_cold_K": ConstraintInfo(
        "K", 1.0, 0.05, "bottom of the battery window minus the min battery temperature"),
    "coolant_freeze_K": ConstraintInfo(
        "K", 1.0, 0.05, "coolant freezing point plus margin minus the coldest radiator segment"),
    "min_soc": ConstraintInfo(
        "-", 0.01, 1e-4, "required minimum SOC minus the lowest SOC over the orbit"),
    "energy_balance": ConstraintInfo(
        "-", 1e-3, 1e-5, "SOC at the start minus SOC at the end of the reported orbits"),
    "compute": ConstraintInfo(
        "-", 0.01, 1e-4, "required compute fraction minus the delivered (orbit average)"),
}
"""The constraints of :func:`evaluate`, in order: unit, the scale the optimiser divides by
(about what one unit of objective trades against), the tolerance within which a value counts
as satisfied (the accuracy of the simulation: 0.05 K, 1e-4 in SOC), and the meaning."""


class Requirements(eqx.Module):
    """What the design must achieve (limits of the constraints; float leaves).

    Attributes:
        junction_max_K: highest allowed GPU junction temperature [K]; default ``None`` = the
            GPU's maximum operating temperature (87 C for Hopper, nvidia-smi thresholds).
        min_compute_fraction: lowest allowed orbit-average delivered compute, as a fraction
            of the scheduled [-]; default 0.99.
        min_soc: lowest allowed SOC [-]; default ``None`` = where load shedding begins (the
            cell's ``soc_min`` plus the scenario's ``soc_switch_width``).
        freeze_margin_K: margin the coldest coolant keeps above its freezing point [K];
            default 5 K (estimate).
    """

    junction_max_K: Float[Array, ""] | None
    min_compute_fraction: Float[Array, ""]
    min_soc: Float[Array, ""] | None
    freeze_margin_K: Float[Array, ""]

    def __init__(self, junction_max_K=None, min_compute_fraction=0.99, min_soc=None,
                 freeze_margin_K=5.0):
        f = lambda x: None if x is None else float_leaf(x)  # noqa: E731
        if junction_max_K is not None:
            check_range("junction_max_K", junction_max_K, "K", low=200.0, high=500.0)
        check_range("min_compute_fraction", min_compute_fraction, "(fraction)", low=0.0,
                    high=1.0)
        if min_soc is not None:
            check_range("min_soc", min_soc, "(fraction)", low=0.0, high=1.0)
        check_range("freeze_margin_K", freeze_margin_K, "K", low=-100.0, high=200.0)
        self.junction_max_K = f(junction_max_K)
        self.min_compute_fraction = f(min_compute_fraction)
        self.min_soc = f(min_soc)
        self.freeze_margin_K = f(freeze_margin_K)


class Evaluation(eqx.Module):
    """Result of :func:`evaluate` (a pytree; every field an array).

    Attributes:
        objective: the selected objective (``launch_mass`` [kg], ``launch_cost`` [USD],
            ``cost_per_gpu_hour`` [USD/h]).
        constraints: name -> worst case over the scenarios, ``<= 0`` when satisfied, in the
            unit of :data:`CONSTRAINTS`.
        scenario_constraints: name -> (n_scenarios,) value in each scenario, in the order given.
        launch_mass_kg: total launch mass [kg]; ``mass`` its breakdown.
        launch_cost_USD: mass x price [USD]; launches: mass / payload (continuous) [-].
        hardware_cost_USD: [USD]; cost_per_gpu_hour_USD: (launch + hardware) / delivered
            GPU-hours over the mission life [USD/h].
        max_junction_K, battery_min_K, battery_max_K, radiator_min_K: worst case [K].
        min_soc, soc_change, compute_fraction: worst case [-].
        status: largest simulation status code (0 = every scenario succeeded).
    """

    objective: Array
    constraints: dict[str, Array]
    scenario_constraints: dict[str, Array]
    launch_mass_kg: Array
    mass: _mass.MassBreakdown
    launch_cost_USD: Array
    launches: Array
    hardware_cost_USD: Array
    cost_per_gpu_hour_USD: Array
    max_junction_K: Array
    battery_min_K: Array
    battery_max_K: Array
    radiator_min_K: Array
    min_soc: Array
    soc_change: Array
    compute_fraction: Array
    status: Array


class _Prices(eqx.Module):
    """The numbers of a :class:`LaunchVehicle` without its (static) name, so that every
    vehicle shares one compiled program."""

    price_per_kg_USD: Array
    payload_kg: Array


class _Group(eqx.Module):
    """Scenarios of one structure, stacked along a leading axis, with their limits."""

    scenarios: Scenario
    limits: dict[str, Array]  # (k,) per scenario
    steps: int = eqx.field(static=True)
    order: tuple[int, ...] = eqx.field(static=True)  # positions in the user's list


class Problem(eqx.Module):
    """Everything :func:`evaluate` needs besides the design (built by :func:`problem`)."""

    groups: tuple[_Group, ...]
    first: Scenario  # for the design-independent parts of mass and cost (rack, technology)
    mass_model: _mass.MassModel
    costs: _launch.CostModel
    prices: _Prices
    objective_weights: Array  # (3,) one-hot over OBJECTIVES (a leaf: one program for all)
    n_scenarios: int = eqx.field(static=True)

    @property
    def objective(self) -> str:
        """Name of the selected objective."""
        return OBJECTIVES[int(jnp.argmax(self.objective_weights))]


def _as_list(scenarios) -> list[Scenario]:
    if isinstance(scenarios, Scenario):
        return [scenarios]
    try:
        out = list(scenarios)
    except TypeError:
        raise ValueError("scenario must be a thermaljax.Scenario or a sequence of them, got "
                         f"{type(scenarios).__name__}") from None
    if not out:
        raise ValueError("scenarios must hold at least one thermaljax.Scenario, got none")
    for i, s in enumerate(out):
        if not isinstance(s, Scenario):
            raise ValueError(f"scenarios[{i}] must be a thermaljax.Scenario, got "
                             f"{type(s).__name__}")
    return out


def _limits(s: Scenario, req: Requirements) -> dict[str, Array]:
    f = float_leaf
    cell, pw = s.power.battery_cell, s.power
    return {
        "junction_max_K": f(s.rack.gpu.max_operating_K if req.junction_max_K is None
                            else req.junction_max_K),
        "battery_max_K": f(pw.battery_max_K), "battery_min_K": f(pw.battery_min_K),
        "freeze_K": f(s.loop.coolant_freezing_K + req.freeze_margin_K),
        "min_soc": f(cell.soc_min + pw.soc_switch_width if req.min_soc is None else req.min_soc),
        "min_compute": f(req.min_compute_fraction),
        "mean_utilisation": _mean_utilisation(s),
    }


def _mean_utilisation(s: Scenario) -> Array:
    """Orbit average of the piecewise-linear utilisation schedule (held flat beyond its ends)."""
    rk = s.rack
    x = jnp.concatenate([jnp.zeros(1), rk.utilisation_orbit_fraction, jnp.ones(1)])
    y = jnp.interp(x, rk.utilisation_orbit_fraction, rk.utilisation)
    return jnp.sum(0.5 * (y[1:] + y[:-1]) * jnp.diff(x))


def problem(scenarios, *, objective: str = "launch_mass",
            vehicle: _launch.LaunchVehicle = _launch.FALCON_9,
            mass_model: _mass.MassModel | None = None, costs: _launch.CostModel | None = None,
            requirements: Requirements | None = None) -> Problem:
    """Validate and bundle the inputs of :func:`evaluate` (done once, before any tracing)."""
    scen = _as_list(scenarios)
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")
    for name, value, kind in (("vehicle", vehicle, _launch.LaunchVehicle),
                              ("mass_model", mass_model, _mass.MassModel),
                              ("costs", costs, _launch.CostModel),
                              ("requirements", requirements, Requirements)):
        if value is not None and not isinstance(value, kind):
            raise ValueError(f"{name} must be a {kind.__module__}.{kind.__name__}, got "
                             f"{type(value).__name__}")
    req = Requirements() if requirements is None else requirements
    # Group scenarios that can be stacked (same tree structure and leaf shapes).
    keys: dict = {}
    for i, s in enumerate(scen):
        leaves, tdef = jax.tree.flatten(s)
        key = (tdef, tuple(jnp.shape(x) for x in leaves))
        keys.setdefault(key, []).append(i)
    groups = []
    stack = lambda *xs: jnp.stack([jnp.asarray(x) for x in xs])  # noqa: E731
    for idx in keys.values():
        members = [scen[i] for i in idx]
        stacked = jax.tree.map(stack, *members)
        limits = jax.tree.map(stack, *[_limits(s, req) for s in members])
        steps = max(steps_per_orbit(s) for s in members)
        groups.append(_Group(stacked, limits, steps, tuple(idx)))
    v = vehicle
    return Problem(tuple(groups), scen[0], _mass.MassModel() if mass_model is None else mass_model,
                   _launch.CostModel() if costs is None else costs,
                   _Prices(v.price_per_kg_USD, v.payload_kg),
                   jnp.asarray([float(o == objective) for o in OBJECTIVES]), len(scen))


def _scenario_constraints(summary, lim) -> dict[str, Array]:
    s = summary
    return {
        "junction_K": s.max_junction_K - lim["junction_max_K"],
        "battery_hot_K": s.battery_max_K - lim["battery_max_K"],
        "battery_cold_K": lim["battery_min_K"] - s.battery_min_K,
        "coolant_freeze_K": lim["freeze_K"] - s.radiator_min_K,
        "min_soc": lim["min_soc"] - s.min_soc,
        "energy_balance": -s.soc_change,
        "compute": lim["min_compute"] - s.compute_fraction,
    }


def evaluate_problem(design: Design, prob: Problem) -> Evaluation:
    """:func:`evaluate` on a prepared :class:`Problem` (pure: ``jit``, ``vmap``, ``grad``)."""
    dtype = _dtype(design, prob.first)
    per = {k: [None] * prob.n_scenarios for k in CONSTRAINTS}
    summaries, utils, statuses = [], [], []
    for g in prob.groups:
        def one(scenario, lim, g=g):
            r = _simulate(design, scenario, g.steps, False, dtype)
            return r.summary, _scenario_constraints(r.summary, lim), r.status

        summ, cons, status = jax.vmap(one)(g.scenarios, g.limits)
        for k in CONSTRAINTS:
            for j, i in enumerate(g.order):
                per[k][i] = cons[k][j]
        summaries.append(summ)
        utils.append(g.limits["mean_utilisation"])
        statuses.append(status)
    scen_cons = {k: jnp.stack(v) for k, v in per.items()}
    worst = {k: jnp.max(v) for k, v in scen_cons.items()}
    cat = lambda name: jnp.concatenate([getattr(s, name) for s in summaries])  # noqa: E731

    s0 = prob.first
    m = _mass.mass_breakdown(design, s0, prob.mass_model)
    launch_cost = _launch.launch_cost_USD(m.total_kg, prob.prices)
    hardware = _launch.hardware_cost_USD(design, s0, prob.costs)
    compute = jnp.min(cat("compute_fraction"))
    utilisation = jnp.min(jnp.concatenate(utils))
    gpu_hours = (s0.rack.n_gpus * utilisation * compute * prob.costs.mission_life_years
                 * _launch.HOURS_PER_YEAR)
    per_hour = (launch_cost + hardware) / jnp.maximum(gpu_hours, 1e-9)
    candidates = {"launch_mass": m.total_kg, "launch_cost": launch_cost,
                  "cost_per_gpu_hour": per_hour}
    objective = sum(w * candidates[k] for w, k in zip(prob.objective_weights, OBJECTIVES))
    return Evaluation(
        objective=objective, constraints=worst, scenario_constraints=scen_cons,
        launch_mass_kg=m.total_kg, mass=m, launch_cost_USD=launch_cost,
        launches=m.total_kg / prob.prices.payload_kg, hardware_cost_USD=hardware,
        cost_per_gpu_hour_USD=per_hour, max_junction_K=jnp.max(cat("max_junction_K")),
        battery_min_K=jnp.min(cat("battery_min_K")), battery_max_K=jnp.max(cat("battery_max_K")),
        radiator_min_K=jnp.min(cat("radiator_min_K")), min_soc=jnp.min(cat("min_soc")),
        soc_change=jnp.min(cat("soc_change")), compute_fraction=compute,
        status=jnp.max(jnp.concatenate(statuses)))


_evaluate_jit = eqx.filter_jit(evaluate_problem)


def evaluate(design: Design, scenarios: Scenario | Sequence[Scenario], *,
             objective: str = "launch_mass", vehicle: _launch.LaunchVehicle = _launch.FALCON_9,
             mass_model: _mass.MassModel | None = None, costs: _launch.CostModel | None = None,
             requirements: Requirements | None = None) -> Evaluation:
    """Objective, constraints and metrics of one design.

    To batch designs, ``jax.vmap`` :func:`evaluate_problem` over them with the
    :class:`Problem` from :func:`problem` (prepared once, outside the transformation).

    Args:
        design: :class:`thermaljax.Design`.
        scenarios: one :class:`thermaljax.Scenario` or a sequence (robust design: the
            constraints and the temperature/SOC/compute metrics are the worst case over them;
            mass and hardware cost use the first scenario's rack and technology).
        objective: one of :data:`OBJECTIVES`.
        vehicle: :class:`thermaljax.launch.LaunchVehicle` (default Falcon 9, reused).
        mass_model: :class:`thermaljax.mass.MassModel` (default coefficients).
        costs: :class:`thermaljax.launch.CostModel` (hardware prices, mission life).
        requirements: :class:`Requirements` (limits).

    Returns:
        :class:`Evaluation`. Cost per GPU-hour uses the lowest delivered compute and
        scheduled utilisation over the scenarios (conservative).

    Example:
        >>> import thermaljax as tj
        >>> from thermaljax.system import SimulationSpec
        >>> sc = tj.Scenario.default().replace(simulation=SimulationSpec(step_s=60.0,
        ...                                                           warmup_orbits=1))
        >>> ev = tj.evaluate(tj.Design.default(), sc)
        >>> sorted(ev.constraints)[:3]
        ['battery_cold_K', 'battery_hot_K', 'compute']
        >>> bool(ev.constraints["junction_K"] < 0)
        True
    """
    if not isinstance(design, Design):
        raise ValueError(f"design must be a thermaljax.Design, got {type(design).__name__}")
    prob = problem(scenarios, objective=objective, vehicle=vehicle, mass_model=mass_model,
                   costs=costs, requirements=requirements)
    return _evaluate_jit(design, prob)
