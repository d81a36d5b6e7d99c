"""Figures of the ``design_comparison`` kind, drawn from its result tables (``boundaries.csv``,
``stopping_by_look.csv``, ``comparison.csv`` rows); computes nothing.

* :func:`plot_boundaries`: efficacy and futility boundaries per design against the events at
  each look, on the z scale and as hazard ratios;
* :func:`plot_stopping`: the probability of stopping at each look for efficacy (up) and
  futility (down), per design, one panel per true hazard ratio;
* :func:`plot_size_power`: rejection probability against expected subjects, per design.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from neosim.plots.style import PALETTE, figure

DESIGNS = ("fixed", "group_sequential", "bayesian")
COLOR = dict(zip(DESIGNS, PALETTE, strict=False))
LABEL = {"fixed": "fixed", "group_sequential": "group-sequential", "bayesian": "Bayesian"}
STYLES = ("-", "-.", ":", (0, (5, 1)), (0, (1, 2)))


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def plot_boundaries(rows: list[dict[str, Any]], path: str | Path, *, theta_h0: float,
                    caption: str, style: Any) -> Path:
    """Two panels (z, hazard ratio); efficacy solid with dots, futility dashed with squares,
    one line per design and number of subjects (thicker lines for more subjects, markers
    alternately filled and open)."""
    subjects = sorted({r["subjects"] for r in rows})
    with figure(path, style, ncols=2, caption=caption) as (_fig, axes):
        zax, hax = axes[0, 0], axes[0, 1]
        for i, n in enumerate(subjects):
            width = 1.0 + 0.6 * i
            for design in DESIGNS:
                mine = [r for r in rows if r["subjects"] == n and r["design"] == design]
                if not mine:
                    continue
                x = [r["events"] for r in mine]
                for key, ls, mk in (("efficacy", "-", "o"), ("futility", "--", "s")):
                    pts = [(xi, r[f"z_{key}"], r[f"hr_{key}"]) for xi, r in zip(x, mine,
                                                                              strict=True)
                           if _finite(r[f"z_{key}"])]
                    if not pts:
                        continue
                    label = f"{LABEL[design]} {key}" if i == 0 else None
                    kw = {"color": COLOR[design], "ls": ls, "marker": mk, "lw": width, "ms": 3.5,
                          "mfc": "white" if i % 2 else COLOR[design]}
                    zax.plot([p[0] for p in pts], [p[1] for p in pts], **kw)
                    hax.plot([p[0] for p in pts], [p[2] for p in pts], label=label, **kw)
        zax.axhline(0.0, color="#777777", lw=0.8)
        hax.axhline(theta_h0, color="#777777", lw=0.8)
        zax.set_xlabel("events at the look")
        hax.set_xlabel("events at the look")
        zax.set_ylabel("log-rank z (benefit positive)")
        hax.set_ylabel("observed hazard ratio at the boundary")
        zax.set_title("z scale")
        hax.set_title("hazard-ratio scale")
        hrs = [r[f"hr_{k}"] for r in rows for k in ("efficacy", "futility")
               if _finite(r[f"hr_{k}"])] + [theta_h0]
        lo, hi = min(hrs), max(hrs)
        hax.set_ylim(lo - 0.05 * (hi - lo), hi + 0.55 * (hi - lo))  # room for the legend
        hax.legend(fontsize=5.5, loc="upper center", ncols=2, framealpha=0.9,
                   title=f"subjects {', '.join(map(str, subjects))}: thicker lines, "
                         "alternately filled and open markers", title_fontsize=5.5)
    return Path(path)


def plot_stopping(rows: list[dict[str, Any]], path: str | Path, *, caption: str,
                  style: Any) -> Path:
    """One panel per true hazard ratio (at the largest subjects): bars of the probability of
    stopping at each look for efficacy (above 0) and futility (below 0), per design."""
    n = max(r["subjects"] for r in rows)
    mine = [r for r in rows if r["subjects"] == n]
    hrs = sorted({r["hazard_ratio"] for r in mine})
    looks = sorted({r["look"] for r in mine})
    width = 0.8 / len(DESIGNS)
    with figure(path, style, ncols=len(hrs), caption=caption,
                sharey=True) as (_fig, axes):
        for ax, hr in zip(axes[0], hrs, strict=True):
            for j, design in enumerate(DESIGNS):
                sel = [r for r in mine if r["hazard_ratio"] == hr and r["design"] == design]
                x = [r["look"] + (j - 1) * width for r in sel]
                for key, sign in (("efficacy", 1.0), ("futility", -1.0)):
                    ax.bar(x, [sign * r[key] for r in sel], width=width, color=COLOR[design],
                           alpha=1.0 if key == "efficacy" else 0.55,
                           yerr=[2.0 * r[f"{key}_mc_se"] for r in sel], ecolor="#333333",
                           error_kw={"lw": 0.7}, capsize=1.5,
                           label=LABEL[design] if key == "efficacy" else None)
                    exact = [(xi, sign * r[f"{key}_analytic"]) for xi, r in zip(x, sel, strict=True)
                             if _finite(r[f"{key}_analytic"]) and design == "group_sequential"]
                    if exact:
                        ax.plot([e[0] for e in exact], [e[1] for e in exact], "x", color="black",
                                ms=4)
            ax.axhline(0.0, color="#555555", lw=0.8)
            ax.set_xticks(looks)
            ax.set_xlabel("look")
            ax.set_title(f"HR {hr:g}, {n} subjects", fontsize=8)
        axes[0, 0].set_ylabel("P(stop): efficacy up, futility down")
        axes[0, 0].legend(fontsize=6, loc="best")
    return Path(path)


def plot_size_power(rows: list[dict[str, Any]], path: str | Path, *, caption: str,
                    style: Any) -> Path:
    """Rejection probability against expected subjects: one line per design and true hazard
    ratio through the planned numbers of subjects, with 2 MC SE bars both ways."""
    rej = [r for r in rows if r["quantity"] in ("power", "type_i_error")]
    size = {(r["hazard_ratio"], r["subjects"], r["design"]): r for r in rows
            if r["quantity"] == "expected_subjects"}
    hrs = sorted({r["hazard_ratio"] for r in rej})
    with figure(path, style, caption=caption) as (_fig, axes):
        ax = axes[0, 0]
        for i, hr in enumerate(hrs):
            for design in DESIGNS:
                sel = sorted((r for r in rej if r["hazard_ratio"] == hr
                              and r["design"] == design), key=lambda r: r["subjects"])
                xs = [size[(hr, r["subjects"], design)] for r in sel]
                ax.errorbar([s["value"] for s in xs], [r["value"] for r in sel],
                            xerr=[2.0 * s["mc_se"] for s in xs],
                            yerr=[2.0 * r["mc_se"] for r in sel], color=COLOR[design],
                            ls=STYLES[i % len(STYLES)], marker="o", ms=3.5, lw=1.2, capsize=1.5,
                            label=f"{LABEL[design]}, HR {hr:g}")
        ax.set_xlabel("expected subjects enrolled at the stop")
        ax.set_ylabel("P(reject H0)")
        ax.set_ylim(0.0, 1.02)
        ax.legend(fontsize=5.5, loc="best", ncols=2, framealpha=0.9)
    return Path(path)
