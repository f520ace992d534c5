"""``trade_study``: the same rack optimised for each launch vehicle, side by side."""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from .. import launch as _launch
from ..system._spec import Design, Scenario
from ._optimize import DESIGN_FIELDS, OptimizeResult, optimize


@dataclasses.dataclass(frozen=True)
class TradeRow:
    """One vehicle's optimum (plain numbers, for tables and files)."""

    vehicle: str
    price_per_kg_USD: float
    payload_kg: float
    design: dict  # field -> value [field unit]
    launch_mass_kg: float
    launches: int
    launch_cost_USD: float
    hardware_cost_USD: float
    cost_per_gpu_hour_USD: float
    max_junction_K: float
    min_soc: float
    compute_fraction: float
    feasible: bool
    message: str


@dataclasses.dataclass(frozen=True)
class TradeStudy:
    """Result of :func:`trade_study`: one row per vehicle and the full optimiser results."""

    objective: str
    rows: tuple[TradeRow, ...]
    results: tuple[OptimizeResult, ...]

    def table(self) -> str:
        """A plain-text table of the rows."""
        head = (f"{'vehicle':<28}{'$/kg':>8}{'mass [kg]':>11}{'launches':>9}"
                f"{'launch [M$]':>12}{'hardware [M$]':>14}{'$/GPU-h':>9}  feasible")
        lines = [head, "-" * len(head)]
        for r in self.rows:
            lines.append(f"{r.vehicle:<28}{r.price_per_kg_USD:>8,.0f}{r.launch_mass_kg:>11,.0f}"
                         f"{r.launches:>9d}{r.launch_cost_USD / 1e6:>12.2f}"
                         f"{r.hardware_cost_USD / 1e6:>14.2f}{r.cost_per_gpu_hour_USD:>9.2f}  "
                         f"{'yes' if r.feasible else 'NO'}")
        return "\n".join(lines)


def trade_study(scenarios: Scenario | Sequence[Scenario],
                vehicles: Sequence[_launch.LaunchVehicle] | None = None, *,
                objective: str = "cost_per_gpu_hour", design0: Design | None = None,
                **optimize_options) -> TradeStudy:
    """Optimise the design for each launch vehicle and report mass and cost side by side.

    With ``objective="launch_mass"`` the optimum is the same for every vehicle (only the bill
    changes); with ``"launch_cost"`` likewise (cost is mass times a price); with the default
    ``"cost_per_gpu_hour"`` the balance between launch price and hardware price can move the
    optimum (e.g. a cheap launch favours heavier, cheaper hardware). Every vehicle shares one
    compiled optimiser step (prices are traced, not compiled in).

    Args:
        scenarios: one scenario or a list (robust design), as in :func:`optimize`.
        vehicles: launch vehicles (default the four presets of :data:`launch.VEHICLES`).
        objective: one of :data:`OBJECTIVES`.
        design0: starting design (default :meth:`Design.default`).
        **optimize_options: passed to :func:`optimize` (``free``, ``bounds``, ``steps``,
            ``starts``, ``requirements``, ``mass_model``, ``costs``, ...).

    Returns:
        :class:`TradeStudy`.
    """
    vehicles = tuple(_launch.VEHICLES.values()) if vehicles is None else tuple(vehicles)
    if not vehicles:
        raise ValueError("vehicles must hold at least one thermaljax.launch.LaunchVehicle")
    for i, v in enumerate(vehicles):
        if not isinstance(v, _launch.LaunchVehicle):
            raise ValueError(f"vehicles[{i}] must be a thermaljax.launch.LaunchVehicle, got "
                             f"{type(v).__name__}")
    rows, results = [], []
    f = lambda x: float(np.asarray(x))  # noqa: E731
    for v in vehicles:
        res = optimize(scenarios, design0, objective=objective, vehicle=v, **optimize_options)
        ev = res.evaluation
        rows.append(TradeRow(
            vehicle=v.name, price_per_kg_USD=f(v.price_per_kg_USD), payload_kg=f(v.payload_kg),
            design={k: f(getattr(res.design, k)) for k in DESIGN_FIELDS},
            launch_mass_kg=f(ev.launch_mass_kg),
            launches=int(_launch.number_of_launches(f(ev.launch_mass_kg), v)),
            launch_cost_USD=f(ev.launch_cost_USD), hardware_cost_USD=f(ev.hardware_cost_USD),
            cost_per_gpu_hour_USD=f(ev.cost_per_gpu_hour_USD),
            max_junction_K=f(ev.max_junction_K), min_soc=f(ev.min_soc),
            compute_fraction=f(ev.compute_fraction), feasible=res.feasible,
            message=res.message))
        results.append(res)
    return TradeStudy(objective, tuple(rows), tuple(results))
