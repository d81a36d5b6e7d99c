"""Fan chart of consortium accrual: patients enrolled by month with 50/80/95 % bands, and the
time to reach each target N marked on it. Reads the tables an accrual run wrote; computes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neosim.plots.style import PALETTE, figure


def plot_accrual_fan(count_rows: list[dict[str, Any]], time_rows: list[dict[str, Any]],
                     path: str | Path, *, caption: str, style: Any) -> None:
    """Draw the fan chart from ``count_by_date`` rows (``month``, ``q0025``…``q0975``) and
    ``time_to_n`` rows (``target``, ``q0025``…``q0975``)."""
    x = [r["month"] for r in count_rows]
    with figure(path, style, ncols=2, caption=caption) as (_fig, axes):
        ax = axes[0, 0]
        for lo, hi, alpha, label in (("q0025", "q0975", 0.18, "95%"),
                                     ("q0100", "q0900", 0.3, "80%"),
                                     ("q0250", "q0750", 0.45, "50%")):
            ax.fill_between(x, [r[lo] for r in count_rows], [r[hi] for r in count_rows],
                            step="post", color=PALETTE[0], alpha=alpha, lw=0, label=label)
        ax.step(x, [r["q0500"] for r in count_rows], where="post", color=PALETTE[0],
                label="median")
        for r in time_rows:
            ax.axhline(r["target"], color="#888888", lw=0.6, ls=":")
        ax.set_xlabel("months from consortium start")
        ax.set_ylabel("patients enrolled")
        ax.set_title("Patients enrolled by month")
        ax.legend(loc="upper left", fontsize=7)
        ax2 = axes[0, 1]
        ys = list(range(len(time_rows)))
        for y, r in zip(ys, time_rows, strict=True):
            ax2.plot([r["q0025"], r["q0975"]], [y, y], color=PALETTE[0], lw=1.2)
            ax2.plot([r["q0100"], r["q0900"]], [y, y], color=PALETTE[0], lw=3.5)
            ax2.plot([r["q0500"]], [y], "o", color=PALETTE[1], ms=5)
        ax2.set_yticks(ys, [f"N = {r['target']}" for r in time_rows])
        ax2.set_xlabel("months (median, 80% and 95% bands)")
        ax2.set_title("Time to enrol N patients")


def plot_tradeoff(rows: list[dict[str, Any]], path: str | Path, *, caption: str,
                  style: Any) -> None:
    """Subjects needed and expected enrolled against accrual duration, and the probability of
    enrolling the subjects needed in time, from ``tradeoff`` rows (``accrual_months``,
    ``subjects_ceil``, ``expected_enrolled``, ``probability_enrolled_in_time``)."""
    x = [r["accrual_months"] for r in rows]
    with figure(path, style, ncols=2, caption=caption) as (_fig, axes):
        ax = axes[0, 0]
        ax.plot(x, [r["subjects_ceil"] for r in rows], "o-", color=PALETTE[1],
                label="subjects needed")
        ax.plot(x, [r["expected_enrolled"] for r in rows], "s--", color=PALETTE[0],
                label="expected enrolled")
        ax.set_xlabel("accrual duration (months)")
        ax.set_ylabel("patients")
        ax.set_ylim(bottom=0)
        ax.set_title("Needed against expected")
        ax.legend(loc="best", fontsize=7)
        ax2 = axes[0, 1]
        ax2.plot(x, [r["probability_enrolled_in_time"] for r in rows], "o-", color=PALETTE[2])
        ax2.set_ylim(0, 1.02)
        ax2.set_xlabel("accrual duration (months)")
        ax2.set_ylabel("P(subjects needed enrolled in time)")
        ax2.set_title("Probability of enrolling in time")
