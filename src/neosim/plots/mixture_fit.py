"""A fitted mixture density against the draws it approximates (e.g. MAP draws)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neosim.plots.style import PALETTE, figure


def plot_mixture_fit(
    draws: np.ndarray, x: np.ndarray, curves: list[tuple[str, np.ndarray]], path: str | Path,
    *, caption: str, style: Any, xlabel: str, synthetic: bool = False, bins: int = 80,
) -> Path:
    """Density histogram of ``draws`` with each ``(label, density on x)`` curve overlaid."""
    with figure(path, style, caption=caption, synthetic=synthetic) as (_fig, axes):
        ax = axes[0, 0]
        ax.hist(np.asarray(draws).ravel(), bins=bins, range=(float(x[0]), float(x[-1])),
                density=True, color="#bbbbbb", label=f"MAP draws (n = {np.size(draws)})")
        for i, (label, dens) in enumerate(curves):
            ax.plot(x, dens, color=PALETTE[i % len(PALETTE)], lw=1.8,
                    ls="-" if i == 0 else "--", label=label)
        ax.set_xlim(float(x[0]), float(x[-1]))
        ax.set_xlabel(xlabel)
        ax.set_ylabel("density")
        ax.set_title("MAP prior: draws and their conjugate mixture approximation")
        ax.legend(fontsize=7, frameon=False)
    return Path(path)
