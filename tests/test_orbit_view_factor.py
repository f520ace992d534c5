"""Plate-to-sphere and plate-to-Earth view factors (thermaljax.orbit)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate

from thermaljax import constants
from thermaljax import orbit

R = constants.EARTH_RADIUS_M
vf = orbit.plate_sphere_view_factor


def _edge_closed_form(h):
    root = math.sqrt(h * h - 1)
    return (math.atan(1 / root) - root / h**2) / math.pi


@pytest.mark.parametrize(
    "altitude_km, nadir, edge", [(400.0, 0.886, 0.289), (650.0, 0.824, 0.241)]
)
def test_earth_view_factor_published(altitude_km, nadir, edge, validation):
    h = altitude_km * 1e3
    ratio = (R + h) / R
    f_nadir = float(orbit.earth_view_factor(h, 0.0))
    f_edge = float(orbit.earth_view_factor(h, math.pi / 2))
    where = f"h = {altitude_km:.0f} km"
    # Exact closed forms (REFERENCES.md): 1/H^2 and (1/pi)[atan(1/sqrt(H^2-1)) - sqrt(H^2-1)/H^2].
    validation.record(case="Earth view factor, nadir-facing plate", condition=where,
                      reference="closed form 1/H^2", quantity="|F - ref|",
                      error=abs(f_nadir - 1 / ratio**2), tolerance=1e-14, unit="-")
    validation.record(case="Earth view factor, edge-on plate", condition=where,
                      reference="closed form (1/pi)[atan(1/sqrt(H^2-1)) - sqrt(H^2-1)/H^2]",
                      quantity="|F - ref|", error=abs(f_edge - _edge_closed_form(ratio)),
                      tolerance=1e-14, unit="-")
    assert abs(f_nadir - 1 / ratio**2) < 1e-14
    assert abs(f_edge - _edge_closed_form(ratio)) < 1e-14
    # Published to 3 decimals. 1/H^2 at 400 km is 0.88546, which the table rounds to 0.886
    # (a double rounding via 0.8855), hence 6e-4 rather than a half unit (5e-4).
    validation.record(case="Earth view factor, nadir-facing plate, published", condition=where,
                      reference=f"published figure {nadir} (REFERENCES.md)",
                      quantity="|F - ref| (reference given to 3 decimals)",
                      error=abs(f_nadir - nadir), tolerance=6e-4, unit="-")
    validation.record(case="Earth view factor, edge-on plate, published", condition=where,
                      reference=f"published figure {edge} (REFERENCES.md)",
                      quantity="|F - ref| (reference given to 3 decimals)",
                      error=abs(f_edge - edge), tolerance=5e-4, unit="-")
    assert abs(f_nadir - nadir) < 6e-4, f_nadir
    assert abs(f_edge - edge) < 5e-4, f_edge


def test_limit_grazing_sphere(validation):
    # H = 1 exactly: F = (1 + cos lambda)/2 (plate on the sphere's surface).
    lam = jnp.linspace(0.0, math.pi, 13)
    validation.record_allclose(
        case="Plate-sphere view factor, plate on the sphere", condition="H = 1, lambda = 0 to pi",
        reference="closed form (1 + cos lambda)/2", quantity="max |F - ref|",
        actual=vf(1.0, lam), desired=(1 + jnp.cos(lam)) / 2, rtol=1e-7, atol=1e-15, unit="-")
    np.testing.assert_allclose(vf(1.0, lam), (1 + jnp.cos(lam)) / 2, atol=1e-15)
    # H = 1 + 1e-9: deviations are O(sqrt(2 (H-1))) = 4.5e-5, hence the 1e-4 tolerance.
    h = 1.0 + 1e-9
    assert abs(float(vf(h, 0.0)) - 1.0) < 1e-4
    assert abs(float(vf(h, math.pi / 2)) - 0.5) < 1e-4
    assert abs(float(vf(h, math.pi))) < 1e-4


def test_limit_far_sphere(validation):
    h = 1e4
    lam = jnp.linspace(0.0, 1.5, 16)  # all below pi/2 - asin(1/H): full-view branch
    validation.record_allclose(
        case="Plate-sphere view factor, distant sphere", condition="H = 1e4, lambda = 0 to 1.5",
        reference="closed form cos(lambda) / H^2", quantity="max |F H^2 - cos lambda|",
        actual=vf(h, lam) * h**2, desired=jnp.cos(lam), rtol=1e-13, atol=0, unit="-")
    np.testing.assert_allclose(vf(h, lam) * h**2, jnp.cos(lam), rtol=1e-13)
    # Edge-on: F = (2/3)/(pi H^3) + O(H^-5), so F H^2 ~ 2e-5.
    assert 0 < float(vf(h, math.pi / 2)) * h**2 < 1e-4
    assert float(vf(h, math.pi / 2 + 2e-4)) == 0.0


@pytest.mark.parametrize("h", [1.02, 1.1, 1.5, 3.0, 6.6])
def test_continuity_at_transition_angles(h):
    phi = math.asin(1 / h)
    lam1, lam2 = math.pi / 2 - phi, math.pi / 2 + phi
    # At the transitions the partial branch meets cos(lambda)/H^2 and 0 smoothly (the overlap
    # shrinks like eps^2 or faster), so at eps = 1e-6 inside the band the two formulas agree to
    # far better than 1e-9, and on the boundaries the owning branch is exact.
    eps = 1e-6
    assert abs(float(vf(h, lam1 + eps)) - math.cos(lam1 + eps) / h**2) < 1e-9
    assert abs(float(vf(h, lam1 - eps)) - math.cos(lam1 - eps) / h**2) < 1e-15
    assert abs(float(vf(h, lam2 - eps))) < 1e-9
    assert float(vf(h, lam2 + eps)) == 0.0
    # Derivatives match across the transitions too (C1): one-sided slopes to 1e-4.
    d = jax.grad(vf, argnums=1)
    assert abs(float(d(h, lam1 + eps)) - float(d(h, lam1 - eps))) < 1e-4
    assert abs(float(d(h, lam2 - eps))) < 1e-4


def test_gradients_finite_at_special_points():
    grad = jax.jit(jax.grad(vf, argnums=(0, 1)))
    for h in (1.0, 1.0 + 1e-12, 1.0625, 2.0, 1e4):
        phi = math.asin(1 / h)
        for lam in (0.0, math.pi, math.pi / 2, math.pi / 2 - phi, math.pi / 2 + phi, 1e-300):
            g = grad(h, lam)
            assert all(np.isfinite(float(x)) for x in g), (h, lam, g)
    g = jax.grad(orbit.earth_view_factor, argnums=(0, 1))(400e3, 0.0)
    # d(1/H^2)/dh = -2/(R H^3) at nadir; d/dlambda = -sin(0)/H^2 = 0.
    ratio = (R + 400e3) / R
    assert abs(float(g[0]) - (-2 / (R * ratio**3))) < 1e-20
    assert float(g[1]) == 0.0


def _brute_force_view_factor(h, lam):
    """F = (1/pi) integral of cos(t1) cos(t2) / s^2 dA over the sphere (radius 1).

    Plate at P = (0, 0, H), front normal n = (sin lam, 0, -cos lam) (lam from the direction to
    the centre). A sphere point Q(alpha, phi) with polar angle alpha from +z is seen if it faces
    the plate (cos t2 > 0 <=> alpha < acos(1/H)) and lies in front of the plate (cos t1 > 0).
    For fixed alpha, n.(Q - P) = sin(lam) sin(alpha) cos(phi) + cos(lam) (H - cos alpha), linear
    in cos(phi), so the visible phi-interval is [-phi0, phi0] in closed form and the integrand is
    smooth on it; the integral is done by nested adaptive Gauss-Kronrod quadrature.
    """
    n = np.array([math.sin(lam), 0.0, -math.cos(lam)])
    p = np.array([0.0, 0.0, h])

    def integrand(phi, alpha):
        q = np.array([math.sin(alpha) * math.cos(phi), math.sin(alpha) * math.sin(phi),
                      math.cos(alpha)])
        sv = q - p
        s2 = sv @ sv
        s = math.sqrt(s2)
        cos1 = (n @ sv) / s
        cos2 = -(q @ sv) / s
        return max(cos1, 0.0) * cos2 / (math.pi * s2) * math.sin(alpha)

    def phi_limit(alpha):
        a_ = math.sin(lam) * math.sin(alpha)
        b_ = math.cos(lam) * (h - math.cos(alpha))
        if b_ >= abs(a_):
            return math.pi
        if b_ <= -abs(a_):
            return 0.0
        return math.acos(-b_ / a_)

    def inner(alpha):
        lim = phi_limit(alpha)
        if lim == 0.0:
            return 0.0
        return integrate.quad(integrand, -lim, lim, args=(alpha,), epsabs=1e-13, epsrel=1e-11)[0]

    alpha_max = math.acos(1 / h)
    # The phi-limit has square-root kinks in alpha where the plate plane cuts the cap edge
    # region; quad's adaptive bisection handles them, a fine limit keeps the error ~1e-10.
    value, err = integrate.quad(inner, 0.0, alpha_max, epsabs=1e-12, epsrel=1e-10, limit=200)
    return value, err


@pytest.mark.parametrize(
    "h, lam",
    [
        (1.0627, 0.0),  # 400 km, facing nadir (full view)
        (1.0627, 0.9),  # full view, tilted
        (1.0627, math.pi / 2),  # edge-on (partial)
        (1.0627, 2.0),  # mostly facing away (partial)
        (1.5, 0.5),  # full view
        (1.5, 1.2),  # partial
        (1.5, 2.2),  # partial, sliver
        (3.0, 1.4),  # partial
        (6.61, 1.6),  # GEO-like, partial
    ],
)
def test_view_factor_against_numerical_integration(h, lam, validation):
    expected, err = _brute_force_view_factor(h, lam)
    assert err < 1e-8
    # Quadrature error estimate < 1e-8; 1e-7 leaves room for the estimate's own uncertainty
    # (far tighter than the 1e-4 a coarse grid would give).
    validation.record(case="Plate-sphere view factor, numerical integration",
                      condition=f"H = {h}, lambda = {lam:.4g} rad",
                      reference="SciPy quad of cos t1 cos t2 / (pi s^2) over the sphere "
                                "(float64)",
                      quantity="|F - F_quad|", error=abs(float(vf(h, lam)) - expected),
                      tolerance=1e-7, unit="-")
    assert abs(float(vf(h, lam)) - expected) < 1e-7, (float(vf(h, lam)), expected)


def test_view_factor_zero_when_sphere_behind():
    h = 1.5
    phi = math.asin(1 / h)
    assert float(vf(h, math.pi / 2 + phi + 0.01)) == 0.0
    value, _ = _brute_force_view_factor(h, math.pi / 2 + phi + 0.01)
    assert value == 0.0


def test_view_factor_broadcasts_and_jits():
    h = jnp.array([1.1, 1.5, 2.0])
    lam = jnp.array([0.2, 1.5, 2.4])
    eager = vf(h, lam)
    jitted = jax.jit(vf)(h, lam)
    np.testing.assert_allclose(eager, jitted, rtol=1e-15)
    np.testing.assert_allclose(jax.vmap(vf)(h, lam), eager, rtol=1e-15)
    assert vf(1.5, lam).shape == (3,)
