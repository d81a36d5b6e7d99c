"""Power and assurance curves with Monte-Carlo bands, from ``simulation.nc`` (no statistics are
computed here: values and MC standard errors come from the run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neosim.plots.style import PALETTE, figure


def _z(style: Any) -> float:
    """Half-width of the Monte-Carlo band in standard errors, from ``[output] ci_prob``."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + float(getattr(style, "ci_prob", 0.95)) / 2)


def _points(da: Any) -> list[tuple[dict, str]]:
    """Every combination of the grid's dimensions other than subjects and analysis, labelled."""
    import itertools

    dims = [d for d in da.dims if d not in ("subjects", "analysis")]
    out = []
    for values in itertools.product(*(da[d].values.tolist() for d in dims)):
        sel = dict(zip(dims, values, strict=True))
        parts = []
        for d, v in sel.items():
            name = "HR" if d == "hazard_ratio" else d
            parts.append(f"{name} {v:g}" if isinstance(v, int | float) else f"{name} {v}")
        null = sel.get("hazard_ratio") == 1
        out.append((sel, ", ".join(parts) + (" (type-I error)" if null else "")))
    return out


def plot_power_curves(ds: Any, path: str | Path, *, caption: str, style: Any,
                      synthetic: bool = False) -> None:
    """Power against the number of subjects, one panel per analysis, one line per other grid
    point (true hazard ratio, and any other design field varied), with Monte-Carlo bands at
    ``[output] ci_prob``."""
    analyses = list(ds["analysis"].values)
    n, z = ds["subjects"].values, _z(style)
    with figure(path, style, ncols=len(analyses), caption=caption, synthetic=synthetic,
                sharey=True) as (_fig, axes):
        for ax, name in zip(axes[0], analyses, strict=True):
            for c, (sel, label) in enumerate(_points(ds["power"])):
                p = ds["power"].sel(analysis=name, **sel).values
                se = ds["power_mc_se"].sel(analysis=name, **sel).values
                color = PALETTE[c % len(PALETTE)]
                ax.plot(n, p, marker="o", ms=3, color=color, label=label)
                ax.fill_between(n, p - z * se, p + z * se, color=color, alpha=0.2, lw=0)
            ax.set_title(name)
            ax.set_xlabel("subjects")
            ax.set_ylim(0, 1)
        axes[0][0].set_ylabel("probability of success")
        axes[0][-1].legend(fontsize=7, loc="upper left")


def plot_assurance(ds: Any, path: str | Path, *, caption: str, style: Any,
                   synthetic: bool = False) -> None:
    """Assurance (success averaged over the design prior) against subjects, with Monte-Carlo
    bands at ``[output] ci_prob``."""
    n, z = ds["subjects"].values, _z(style)
    with figure(path, style, caption=caption, synthetic=synthetic) as (_fig, axes):
        ax = axes[0][0]
        c = 0
        for name in ds["analysis"].values:
            for sel, label in _points(ds["assurance"]):
                a = ds["assurance"].sel(analysis=name, **sel).values
                se = ds["assurance_mc_se"].sel(analysis=name, **sel).values
                color = PALETTE[c % len(PALETTE)]
                c += 1
                ax.plot(n, a, marker="o", ms=3, color=color,
                        label=str(name) + (f" ({label})" if label else ""))
                ax.fill_between(n, a - z * se, a + z * se, color=color, alpha=0.2, lw=0)
        ax.set_xlabel("subjects")
        ax.set_ylabel("assurance")
        ax.set_ylim(0, 1)
        ax.legend(fontsize=7, loc="upper left")
