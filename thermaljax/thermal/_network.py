"""The lumped thermal network: nodes with capacitance, linear (GL) and radiative (GR) conductors.

This is the network of SINDA/FLUINT and ESATAN-TMS. Node ``i`` has temperature ``T_i`` [K] and
capacitance ``C_i`` [J/K]; it exchanges heat with node ``j`` through a linear conductor
``GL_ij`` [W/K] and a radiative conductor ``GR_ij`` [m^2] (an area times an effective emissivity
times a view factor, the "radiative exchange factor" of ESATAN), and with the deep-space sink
through ``GR_i,space`` [m^2]:

    C_i dT_i/dt = Q_i(t) + sum_j GL_ij (T_j - T_i) + sigma sum_j GR_ij (T_j^4 - T_i^4)
                  - sigma GR_i,space (T_i^4 - T_sink^4) + sum_j F_ij (T_j - T_i)

The last term is optional fluid advection ("one-way conductors" of SINDA/FLUINT): ``F_ij`` [W/K]
is the capacity rate m_dot c_p of the flow from node j into node i, so a node takes on the
temperature of what flows in. Mass balance (every node's inflow equals its outflow,
``sum_j F_ij = sum_j F_ji``) makes the advective term conserve energy exactly.

References:
    Gilmore (ed.), Spacecraft Thermal Control Handbook, Vol. 1, 2nd ed., Aerospace Press (2002),
        ch. 15 (thermal analysis: nodes, conductors, radiation exchange factors).
    ESATAN-TMS Thermal User Manual, "GL and GR conductors".
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float

from .._checks import check_range, check_shape, concrete_values
from ..constants import DEEP_SPACE_TEMPERATURE_K, STEFAN_BOLTZMANN_W_M2_K4

_SYMMETRY_RTOL = 1e-6  # per pair, relative to the larger of G_ij and G_ji
_MASS_BALANCE_RTOL = 1e-6  # per node, relative to the node's inflow


def _as_float_array(x) -> Array:
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))
    return x


def _check_symmetric(name: str, unit: str, m) -> None:
    v = concrete_values(m, name, unit)
    if v is None or v.size == 0:
        return
    off = v - np.diag(np.diag(v))
    excess = np.abs(off - off.T) - _SYMMETRY_RTOL * np.maximum(np.abs(off), np.abs(off.T))
    if np.any(excess > 0.0):
        i, j = np.unravel_index(np.argmax(excess), v.shape)
        raise ValueError(
            f"{name} [{unit}] must be symmetric: entry ({i}, {j}) = {v[i, j]:.6g} but "
            f"({j}, {i}) = {v[j, i]:.6g}; a conductor couples two nodes both ways, so give "
            "the same value for both, e.g. (G + G.T) / 2"
        )


def _check_mass_balance(f) -> None:
    v = concrete_values(f, "advective_W_per_K", "W/K")
    if v is None or v.size == 0:
        return
    v = v - np.diag(np.diag(v))
    inflow, outflow = v.sum(axis=1), v.sum(axis=0)
    excess = np.abs(inflow - outflow) - _MASS_BALANCE_RTOL * np.maximum(inflow, outflow)
    if np.any(excess > 0.0):
        i = int(np.argmax(excess))
        raise ValueError(
            f"advective_W_per_K [W/K] must conserve mass: node {i} receives {inflow[i]:.6g} W/K "
            f"(row sum) but sends {outflow[i]:.6g} W/K (column sum); every node's inflow must "
            "equal its outflow, e.g. a closed loop with one capacity rate m_dot c_p"
        )


class Network(eqx.Module):
    """A lumped thermal network (nodes, GL and GR conductors, radiation to deep space).

    The node count ``n`` is set by the shape of ``capacitance_J_per_K``. Matrices are stored
    symmetrised with a zero diagonal (the diagonal of a conductor matrix has no meaning and is
    ignored). Values are checked when concrete; under ``jit``/``vmap``/``grad`` only shapes are.

    Args:
        capacitance_J_per_K: (n,) node heat capacities m*c_p [J/K], each > 0.
        conductance_W_per_K: (n, n) symmetric linear conductors GL [W/K], >= 0.
        radiative_m2: (n, n) symmetric radiative conductors GR [m^2], >= 0; the heat from
            j to i is ``sigma * GR_ij * (T_j^4 - T_i^4)``.
        space_radiative_m2: (n,) radiative conductors to the deep-space sink [m^2], >= 0
            (e.g. emissivity x area for a radiator face with a full view of space).
        sink_temperature_K: sink temperature [K], default 3 K (CMB 2.7 K, rounded).
        advective_W_per_K: optional (n, n) fluid capacity rates ``F_ij = m_dot c_p`` [W/K]
            of the flow from node j into node i, >= 0, diagonal ignored; each node's inflow
            must equal its outflow (row sums equal column sums). Default: no flow.

    Example:
        >>> import jax.numpy as jnp
        >>> from thermaljax.thermal import Network
        >>> net = Network(
        ...     capacitance_J_per_K=jnp.array([500.0, 2.0e4]),
        ...     conductance_W_per_K=jnp.array([[0.0, 25.0], [25.0, 0.0]]),
        ...     radiative_m2=jnp.zeros((2, 2)),
        ...     space_radiative_m2=jnp.array([0.0, 1.8]),
        ... )
        >>> net.n_nodes
        2
    """

    capacitance_J_per_K: Float[Array, " n"]
    conductance_W_per_K: Float[Array, "n n"]
    radiative_m2: Float[Array, "n n"]
    space_radiative_m2: Float[Array, " n"]
    sink_temperature_K: Float[Array, ""]
    advective_W_per_K: Float[Array, "n n"]

    def __init__(
        self,
        capacitance_J_per_K,
        conductance_W_per_K,
        radiative_m2,
        space_radiative_m2,
        sink_temperature_K=DEEP_SPACE_TEMPERATURE_K,
        advective_W_per_K=None,
    ):
        cap = _as_float_array(capacitance_J_per_K)
        if cap.ndim != 1 or cap.shape[0] < 1:
            raise ValueError(
                "capacitance_J_per_K must be a 1-D array with one entry per node, got shape "
                f"{tuple(cap.shape)}"
            )
        n = cap.shape[0]
        gl = _as_float_array(conductance_W_per_K)
        gr = _as_float_array(radiative_m2)
        gs = _as_float_array(space_radiative_m2)
        ts = _as_float_array(sink_temperature_K)
        check_shape("conductance_W_per_K", gl, (n, n), f"n = {n} nodes from capacitance_J_per_K")
        check_shape("radiative_m2", gr, (n, n), f"n = {n} nodes from capacitance_J_per_K")
        check_shape("space_radiative_m2", gs, (n,), f"n = {n} nodes from capacitance_J_per_K")
        check_shape("sink_temperature_K", ts, ())
        check_range("capacitance_J_per_K", cap, "J/K", low=0.0, low_inclusive=False)
        check_range("conductance_W_per_K", gl, "W/K", low=0.0)
        check_range("radiative_m2", gr, "m^2", low=0.0)
        check_range("space_radiative_m2", gs, "m^2", low=0.0)
        check_range("sink_temperature_K", ts, "K", low=0.0)
        _check_symmetric("conductance_W_per_K", "W/K", gl)
        _check_symmetric("radiative_m2", "m^2", gr)
        off = 1.0 - jnp.eye(n, dtype=gl.dtype)
        self.capacitance_J_per_K = cap
        self.conductance_W_per_K = 0.5 * (gl + gl.T) * off
        self.radiative_m2 = 0.5 * (gr + gr.T) * off
        self.space_radiative_m2 = gs
        self.sink_temperature_K = ts
        if advective_W_per_K is None:
            self.advective_W_per_K = jnp.zeros((n, n), dtype=gl.dtype)
        else:
            fa = _as_float_array(advective_W_per_K)
            check_shape("advective_W_per_K", fa, (n, n), f"n = {n} nodes from capacitance_J_per_K")
            check_range("advective_W_per_K", fa, "W/K", low=0.0)
            _check_mass_balance(fa)
            self.advective_W_per_K = fa * off

    @property
    def n_nodes(self) -> int:
        """Number of nodes (a Python int, static under ``jit``)."""
        return self.capacitance_J_per_K.shape[-1]

    @property
    def dtype(self):
        """Floating dtype of the network's arrays."""
        return jnp.result_type(
            self.capacitance_J_per_K,
            self.conductance_W_per_K,
            self.radiative_m2,
            self.space_radiative_m2,
            self.advective_W_per_K,
        )


def node_heat_flow_W(network: Network, temperature_K, heat_W):
    """Net heat flow into each node [W]: loads plus conduction, radiation and loss to space.

        P_i = Q_i + sum_j GL_ij (T_j - T_i) + sigma sum_j GR_ij (T_j^4 - T_i^4)
              - sigma GR_i,space (T_i^4 - T_sink^4)

    Args:
        network: the network.
        temperature_K: (n,) node temperatures [K].
        heat_W: (n,) external heat loads [W].

    Returns:
        (n,) net heat flow into each node [W]; ``dT/dt = P / C``.
    """
    gl, gr, gs = network.conductance_W_per_K, network.radiative_m2, network.space_radiative_m2
    t = temperature_K
    t4 = t**4
    sink4 = network.sink_temperature_K**4
    # Conduction and advection are both linear in T: one product for the two.
    linear = gl + network.advective_W_per_K
    conduction = linear @ t - jnp.sum(linear, axis=-1) * t
    radiation = STEFAN_BOLTZMANN_W_M2_K4 * (gr @ t4 - jnp.sum(gr, axis=-1) * t4)
    to_space = STEFAN_BOLTZMANN_W_M2_K4 * gs * (t4 - sink4)
    return heat_W + conduction + radiation - to_space


def node_heat_flow_jacobian(network: Network, temperature_K):
    """Jacobian dP/dT of :func:`node_heat_flow_W` [W/K], shape (n, n), in closed form.

        dP_i/dT_j = GL_ij + F_ij + 4 sigma GR_ij T_j^3                (i != j)
        dP_i/dT_i = -sum_k (GL_ik + F_ik) - 4 sigma (sum_k GR_ik + GR_i,space) T_i^3
    """
    gr, gs = network.radiative_m2, network.space_radiative_m2
    gl = network.conductance_W_per_K + network.advective_W_per_K
    t3 = temperature_K**3
    four_sigma = 4.0 * STEFAN_BOLTZMANN_W_M2_K4
    off_diag = gl + four_sigma * gr * t3[None, :]
    diag = jnp.sum(gl, axis=-1) + four_sigma * (jnp.sum(gr, axis=-1) + gs) * t3
    return off_diag - jnp.diag(diag)


def radiated_to_space_W(network: Network, temperature_K):
    """Heat radiated from each node to the deep-space sink [W], ``sigma GR_s (T^4 - T_sink^4)``."""
    t4 = temperature_K**4
    return STEFAN_BOLTZMANN_W_M2_K4 * network.space_radiative_m2 * (
        t4 - network.sink_temperature_K**4
    )


def sink_components(network: Network) -> list[list[int]]:
    """Groups of nodes connected by conductors that have no path to the sink (concrete only).

    A steady state exists only if every connected group of nodes radiates to space somewhere.
    Returns the node indices of each group without such a path (empty when the network is
    well posed). Raises ``ValueError`` if the network's values are traced.
    """
    gl = concrete_values(network.conductance_W_per_K)
    gr = concrete_values(network.radiative_m2)
    gs = concrete_values(network.space_radiative_m2)
    fa = concrete_values(network.advective_W_per_K)
    if gl is None or gr is None or gs is None or fa is None:
        raise ValueError(
            "sink_components(network) needs a network with concrete (not traced) conductance_W_per_K, "
            "radiative_m2, space_radiative_m2 and advective_W_per_K; call it outside jit/vmap/grad"
        )
    n = gl.shape[0]
    linked = (gl > 0) | (gr > 0) | (fa > 0) | (fa.T > 0)
    seen = np.zeros(n, dtype=bool)
    isolated = []
    for start in range(n):
        if seen[start]:
            continue
        stack, group = [start], []
        seen[start] = True
        while stack:
            i = stack.pop()
            group.append(i)
            for j in np.nonzero(linked[i] & ~seen)[0]:
                seen[j] = True
                stack.append(int(j))
        if not np.any(gs[group] > 0):
            isolated.append(sorted(group))
    return isolated

