"""Forest plot of proportions: posterior mean and credible interval of each, on one axis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neosim.plots.style import PALETTE, figure


def plot_proportion_forest(
    summary: Any, path: str | Path, *, caption: str, style: Any, synthetic: bool = False,
    observed: dict[str, float] | None = None,
) -> Path:
    """Rows of ``summary`` whose values are proportions (bounded in [0, 1]), as a forest plot.

    ``observed`` optionally maps a parameter to its raw proportion k/n, drawn as an open marker.
    Differences and ratios are left out: they live on other scales.
    """
    rows = summary[~summary["parameter"].str.contains("difference|ratio", regex=True)]
    rows = rows.iloc[::-1]
    with figure(path, style, caption=caption, synthetic=synthetic,
                height_scale=max(0.7, 0.12 * len(rows) + 0.4)) as (_fig, axes):
        ax = axes[0, 0]
        y = range(len(rows))
        for i, row in zip(y, rows.itertuples(index=False), strict=True):
            color = PALETTE[i % len(PALETTE)]
            ax.plot([row.ci_lower, row.ci_upper], [i, i], color=color, lw=2.2,
                    solid_capstyle="butt")
            ax.plot(row.mean, i, "o", color=color, ms=6)
            if observed and row.parameter in observed:
                ax.plot(observed[row.parameter], i, "D", mfc="white", mec="black", ms=5)
        ax.set_yticks(list(y), list(rows["parameter"]))
        ax.set_xlim(0, 1)
        level = rows["ci_level"].iloc[0] if len(rows) else 0.95
        ax.set_xlabel(f"proportion (posterior mean and {level:.0%} credible interval)")
        ax.set_title("Posterior proportions")
    return Path(path)
