"""Posterior densities of the reported quantities, with the credible interval shaded."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from neosim.plots.style import PALETTE, figure

#: axis labels for the quantities the frequency models report
LABELS = {
    "neonatal_fraction": "neonatal fraction of infant cases",
    "neonatal_fraction_difference": "difference in neonatal fraction (first − second subtype)",
    "neonatal_fraction_ratio": "ratio of neonatal fractions (first / second subtype)",
    "neonatal_share": "share of neonatal cases",
    "mll_rearranged_fraction": "MLL-rearranged fraction",
}


def _draws(dt: Any, parameter: str) -> np.ndarray:
    """Flattened draws of ``name`` or ``name[coord]`` from the posterior group."""
    post = dt["posterior"]
    if "[" in parameter:
        name, coord = parameter[:-1].split("[", 1)
        da = post[name]
        dim = next(d for d in da.dims if d not in ("chain", "draw"))
        return da.sel({dim: coord}).values.ravel()
    return post[parameter].values.ravel()


def plot_posterior_densities(
    dt: Any, summary: Any, path: str | Path, *, caption: str, style: Any,
    synthetic: bool = False,
) -> Path:
    """One panel per row of ``summary``: density of the draws, mean, and the interval."""
    from arviz_stats.base import array_stats

    params = list(summary["parameter"])
    ncols = min(3, len(params))
    nrows = math.ceil(len(params) / ncols)
    with figure(path, style, nrows=nrows, ncols=ncols, caption=caption, synthetic=synthetic,
                height_scale=max(1.0, 0.55 * nrows)) as (_fig, axes):
        for ax in axes.ravel()[len(params):]:
            ax.set_visible(False)
        for i, row in enumerate(summary.itertuples(index=False)):
            ax = axes.ravel()[i]
            x = _draws(dt, row.parameter)
            grid, pdf, _ = array_stats.kde(x)
            color = PALETTE[i % len(PALETTE)]
            ax.plot(grid, pdf, color=color, lw=1.5)
            inside = (grid >= row.ci_lower) & (grid <= row.ci_upper)
            ax.fill_between(grid[inside], pdf[inside], color=color, alpha=0.25,
                            label=f"{row.ci_level:.0%} interval")
            ax.axvline(row.mean, color=color, ls="--", lw=1, label="posterior mean")
            ax.set_title(row.parameter)
            base = row.parameter.split("[")[0]
            ax.set_xlabel(LABELS.get(base, base))
            ax.set_ylabel("posterior density")
            ax.set_ylim(bottom=0)
            ax.text(0.98, 0.95, f"{row.mean:.3f}\n[{row.ci_lower:.3f}, {row.ci_upper:.3f}]",
                    transform=ax.transAxes, ha="right", va="top", fontsize=7)
        axes.ravel()[0].legend(loc="upper left", fontsize=7, frameon=False)
    return Path(path)
