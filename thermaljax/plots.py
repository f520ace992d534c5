"""Figures an engineer would put in a review, written as PNG with matplotlib (Agg backend)."""

from __future__ import annotations

import io
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
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
    """Render ``fig`` to PNG and write it atomically; the figure is closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
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


def plot_temperatures(result, scenario, design, path: str | os.PathLike) -> None:
    """Node temperatures over the reported orbits, limits drawn, eclipses shaded."""
    t = _time_min(result)
    T = np.asarray(result.temperatures_K) - ZERO_CELSIUS_K
    names = result.node_names
    gpu, pw, lp = scenario.rack.gpu, scenario.power, scenario.loop
    fig, ax = plt.subplots(figsize=(9.5, 5.5))
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


def plot_battery(result, scenario, path: str | os.PathLike) -> None:
    """State of charge with its window, and pack voltage and current."""
    t = _time_min(result)
    cell = scenario.power.battery_cell
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9.5, 6), sharex=True)
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


def plot_power(result, scenario, path: str | os.PathLike) -> None:
    """Where the power goes: loads stacked, battery charge and shunt, against the PV supply."""
    t = _time_min(result)
    kw = lambda x: np.asarray(x) / 1e3  # noqa: E731
    load, gpu = kw(result.load_W), kw(result.gpu_W)
    pump = np.full_like(t, float(np.asarray(result.summary.pump_W)) / 1e3)
    other = load - gpu - pump
    fig, ax = plt.subplots(figsize=(9.5, 5.5))
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
