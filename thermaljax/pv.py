"""Photovoltaic arrays in orbit: cell power with temperature and degradation, and the array's heat.

Electrical power of an array of area ``A`` [m^2] (PVWatts form, Dobos 2014, with space reference
conditions AM0 and 28 C):

    P = eta_ref (1 + gamma (T_cell - T_ref)) G A f_pack f_deg            [W, at the cell terminals]
    P_bus = eta_conv P                                                   [W, after the MPPT/converter]

with ``G`` the irradiance on the front face [W/m^2] (direct sunlight times the cosine of
incidence, plus albedo), ``gamma`` the relative temperature coefficient of maximum power [1/K]
(negative), ``f_pack`` the packing factor (cell area / array area) and ``f_deg`` the radiation
degradation factor. The array is also a thermal node: it absorbs sunlight, albedo and Earth IR on
both faces, exports the electrical power it generates (that energy leaves as electricity, not
heat), and radiates from both faces:

    Q_node = A [alpha_f (q_sun,f + q_alb,f) + eps_f q_IR,f + alpha_b (q_sun,b + q_alb,b)
               + eps_b q_IR,b] - P,           GR_space = (eps_f + eps_b) A

so the cell temperature, and with it the efficiency, comes out of the thermal solution.

References:
    [Dobos2014] A. P. Dobos, "PVWatts Version 5 Manual", NREL/TP-6A20-62641 (2014), eq. 2.
    [Fetzer] C. Fetzer et al., "Production ready 30% efficient triple junction space solar
        cells", IEEE PVSC (2008): Spectrolab XTJ, 29.8 % average at AM0, 28 C, BOL; power
        retention 0.89 after 5e14 e/cm^2 of 1-MeV electrons.
    [Fortescue] Fortescue, Stark & Swinerd, Spacecraft Systems Engineering, 4th ed., Table 11.3
        (solar absorptance / IR emittance of GaAs and Si cells as surfaces).
    REFERENCES.md beside the repository (temperature coefficients and LEO degradation rates,
        marked there as estimates).
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike

from . import constants
from ._checks import check_range

REFERENCE_TEMPERATURE_K = 301.15
"""Reference cell temperature of space cell ratings [K]: 28 C (AM0 test conditions)."""


class PVCell(eqx.Module):
    """A solar-cell technology: efficiency, temperature coefficient and surface optics.

    Attributes:
        efficiency_ref: AM0 efficiency at 28 C, beginning of life [-], in (0, 1).
        temp_coeff_per_K: relative temperature coefficient of maximum power [1/K] (negative).
        absorptance: solar absorptance of the cell side [-].
        emissivity: IR emissivity of the cell side [-].
        name: label of the preset (static).
    """

    efficiency_ref: float
    temp_coeff_per_K: float
    absorptance: float
    emissivity: float
    name: str = eqx.field(static=True, default="custom")

    def __check_init__(self):
        check_range("efficiency_ref", self.efficiency_ref, "(fraction)", low=0.0, high=1.0,
                    low_inclusive=False, high_inclusive=False)
        check_range("temp_coeff_per_K", self.temp_coeff_per_K, "1/K", low=-0.02, high=0.0)
        check_range("absorptance", self.absorptance, "(fraction)", low=0.0, high=1.0)
        check_range("emissivity", self.emissivity, "(fraction)", low=0.0, high=1.0)


GAAS_TRIPLE_JUNCTION = PVCell(
    efficiency_ref=0.298,
    temp_coeff_per_K=-0.0025,
    absorptance=0.88,
    emissivity=0.80,
    name="GaAs triple junction (Spectrolab XTJ class)",
)
"""Triple-junction GaInP/GaAs/Ge: 29.8 % at AM0 28 C BOL [Fetzer]; gamma -0.25 %/K (middle of
the -0.2..-0.3 %/K range of REFERENCES.md, an estimate); alpha 0.88, eps 0.80 [Fortescue]."""

SILICON = PVCell(
    efficiency_ref=0.169,
    temp_coeff_per_K=-0.0045,
    absorptance=0.75,
    emissivity=0.82,
    name="silicon (space grade)",
)
"""Space-grade silicon: 16.9 % at AM0 28 C BOL (typical of current space Si cells, an
estimate); gamma -0.45 %/K (middle of the -0.4..-0.5 %/K range of REFERENCES.md, estimate);
alpha 0.75, eps 0.82 [Fortescue]."""


def degradation_factor(years: ArrayLike, rate_per_year: ArrayLike) -> Array:
    """Remaining power fraction after ``years`` of a constant relative loss ``rate_per_year``.

        f_deg = (1 - rate)^years

    Args:
        years: time in orbit [yr], >= 0.
        rate_per_year: relative power loss per year [1/yr], in [0, 1); 0.01-0.02 is a common
            LEO estimate (REFERENCES.md). For an end-of-life factor from a fluence test (XTJ:
            0.89 after 5e14 e/cm^2) pass that factor as ``degradation`` directly instead.

    Returns:
        Factor in (0, 1].

    Example:
        >>> round(float(degradation_factor(5.0, 0.015)), 4)
        0.9272
    """
    check_range("years", years, "yr", low=0.0, high=100.0)
    check_range("rate_per_year", rate_per_year, "1/yr", low=0.0, high=1.0, high_inclusive=False)
    return (1.0 - jnp.asarray(rate_per_year)) ** jnp.asarray(years)


def power_W(
    area_m2: ArrayLike,
    irradiance_W_m2: ArrayLike,
    cell_temperature_K: ArrayLike,
    efficiency_ref: ArrayLike,
    temp_coeff_per_K: ArrayLike,
    *,
    reference_temperature_K: ArrayLike = REFERENCE_TEMPERATURE_K,
    packing_factor: ArrayLike = 1.0,
    degradation: ArrayLike = 1.0,
    converter_efficiency: ArrayLike = 1.0,
) -> Array:
    """Electrical power of a PV array [W] (PVWatts form with AM0 / 28 C reference).

        P = eta_conv eta_ref max(1 + gamma (T - T_ref), 0) G A f_pack f_deg

    With ``packing_factor = degradation = converter_efficiency = 1`` this equals pvlib's
    ``pvwatts_dc(G, T - 273.15, pdc0 = eta_ref A 1000, gamma_pdc = gamma, temp_ref = 28)``.

    Args:
        area_m2: array area [m^2], >= 0.
        irradiance_W_m2: irradiance on the cells [W/m^2], >= 0 (direct times cos(incidence),
            times the sunlit fraction, plus albedo).
        cell_temperature_K: cell temperature [K], > 0.
        efficiency_ref: efficiency at the reference temperature [-], in (0, 1).
        temp_coeff_per_K: relative temperature coefficient of maximum power [1/K], <= 0.
        reference_temperature_K: reference temperature [K] (default 28 C).
        packing_factor: cell area / array area [-], in (0, 1].
        degradation: remaining power fraction (radiation, ageing) [-], in (0, 1].
        converter_efficiency: MPPT / converter efficiency [-], in (0, 1]; 1 gives the power at
            the cell terminals (what leaves the array's thermal node).

    Returns:
        Power [W], broadcast shape of the inputs.

    Example:
        >>> round(float(power_W(10.0, 1361.0, 301.15 + 40.0, 0.298, -0.0025)), 1)
        3650.2
    """
    check_range("area_m2", area_m2, "m^2", low=0.0)
    check_range("irradiance_W_m2", irradiance_W_m2, "W/m^2", low=0.0)
    check_range("cell_temperature_K", cell_temperature_K, "K", low=0.0, low_inclusive=False)
    check_range("efficiency_ref", efficiency_ref, "(fraction)", low=0.0, high=1.0,
                low_inclusive=False, high_inclusive=False)
    check_range("temp_coeff_per_K", temp_coeff_per_K, "1/K", low=-0.02, high=0.0)
    for name, value in (("packing_factor", packing_factor), ("degradation", degradation),
                        ("converter_efficiency", converter_efficiency)):
        check_range(name, value, "(fraction)", low=0.0, high=1.0, low_inclusive=False)
    derate = jnp.maximum(
        1.0 + jnp.asarray(temp_coeff_per_K)
        * (jnp.asarray(cell_temperature_K) - jnp.asarray(reference_temperature_K)),
        0.0,
    )
    return (
        jnp.asarray(converter_efficiency) * jnp.asarray(efficiency_ref) * derate
        * jnp.asarray(irradiance_W_m2) * jnp.asarray(area_m2)
        * jnp.asarray(packing_factor) * jnp.asarray(degradation)
    )


def absorbed_W(
    area_m2: ArrayLike,
    environment,
    cell: PVCell,
    *,
    back_absorptance: ArrayLike = 0.9,
    back_emissivity: ArrayLike = 0.85,
) -> Array:
    """Environmental heat absorbed by both faces of an array [W] (before electricity leaves).

        A [alpha_f (q_sun,f + q_alb,f) + eps_f q_IR,f + alpha_b (q_sun,b + q_alb,b) + eps_b q_IR,b]

    Args:
        area_m2: array area [m^2].
        environment: a :class:`thermaljax.orbit.PlateEnvironment` for the array's attitude
            (front = cell side).
        cell: the cell technology (front-face optics).
        back_absorptance, back_emissivity: optics of the rear face [-]; defaults 0.9 / 0.85 for
            a black-painted or bare CFRP substrate (Fortescue Table 11.3, black paint).

    Returns:
        Absorbed heat [W].
    """
    e = environment
    front = cell.absorptance * (e.solar_front_W_m2 + e.albedo_front_W_m2) + (
        cell.emissivity * e.ir_front_W_m2
    )
    back = jnp.asarray(back_absorptance) * (e.solar_back_W_m2 + e.albedo_back_W_m2) + (
        jnp.asarray(back_emissivity) * e.ir_back_W_m2
    )
    return jnp.asarray(area_m2) * (front + back)


def front_irradiance_W_m2(environment) -> Array:
    """Sunlight reaching the cells [W/m^2]: direct (with incidence and shadow) plus albedo."""
    return environment.solar_front_W_m2 + environment.albedo_front_W_m2


def rated_power_W(area_m2: ArrayLike, cell: PVCell, packing_factor: ArrayLike = 1.0) -> Array:
    """Rated (nameplate) power of an array [W]: AM0 1361 W/m^2, 28 C, beginning of life.

        P_rated = A f_pack eta_ref S_0

    The basis of array specific power [W/kg] and price [USD/W] figures.

    Example:
        >>> round(float(rated_power_W(1.0, GAAS_TRIPLE_JUNCTION, 0.9)), 1)
        365.0
    """
    return (jnp.asarray(area_m2) * jnp.asarray(packing_factor) * cell.efficiency_ref
            * constants.SOLAR_CONSTANT_W_M2)


def space_radiative_m2(area_m2: ArrayLike, cell: PVCell, back_emissivity: ArrayLike = 0.85):
    """Radiative conductor of the array to deep space [m^2]: ``(eps_front + eps_back) A``."""
    return (cell.emissivity + jnp.asarray(back_emissivity)) * jnp.asarray(area_m2)
