"""MCMC diagnostics from a stored posterior: trace plots and rank plots, one panel per parameter.

A trace plot shows each chain's draws against the iteration; well-mixed chains overlap as one
stationary band. A rank plot (Vehtari et al. 2021, Bayesian Analysis 16(2):667-718) ranks all
draws of all chains together and histograms each chain's ranks: when the chains sample the same
distribution every histogram is flat, within the band drawn from the binomial distribution of a
bin count (see :mod:`neosim.plots.sbc`).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from neosim.plots.posterior import parameter_draws
from neosim.plots.sbc import draw_rank_histogram, rank_histogram
from neosim.plots.style import PALETTE, figure


def _grid(n: int) -> tuple[int, int, float]:
    ncols = min(2, n)
    nrows = math.ceil(n / ncols)
    return nrows, ncols, max(1.0, 0.42 * nrows)


@contextlib.contextmanager
def _panels(path, style: Any, n: int, caption: str, synthetic: bool) -> Iterator[tuple]:
    """A figure with one panel per parameter (two columns); unused panels hidden."""
    if not n:
        raise ValueError("no parameters to plot")
    nrows, ncols, scale = _grid(n)
    with figure(path, style, nrows=nrows, ncols=ncols, caption=caption, synthetic=synthetic,
                height_scale=scale) as (fig, axes):
        flat = axes.ravel()
        for ax in flat[n:]:
            ax.set_axis_off()
        yield fig, flat


def _chain_legend(fig: Any, flat: Any, n_used: int, n_chains: int) -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=PALETTE[c % len(PALETTE)], lw=1.2, label=f"chain {c}")
               for c in range(n_chains)]
    if len(flat) > n_used:
        flat[-1].legend(handles=handles, loc="center", frameon=False, fontsize=8)
    else:
        flat[0].legend(handles=handles, loc="best", fontsize=7, framealpha=0.9)


def plot_trace(
    dt: Any, parameters: Sequence[str], path: str | Path, *, caption: str, style: Any,
    synthetic: bool = False,
) -> Path:
    """Draws against iteration, one line per chain, one panel per parameter.

    ``parameters`` are summary names (``name`` or ``name[coord]``) of the posterior in ``dt``.
    """
    params = list(parameters)
    with _panels(path, style, len(params), caption, synthetic) as (fig, flat):
        n_chains = 0
        for ax, name in zip(flat, params, strict=False):
            x = parameter_draws(dt, name)
            n_chains = x.shape[0]
            for c in range(n_chains):
                ax.plot(np.arange(x.shape[1]), x[c], color=PALETTE[c % len(PALETTE)], lw=0.4,
                        alpha=0.7)
            if name.split("[", 1)[0].endswith("ratio") and bool(np.all(x > 0)):
                ax.set_yscale("log")  # as in the density plot
            ax.set_title(name, fontsize=8.5)
            ax.set_xlabel("iteration (after warm-up)", fontsize=8)
            ax.set_ylabel("value", fontsize=8)
            ax.set_xlim(0, x.shape[1] - 1)
            ax.tick_params(labelsize=7.5)
        _chain_legend(fig, flat, len(params), n_chains)
    return Path(path)


def plot_rank(
    dt: Any, parameters: Sequence[str], path: str | Path, *, caption: str, style: Any,
    synthetic: bool = False, bins: int = 20, prob: float = 0.99,
) -> Path:
    """Rank plots: per-chain histograms of the pooled ranks, over the uniform band."""
    params = list(parameters)
    with _panels(path, style, len(params), caption, synthetic) as (fig, flat):
        n_chains = 0
        for ax, name in zip(flat, params, strict=False):
            x = parameter_draws(dt, name)
            n_chains, n_draws = x.shape
            # ordinal ranks 0 .. chains*draws - 1 of all draws pooled (ties broken by position)
            ranks = np.empty(x.size, dtype=np.int64)
            ranks[np.argsort(x.ravel(), kind="stable")] = np.arange(x.size)
            ranks = ranks.reshape(x.shape)
            b = min(bins, n_draws)
            for c in range(n_chains):
                h = rank_histogram(ranks[c], x.size, bins=b, prob=prob)
                draw_rank_histogram(ax, h, color=PALETTE[c % len(PALETTE)], band=c == 0,
                                    bars=False)
            ax.set_title(name, fontsize=8.5)
            ax.set_xlim(0, x.size)
            ax.set_ylim(bottom=0)
            ax.set_xlabel("rank among all draws", fontsize=8)
            ax.set_ylabel(f"draws per bin ({b} bins)", fontsize=8)
            ax.tick_params(labelsize=7.5)
        _chain_legend(fig, flat, len(params), n_chains)
    return Path(path)
