"""Eclipse fraction (cylinder) and the conical shadow function (thermaljax.orbit)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermaljax import constants
from thermaljax import orbit
from thermaljax.orbit._shadow import _occulted_fraction

R = constants.EARTH_RADIUS_M
AU = constants.ASTRONOMICAL_UNIT_M
R_SUN = constants.SUN_RADIUS_M


def _grid(n):
    return np.arange(n) * (2 * np.pi / n)


def test_iss_eclipse_worked_value(validation):
    # REFERENCES.md: 400 km, beta = 0 -> eclipse 36.1 min (published to 0.1 min).
    minutes = float(orbit.eclipse_fraction(400e3, 0.0) * orbit.period(400e3)) / 60
    validation.record(case="Eclipse duration, ISS-like orbit", condition="h = 400 km, beta = 0",
                      reference="published figure 36.1 min (REFERENCES.md worked example)",
                      quantity="|t_eclipse - 36.1 min|", error=abs(minutes - 36.1),
                      tolerance=0.05, unit="min")
    assert abs(minutes - 36.1) < 0.05, minutes


@pytest.mark.parametrize("altitude_km, expected_deg", [(400.0, 70.2), (650.0, 65.2)])
def test_beta_star_published(altitude_km, expected_deg, validation):
    got = math.degrees(float(orbit.beta_star(altitude_km * 1e3)))
    validation.record(case="Critical beta angle beta*", condition=f"h = {altitude_km:.0f} km",
                      reference=f"published figure {expected_deg} deg (REFERENCES.md)",
                      quantity="|beta* - ref| (reference given to 0.1 deg)",
                      error=abs(got - expected_deg), tolerance=0.05, unit="deg")
    assert abs(got - expected_deg) < 0.05, got  # published to 0.1 deg


def test_eclipse_fraction_vanishes_beyond_beta_star_and_is_even():
    bs = float(orbit.beta_star(650e3))
    betas = jnp.array([bs, bs + 1e-9, 1.3, math.pi / 2])
    np.testing.assert_array_equal(orbit.eclipse_fraction(650e3, betas), 0.0)
    np.testing.assert_array_equal(orbit.eclipse_fraction(650e3, -betas), 0.0)
    b = jnp.linspace(-1.0, 1.0, 21)
    np.testing.assert_allclose(orbit.eclipse_fraction(650e3, b), orbit.eclipse_fraction(650e3, -b))
    assert float(orbit.eclipse_fraction(650e3, bs - 1e-6)) > 0


@pytest.mark.parametrize("altitude_m", [400e3, 650e3, 8000e3])
@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0])
def test_eclipse_fraction_brute_force_cylinder(altitude_m, beta, validation):
    # Sample the orbit; a point is in the cylindrical shadow if it is on the night side
    # (r . s < 0) and closer than R_E to the Sun line. Each of the two shadow edges is located
    # to within one grid step, so the sampled fraction is within 2/n of the exact one.
    n = 200_001
    theta = _grid(n)
    a = R + altitude_m
    r = a * np.stack([np.cos(theta), np.sin(theta), np.zeros(n)], axis=-1)
    s = np.array([np.cos(beta), 0.0, np.sin(beta)])
    along = r @ s
    perp = np.linalg.norm(r - along[:, None] * s, axis=-1)
    sampled = np.mean((along < 0) & (perp < R))
    err = abs(float(orbit.eclipse_fraction(altitude_m, beta)) - sampled)
    validation.record(case="Eclipse fraction, cylindrical shadow",
                      condition=f"h = {altitude_m / 1e3:.0f} km, beta = {beta} rad",
                      reference="brute-force sampling of the orbit, 200,001 points (NumPy)",
                      quantity="|f - f_sampled| (2 grid steps allowed)", error=err,
                      tolerance=2 / n, unit="-")
    assert err <= 2 / n


def test_eclipse_fraction_gradients_finite_at_boundaries(validation):
    grad = jax.jit(jax.grad(orbit.eclipse_fraction, argnums=(0, 1)))
    for h in (400e3, 650e3):
        bs = float(orbit.beta_star(h))
        for b in (0.0, bs, -bs, bs - 1e-12, bs - 1e-6, math.pi / 2, -math.pi / 2, 1.0):
            g = grad(h, b)
            assert all(np.isfinite(float(x)) for x in g), (h, b, g)
    # Away from beta*, the gradient matches a central difference (error ~ step^2 f''' ~ 1e-12).
    f = lambda b: orbit.eclipse_fraction(650e3, b)
    fd = (f(0.7 + 1e-6) - f(0.7 - 1e-6)) / 2e-6
    err = abs(float(jax.grad(f)(0.7)) - float(fd))
    validation.record(case="Gradient of the eclipse fraction with respect to beta",
                      condition="h = 650 km, beta = 0.7 rad",
                      reference="central finite difference (float64, step 1e-6 rad)",
                      quantity="|df/dbeta - FD|", error=err, tolerance=1e-8, unit="1/rad")
    assert err < 1e-8


def _point_source_shadow(altitude_m, beta, theta):
    """Independent conical check: Sun centre (point source at 1 AU) hidden by the Earth disk."""
    a = R + altitude_m
    r = a * np.stack([np.cos(theta), np.sin(theta), np.zeros_like(theta)], axis=-1)
    d = AU * np.array([np.cos(beta), 0.0, np.sin(beta)]) - r
    cos_psi = np.sum(d * (-r), axis=-1) / (np.linalg.norm(d, axis=-1) * a)
    return np.arccos(np.clip(cos_psi, -1, 1)) < np.arcsin(R / a)


@pytest.mark.parametrize("beta", [0.0, 0.6])
def test_sunlit_fraction_integrates_to_conical_eclipse(beta, validation):
    n, h = 400_000, 400e3
    theta = _grid(n)
    shadow = 1.0 - float(jnp.mean(orbit.sunlit_fraction(h, beta, theta)))
    point = float(np.mean(_point_source_shadow(h, beta, theta)))
    rho_s, rho_e = R_SUN / AU, math.asin(R / (R + h))
    # The penumbra is symmetric about the point-source edge (psi = rho_e) up to the limb's
    # curvature, which shortens each edge by rho_s^2/(8 rho_e) in psi (2e-6 rad), i.e. < 2e-6
    # of the orbit; the sampled point-source fraction is within 2/n of exact.
    where = f"h = 400 km, beta = {beta} rad"
    validation.record(case="Orbit-integrated shadow, conical model", condition=where,
                      reference="point-source Sun hidden by the Earth disk, 400,000 samples "
                                "(NumPy)",
                      quantity="|shadow fraction - point-source fraction|",
                      error=abs(shadow - point), tolerance=2 / n + 2e-6, unit="-")
    assert abs(shadow - point) < 2 / n + 2e-6, (shadow, point)
    # Versus the cylinder: the shadow of the Sun's centre diverges by R_E/D per edge in psi
    # (4.3e-5 rad); at beta = 0 dpsi/dtheta = 1, so the cone's eclipse is longer by
    # 2 (R_E/D) / (2 pi) = 1.36e-5 minus the curvature term 2 rho_s^2/(8 rho_e)/(2 pi) = 7e-7.
    cyl = float(orbit.eclipse_fraction(h, beta))
    if beta == 0.0:
        expected = (2 * R / AU - 2 * rho_s**2 / (8 * rho_e)) / (2 * np.pi)
        validation.record(case="Conical minus cylindrical eclipse", condition=where,
                          reference="closed form (2 R_E/D - rho_s^2/(4 rho_e)) / (2 pi)",
                          quantity="|(f_cone - f_cyl) - ref|",
                          error=abs((shadow - cyl) - expected), tolerance=1e-6, unit="-")
        assert abs((shadow - cyl) - expected) < 1e-6, (shadow - cyl, expected)
        # The umbra (sunlit == 0) is shorter than the cylinder by 2 (rho_s - R_E/D) / (2 pi).
        umbra = float(jnp.mean(orbit.sunlit_fraction(h, beta, theta) == 0.0))
        expected_umbra = cyl - 2 * (rho_s - R / AU) / (2 * np.pi)
        validation.record(case="Umbra fraction of the orbit", condition=where,
                          reference="closed form f_cyl - 2 (rho_s - R_E/D) / (2 pi)",
                          quantity="|f_umbra - ref|", error=abs(umbra - expected_umbra),
                          tolerance=2 / n + 1e-6, unit="-")
        assert abs(umbra - expected_umbra) < 2 / n + 1e-6, (umbra, expected_umbra)
    else:
        assert 0 < shadow - cyl < 5e-5  # same sign and order as at beta = 0


def test_penumbra_duration_iss_like(validation):
    h = 400e3
    period = float(orbit.period(h))
    edge = math.pi * (1 - float(orbit.eclipse_fraction(h, 0.0)))  # shadow entry, cylinder
    step = 1e-6
    theta = edge + np.arange(-0.02, 0.02, step)
    lit = np.asarray(orbit.sunlit_fraction(h, 0.0, theta))
    duration = np.count_nonzero((lit > 0) & (lit < 1)) * step * period / (2 * np.pi)
    # Expected 2 rho_s / (dpsi/dtheta = 1) of orbit: 2 (R_sun/AU) T/(2 pi) = 8.2 s; the grid
    # resolves it to 1e-6 rad = 1e-3 s. "~8-10 s" for LEO penumbrae.
    expected = 2 * math.asin(R_SUN / AU) * period / (2 * np.pi)
    assert 8.0 < duration < 10.0, duration
    validation.record(case="Penumbra duration", condition="h = 400 km, beta = 0",
                      reference="closed form 2 asin(R_sun/AU) T / (2 pi)",
                      quantity="|t_penumbra - ref| (1 % allowed)",
                      error=abs(duration - expected), tolerance=0.01 * expected, unit="s")
    assert abs(duration - expected) < 0.01 * expected, (duration, expected)
    # Monotone decrease through the entry penumbra.
    assert np.all(np.diff(lit) <= 1e-15)


def test_smoothing_keeps_orbit_integrated_sunlight():
    n, h = 200_000, 400e3
    theta = _grid(n)
    for beta in (0.0, 0.6):
        sharp = float(jnp.mean(orbit.sunlit_fraction(h, beta, theta)))
        smooth = float(jnp.mean(orbit.sunlit_fraction(h, beta, theta, smoothing=0.02)))
        # Second-order effect: 2 rho^2/(8 rho_e)/(2 pi sunlit) ~ 2e-5 at beta = 0 (see docstring).
        assert abs(smooth - sharp) / sharp < 1e-4, (beta, smooth, sharp)
    # The eclipse midpoint stays at theta = pi: the smoothed function is symmetric about it.
    t = jnp.linspace(0.0, 0.3, 31)
    np.testing.assert_allclose(
        orbit.sunlit_fraction(h, 0.3, math.pi + t, smoothing=0.05),
        orbit.sunlit_fraction(h, 0.3, math.pi - t, smoothing=0.05),
        atol=1e-12,
    )
    # And the transition is wider: several 60 s steps (0.07 rad of orbit angle each).
    lit = np.asarray(orbit.sunlit_fraction(h, 0.0, np.linspace(1.5, 2.5, 10001), smoothing=0.1))
    width = np.count_nonzero((lit > 0) & (lit < 1)) * 1e-4
    assert width > 0.15


def _contact_angle(h, beta, target):
    """Orbit angle on the entry side where psi(theta) = target, by bisection (float64)."""
    a = R + h
    def psi(t):
        c = math.cos(beta) * math.cos(t)
        sg = math.sqrt(math.sin(beta) ** 2 + (math.cos(beta) * math.sin(t)) ** 2)
        return math.atan2(AU * sg, a - AU * c)
    lo, hi = 0.5, math.pi  # psi decreases from > target to 0 on this interval
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if psi(mid) > target else (lo, mid)
    return lo


def test_sunlit_fraction_gradients_finite_everywhere():
    h = 400e3
    grad = jax.jit(jax.grad(orbit.sunlit_fraction, argnums=(0, 1, 2)))
    rho_e = math.asin(R / (R + h))
    rho_s = R_SUN / AU  # at the edge |d| ~ AU to 5e-5 relative
    points = [0.0, math.pi, 1.0, 2.0, 3.0]
    for target in (rho_e + rho_s, rho_e - rho_s, rho_e):
        t = _contact_angle(h, 0.0, target)
        points += [t, np.nextafter(t, 0), np.nextafter(t, 4)]
    for beta in (0.0, 0.3):
        for t in points:
            g = grad(h, beta, t)
            assert all(np.isfinite(float(x)) for x in g), (beta, t, g)
    # Exactly at the contact points of the disk overlap (psi = rho_e +- rho_s), at psi = 0
    # and with the Sun larger than the Earth (annular case).
    occ = jax.jit(jax.grad(_occulted_fraction, argnums=(0, 1, 2)))
    for psi, rs, re in [(1.3, 0.1, 1.2), (1.1, 0.1, 1.2), (0.0, 0.1, 1.2), (0.05, 0.3, 0.2),
                        (0.1, 0.3, 0.2), (0.5, 0.3, 0.2)]:
        g = occ(jnp.float64(psi), jnp.float64(rs), jnp.float64(re))
        assert all(np.isfinite(float(x)) for x in g), (psi, rs, re, g)
    # Annular: a smaller Earth disk fully inside the Sun's hides (re/rs)^2 of it.
    assert abs(float(_occulted_fraction(0.05, 0.3, 0.2)) - (0.2 / 0.3) ** 2) < 1e-15


def test_sunlit_fraction_gradient_in_penumbra(validation):
    h, beta = 400e3, 0.0
    t_out = _contact_angle(h, beta, math.asin(R / (R + h)) + R_SUN / AU)
    t_in = _contact_angle(h, beta, math.asin(R / (R + h)) - R_SUN / AU)
    f = jax.jit(lambda t: orbit.sunlit_fraction(h, beta, t))
    df = jax.jit(jax.grad(f))
    rows = []
    for t in np.linspace(t_out, t_in, 9)[1:-1]:
        g = float(df(t))
        assert g < -1.0, g  # non-zero and negative on entry: ~ -2/(pi rho_s) x chord profile
        step = 1e-7
        fd = (float(f(t + step)) - float(f(t - step))) / (2 * step)
        rows.append((t, g, fd))
    # Step^2 f''' ~ 1e-14 / rho_s^2 ~ 5e-10 relative truncation; rounding 1e-16/1e-7 ~ 1e-9.
    validation.record(case="Gradient of the sunlit fraction in the penumbra",
                      condition="h = 400 km, beta = 0, 7 angles across the penumbra",
                      reference="central finite difference (float64, step 1e-7 rad)",
                      quantity="|d sunlit/d theta - FD| (1e-6 relative)",
                      error=[abs(g - fd) for _, g, fd in rows],
                      tolerance=[1e-6 * abs(g) for _, g, _ in rows], unit="1/rad")
    for t, g, fd in rows:
        assert abs(g - fd) < 1e-6 * abs(g), (t, g, fd)
    # Derivatives with respect to beta and altitude are non-zero in the penumbra too.
    t_mid = 0.5 * (t_out + t_in)
    g_beta = float(jax.grad(lambda b: orbit.sunlit_fraction(h, b, t_mid))(0.1))
    g_alt = float(jax.grad(lambda x: orbit.sunlit_fraction(x, beta, t_mid))(h))
    assert g_beta != 0.0 and np.isfinite(g_beta)
    assert g_alt != 0.0 and np.isfinite(g_alt)
    fd_alt = (float(orbit.sunlit_fraction(h + 1.0, beta, t_mid))
              - float(orbit.sunlit_fraction(h - 1.0, beta, t_mid))) / 2.0
    assert abs(g_alt - fd_alt) < 1e-5 * abs(g_alt), (g_alt, fd_alt)


def test_sunlit_fraction_limits_and_sun_distance():
    h = 650e3
    assert float(orbit.sunlit_fraction(h, 0.0, 0.0)) == 1.0
    assert float(orbit.sunlit_fraction(h, 0.0, math.pi)) == 0.0
    assert float(orbit.sunlit_fraction(h, 1.2, math.pi)) == 1.0  # beta > beta*: no eclipse
    # Farther Sun -> smaller solar disk -> shorter penumbra (width 2 rho_s ~ 1/D).
    theta = np.linspace(1.9, 2.1, 200_001)
    widths = []
    for d in (0.983 * AU, 1.017 * AU):
        lit = np.asarray(orbit.sunlit_fraction(h, 0.0, theta, sun_distance_m=d))
        widths.append(np.count_nonzero((lit > 0) & (lit < 1)))
    assert abs(widths[0] / widths[1] - 1.017 / 0.983) < 0.01


def test_sunlit_fraction_float32_in_penumbra():
    # float32 resolves the orbit angle to ~1e-7 rad against a 9e-3 rad penumbra: the shadow
    # function agrees with float64 to ~1e-5; 1e-4 is the bound. Gradients stay finite.
    theta = np.linspace(1.85, 1.98, 4001)
    f64 = np.asarray(orbit.sunlit_fraction(400e3, 0.0, theta))
    f32 = orbit.sunlit_fraction(jnp.float32(400e3), jnp.float32(0.0), theta.astype(np.float32))
    assert f32.dtype == jnp.float32
    assert np.count_nonzero((f64 > 0) & (f64 < 1)) > 200  # the sample spans the penumbra
    np.testing.assert_allclose(np.asarray(f32), f64, atol=1e-4)
    grad = jax.jit(jax.vmap(jax.grad(orbit.sunlit_fraction, argnums=(0, 1, 2)),
                            in_axes=(None, None, 0)))
    for g in grad(jnp.float32(400e3), jnp.float32(0.0), jnp.asarray(theta, jnp.float32)):
        assert g.dtype == jnp.float32 and np.all(np.isfinite(np.asarray(g)))


def test_smoothing_limited_by_earth_apparent_radius():
    """At GEO the Earth's apparent radius is ~0.15 rad: 0.2 rad of blur would erase eclipse."""
    geo = 35786e3
    with pytest.raises(ValueError, match=r"smoothing = 0.2 rad is outside the allowed range"):
        orbit.sunlit_fraction(geo, 0.0, jnp.pi, smoothing=0.2)
    with pytest.raises(ValueError, match="smoothing"):
        orbit.plate_environment(orbit.EdgeOnSun(), geo, 0.0, jnp.pi, smoothing=0.2)
    # Within the limit the umbra stays dark at orbit midnight.
    assert float(orbit.sunlit_fraction(geo, 0.0, jnp.pi, smoothing=0.03)) == 0.0
