"""Launch mass of an orbiting GPU rack, by subsystem.

    m_radiator = (rho_panel + rho_fluid) A_rad + rho_panel A_batt_rad
    m_loop     = k_loop P_rack / 1 kW                  (pumps, lines, manifolds, accumulator)
    m_array    = A_arr f_pack eta_ref S_0 / s_arr      (s_arr: array specific power [W/kg],
                                                        at the AM0 28 C beginning-of-life rating)
    m_battery  = E_batt / e_pack                       (pack specific energy of the scenario's
                                                        :class:`~thermaljax.system.PowerSpec`)
    m_compute  = N_gpu m_gpu                            (GPU, its host share, cold plates)
    m_sub      = sum of the above + shielding k_sh P_rack + m_other
    m_total    = m_sub (1 + f_structure + f_harness)

``P_rack`` is the rack's nominal heat load (every GPU at TDP plus hosts, network and
housekeeping), the design point of the coolant loop. Every term is differentiable in the
:class:`~thermaljax.system.Design`; every coefficient is a field of :class:`MassModel` with
its source, and the estimates are marked as such.

References:
    REFERENCES.md beside the repository: radiator panels 2 / 3 / 5 kg/m^2 (estimate); ISS
    heat rejection ~10 W/kg at system level; flexible blanket arrays ~150 W/kg (NASA NTRS
    20150006022); Li-ion packs 100-150 Wh/kg (estimate); 1 kg/kW shielding (Starcloud white
    paper).
    NVIDIA DGX H100 datasheet: 130.45 kg for an 8-GPU system (~16 kg per GPU with its host).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from . import pv
from ._checks import check_range, float_leaf

__all__ = ["MassModel", "MassBreakdown", "mass_breakdown", "rack_heat_load_W"]


def _leaf(name: str, x, unit: str, high: float, *, positive: bool = False) -> Array:
    check_range(name, x, unit, low=0.0, high=high, low_inclusive=not positive)
    return float_leaf(x)


class MassModel(eqx.Module):
    """Mass coefficients of each subsystem (SI units; all fields are leaves ``grad`` can see).

    Attributes:
        radiator_panel_kg_m2: radiator panel areal density [kg/m^2] (per m^2 of planform, both
            faces of a deployed panel included); default 3.0, the central value of
            REFERENCES.md (2 / 3 / 5 kg/m^2 optimistic / central / conservative; estimate).
            Also used for the battery's radiator.
        radiator_fluid_kg_m2: coolant held in the radiator tubes [kg/m^2]; default 0.2
            (estimate, the same inventory as :class:`~thermaljax.system.LoopSpec`'s heat
            capacity).
        loop_kg_per_kW: pumps, accumulator, lines, manifolds and the rack's coolant per kW of
            nominal rack heat [kg/kW]; default 10 (estimate; the ISS system-level figure of
            ~10 W/kg, i.e. ~100 kg/kW, includes its heavy panels and two redundant loops).
        array_specific_power_W_kg: array specific power at the AM0, 28 C beginning-of-life
            rating [W/kg]; default 150, state-of-the-art flexible blanket arrays (NASA NTRS
            20150006022; flight arrays span ~30-150 W/kg, iROSA ~59 W/kg).
        compute_kg_per_gpu: one GPU with its share of host, cold plates and chassis [kg];
            default 16 (NVIDIA DGX H100: 130.45 kg for 8 GPUs; estimate for a flight build).
        shielding_kg_per_kW: radiation shielding per kW of rack power [kg/kW]; default 0
            (the Starcloud white paper budgets 1 kg/kW; set it to include shielding).
        other_kg: any fixed mass (avionics, propulsion, docking) [kg]; default 0.
        structure_fraction: primary and secondary structure as a fraction of the subsystem
            mass [-]; default 0.20 (estimate; spacecraft structure is typically 15-25 % of
            dry mass).
        harness_fraction: cabling as a fraction of the subsystem mass [-]; default 0.05
            (estimate; 3-8 % is typical).
    """

    radiator_panel_kg_m2: Float[Array, ""]
    radiator_fluid_kg_m2: Float[Array, ""]
    loop_kg_per_kW: Float[Array, ""]
    array_specific_power_W_kg: Float[Array, ""]
    compute_kg_per_gpu: Float[Array, ""]
    shielding_kg_per_kW: Float[Array, ""]
    other_kg: Float[Array, ""]
    structure_fraction: Float[Array, ""]
    harness_fraction: Float[Array, ""]

    def __init__(self, radiator_panel_kg_m2=3.0, radiator_fluid_kg_m2=0.2, loop_kg_per_kW=10.0,
                 array_specific_power_W_kg=150.0, compute_kg_per_gpu=16.0,
                 shielding_kg_per_kW=0.0, other_kg=0.0, structure_fraction=0.20,
                 harness_fraction=0.05):
        self.radiator_panel_kg_m2 = _leaf("radiator_panel_kg_m2", radiator_panel_kg_m2,
                                          "kg/m^2", 100.0)
        self.radiator_fluid_kg_m2 = _leaf("radiator_fluid_kg_m2", radiator_fluid_kg_m2,
                                          "kg/m^2", 100.0)
        self.loop_kg_per_kW = _leaf("loop_kg_per_kW", loop_kg_per_kW, "kg/kW", 1e4)
        self.array_specific_power_W_kg = _leaf(
            "array_specific_power_W_kg", array_specific_power_W_kg, "W/kg", 1e5, positive=True)
        self.compute_kg_per_gpu = _leaf("compute_kg_per_gpu", compute_kg_per_gpu, "kg", 1e4)
        self.shielding_kg_per_kW = _leaf("shielding_kg_per_kW", shielding_kg_per_kW, "kg/kW",
                                         1e4)
        self.other_kg = _leaf("other_kg", other_kg, "kg", 1e8)
        self.structure_fraction = _leaf("structure_fraction", structure_fraction,
                                        "(fraction of subsystem mass)", 2.0)
        self.harness_fraction = _leaf("harness_fraction", harness_fraction,
                                      "(fraction of subsystem mass)", 2.0)

    def replace(self, **changes) -> "MassModel":
        """A copy with some coefficients changed (validated again)."""
        fields = {k: getattr(self, k) for k in self.__dataclass_fields__}
        fields.update(changes)
        return MassModel(**fields)


class MassBreakdown(eqx.Module):
    """Launch mass by subsystem [kg]."""

    radiator_kg: Float[Array, "..."]  # main radiator panels, their fluid, battery radiator
    loop_kg: Float[Array, "..."]
    array_kg: Float[Array, "..."]
    battery_kg: Float[Array, "..."]
    compute_kg: Float[Array, "..."]
    shielding_kg: Float[Array, "..."]
    other_kg: Float[Array, "..."]
    structure_kg: Float[Array, "..."]
    harness_kg: Float[Array, "..."]
    total_kg: Float[Array, "..."]


def rack_heat_load_W(scenario) -> Array:
    """Nominal heat load of the rack [W]: every GPU at TDP plus hosts, network, housekeeping."""
    return scenario.rack.nominal_power_W


def mass_breakdown(design, scenario, model: MassModel | None = None) -> MassBreakdown:
    """Launch mass of ``design`` in ``scenario`` by subsystem (see the module equations).

    Args:
        design: :class:`thermaljax.Design` (scalars or a batch).
        scenario: :class:`thermaljax.Scenario` (rack, PV cell and battery technology).
        model: :class:`MassModel` (default coefficients when ``None``).

    Returns:
        :class:`MassBreakdown` [kg], the shape of the design's fields.

    Example:
        >>> import thermaljax as tj
        >>> m = tj.mass.mass_breakdown(tj.Design.default(), tj.Scenario.default())
        >>> round(float(m.total_kg))
        4696
    """
    m = MassModel() if model is None else model
    pw = scenario.power
    p_rack_kW = rack_heat_load_W(scenario) / 1000.0
    radiator = ((m.radiator_panel_kg_m2 + m.radiator_fluid_kg_m2) * design.radiator_area_m2
                + m.radiator_panel_kg_m2 * design.battery_radiator_area_m2)
    shape = jnp.broadcast_shapes(*(jnp.shape(x) for x in jax.tree.leaves(design)))
    full = lambda x: jnp.broadcast_to(x, shape)  # noqa: E731 (fixed terms, batch shape)
    loop = full(m.loop_kg_per_kW * p_rack_kW)
    array = pv.rated_power_W(design.array_area_m2, pw.cell, pw.packing_factor) \
        / m.array_specific_power_W_kg
    battery = design.battery_capacity_Wh / pw.battery_specific_energy_Wh_kg
    compute = full(m.compute_kg_per_gpu * scenario.rack.n_gpus)
    shielding = full(m.shielding_kg_per_kW * p_rack_kW)
    other = full(m.other_kg)
    sub = radiator + loop + array + battery + compute + shielding + other
    structure = m.structure_fraction * sub
    harness = m.harness_fraction * sub
    return MassBreakdown(radiator, loop, array, battery, compute, shielding, other, structure,
                         harness, sub + structure + harness)
