"""The coupled model's structured stage solve (block elimination over the coolant ring)
against a dense LU solve, forward and transposed, for 1, 3 and 8 radiator segments and both
shunt destinations (the shunt to the radiator puts bus terms in the segment rows)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import thermaljax as tj
from thermaljax._rosenbrock import GAMMA
from thermaljax.system._model import Model, loop_factor


@pytest.mark.parametrize("segments", [1, 3, 8])
@pytest.mark.parametrize("shunt", ["array", "radiator"])
def test_loop_factor_equals_a_dense_solve(segments, shunt):
    """Relative error <= 1e-12 in float64 over random states, times and steps of 1-60 s
    (round-off: the stage matrices have condition numbers below ~1e3)."""
    sc = tj.Scenario.default()
    sc = sc.replace(loop=sc.loop.replace(n_segments=segments),
                    power=sc.power.replace(shunt_destination=shunt))
    m = Model(tj.Design.default(), sc, jnp.float64)
    n = m.n_nodes
    rng = np.random.default_rng(segments)
    solve_fn = loop_factor(segments)
    for _ in range(4):
        y = jnp.asarray(np.concatenate([rng.uniform(250.0, 360.0, n),
                                        [rng.uniform(0.1, 0.95), rng.uniform(-0.02, 0.02)]]))
        t = jnp.asarray(rng.uniform(0.0, 5000.0))
        for h in (1.0, 10.0, 60.0):
            mat = jnp.eye(n + 2) / (h * GAMMA) - m.jacobian(t, y)
            # The structure the solve relies on: inside the loop block only the diagonal and
            # the ring (rack -> segment 1 -> ... -> segment N -> rack) are non-zero.
            blk = np.asarray(mat[1:n - 2, 1:n - 2])
            ring = np.eye(segments + 1, dtype=bool) | np.roll(np.eye(segments + 1, dtype=bool),
                                                              -1, axis=1)
            assert np.all(blk[~ring] == 0.0)
            b = jnp.asarray(rng.normal(size=n + 2))
            solve = solve_fn(mat)
            x = solve(b)
            xt = jax.linear_transpose(solve, b)(b)[0]
            for got, ref in ((x, jnp.linalg.solve(mat, b)), (xt, jnp.linalg.solve(mat.T, b))):
                err = float(jnp.max(jnp.abs(got - ref)) / jnp.max(jnp.abs(ref)))
                assert err <= 1e-12, err


def test_loop_factor_gradient_matches_dense():
    """Reverse mode through the solve (implicit differentiation) equals reverse mode through
    a dense solve, 1e-10 relative."""
    sc = tj.Scenario.default()
    m = Model(tj.Design.default(), sc, jnp.float64)
    n = m.n_nodes
    y = jnp.concatenate([jnp.full(n, 300.0), jnp.asarray([0.8, 0.0])])
    b = jnp.linspace(-1.0, 1.0, n + 2)

    def loss(scale, solver):
        mat = jnp.eye(n + 2) / (10.0 * GAMMA) - scale * m.jacobian(0.0, y)
        return jnp.sum(jnp.sin(solver(mat)(b)))

    dense = lambda mat: (lambda r: jnp.linalg.solve(mat, r))  # noqa: E731
    g_loop = jax.grad(loss)(1.0, loop_factor(sc.loop.n_segments))
    g_dense = jax.grad(loss)(1.0, dense)
    assert float(g_loop) == pytest.approx(float(g_dense), rel=1e-10)
