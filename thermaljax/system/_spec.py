"""What the user passes to :func:`thermaljax.simulate`: the ``Design`` and the ``Scenario``.

The *design* holds only the float quantities an optimiser may change; the *scenario* holds
everything else (orbit, environment, rack, loop, coatings, PV and battery technology, time
step). Both are frozen pytrees (``equinox.Module``): float fields are leaves that ``jit``,
``vmap`` and ``grad`` trace; counts, attitudes' kinds and switches are static. Every field is
checked at construction, before any compilation, with a message naming the field, its unit and
the allowed range. Every default says where it comes from; "estimate" marks a documented
assumption a user should replace with their own number.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math

import equinox as eqx
import numpy as np
from jaxtyping import Array, Float

from .. import battery as _battery
from .. import constants, orbit, pv, rack
from .._checks import check_range, check_shape, concrete_values, float_leaf
from ..orbit._shadow import check_smoothing

_C = rack.ZERO_CELSIUS_K


_f = float_leaf  # a float leaf (keeps float32 inputs float32)


def _positive(name: str, x, unit: str, high: float = math.inf) -> Array:
    check_range(name, x, unit, low=0.0, low_inclusive=False, high=high)
    return _f(x)


def _fraction(name: str, x, *, open_low: bool = False) -> Array:
    check_range(name, x, "(fraction)", low=0.0, high=1.0, low_inclusive=not open_low)
    return _f(x)


class _Spec(eqx.Module):
    """Base of the frozen input records: adds :meth:`replace`."""

    def replace(self, **changes):
        """A copy with some fields changed, validated again (``dataclasses.replace``).

        Example:
            >>> from thermaljax.system import LoopSpec
            >>> LoopSpec().replace(n_segments=4).n_segments
            4
        """
        return dataclasses.replace(self, **changes)


# --------------------------------------------------------------------------------------------
# Design
# --------------------------------------------------------------------------------------------


class Design(_Spec):
    """The quantities an optimiser may change (all > 0, SI units).

    Fields may be scalars or arrays of one common shape (a batch for ``vmap``).

    Attributes:
        radiator_area_m2: main radiator panel area [m^2] (planform; both faces radiate when
            the scenario's radiator is two-sided), 0 < A <= 1e5.
        array_area_m2: solar array area [m^2], 0 < A <= 1e6.
        battery_capacity_Wh: nameplate battery energy [W h], 0 < E <= 1e9.
        coolant_flow_kg_s: coolant mass flow of the pumped loop [kg/s], 0 < m <= 1e3.
        battery_radiator_area_m2: area of the battery's own one-sided radiator [m^2],
            0 < A <= 1e4.
    """

    radiator_area_m2: Float[Array, "..."]
    array_area_m2: Float[Array, "..."]
    battery_capacity_Wh: Float[Array, "..."]
    coolant_flow_kg_s: Float[Array, "..."]
    battery_radiator_area_m2: Float[Array, "..."]

    def __init__(self, radiator_area_m2, array_area_m2, battery_capacity_Wh,
                 coolant_flow_kg_s=2.0, battery_radiator_area_m2=8.0):
        self.radiator_area_m2 = _positive("radiator_area_m2", radiator_area_m2, "m^2", 1e5)
        self.array_area_m2 = _positive("array_area_m2", array_area_m2, "m^2", 1e6)
        self.battery_capacity_Wh = _positive("battery_capacity_Wh", battery_capacity_Wh,
                                             "W h", 1e9)
        self.coolant_flow_kg_s = _positive("coolant_flow_kg_s", coolant_flow_kg_s, "kg/s", 1e3)
        self.battery_radiator_area_m2 = _positive(
            "battery_radiator_area_m2", battery_radiator_area_m2, "m^2", 1e4)

    @classmethod
    def default(cls) -> "Design":
        """A design sized by hand for :meth:`Scenario.default` (72 H100 GPUs, ~74 kW).

        * radiator 90 m^2, two-sided OSR: ~74 kW at ~60 C mean panel temperature leaves
          ~20 % margin over 2 eps sigma T^4 minus the environment (REFERENCES.md worked
          example: 629-989 W/m^2 per face at 60-100 C);
        * array 320 m^2 of GaAs: ~330 W/m^2 delivered at ~60 C cells covers the load plus
          recharge after a 20-minute eclipse in a 98-minute orbit;
        * battery 100 kW h: a 20-minute eclipse at ~75 kW draws ~26 kW h, 26 % of capacity
          (LEO depth-of-discharge practice: 20-40 %, REFERENCES.md), at ~0.8 C, inside the
          default cell's 1 C discharge limit;
        * coolant 2.0 kg/s of water-propylene glycol: ~10 K rise across the rack;
        * battery radiator 8 m^2: rejects the pack's ~2 kW average Joule heat near 20 C.
        """
        return cls(90.0, 320.0, 100_000.0, 2.0, 8.0)


# --------------------------------------------------------------------------------------------
# Scenario parts
# --------------------------------------------------------------------------------------------


class OrbitSpec(_Spec):
    """A circular orbit, described by its altitude and the Sun's beta angle.

    Attributes:
        altitude_m: altitude [m], in [150 km, 35,786 km].
        beta_rad: Sun elevation above the orbit plane [rad], in [-pi/2, pi/2].
        orbit_angle0_rad: orbit angle at t = 0, measured from orbit noon [rad] (eclipse
            centred at pi). Default (None): eclipse entry, ``pi (1 - f)`` with ``f`` the
            cylindrical eclipse fraction (orbit midnight when there is no eclipse): the
            battery is at its fullest there, so the state of charge of a design with enough
            array repeats exactly from orbit to orbit.
    """

    altitude_m: Float[Array, ""]
    beta_rad: Float[Array, ""]
    orbit_angle0_rad: Float[Array, ""]

    def __init__(self, altitude_m, beta_rad, orbit_angle0_rad=None):
        check_range("altitude_m", altitude_m, "m", low=constants.MIN_ALTITUDE_M,
                    high=constants.MAX_ALTITUDE_M)
        check_range("beta_rad", beta_rad, "rad", low=-math.pi / 2, high=math.pi / 2)
        if orbit_angle0_rad is None:
            f = orbit.eclipse_fraction(altitude_m, beta_rad)
            orbit_angle0_rad = math.pi * (1.0 - f)
        check_range("orbit_angle0_rad", orbit_angle0_rad, "rad", low=-4 * math.pi,
                    high=4 * math.pi)
        self.altitude_m = _f(altitude_m)
        self.beta_rad = _f(beta_rad)
        self.orbit_angle0_rad = _f(orbit_angle0_rad)

    @classmethod
    def from_elements(cls, altitude_m, inclination_rad, raan_rad, epoch) -> "OrbitSpec":
        """Beta angle from inclination, RAAN (true of date) and epoch (:func:`orbit.beta_angle`)."""
        return cls(altitude_m, orbit.beta_angle(inclination_rad, raan_rad, epoch))

    @classmethod
    def dawn_dusk(cls, altitude_m, epoch, ltan_hours: float = 6.0) -> "OrbitSpec":
        """A sun-synchronous orbit with local time of the ascending node ``ltan_hours`` [h].

        RAAN = alpha_sun + 15 deg/h (LTAN - 12 h) (Vallado, Fundamentals of Astrodynamics,
        sec. 11.4); inclination from :func:`orbit.sun_synchronous_inclination`.
        """
        check_range("ltan_hours", ltan_hours, "h", low=0.0, high=24.0)
        sun = orbit.sun_position(epoch)
        raan = float(sun.right_ascension) + math.radians(15.0 * (ltan_hours - 12.0))
        incl = orbit.sun_synchronous_inclination(altitude_m)
        return cls.from_elements(altitude_m, incl, raan, epoch)


class EnvironmentSpec(_Spec):
    """Sunlight, albedo and Earth IR (each may be set to zero).

    Attributes:
        solar_flux_W_m2: solar irradiance at the Earth's distance [W/m^2], in [0, 3000];
            default 1361 (Kopp & Lean 2011); use :func:`orbit.solar_flux` for a date.
        albedo: Earth albedo [-], in [0, 1]; default 0.30 (CERES; NASA TM-2001-211221).
        olr_W_m2: Earth outgoing long-wave radiation [W/m^2], in [0, 500]; default 237.
        sink_temperature_K: deep-space sink [K]; default 3 K (CMB).
        penumbra_smoothing_rad: widening of the solar disk that smooths eclipse entry and exit
            [rad] (see :func:`orbit.sunlit_fraction`); default 0.02 rad, a 2e-5 relative change
            of the sunlit time in LEO.
    """

    solar_flux_W_m2: Float[Array, ""]
    albedo: Float[Array, ""]
    olr_W_m2: Float[Array, ""]
    sink_temperature_K: Float[Array, ""]
    penumbra_smoothing_rad: Float[Array, ""]

    def __init__(self, solar_flux_W_m2=constants.SOLAR_CONSTANT_W_M2,
                 albedo=constants.EARTH_ALBEDO, olr_W_m2=constants.EARTH_OLR_W_M2,
                 sink_temperature_K=constants.DEEP_SPACE_TEMPERATURE_K,
                 penumbra_smoothing_rad=0.02):
        check_range("solar_flux_W_m2", solar_flux_W_m2, "W/m^2", low=0.0, high=3000.0)
        check_range("albedo", albedo, "(fraction)", low=0.0, high=1.0)
        check_range("olr_W_m2", olr_W_m2, "W/m^2", low=0.0, high=500.0)
        check_range("sink_temperature_K", sink_temperature_K, "K", low=0.0, high=300.0)
        check_range("penumbra_smoothing_rad", penumbra_smoothing_rad, "rad", low=0.0,
                    high=0.1)
        self.solar_flux_W_m2 = _f(solar_flux_W_m2)
        self.albedo = _f(albedo)
        self.olr_W_m2 = _f(olr_W_m2)
        self.sink_temperature_K = _f(sink_temperature_K)
        self.penumbra_smoothing_rad = _f(penumbra_smoothing_rad)

    @classmethod
    def none(cls) -> "EnvironmentSpec":
        """No Sun, no albedo, no Earth IR (radiation to a 3 K sink only)."""
        return cls(solar_flux_W_m2=0.0, albedo=0.0, olr_W_m2=0.0)


class Coating(_Spec):
    """Surface optics of a radiator face.

    Attributes:
        absorptance: solar absorptance alpha [-], in [0, 1].
        emissivity: hemispherical IR emissivity eps [-], in [0, 1].
        name: label (static).
    """

    absorptance: Float[Array, ""]
    emissivity: Float[Array, ""]
    name: str = eqx.field(static=True)

    def __init__(self, absorptance, emissivity, name: str = "custom"):
        self.absorptance = _fraction("absorptance", absorptance)
        self.emissivity = _fraction("emissivity", emissivity)
        self.name = name


OSR_BOL = Coating(0.07, 0.80, "OSR (silvered fused silica), beginning of life")
"""Optical solar reflector: alpha 0.07, eps 0.80 (Gilmore, Spacecraft Thermal Control Handbook,
App. A)."""
OSR_EOL = Coating(0.12, 0.80, "OSR (silvered fused silica), end of life (5 yr)")
"""OSR after ~5 years: alpha +0.05 (middle of the +0.03...+0.08 estimate of REFERENCES.md)."""
WHITE_PAINT_BOL = Coating(0.12, 0.90, "white silicate paint (Z-93 type), beginning of life")
"""Z-93 type white paint: alpha 0.12, eps 0.90 (Fortescue, Spacecraft Systems Engineering,
Table 11.3)."""
WHITE_PAINT_EOL = Coating(0.20, 0.90, "white silicate paint (Z-93 type), end of life (5 yr)")
"""Z-93 after ~5 years: alpha +0.08 (upper end of the REFERENCES.md estimate; paints degrade
faster than OSRs)."""


class RackSpec(_Spec):
    """The compute rack: GPUs, their hosts, network and housekeeping, and a utilisation schedule.

    Attributes:
        gpu: the GPU model (:mod:`thermaljax.rack` presets).
        n_gpus: number of GPUs [-], >= 1.
        host_W_per_gpu: CPU, memory, NVSwitch and NIC power per GPU [W]; default 300 W (estimate
            from an 8-GPU HGX H100 system's 10.2 kW maximum minus 8 x 700 W, less fans).
        network_W: rack network switches [W]; default 1,500 W (estimate).
        housekeeping_W: avionics, attitude control, communications and heaters [W]; default
            1,000 W (estimate). Network and housekeeping are never shed.
        utilisation_orbit_fraction: (k,) increasing breakpoints in [0, 1] of the fraction of
            the orbit since t = 0.
        utilisation: (k,) scheduled GPU utilisation at the breakpoints [-], in [0, 1]; linear in
            between, repeating every orbit. Default: 1 throughout.
        gpu_heat_capacity_J_per_K: heat capacity of one GPU module with its cold plate
            [J/K]; default 1,500 J/K (~3 kg of copper and aluminium; estimate).
        rack_heat_capacity_J_per_K: cold plates, manifolds, servers and the coolant inside the
            rack [J/K]; default 3e5 J/K (~40 kg of coolant at 3.5 kJ/(kg K) plus ~170 kg of
            aluminium server structure; estimate).
        throttle_width_K: width of the smooth throttling switch [K] (:func:`rack.throttle_factor`).
        throttle_min_factor: deepest throttle [-].
    """

    gpu: rack.GPUSpec
    n_gpus: Float[Array, ""]
    host_W_per_gpu: Float[Array, ""]
    network_W: Float[Array, ""]
    housekeeping_W: Float[Array, ""]
    utilisation_orbit_fraction: Float[Array, " k"]
    utilisation: Float[Array, " k"]
    gpu_heat_capacity_J_per_K: Float[Array, ""]
    rack_heat_capacity_J_per_K: Float[Array, ""]
    throttle_width_K: float = eqx.field(static=True)
    throttle_min_factor: float = eqx.field(static=True)

    def __init__(self, gpu: rack.GPUSpec = rack.H100, n_gpus=72, host_W_per_gpu=300.0,
                 network_W=1500.0, housekeeping_W=1000.0, utilisation_orbit_fraction=(0.0, 1.0),
                 utilisation=(1.0, 1.0), gpu_heat_capacity_J_per_K=1500.0,
                 rack_heat_capacity_J_per_K=3.0e5, throttle_width_K=0.5,
                 throttle_min_factor=0.3):
        if not isinstance(gpu, rack.GPUSpec):
            raise ValueError(f"gpu must be a thermaljax.rack.GPUSpec (e.g. rack.H100), got {gpu!r}")
        check_range("n_gpus", n_gpus, "GPUs", low=1.0, high=1e6)
        check_range("host_W_per_gpu", host_W_per_gpu, "W", low=0.0, high=1e4)
        check_range("network_W", network_W, "W", low=0.0, high=1e7)
        check_range("housekeeping_W", housekeeping_W, "W", low=0.0, high=1e7)
        frac = _f(utilisation_orbit_fraction)
        util = _f(utilisation)
        if frac.ndim != 1 or frac.shape[0] < 1:
            raise ValueError("utilisation_orbit_fraction must be a 1-D array of >= 1 breakpoints "
                             f"in [0, 1] (fraction of the orbit), got shape {frac.shape}")
        check_shape("utilisation", util, frac.shape, "one value per utilisation_orbit_fraction")
        check_range("utilisation_orbit_fraction", frac, "(fraction of the orbit)", low=0.0,
                    high=1.0)
        check_range("utilisation", util, "(fraction)", low=0.0, high=1.0)
        v = concrete_values(frac)
        if v is not None and np.any(np.diff(v) < 0):
            raise ValueError("utilisation_orbit_fraction must be non-decreasing (fraction of the "
                             "orbit, in [0, 1])")
        check_range("gpu_heat_capacity_J_per_K", gpu_heat_capacity_J_per_K, "J/K", low=0.0,
                    low_inclusive=False)
        check_range("rack_heat_capacity_J_per_K", rack_heat_capacity_J_per_K, "J/K", low=0.0,
                    low_inclusive=False)
        check_range("throttle_width_K", throttle_width_K, "K", low=0.05, high=20.0)
        check_range("throttle_min_factor", throttle_min_factor, "(fraction)", low=0.0, high=0.99)
        self.gpu = gpu
        self.n_gpus = _f(n_gpus)
        self.host_W_per_gpu = _f(host_W_per_gpu)
        self.network_W = _f(network_W)
        self.housekeeping_W = _f(housekeeping_W)
        self.utilisation_orbit_fraction = frac
        self.utilisation = util
        self.gpu_heat_capacity_J_per_K = _f(gpu_heat_capacity_J_per_K)
        self.rack_heat_capacity_J_per_K = _f(rack_heat_capacity_J_per_K)
        self.throttle_width_K = float(throttle_width_K)
        self.throttle_min_factor = float(throttle_min_factor)

    @property
    def nominal_power_W(self) -> Array:
        """Power of the rack with every GPU at TDP, plus hosts, network and housekeeping [W]."""
        return (self.n_gpus * (self.gpu.tdp_W + self.host_W_per_gpu) + self.network_W
                + self.housekeeping_W)


class LoopSpec(_Spec):
    """The pumped single-phase coolant loop and the main radiator it feeds.

    The loop runs rack -> radiator segment 1 -> ... -> segment N -> rack. Each segment is one
    isothermal node (panel plus the fluid in it), so the coolant's temperature drop along the
    radiator is resolved to first order in 1/N.

    Attributes:
        coolant_cp_J_per_kg_K: coolant specific heat [J/(kg K)]; default 3,500 for 50/50
            water-propylene glycol near 40 C (ASHRAE Handbook Fundamentals, ch. 31).
        coolant_density_kg_m3: [kg/m^3]; default 1,040 (ASHRAE, 50 % propylene glycol).
        coolant_freezing_K: freezing point [K]; default 239 K (-34 C, ASHRAE, 50 % PG).
        pump_pressure_rise_Pa: loop pressure drop the pump overcomes [Pa]; default 200 kPa
            (estimate for cold plates plus a large radiator manifold).
        pump_efficiency: wire-to-fluid pump efficiency [-]; default 0.5 (estimate for small
            canned-motor pumps). Pump power m_dot dp / (rho eta) is a parasitic load and
            heats the coolant.
        n_segments: radiator segments along the flow (static int), 1..12; default 8.
        radiator_coating: coating of the radiator faces (default OSR at beginning of life).
        two_sided: whether both radiator faces radiate (deployed panel) or only the front
            (body-mounted; the back is insulated). Static.
        radiator_attitude: attitude of the radiator's front face; default edge-on to the Sun
            (:class:`orbit.EdgeOnSun`), the usual choice for deployed radiators.
        radiator_heat_capacity_J_per_K_m2: panel plus fluid heat capacity per m^2 [J/(K m^2)];
            default 3,400 (3 kg/m^2 of aluminium at 900 J/(kg K), REFERENCES.md central panel
            density, plus 0.2 kg/m^2 of coolant; estimate).
    """

    coolant_cp_J_per_kg_K: Float[Array, ""]
    coolant_density_kg_m3: Float[Array, ""]
    coolant_freezing_K: Float[Array, ""]
    pump_pressure_rise_Pa: Float[Array, ""]
    pump_efficiency: Float[Array, ""]
    radiator_coating: Coating
    radiator_attitude: orbit.AbstractAttitude
    radiator_heat_capacity_J_per_K_m2: Float[Array, ""]
    n_segments: int = eqx.field(static=True)
    two_sided: bool = eqx.field(static=True)

    def __init__(self, coolant_cp_J_per_kg_K=3500.0, coolant_density_kg_m3=1040.0,
                 coolant_freezing_K=239.0, pump_pressure_rise_Pa=2.0e5, pump_efficiency=0.5,
                 n_segments: int = 8, radiator_coating: Coating = OSR_BOL,
                 two_sided: bool = True, radiator_attitude: orbit.AbstractAttitude | None = None,
                 radiator_heat_capacity_J_per_K_m2=3400.0):
        self.coolant_cp_J_per_kg_K = _positive("coolant_cp_J_per_kg_K", coolant_cp_J_per_kg_K,
                                               "J/(kg K)", 2e4)
        self.coolant_density_kg_m3 = _positive("coolant_density_kg_m3", coolant_density_kg_m3,
                                               "kg/m^3", 2e4)
        check_range("coolant_freezing_K", coolant_freezing_K, "K", low=0.0, high=400.0)
        self.coolant_freezing_K = _f(coolant_freezing_K)
        check_range("pump_pressure_rise_Pa", pump_pressure_rise_Pa, "Pa", low=0.0, high=1e7)
        self.pump_pressure_rise_Pa = _f(pump_pressure_rise_Pa)
        self.pump_efficiency = _fraction("pump_efficiency", pump_efficiency, open_low=True)
        if not isinstance(n_segments, (int, np.integer)) or isinstance(n_segments, bool) \
                or not 1 <= n_segments <= 12:
            raise ValueError(f"n_segments must be an integer in [1, 12] (radiator segments "
                             f"along the flow), got {n_segments!r}")
        if not isinstance(radiator_coating, Coating):
            raise ValueError("radiator_coating must be a thermaljax.system.Coating, got "
                             f"{radiator_coating!r}")
        attitude = orbit.EdgeOnSun() if radiator_attitude is None else radiator_attitude
        if not isinstance(attitude, orbit.AbstractAttitude):
            raise ValueError("radiator_attitude must be a thermaljax.orbit attitude (FixedLVLH, "
                             f"SunTracking, EdgeOnSun), got {attitude!r}")
        self.radiator_heat_capacity_J_per_K_m2 = _positive(
            "radiator_heat_capacity_J_per_K_m2", radiator_heat_capacity_J_per_K_m2,
            "J/(K m^2)", 1e6)
        self.n_segments = int(n_segments)
        self.radiator_coating = radiator_coating
        self.two_sided = bool(two_sided)
        self.radiator_attitude = attitude


SHUNT_DESTINATIONS = ("radiator", "array")


class PowerSpec(_Spec):
    """Solar array, battery and the regulated bus between them.

    Attributes:
        cell: PV cell technology (:data:`pv.GAAS_TRIPLE_JUNCTION` default, :data:`pv.SILICON`).
        packing_factor: cell area / array area [-]; default 0.90 (estimate for blanket arrays).
        pv_degradation: remaining PV power fraction [-] (radiation); 1 at beginning of life;
            :func:`pv.degradation_factor` gives it from a rate, or pass an end-of-life test
            factor (XTJ: 0.89 after 5e14 e/cm^2, Fetzer et al.).
        mppt_efficiency: array -> bus converter efficiency [-]; default 0.97 (estimate; space
            MPPT converters 95-98 %).
        charge_efficiency, discharge_efficiency: battery charge / discharge regulator
            efficiencies [-]; default 0.96 each (estimate).
        array_attitude: array pointing; default two-axis Sun tracking.
        array_back_absorptance, array_back_emissivity: rear-face optics [-]; default 0.90 /
            0.85 (black-painted or bare CFRP substrate, Fortescue Table 11.3).
        array_heat_capacity_J_per_K_m2: [J/(K m^2)]; default 2,200 (~2.4 kg/m^2 at 900
            J/(kg K): 150 W/kg blanket arrays at ~360 W/m^2, REFERENCES.md; estimate).
        shunt_destination: where surplus power the battery cannot take ends up as heat:
            ``"array"`` (default: sequential switching shunt regulators short array sections,
            so the power is never extracted and stays on the array as heat, the usual
            architecture of regulated buses, Patel, Spacecraft Power Systems, ch. 13) or
            ``"radiator"`` (a resistive shunt on the main radiator, spread over its segments).
            Static.
        battery_cell: Thevenin parameters of ONE cell (:class:`battery.TheveninParams`);
            default 100 A h NMC-like cell with 0.6-0.95 SOC window and 1 C / 0.5 C limits.
        cells_in_series: cells per string (static int); sets pack voltage and current
            (default 96: ~359 V at the mean open-circuit voltage, estimate). Strings in parallel follow from the
            design's battery capacity (a continuous count, so gradients flow).
        battery_capacity_retention: remaining capacity fraction [-] (1 at beginning of life;
            ``1 - battery.capacity_fade(...)`` for end of life).
        battery_specific_energy_Wh_kg: pack specific energy [W h/kg]; default 130 (REFERENCES
            .md: 100-150 Wh/kg at pack level, estimate).
        battery_heat_capacity_J_kg_K: pack specific heat [J/(kg K)]; default 1,000 (Li-ion
            cells 0.9-1.1 kJ/(kg K), estimate).
        battery_to_rack_W_per_K: conductance between the battery and the rack node [W/K];
            default 5 W/K (mounting and harness; estimate).
        battery_radiator_coating: coating of the battery radiator (front face only).
        battery_min_K, battery_max_K: battery operating window [K]; default 0 C and 40 C
            (typical Li-ion space operating range; estimate).
        initial_soc: SOC at the start of the run [-]; default None = the battery's soc_max.
        soc_switch_width: width ``w`` of the ramps at soc_min and soc_max [-]; default
            0.005. The charge power allowed falls linearly from its maximum at
            ``soc_max - w`` to zero at ``soc_max`` (the constant-voltage taper of CC-CV
            charging); the discharge power allowed to the sheddable servers falls linearly
            from ``soc_min + w`` to zero at ``soc_min`` (load shedding). The ramps have C1
            corners of half-width 0.05 w (so that the Jacobian, and with it each Rosenbrock
            step, is continuous): charging stops completely at ``soc_max + 0.05 w``. Only
            the essential loads (network, housekeeping, pump) draw the battery further below
            soc_min. Static.
    """

    cell: pv.PVCell
    packing_factor: Float[Array, ""]
    pv_degradation: Float[Array, ""]
    mppt_efficiency: Float[Array, ""]
    charge_efficiency: Float[Array, ""]
    discharge_efficiency: Float[Array, ""]
    array_attitude: orbit.AbstractAttitude
    array_back_absorptance: Float[Array, ""]
    array_back_emissivity: Float[Array, ""]
    array_heat_capacity_J_per_K_m2: Float[Array, ""]
    battery_cell: _battery.TheveninParams
    battery_capacity_retention: Float[Array, ""]
    battery_specific_energy_Wh_kg: Float[Array, ""]
    battery_heat_capacity_J_kg_K: Float[Array, ""]
    battery_to_rack_W_per_K: Float[Array, ""]
    battery_radiator_coating: Coating
    battery_min_K: Float[Array, ""]
    battery_max_K: Float[Array, ""]
    initial_soc: Float[Array, ""]
    shunt_destination: str = eqx.field(static=True)
    cells_in_series: int = eqx.field(static=True)
    soc_switch_width: float = eqx.field(static=True)

    def __init__(self, cell: pv.PVCell = pv.GAAS_TRIPLE_JUNCTION, packing_factor=0.90,
                 pv_degradation=1.0, mppt_efficiency=0.97, charge_efficiency=0.96,
                 discharge_efficiency=0.96, array_attitude: orbit.AbstractAttitude | None = None,
                 array_back_absorptance=0.90, array_back_emissivity=0.85,
                 array_heat_capacity_J_per_K_m2=2200.0, shunt_destination: str = "array",
                 battery_cell: _battery.TheveninParams | None = None, cells_in_series: int = 96,
                 battery_capacity_retention=1.0, battery_specific_energy_Wh_kg=130.0,
                 battery_heat_capacity_J_kg_K=1000.0, battery_to_rack_W_per_K=5.0,
                 battery_radiator_coating: Coating = OSR_BOL, battery_min_K=_C + 0.0,
                 battery_max_K=_C + 40.0, initial_soc=None, soc_switch_width: float = 0.005):
        if not isinstance(cell, pv.PVCell):
            raise ValueError(f"cell must be a thermaljax.pv.PVCell (e.g. pv.GAAS_TRIPLE_JUNCTION), "
                             f"got {cell!r}")
        self.cell = cell
        self.packing_factor = _fraction("packing_factor", packing_factor, open_low=True)
        self.pv_degradation = _fraction("pv_degradation", pv_degradation, open_low=True)
        self.mppt_efficiency = _fraction("mppt_efficiency", mppt_efficiency, open_low=True)
        self.charge_efficiency = _fraction("charge_efficiency", charge_efficiency, open_low=True)
        self.discharge_efficiency = _fraction("discharge_efficiency", discharge_efficiency,
                                              open_low=True)
        attitude = orbit.SunTracking() if array_attitude is None else array_attitude
        if not isinstance(attitude, orbit.AbstractAttitude):
            raise ValueError("array_attitude must be a thermaljax.orbit attitude (FixedLVLH, "
                             f"SunTracking, EdgeOnSun), got {attitude!r}")
        self.array_attitude = attitude
        self.array_back_absorptance = _fraction("array_back_absorptance", array_back_absorptance)
        self.array_back_emissivity = _fraction("array_back_emissivity", array_back_emissivity)
        self.array_heat_capacity_J_per_K_m2 = _positive(
            "array_heat_capacity_J_per_K_m2", array_heat_capacity_J_per_K_m2, "J/(K m^2)", 1e6)
        if shunt_destination not in SHUNT_DESTINATIONS:
            raise ValueError(f"shunt_destination must be one of {SHUNT_DESTINATIONS}, got "
                             f"{shunt_destination!r}")
        self.shunt_destination = shunt_destination
        cell_b = _battery.TheveninParams() if battery_cell is None else battery_cell
        if not isinstance(cell_b, _battery.TheveninParams):
            raise ValueError("battery_cell must be a thermaljax.battery.TheveninParams, got "
                             f"{cell_b!r}")
        self.battery_cell = cell_b
        if not isinstance(cells_in_series, (int, np.integer)) or isinstance(cells_in_series, bool) \
                or not 1 <= cells_in_series <= 1000:
            raise ValueError("cells_in_series must be an integer in [1, 1000] (cells per string), "
                             f"got {cells_in_series!r}")
        self.cells_in_series = int(cells_in_series)
        self.battery_capacity_retention = _fraction(
            "battery_capacity_retention", battery_capacity_retention, open_low=True)
        self.battery_specific_energy_Wh_kg = _positive(
            "battery_specific_energy_Wh_kg", battery_specific_energy_Wh_kg, "W h/kg", 1000.0)
        self.battery_heat_capacity_J_kg_K = _positive(
            "battery_heat_capacity_J_kg_K", battery_heat_capacity_J_kg_K, "J/(kg K)", 1e4)
        check_range("battery_to_rack_W_per_K", battery_to_rack_W_per_K, "W/K", low=0.0,
                    high=1e6)
        self.battery_to_rack_W_per_K = _f(battery_to_rack_W_per_K)
        if not isinstance(battery_radiator_coating, Coating):
            raise ValueError("battery_radiator_coating must be a thermaljax.system.Coating, got "
                             f"{battery_radiator_coating!r}")
        self.battery_radiator_coating = battery_radiator_coating
        check_range("battery_min_K", battery_min_K, "K", low=150.0, high=400.0)
        check_range("battery_max_K", battery_max_K, "K", low=battery_min_K, high=400.0,
                    low_inclusive=False)
        self.battery_min_K = _f(battery_min_K)
        self.battery_max_K = _f(battery_max_K)
        if initial_soc is None:
            initial_soc = cell_b.soc_max
        self.initial_soc = _fraction("initial_soc", initial_soc)
        check_range("soc_switch_width", soc_switch_width, "(fraction)", low=1e-4, high=0.05)
        self.soc_switch_width = float(soc_switch_width)


class SimulationSpec(_Spec):
    """Time stepping.

    Attributes:
        step_s: longest time step [s], in [0.5, 60]; each orbit is divided into
            ``ceil(period / step_s)`` equal steps. Default 10 s. The fixed-step Rodas4
            integrator is L-stable: modes faster than the step (a GPU die, the coolant's
            transit through a radiator segment, ~3-30 s) are not resolved in time but relax to
            their quasi-steady values, which is what the orbit-scale answer needs; the
            benchmark checks the default step against a 10x finer one (junction temperature
            within 0.1 K, SOC within 1e-4).
        orbits: number of reported orbits (static int), 1..50.
        warmup_orbits: orbits run before the reported ones, from the orbit-averaged steady
            state (static int), 0..50; default 3 (the default scenario's battery, with a
            time constant of hours, then repeats to ~0.1 K; the other nodes and the SOC to
            ~1e-6). The periodicity error of the result says whether that was enough.
        steps_per_orbit: optional explicit number of steps per orbit (static int); needed
            when the altitude is traced (``vmap`` over altitudes).
    """

    step_s: float = eqx.field(static=True)
    orbits: int = eqx.field(static=True)
    warmup_orbits: int = eqx.field(static=True)
    steps_per_orbit: int | None = eqx.field(static=True)

    def __init__(self, step_s: float = 10.0, orbits: int = 1, warmup_orbits: int = 3,
                 steps_per_orbit: int | None = None):
        check_range("step_s", step_s, "s", low=0.5, high=60.0)
        for name, value, lo in (("orbits", orbits, 1), ("warmup_orbits", warmup_orbits, 0)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) \
                    or not lo <= value <= 50:
                raise ValueError(f"{name} must be an integer in [{lo}, 50] (orbits), got {value!r}")
        if steps_per_orbit is not None and (
                not isinstance(steps_per_orbit, (int, np.integer)) or not 8 <= steps_per_orbit <= 10**6):
            raise ValueError("steps_per_orbit must be None or an integer in [8, 1000000] (steps), "
                             f"got {steps_per_orbit!r}")
        self.step_s = float(step_s)
        self.orbits = int(orbits)
        self.warmup_orbits = int(warmup_orbits)
        self.steps_per_orbit = None if steps_per_orbit is None else int(steps_per_orbit)


DEFAULT_EPOCH = _dt.datetime(2026, 12, 21, 12, 0, 0, tzinfo=_dt.timezone.utc)
"""Epoch of the default scenario: the December solstice, the middle of a dawn-dusk orbit's
eclipse season (REFERENCES.md: eclipses up to ~20 min around the winter solstice)."""


class Scenario(_Spec):
    """Everything :func:`thermaljax.simulate` holds fixed: orbit, environment, rack, loop, power.

    Attributes:
        orbit: :class:`OrbitSpec`.
        environment: :class:`EnvironmentSpec`.
        rack: :class:`RackSpec`.
        loop: :class:`LoopSpec`.
        power: :class:`PowerSpec`.
        simulation: :class:`SimulationSpec`.
    """

    orbit: OrbitSpec
    environment: EnvironmentSpec
    rack: RackSpec
    loop: LoopSpec
    power: PowerSpec
    simulation: SimulationSpec

    def __init__(self, orbit: OrbitSpec, environment: EnvironmentSpec | None = None,
                 rack: RackSpec | None = None, loop: LoopSpec | None = None,
                 power: PowerSpec | None = None, simulation: SimulationSpec | None = None):
        parts = dict(orbit=(orbit, OrbitSpec), environment=(environment, EnvironmentSpec),
                     rack=(rack, RackSpec), loop=(loop, LoopSpec), power=(power, PowerSpec),
                     simulation=(simulation, SimulationSpec))
        for name, (value, kind) in parts.items():
            if value is None:
                value = kind()
            if not isinstance(value, kind):
                raise ValueError(f"{name} must be a thermaljax.system.{kind.__name__}, got "
                                 f"{type(value).__name__}")
            setattr(self, name, value)
        # The penumbra smoothing must stay small against the Earth's apparent radius.
        check_smoothing(self.environment.penumbra_smoothing_rad, self.orbit.altitude_m)

    @classmethod
    def default(cls, *, end_of_life: bool = False, epoch=DEFAULT_EPOCH,
                altitude_m: float = 650e3) -> "Scenario":
        """The embedded default: 72 H100 GPUs in a 650 km dawn-dusk sun-synchronous orbit.

        Orbit: dawn-dusk SSO (LTAN 06:00) at 650 km, Project Suncatcher's orbit (Google,
        arXiv:2511.19468), at the December solstice, the middle of its eclipse season: beta
        about 58.6 deg, eclipse ~19.7 min of a 97.7 min orbit (cylindrical shadow). Solar flux for the Earth-Sun
        distance of the epoch (~1408 W/m^2 near perihelion). Rack: 72 x H100 SXM (the
        GB200 NVL72 rack class, REFERENCES.md), 300 W host per GPU, 1.5 kW network, 1 kW
        housekeeping: ~74 kW. Every other default as documented on its field.

        Args:
            end_of_life: use end-of-life values: radiator coating OSR alpha +0.05; PV power
                x 0.89 (XTJ after 5e14 e/cm^2, Fetzer et al.); battery capacity x 0.80
                (REFERENCES.md: < 20 % loss over 5 years at 30 % DoD).
            epoch: date of the run (``datetime``, UTC).
            altitude_m: orbit altitude [m].
        """
        orb = OrbitSpec.dawn_dusk(altitude_m, epoch)
        flux = float(orbit.solar_flux(orbit.sun_position(epoch).distance_m))
        env = EnvironmentSpec(solar_flux_W_m2=flux)
        loop = LoopSpec(radiator_coating=OSR_EOL if end_of_life else OSR_BOL)
        power = PowerSpec(pv_degradation=0.89 if end_of_life else 1.0,
                          battery_capacity_retention=0.80 if end_of_life else 1.0)
        return cls(orb, env, RackSpec(), loop, power, SimulationSpec())
