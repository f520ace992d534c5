"""``simulate(design, scenario)``: the coupled rack over whole orbits, from a periodic start.

Integration: the state of :mod:`._model` is advanced by fixed-step Rodas4 (L-stable,
stiffly accurate Rosenbrock, exact Jacobian by forward-mode AD) inside ``lax.scan``, so one
compiled program serves every design, ``vmap`` batches designs and ``grad`` differentiates
through whole orbits. The run starts from the steady state of the orbit-averaged equations
(damped Newton, implicit-function gradient), runs ``warmup_orbits`` before the reported ones
and extrapolates the slow node temperatures (the battery's time constant is hours) to their
periodic values from the last three orbit starts (Aitken's delta-squared); the change of the
state over the last reported orbit is the periodicity error.

Energy bookkeeping is part of the result: the environmental heat absorbed, the internal
dissipation and the heat radiated to space by every node, integrated with the trapezoid rule
at the step times, against the stored heat ``sum_i C_i (T_i,end - T_i,start)``; and the PV
energy against loads, converter losses, battery heat, shunt and the change of the battery's
chemical and RC-pair energy.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

from .. import battery as _battery
from .. import constants
from .._checks import is_concrete
from .._rosenbrock import rodas4_step
from .._status import Status, raise_if_failed
from ._model import GPU, RACK, Flows, Model, loop_factor, node_names
from ._spec import Design, Scenario

_AVERAGE_SAMPLES = 16
_STAGE_SOLVE = "loop"  # "loop": block elimination over the coolant ring; "dense": Gauss-Jordan
_NEWTON_ITERATIONS = 12
_NEWTON_MAX_STEP_K = 40.0


class Summary(eqx.Module):
    """Scalar results of one run (over the reported orbits).

    Event times are seconds from the start of the reported orbits, ``inf`` when the event
    did not happen. Energies are integrals over the reported orbits [J].
    """

    max_junction_K: Float[Array, ""]
    min_soc: Float[Array, ""]
    max_soc: Float[Array, ""]
    soc_change: Float[Array, ""]  # end minus start of the reported orbits [-]
    battery_min_K: Float[Array, ""]
    battery_max_K: Float[Array, ""]
    array_max_K: Float[Array, ""]
    radiator_min_K: Float[Array, ""]  # coldest radiator segment (coolant) [K]
    coolant_max_K: Float[Array, ""]  # rack node (coolant leaving the cold plates) [K]
    compute_fraction: Float[Array, ""]  # delivered / scheduled GPU compute, orbit average
    min_compute_fraction: Float[Array, ""]
    pv_energy_J: Float[Array, ""]
    load_energy_J: Float[Array, ""]
    shunt_energy_J: Float[Array, ""]
    battery_heat_J: Float[Array, ""]
    converter_loss_J: Float[Array, ""]
    battery_energy_change_J: Float[Array, ""]  # chemical + RC-pair energy, pack
    absorbed_J: Float[Array, ""]
    radiated_J: Float[Array, ""]
    stored_heat_J: Float[Array, ""]  # sum_i C_i delta T_i
    thermal_energy_residual: Float[Array, ""]  # relative to the heat input
    electrical_energy_residual: Float[Array, ""]  # relative to the PV energy
    periodicity_error_K: Float[Array, ""]  # max_i |T_i(end) - T_i(start)| over the last orbit
    periodicity_error_soc: Float[Array, ""]
    throttle_time_s: Float[Array, ""]  # first junction temperature >= slowdown
    shutdown_time_s: Float[Array, ""]  # first junction temperature >= shutdown
    soc_floor_time_s: Float[Array, ""]  # first SOC <= soc_min (load shedding engages)
    battery_empty_time_s: Float[Array, ""]  # first SOC <= 0
    coolant_freeze_time_s: Float[Array, ""]  # first radiator segment <= coolant freezing point
    battery_mass_kg: Float[Array, ""]
    pump_W: Float[Array, ""]


class SimulationResult(eqx.Module):
    """Time series and summary of :func:`simulate`.

    Time series have a leading axis of ``len(times_s)`` (step times of the reported orbits,
    both ends included); node-wise ones a trailing axis over :attr:`node_names`. They are
    ``None`` when ``simulate(..., record=False)``. Powers in W, temperatures in K.

    Attributes:
        node_names: thermal node names (static): gpu, rack, radiator_1..N, array, battery.
        capacitance_J_per_K: (n,) node heat capacities.
        times_s: (m,) time since the start of the reported orbits [s].
        temperatures_K: (m, n) node temperatures.
        junction_K: (m,) GPU junction temperature.
        soc: (m,) battery state of charge [-].
        rc_voltage_V: (m,) voltage of one cell's RC pair [V] (the last state variable).
        battery_voltage_V, battery_current_A, battery_power_W: pack terminal voltage, current
            and power (+ discharges).
        pv_W: electrical power extracted from the array at the cell terminals.
        pv_available_W: maximum power the array could deliver.
        load_W: bus loads (GPUs, hosts, network, housekeeping, pump).
        gpu_W: GPU power; shunt_W: surplus not stored (dissipated or not extracted);
        charge_W / discharge_W: bus side of the battery regulators; converter_loss_W: MPPT
        and battery regulators; battery_heat_W: Joule and coulombic-loss heat of the pack.
        compute_fraction, throttle, shed, utilisation, sunlit_fraction: (m,) [-].
        absorbed_W, dissipated_W, radiated_W: (m, n) per-node environmental heat absorbed,
            internal dissipation (the array's exported electrical power counts negative) and
            net heat radiated to space.
        summary: :class:`Summary`.
        status: :class:`thermaljax.Status` code (0 = success).
    """

    capacitance_J_per_K: Float[Array, " n"]
    times_s: Float[Array, " m"] | None
    temperatures_K: Float[Array, "m n"] | None
    junction_K: Float[Array, " m"] | None
    soc: Float[Array, " m"] | None
    rc_voltage_V: Float[Array, " m"] | None
    battery_voltage_V: Float[Array, " m"] | None
    battery_current_A: Float[Array, " m"] | None
    battery_power_W: Float[Array, " m"] | None
    pv_W: Float[Array, " m"] | None
    pv_available_W: Float[Array, " m"] | None
    load_W: Float[Array, " m"] | None
    gpu_W: Float[Array, " m"] | None
    shunt_W: Float[Array, " m"] | None
    charge_W: Float[Array, " m"] | None
    discharge_W: Float[Array, " m"] | None
    converter_loss_W: Float[Array, " m"] | None
    battery_heat_W: Float[Array, " m"] | None
    compute_fraction: Float[Array, " m"] | None
    throttle: Float[Array, " m"] | None
    shed: Float[Array, " m"] | None
    utilisation: Float[Array, " m"] | None
    sunlit_fraction: Float[Array, " m"] | None
    absorbed_W: Float[Array, "m n"] | None
    dissipated_W: Float[Array, "m n"] | None
    radiated_W: Float[Array, "m n"] | None
    summary: Summary
    status: Array
    node_names: tuple[str, ...] = eqx.field(static=True)


_SERIES = ("junction_K", "battery_voltage_V", "battery_current_A", "battery_power_W", "pv_W",
           "pv_available_W", "load_W", "gpu_W", "shunt_W", "charge_W", "discharge_W",
           "converter_loss_W", "battery_heat_W", "compute_fraction", "throttle", "shed",
           "utilisation", "sunlit_fraction", "absorbed_W", "dissipated_W", "radiated_W")


def _dtype(design: Design, scenario: Scenario):
    """The computation dtype: the widest float of the inputs (float64 only under x64)."""
    leaves = [x for x in jax.tree.leaves((design, scenario)) if eqx.is_inexact_array(x)]
    return jnp.result_type(*leaves)


def ode(design: Design, scenario: Scenario, dtype=None) -> Model:
    """The coupled system as an ODE ``dy/dt = f(t, y)``, for use with another integrator.

    ``y = [T_1..T_n (node order of ``node_names``), SOC, V1]``. The returned object has
    ``rhs(t, y)``, ``jacobian(t, y)`` (exact), ``time_derivative(t, y)``,
    ``flows(t, y)`` (every power flow), ``n_nodes`` and ``network`` (capacitances and
    conductors); it is a pytree, so it can be passed through ``jit``. Time ``t`` [s] is
    measured from the start of an orbit (``orbit_angle0_rad``).

    Example:
        >>> import jax.numpy as jnp
        >>> import thermaljax as tj
        >>> f = tj.system.ode(tj.Design.default(), tj.Scenario.default())
        >>> y = jnp.concatenate([jnp.full(f.n_nodes, 300.0), jnp.array([0.9, 0.0])])
        >>> f.rhs(0.0, y).shape
        (14,)
    """
    return Model(design, scenario, _dtype(design, scenario) if dtype is None else dtype)


def steps_per_orbit(scenario: Scenario) -> int:
    """Number of equal Rodas4 steps per orbit: ``ceil(period / step_s)`` (or the explicit value)."""
    sim = scenario.simulation
    if sim.steps_per_orbit is not None:
        return sim.steps_per_orbit
    alt = scenario.orbit.altitude_m
    if not is_concrete(alt) or jnp.ndim(alt) != 0:
        raise ValueError(
            "the number of steps per orbit depends on the altitude, which is traced or batched "
            "here: set SimulationSpec(steps_per_orbit=...) [steps] when vmapping over altitudes")
    a = constants.EARTH_RADIUS_M + float(alt)
    period_s = 2.0 * math.pi * math.sqrt(a**3 / constants.EARTH_MU_M3_S2)
    return max(8, math.ceil(period_s / sim.step_s))


def simulate(design: Design, scenario: Scenario, *, record: bool = True,
             throw: bool = True) -> SimulationResult:
    """Simulate the orbiting GPU rack: temperatures, power bus and battery over whole orbits.

    Args:
        design: the sized quantities (:class:`Design`); scalars, or use ``jax.vmap`` to batch.
        scenario: everything else (:class:`Scenario`, e.g. ``Scenario.default()``).
        record: keep the time series (default); ``False`` returns only the summary, which is
            what large batched sweeps want (memory independent of the orbit length).
        throw: raise at run time if the integration fails (non-finite state); with ``False``
            the failure is only reported in ``status``. Thermal runaway and an empty battery
            are not failures: they are reported with their times in the summary.

    Returns:
        :class:`SimulationResult`.

    Example:
        >>> import thermaljax as tj
        >>> r = tj.simulate(tj.Design.default(), tj.Scenario.default())
        >>> bool(r.summary.max_junction_K < tj.rack.H100.max_operating_K)
        True
    """
    if not isinstance(design, Design):
        raise ValueError(f"design must be a thermaljax.Design, got {type(design).__name__}")
    if not isinstance(scenario, Scenario):
        raise ValueError(f"scenario must be a thermaljax.Scenario, got {type(scenario).__name__}")
    steps = steps_per_orbit(scenario)
    dtype = _dtype(design, scenario)
    result = _simulate(design, scenario, steps, record, dtype)
    if throw:
        result = eqx.tree_at(lambda r: r.summary.max_junction_K, result,
                             raise_if_failed(result.summary.max_junction_K, result.status))
    return result


class _Accumulator(NamedTuple):
    """Running integrals (trapezoid) and extrema over the reported orbits."""

    absorbed: Array
    dissipated: Array
    radiated: Array
    pv: Array
    load: Array
    shunt_heat: Array
    shunt: Array
    battery_heat: Array
    converter_loss: Array
    heat_in: Array
    compute: Array
    scheduled: Array
    max_junction: Array
    min_soc: Array
    max_soc: Array
    battery_min: Array
    battery_max: Array
    array_max: Array
    radiator_min: Array
    coolant_max: Array
    min_compute: Array
    throttle_time: Array
    shutdown_time: Array
    soc_floor_time: Array
    empty_time: Array
    freeze_time: Array


def _sample(model: Model, f: Flows):
    """Scalar integrands at one instant (for the trapezoid sums)."""
    shunt_heat = f.shunt_W if model.scenario.power.shunt_destination == "radiator" else \
        jnp.zeros_like(f.shunt_W)
    heat_in = jnp.sum(f.absorbed_W) + jnp.sum(f.dissipated_W) + f.pv_W
    return dict(absorbed=jnp.sum(f.absorbed_W), dissipated=jnp.sum(f.dissipated_W),
                radiated=jnp.sum(f.radiated_W), pv=f.pv_W, load=f.load_W,
                shunt_heat=shunt_heat, shunt=f.shunt_W, battery_heat=f.battery_heat_W,
                converter_loss=f.converter_loss_W, heat_in=heat_in,
                compute=f.compute_fraction * f.utilisation, scheduled=f.utilisation)


def _init_accumulator(model, y, f, dtype) -> _Accumulator:
    n = model.n_nodes
    zero = jnp.zeros((), dtype)
    inf = jnp.asarray(jnp.inf, dtype)
    acc = _Accumulator(*([zero] * 12), max_junction=y[GPU], min_soc=y[n], max_soc=y[n],
                       battery_min=y[n - 1], battery_max=y[n - 1], array_max=y[n - 2],
                       radiator_min=jnp.min(y[2:n - 2]), coolant_max=y[RACK],
                       min_compute=f.compute_fraction, throttle_time=inf, shutdown_time=inf,
                       soc_floor_time=inf, empty_time=inf, freeze_time=inf)
    return _update_events(model, acc, y, f, zero)


def _update_events(model, acc: _Accumulator, y, f: Flows, t) -> _Accumulator:
    n = model.n_nodes
    s = model.scenario
    gpu, cell = s.rack.gpu, model.cell
    first = lambda prev, cond: jnp.where(jnp.isinf(prev) & cond, t, prev)  # noqa: E731
    return acc._replace(
        max_junction=jnp.maximum(acc.max_junction, y[GPU]),
        min_soc=jnp.minimum(acc.min_soc, y[n]), max_soc=jnp.maximum(acc.max_soc, y[n]),
        battery_min=jnp.minimum(acc.battery_min, y[n - 1]),
        battery_max=jnp.maximum(acc.battery_max, y[n - 1]),
        array_max=jnp.maximum(acc.array_max, y[n - 2]),
        radiator_min=jnp.minimum(acc.radiator_min, jnp.min(y[2:n - 2])),
        coolant_max=jnp.maximum(acc.coolant_max, y[RACK]),
        min_compute=jnp.minimum(acc.min_compute, f.compute_fraction),
        throttle_time=first(acc.throttle_time, y[GPU] >= gpu.slowdown_K),
        shutdown_time=first(acc.shutdown_time, y[GPU] >= gpu.shutdown_K),
        soc_floor_time=first(acc.soc_floor_time, y[n] <= cell.soc_min),
        empty_time=first(acc.empty_time, y[n] <= 0.0),
        freeze_time=first(acc.freeze_time,
                          jnp.min(y[2:n - 2]) <= s.loop.coolant_freezing_K),
    )


def _integrate(acc: _Accumulator, a: dict, b: dict, h) -> _Accumulator:
    upd = {k: getattr(acc, k) + 0.5 * h * (a[k] + b[k])
           for k in ("absorbed", "dissipated", "radiated", "pv", "load", "shunt_heat", "shunt",
                     "battery_heat", "converter_loss", "heat_in", "compute", "scheduled")}
    return acc._replace(**upd)


def _initial_state(model: Model, dtype):
    """Steady state of the orbit-averaged thermal equations at the initial SOC (Newton)."""
    n = model.n_nodes
    soc0 = model.scenario.power.initial_soc
    ts = (jnp.arange(_AVERAGE_SAMPLES, dtype=dtype) + 0.5) * (model.period_s / _AVERAGE_SAMPLES)
    cap = model.network.capacitance_J_per_K

    def residual(temps):
        y = jnp.concatenate([temps, jnp.stack([soc0, jnp.zeros((), dtype)])])
        rates = jax.vmap(lambda t: model.rhs(t, y)[:n])(ts)
        return cap * jnp.mean(rates, axis=0)  # [W]

    def newton(temps):
        jac = jax.jacfwd(residual)(temps)
        dx = jnp.linalg.solve(jac, residual(temps))
        return temps - jnp.clip(dx, -_NEWTON_MAX_STEP_K, _NEWTON_MAX_STEP_K)

    guess = jnp.full((n,), 300.0, dtype)
    root = jax.lax.fori_loop(0, _NEWTON_ITERATIONS, lambda _, x: newton(x),
                             jax.lax.stop_gradient(guess))
    root = jax.lax.stop_gradient(root)
    # One Newton step from the (gradient-free) root carries the implicit-function derivative.
    jac = jax.lax.stop_gradient(jax.jacfwd(residual)(root))
    temps = root - jnp.linalg.solve(jac, residual(root))
    return jnp.concatenate([temps, jnp.stack([soc0, jnp.zeros((), dtype)])])


def _aitken(ya, yb, yc):
    """Extrapolate slowly converging node temperatures to their periodic state.

    With three successive orbit-start states of a mode decaying by ``rho`` per orbit,
    ``y* = yc + rho / (1 - rho) (yc - yb)``, ``rho = (yc - yb) / (yb - ya)`` (Aitken's delta
    squared, per node). The battery (hours) is the node that needs it; ``rho`` is clipped to
    [0, 0.9] and ignored where the orbit-to-orbit change is below 1e-6 K, so converged and
    oscillating nodes are left alone.
    """
    d1, d2 = yb - ya, yc - yb
    ok = jnp.abs(d1) > 1e-6
    rho = jnp.clip(jnp.where(ok, d2 / jnp.where(ok, d1, 1.0), 0.0), 0.0, 0.9)
    return yc + rho / (1.0 - rho) * d2


@eqx.filter_jit
def _simulate(design, scenario, steps, record, dtype) -> SimulationResult:
    model = Model(design, scenario, dtype)
    sim = scenario.simulation
    n = model.n_nodes
    h = model.period_s / steps
    factor = loop_factor(scenario.loop.n_segments) if _STAGE_SOLVE == "loop" else None

    def advance(y, k):
        t = k.astype(dtype) * h
        # Unscaled stage matrices: I / (h gamma) - J is row diagonally dominant except through
        # the bus columns, and in float32 the capacitance row scaling of the thermal solver
        # costs two orders of magnitude of accuracy here (measured: 1e-3 K vs 3e-5 K per step).
        # The solve exploits the loop's ring structure (see loop_factor).
        y_next, _ = rodas4_step(model.rhs, model.jacobian, model.time_derivative, t, y, h,
                                factor=factor)
        return y_next

    warm = sim.warmup_orbits
    zero_t = jnp.zeros((), dtype)

    def step(carry, k):
        y, acc, s_prev = carry
        y_next = advance(y, k)
        t_next = (k + 1).astype(dtype) * h
        f = model.flows(t_next, y_next)
        s_next = _sample(model, f)
        acc = _update_events(model, _integrate(acc, s_prev, s_next, h), y_next, f, t_next)
        out = (y_next, f) if record else None
        return (y_next, acc, s_next), out

    def start_report(y):
        f = model.flows(zero_t, y)
        return _init_accumulator(model, y, f, dtype), _sample(model, f)

    def orbit(carry, j):
        # One loop body for warm-up and reported orbits (one compilation): time runs from
        # -warm periods, the accumulators restart when the reported orbits begin.
        y, acc, s_prev, hist, y_report = carry
        at_report = j == warm
        if warm >= 2:
            y = jnp.where(at_report, y.at[:n].set(_aitken(hist[0, :n], hist[1, :n],
                                                         hist[2, :n])), y)
        acc_r, s_r = start_report(y)
        pick = lambda a, b: jnp.where(at_report, a, b)  # noqa: E731
        acc, s_prev = jax.tree.map(pick, acc_r, acc), jax.tree.map(pick, s_r, s_prev)
        y_report = pick(y, y_report)
        ks = (j - warm) * steps + jnp.arange(steps)
        (y, acc, s_prev), outs = jax.lax.scan(step, (y, acc, s_prev), ks)
        hist = jnp.stack([hist[1], hist[2], y])
        return (y, acc, s_prev, hist, y_report), (y, outs)

    y_init = _initial_state(model, dtype)
    acc_i, s_i = start_report(y_init)
    carry0 = (y_init, acc_i, s_i, jnp.stack([y_init] * 3), y_init)
    (y_end, acc, _, _, y0), (y_orbit_ends, outs) = jax.lax.scan(
        orbit, carry0, jnp.arange(warm + sim.orbits))
    y_last_start = y0 if sim.orbits == 1 else y_orbit_ends[-2]
    f0 = model.flows(zero_t, y0)

    # Energy bookkeeping.
    cap = model.network.capacitance_J_per_K
    stored = jnp.sum(cap * (y_end[:n] - y0[:n]))
    net_heat = acc.absorbed + acc.dissipated - acc.radiated
    thermal_res = (stored - net_heat) / jnp.maximum(acc.heat_in, 1e-30)
    cell = model.cell

    def battery_energy(y):
        return model.n_cells * (_battery.chemical_energy_J(cell, y[n])
                                + 0.5 * cell.c1_F * y[n + 1] ** 2)

    d_batt = battery_energy(y_end) - battery_energy(y0)
    electrical_res = (acc.pv - acc.load - acc.converter_loss - acc.shunt_heat
                      - acc.battery_heat - d_batt) / jnp.maximum(acc.pv, 1e-30)
    compute = jnp.where(acc.scheduled > 0, acc.compute / jnp.where(acc.scheduled > 0,
                                                                    acc.scheduled, 1.0), 1.0)
    summary = Summary(
        max_junction_K=acc.max_junction, min_soc=acc.min_soc, max_soc=acc.max_soc,
        soc_change=y_end[n] - y0[n], battery_min_K=acc.battery_min,
        battery_max_K=acc.battery_max, array_max_K=acc.array_max,
        radiator_min_K=acc.radiator_min, coolant_max_K=acc.coolant_max,
        compute_fraction=compute, min_compute_fraction=acc.min_compute,
        pv_energy_J=acc.pv, load_energy_J=acc.load, shunt_energy_J=acc.shunt,
        battery_heat_J=acc.battery_heat, converter_loss_J=acc.converter_loss,
        battery_energy_change_J=d_batt, absorbed_J=acc.absorbed, radiated_J=acc.radiated,
        stored_heat_J=stored, thermal_energy_residual=thermal_res,
        electrical_energy_residual=electrical_res,
        periodicity_error_K=jnp.max(jnp.abs(y_end[:n] - y_last_start[:n])),
        periodicity_error_soc=jnp.abs(y_end[n] - y_last_start[n]),
        throttle_time_s=acc.throttle_time, shutdown_time_s=acc.shutdown_time,
        soc_floor_time_s=acc.soc_floor_time, battery_empty_time_s=acc.empty_time,
        coolant_freeze_time_s=acc.freeze_time, battery_mass_kg=model.battery_mass_kg,
        pump_W=model.pump_W)
    finite = jnp.all(jnp.isfinite(y_end)) & jnp.all(y_end[:n] > 0.0) & jnp.isfinite(
        acc.max_junction) & jnp.isfinite(acc.pv)
    status = jnp.where(finite, Status.SUCCESS, Status.NONFINITE).astype(jnp.int32)

    series = dict.fromkeys(_SERIES)
    times = temps = soc = rc = None
    if record:
        ys, fs = jax.tree.map(lambda a: a[warm:], outs)  # leading axes (orbits, steps)
        flat = lambda a: a.reshape((-1,) + a.shape[2:])  # noqa: E731
        ys = jnp.concatenate([y0[None], flat(ys)])
        fs = jax.tree.map(lambda a0, a: jnp.concatenate([a0[None], flat(a)]), f0, fs)
        times = jnp.arange(sim.orbits * steps + 1, dtype=dtype) * h
        temps, soc, rc = ys[:, :n], ys[:, n], ys[:, n + 1]
        series = {k: getattr(fs, k) for k in _SERIES}
    return SimulationResult(
        capacitance_J_per_K=cap, times_s=times, temperatures_K=temps, soc=soc, rc_voltage_V=rc, **series,
        summary=summary, status=status, node_names=node_names(scenario.loop.n_segments))
