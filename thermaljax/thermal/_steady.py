"""Steady state of a thermal network by a damped Newton method, differentiated implicitly."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int

from .._checks import check_range, check_shape, concrete_values
from .._status import Status, raise_if_failed
from ..constants import STEFAN_BOLTZMANN_W_M2_K4
from ._network import Network, node_heat_flow_jacobian, node_heat_flow_W, sink_components


def _initial_guess(network: Network, heat_W):
    """Uniform temperature that balances the total load against radiation to space [K]."""
    total_q = jnp.sum(heat_W)
    total_gs = jnp.sum(network.space_radiative_m2)
    t4 = network.sink_temperature_K**4 + jnp.maximum(total_q, 0.0) / (
        STEFAN_BOLTZMANN_W_M2_K4 * total_gs
    )
    # Never start colder than 100 K: Newton on T^4 converges monotonically from above.
    t = jnp.maximum(t4**0.25, 100.0)
    return jnp.full(heat_W.shape, 1.0, heat_W.dtype) * t


class SteadyStateSolution(eqx.Module):
    """Result of :func:`steady_state_solution`.

    Attributes:
        temperatures_K: (n,) steady node temperatures [K].
        status: integer :class:`thermaljax.Status` code (0 = success); per solve under vmap.
        iterations: Newton iterations taken.
        max_residual_W: largest remaining heat imbalance of a node [W].
    """

    temperatures_K: Float[Array, " n"]
    status: Int[Array, ""]
    iterations: Int[Array, ""]
    max_residual_W: Float[Array, ""]


def steady_state(network: Network, heat_W, **options) -> Float[Array, " n"]:
    """Steady-state node temperatures [K] (see :func:`steady_state_solution` for the options).

    By default (``throw=True``) a failed solve raises at run time instead of returning NaN.

    Example:
        >>> import jax.numpy as jnp
        >>> from thermaljax.thermal import Network, steady_state
        >>> net = Network(jnp.array([1.0]), jnp.zeros((1, 1)), jnp.zeros((1, 1)), jnp.array([0.9]))
        >>> round(float(steady_state(net, jnp.array([629.0]))[0]), 1)  # eps 0.9: 629 W/m^2 at 60 C
        333.2
    """
    return steady_state_solution(network, heat_W, **options).temperatures_K


def steady_state_solution(
    network: Network,
    heat_W,
    *,
    T_guess_K=None,
    rtol: float | None = None,
    max_iterations: int = 60,
    throw: bool = True,
) -> SteadyStateSolution:
    """Steady state of the network's heat balance, with status and diagnostics.

    Solves ``P(T) = Q + sum_j GL_ij (T_j - T_i) + sigma sum_j GR_ij (T_j^4 - T_i^4)
    - sigma GR_i,space (T_i^4 - T_sink^4) = 0`` by Newton's method with the exact Jacobian and
    a step limiter that keeps every temperature above half its previous value. It converges
    when ``max |P_i| <= rtol * (sum |Q| + sum sigma GR_space T_sink^4 + max |GL| K)``, the heat
    imbalance relative to the heat flowing through the network.

    Gradients with respect to the network and the loads are exact and cheap: the solve is
    wrapped in :func:`jax.lax.custom_root`, so reverse mode applies the implicit function
    theorem (one linear solve with the Jacobian at the root) instead of differentiating the
    iterations.

    Args:
        network: the thermal network; every group of connected nodes must radiate to space
            (checked when the network is concrete).
        heat_W: (n,) constant external loads [W].
        T_guess_K: (n,) starting temperatures [K]; default a uniform temperature that
            radiates the total load to space (at least 100 K).
        rtol: relative residual tolerance; default 1e-12 in float64, 1e-5 in float32.
        max_iterations: Newton iteration limit (typical solves take 5-15).
        throw: raise at run time if the iteration did not converge or went non-finite;
            with ``False`` the failure is only reported in ``status``.

    Returns:
        :class:`SteadyStateSolution`.

    Example:
        >>> import jax.numpy as jnp
        >>> from thermaljax.thermal import Network, steady_state_solution
        >>> net = Network(jnp.array([1.0]), jnp.zeros((1, 1)), jnp.zeros((1, 1)), jnp.array([0.9]))
        >>> sol = steady_state_solution(net, jnp.array([840.0]))
        >>> round(float(sol.temperatures_K[0]) - 273.15, 1), int(sol.status)  # 85 C radiator
        (85.0, 0)
    """
    if not isinstance(network, Network):
        raise TypeError(f"network must be a thermaljax.thermal.Network, got {type(network)}")
    n = network.n_nodes
    check_shape("heat_W", heat_W, (n,), f"one load per node [W], n = {n}")
    check_range("heat_W", heat_W, "W")
    if T_guess_K is not None:
        check_shape("T_guess_K", T_guess_K, (n,))
        check_range("T_guess_K", T_guess_K, "K", low=0.0, low_inclusive=False)
    if concrete_values(network.space_radiative_m2) is not None and all(
        concrete_values(a) is not None
        for a in (network.conductance_W_per_K, network.radiative_m2, network.advective_W_per_K)
    ):
        isolated = sink_components(network)
        if isolated:
            raise ValueError(
                f"no steady state: node group(s) {isolated} have no conductive or radiative path "
                "to the space sink (space_radiative_m2 is 0 for all of them), so their "
                "temperature is undetermined or grows without bound"
            )

    dtype = jnp.result_type(network.dtype, jnp.asarray(heat_W))
    if not jnp.issubdtype(dtype, jnp.floating):
        dtype = jnp.result_type(float)
    if rtol is None:
        rtol = 1e-12 if dtype == jnp.float64 else 1e-5
    check_range("rtol", rtol, "(relative)", low=0.0, low_inclusive=False, high=1.0)
    if not isinstance(max_iterations, int) or max_iterations < 1:
        raise ValueError(f"max_iterations = {max_iterations!r} must be an int >= 1")
    q = jnp.asarray(heat_W, dtype=dtype)
    guess = None if T_guess_K is None else jnp.asarray(T_guess_K, dtype)
    sol = _solve(network, q, guess, float(rtol), max_iterations)
    if throw:
        sol = eqx.tree_at(
            lambda s: s.temperatures_K, sol, raise_if_failed(sol.temperatures_K, sol.status)
        )
    return sol


@eqx.filter_jit
def _solve(network, q, guess, rtol: float, max_iterations: int) -> SteadyStateSolution:
    """Compiled core of :func:`steady_state_solution` (arguments already validated)."""
    dtype = q.dtype
    net = jax.tree.map(lambda a: jnp.asarray(a, dtype=dtype), network)
    if guess is None:
        guess = _initial_guess(net, q)
    scale = (
        jnp.sum(jnp.abs(q))
        + jnp.sum(STEFAN_BOLTZMANN_W_M2_K4 * net.space_radiative_m2 * net.sink_temperature_K**4)
        + jnp.max(net.conductance_W_per_K, initial=0.0)  # [W/K] x 1 K of difference
        + jnp.finfo(dtype).tiny
    )

    def residual(T):
        return node_heat_flow_W(net, T, q)

    def newton(f, T0):
        def cond(carry):
            T, it, done = carry
            return (~done) & (it < max_iterations)

        def body(carry):
            T, it, _ = carry
            r = f(T)
            dT = -jnp.linalg.solve(node_heat_flow_jacobian(net, T), r)
            # Step limiter: no temperature may fall below half its current value.
            shrink = jnp.where(dT < -0.5 * T, -0.5 * T / jnp.where(dT < 0, dT, -1.0), 1.0)
            T_new = T + jnp.min(shrink) * dT
            done = jnp.max(jnp.abs(f(T_new))) <= rtol * scale
            return T_new, it + 1, done

        done0 = jnp.max(jnp.abs(f(T0))) <= rtol * scale
        T, it, done = jax.lax.while_loop(cond, body, (T0, jnp.asarray(0), done0))
        ok = jnp.all(jnp.isfinite(T) & (T > 0.0))
        status = jnp.where(
            ~ok,
            jnp.asarray(Status.NONFINITE, jnp.int32),
            jnp.where(done, Status.SUCCESS, Status.NOT_CONVERGED).astype(jnp.int32),
        )
        # custom_root's aux output must carry float tangents: pass the codes as floats.
        return T, jnp.stack([status, it]).astype(T.dtype)

    def tangent_solve(g, y):
        return jnp.linalg.solve(jax.jacobian(g)(y), y)

    T, aux = jax.lax.custom_root(residual, guess, newton, tangent_solve, has_aux=True)
    aux = jax.lax.stop_gradient(aux).astype(jnp.int32)
    return SteadyStateSolution(
        temperatures_K=T,
        status=aux[0],
        iterations=aux[1],
        max_residual_W=jax.lax.stop_gradient(jnp.max(jnp.abs(residual(T)))),
    )
