"""Forest plot of proportions: posterior mean and credible interval of each, beside observed k/n."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from neosim.plots.style import PALETTE, figure

#: offsets (points right of the axes) of the right-hand columns: counts, then the estimate
COUNT_X, ESTIMATE_X = 42, 54


def _column(ax: Any, y: float, text: str, x: float, ha: str, *, bold: bool = False) -> None:
    ax.annotate(text, xy=(1.0, y), xycoords=("axes fraction", "data"), xytext=(x, 0),
                textcoords="offset points", ha=ha, va="center", fontsize=8,
                fontweight="bold" if bold else "normal", annotation_clip=False)


def plot_proportion_forest(
    summary: Any, path: str | Path, *, caption: str, style: Any, synthetic: bool = False,
    observed: Mapping[str, tuple[int, int]] | None = None,
) -> Path:
    """Rows of ``summary`` whose values are proportions, as a forest plot.

    Parameters
    ----------
    summary
        The summary table (``summary.csv`` columns). Differences and ratios are left out: they
        live on other scales.
    path
        File to write (format from the suffix).
    caption, style, synthetic
        As for :func:`neosim.plots.style.figure`.
    observed
        Optional map from a parameter to its observed counts ``(k, n)``: drawn as an open diamond
        at ``k / n`` and written beside the row, so the shrinkage of the posterior and the size
        of the data behind each interval are both visible.
    """
    from matplotlib.lines import Line2D

    observed = dict(observed or {})
    rows = summary[~summary["parameter"].str.contains("difference|ratio", regex=True)]
    rows = rows.iloc[::-1]
    color = PALETTE[0]
    with figure(path, style, caption=caption, synthetic=synthetic,
                height_scale=max(0.7, 0.12 * len(rows) + 0.45)) as (_, axes):
        ax = axes[0, 0]
        for i, row in enumerate(rows.itertuples(index=False)):
            ax.plot([row.ci_lower, row.ci_upper], [i, i], color=color, lw=2.2,
                    solid_capstyle="butt")
            ax.plot(row.mean, i, "o", color=color, ms=6, clip_on=False)
            if row.parameter in observed:
                k, n = observed[row.parameter]
                if n > 0:
                    ax.plot(k / n, i, "D", mfc="white", mec="black", ms=5, zorder=3,
                            clip_on=False)
                _column(ax, i, f"{k}/{n}", COUNT_X, "right")
            _column(ax, i, f"{_prop(row.mean)} ({_prop(row.ci_lower)}–{_prop(row.ci_upper)})",
                    ESTIMATE_X, "left")
        level = rows["ci_level"].iloc[0] if len(rows) else 0.95
        top = len(rows) - 0.4
        if observed:
            _column(ax, top, "k/n", COUNT_X, "right", bold=True)
        _column(ax, top, f"mean ({level:.0%} CrI)", ESTIMATE_X, "left", bold=True)
        ax.set_yticks(range(len(rows)), list(rows["parameter"]))
        ax.set_ylim(-0.6, top)
        ax.set_xlim(0, 1)
        ax.set_xlabel("proportion")
        handles = [Line2D([], [], color=color, marker="o", lw=2.2,
                          label=f"posterior mean and {level:.0%} credible interval")]
        if observed:
            handles.append(Line2D([], [], ls="", marker="D", mfc="white", mec="black",
                                  label="observed proportion k/n"))
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2,
                  frameon=False, fontsize=8)
    return Path(path)


def _prop(x: float) -> str:
    """Two decimals, or three where two would round a proportion to exactly 0 or 1 (an upper
    bound of 0.997 must not read as certainty)."""
    text = f"{x:.2f}"
    return f"{x:.3f}" if text in ("0.00", "1.00") and 0 < x < 1 else text
