"""Power curves of a survival design: power against the total number of subjects and against
the expected number of events, one line per method, with each method's solution marked. Reads
the ``power_curve`` table a ``survival_design`` run wrote; computes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neosim.plots.style import PALETTE, figure


def plot_power_curves(
    curve: list[dict[str, Any]], solved: list[dict[str, Any]], path: str | Path, *,
    caption: str, style: Any, target_power: float | None = None, synthetic: bool = False,
) -> Path:
    """Two panels: power against subjects, and power against events.

    ``curve`` rows hold ``subjects`` and, per method, ``power[<method>]`` and
    ``events[<method>]``; ``solved`` items hold ``method``, ``subjects``, ``events`` and
    ``power`` (the design's unrounded solution, marked by a dot) and ``subjects_ceil`` and
    ``events_ceil`` (the whole numbers a trial needs, in the legend). ``target_power`` draws a
    dashed line.
    """
    subjects = [r["subjects"] for r in curve]
    with figure(path, style, ncols=2, caption=caption, synthetic=synthetic,
                sharey=True) as (_fig, axes):
        left, right = axes[0, 0], axes[0, 1]
        for i, sol in enumerate(solved):
            m = sol["method"]
            color = PALETTE[i % len(PALETTE)]
            ls = ("-", "--", ":")[i % 3]  # methods often nearly coincide: tell them apart
            power = [r[f"power[{m}]"] for r in curve]
            label = (f"{m}: {sol['subjects_ceil']} subjects, {sol['events_ceil']} events, "
                     f"power {sol['power']:.2f}")
            left.plot(subjects, power, color=color, lw=1.6, ls=ls, label=label)
            right.plot([r[f"events[{m}]"] for r in curve], power, color=color, lw=1.6, ls=ls)
            left.plot(sol["subjects"], sol["power"], "o", color=color, ms=5)
            right.plot(sol["events"], sol["power"], "o", color=color, ms=5)
        for ax in (left, right):
            if target_power is not None:
                ax.axhline(target_power, color="#555555", ls="--", lw=0.9)
            ax.set_ylim(0, 1.02)
            ax.set_xlim(left=0)
        left.set_xlabel("total subjects (both arms)")
        right.set_xlabel("expected events (both arms)")
        left.set_ylabel("power")
        left.set_title("Power against subjects")
        right.set_title("Power against events")
        # lower right stays empty: power is high with many subjects
        left.legend(loc="lower right", fontsize=6.5, framealpha=0.9,
                    title="method: whole subjects and events needed (dot: the solution)",
                    title_fontsize=6.5)
    return Path(path)
