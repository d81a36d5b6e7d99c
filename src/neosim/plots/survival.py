"""Survival plots: posterior S(t) bands with the Kaplan–Meier curve of the data, and the
sensitivity of aggregate post-SCT survival to the unknowns. Both draw stored results only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neosim.plots.style import PALETTE, figure


def plot_survival_bands(
    curve: Any, km: dict[str, Any], path: str | Path, *, model: str, caption: str, style: Any,
    synthetic: bool = False, time_label: str = "months since SCT",
) -> Path:
    """One panel per subtype: posterior median S(t), its credible band, and the KM curve.

    ``curve`` is a Dataset with ``median``, ``lower``, ``upper`` over ``(subtype, time)`` and a
    ``ci_prob`` attribute; ``km`` maps a subtype to a Dataset with ``time``, ``survival`` and
    ``censored`` over ``step`` (the Kaplan–Meier curve and its censoring counts).
    """
    subtypes = [str(s) for s in curve.coords["subtype"].values]
    t = curve.coords["time"].values
    with figure(path, style, ncols=len(subtypes), caption=caption, synthetic=synthetic) as (
            _fig, axes):
        for i, sub in enumerate(subtypes):
            ax = axes[0, i]
            color = PALETTE[i % len(PALETTE)]
            c = curve.sel(subtype=sub)
            ax.fill_between(t, c["lower"].values, c["upper"].values, color=color, alpha=0.25,
                            lw=0, label=f"{curve.attrs.get('ci_prob', 0.95):.0%} band ({model})")
            ax.plot(t, c["median"].values, color=color, lw=1.6, label="posterior median")
            if sub in km:
                k = km[sub]
                kt, ks = k["time"].values, k["survival"].values
                ax.step(kt, ks, where="post", color="black", lw=1.1, label="Kaplan–Meier")
                cens = k["censored"].values > 0
                ax.plot(kt[cens], ks[cens], "|", color="black", ms=7)
            ax.set_ylim(0, 1.02)
            ax.set_xlim(0, t.max())
            ax.set_xlabel(time_label)
            ax.set_title(sub)
            if i == 0:
                ax.set_ylabel("survival probability S(t)")
                ax.legend(loc="lower left", fontsize=7, frameon=False)
    return Path(path)


def plot_aggregate_sensitivity(
    table: Any, path: str | Path, *, caption: str, style: Any, synthetic: bool = False,
) -> Path:
    """Posterior mean and interval of each survival probability under every scenario.

    ``table`` is the ``sensitivity.csv`` frame (``scenario, parameter, mean, ci_lower,
    ci_upper``); one panel per parameter, one row per scenario, the main fit on top.
    """
    params = list(dict.fromkeys(table["parameter"]))
    scenarios = list(dict.fromkeys(table["scenario"]))
    height = max(1.0, 0.05 * len(scenarios) + 0.4)
    with figure(path, style, ncols=len(params), caption=caption, synthetic=synthetic,
                height_scale=height, sharey=True) as (_fig, axes):
        for j, param in enumerate(params):
            ax = axes[0, j]
            rows = table[table["parameter"] == param].set_index("scenario")
            for i, sc in enumerate(scenarios):
                if sc not in rows.index:
                    continue
                r = rows.loc[sc]
                y = len(scenarios) - 1 - i
                color = "black" if sc == "main" else PALETTE[
                    (0 if str(sc).startswith("transplanted") else 1) % len(PALETTE)]
                ax.plot([r["ci_lower"], r["ci_upper"]], [y, y], color=color, lw=1.6)
                ax.plot(r["mean"], y, "o", color=color, ms=3.5)
            ax.set_xlim(0, 1)
            title = param.replace("survival_probability_", "P(survival) ")
            ax.set_title(title.replace("survival_probability", "P(survival) "), fontsize=8)
            ax.set_xlabel("probability")
        axes[0, 0].set_yticks(np.arange(len(scenarios)), scenarios[::-1], fontsize=6)
    return Path(path)
