"""Fixed-step Rodas4: a stiffly accurate, L-stable Rosenbrock method of order 4, in pure JAX.

A Rosenbrock method replaces the Newton iteration of an implicit Runge-Kutta method by linear
solves with the exact Jacobian ``J = df/dy``: one LU factorisation per step, six solves, six
evaluations of ``f``. With no iteration, every step costs the same, which is what ``lax.scan``,
``vmap`` over thousands of designs and reverse-mode ``grad`` want. L-stability and stiff
accuracy let a step be far longer than the fastest time constant of the system (a GPU die at
~1 s beside a radiator at hours): stiff modes are damped to their quasi-steady value, not
resolved.

Non-autonomous form (Hairer & Wanner, eq. IV.7.4', in the variables of ``rodas.f``), with
``gamma = 1/4`` and ``M = I / (h gamma) - J``:

    M U_i = f(t + c_i h, y + sum_{j<i} a_ij U_j) + sum_{j<i} (c_ij / h) U_j + h d_i df/dt
    y_{n+1} = y + sum_j a_5j U_j + U_5 + U_6        (stiffly accurate: the last stage)

``U_6`` is the embedded error estimate (order 3 vs 4) and is returned for diagnostics.

References:
    Hairer & Wanner, Solving Ordinary Differential Equations II: Stiff and
        Differential-Algebraic Problems, 2nd ed., Springer (1996), section IV.7, Table 7.2
        (RODAS) and the Fortran code ``rodas.f`` (coefficients of subroutine RODASC, METH=1).
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl

# Coefficients of RODAS (Hairer & Wanner 1996, rodas.f, METH = 1).
GAMMA = 0.25
C2, C3, C4 = 0.386, 0.21, 0.63
D1, D2, D3, D4 = 0.25, -0.1043, 0.1035, -0.3620000000000023e-01
A21 = 1.544
A31, A32 = 0.9466785280815826, 0.2557011698983284
A41, A42, A43 = 3.314825187068521, 2.896124015972201, 0.9986419139977817
A51, A52, A53, A54 = 1.221224509226641, 6.019134481288629, 12.53708332932087, -0.6878860361058950
C21 = -5.6688
C31, C32 = -2.430093356833875, -0.2063599157091915
C41, C42, C43 = -0.1073529058151375, -9.594562251023355, -20.47028614809616
C51, C52, C53, C54 = 7.496443313967647, -10.24680431464352, -33.99990352819905, 11.70890893206160
C61, C62, C63, C64, C65 = (
    8.083246795921522,
    -7.981132988064893,
    -31.52159432874371,
    16.31930543123136,
    -6.058818238834054,
)

VectorField = Callable[[jax.Array, jax.Array], jax.Array]
Factor = Callable[[jax.Array], Callable[[jax.Array], jax.Array]]

UNROLL_MAX_N = 16
"""Largest system solved by the unrolled Gauss-Jordan inverse; larger ones use LAPACK's LU."""


def _implicit_solve(m, solve, transpose_solve):
    """``b -> m^-1 b`` differentiated implicitly (``dx = m^-1 (db - dm x)``).

    The factorisation is computed from ``stop_gradient(m)`` and never differentiated: the
    derivative with respect to ``m`` flows through the cheap product ``m @ x`` instead, which
    is what keeps reverse mode through a whole orbit at a small multiple of the forward cost.
    """

    def apply(b):
        return jax.lax.custom_linear_solve(
            lambda x: m @ x, b, lambda _, r: solve(r), lambda _, r: transpose_solve(r)
        )

    return apply


def lapack_factor(m: jax.Array) -> Callable[[jax.Array], jax.Array]:
    """Factor ``m`` with partial-pivoting LU (LAPACK) and return ``b -> m^-1 b``."""
    lu_piv = jsl.lu_factor(jax.lax.stop_gradient(m))
    return _implicit_solve(
        m, lambda r: jsl.lu_solve(lu_piv, r), lambda r: jsl.lu_solve(lu_piv, r, trans=1)
    )


def gauss_jordan_inverse(m: jax.Array) -> jax.Array:
    """Inverse of a small matrix by Gauss-Jordan elimination without pivoting, unrolled.

    Every elimination step is one rank-1 update of the whole augmented matrix, so under
    ``vmap`` the work is a few fused elementwise kernels over the batch instead of one LAPACK
    call per matrix; for n <= 16 this is several times faster on CPU. Without pivoting it is
    stable for diagonally dominant matrices, which is what the thermal solver passes
    (``C / (h gamma) - dP/dT`` is column diagonally dominant: GL and GR are symmetric and the
    advective rates conserve mass).
    """
    n = m.shape[-1]
    eye = jnp.eye(n, dtype=m.dtype)
    aug = jnp.concatenate([m, eye], axis=-1)
    for k in range(n):
        pivot_row = aug[k] / aug[k, k]
        col = aug[:, k] - eye[:, k]
        aug = aug - col[:, None] * pivot_row[None, :]
    return aug[:, n:]


def inverse_factor(m: jax.Array) -> Callable[[jax.Array], jax.Array]:
    """Return ``b -> m^-1 b`` through :func:`gauss_jordan_inverse`."""
    inv = gauss_jordan_inverse(jax.lax.stop_gradient(m))
    return _implicit_solve(m, lambda r: inv @ r, lambda r: inv.T @ r)


def default_factor(n: int) -> Factor:
    """The factorisation used for an ``n``-state system."""
    return inverse_factor if n <= UNROLL_MAX_N else lapack_factor


def rodas4_step(
    fun: VectorField,
    jac: VectorField,
    dfdt: VectorField,
    t: jax.Array,
    y: jax.Array,
    h: jax.Array,
    *,
    scale: jax.Array | None = None,
    factor: Factor | None = None,
) -> tuple[jax.Array, jax.Array]:
    """Advance ``dy/dt = fun(t, y)`` by one Rodas4 step of size ``h``.

    Args:
        fun: vector field ``(t, y) -> (n,)``.
        jac: its Jacobian ``(t, y) -> (n, n)``, exact (the method's order relies on it).
        dfdt: its partial time derivative ``(t, y) -> (n,)``.
        t: time at the start of the step.
        y: (n,) state at ``t``.
        h: step size (> 0).
        scale: optional (n,) positive row scaling ``s``: the stage systems are solved as
            ``(diag(s) / (h gamma) - diag(s) J) U = diag(s) b``, which is better conditioned
            when ``J = diag(1/s) A`` (the thermal network: ``s`` = capacitances).
        factor: ``matrix -> solve`` function; default :func:`default_factor` of the size.

    Returns:
        ``(y_next, error)``: the state at ``t + h`` and the embedded local error estimate
        ``U_6`` (same units as ``y``).
    """
    n = y.shape[-1]
    f0 = fun(t, y)
    ft = dfdt(t, y)
    factor = default_factor(n) if factor is None else factor
    if scale is None:
        solve = factor(jnp.eye(n, dtype=y.dtype) / (h * GAMMA) - jac(t, y))
    else:
        scaled_solve = factor(jnp.diag(scale / (h * GAMMA)) - scale[:, None] * jac(t, y))

        def solve(b):
            return scaled_solve(scale * b)

    inv_h = 1.0 / h
    u1 = solve(f0 + (h * D1) * ft)
    f = fun(t + C2 * h, y + A21 * u1)
    u2 = solve(f + inv_h * (C21 * u1) + (h * D2) * ft)
    f = fun(t + C3 * h, y + A31 * u1 + A32 * u2)
    u3 = solve(f + inv_h * (C31 * u1 + C32 * u2) + (h * D3) * ft)
    f = fun(t + C4 * h, y + A41 * u1 + A42 * u2 + A43 * u3)
    u4 = solve(f + inv_h * (C41 * u1 + C42 * u2 + C43 * u3) + (h * D4) * ft)
    y5 = y + A51 * u1 + A52 * u2 + A53 * u3 + A54 * u4
    f = fun(t + h, y5)
    u5 = solve(f + inv_h * (C51 * u1 + C52 * u2 + C53 * u3 + C54 * u4))
    y6 = y5 + u5
    f = fun(t + h, y6)
    u6 = solve(f + inv_h * (C61 * u1 + C62 * u2 + C63 * u3 + C64 * u4 + C65 * u5))
    return y6 + u6, u6
