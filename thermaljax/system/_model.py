"""The coupled rack model: thermal nodes, power bus and battery as one ODE system.

State ``y = [T_gpu, T_rack, T_seg_1..T_seg_N, T_array, T_battery, SOC, V1]`` (temperatures
[K], state of charge [-] and RC-pair voltage [V] of one battery cell). Nodes:

* ``gpu``: the N GPU modules lumped (C = N c_gpu), coupled to the rack node by N / R_jc; its
  temperature is the junction temperature (at quasi-steady state ``T_j = T_c + R_jc P``).
* ``rack``: cold plates, manifolds, servers and the coolant in the rack; receives host,
  network, housekeeping and pump power, and the converter losses (the power electronics sit
  on the loop).
* ``seg_1..seg_N``: radiator segments along the flow (panel plus fluid), advective
  one-way conductors ``m_dot c_p`` rack -> seg_1 -> ... -> seg_N -> rack; each absorbs
  sunlight, albedo and Earth IR on its faces and radiates to space.
* ``array``: the solar array; absorbs on both faces, radiates from both, and exports the
  electrical power it delivers.
* ``battery``: the pack; Joule and coulombic-loss heat, its own one-sided radiator, and a
  conductor to the rack.

Power bus (every quantity in W, positive as named):

    P_avail   = eta_mppt P_pv,max(T_array, G)                 (array -> MPPT -> bus)
    headroom  = P_avail + P_dis,cap(SOC) - P_essential        (battery may discharge down
                                                               to soc_min: linear ramp)
    shed      = clip(headroom / P_servers, 0, 1)              (fraction of servers kept on)
    P_load    = P_essential + shed P_servers
    surplus   = max(P_avail - P_load, 0) -> charge (<= P_ch,cap(SOC), tapers to 0 at soc_max)
                                             and shunt (the rest)
    deficit   = max(P_load - P_avail, 0) -> battery discharge
    P_term    = deficit / eta_dis - eta_ch P_charge           (battery terminal, + discharges)

``P_servers = N [P_idle + (P_tdp - P_idle) u throttle(T_gpu)] + N P_host``; the essential
load is network + housekeeping + pump. The cell current follows from the terminal power by
``I = 2 p / (E + sqrt(E^2 - 4 R0 p))``, ``E = OCV - V1``, ``p`` the power per cell.
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .. import battery as _battery
from .. import constants, pv, rack
from ..orbit._environment import _plate_environment
from ..orbit._kepler import _mean_motion
from ..thermal import Network, radiated_to_space_W
from ._spec import Design, Scenario

GPU, RACK = 0, 1
_CORNER_HALF_WIDTH = 0.05  # corners of the unit ramps, as a fraction of the ramp


def smooth_relu(x, width):
    """``max(x, 0)`` with a C1 quadratic corner on ``|x| < width`` (Huber form).

        r(x) = 0 (x <= -w),  (x + w)^2 / (4 w) (|x| < w),  x (x >= w)

    ``r(x) - r(-x) = x`` exactly, so splitting a balance into its positive and negative parts
    with it conserves energy. The corner keeps the Jacobian continuous: a Rosenbrock step is a
    continuous function of the state only if the Jacobian is (a kink makes the step jump by
    O(h^2) wherever the state crosses it, which finite differences and optimisers see as noise).
    """
    inside = (x + width) ** 2 / (4.0 * width)
    return jnp.where(x <= -width, 0.0, jnp.where(x >= width, x, inside))


def smooth_unit_ramp(x):
    """``clip(x, 0, 1)`` with C1 corners of half-width 0.05 about 0 and 1.

    Equal to ``x`` on [0.05, 0.95], exactly 0 for ``x <= -0.05`` and exactly 1 for
    ``x >= 1.05``; never more than 0.0125 from ``clip(x, 0, 1)``.
    """
    return smooth_relu(x, _CORNER_HALF_WIDTH) - smooth_relu(x - 1.0, _CORNER_HALF_WIDTH)


def node_names(n_segments: int) -> tuple[str, ...]:
    """Names of the thermal nodes, in state order."""
    return ("gpu", "rack", *(f"radiator_{i + 1}" for i in range(n_segments)), "array",
            "battery")


class Flows(NamedTuple):
    """Every power flow of the model at one instant [W unless stated]."""

    sunlit_fraction: jax.Array  # [-]
    utilisation: jax.Array  # scheduled [-]
    throttle: jax.Array  # [-]
    shed: jax.Array  # fraction of servers kept on [-]
    compute_fraction: jax.Array  # delivered / scheduled compute [-]
    junction_K: jax.Array
    pv_available_W: jax.Array  # at the cell terminals, at maximum power
    pv_W: jax.Array  # extracted at the cell terminals
    load_W: jax.Array  # all bus loads incl. pump
    gpu_W: jax.Array
    pump_W: jax.Array
    charge_W: jax.Array  # bus -> charge regulator
    discharge_W: jax.Array  # discharge regulator -> bus
    shunt_W: jax.Array  # surplus dissipated or not extracted (bus equivalent)
    converter_loss_W: jax.Array  # MPPT + charge + discharge regulators
    battery_power_W: jax.Array  # pack terminal, + discharges
    battery_current_A: jax.Array  # pack, + discharges
    battery_voltage_V: jax.Array  # pack terminal
    battery_heat_W: jax.Array
    absorbed_W: jax.Array  # (n,) environmental heat absorbed by each node
    dissipated_W: jax.Array  # (n,) internal dissipation in each node (minus exported power)
    radiated_W: jax.Array  # (n,) net radiated to the deep-space sink
    dsoc_dt: jax.Array  # [1/s]
    dv1_dt: jax.Array  # [V/s]


class Model(eqx.Module):
    """Derived, dtype-cast quantities of one (design, scenario) pair and the model equations."""

    scenario: Scenario
    network: Network
    n_cells: jax.Array  # cells in the pack (continuous)
    cell: _battery.TheveninParams  # capacity includes the retention factor
    battery_mass_kg: jax.Array
    pump_W: jax.Array
    segment_area_m2: jax.Array
    battery_radiator_area_m2: jax.Array
    array_area_m2: jax.Array
    mean_motion: jax.Array
    period_s: jax.Array
    power_smoothing_W: jax.Array  # corner width of the bus switches [W]
    linear_W_per_K: jax.Array  # (n, n) conduction + advection operator: heat = L @ T

    def __init__(self, design: Design, scenario: Scenario, dtype):
        cast = lambda tree: jax.tree.map(  # noqa: E731
            lambda a: jnp.asarray(a, dtype) if eqx.is_inexact_array(a) else a, tree)
        d, s = cast(design), cast(scenario)
        self.scenario = s
        lp, pw, rk = s.loop, s.power, s.rack
        n_seg = lp.n_segments
        n = n_seg + 4
        # Battery: cells_in_series per string, strings in parallel from the design capacity.
        nominal_cell_Wh = _battery.chemical_energy_J(pw.battery_cell, 1.0) / 3600.0
        self.n_cells = d.battery_capacity_Wh / nominal_cell_Wh
        self.cell = eqx.tree_at(lambda c: c.capacity_Ah, pw.battery_cell,
                                pw.battery_cell.capacity_Ah * pw.battery_capacity_retention)
        self.battery_mass_kg = d.battery_capacity_Wh / pw.battery_specific_energy_Wh_kg
        self.pump_W = d.coolant_flow_kg_s * lp.pump_pressure_rise_Pa / (
            lp.coolant_density_kg_m3 * lp.pump_efficiency)
        self.segment_area_m2 = d.radiator_area_m2 / n_seg
        # 1e-3 of the rack's nominal power: ~75 W for the default rack.
        self.power_smoothing_W = 1e-3 * rk.nominal_power_W
        self.battery_radiator_area_m2 = d.battery_radiator_area_m2
        self.array_area_m2 = d.array_area_m2
        self.mean_motion = _mean_motion(s.orbit.altitude_m)
        self.period_s = 2.0 * jnp.pi / self.mean_motion

        seg_cap = jnp.full((n_seg,), 1.0, dtype) * lp.radiator_heat_capacity_J_per_K_m2 \
            * self.segment_area_m2
        cap = jnp.concatenate([
            jnp.stack([rk.n_gpus * rk.gpu_heat_capacity_J_per_K, rk.rack_heat_capacity_J_per_K]),
            seg_cap,
            jnp.stack([pw.array_heat_capacity_J_per_K_m2 * d.array_area_m2,
                       pw.battery_heat_capacity_J_kg_K * self.battery_mass_kg]),
        ])
        gl = jnp.zeros((n, n), dtype)
        g_jc = rk.n_gpus / rk.gpu.junction_to_coolant_K_per_W
        gl = gl.at[GPU, RACK].set(g_jc).at[RACK, GPU].set(g_jc)
        gl = gl.at[RACK, n - 1].set(pw.battery_to_rack_W_per_K)
        gl = gl.at[n - 1, RACK].set(pw.battery_to_rack_W_per_K)
        mc = d.coolant_flow_kg_s * lp.coolant_cp_J_per_kg_K
        flow = jnp.zeros((n, n), dtype)
        chain = [RACK, *range(2, 2 + n_seg), RACK]
        for src, dst in zip(chain[:-1], chain[1:]):
            flow = flow.at[dst, src].set(mc)  # F_ij: from j into i
        faces = 2.0 if lp.two_sided else 1.0
        gs = jnp.concatenate([
            jnp.zeros((2,), dtype),
            jnp.full((n_seg,), 1.0, dtype) * faces * lp.radiator_coating.emissivity
            * self.segment_area_m2,
            jnp.stack([pv.space_radiative_m2(d.array_area_m2, pw.cell, pw.array_back_emissivity),
                       pw.battery_radiator_coating.emissivity * d.battery_radiator_area_m2]),
        ])
        self.network = Network(cap, gl, jnp.zeros((n, n), dtype), gs,
                               s.environment.sink_temperature_K, advective_W_per_K=flow)
        # The same network in the form the integrator evaluates: one (n, n) matrix for
        # conduction and advection (linear in T) and a vector for radiation to space.
        lin = self.network.conductance_W_per_K + self.network.advective_W_per_K
        self.linear_W_per_K = lin - jnp.diag(jnp.sum(lin, axis=-1))

    @property
    def n_nodes(self) -> int:
        return self.scenario.loop.n_segments + 4

    def environment(self, t):
        """Plate environments (radiator, array) at time ``t``, sunlight and albedo scaled to
        the scenario's solar flux (both are linear in it)."""
        t = jnp.asarray(t, self.period_s.dtype)
        s = self.scenario
        env, orb = s.environment, s.orbit
        theta = orb.orbit_angle0_rad + self.mean_motion * t
        k = env.solar_flux_W_m2 / constants.SOLAR_CONSTANT_W_M2
        args = (orb.altitude_m, orb.beta_rad, theta,
                jnp.asarray(constants.ASTRONOMICAL_UNIT_M, t.dtype), env.albedo, env.olr_W_m2,
                env.penumbra_smoothing_rad)

        def scaled(attitude):
            e = _plate_environment(attitude, *args)
            return e._replace(solar_front_W_m2=k * e.solar_front_W_m2,
                              solar_back_W_m2=k * e.solar_back_W_m2,
                              albedo_front_W_m2=k * e.albedo_front_W_m2,
                              albedo_back_W_m2=k * e.albedo_back_W_m2)

        return scaled(s.loop.radiator_attitude), scaled(s.power.array_attitude)

    def utilisation(self, t):
        rk = self.scenario.rack
        phase = jnp.mod(t / self.period_s, 1.0)
        return jnp.interp(phase, rk.utilisation_orbit_fraction, rk.utilisation)

    def coupled_indices(self) -> tuple[int, ...]:
        """State indices the power bus reads: T_gpu, T_array, T_battery, SOC, V1."""
        n = self.n_nodes
        return (GPU, n - 2, n - 1, n, n + 1)

    def _coupled(self, y):
        return jnp.stack([y[i] for i in self.coupled_indices()])

    def flows(self, t, y) -> Flows:
        """Every flow at state ``y`` (for output and bookkeeping)."""
        n = self.n_nodes
        f = self._bus(t, self._coupled(y))
        return f._replace(radiated_W=radiated_to_space_W(self.network, y[:n]))

    def _bus(self, t, x) -> Flows:
        """Power bus, loads, PV and battery at ``x = (T_gpu, T_array, T_battery, SOC, V1)``.

        Everything here depends on the state only through these five values, which is what
        keeps the Jacobian cheap: five forward-mode tangents instead of one per state.
        """
        s = self.scenario
        rk, lp, pw = s.rack, s.loop, s.power
        n_seg = lp.n_segments
        t_gpu, t_arr, t_bat, soc, v1 = x[0], x[1], x[2], x[3], x[4]
        rad, arr = self.environment(t)

        # Photovoltaic array (maximum power at the cell terminals) and its absorbed heat.
        cell = pw.cell
        pv_max = pv.power_W(self.array_area_m2, pv.front_irradiance_W_m2(arr), t_arr,
                            cell.efficiency_ref, cell.temp_coeff_per_K,
                            packing_factor=pw.packing_factor, degradation=pw.pv_degradation)
        absorbed_arr = pv.absorbed_W(self.array_area_m2, arr, cell,
                                     back_absorptance=pw.array_back_absorptance,
                                     back_emissivity=pw.array_back_emissivity)
        # Radiator faces and the battery radiator (front face of the same attitude).
        c = lp.radiator_coating
        q_front = c.absorptance * (rad.solar_front_W_m2 + rad.albedo_front_W_m2) \
            + c.emissivity * rad.ir_front_W_m2
        q_back = c.absorptance * (rad.solar_back_W_m2 + rad.albedo_back_W_m2) \
            + c.emissivity * rad.ir_back_W_m2
        q_seg = q_front + (q_back if lp.two_sided else 0.0)
        cb = pw.battery_radiator_coating
        q_bat = cb.absorptance * (rad.solar_front_W_m2 + rad.albedo_front_W_m2) \
            + cb.emissivity * rad.ir_front_W_m2

        # Rack loads.
        gpu = rk.gpu
        u = self.utilisation(t)
        throttle = rack.throttle_factor(t_gpu, gpu, width_K=rk.throttle_width_K,
                                        min_factor=rk.throttle_min_factor)
        p_gpu_on = rk.n_gpus * rack.gpu_power_W(u, throttle, gpu)
        p_servers = p_gpu_on + rk.n_gpus * rk.host_W_per_gpu
        p_essential = rk.network_W + rk.housekeeping_W + self.pump_W

        # Battery capability at this state (per cell, then pack).
        bc = self.cell
        f_arr = _battery.arrhenius_factor(bc, t_bat)
        r0, r1 = bc.r0_ohm * f_arr, bc.r1_ohm * f_arr
        ocv = _battery.open_circuit_voltage_V(bc, soc)
        e = jnp.maximum(ocv - v1, 0.1)
        i_dis, i_ch = bc.max_discharge_current_A, bc.max_charge_current_A
        p_dis_cell = jnp.maximum(i_dis * (e - i_dis * r0), 0.0)
        p_ch_cell = i_ch * (e + i_ch * r0)
        w = pw.soc_switch_width
        # Linear ramps that reach zero exactly at the limits (see PowerSpec.soc_switch_width).
        floor = smooth_unit_ramp((soc - bc.soc_min) / w)
        top = smooth_unit_ramp((bc.soc_max - soc) / w)
        eta_m, eta_c, eta_d = pw.mppt_efficiency, pw.charge_efficiency, pw.discharge_efficiency
        dis_cap = eta_d * self.n_cells * p_dis_cell * floor
        ch_cap = self.n_cells * p_ch_cell * top / eta_c

        # Bus balance and load shedding.
        avail = eta_m * pv_max
        headroom = avail + dis_cap - p_essential
        safe_servers = jnp.where(p_servers > 0.0, p_servers, 1.0)
        shed = jnp.where(p_servers > 0.0, smooth_unit_ramp(headroom / safe_servers), 1.0)
        load = p_essential + shed * p_servers
        net = avail - load
        # Surplus and deficit split with a C1 corner of width w_P (deficit = surplus - net
        # exactly, so the bus balance holds everywhere); charge = smooth min(surplus, cap).
        w_p = self.power_smoothing_W
        surplus = smooth_relu(net, w_p)
        deficit = surplus - net
        shunt = smooth_relu(surplus - ch_cap, w_p)
        charge = surplus - shunt
        p_term = deficit / eta_d - eta_c * charge

        # Cell current from terminal power: R0 I^2 - E I + p = 0, the root continuous at p = 0.
        p_cell = p_term / self.n_cells
        disc = jnp.maximum(e * e - 4.0 * r0 * p_cell, (0.05 * e) ** 2)
        i_cell = 2.0 * p_cell / (e + jnp.sqrt(disc))
        v_cell = e - i_cell * r0
        eta_coul = bc.coulombic_efficiency
        discharging = smooth_relu(i_cell, 1e-3 * i_ch)
        charging = discharging - i_cell
        heat_cell = i_cell**2 * r0 + v1**2 / r1 + (1.0 - eta_coul) * ocv * charging
        dsoc = -(discharging - eta_coul * charging) / (3600.0 * bc.capacity_Ah)
        dv1 = -v1 / (r1 * bc.c1_F) + i_cell / bc.c1_F

        # Where every watt goes.
        if pw.shunt_destination == "array":
            pv_out = pv_max - shunt / eta_m
            shunt_radiator = jnp.zeros_like(shunt)
        else:
            pv_out = pv_max
            shunt_radiator = shunt
        conv_loss = (1.0 - eta_m) * pv_out + (1.0 - eta_c) * charge + (1.0 / eta_d - 1.0) * deficit
        gpu_heat = shed * p_gpu_on
        rack_heat = shed * rk.n_gpus * rk.host_W_per_gpu + p_essential + conv_loss
        battery_heat = self.n_cells * heat_cell
        z = jnp.zeros_like(t_gpu)
        seg_ones = jnp.ones((n_seg,), t_gpu.dtype)
        absorbed = jnp.concatenate([
            jnp.stack([z, z]), seg_ones * q_seg * self.segment_area_m2,
            jnp.stack([absorbed_arr, q_bat * self.battery_radiator_area_m2])])
        dissipated = jnp.concatenate([
            jnp.stack([gpu_heat, rack_heat]), seg_ones * shunt_radiator / n_seg,
            jnp.stack([-pv_out, battery_heat])])
        return Flows(
            sunlit_fraction=arr.sunlit_fraction, utilisation=u, throttle=throttle, shed=shed,
            compute_fraction=throttle * shed, junction_K=t_gpu, pv_available_W=pv_max,
            pv_W=pv_out, load_W=load, gpu_W=gpu_heat, pump_W=self.pump_W + z, charge_W=charge,
            discharge_W=deficit, shunt_W=shunt, converter_loss_W=conv_loss,
            battery_power_W=p_term, battery_current_A=i_cell * self.n_cells / pw.cells_in_series,
            battery_voltage_V=v_cell * pw.cells_in_series, battery_heat_W=battery_heat,
            absorbed_W=absorbed, dissipated_W=dissipated, radiated_W=None, dsoc_dt=dsoc,
            dv1_dt=dv1)

    def _sources(self, t, x):
        """The bus's contribution to ``dy/dt``: node heat / C, dSOC/dt, dV1/dt."""
        f = self._bus(t, x)
        heat = (f.absorbed_W + f.dissipated_W) / self.network.capacitance_J_per_K
        return jnp.concatenate([heat, jnp.stack([f.dsoc_dt, f.dv1_dt])])

    def _network_rates(self, temps):
        """Conduction, advection and radiation to space, divided by C [K/s]."""
        heat = self.linear_W_per_K @ temps - radiated_to_space_W(self.network, temps)
        return heat / self.network.capacitance_J_per_K

    def rhs(self, t, y):
        """``dy/dt`` of the coupled system."""
        t = jnp.asarray(t, y.dtype)
        n = self.n_nodes
        src = self._sources(t, self._coupled(y))
        return src + jnp.concatenate([self._network_rates(y[:n]), jnp.zeros((2,), y.dtype)])

    def jacobian(self, t, y):
        """Exact ``d(dy/dt)/dy``: analytic network part plus the bus by forward mode."""
        t = jnp.asarray(t, y.dtype)
        n = self.n_nodes
        idx = self.coupled_indices()
        temps = y[:n]
        inv_c = 1.0 / self.network.capacitance_J_per_K
        four_sigma_t3 = (4.0 * constants.STEFAN_BOLTZMANN_W_M2_K4
                         * self.network.space_radiative_m2 * temps**3)
        j_net = inv_c[:, None] * (self.linear_W_per_K - jnp.diag(four_sigma_t3))
        j = jnp.zeros((n + 2, n + 2), y.dtype).at[:n, :n].set(j_net)
        j_bus = jax.jacfwd(lambda x: self._sources(t, x))(self._coupled(y))  # (n + 2, 5)
        select = np.zeros((len(idx), n + 2))
        select[np.arange(len(idx)), idx] = 1.0
        return j + j_bus @ jnp.asarray(select, y.dtype)

    def time_derivative(self, t, y):
        """Partial ``d(dy/dt)/dt`` (environment and schedule move with t; the network does not)."""
        x = self._coupled(y)
        return jax.jvp(lambda s_: self._sources(s_, x), (t,), (jnp.ones_like(t),))[1]


# --------------------------------------------------------------------------------------------
# Structure-exploiting stage solve
# --------------------------------------------------------------------------------------------


def _cyclic_inverse(a, c):
    """Inverse of the cyclic lower-bidiagonal matrix ``A`` with ``A[i, i] = a[i]``,
    ``A[i, i-1] = c[i]`` (i >= 1) and ``A[0, k-1] = c[0]``: the coolant loop, rack ->
    segment 1 -> ... -> segment N -> rack.

    Forward substitution with the rack's unknown ``z_0`` carried symbolically,
    ``z_i = p_i + q_i z_0``, closed by the rack's own row: O(k^2) for the explicit inverse,
    no pivoting (``a > 0`` and ``|c_i| < a_i``: the loop's diagonal holds its outflow, the
    sub-diagonal the inflow, and radiation and the capacity term add to the diagonal, so the
    closing denominator ``a_0 + c_0 q_{k-1}`` is positive).
    """
    k = a.shape[-1]
    eye = jnp.eye(k, dtype=a.dtype)
    p, q = [jnp.zeros((k,), a.dtype)], [jnp.ones((), a.dtype)]
    for i in range(1, k):
        p.append((eye[i] - c[i] * p[-1]) / a[i])
        q.append(-c[i] * q[-1] / a[i])
    z0 = (eye[0] - c[0] * p[-1]) / (a[0] + c[0] * q[-1])
    return jnp.stack([p[i] + q[i] * z0 for i in range(k)])


def loop_factor(n_segments: int):
    """``M -> (b -> M^-1 b)`` for the coupled model's Rodas4 stage matrix
    ``M = I / (h gamma) - J``, by block elimination (Schur complement).

    The state splits into the coolant loop ``L`` (rack and radiator segments: a cyclic
    bidiagonal block, since the loop's nodes exchange heat only by advection along the flow
    and radiate to space) and the five states the power bus reads ``C`` (GPU, array and
    battery temperatures, SOC, RC voltage; every bus term of ``J`` sits in their columns).
    With ``M = [[A, B], [G, D]]`` in that order: ``A^-1`` from the ring recurrence, the 5 x 5
    Schur complement ``S = D - G A^-1 B`` by unrolled Gauss-Jordan, and each solve
    ``x_C = S^-1 (b_C - G A^-1 b_L)``, ``x_L = A^-1 b_L - A^-1 B x_C``. Factorisation ~1.1k
    multiply-adds instead of ~5.5k for the dense 14 x 14 Gauss-Jordan inverse (8 segments);
    solves cost the same as a dense product. Transposed solves (reverse mode) use the same
    blocks. Differentiated implicitly, as every stage solve (:func:`_rosenbrock._implicit_solve`).
    """
    from .._rosenbrock import _implicit_solve, gauss_jordan_inverse

    n = n_segments + 4
    lo, hi = RACK, n - 2  # the loop is the contiguous range [rack, last segment]
    assert GPU == 0 and RACK == 1

    def split(r):  # r[..., loop] and r[..., coupled] as static slices (no gathers)
        return r[..., lo:hi], jnp.concatenate([r[..., :lo], r[..., hi:]], axis=-1)

    def join(x_l, x_c):
        return jnp.concatenate([x_c[..., :1], x_l, x_c[..., 1:]], axis=-1)

    def factor(m):
        mm = jax.lax.stop_gradient(m)
        blk_a, blk_b = split(mm[lo:hi])
        rows_c = jnp.concatenate([mm[:lo], mm[hi:]])
        blk_g, blk_d = split(rows_c)
        c = jnp.concatenate([blk_a[:1, -1], jnp.diagonal(blk_a, offset=-1)])
        a_inv = _cyclic_inverse(jnp.diagonal(blk_a), c)
        z = a_inv @ blk_b
        s_inv = gauss_jordan_inverse(blk_d - blk_g @ z)

        def solve(r):
            r_l, r_c = split(r)
            w = a_inv @ r_l
            x_c = s_inv @ (r_c - blk_g @ w)
            return join(w - z @ x_c, x_c)

        def solve_t(r):
            r_l, r_c = split(r)
            w = a_inv.T @ r_l
            x_c = s_inv.T @ (r_c - blk_b.T @ w)
            return join(w - a_inv.T @ (blk_g.T @ x_c), x_c)

        return _implicit_solve(m, solve, solve_t)

    return factor
