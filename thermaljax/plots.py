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


def plot_radiator_demo(result: dict, path: str | os.PathLike) -> None:
    """Temperatures (with eclipses shaded) and heat flows of :func:`run_radiator_demo`."""
    t_h = np.asarray(result["time_s"]) / 3600.0
    T = np.asarray(result["temperatures_K"]) - ZERO_CELSIUS_K
    cfg, s = result["config"], result["summary"]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True)
    shade_eclipses(ax1, t_h, result["sunlit_fraction"])
    ax1.plot(t_h, T[:, 0], label="rack (GPUs, cold plates, coolant)", color="tab:red")
    ax1.plot(t_h, T[:, 1], label="radiator", color="tab:blue")
    ax1.set_ylabel("temperature [°C]")
    ax1.set_title(
        f"{cfg['heat_W'] / 1e3:.1f} kW rack, {cfg['radiator_area_m2']:.1f} m² radiator "
        f"({cfg['attitude']}), {cfg['altitude_m'] / 1e3:.0f} km, "
        f"β = {np.degrees(cfg['beta']):.0f}°"
    )
    ax1.legend(loc="best", fontsize=8)
    ax1.grid(alpha=0.3)
    shade_eclipses(ax2, t_h, result["sunlit_fraction"], label=False)
    ax2.plot(t_h, np.full_like(t_h, cfg["heat_W"]) / 1e3, label="rack heat", color="tab:red")
    ax2.plot(t_h, np.asarray(result["absorbed_W"]) / 1e3, label="absorbed environment",
             color="tab:orange")
    ax2.plot(t_h, np.asarray(result["radiated_W"]) / 1e3, label="radiated to space",
             color="tab:blue")
    ax2.set_xlabel("time [h]")
    ax2.set_ylabel("heat flow [kW]")
    ax2.legend(loc="best", fontsize=8)
    ax2.grid(alpha=0.3)
    fig.text(0.01, 0.005, f"last orbit: rack {s['rack_temperature_min_K'] - ZERO_CELSIUS_K:.1f}"
             f"…{s['rack_temperature_max_K'] - ZERO_CELSIUS_K:.1f} °C; eclipse "
             f"{s['eclipse_duration_s'] / 60:.1f} min of {s['period_s'] / 60:.1f}", fontsize=8)
    save_figure(fig, path)
