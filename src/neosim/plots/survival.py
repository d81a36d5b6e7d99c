"""Survival plots: posterior S(t) bands of every model over the Kaplan–Meier curves of the data,
and the sensitivity of aggregate post-SCT survival to the unknowns. Both draw stored results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neosim.plots.style import PALETTE, figure


def plot_survival_models(
    curves: dict[str, Any], km: dict[str, Any], path: str | Path, *, caption: str, style: Any,
    synthetic: bool = False, time_label: str = "months since SCT",
    row_notes: dict[str, str] | None = None, counts: dict[str, dict[str, int]] | None = None,
) -> Path:
    """A grid of posterior S(t) bands with the Kaplan–Meier curve: one row per model, one column
    per subtype, axes shared so the models compare at a glance.

    ``curves`` maps a model name to its ``survival_curve`` Dataset (``median``, ``lower``,
    ``upper`` over ``(subtype, time)``, attribute ``ci_prob``), in the order of the rows; ``km``
    maps a subtype to a Dataset with ``time``, ``survival``, ``lower``, ``upper`` and
    ``censored`` over ``step`` (the Kaplan–Meier curve, its pointwise confidence limits, drawn
    dotted, and its censoring counts) and ``n_at_risk`` over ``risk_time`` (the at-risk table
    drawn under the bottom row, whose times become the x ticks). ``row_notes`` adds a note to a
    row's label (e.g. its LOO rank); ``counts`` maps a subtype to ``{"patients", "deaths"}``
    (column titles).
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    models = list(curves)
    first = curves[models[0]]
    subtypes = [str(s) for s in first.coords["subtype"].values]
    t_max = float(first.coords["time"].values.max())
    level = float(first.attrs.get("ci_prob", 0.95))
    kind = "HDI" if first.attrs.get("ci_kind") == "hdi" else "equal-tailed"
    with figure(path, style, nrows=len(models), ncols=len(subtypes), caption=caption,
                synthetic=synthetic, height_scale=max(1.0, 0.42 * len(models) + 0.2),
                sharex=True, sharey=True) as (_fig, axes):
        for r, model in enumerate(models):
            curve = curves[model]
            t = curve.coords["time"].values
            for j, sub in enumerate(subtypes):
                ax = axes[r, j]
                color = PALETTE[j % len(PALETTE)]
                c = curve.sel(subtype=sub)
                ax.fill_between(t, c["lower"].values, c["upper"].values, color=color,
                                alpha=0.25, lw=0)
                ax.plot(t, c["median"].values, color=color, lw=1.4)
                if sub in km:
                    k = km[sub]
                    kt, ks = k["time"].values, k["survival"].values
                    ax.step(kt, ks, where="post", color="black", lw=0.9)
                    for band in ("lower", "upper"):
                        if band in k:
                            ax.step(kt, k[band].values, where="post", color="black", lw=0.6,
                                    ls=":")
                    cens = k["censored"].values > 0
                    ax.plot(kt[cens], ks[cens], "|", color="black", ms=5)
                ax.set_ylim(0, 1.02)
                ax.set_xlim(0, t_max)
                ax.set_yticks([0, 0.5, 1.0])
                ax.tick_params(labelsize=7)
                if r == 0:
                    n = (counts or {}).get(sub)
                    ax.set_title(f"{sub}" + (f" ({n['patients']} patients, {n['deaths']} "
                                             "deaths)" if n else ""), fontsize=8.5)
                if r == len(models) - 1:
                    ax.set_xlabel(time_label, fontsize=8)
                    if sub in km and "n_at_risk" in km[sub]:
                        _at_risk_row(ax, km[sub], first_column=j == 0)
                if j == 0:
                    note = (row_notes or {}).get(model, "")
                    label = "\n".join(x for x in (model, note, "S(t)") if x)
                    ax.set_ylabel(label, fontsize=7,
                                  color="#a01010" if "⚠" in note else "black")
        km_level = next((float(k.attrs.get("ci_prob", level)) for k in km.values()), level)
        handles = [Patch(color="#888888", alpha=0.35, label=f"{level:.0%} credible band ({kind})"),
                   Line2D([], [], color="#555555", lw=1.4, label="posterior median"),
                   Line2D([], [], color="black", lw=0.9, marker="|", ms=5,
                          label="Kaplan–Meier (| censored)"),
                   Line2D([], [], color="black", lw=0.6, ls=":",
                          label=f"Kaplan–Meier {km_level:.0%} CI")]
        axes[0, 0].legend(handles=handles, loc="best", fontsize=6.5, framealpha=0.9)
    return Path(path)


def _at_risk_row(ax: Any, k: Any, *, first_column: bool) -> None:
    """The numbers at risk at the x ticks, written under the axis label of a bottom-row panel."""
    from matplotlib.transforms import blended_transform_factory

    times = k.coords["risk_time"].values
    ax.set_xticks(times)
    where = blended_transform_factory(ax.transData, ax.transAxes)
    for t, n in zip(times, k["n_at_risk"].values, strict=True):
        ax.annotate(f"{int(n)}", (t, 0.0), xycoords=where, xytext=(0, -30),
                    textcoords="offset points", ha="center", va="top", fontsize=6.5)
    if first_column:
        ax.annotate("at risk", (0.0, 0.0), xycoords="axes fraction", xytext=(-10, -30),
                    textcoords="offset points", ha="right", va="top", fontsize=6.5)


def plot_aggregate_sensitivity(
    table: Any, path: str | Path, *, caption: str, style: Any, synthetic: bool = False,
) -> Path:
    """Posterior mean and interval of each survival probability under every scenario.

    ``table`` is the ``sensitivity.csv`` frame (``scenario, transplanted, parameter, mean,
    ci_lower, ci_upper``); one panel per parameter, one row per scenario, the main fit on top:
    black for the main fit, blue for a fixed number transplanted, red for another prior scale of
    the between-subtype spread (row labels in the same colours).
    """
    params = list(dict.fromkeys(table["parameter"]))
    scenarios = list(dict.fromkeys(table["scenario"]))
    kind_of = {sc: ("main" if sc == "main" else str(k))
               for sc, k in zip(table["scenario"], table["transplanted"], strict=True)}
    colors = {"main": "black", "fixed": PALETTE[0], "prior": PALETTE[1]}
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
                color = colors.get(kind_of[sc], PALETTE[2])
                y = len(scenarios) - 1 - i
                ax.plot([r["ci_lower"], r["ci_upper"]], [y, y], color=color, lw=1.6)
                ax.plot(r["mean"], y, "o", color=color, ms=3.5)
            ax.set_xlim(0, 1)
            title = param.replace("survival_probability_", "P(alive) ")
            ax.set_title(title.replace("survival_probability", "P(alive) "), fontsize=8)
            ax.set_xlabel("probability", fontsize=8)
            ax.tick_params(labelsize=7)
        ax0 = axes[0, 0]
        ax0.set_yticks(np.arange(len(scenarios)),
                       [_scenario_label(sc) for sc in scenarios[::-1]], fontsize=6.5)
        for tick, sc in zip(ax0.get_yticklabels(), scenarios[::-1], strict=True):
            tick.set_color(colors.get(kind_of[sc], PALETTE[2]))
    return Path(path)


def _scenario_label(scenario: str) -> str:
    """Short row label of a ``sensitivity.csv`` scenario name."""
    if scenario == "main":
        return "main fit (summed out)"
    if scenario.startswith("transplanted="):
        counts = scenario.removeprefix("transplanted=").replace(":", " ").replace(",", ", ")
        return f"transplanted {counts}"
    if scenario.startswith("logit_sd_scale="):
        return f"spread prior scale {scenario.removeprefix('logit_sd_scale=')}"
    return scenario
