"""Monte-Carlo error of the ``accrual`` kind's probabilities, and draws raised to a target.

With an uncertain incidence every reported probability is a mean over the incidence draws
``λ_i`` of an exact per-draw probability (:mod:`neosim.design.accrual`): P(enrolled in time) of
the trade-off table, and the probability levels of the bands, ``P(T_N <= t_q)`` at each reported
time-to-N quantile and ``P(N(t) <= k_q)`` at each reported count quantile. Its Monte-Carlo
standard error is the standard deviation of the per-draw probabilities over ``sqrt(draws)`` (0
for a fixed incidence). With ``[incidence] mc_se_target`` (or ``neosim accrual --mc-se``) and an
incidence drawn from counts, the draws are raised until the largest MC SE is below the target:
``draws × (MC SE / target)² × 1.1``, at most ``mc_se_max_draws``, redrawn from the seed's stream,
so the result is deterministic for a seed and a target.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from neosim.experiments.accrual.prepare import Prepared, incidence_draws

#: rounds of raising the draws before giving up on the target (each multiplies them by at least
#: the squared ratio of MC SE to target)
MAX_ROUNDS = 6


def mc_se(per_draw: np.ndarray, axis: int = -1) -> np.ndarray:
    """MC standard error of the mean of ``per_draw`` along ``axis`` (0 for a single draw)."""
    x = np.asarray(per_draw, float)
    n = x.shape[axis]
    if n < 2:
        return np.zeros(np.delete(x.shape, axis % x.ndim))
    return x.std(axis=axis, ddof=1) / math.sqrt(n)


def annotate(prep: Prepared, proj: Any, time_rows: list[dict], count_rows: list[dict]) -> None:
    """Add ``mc_se`` (the largest MC SE of the row's probability levels) to each band row."""
    from scipy.special import gammainc, gammaincc

    lam = np.asarray(prep.incidence, float)
    c = prep.consortium
    for row, n, times in zip(time_rows, proj.targets, proj.time_quantiles, strict=True):
        per = gammainc(int(n), lam[None, :] * c.unit_intensity(np.asarray(times))[:, None])
        row["mc_se"] = float(np.max(mc_se(per)))
    for row, date, counts in zip(count_rows, proj.dates, proj.count_quantiles, strict=True):
        mu = lam * float(c.unit_intensity(np.array([date]))[0])
        per = gammaincc(np.asarray(counts, float)[:, None] + 1.0, mu[None, :])
        row["mc_se"] = float(np.max(mc_se(per)))


def largest(time_rows, count_rows, trade) -> float:
    """The largest MC SE of all reported probabilities."""
    values = ([r["mc_se"] for r in (*time_rows, *count_rows)]
              + [r["probability_enrolled_in_time_mc_se"] for r in trade])
    return float(max(values, default=0.0))


def target(prep: Prepared) -> float | None:
    return prep.cfg.incidence.mc_se_target


def can_raise(prep: Prepared) -> bool:
    inc = prep.cfg.incidence
    return inc.from_counts is not None and prep.incidence.size < inc.mc_se_max_draws


def more_draws(prep: Prepared, worst: float) -> Prepared:
    """``prep`` with the incidence redrawn, enough draws for the target at this MC SE."""
    inc = prep.cfg.incidence
    goal = inc.mc_se_target
    n = prep.incidence.size
    wanted = math.ceil(n * (worst / goal) ** 2 * 1.1)
    n_new = int(min(inc.mc_se_max_draws, max(wanted, n + 1)))
    section = inc.model_copy(update={"draws": n_new})
    lam, label = incidence_draws(section, prep.cfg.experiment.seed, "")
    return dataclasses.replace(prep, incidence=lam, incidence_label=label)


def record(prep: Prepared, worst: float) -> dict[str, Any]:
    """What the run says about its Monte-Carlo error (``accrual.json``, ``--json``)."""
    goal = target(prep)
    return {"incidence_draws": int(prep.incidence.size), "largest_mc_se": worst,
            "target": goal, "target_met": None if goal is None else bool(worst <= goal),
            "rule": "MC SE = sd over incidence draws of the per-draw probability / sqrt(draws)"}


def line(rec: dict[str, Any], prep: Prepared) -> str:
    """One headline line: draws, the largest MC SE, the target and whether it was met."""
    text = (f"Monte-Carlo: {rec['incidence_draws']} incidence draws; largest MC SE of the "
            f"reported probabilities {rec['largest_mc_se']:.4f}")
    if rec["target"] is None:
        return text
    if rec["target_met"]:
        return text + f" (target {rec['target']:g} met)"
    why = ("the incidence draws come from a file" if prep.cfg.incidence.from_counts is None
           else f"incidence.mc_se_max_draws = {prep.cfg.incidence.mc_se_max_draws} reached")
    return text + f" (target {rec['target']:g} NOT met: {why})"
