"""Lithium-ion battery: a Thevenin equivalent circuit (OCV, R0, one RC pair) with heat and fade.

Convention of PyBaMM's ``equivalent_circuit.Thevenin`` (positive current discharges):

    V = OCV(SOC) - I R0(T) - V1
    dV1/dt = -V1 / (R1(T) C1) + I / C1
    dSOC/dt = -eta(I) I / (3600 Q)          eta = 1 discharging, eta_c charging
    Q_heat = I^2 R0 + V1^2 / R1             [W, Joule heat into the battery's thermal node]

with resistances following Arrhenius, ``R(T) = R_ref exp(E_a / R_gas (1/T - 1/T_ref))``.
With the current held constant over a step of length dt (zero-order hold), the RC branch has
the exact update ``V1' = V1 e^(-dt/tau) + R1 I (1 - e^(-dt/tau))``, ``tau = R1 C1``, so a 10 s
step is as accurate as the current profile itself.

References:
    [Plett] G. L. Plett, Battery Management Systems, Vol. I: Battery Modeling, Artech House
        (2015), ch. 2 (Thevenin model, exact discretisation).
    [PyBaMM] Sulzer et al., "Python Battery Mathematical Modelling (PyBaMM)", J. Open Res.
        Softw. 9 (2021); ``pybamm.equivalent_circuit.Thevenin``.
    [Wang2011] J. Wang et al., "Cycle-life model for graphite-LiFePO4 cells", J. Power Sources
        196, 3942 (2011): capacity loss ~ B exp(-E_a / R T) (Ah throughput)^0.55.
    REFERENCES.md: Saft VES180 cell 160 Wh/kg; < 20 % capacity loss over 5 years at 30 % DoD in
        LEO (~5,500 cycles per year); LEO depth-of-discharge limits 20-40 %.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from ._checks import check_range, check_shape, concrete_values

GAS_CONSTANT_J_MOL_K = 8.314462618
"""Molar gas constant [J/(mol K)] (CODATA 2018, exact)."""

# NMC/graphite-like open-circuit voltage of a space cell, 11 points [SOC, V] (estimate shaped
# after published NMC OCV curves; users with a datasheet should pass their own table).
_DEFAULT_OCV_SOC = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
_DEFAULT_OCV_V = (3.00, 3.45, 3.55, 3.62, 3.68, 3.74, 3.82, 3.90, 3.98, 4.07, 4.17)


class TheveninParams(eqx.Module):
    """Parameters of a battery pack modelled as one Thevenin cell scaled to the pack.

    Attributes:
        capacity_Ah: capacity [A h], > 0.
        ocv_soc: (k,) increasing SOC breakpoints of the OCV table [-] in [0, 1].
        ocv_V: (k,) open-circuit voltage at the breakpoints [V].
        r0_ohm: series resistance at the reference temperature [Ohm].
        r1_ohm: RC-pair resistance at the reference temperature [Ohm].
        c1_F: RC-pair capacitance [F].
        activation_energy_J_mol: Arrhenius activation energy of the resistances [J/mol]; 0
            disables the temperature dependence. Default 20 kJ/mol, a typical Li-ion value
            (estimate).
        reference_temperature_K: temperature of ``r0_ohm``, ``r1_ohm`` [K].
        coulombic_efficiency: fraction of charge stored when charging [-].
        soc_min, soc_max: allowed SOC window [-] (LEO practice: 20-40 % depth of discharge).
        max_discharge_current_A, max_charge_current_A: current limits [A], > 0.
    """

    capacity_Ah: Float[Array, ""]
    ocv_soc: Float[Array, " k"]
    ocv_V: Float[Array, " k"]
    r0_ohm: Float[Array, ""]
    r1_ohm: Float[Array, ""]
    c1_F: Float[Array, ""]
    activation_energy_J_mol: Float[Array, ""]
    reference_temperature_K: Float[Array, ""]
    coulombic_efficiency: Float[Array, ""]
    soc_min: Float[Array, ""]
    soc_max: Float[Array, ""]
    max_discharge_current_A: Float[Array, ""]
    max_charge_current_A: Float[Array, ""]

    def __init__(
        self,
        capacity_Ah=100.0,
        ocv_soc=_DEFAULT_OCV_SOC,
        ocv_V=_DEFAULT_OCV_V,
        r0_ohm=1.0e-3,
        r1_ohm=2.0e-3,
        c1_F=2.0e4,
        activation_energy_J_mol=2.0e4,
        reference_temperature_K=298.15,
        coulombic_efficiency=0.999,
        soc_min=0.6,
        soc_max=0.95,
        max_discharge_current_A=100.0,
        max_charge_current_A=50.0,
    ):
        soc = jnp.asarray(ocv_soc, dtype=float)
        ocv = jnp.asarray(ocv_V, dtype=float)
        if soc.ndim != 1 or soc.shape[0] < 2:
            raise ValueError(f"ocv_soc must be a 1-D table of >= 2 SOC values [-], got shape {soc.shape}")
        check_shape("ocv_V", ocv, soc.shape, "one voltage per ocv_soc entry [V]")
        check_range("ocv_soc", soc, "(fraction)", low=0.0, high=1.0)
        check_range("ocv_V", ocv, "V", low=0.0, low_inclusive=False, high=10.0)
        s = concrete_values(soc, "ocv_soc", "(fraction)")
        if s is not None and np.any(np.diff(s) <= 0):
            raise ValueError("ocv_soc must be strictly increasing [-]")
        positive = dict(capacity_Ah=("A h", capacity_Ah), r0_ohm=("Ohm", r0_ohm),
                        r1_ohm=("Ohm", r1_ohm), c1_F=("F", c1_F),
                        reference_temperature_K=("K", reference_temperature_K),
                        max_discharge_current_A=("A", max_discharge_current_A),
                        max_charge_current_A=("A", max_charge_current_A))
        for name, (unit, value) in positive.items():
            check_range(name, value, unit, low=0.0, low_inclusive=False)
        check_range("activation_energy_J_mol", activation_energy_J_mol, "J/mol", low=0.0,
                    high=2.0e5)
        check_range("coulombic_efficiency", coulombic_efficiency, "(fraction)", low=0.5,
                    high=1.0)
        check_range("soc_min", soc_min, "(fraction)", low=0.0, high=1.0)
        check_range("soc_max", soc_max, "(fraction)", low=0.0, high=1.0)
        lo, hi = concrete_values(soc_min), concrete_values(soc_max)
        if lo is not None and hi is not None and not float(lo) < float(hi):
            raise ValueError(f"soc_min = {soc_min} must be below soc_max = {soc_max} [-]")
        self.capacity_Ah = jnp.asarray(capacity_Ah, dtype=float)
        self.ocv_soc = soc
        self.ocv_V = ocv
        self.r0_ohm = jnp.asarray(r0_ohm, dtype=float)
        self.r1_ohm = jnp.asarray(r1_ohm, dtype=float)
        self.c1_F = jnp.asarray(c1_F, dtype=float)
        self.activation_energy_J_mol = jnp.asarray(activation_energy_J_mol, dtype=float)
        self.reference_temperature_K = jnp.asarray(reference_temperature_K, dtype=float)
        self.coulombic_efficiency = jnp.asarray(coulombic_efficiency, dtype=float)
        self.soc_min = jnp.asarray(soc_min, dtype=float)
        self.soc_max = jnp.asarray(soc_max, dtype=float)
        self.max_discharge_current_A = jnp.asarray(max_discharge_current_A, dtype=float)
        self.max_charge_current_A = jnp.asarray(max_charge_current_A, dtype=float)


def open_circuit_voltage_V(params: TheveninParams, soc: ArrayLike) -> Array:
    """Open-circuit voltage [V] by linear interpolation of the OCV table (clamped at its ends)."""
    return jnp.interp(jnp.asarray(soc), params.ocv_soc, params.ocv_V)


def arrhenius_factor(params: TheveninParams, temperature_K: ArrayLike) -> Array:
    """``exp(E_a / R_gas (1/T - 1/T_ref))``: resistance multiplier at ``temperature_K`` [-]."""
    t = jnp.asarray(temperature_K)
    return jnp.exp(params.activation_energy_J_mol / GAS_CONSTANT_J_MOL_K
                   * (1.0 / t - 1.0 / params.reference_temperature_K))


def joule_heat_W(params: TheveninParams, current_A, v1_V, temperature_K) -> Array:
    """Heat dissipated in the cell [W]: ``I^2 R0(T) + V1^2 / R1(T)``."""
    f = arrhenius_factor(params, temperature_K)
    return current_A**2 * params.r0_ohm * f + v1_V**2 / (params.r1_ohm * f)


def step(params: TheveninParams, soc, v1_V, current_A, dt_s, temperature_K):
    """Advance SOC and the RC voltage over ``dt_s`` at constant ``current_A`` (exact ZOH).

    Returns:
        ``(soc_next, v1_next)``.
    """
    f = arrhenius_factor(params, temperature_K)
    r1 = params.r1_ohm * f
    decay = jnp.exp(-dt_s / (r1 * params.c1_F))
    v1_next = v1_V * decay + r1 * current_A * (1.0 - decay)
    eta = jnp.where(current_A < 0.0, params.coulombic_efficiency, 1.0)
    soc_next = soc - eta * current_A * dt_s / (3600.0 * params.capacity_Ah)
    return soc_next, v1_next


def terminal_voltage_V(params: TheveninParams, soc, v1_V, current_A, temperature_K) -> Array:
    """Terminal voltage [V]: ``OCV(SOC) - I R0(T) - V1``."""
    r0 = params.r0_ohm * arrhenius_factor(params, temperature_K)
    return open_circuit_voltage_V(params, soc) - current_A * r0 - v1_V


def simulate_current(params: TheveninParams, current_A, times_s, soc0, *,
                     temperature_K=298.15, v1_0_V=0.0):
    """SOC and terminal voltage for a current profile held constant between samples.

    ``current_A[k]`` flows on ``[times_s[k], times_s[k+1])`` (positive discharges); the RC
    branch is advanced exactly over each interval, so the result does not depend on the
    sampling beyond the profile itself.

    Args:
        params: the battery.
        current_A: (m,) current [A] at ``times_s`` (the last value is used only for the last
            voltage).
        times_s: (m,) strictly increasing times [s].
        soc0: initial state of charge [-].
        temperature_K: cell temperature [K] (scalar or (m,)).
        v1_0_V: initial RC-pair voltage [V].

    Returns:
        ``(soc, voltage_V)``, each (m,).

    Example:
        >>> import jax.numpy as jnp
        >>> from thermaljax.battery import TheveninParams, simulate_current
        >>> soc, v = simulate_current(TheveninParams(), jnp.full(361, 50.0),
        ...                           jnp.linspace(0.0, 3600.0, 361), 0.9)
        >>> round(float(soc[-1]), 3)  # 50 A for an hour from a 100 A h cell
        0.4
    """
    check_shape("current_A", current_A, np.shape(times_s), "one current per time [A]")
    check_range("current_A", current_A, "A")
    check_range("times_s", times_s, "s")
    check_range("soc0", soc0, "(fraction)", low=0.0, high=1.0)
    check_range("temperature_K", temperature_K, "K", low=150.0, high=450.0)
    i = jnp.asarray(current_A, dtype=float)
    t = jnp.asarray(times_s, dtype=float)
    temp = jnp.broadcast_to(jnp.asarray(temperature_K, dtype=float), t.shape)
    dts = jnp.diff(t)

    def body(carry, x):
        soc, v1 = carry
        i_k, dt, temp_k = x
        return step(params, soc, v1, i_k, dt, temp_k), (soc, v1)

    (soc_end, v1_end), (socs, v1s) = jax.lax.scan(
        body, (jnp.asarray(soc0, dtype=float), jnp.asarray(v1_0_V, dtype=float)),
        (i[:-1], dts, temp[:-1]),
    )
    socs = jnp.concatenate([socs, soc_end[None]])
    v1s = jnp.concatenate([v1s, v1_end[None]])
    return socs, terminal_voltage_V(params, socs, v1s, i, temp)


def capacity_fade(ah_throughput: ArrayLike, temperature_K: ArrayLike = 298.15) -> Array:
    """Fraction of capacity lost after ``ah_throughput`` per A h of capacity [-].

        loss = B exp(-E_a / (R_gas T)) (throughput / capacity)^0.55          [Wang2011 form]

    with E_a = 31.5 kJ/mol [Wang2011] and ``B`` calibrated so that 5 years of LEO cycling at
    30 % depth of discharge (5,500 cycles per year, throughput 2 x 0.3 x 27,500 = 16,500
    capacities) at 25 C loses 20 % (REFERENCES.md, Saft/ESA: "< 20 % over 5 years"), i.e. a
    conservative reading of that bound.

    Args:
        ah_throughput: charge throughput (charge plus discharge) divided by the capacity [-].
        temperature_K: average cell temperature [K].

    Returns:
        Capacity loss fraction in [0, 1).
    """
    check_range("ah_throughput", ah_throughput, "capacities", low=0.0)
    check_range("temperature_K", temperature_K, "K", low=200.0, high=400.0)
    ea, t_ref, z = 31500.0, 298.15, 0.55
    b = 0.20 / (np.exp(-ea / (GAS_CONSTANT_J_MOL_K * t_ref)) * 16500.0**z)
    x = jnp.asarray(ah_throughput)
    loss = b * jnp.exp(-ea / (GAS_CONSTANT_J_MOL_K * jnp.asarray(temperature_K))) * jnp.where(
        x > 0, jnp.where(x > 0, x, 1.0) ** z, 0.0)
    return jnp.minimum(loss, 0.999)


def chemical_energy_J(params: TheveninParams, soc: ArrayLike) -> Array:
    """Energy stored in one cell above SOC 0, at open-circuit voltage [J].

        E(soc) = 3600 Q int_0^soc OCV(s) ds

    exact for the piecewise-linear (end-clamped) OCV table of :func:`open_circuit_voltage_V`.
    The battery's energy bookkeeping uses it: discharging from ``soc_a`` to ``soc_b`` releases
    ``E(soc_a) - E(soc_b)`` as terminal energy plus Joule heat.

    Args:
        params: the cell.
        soc: state of charge [-] (values outside [0, 1] extrapolate with the clamped OCV).

    Returns:
        Energy [J], shape of ``soc``.

    Example:
        >>> p = TheveninParams(capacity_Ah=1.0, ocv_soc=(0.0, 1.0), ocv_V=(3.0, 4.0))
        >>> round(float(chemical_energy_J(p, 1.0)))  # 3600 C x 3.5 V
        12600
    """
    s = jnp.asarray(soc)[..., None]
    x, v = params.ocv_soc, params.ocv_V
    # Clamped regions below the first and above the last breakpoint.
    below = (jnp.minimum(s[..., 0], x[0]) - 0.0) * v[0]
    above = jnp.maximum(s[..., 0] - x[-1], 0.0) * v[-1]
    a, b = x[:-1], x[1:]
    slope = (v[1:] - v[:-1]) / (b - a)
    upper = jnp.clip(s, a, b)
    # Trapezoid of the linear segment from a to min(soc, b); zero when soc <= a.
    seg = (upper - a) * (v[:-1] + 0.5 * slope * (upper - a))
    return 3600.0 * params.capacity_Ah * (below + above + jnp.sum(seg, axis=-1))
