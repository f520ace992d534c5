"""A reference stiff network: GPU dies, cold plates, coolant and radiator segments.

Used by the tests, the benchmarks and the documentation so that all three exercise the same
problem. Its stiffness is that of a liquid-cooled GPU rack: a die with a ~1 s time constant
(junction-to-cold-plate resistance ~0.03 K/W, ~30 J/K) beside radiator segments whose time
constant is about an hour. The loads are a synthetic square wave with the period and eclipse
fraction of a low orbit (5700 s, eclipse from 0.62 to 0.98 of each period, i.e. 36 %): GPU
power drops to 60 % in eclipse (load shedding on battery) and the radiators lose the sunlight
and albedo they absorb. It is a solver test problem, not an orbit computed by
:mod:`thermaljax.orbit` (whose eclipse is centred at half an orbit from noon).
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np

from ._network import Network

ORBIT_PERIOD_S = 5700.0
"""Period of the example's square-wave loads [s] (~95 min, like a ~500 km orbit)."""
ECLIPSE_START_S = 0.62 * ORBIT_PERIOD_S
"""Eclipse entry within each period [s] (eclipse fraction 0.36)."""
ECLIPSE_END_S = 0.98 * ORBIT_PERIOD_S
"""Eclipse exit within each period [s]."""


class ExampleProblem(NamedTuple):
    """A network, its initial temperatures and its sunlit/eclipse loads.

    Attributes:
        network: the :class:`Network` (n nodes).
        T0_K: (n,) initial temperatures [K].
        sunlit_heat_W: (n,) loads in sunlight [W].
        eclipse_heat_W: (n,) loads in eclipse [W].
    """

    network: Network
    T0_K: np.ndarray
    sunlit_heat_W: np.ndarray
    eclipse_heat_W: np.ndarray

    orbit_period_s = ORBIT_PERIOD_S
    eclipse_start_s = ECLIPSE_START_S
    eclipse_end_s = ECLIPSE_END_S

    def jump_times_s(self, n_orbits: int) -> np.ndarray:
        """Times of the eclipse entries and exits over ``n_orbits`` periods [s]."""
        k = np.arange(n_orbits)[:, None] * ORBIT_PERIOD_S
        return np.sort((k + np.array([ECLIPSE_START_S, ECLIPSE_END_S])).ravel())

    def sunlit(self, times_s):
        """1 in sunlight, 0 in eclipse, at ``times_s`` [s]: a right-continuous square wave
        (the load switches at the jump time itself)."""
        phase = jnp.mod(jnp.asarray(times_s), ORBIT_PERIOD_S)
        return jnp.where((phase >= ECLIPSE_START_S) & (phase < ECLIPSE_END_S), 0.0, 1.0)

    def heat_W(self, times_s):
        """Loads [W] at ``times_s``, shape ``times_s.shape + (n,)``."""
        s = self.sunlit(times_s)
        lead = tuple(range(s.ndim))
        sun = jnp.expand_dims(jnp.asarray(self.sunlit_heat_W), lead)
        ecl = jnp.expand_dims(jnp.asarray(self.eclipse_heat_W), lead)
        return s[..., None] * sun + (1.0 - s[..., None]) * ecl


def example_network(n_nodes: int = 8, *, seed: int = 0) -> ExampleProblem:
    """Build the reference stiff GPU/radiator network with ``n_nodes`` nodes (>= 8).

    A quarter of the nodes (rounded down, >= 2) are GPU dies (700 W each in sunlight), as many
    are their cold plates, one is the coolant, the rest are radiator segments (two-sided,
    emissivity 0.85, absorbing 120 W/m^2 of sunlight and albedo in sunlight). Dies couple to
    their plates (33 W/K), plates to the coolant (150 W/K), the coolant to every radiator
    segment, neighbouring segments by conduction and, with a small random GR, by radiation.

    Args:
        n_nodes: number of nodes (>= 8).
        seed: seed of the small random variations between segments (deterministic).

    Returns:
        :class:`ExampleProblem`.
    """
    if not isinstance(n_nodes, int) or n_nodes < 8:
        raise ValueError(f"n_nodes must be an int >= 8, got {n_nodes!r}")
    rng = np.random.default_rng(seed)
    n_gpu = max(2, n_nodes // 4)
    n_rad = n_nodes - 2 * n_gpu - 1
    die = np.arange(n_gpu)
    plate = n_gpu + die
    coolant = 2 * n_gpu
    rad = np.arange(2 * n_gpu + 1, n_nodes)

    cap = np.empty(n_nodes)
    cap[die] = 33.0  # ~30 g of silicon and copper lid [J/K]: tau = C / G = 1 s
    cap[plate] = 1500.0  # ~4 kg copper cold plate and manifold
    cap[coolant] = 4.0e4 * n_gpu / 2  # ~10 kg water-glycol per two GPUs
    area_per_seg = 1.0 * n_gpu / n_rad  # one-side radiator area per segment [m^2]
    cap[rad] = 2.2e4 * area_per_seg * (1.0 + 0.1 * rng.uniform(-1, 1, n_rad))

    gl = np.zeros((n_nodes, n_nodes))
    gl[die, plate] = 33.0  # junction-to-cold-plate 0.03 K/W
    gl[plate, coolant] = 150.0  # cold-plate convection
    gl[coolant, rad] = 40.0 * area_per_seg  # loop to radiator tubes
    gl[rad[:-1], rad[1:]] = 0.5 * (1.0 + 0.2 * rng.uniform(-1, 1, n_rad - 1))  # fin conduction
    gl = gl + gl.T

    gr = np.zeros((n_nodes, n_nodes))
    gr[rad[:-1], rad[1:]] = 0.02 * area_per_seg * rng.uniform(0.5, 1.5, n_rad - 1)
    gr = gr + gr.T

    gs = np.zeros(n_nodes)
    gs[rad] = 2.0 * 0.85 * area_per_seg  # two faces, emissivity 0.85
    gs[coolant] = 0.05  # small uninsulated loop surface

    q_sun = np.zeros(n_nodes)
    q_sun[die] = 700.0
    q_sun[rad] = 120.0 * area_per_seg
    q_ecl = np.zeros(n_nodes)
    q_ecl[die] = 420.0
    t0 = np.full(n_nodes, 295.0)
    t0[die] = 335.0
    t0[plate] = 310.0
    network = Network(jnp.asarray(cap), jnp.asarray(gl), jnp.asarray(gr), jnp.asarray(gs))
    return ExampleProblem(network, t0, q_sun, q_ecl)
