"""Forest plot of a random-effects pooling: observed and shrunken study estimates, and the MAP
predictive of a new study, on the proportion scale."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neosim.plots.style import PALETTE, figure


def plot_pooling_forest(
    studies: list[dict[str, Any]], pooled: list[dict[str, Any]], path: str | Path, *,
    caption: str, style: Any, ci_level: float = 0.95, synthetic: bool = False,
    quantity: str = "survival at the landmark",
) -> Path:
    """One row per study and one per pooled summary (``quantity``: what the figures measure, in
    words, for the axis).

    ``studies`` items have ``study``, ``as_published``, ``observed``/``observed_lower``/
    ``observed_upper`` (the figure at the landmark and its Wald interval) and
    ``shrunken_mean``/``shrunken_lower``/``shrunken_upper`` (posterior of the study's proportion).
    ``pooled`` items have ``label``, ``mean``, ``lower`` and ``upper``.
    """
    n = len(studies) + len(pooled)
    with figure(path, style, caption=caption, synthetic=synthetic,
                height_scale=max(0.8, 0.16 * n + 0.5)) as (_fig, axes):
        ax = axes[0, 0]
        ticks, names = [], []
        y = n - 1 + 0.0
        for st in studies:
            ax.plot([st["observed_lower"], st["observed_upper"]], [y + 0.15] * 2,
                    color="#777777", lw=1.4)
            ax.plot(st["observed"], y + 0.15, "s", mfc="white", mec="black", ms=5,
                    label="published (Wald 95 %)" if not ticks else None)
            ax.plot([st["shrunken_lower"], st["shrunken_upper"]], [y - 0.15] * 2,
                    color=PALETTE[0], lw=2.2, solid_capstyle="butt")
            ax.plot(st["shrunken_mean"], y - 0.15, "o", color=PALETTE[0], ms=5,
                    label=f"shrunken (posterior mean, {ci_level:.0%})" if not ticks else None)
            ticks.append(y)
            names.append(f"{st['study']}\n{st['as_published']}")
            y -= 1
        for i, row in enumerate(pooled):
            color = PALETTE[1 + i % (len(PALETTE) - 1)]
            ax.plot([row["lower"], row["upper"]], [y, y], color=color, lw=3.0,
                    solid_capstyle="butt")
            ax.plot(row["mean"], y, "D", color=color, ms=7, label=row["label"])
            ticks.append(y)
            names.append(row["label"])
            y -= 1
        ax.axhline(len(pooled) - 0.5, color="#999999", lw=0.8, ls=":")
        ax.set_yticks(ticks, names, fontsize=7)
        ax.set_xlim(0, 1)
        ax.set_xlabel(f"{quantity} (probability)")
        ax.set_title("Published cohorts, shrunken estimates and the MAP prior")
        ax.legend(loc="upper right", fontsize=7, frameon=False)
    return Path(path)
