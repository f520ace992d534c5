"""Transient solution of a thermal network: fixed-step Rodas4 (default) or adaptive diffrax.

The default integrator was chosen by measurement (``benchmarks/thermal_transient.py``, table in
``benchmarks/README.md``): a fixed-step, L-stable Rosenbrock method in ``lax.scan`` meets the
0.05 K accuracy target on stiff networks at a fraction of the cost of diffrax's adaptive
Kvaerno5, batches without lanes waiting on each other, and differentiates in reverse mode at a
small multiple of the forward cost. The adaptive solver stays available as ``method="kvaerno5"``
for an error-controlled cross-check.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import diffrax
import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int

from .._checks import check_range, check_shape, concrete_values
from .._rosenbrock import rodas4_step
from .._status import Status, raise_if_failed
from ._network import Network, node_heat_flow_jacobian, node_heat_flow_W

DEFAULT_MAX_STEP_S = 10.0
"""Default longest Rodas4 step [s]. Chosen by measurement on the stiff reference network
(:func:`example_network`: die time constant 1 s, radiator segments about an hour, three orbits
with a square-wave eclipse load sampled every 30 s) against SciPy Radau at rtol = 1e-10:
7.5 mK worst error (in the first seconds, while the dies settle from their initial
temperatures), < 1 mK after; 15 s steps give 74 mK and 7 mK. The error sits in the fast nodes
right after a load kink: Rodas4's stability function damps modes with h/tau of 5-50 by only
0.06-0.16 per step, so steps are kept short enough to take at least ``MIN_SUBSTEPS`` of them
per output interval."""

MIN_SUBSTEPS = 2
"""Fewest Rodas4 steps per output interval when derived from ``max_step_s``."""

METHODS = ("rodas4", "kvaerno5")


class TransientSolution(eqx.Module):
    """Result of :func:`transient_solution`.

    Attributes:
        times_s: (m,) output times [s].
        temperatures_K: (m, n) node temperatures at ``times_s`` [K].
        status: integer :class:`thermaljax.Status` code (0 = success); per solve under vmap.
        max_error_estimate_K: largest embedded local error estimate over all steps [K]
            (Rodas4's order-3 vs order-4 difference; for ``kvaerno5`` it is NaN).
        n_steps: number of integrator steps taken.
    """

    times_s: Float[Array, " m"]
    temperatures_K: Float[Array, "m n"]
    status: Int[Array, ""]
    max_error_estimate_K: Float[Array, ""]
    n_steps: Int[Array, ""]


def _validate(network, T0_K, times_s, heat_W, method, substeps, max_step_s):
    if not isinstance(network, Network):
        raise TypeError(f"network must be a thermaljax.thermal.Network, got {type(network)}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    n = network.n_nodes
    check_shape("T0_K", T0_K, (n,), f"one initial temperature per node, n = {n}")
    check_range("T0_K", T0_K, "K", low=0.0, low_inclusive=False)
    if np.ndim(times_s) != 1 or np.shape(times_s)[0] < 2:
        raise ValueError(
            f"times_s must be a 1-D array of at least 2 output times [s], got shape "
            f"{np.shape(times_s)}"
        )
    m = np.shape(times_s)[0]
    t = concrete_values(times_s)
    if t is not None:
        check_range("times_s", t, "s")
        if np.any(np.diff(t) <= 0.0):
            k = int(np.argmax(np.diff(t) <= 0.0))
            raise ValueError(
                f"times_s must be strictly increasing [s]: times_s[{k}] = {t[k]:.6g} s is not "
                f"before times_s[{k + 1}] = {t[k + 1]:.6g} s"
            )
    if callable(heat_W):
        out = jax.eval_shape(heat_W, jax.ShapeDtypeStruct((), jnp.result_type(float)))
        if getattr(out, "shape", None) != (n,):
            raise ValueError(
                f"heat_W(t) must return an array of shape ({n},) [W], one load per node; it "
                f"returned shape {getattr(out, 'shape', type(out))}"
            )
    else:
        check_shape("heat_W", heat_W, (m, n), "(len(times_s), n_nodes) loads [W]")
        check_range("heat_W", heat_W, "W")
    if method == "rodas4":
        if substeps is not None:
            if not isinstance(substeps, int) or substeps < 1:
                raise ValueError(
                    f"substeps = {substeps!r} must be an int >= 1 (Rodas4 steps per output interval)"
                )
        else:
            check_range("max_step_s", max_step_s, "s", low=0.0, low_inclusive=False)
            if t is None:
                raise ValueError(
                    "times_s is traced (e.g. a jit argument), so the number of Rodas4 steps per "
                    "output interval cannot be derived from max_step_s: pass substeps=<int>, or "
                    "close over times_s as a constant"
                )


def _substeps_for(times_s, max_step_s: float) -> int:
    t = np.asarray(times_s, dtype=np.float64)
    k = int(math.ceil(float(np.max(np.diff(t))) / float(max_step_s) - 1e-9))
    return max(MIN_SUBSTEPS, k)


def _heat_functions(heat_W, dtype):
    """Return ``interval(x) -> (heat(t), dheat/dt(t))`` for array (piecewise-linear) or callable loads."""
    if callable(heat_W):

        def q(t):
            return jnp.asarray(heat_W(t), dtype=dtype)

        def dq(t):
            return jax.jvp(q, (t,), (jnp.ones_like(t),))[1]

        return lambda x: (q, dq)

    def interval(x):
        t0, t1, q0, q1 = x
        slope = (q1 - q0) / (t1 - t0)
        return (lambda t: q0 + (t - t0) * slope), (lambda t: slope)

    return interval


def _solve_rodas4(network, T0, ts, heat_W, substeps: int):
    dtype = T0.dtype
    cap = network.capacitance_J_per_K
    inv_c = 1.0 / cap
    interval = _heat_functions(heat_W, dtype)
    if callable(heat_W):
        xs = (ts[:-1], ts[1:], jnp.zeros_like(ts[:-1]), jnp.zeros_like(ts[1:]))
    else:
        q = jnp.asarray(heat_W, dtype=dtype)
        xs = (ts[:-1], ts[1:], q[:-1], q[1:])

    def interval_step(y, x):
        q_fn, dq_fn = interval(x)
        t0, t1 = x[0], x[1]
        h = (t1 - t0) / substeps
        # Loads are sampled on [t0, t1): a load that jumps at an output time (right-continuous,
        # e.g. ``where(t >= t_jump, ...)``) is seen with its pre-jump value up to the jump.
        t_last = jnp.nextafter(t1, t0)

        def fun(t, T):
            return inv_c * node_heat_flow_W(network, T, q_fn(jnp.minimum(t, t_last)))

        def jac(t, T):
            return inv_c[:, None] * node_heat_flow_jacobian(network, T)

        def dfdt(t, T):
            return inv_c * dq_fn(jnp.minimum(t, t_last))

        def step(carry, k):
            T, err = carry
            T_new, e = rodas4_step(fun, jac, dfdt, t0 + k * h, T, h, scale=cap)
            return (T_new, jnp.maximum(err, jnp.max(jnp.abs(e)))), None

        ks = jnp.arange(substeps, dtype=dtype)
        (y_new, err), _ = jax.lax.scan(step, (y, jnp.zeros((), dtype)), ks)
        return y_new, (y_new, err)

    _, (ys, errs) = jax.lax.scan(interval_step, T0, xs)
    ys = jnp.concatenate([T0[None, :], ys], axis=0)
    n_steps = jnp.asarray(substeps * (ts.shape[0] - 1), dtype=jnp.int32)
    return ys, jnp.max(errs), n_steps, jnp.asarray(Status.SUCCESS, jnp.int32)


def _solve_kvaerno5(network, T0, ts, heat_W, rtol, atol, max_steps, dt0):
    dtype = T0.dtype
    inv_c = 1.0 / network.capacitance_J_per_K
    if callable(heat_W):
        q_fn = heat_W
        jump_ts = None
    else:
        interp = diffrax.LinearInterpolation(ts=ts, ys=jnp.asarray(heat_W, dtype=dtype))
        q_fn = interp.evaluate
        jump_ts = ts

    def vector_field(t, T, args):
        return inv_c * node_heat_flow_W(network, T, jnp.asarray(q_fn(t), dtype=dtype))

    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(vector_field),
        diffrax.Kvaerno5(),
        t0=ts[0],
        t1=ts[-1],
        dt0=dt0,
        y0=T0,
        saveat=diffrax.SaveAt(ts=ts),
        stepsize_controller=diffrax.PIDController(rtol=rtol, atol=atol, jump_ts=jump_ts),
        max_steps=max_steps,
        throw=False,
    )
    status = jnp.where(
        sol.result == diffrax.RESULTS.successful,
        jnp.asarray(Status.SUCCESS, jnp.int32),
        jnp.where(
            sol.result == diffrax.RESULTS.max_steps_reached,
            jnp.asarray(Status.MAX_STEPS, jnp.int32),
            jnp.asarray(Status.NONFINITE, jnp.int32),
        ),
    )
    return sol.ys, jnp.asarray(jnp.nan, dtype), sol.stats["num_steps"], status


def transient_solution(
    network: Network,
    T0_K,
    times_s,
    heat_W: Any | Callable[[Array], Array],
    *,
    method: str = "rodas4",
    max_step_s: float = DEFAULT_MAX_STEP_S,
    substeps: int | None = None,
    rtol: float = 1e-7,
    atol: float = 1e-5,
    max_steps: int = 16384,
    dt0: float | None = 1.0,
    throw: bool = True,
) -> TransientSolution:
    """Integrate the network's heat balance over ``times_s`` and return a solution object.

    Solves ``C_i dT_i/dt = Q_i(t) + sum_j GL_ij (T_j - T_i) + sigma sum_j GR_ij (T_j^4 - T_i^4)
    - sigma GR_i,space (T_i^4 - T_sink^4)``; see :class:`Network`.

    Args:
        network: the thermal network (n nodes).
        T0_K: (n,) initial temperatures [K] at ``times_s[0]``.
        times_s: (m,) strictly increasing output times [s], m >= 2. They are cast to the
            computation dtype: in float32 keep them relative to the start of the run (float32
            resolves 2 s at one year).
        heat_W: external loads [W]: an array (m, n) at ``times_s``, linearly interpolated in
            between (the interpolation knots coincide with step boundaries, so the method
            keeps its order), or a JAX-traceable callable ``t -> (n,)``. Loads are sampled on
            each half-open interval ``[t_k, t_k+1)``: a callable that jumps (an eclipse entry)
            is integrated exactly as a step when an output time sits at the jump and the
            switch is right-continuous (``where(t >= t_jump, ...)``); a jump between output
            times costs accuracy in the step that holds it.
        method: ``"rodas4"`` (default: fixed-step L-stable Rosenbrock in ``lax.scan``) or
            ``"kvaerno5"`` (diffrax, adaptive, error-controlled; slower, for cross-checks).
        max_step_s: longest Rodas4 step [s]; each output interval is split into
            ``ceil(max interval / max_step_s)`` equal steps. Needs concrete ``times_s``.
        substeps: Rodas4 steps per output interval (overrides ``max_step_s``; needed when
            ``times_s`` is traced).
        rtol, atol: relative and absolute [K] tolerances of ``kvaerno5``.
        max_steps: step limit of ``kvaerno5`` (reaching it gives ``Status.MAX_STEPS``).
        dt0: first step of ``kvaerno5`` [s].
        throw: raise at run time if the solve fails (non-finite or non-positive temperature,
            step limit); with ``False`` the failure is only reported in ``status``.

    Returns:
        :class:`TransientSolution` with ``temperatures_K`` of shape (m, n).

    Example:
        >>> import jax.numpy as jnp
        >>> from thermaljax.thermal import Network, transient_solution
        >>> net = Network(jnp.array([1.0e4]), jnp.zeros((1, 1)), jnp.zeros((1, 1)),
        ...               jnp.array([2.0]))
        >>> sol = transient_solution(net, jnp.array([300.0]), jnp.linspace(0.0, 5400.0, 91),
        ...                          lambda t: jnp.array([500.0]))
        >>> sol.temperatures_K.shape
        (91, 1)
    """
    _validate(network, T0_K, times_s, heat_W, method, substeps, max_step_s)
    dtype = jnp.result_type(network.dtype, jnp.asarray(T0_K))
    if not jnp.issubdtype(dtype, jnp.floating):
        dtype = jnp.result_type(float)
    if method == "rodas4":
        k = substeps if substeps is not None else _substeps_for(times_s, max_step_s)
        options = ("rodas4", k)
    else:
        options = ("kvaerno5", float(rtol), float(atol), int(max_steps), dt0)
    heat = heat_W if callable(heat_W) else jnp.asarray(heat_W, dtype=dtype)
    sol = _solve(network, jnp.asarray(T0_K, dtype), jnp.asarray(times_s, dtype), heat, options)
    if throw:
        sol = eqx.tree_at(
            lambda s: s.temperatures_K, sol, raise_if_failed(sol.temperatures_K, sol.status)
        )
    return sol


@eqx.filter_jit
def _solve(network, T0, ts, heat_W, options) -> TransientSolution:
    """Compiled core of :func:`transient_solution` (arguments already validated).

    ``options`` and a callable ``heat_W`` are static (hashed); arrays are traced, so new
    values (a new network, loads or initial temperatures of the same shapes) never retrace.
    """
    dtype = T0.dtype
    net = jax.tree.map(lambda a: jnp.asarray(a, dtype=dtype), network)
    if options[0] == "rodas4":
        ys, err, n_steps, status = _solve_rodas4(net, T0, ts, heat_W, options[1])
    else:
        ys, err, n_steps, status = _solve_kvaerno5(net, T0, ts, heat_W, *options[1:])
    # Non-finite inputs (e.g. a traced NaN load) are reported as such even where the adaptive
    # solver would only see its steps rejected until max_steps.
    q_at_ts = jax.vmap(heat_W)(ts) if callable(heat_W) else heat_W
    inputs = [T0, q_at_ts, *jax.tree.leaves(net)]
    inputs_bad = ~jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in inputs]))
    bad = ~jnp.all(jnp.isfinite(ys) & (ys > 0.0))
    status = jnp.where(
        inputs_bad | (bad & (status != Status.MAX_STEPS)), Status.NONFINITE, status
    )
    return TransientSolution(
        times_s=ts,
        temperatures_K=ys,
        status=status.astype(jnp.int32),
        max_error_estimate_K=err,
        n_steps=jnp.asarray(n_steps, jnp.int32),
    )


def transient(network: Network, T0_K, times_s, heat_W, **options) -> Float[Array, "m n"]:
    """Node temperatures [K] of shape (len(times_s), n) over ``times_s``.

    Same arguments as :func:`transient_solution` (keyword options included); returns only
    the temperatures. By default (``throw=True``) a diverged solve raises at run time instead
    of returning NaN.

    Example:
        >>> import jax, jax.numpy as jnp
        >>> from thermaljax.thermal import Network, transient
        >>> net = Network(jnp.array([1.0e4]), jnp.zeros((1, 1)), jnp.zeros((1, 1)),
        ...               jnp.array([2.0]))
        >>> times = jnp.linspace(0.0, 5400.0, 91)
        >>> T = transient(net, jnp.array([300.0]), times, jnp.full((91, 1), 500.0))
        >>> dT0 = jax.grad(lambda q: transient(net, jnp.array([300.0]), times,
        ...                                    jnp.full((91, 1), q))[-1, 0])(500.0)
    """
    return transient_solution(network, T0_K, times_s, heat_W, **options).temperatures_K
