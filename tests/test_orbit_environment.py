"""Sun direction in LVLH, plate attitudes and environmental loads (thermaljax.orbit)."""

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from thermaljax import constants
from thermaljax import orbit

R = constants.EARTH_RADIUS_M
S0 = constants.SOLAR_CONSTANT_W_M2
OLR = constants.EARTH_OLR_W_M2
ALB = constants.EARTH_ALBEDO
H400 = (R + 400e3) / R
THETA = jnp.linspace(0.0, 2 * math.pi, 73)  # includes 0, pi and 2 pi exactly (5 deg steps)


def _f_nadir(h):
    return 1 / h**2


def _f_edge(h):
    root = math.sqrt(h * h - 1)
    return (math.atan(1 / root) - root / h**2) / math.pi


def test_sun_direction_lvlh_matches_frame_construction(validation):
    # Independent: build r_hat, the Sun and the LVLH axes in the orbit-plane frame with numpy.
    got, want = [], []
    for beta in (-1.2, 0.0, 0.4, math.pi / 2):
        for theta in np.linspace(0, 2 * np.pi, 13):
            s = np.array([np.cos(beta), 0.0, np.sin(beta)])
            r_hat = np.array([np.cos(theta), np.sin(theta), 0.0])
            z_l = -r_hat
            y_l = -np.array([0.0, 0.0, 1.0])
            x_l = np.cross(y_l, z_l)
            np.testing.assert_allclose(x_l, [-np.sin(theta), np.cos(theta), 0.0], atol=1e-15)
            expected = np.array([s @ x_l, s @ y_l, s @ z_l])
            got.append(np.asarray(orbit.sun_direction_lvlh(beta, theta)))
            want.append(expected)
    validation.record_allclose(
        case="Sun direction in the LVLH frame", condition="4 beta x 13 orbit angles",
        reference="LVLH axes built from r and the orbit normal (NumPy cross products)",
        quantity="max |s_L - ref| per component", actual=got, desired=want, rtol=1e-7,
        atol=1e-15, unit="-")
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, atol=1e-15)
    s = orbit.sun_direction_lvlh(0.3, THETA)
    assert s.shape == (73, 3)
    # Cosine of the subsolar zenith angle = -s_L . z_L... = cos beta cos theta.
    np.testing.assert_allclose(-s[:, 2], math.cos(0.3) * jnp.cos(THETA), atol=1e-15)


def test_two_axis_tracking_sees_full_sun_times_sunlit(validation):
    env = orbit.plate_environment(orbit.SunTracking(), 400e3, 0.2, THETA)
    lit = orbit.sunlit_fraction(400e3, 0.2, THETA)
    validation.record_allclose(
        case="Direct sunlight on a two-axis Sun-tracking plate",
        condition="h = 400 km, beta = 0.2 rad, 73 orbit angles",
        reference="closed form S0 x sunlit fraction", quantity="max |q_sun - ref|",
        actual=env.solar_front_W_m2, desired=S0 * lit, rtol=1e-14, atol=0, unit="W/m^2")
    np.testing.assert_allclose(env.solar_front_W_m2, S0 * lit, rtol=1e-14)
    np.testing.assert_array_equal(env.solar_back_W_m2, 0.0)
    incidence = orbit.sun_incidence(orbit.SunTracking(), 0.2, THETA)
    np.testing.assert_allclose(incidence, 1.0, atol=1e-15)


@pytest.mark.parametrize("beta", [-1.3, -0.4, 0.0, 0.7, 1.4])
def test_one_axis_tracking_about_orbit_normal_gives_cos_beta(beta, validation):
    att = orbit.SunTracking(axis=(0.0, 1.0, 0.0))
    inc = orbit.sun_incidence(att, beta, THETA)
    validation.record_allclose(
        case="Incidence on a one-axis tracker about the orbit normal",
        condition=f"beta = {beta} rad, 73 orbit angles", reference="closed form cos(beta)",
        quantity="max |cos i - cos beta|", actual=inc, desired=math.cos(beta), rtol=1e-7,
        atol=1e-14, unit="-")
    np.testing.assert_allclose(inc, math.cos(beta), atol=1e-14)
    # The normal stays perpendicular to the drive axis.
    normal = att.normal_lvlh(orbit.sun_direction_lvlh(beta, THETA))
    np.testing.assert_allclose(normal[:, 1], 0.0, atol=1e-15)


def test_one_axis_tracking_degenerate_sun_along_axis():
    att = orbit.SunTracking(axis=(0.0, 1.0, 0.0))
    # beta = -pi/2: Sun along +y_L (minus the orbit normal) = the axis: normal is any unit
    # vector perpendicular to it; incidence is 0 (to rounding), no NaN.
    n = att.normal_lvlh(orbit.sun_direction_lvlh(-math.pi / 2, THETA))
    np.testing.assert_allclose(jnp.linalg.norm(n, axis=-1), 1.0, atol=1e-15)
    np.testing.assert_allclose(n[:, 1], 0.0, atol=1e-15)
    g = jax.grad(lambda b: orbit.sun_incidence(att, b, 0.3))(-math.pi / 2)
    assert np.isfinite(float(g))


@pytest.mark.parametrize("beta", [0.0, 0.5, -1.1])
def test_edge_on_radiator(beta, validation):
    env = orbit.plate_environment(orbit.EdgeOnSun(), 400e3, beta, THETA)
    where = f"h = 400 km, beta = {beta} rad, 73 orbit angles"
    # The plane holds the Sun line: no direct sunlight on either face (rounding 1e-13 W/m^2).
    validation.record_allclose(
        case="Edge-on radiator: direct sunlight", condition=where,
        reference="closed form 0 (the plate contains the Sun line)",
        quantity="max |q_sun|, both faces",
        actual=[env.solar_front_W_m2, env.solar_back_W_m2], desired=0.0, rtol=1e-7,
        atol=1e-12, unit="W/m^2")
    np.testing.assert_allclose(env.solar_front_W_m2, 0.0, atol=1e-12)
    np.testing.assert_allclose(env.solar_back_W_m2, 0.0, atol=1e-12)
    # The plane holds the nadir line: both faces see the Earth edge-on.
    f_edge = _f_edge(H400)
    validation.record_allclose(
        case="Edge-on radiator: Earth IR", condition=where,
        reference="closed form OLR x F_edge(H)", quantity="max |q_IR - ref|, both faces",
        actual=[env.ir_front_W_m2, env.ir_back_W_m2], desired=OLR * f_edge, rtol=1e-12,
        atol=0, unit="W/m^2")
    np.testing.assert_allclose(env.ir_front_W_m2, OLR * f_edge, rtol=1e-12)
    np.testing.assert_allclose(env.ir_back_W_m2, OLR * f_edge, rtol=1e-12)
    cz = np.maximum(math.cos(beta) * np.cos(np.asarray(THETA)), 0.0)
    expected_albedo = S0 * ALB * f_edge * cz
    validation.record_allclose(
        case="Edge-on radiator: albedo", condition=where,
        reference="closed form S0 a F_edge(H) max(cos beta cos theta, 0)",
        quantity="max |q_albedo - ref|", actual=env.albedo_front_W_m2,
        desired=expected_albedo, rtol=1e-12, atol=1e-12, unit="W/m^2")
    np.testing.assert_allclose(env.albedo_front_W_m2, expected_albedo, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(env.albedo_back_W_m2, env.albedo_front_W_m2, rtol=1e-15)
    sun = orbit.sun_direction_lvlh(beta, THETA)
    n = orbit.EdgeOnSun().normal_lvlh(sun)
    np.testing.assert_allclose(jnp.linalg.norm(n, axis=-1), 1.0, atol=1e-15)
    np.testing.assert_allclose(jnp.sum(n * sun, axis=-1), 0.0, atol=1e-15)


def test_fixed_zenith_and_nadir_plates(validation):
    zenith = orbit.FixedLVLH((0.0, 0.0, -2.0))  # normalised at construction
    np.testing.assert_array_equal(zenith.normal, [0.0, 0.0, -1.0])
    env = orbit.plate_environment(zenith, 400e3, 0.0, THETA)
    np.testing.assert_array_equal(env.ir_front_W_m2, 0.0)  # F = 0 facing away from the Earth
    np.testing.assert_array_equal(env.albedo_front_W_m2, 0.0)
    # The back face looks at nadir: OLR / H^2 (0.886 x 237 = 210 W/m^2 at 400 km).
    validation.record_allclose(
        case="Nadir-facing plate: Earth IR", condition="h = 400 km, 73 orbit angles",
        reference="closed form OLR / H^2", quantity="max |q_IR - ref|",
        actual=env.ir_back_W_m2, desired=OLR / H400**2, rtol=1e-14, atol=0, unit="W/m^2")
    np.testing.assert_allclose(env.ir_back_W_m2, OLR / H400**2, rtol=1e-14)
    # Noon: Sun at the zenith, albedo on the nadir face S a / H^2.
    noon = "h = 400 km, beta = 0, orbit noon"
    validation.record(case="Zenith-facing plate: direct sunlight at noon", condition=noon,
                      reference="closed form S0", quantity="|q_sun - S0|",
                      error=abs(float(env.solar_front_W_m2[0]) - S0), tolerance=1e-9,
                      unit="W/m^2")
    validation.record(case="Nadir-facing plate: albedo at noon", condition=noon,
                      reference="closed form S0 a / H^2", quantity="|q_albedo - ref|",
                      error=abs(float(env.albedo_back_W_m2[0]) - S0 * ALB / H400**2),
                      tolerance=1e-9, unit="W/m^2")
    assert abs(float(env.solar_front_W_m2[0]) - S0) < 1e-9
    assert abs(float(env.albedo_back_W_m2[0]) - S0 * ALB / H400**2) < 1e-9
    # Orbit midnight (theta = pi): no albedo, no Sun, Earth IR unchanged.
    mid = orbit.plate_environment(zenith, 400e3, 0.0, math.pi)
    assert float(mid.albedo_back_W_m2) == 0.0 and float(mid.albedo_front_W_m2) == 0.0
    assert float(mid.solar_front_W_m2) == 0.0 and float(mid.sunlit_fraction) == 0.0
    assert abs(float(mid.cos_subsolar_zenith) + 1.0) < 1e-15


def test_public_flux_helpers(validation):
    assert abs(float(orbit.earth_ir_flux(400e3, 0.0)) - OLR / H400**2) < 1e-12
    assert abs(float(orbit.earth_ir_flux(400e3, math.pi / 2, olr_W_m2=200.0))
               - 200.0 * _f_edge(H400)) < 1e-12
    assert float(orbit.albedo_flux(400e3, 0.0, -0.3)) == 0.0  # night side
    q = orbit.albedo_flux(400e3, 0.0, 0.5, solar_flux_W_m2=1400.0, albedo=0.25)
    assert abs(float(q) - 1400.0 * 0.25 * 0.5 / H400**2) < 1e-10
    # Albedo on a nadir face follows cos(zeta) = cos(beta) cos(theta) (Gilmore's model).
    env = orbit.plate_environment(orbit.FixedLVLH((0, 0, 1)), 400e3, 0.5, THETA)
    expected = S0 * ALB / H400**2 * np.maximum(math.cos(0.5) * np.cos(np.asarray(THETA)), 0)
    validation.record_allclose(
        case="Nadir-facing plate: albedo over an orbit",
        condition="h = 400 km, beta = 0.5 rad, 73 orbit angles",
        reference="closed form S0 a / H^2 max(cos beta cos theta, 0) (Gilmore)",
        quantity="max |q_albedo - ref|", actual=env.albedo_front_W_m2, desired=expected,
        rtol=1e-13, atol=1e-12, unit="W/m^2")
    np.testing.assert_allclose(env.albedo_front_W_m2, expected, rtol=1e-13, atol=1e-12)


def test_vmap_equals_python_loop():
    att = orbit.SunTracking(axis=(0.0, 1.0, 0.0))
    f = lambda t: orbit.plate_environment(att, 650e3, 0.4, t, smoothing=0.01)
    batched = jax.vmap(f)(THETA)
    looped = [f(t) for t in np.asarray(THETA)]
    for i, field in enumerate(batched):
        np.testing.assert_allclose(field, [getattr(x, batched._fields[i]) for x in looped],
                                   rtol=1e-13, atol=1e-13)
    jitted = jax.jit(f)(THETA)
    for a, b in zip(jitted, batched):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)


ATTITUDES = [
    orbit.FixedLVLH((0.0, 0.0, 1.0)),
    orbit.FixedLVLH((0.0, 0.0, -1.0)),
    orbit.FixedLVLH((1.0, 0.3, 0.2)),
    orbit.SunTracking(),
    orbit.SunTracking(axis=(0.0, 1.0, 0.0)),
    orbit.SunTracking(axis=(0.0, 0.0, 1.0)),  # axis along nadir: degenerate at noon/midnight
    orbit.EdgeOnSun(),
]


def _total_load(attitude, h, beta, theta, smoothing):
    env = orbit.plate_environment(attitude, h, beta, theta, smoothing=smoothing)
    return sum(jnp.sum(x) for x in env)


# One compilation per attitude structure (the attitude is a traced pytree argument).
_GRAD_OVER_ORBIT = jax.jit(
    jax.vmap(jax.grad(_total_load, argnums=(0, 1, 2, 3, 4)), in_axes=(None, None, None, 0, None))
)


@pytest.mark.parametrize("attitude", ATTITUDES, ids=lambda a: type(a).__name__)
def test_gradients_finite_over_a_full_orbit(attitude):
    # 5 deg steps through the orbit (0, pi, 2 pi exactly: edge-on degenerate points at beta = 0)
    # plus a fine sweep through the 400 km entry penumbra; beta = +-pi/2 puts the Sun on the
    # orbit normal (degenerate for one-axis tracking about y_L).
    fine = jnp.concatenate([THETA, jnp.linspace(1.9, 2.3, 201)])
    for beta in (0.0, 0.3, -math.pi / 2, math.pi / 2):
        for smoothing in (0.0, 0.02):
            grads = _GRAD_OVER_ORBIT(attitude, 400e3, beta, fine, smoothing)
            for g in jax.tree_util.tree_leaves(grads):
                assert np.all(np.isfinite(np.asarray(g))), (beta, smoothing, g)


def test_gradient_matches_finite_difference_for_fixed_plate(validation):
    att = orbit.FixedLVLH((0.3, 0.0, -1.0))  # tilted 16.7 deg from zenith

    def f(theta):
        env = orbit.plate_environment(att, 650e3, 0.25, theta)
        return env.solar_front_W_m2 + env.albedo_back_W_m2 + env.ir_back_W_m2

    f = jax.jit(f)
    df = jax.jit(jax.grad(f))
    rows = []
    for t in (0.3, 1.0, 4.0):
        step = 1e-6
        fd = (float(f(t + step)) - float(f(t - step))) / (2 * step)
        rows.append((t, float(df(t)), fd))
    # Truncation step^2 |f'''| < 1e-9 W/m^2; rounding 1e-13 / 1e-6 ~ 1e-7 W/m^2.
    validation.record(case="Gradient of the loads on a tilted plate along the orbit",
                      condition="h = 650 km, beta = 0.25 rad, theta = 0.3, 1, 4 rad",
                      reference="central finite difference (float64, step 1e-6 rad)",
                      quantity="|dq/d theta - FD| (1e-5 relative)",
                      error=[abs(g - fd) for _, g, fd in rows],
                      tolerance=[1e-5 * max(1.0, abs(fd)) for _, _, fd in rows], unit="W/m^2/rad")
    for t, g, fd in rows:
        assert abs(g - fd) < 1e-5 * max(1.0, abs(fd)), (t, fd)


def test_float32_in_float32_out():
    f32 = jnp.float32
    h, b, t = jnp.asarray(550e3, f32), jnp.asarray(0.3, f32), jnp.linspace(0, 6.28, 64, dtype=f32)
    outs = [
        orbit.period(h), orbit.mean_motion(h), orbit.orbit_angle(h, jnp.asarray(60.0, f32)),
        orbit.sun_synchronous_inclination(h), orbit.raan_drift_rate(h, b),
        orbit.beta_star(h), orbit.eclipse_fraction(h, b), orbit.sunlit_fraction(h, b, t),
        orbit.sunlit_fraction(h, b, t, smoothing=jnp.asarray(0.02, f32)),
        orbit.solar_flux(jnp.asarray(1.5e11, f32)), orbit.sun_direction_lvlh(b, t),
        orbit.earth_view_factor(h, b), orbit.plate_sphere_view_factor(jnp.asarray(1.2, f32), b),
        orbit.earth_ir_flux(h, b), orbit.albedo_flux(h, b, jnp.asarray(0.5, f32)),
        orbit.beta_angle(jnp.asarray(1.7, f32), b, jnp.asarray(9000.0, f32)),
        orbit.sun_unit_vector(jnp.asarray(9000.0, f32)),
        *orbit.sun_position(jnp.asarray(9000.0, f32)),
    ]
    for att in ATTITUDES:
        outs.append(orbit.sun_incidence(att, b, t))
        outs.extend(orbit.plate_environment(att, h, b, t))
    for i, out in enumerate(outs):
        assert out.dtype == jnp.float32, (i, out.dtype)
    # float32 results agree with float64 to float32 precision (penumbra-free sample angles).
    env32 = orbit.plate_environment(orbit.SunTracking(), h, b, t)
    env64 = orbit.plate_environment(orbit.SunTracking(), 550e3, 0.3, t.astype(jnp.float64))
    for a, c in zip(env32, env64):
        np.testing.assert_allclose(a, c, rtol=2e-4, atol=2e-3)


def test_attitudes_are_frozen_pytrees():
    att = orbit.FixedLVLH((0.0, 0.0, 1.0))
    with pytest.raises(Exception):
        att.normal = jnp.zeros(3)  # frozen
    leaves = jax.tree_util.tree_leaves(orbit.SunTracking(axis=(0.0, 1.0, 0.0)))
    assert len(leaves) == 1
    assert jax.tree_util.tree_leaves(orbit.EdgeOnSun()) == []
    with pytest.raises(TypeError):
        orbit.AbstractAttitude()
    # A design optimiser can differentiate with respect to a fixed plate's normal.
    def ir(att):
        return orbit.plate_environment(att, 400e3, 0.0, 1.0).ir_front_W_m2
    g = eqx.filter_grad(ir)(orbit.FixedLVLH((0.2, 0.0, 1.0)))
    assert np.all(np.isfinite(np.asarray(g.normal)))


def test_plate_environment_fields_share_the_broadcast_shape():
    altitudes = jnp.array([400e3, 650e3, 1000e3])
    env = orbit.plate_environment(orbit.FixedLVLH((0.0, 0.0, 1.0)), altitudes, 0.2, 1.0)
    assert all(field.shape == (3,) for field in env)
    env = orbit.plate_environment(orbit.EdgeOnSun(), 400e3, 0.2, THETA, albedo=0.25)
    assert all(field.shape == THETA.shape for field in env)
    np.testing.assert_allclose(env.ir_front_W_m2, OLR * _f_edge(H400), rtol=1e-12)
    # Per-altitude nadir-face IR follows OLR / H^2 elementwise.
    nadir = orbit.FixedLVLH((0.0, 0.0, 1.0))
    ir = orbit.plate_environment(nadir, altitudes, 0.2, 1.0).ir_front_W_m2
    np.testing.assert_allclose(ir, OLR * (R / (R + altitudes)) ** 2, rtol=1e-13)
