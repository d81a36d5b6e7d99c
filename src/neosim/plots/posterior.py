"""Posterior densities of the reported quantities, with the credible interval shaded."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from neosim.plots.style import PALETTE, figure

#: axis labels for the quantities the frequency models report; ``{first}``/``{second}`` are the
#: first two coordinates of the ``subtype`` dimension of the posterior, when it has one
LABELS = {
    "neonatal_fraction": "neonatal fraction of infant cases",
    "neonatal_fraction_difference": "difference in neonatal fraction ({first} − {second})",
    "neonatal_fraction_ratio": "ratio of neonatal fractions ({first} / {second})",
    "neonatal_share": "share of the neonatal cases",
    "mll_rearranged_fraction": "MLL-rearranged fraction",
    "survival_probability": "P(alive at last follow-up after SCT)",
    "survival_probability_overall": "P(alive after SCT), subtypes pooled",
    "survival_probability_typical": "P(alive after SCT), typical subtype",
}

#: where a reference line marks "no difference"
REFERENCE = {"difference": 0.0, "ratio": 1.0}


def parameter_draws(dt: Any, parameter: str) -> np.ndarray:
    """Draws of a summary parameter (``name`` or ``name[coord, ...]``) as a (chain, draw) array."""
    da = dt["posterior"][parameter.split("[", 1)[0]]
    if "[" in parameter and set(da.dims) - {"chain", "draw"}:  # not a contrast's direction
        coords = [c.strip() for c in parameter[parameter.index("[") + 1:-1].split(",")]
        dims = [d for d in da.dims if d not in ("chain", "draw")]
        if len(coords) != len(dims):
            raise ValueError(f"{parameter}: expected {len(dims)} coordinates")
        da = da.sel(dict(zip(dims, coords, strict=True)))
    return np.asarray(da.transpose("chain", "draw").values, dtype=float)


def parameter_label(dt: Any, parameter: str) -> str:
    """Human axis label of a summary parameter (its base name when none is known)."""
    base = parameter.split("[", 1)[0]
    label = LABELS.get(base, base.replace("_", " "))
    post = dt["posterior"]
    if "{first}" in label:
        subs = [str(s) for s in post.coords["subtype"].values] if "subtype" in post.coords else []
        if len(subs) >= 2:
            label = label.format(first=subs[0], second=subs[1])
        else:
            label = label.replace(" ({first} − {second})", "").replace(" ({first} / {second})", "")
    return label


def _reference(parameter: str) -> float | None:
    base = parameter.split("[", 1)[0]
    return next((v for k, v in REFERENCE.items() if base.endswith(k)), None)


def plot_posterior_densities(
    dt: Any, summary: Any, path: str | Path, *, caption: str, style: Any,
    synthetic: bool = False,
) -> Path:
    """One panel per row of ``summary``: density of the draws, mean, interval, and reference.

    Ratios are drawn on a log axis (the density is that of the log ratio, so the picture is
    symmetric in the two subtypes); differences and ratios get a dotted line at "no difference".
    The panel title gives the posterior mean and interval, so no annotation covers the curve.
    """
    from arviz_stats.base import array_stats
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

    params = list(summary["parameter"])
    ncols = min(2, len(params))
    nrows = math.ceil(len(params) / ncols)
    level = float(summary["ci_level"].iloc[0]) if len(params) else 0.95
    with figure(path, style, nrows=nrows, ncols=ncols, caption=caption, synthetic=synthetic,
                height_scale=max(1.0, 0.47 * nrows)) as (_, axes):
        flat = axes.ravel()
        for ax in flat[len(params):]:
            ax.set_axis_off()
        for i, row in enumerate(summary.itertuples(index=False)):
            ax = flat[i]
            x = parameter_draws(dt, row.parameter).ravel()
            color = PALETTE[i % len(PALETTE)]
            log = row.parameter.split("[", 1)[0].endswith("ratio") and bool(np.all(x > 0))
            grid, pdf, _ = array_stats.kde(np.log(x) if log else x)
            lo, hi = (np.log(row.ci_lower), np.log(row.ci_upper)) if log else (row.ci_lower,
                                                                               row.ci_upper)
            inside = (grid >= lo) & (grid <= hi)
            if log:
                grid = np.exp(grid)
                ax.set_xscale("log")
                ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
                ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
                ax.xaxis.set_minor_formatter(NullFormatter())
            else:  # at most 6 ticks, so signed labels (−0.25 −0.20 …) never run together
                ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
            ax.plot(grid, pdf, color=color, lw=1.5)
            ax.fill_between(grid[inside], pdf[inside], color=color, alpha=0.25, lw=0)
            ax.axvline(row.mean, color=color, ls="--", lw=1)
            ref = _reference(row.parameter)
            if ref is not None:
                ax.axvline(ref, color="#555555", ls=":", lw=1)
            ax.set_title(f"{row.parameter}\n{row.mean:.3g}  ({row.ci_lower:.3g} to "
                         f"{row.ci_upper:.3g})", fontsize=8.5)
            ax.set_xlabel(parameter_label(dt, row.parameter) + (" (log axis)" if log else ""),
                          fontsize=8)
            ax.set_ylabel("density of log ratio" if log else "posterior density", fontsize=8)
            ax.set_ylim(bottom=0)
            ax.tick_params(labelsize=7.5)
        handles = [Patch(color="#888888", alpha=0.35, label=f"{level:.0%} credible interval"),
                   Line2D([], [], color="#555555", ls="--", label="posterior mean")]
        if any(_reference(p) is not None for p in params):
            handles.append(Line2D([], [], color="#555555", ls=":", label="no difference"))
        if len(flat) > len(params):  # an empty panel holds the legend
            flat[-1].legend(handles=handles, loc="center", frameon=False, fontsize=8)
        elif params:
            flat[0].legend(handles=handles, loc="best", fontsize=7, framealpha=0.9)
    return Path(path)
