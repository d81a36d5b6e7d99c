"""Power and assurance curves with Monte-Carlo bands, from ``simulation.nc`` (no statistics are
computed here: values and MC standard errors come from the run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neosim.plots.style import PALETTE, figure

Z95 = 1.959963984540054


def plot_power_curves(ds: Any, path: str | Path, *, caption: str, style: Any,
                      synthetic: bool = False) -> None:
    """Power against n, one panel per analysis, one line per true hazard ratio, ±1.96 MC SE."""
    analyses = list(ds["analysis"].values)
    n = ds["n"].values
    with figure(path, style, ncols=len(analyses), caption=caption, synthetic=synthetic,
                sharey=True) as (_fig, axes):
        for ax, name in zip(axes[0], analyses, strict=True):
            for c, hr in enumerate(ds["hazard_ratio"].values):
                p = ds["power"].sel(analysis=name, hazard_ratio=hr).values
                se = ds["power_mc_se"].sel(analysis=name, hazard_ratio=hr).values
                color = PALETTE[c % len(PALETTE)]
                label = f"HR {hr:g}" + (" (type-I error)" if hr == 1 else "")
                ax.plot(n, p, marker="o", ms=3, color=color, label=label)
                ax.fill_between(n, p - Z95 * se, p + Z95 * se, color=color, alpha=0.2, lw=0)
            ax.set_title(name)
            ax.set_xlabel("patients (n)")
            ax.set_ylim(0, 1)
        axes[0][0].set_ylabel("probability of success")
        axes[0][-1].legend(fontsize=7, loc="upper left")


def plot_assurance(ds: Any, path: str | Path, *, caption: str, style: Any,
                   synthetic: bool = False) -> None:
    """Assurance (success averaged over the design prior) against n, ±1.96 MC SE."""
    n = ds["n"].values
    with figure(path, style, caption=caption, synthetic=synthetic) as (_fig, axes):
        ax = axes[0][0]
        for c, name in enumerate(ds["analysis"].values):
            a = ds["assurance"].sel(analysis=name).values
            se = ds["assurance_mc_se"].sel(analysis=name).values
            color = PALETTE[c % len(PALETTE)]
            ax.plot(n, a, marker="o", ms=3, color=color, label=str(name))
            ax.fill_between(n, a - Z95 * se, a + Z95 * se, color=color, alpha=0.2, lw=0)
        ax.set_xlabel("patients (n)")
        ax.set_ylabel("assurance")
        ax.set_ylim(0, 1)
        ax.legend(fontsize=7, loc="upper left")
