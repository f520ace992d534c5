"""Orbit + radiator demonstration: a GPU rack's heat rejected by a radiator over whole orbits.

This is the default job of ``thermaljax simulate`` until the full coupled system (photovoltaics,
battery, coolant loop) lands. It couples the two foundations of the package: the orbital
environment (:mod:`thermaljax.orbit`) gives the Sun, albedo and Earth-IR loads on the radiator
faces along the orbit, and the thermal network (:mod:`thermaljax.thermal`) integrates a
two-node model through them:

    C_rack dT_r/dt = Q_gpu - G_loop (T_r - T_rad)
    C_rad dT_rad/dt = G_loop (T_r - T_rad) + A sum_faces [alpha (q_sun + q_alb) + eps q_IR]
                      - sigma eps A_emit (T_rad^4 - T_sink^4)

The rack node lumps GPUs, cold plates and coolant; the radiator is one isothermal panel
(``radiator_area_m2`` of planform; both faces emit when ``two_sided``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from . import orbit
from ._checks import check_range
from .constants import (
    EARTH_ALBEDO,
    EARTH_OLR_W_M2,
    MAX_ALTITUDE_M,
    MIN_ALTITUDE_M,
    STEFAN_BOLTZMANN_W_M2_K4,
)
from .thermal import Network, radiated_to_space_W, steady_state, transient_solution

ATTITUDES = ("edge_on", "sun_tracking", "zenith")


@dataclass(frozen=True)
class RadiatorDemoConfig:
    """Inputs of the orbit + radiator demonstration (SI units; sources in the field docs).

    Attributes:
        altitude_m: circular-orbit altitude [m]; 550 km, a common LEO constellation shell.
        beta: Sun elevation above the orbit plane [rad]; 0 gives the longest eclipse.
        orbits: number of orbits simulated after starting from the orbit-average steady state.
        heat_W: rack heat load [W]: 8 H100 SXM at 700 W TDP (NVIDIA) plus 1.4 kW of host,
            network and housekeeping (estimate).
        radiator_area_m2: radiator planform area [m^2] (each face).
        two_sided: whether both faces radiate (a deployed panel) or only the front.
        absorptance: radiator solar absorptance [-]; 0.07 for optical solar reflectors at
            beginning of life (Gilmore, Spacecraft Thermal Control Handbook, App. A).
        emissivity: radiator IR emissivity [-]; 0.80 for optical solar reflectors (Gilmore).
        radiator_capacitance_J_per_K_m2: panel heat capacity per m^2 of planform [J/(K m^2)];
            3 kg/m^2 (central estimate, REFERENCES.md) of aluminium at 900 J/(kg K).
        rack_capacitance_J_per_K: rack, cold plates and coolant [J/K]; ~30 kg of water-glycol
            at 3.5 kJ/(kg K) plus 8 copper cold plates (estimate).
        loop_conductance_W_per_K: rack-to-radiator conductance of the pumped loop [W/K]
            (estimate: a 7 kW load across a ~10 K loop temperature difference).
        attitude: ``"edge_on"`` (plane holds the Sun line and nadir: no direct sunlight, the
            usual radiator attitude), ``"sun_tracking"`` (front face to the Sun, worst case) or
            ``"zenith"`` (front face to zenith, back to nadir).
        albedo: Earth albedo [-] (0.30, CERES); olr_W_m2: Earth OLR [W/m^2] (237, CERES).
        output_step_s: output interval [s].
        penumbra_smoothing: broadening of the apparent solar disk [rad] so the eclipse
            transition spans a few output steps (see :func:`thermaljax.orbit.sunlit_fraction`).
    """

    altitude_m: float = 550.0e3
    beta: float = 0.0
    orbits: int = 3
    heat_W: float = 7000.0
    radiator_area_m2: float = 10.0
    two_sided: bool = True
    absorptance: float = 0.07
    emissivity: float = 0.80
    radiator_capacitance_J_per_K_m2: float = 2700.0
    rack_capacitance_J_per_K: float = 1.2e5
    loop_conductance_W_per_K: float = 800.0
    attitude: str = "edge_on"
    albedo: float = EARTH_ALBEDO
    olr_W_m2: float = EARTH_OLR_W_M2
    output_step_s: float = 30.0
    penumbra_smoothing: float = 0.02

    def __post_init__(self):
        check_range("altitude_m", self.altitude_m, "m", low=MIN_ALTITUDE_M, high=MAX_ALTITUDE_M)
        check_range("beta", self.beta, "rad", low=-math.pi / 2, high=math.pi / 2)
        if not isinstance(self.orbits, int) or not 1 <= self.orbits <= 100:
            raise ValueError(f"orbits = {self.orbits!r} must be an integer in [1, 100]")
        check_range("heat_W", self.heat_W, "W", low=0.0, high=1.0e8)
        check_range("radiator_area_m2", self.radiator_area_m2, "m^2", low=0.0,
                    low_inclusive=False, high=1.0e6)
        check_range("absorptance", self.absorptance, "(fraction)", low=0.0, high=1.0)
        check_range("emissivity", self.emissivity, "(fraction)", low=0.0, high=1.0,
                    low_inclusive=False)
        check_range("radiator_capacitance_J_per_K_m2", self.radiator_capacitance_J_per_K_m2,
                    "J/(K m^2)", low=0.0, low_inclusive=False)
        check_range("rack_capacitance_J_per_K", self.rack_capacitance_J_per_K, "J/K", low=0.0,
                    low_inclusive=False)
        check_range("loop_conductance_W_per_K", self.loop_conductance_W_per_K, "W/K", low=0.0,
                    low_inclusive=False)
        if self.attitude not in ATTITUDES:
            raise ValueError(f"attitude = {self.attitude!r} must be one of {ATTITUDES}")
        check_range("albedo", self.albedo, "(fraction)", low=0.0, high=1.0)
        check_range("olr_W_m2", self.olr_W_m2, "W/m^2", low=0.0, high=1000.0)
        check_range("output_step_s", self.output_step_s, "s", low=1.0, high=600.0)
        check_range("penumbra_smoothing", self.penumbra_smoothing, "rad", low=0.0, high=0.2)


def _attitude(name: str):
    if name == "edge_on":
        return orbit.EdgeOnSun()
    if name == "sun_tracking":
        return orbit.SunTracking()
    return orbit.FixedLVLH(jnp.array([0.0, 0.0, -1.0]))


def absorbed_environment_W(config: RadiatorDemoConfig, times_s):
    """Environmental heat absorbed by the radiator [W] at ``times_s`` and the sunlit fraction."""
    theta = orbit.orbit_angle(config.altitude_m, times_s)
    env = orbit.plate_environment(
        _attitude(config.attitude), config.altitude_m, config.beta, theta,
        albedo=config.albedo, olr_W_m2=config.olr_W_m2, smoothing=config.penumbra_smoothing,
    )
    a, e = config.absorptance, config.emissivity
    front = a * (env.solar_front_W_m2 + env.albedo_front_W_m2) + e * env.ir_front_W_m2
    back = a * (env.solar_back_W_m2 + env.albedo_back_W_m2) + e * env.ir_back_W_m2
    faces = front + (back if config.two_sided else 0.0)
    return config.radiator_area_m2 * faces, env.sunlit_fraction


def network(config: RadiatorDemoConfig) -> Network:
    """The two-node network (rack, radiator) of the demonstration."""
    emit = config.emissivity * config.radiator_area_m2 * (2.0 if config.two_sided else 1.0)
    g = config.loop_conductance_W_per_K
    return Network(
        capacitance_J_per_K=jnp.array([
            config.rack_capacitance_J_per_K,
            config.radiator_capacitance_J_per_K_m2 * config.radiator_area_m2,
        ]),
        conductance_W_per_K=jnp.array([[0.0, g], [g, 0.0]]),
        radiative_m2=jnp.zeros((2, 2)),
        space_radiative_m2=jnp.array([0.0, emit]),
    )


def run_radiator_demo(config: RadiatorDemoConfig | None = None) -> dict:
    """Simulate the rack and radiator over ``config.orbits`` orbits.

    Returns:
        A dict with ``time_s`` (m,), ``temperatures_K`` (m, 2) [rack, radiator],
        ``absorbed_W`` (m,), ``radiated_W`` (m,), ``sunlit_fraction`` (m,) and ``summary``
        (scalars of the last orbit: temperature extremes and means, orbit-average heat flows,
        the energy balance closure, eclipse duration and period).
    """
    config = RadiatorDemoConfig() if config is None else config
    period_s = float(orbit.period(config.altitude_m))
    per_orbit = max(8, int(round(period_s / config.output_step_s)))  # whole samples per orbit
    times = np.linspace(0.0, config.orbits * period_s, config.orbits * per_orbit + 1)
    absorbed, sunlit = absorbed_environment_W(config, jnp.asarray(times))
    net = network(config)
    # Start from the steady state of the orbit-average loads: periodic within ~2 orbits.
    avg_env, _ = absorbed_environment_W(config, jnp.linspace(0.0, period_s, 721)[:-1])
    T0 = steady_state(net, jnp.array([config.heat_W, float(jnp.mean(avg_env))]))
    heat = jnp.stack([jnp.full_like(absorbed, config.heat_W), absorbed], axis=1)
    sol = transient_solution(net, T0, times, heat)
    T = np.asarray(sol.temperatures_K)
    radiated = np.asarray(jax.vmap(lambda t: radiated_to_space_W(net, t))(sol.temperatures_K))[:, 1]
    last = np.arange(times.size) >= times.size - 1 - per_orbit  # exactly the last orbit
    t_last = times[last]
    energy_in = np.trapezoid(np.asarray(heat)[last].sum(1), t_last)
    energy_out = np.trapezoid(radiated[last], t_last)
    stored = float(np.sum(np.asarray(net.capacitance_J_per_K) * (T[-1] - T[last][0])))
    ecl = float(orbit.eclipse_fraction(config.altitude_m, config.beta))
    summary = {
        "period_s": period_s,
        "eclipse_fraction": ecl,
        "eclipse_duration_s": ecl * period_s,
        "rack_temperature_max_K": float(T[last, 0].max()),
        "rack_temperature_min_K": float(T[last, 0].min()),
        "rack_temperature_mean_K": float(T[last, 0].mean()),
        "radiator_temperature_max_K": float(T[last, 1].max()),
        "radiator_temperature_min_K": float(T[last, 1].min()),
        "radiator_temperature_mean_K": float(T[last, 1].mean()),
        "absorbed_environment_mean_W": float(energy_in / period_s - config.heat_W),
        "radiated_mean_W": float(energy_out / period_s),
        "radiated_per_area_mean_W_m2": float(energy_out / period_s / config.radiator_area_m2),
        "energy_balance_residual_rel": float(
            abs(energy_in - energy_out - stored) / max(energy_in, 1.0)
        ),
        "solver_status": int(sol.status),
        "solver_steps": int(sol.n_steps),
        "stefan_boltzmann_W_m2_K4": STEFAN_BOLTZMANN_W_M2_K4,
    }
    return {
        "config": dataclasses.asdict(config),
        "time_s": times,
        "temperatures_K": T,
        "absorbed_W": np.asarray(absorbed),
        "radiated_W": radiated,
        "sunlit_fraction": np.asarray(sunlit),
        "summary": summary,
    }
