"""Rank histograms with the band a uniform distribution of ranks would fall in.

Used for simulation-based calibration (SBC: the rank of each true parameter value among the
posterior draws of its simulated data set is uniform on ``0..L`` when the inference is calibrated,
Talts et al. 2018, arXiv:1804.06788) and, by :mod:`neosim.plots.diagnostics`, for rank plots of
MCMC chains (the ranks of one chain's draws among all chains are uniform when the chains agree,
Vehtari et al. 2021, Bayesian Analysis 16(2):667-718).

The band is pointwise: each bin count of ``n`` uniform ranks is Binomial(``n``, bin width / number
of possible ranks), and the band spans its central ``prob`` interval. With ``B`` bins about
``(1 - prob) * B`` bins fall outside it by chance alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from neosim.plots.style import PALETTE, figure


@dataclass(frozen=True)
class RankHistogram:
    """Counts of integer ranks in bins, and the band of a uniform distribution.

    Bin ``j`` holds the ranks ``edges[j] <= r < edges[j + 1]``; edges are integers, so every
    possible rank lies in exactly one bin even when the bins cannot all be equally wide.
    """

    edges: np.ndarray
    counts: np.ndarray
    expected: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    @property
    def outside(self) -> np.ndarray:
        """Bins whose count lies outside the band."""
        return (self.counts < self.lower) | (self.counts > self.upper)


def rank_histogram(ranks: Any, n_ranks: int, *, bins: int = 20,
                   prob: float = 0.99) -> RankHistogram:
    """Bin integer ``ranks`` (each in ``0 .. n_ranks - 1``) and compute the uniform band.

    Parameters
    ----------
    ranks
        Integer ranks, any shape (flattened).
    n_ranks
        Number of possible rank values: ``L + 1`` for SBC with ``L`` posterior draws.
    bins
        Number of bins (at most ``n_ranks``).
    prob
        Probability of the pointwise band.
    """
    from scipy import stats

    r = np.asarray(ranks).ravel()
    if n_ranks < 1:
        raise ValueError("n_ranks must be at least 1")
    if not 1 <= bins <= n_ranks:
        raise ValueError(f"bins must be between 1 and n_ranks ({n_ranks}), got {bins}")
    if not 0.0 < prob < 1.0:
        raise ValueError("prob must be in (0, 1)")
    if r.size and (not np.all(np.equal(np.mod(r, 1), 0)) or r.min() < 0 or r.max() >= n_ranks):
        raise ValueError(f"ranks must be integers in 0 .. {n_ranks - 1}")
    edges = np.round(np.linspace(0, n_ranks, bins + 1)).astype(np.int64)
    counts = np.bincount(np.searchsorted(edges, r.astype(np.int64), side="right") - 1,
                         minlength=bins)[:bins]
    p = np.diff(edges) / n_ranks
    tail = (1.0 - prob) / 2.0
    return RankHistogram(
        edges=edges, counts=counts, expected=r.size * p,
        lower=stats.binom.ppf(tail, r.size, p), upper=stats.binom.ppf(1.0 - tail, r.size, p),
    )


def draw_rank_histogram(ax: Any, hist: RankHistogram, *, color: str, band: bool = True,
                        label: str | None = None, bars: bool = True) -> None:
    """Draw ``hist`` on ``ax``: bars (or a step line) over the grey uniform band."""
    e = hist.edges
    if band:
        ax.fill_between(e, np.append(hist.lower, hist.lower[-1]),
                        np.append(hist.upper, hist.upper[-1]), step="post", color="#bbbbbb",
                        alpha=0.5, lw=0)
        ax.step(e, np.append(hist.expected, hist.expected[-1]), where="post", color="#777777",
                lw=0.8)
    if bars:
        ax.bar(e[:-1], hist.counts, width=np.diff(e), align="edge", color=color, alpha=0.75,
               edgecolor="white", lw=0.4, label=label)
    else:
        ax.step(e, np.append(hist.counts, hist.counts[-1]), where="post", color=color, lw=1.1,
                label=label)


def _panels(ranks: Any, sim_dim: str) -> list[tuple[str, np.ndarray]]:
    """Split ``ranks`` into (label, 1-d ranks) panels: one per variable and coordinate."""
    if isinstance(ranks, np.ndarray):
        return [("rank", ranks.ravel())]
    out = []
    items = ranks.data_vars.items() if hasattr(ranks, "data_vars") else ranks.items()
    for name, value in items:
        if hasattr(value, "dims"):  # xarray.DataArray
            other = [d for d in value.dims if d != sim_dim]
            if not other:
                out.append((str(name), np.asarray(value.values).ravel()))
                continue
            stacked = value.stack(_panel=other).transpose(..., "_panel")
            for j, key in enumerate(stacked.indexes["_panel"]):
                key = key if isinstance(key, tuple) else (key,)
                label = f"{name}[{', '.join(str(k) for k in key)}]"
                out.append((label, np.asarray(stacked.values[..., j]).ravel()))
        else:
            arr = np.asarray(value)
            if arr.ndim <= 1:
                out.append((str(name), arr.ravel()))
            else:
                flat = arr.reshape(arr.shape[0], -1)
                out.extend((f"{name}[{j}]", flat[:, j]) for j in range(flat.shape[1]))
    return out


def plot_sbc_ranks(
    ranks: Any, path: str | Path, *, n_ranks: int | None = None, bins: int = 20,
    prob: float = 0.99, caption: str, style: Any, synthetic: bool = True,
    sim_dim: str = "simulation",
) -> Path:
    """SBC rank histograms, one panel per parameter, over the uniform band.

    Parameters
    ----------
    ranks
        An ``xarray.Dataset`` (one variable per parameter, dimension ``sim_dim`` over
        simulations, further dimensions become separate panels), a mapping of name to array
        (first axis over simulations), or one array.
    n_ranks
        Number of possible ranks (``L + 1`` for ``L`` posterior draws); taken from
        ``ranks.attrs["n_ranks"]`` when omitted.
    bins, prob
        As for :func:`rank_histogram`.
    synthetic
        SBC works on simulated data, so figures are marked synthetic unless told otherwise.
    """
    if n_ranks is None:
        attrs: Mapping[str, Any] = getattr(ranks, "attrs", {})
        if "n_ranks" not in attrs:
            raise ValueError("n_ranks is needed (or ranks.attrs['n_ranks'])")
        n_ranks = int(attrs["n_ranks"])
    panels = _panels(ranks, sim_dim)
    if not panels:
        raise ValueError("no ranks to plot")
    hists = [(label, rank_histogram(r, n_ranks, bins=bins, prob=prob)) for label, r in panels]
    ncols = min(3, len(hists))
    nrows = math.ceil(len(hists) / ncols)
    with figure(path, style, nrows=nrows, ncols=ncols, caption=caption, synthetic=synthetic,
                height_scale=max(0.8, 0.45 * nrows)) as (_, axes):
        flat = axes.ravel()
        for ax in flat[len(hists):]:
            ax.set_axis_off()
        for i, (label, h) in enumerate(hists):
            ax = flat[i]
            draw_rank_histogram(ax, h, color=PALETTE[i % len(PALETTE)])
            n_out = int(h.outside.sum())
            ax.set_title(f"{label}\n{n_out} of {len(h.counts)} bins outside the {prob:.0%} band",
                         fontsize=8)
            ax.set_xlim(0, n_ranks)
            ax.set_xlabel(f"rank of the true value (0 to {n_ranks - 1})", fontsize=8)
            ax.set_ylabel(f"simulations (of {int(h.counts.sum())})", fontsize=8)
            ax.tick_params(labelsize=7.5)
    return Path(path)
