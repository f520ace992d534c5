"""Figures an engineer would put in a review, written as PNG with matplotlib.

Figures are standalone :class:`matplotlib.figure.Figure` objects (no pyplot state, no backend
change), so importing this module leaves a notebook's inline backend alone; every ``plot_*``
function also returns its figure (display it in a notebook, or save it at another dpi).
"""

from __future__ import annotations

import io
import os

import matplotlib
from matplotlib.figure import Figure
import numpy as np  # noqa: E402

from .io import atomic_write_bytes  # noqa: E402

ZERO_CELSIUS_K = 273.15


def shade_eclipses(ax, time_h, sunlit_fraction, label: bool = True) -> None:
    """Shade the intervals where less than half of the solar disk is visible."""
    dark = np.asarray(sunlit_fraction) < 0.5
    edges = np.flatnonzero(np.diff(np.concatenate([[0], dark.astype(int), [0]])))
    for k, (a, b) in enumerate(zip(edges[::2], edges[1::2])):
        ax.axvspan(time_h[a], time_h[min(b, len(time_h) - 1)], color="0.85", zorder=0,
                   label="eclipse" if (label and k == 0) else None)


def save_figure(fig, path: str | os.PathLike, dpi: int = 120) -> None:
    """Render ``fig`` to PNG and write it atomically."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    atomic_write_bytes(path, buf.getvalue())


def _time_min(result) -> np.ndarray:
    return np.asarray(result.times_s) / 60.0


def _title(ax, scenario, design) -> None:
    rk, orb = scenario.rack, scenario.orbit
    ax.set_title(
        f"{int(round(float(rk.n_gpus)))} x {rk.gpu.name}, {float(orb.altitude_m) / 1e3:.0f} km, "
        f"β = {np.degrees(float(orb.beta_rad)):.1f}°; radiator "
        f"{float(design.radiator_area_m2):.0f} m², array {float(design.array_area_m2):.0f} m², "
        f"battery {float(design.battery_capacity_Wh) / 1e3:.0f} kWh", fontsize=9)


def plot_temperatures(result, scenario, design, path: str | os.PathLike) -> Figure:
    """Node temperatures over the reported orbits, limits drawn, eclipses shaded."""
    t = _time_min(result)
    T = np.asarray(result.temperatures_K) - ZERO_CELSIUS_K
    names = result.node_names
    gpu, pw, lp = scenario.rack.gpu, scenario.power, scenario.loop
    fig = Figure(figsize=(9.5, 5.5))
    ax = fig.subplots()
    shade_eclipses(ax, t, result.sunlit_fraction)
    ax.plot(t, np.asarray(result.junction_K) - ZERO_CELSIUS_K, color="tab:red", lw=2,
            label="GPU junction")
    ax.plot(t, T[:, names.index("rack")], color="tab:orange", label="coolant at cold plates")
    ax.plot(t, T[:, names.index("radiator_1")], color="tab:purple", lw=1,
            label="radiator inlet segment")
    ax.plot(t, T[:, names.index(f"radiator_{lp.n_segments}")], color="tab:blue", lw=1,
            label="radiator outlet segment")
    ax.plot(t, T[:, names.index("array")], color="goldenrod", label="solar array")
    ax.plot(t, T[:, names.index("battery")], color="tab:green", label="battery")
    for value, text, style in (
            (gpu.max_operating_K, "GPU max operating", "--"), (gpu.slowdown_K, "GPU slowdown", ":"),
            (pw.battery_max_K, "battery max", "--"), (pw.battery_min_K, "battery min", "--"),
            (lp.coolant_freezing_K, "coolant freezing", "-.")):
        v = float(value) - ZERO_CELSIUS_K
        color = "tab:red" if "GPU" in text else ("tab:green" if "battery" in text else "tab:blue")
        ax.axhline(v, color=color, ls=style, lw=0.8, alpha=0.7)
        va = "bottom" if text in ("GPU slowdown", "battery max") else (
            "top" if text in ("GPU max operating", "battery min") else "center")
        ax.text(t[-1], v, f" {text}", fontsize=7, va=va, color=color)
    ax.set_xlabel("time since the start (eclipse entry by default) [min]")
    ax.set_ylabel("temperature [°C]")
    _title(ax, scenario, design)
    ax.legend(loc="lower left", fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    save_figure(fig, path)
    return fig


def plot_battery(result, scenario, path: str | os.PathLike) -> Figure:
    """State of charge with its window, and pack voltage and current."""
    t = _time_min(result)
    cell = scenario.power.battery_cell
    fig = Figure(figsize=(9.5, 6))
    (ax1, ax2) = fig.subplots(2, 1, sharex=True)
    shade_eclipses(ax1, t, result.sunlit_fraction)
    ax1.plot(t, np.asarray(result.soc), color="tab:green", lw=2, label="SOC")
    ax1.axhline(float(cell.soc_min), color="tab:red", ls="--", lw=0.8, label="SOC floor (shedding)")
    ax1.axhline(float(cell.soc_max), color="tab:blue", ls="--", lw=0.8, label="SOC ceiling (charge stops)")
    ax1.set_ylabel("state of charge [-]")
    ax1.legend(loc="lower left", fontsize=7)
    ax1.grid(alpha=0.3)
    shade_eclipses(ax2, t, result.sunlit_fraction, label=False)
    ax2.plot(t, np.asarray(result.battery_voltage_V), color="tab:purple", label="pack voltage")
    ax2.set_ylabel("pack voltage [V]")
    ax2.set_xlabel("time since the start (eclipse entry by default) [min]")
    ax3 = ax2.twinx()
    ax3.plot(t, np.asarray(result.battery_current_A), color="tab:gray", lw=1,
             label="pack current (+ discharges)")
    ax3.set_ylabel("pack current [A]")
    lines = ax2.get_lines() + ax3.get_lines()
    ax2.legend(lines, [ln.get_label() for ln in lines], loc="lower left", fontsize=7)
    ax2.grid(alpha=0.3)
    save_figure(fig, path)
    return fig


def plot_power(result, scenario, path: str | os.PathLike) -> Figure:
    """Where the power goes: loads stacked, battery charge and shunt, against the PV supply."""
    t = _time_min(result)
    kw = lambda x: np.asarray(x) / 1e3  # noqa: E731
    load, gpu = kw(result.load_W), kw(result.gpu_W)
    pump = np.full_like(t, float(np.asarray(result.summary.pump_W)) / 1e3)
    other = load - gpu - pump
    fig = Figure(figsize=(9.5, 5.5))
    ax = fig.subplots()
    shade_eclipses(ax, t, result.sunlit_fraction)
    ax.stackplot(t, gpu, other, pump, kw(result.charge_W), kw(result.shunt_W),
                 labels=["GPUs", "hosts, network, housekeeping", "pump", "battery charge",
                         "shunt (surplus)"],
                 colors=["tab:red", "tab:orange", "tab:brown", "tab:green", "0.6"], alpha=0.8)
    eta = float(np.asarray(scenario.power.mppt_efficiency))
    ax.plot(t, eta * kw(result.pv_available_W), color="k", lw=1.5,
            label="PV available after MPPT")
    ax.plot(t, kw(result.discharge_W), color="tab:blue", lw=1.5, label="battery discharge")
    ax.set_xlabel("time since the start (eclipse entry by default) [min]")
    ax.set_ylabel("power on the bus [kW]")
    ax.legend(loc="lower left", fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    save_figure(fig, path)
    return fig


# --------------------------------------------------------------------------------------------
# sizing: optimisation, trade study, sweep
# --------------------------------------------------------------------------------------------

_FIELD_LABELS = {"radiator_area_m2": ("radiator", "m²", 1.0),
                 "array_area_m2": ("array", "m²", 1.0),
                 "battery_capacity_Wh": ("battery", "kWh", 1e-3),
                 "coolant_flow_kg_s": ("coolant flow", "kg/s", 1.0),
                 "battery_radiator_area_m2": ("battery radiator", "m²", 1.0)}
_MASS_PARTS = ("compute_kg", "radiator_kg", "loop_kg", "array_kg", "battery_kg", "shielding_kg",
               "other_kg", "structure_kg", "harness_kg")
_OBJECTIVE_LABELS = {"launch_mass": "launch mass [kg]", "launch_cost": "launch cost [USD]",
                     "cost_per_gpu_hour": "cost per delivered GPU-hour [USD/h]"}


def plot_convergence(history: dict, objective_name: str, path: str | os.PathLike) -> Figure:
    """Objective and largest scaled constraint violation per step, one line per start."""
    obj = np.asarray(history["objective"])
    vio = np.asarray(history["max_violation"])
    steps = np.arange(1, obj.shape[0] + 1)
    fig = Figure(figsize=(9.5, 6.5))
    (ax1, ax2) = fig.subplots(2, 1, sharex=True)
    for s in range(obj.shape[1]):
        ax1.plot(steps, obj[:, s], lw=1.2, label=f"start {s + 1}" if obj.shape[1] > 1 else None)
        ax2.semilogy(steps, np.maximum(vio[:, s], 1e-6), lw=1.2)
    ax1.set_ylabel(_OBJECTIVE_LABELS.get(objective_name, objective_name))
    ax1.set_title("optimisation: objective at each iterate (feasible or not)", fontsize=9)
    if obj.shape[1] > 1:
        ax1.legend(fontsize=7)
    ax1.grid(alpha=0.3)
    ax2.axhline(1e-6, color="0.5", lw=0.8, ls=":")
    ax2.set_ylabel("largest scaled violation\n(feasible: shown at 1e-6)")
    ax2.set_xlabel("step")
    ax2.grid(alpha=0.3, which="both")
    save_figure(fig, path)
    return fig


def plot_design(design0, design, mass0, mass, path: str | os.PathLike) -> Figure:
    """The optimised design against the start: each field, and the mass by subsystem."""
    fig = Figure(figsize=(11, 4.8))
    (ax1, ax2) = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    names = list(_FIELD_LABELS)
    x = np.arange(len(names))
    before = [float(np.asarray(getattr(design0, k))) * _FIELD_LABELS[k][2] for k in names]
    after = [float(np.asarray(getattr(design, k))) * _FIELD_LABELS[k][2] for k in names]
    ratio = np.array(after) / np.array(before)
    bars = ax1.bar(x, ratio, color=["tab:green" if r <= 1 else "tab:red" for r in ratio])
    ax1.axhline(1.0, color="k", lw=0.8)
    for b, a0, a1, k in zip(bars, before, after, names):
        ax1.text(b.get_x() + b.get_width() / 2, b.get_height(),
                 f"{a0:.4g} → {a1:.4g}\n{_FIELD_LABELS[k][1]}", ha="center", va="bottom",
                 fontsize=7)
    ax1.set_xticks(x, [_FIELD_LABELS[k][0] for k in names], fontsize=8)
    ax1.set_ylabel("optimised / starting value")
    ax1.set_ylim(0, max(1.3, 1.25 * ratio.max()))
    ax1.set_title("design fields", fontsize=9)
    ax1.grid(alpha=0.3, axis="y")
    bottom = np.zeros(2)
    colors = matplotlib.colormaps["tab10"](np.linspace(0, 1, 10))
    for c, part in enumerate(_MASS_PARTS):
        vals = np.array([float(np.asarray(getattr(mass0, part))),
                         float(np.asarray(getattr(mass, part)))])
        if not vals.any():
            continue
        ax2.bar([0, 1], vals, bottom=bottom, color=colors[c], label=part[:-3])
        bottom += vals
    for i, tot in enumerate(bottom):
        ax2.text(i, tot, f"{tot:,.0f} kg", ha="center", va="bottom", fontsize=8)
    ax2.set_xticks([0, 1], ["start", "optimised"])
    ax2.set_ylabel("launch mass [kg]")
    ax2.set_title("mass by subsystem", fontsize=9)
    ax2.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    save_figure(fig, path)
    return fig


def plot_trade(rows, path: str | os.PathLike) -> Figure:
    """Per launch vehicle: launch mass with the number of launches, and cost (launch,
    hardware) with the cost per delivered GPU-hour."""
    names = [r.vehicle for r in rows]
    x = np.arange(len(rows))
    fig = Figure(figsize=(11, 4.8))
    (ax1, ax2) = fig.subplots(1, 2)
    bars = ax1.bar(x, [r.launch_mass_kg for r in rows],
                   color=["tab:blue" if r.feasible else "tab:red" for r in rows])
    for b, r in zip(bars, rows):
        ax1.text(b.get_x() + b.get_width() / 2, b.get_height(),
                 f"{r.launch_mass_kg:,.0f} kg\n{r.launches} launch{'es' if r.launches > 1 else ''}",
                 ha="center", va="bottom", fontsize=7)
    ax1.set_xticks(x, names, fontsize=7, rotation=15)
    ax1.set_ylabel("launch mass of the optimised design [kg]")
    ax1.set_ylim(0, 1.2 * max(r.launch_mass_kg for r in rows))
    ax1.grid(alpha=0.3, axis="y")
    launch = np.array([r.launch_cost_USD for r in rows]) / 1e6
    hw = np.array([r.hardware_cost_USD for r in rows]) / 1e6
    ax2.bar(x, launch, color="tab:orange", label="launch")
    ax2.bar(x, hw, bottom=launch, color="tab:gray", label="hardware")
    for i, r in enumerate(rows):
        ax2.text(i, launch[i] + hw[i], f"${r.cost_per_gpu_hour_USD:.2f}/GPU-h", ha="center",
                 va="bottom", fontsize=7)
    ax2.set_xticks(x, names, fontsize=7, rotation=15)
    ax2.set_ylabel("capital cost [M USD]")
    ax2.set_ylim(0, 1.15 * float(np.max(launch + hw)))
    ax2.legend(fontsize=7)
    ax2.grid(alpha=0.3, axis="y")
    fig.suptitle("launch-vehicle trade: each vehicle's own optimum (red: infeasible)", fontsize=9)
    save_figure(fig, path)
    return fig


def plot_sweep(columns: dict, path: str | os.PathLike, x_axis: str | None = None,
               y_axis: str | None = None) -> Figure:
    """Launch mass vs max junction temperature of every design (feasible marked), and, when
    two axes are given, the feasibility map over them coloured by launch mass."""
    mass = np.asarray(columns["launch_mass_kg"])
    tj = np.asarray(columns["max_junction_K"]) - ZERO_CELSIUS_K
    feas = np.asarray(columns["feasible"]).astype(bool)
    two = x_axis is not None and y_axis is not None
    fig = Figure(figsize=(11 if two else 7, 4.8))
    axes = fig.subplots(1, 2 if two else 1, squeeze=False)
    ax = axes[0, 0]
    ax.scatter(tj[~feas], mass[~feas], s=14, c="tab:red", marker="x", label="infeasible")
    ax.scatter(tj[feas], mass[feas], s=16, c="tab:blue", label="feasible")
    if feas.any():
        i = int(np.argmin(np.where(feas, mass, np.inf)))
        ax.scatter(tj[i], mass[i], s=90, facecolors="none", edgecolors="k",
                   label=f"lightest feasible: {mass[i]:,.0f} kg")
    ax.set_xlabel("max GPU junction temperature [°C]")
    ax.set_ylabel("launch mass [kg]")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    if two:
        ax = axes[0, 1]
        xs, ys = np.asarray(columns[x_axis]), np.asarray(columns[y_axis])
        sc = ax.scatter(xs, ys, c=mass, cmap="viridis", s=40, marker="s")
        ax.scatter(xs[~feas], ys[~feas], s=40, marker="x", c="tab:red", label="infeasible")
        fig.colorbar(sc, ax=ax, label="launch mass [kg]")
        ax.set_xlabel(x_axis)
        ax.set_ylabel(y_axis)
        ax.set_title("feasibility map", fontsize=9)
        ax.legend(fontsize=7)
    save_figure(fig, path)
    return fig
