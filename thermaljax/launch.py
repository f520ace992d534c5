"""Launch vehicles, launch cost, hardware cost and the cost of a delivered GPU-hour.

    launch cost      = m_total c_kg                       (continuous: what an optimiser sees)
    launches         = ceil(m_total / m_payload)          (an integer, for reports)
    hardware cost    = N_gpu c_gpu + P_rated c_W + E_batt c_Wh + A_rad,total c_m2 + c_other
    cost / GPU-hour  = (launch + hardware) / (N_gpu u_mean f_compute L 8766 h/yr)

with ``u_mean`` the scheduled utilisation averaged over the orbit, ``f_compute`` the delivered
fraction of it (throttling and load shedding) and ``L`` the mission life in years.

References:
    REFERENCES.md beside the repository: Falcon 9 ~17.5 t reused to LEO at ~$3,000-4,000/kg;
    Falcon Heavy 63.8 t at ~$1,500/kg; Starship 100-150 t with a $100/kg target; Chinese and
    Russian launchers ~$4,000-6,000/kg; Project Suncatcher (arXiv:2511.19468): <= $200/kg by
    the mid-2030s makes orbit competitive. Hardware prices are estimates (marked on each field).
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from . import pv
from ._checks import check_range
from ._checks import float_leaf as _f

__all__ = ["LaunchVehicle", "FALCON_9", "FALCON_HEAVY", "STARSHIP", "GENERIC", "VEHICLES",
           "vehicle", "launch_cost_USD", "number_of_launches", "CostModel", "hardware_cost_USD",
           "HOURS_PER_YEAR"]

HOURS_PER_YEAR = 8766.0
"""Hours in a Julian year (365.25 d)."""


class LaunchVehicle(eqx.Module):
    """A launch vehicle: price per kilogram and payload per launch to the target orbit.

    Attributes:
        price_per_kg_USD: launch price per kilogram of payload [USD/kg], > 0.
        payload_kg: payload mass per launch [kg], > 0.
        name: label (static).
    """

    price_per_kg_USD: Float[Array, ""]
    payload_kg: Float[Array, ""]
    name: str = eqx.field(static=True)

    def __init__(self, name: str, price_per_kg_USD, payload_kg):
        check_range("price_per_kg_USD", price_per_kg_USD, "USD/kg", low=0.0, high=1e6,
                    low_inclusive=False)
        check_range("payload_kg", payload_kg, "kg", low=0.0, high=1e7, low_inclusive=False)
        self.name = str(name)
        self.price_per_kg_USD = _f(price_per_kg_USD)
        self.payload_kg = _f(payload_kg)


FALCON_9 = LaunchVehicle("Falcon 9 (reused)", 3500.0, 17_500.0)
"""Falcon 9 with booster reuse: ~17.5 t to LEO at ~$3,500/kg (middle of $3,000-4,000/kg;
REFERENCES.md)."""
FALCON_HEAVY = LaunchVehicle("Falcon Heavy", 1500.0, 63_800.0)
"""Falcon Heavy: 63.8 t to LEO at ~$1,500/kg (SpaceX list price; REFERENCES.md)."""
STARSHIP = LaunchVehicle("Starship (target)", 100.0, 100_000.0)
"""Starship as targeted: 100 t to LEO (low end of 100-150 t) at $100/kg (REFERENCES.md)."""
GENERIC = LaunchVehicle("generic (Chinese/Russian)", 5000.0, 20_000.0)
"""A generic medium-heavy launcher: $5,000/kg (middle of $4,000-6,000/kg, REFERENCES.md);
20 t payload (estimate)."""

VEHICLES: dict[str, LaunchVehicle] = {
    "falcon9": FALCON_9, "falcon-heavy": FALCON_HEAVY, "starship": STARSHIP,
    "generic": GENERIC,
}
"""The presets by short name (the names the command line accepts)."""


def vehicle(name: str) -> LaunchVehicle:
    """The preset called ``name`` (one of :data:`VEHICLES`)."""
    if name not in VEHICLES:
        raise ValueError(f"unknown launch vehicle {name!r}; choose one of {sorted(VEHICLES)}")
    return VEHICLES[name]


def launch_cost_USD(mass_kg, launcher: LaunchVehicle) -> Array:
    """Launch cost [USD] = mass [kg] x ``launcher.price_per_kg_USD`` [USD/kg] (continuous)."""
    return jnp.asarray(mass_kg) * launcher.price_per_kg_USD


def number_of_launches(mass_kg, launcher: LaunchVehicle) -> np.ndarray | int:
    """Launches needed to lift ``mass_kg`` (an integer count, for reports; not differentiable).

    Example:
        >>> number_of_launches(40_000.0, FALCON_9)
        3
    """
    n = np.ceil(np.asarray(mass_kg, dtype=np.float64) / float(launcher.payload_kg))
    n = np.maximum(n, 1).astype(np.int64)
    return int(n) if n.ndim == 0 else n


class CostModel(eqx.Module):
    """Hardware prices and mission life for the cost of a delivered GPU-hour.

    Attributes:
        compute_USD_per_gpu: one GPU with its host share [USD]; default 40,000 (estimate:
            8-GPU H100 systems list at ~$300,000-400,000).
        array_USD_per_W: solar array per W of rated power (AM0, 28 C, BOL) [USD/W]; default
            50 (estimate between traditional space arrays, hundreds of $/W, and mass-produced
            constellation arrays).
        battery_USD_per_Wh: battery pack per W h [USD/(W h)]; default 1.0 (estimate; space
            packs cost several times terrestrial ~$0.15/Wh packs).
        radiator_USD_per_m2: radiator panel and plumbing per m^2 [USD/m^2]; default 5,000
            (estimate).
        other_USD: any fixed cost (bus, integration, operations) [USD]; default 0.
        mission_life_years: years of operation the costs are spread over [yr]; default 5
            (the 5-year life of the REFERENCES.md degradation and dose figures).
    """

    compute_USD_per_gpu: Float[Array, ""]
    array_USD_per_W: Float[Array, ""]
    battery_USD_per_Wh: Float[Array, ""]
    radiator_USD_per_m2: Float[Array, ""]
    other_USD: Float[Array, ""]
    mission_life_years: Float[Array, ""]

    def __init__(self, compute_USD_per_gpu=40_000.0, array_USD_per_W=50.0,
                 battery_USD_per_Wh=1.0, radiator_USD_per_m2=5000.0, other_USD=0.0,
                 mission_life_years=5.0):
        for name, value, unit in (("compute_USD_per_gpu", compute_USD_per_gpu, "USD"),
                                  ("array_USD_per_W", array_USD_per_W, "USD/W"),
                                  ("battery_USD_per_Wh", battery_USD_per_Wh, "USD/(W h)"),
                                  ("radiator_USD_per_m2", radiator_USD_per_m2, "USD/m^2"),
                                  ("other_USD", other_USD, "USD")):
            check_range(name, value, unit, low=0.0, high=1e12)
        check_range("mission_life_years", mission_life_years, "yr", low=0.0, high=100.0,
                    low_inclusive=False)
        self.compute_USD_per_gpu = _f(compute_USD_per_gpu)
        self.array_USD_per_W = _f(array_USD_per_W)
        self.battery_USD_per_Wh = _f(battery_USD_per_Wh)
        self.radiator_USD_per_m2 = _f(radiator_USD_per_m2)
        self.other_USD = _f(other_USD)
        self.mission_life_years = _f(mission_life_years)


def hardware_cost_USD(design, scenario, costs: CostModel) -> Array:
    """Hardware cost [USD] of ``design`` (see the module equations)."""
    pw = scenario.power
    rated_W = pv.rated_power_W(design.array_area_m2, pw.cell, pw.packing_factor)
    return (costs.compute_USD_per_gpu * scenario.rack.n_gpus + costs.array_USD_per_W * rated_W
            + costs.battery_USD_per_Wh * design.battery_capacity_Wh
            + costs.radiator_USD_per_m2 * (design.radiator_area_m2
                                           + design.battery_radiator_area_m2)
            + costs.other_USD)

