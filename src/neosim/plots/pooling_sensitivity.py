"""Sensitivity of the MAP prior: its mean and interval under each analysis variant."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neosim.plots.style import PALETTE, figure

_COLORS = {"main": PALETTE[1], "leave_one_out": PALETTE[0], "tau_prior": PALETTE[2],
           "time_conversion": PALETTE[3]}


def plot_sensitivity(rows: list[dict[str, Any]], path: str | Path, *, caption: str, style: Any,
                     ci_level: float = 0.95, synthetic: bool = False,
                     quantity: str = "survival") -> Path:
    """One row per scenario (``scenario``, ``kind``, ``map_mean``/``map_lower``/``map_upper``,
    ``map_ess_moment``)."""
    with figure(path, style, caption=caption, synthetic=synthetic,
                height_scale=max(0.8, 0.1 * len(rows) + 0.4)) as (_fig, axes):
        ax = axes[0, 0]
        n = len(rows)
        for i, r in enumerate(rows):
            y = n - 1 - i
            color = _COLORS.get(r["kind"], PALETTE[4])
            ax.plot([r["map_lower"], r["map_upper"]], [y, y], color=color, lw=2.2,
                    solid_capstyle="butt")
            ax.plot(r["map_mean"], y, "o", color=color, ms=5)
            ax.text(1.0, y, f"  ESS {r['map_ess_moment']:.0f}", va="center", fontsize=7,
                    transform=ax.get_yaxis_transform())
        ax.set_yticks(list(range(n - 1, -1, -1)), [r["scenario"] for r in rows], fontsize=7)
        ax.set_xlim(0, 1)
        ax.set_xlabel(f"MAP predictive {quantity} (mean and {ci_level:.0%} interval)")
        ax.set_title("Sensitivity of the MAP prior (numerical integration)")
    return Path(path)
