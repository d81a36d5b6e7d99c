"""Trace and rank plots of a fit, drawn when its convergence checks call for them.

The checks (R-hat, ESS, divergences, rank uniformity) always run and always decide the verdict;
the plots that show them are drawn when a check fails or warns, or on every run with
``[output] diagnostic_figures = "always"``. Drawing them cost about a second of a five-second
flagship run, for pictures that show nothing when every check passed.
"""

from __future__ import annotations

from typing import Any

NOT_DRAWN = ("trace and rank plots not drawn: every convergence check passed (set [output] "
             "diagnostic_figures = \"always\" to draw them)")


def mark(report: dict[str, Any], style: Any) -> bool:
    """Whether the trace and rank plots are due for the checks in ``report``; records the
    answer in ``report["diagnostic_figures"]`` (``"drawn"`` or why not), before it is written."""
    due = style.diagnostic_figures == "always" or report.get("status") != "passed"
    report["diagnostic_figures"] = "drawn" if due else NOT_DRAWN
    return due


def draw(folder: Any, dt: Any, params: list[str], *, caption: str, style: Any,
         of: str = "") -> None:
    """Trace and rank plots of ``params`` in every figure format, with their index entries;
    ``of`` names the fit in the captions (e.g. ``" of the main fit"``)."""
    from neosim.plots import diagnostics

    for fmt in style.figure_formats:
        diagnostics.plot_trace(dt, params, folder.figure("trace", fmt), caption=caption,
                               style=style)
        diagnostics.plot_rank(dt, params, folder.figure("rank", fmt), caption=caption,
                              style=style)
    folder.add_figure(
        "trace", title="Trace plots (sampler diagnostics)",
        caption=f"Posterior draws{of} against iteration, one colour per chain: overlapping "
                "stationary bands without trends or stuck stretches mean the chains mixed.")
    folder.add_figure(
        "rank", title="Rank plots (sampler diagnostics)",
        caption=f"Each chain's draws{of} ranked among all draws: flat histograms inside the grey "
                "99% band of uniform ranks mean the chains sampled the same distribution.")
