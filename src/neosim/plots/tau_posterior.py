"""Posterior of the between-study SD τ: MCMC draws, the numerically integrated density, and
the prior."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neosim.plots.style import PALETTE, figure


def plot_tau_posterior(
    draws: np.ndarray, grid_tau: np.ndarray, grid_density: np.ndarray, prior_x: np.ndarray,
    prior_density: np.ndarray, path: str | Path, *, caption: str, style: Any,
    prior_label: str, synthetic: bool = False, quantity: str = "survival",
) -> Path:
    """Histogram of τ draws, the integrated posterior density and the prior density
    (``quantity``: what the pooled proportions measure, in words, for the axis)."""
    upper = float(prior_x[-1])
    with figure(path, style, caption=caption, synthetic=synthetic) as (_fig, axes):
        ax = axes[0, 0]
        ax.hist(np.asarray(draws).ravel(), bins=70, range=(0.0, upper), density=True,
                color="#bbbbbb", label="posterior draws (NUTS)")
        keep = grid_tau <= upper
        ax.plot(grid_tau[keep], grid_density[keep], color=PALETTE[0], lw=1.8,
                label="posterior (numerical integration)")
        ax.plot(prior_x, prior_density, color=PALETTE[1], lw=1.4, ls="--",
                label=f"prior {prior_label}")
        ax.set_xlim(0.0, upper)
        ax.set_xlabel(f"τ, between-study SD of logit {quantity}")
        ax.set_ylabel("density")
        ax.set_title("Between-study heterogeneity")
        ax.legend(fontsize=7, frameon=False)
    return Path(path)
