"""Kaplan–Meier estimate and log-rank test of one dataset (right-censored, ties allowed).

Both work on the table of distinct observed times: at each time, the number at risk just before
it, the deaths and the censorings. Ties between deaths are grouped at one time; a censoring at the
same time as a death counts as at risk for that death (the usual convention, as in R's
``survival`` and lifelines).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RiskTable:
    """Distinct times (ascending) with the number at risk, events and censorings at each."""

    time: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    censored: np.ndarray


def risk_table(time, event) -> RiskTable:
    """Group ``time`` / ``event`` (1 = death, 0 = censored) by distinct time."""
    time = np.asarray(time, float)
    event = np.asarray(event, int)
    if time.shape != event.shape or time.ndim != 1:
        raise ValueError("time and event must be 1-d arrays of equal length")
    if np.any(time < 0) or not np.all(np.isfinite(time)):
        raise ValueError("times must be finite and non-negative")
    if not np.all((event == 0) | (event == 1)):
        raise ValueError("event flags must be 0 or 1")
    times, inverse = np.unique(time, return_inverse=True)
    events = np.bincount(inverse, weights=event, minlength=len(times))
    total = np.bincount(inverse, minlength=len(times)).astype(float)
    leaving_before = np.concatenate([[0.0], np.cumsum(total)[:-1]])
    return RiskTable(times, len(time) - leaving_before, events, total - events)


@dataclass(frozen=True)
class KaplanMeier:
    """The Kaplan–Meier curve: ``survival[i]`` holds on ``[time[i], time[i+1])``.

    ``time`` starts at 0 (``survival`` 1) followed by every distinct observed time; ``variance``
    is Greenwood's estimate of ``Var S(t)`` (NaN from the time the curve reaches 0).
    """

    time: np.ndarray
    survival: np.ndarray
    variance: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    censored: np.ndarray

    def at(self, t) -> np.ndarray:
        """``S(t)`` at arbitrary times (right-continuous step function)."""
        i = np.searchsorted(self.time, np.asarray(t, float), side="right") - 1
        return self.survival[i]


def kaplan_meier(time, event) -> KaplanMeier:
    """Kaplan–Meier estimate of the survival function of one sample."""
    rt = risk_table(time, event)
    factor = 1.0 - rt.events / rt.at_risk
    survival = np.cumprod(factor)
    with np.errstate(divide="ignore", invalid="ignore"):  # undefined (NaN) once S reaches 0
        terms = rt.events / (rt.at_risk * (rt.at_risk - rt.events))
        greenwood = survival**2 * np.cumsum(terms)
    if rt.time.size and rt.time[0] == 0.0:
        return KaplanMeier(rt.time, survival, greenwood, rt.at_risk, rt.events, rt.censored)
    zero = np.zeros(1)
    n = np.array([float(len(np.asarray(time)))])
    return KaplanMeier(
        np.concatenate([zero, rt.time]), np.concatenate([[1.0], survival]),
        np.concatenate([zero, greenwood]), np.concatenate([n, rt.at_risk]),
        np.concatenate([zero, rt.events]), np.concatenate([zero, rt.censored]))


@dataclass(frozen=True)
class LogRank:
    """Result of a log-rank test across ``groups`` (labels in sorted order)."""

    statistic: float
    df: int
    p_value: float
    groups: tuple
    observed: np.ndarray
    expected: np.ndarray


def logrank(time, event, group) -> LogRank:
    """Log-rank test of equal survival in two or more groups.

    The statistic is ``Z' V⁻ Z`` with ``Z = O − E`` (observed minus expected deaths) and ``V``
    its hypergeometric covariance, both over all groups but the last; with ``k`` groups it is
    compared with χ² on ``k − 1`` degrees of freedom. A group with no deaths (all censored) is
    allowed; with no deaths at all the statistic is 0 (``V`` is then 0 and its
    pseudo-inverse is used).
    """
    from scipy import stats

    time = np.asarray(time, float)
    event = np.asarray(event, int)
    labels, g = np.unique(np.asarray(group), return_inverse=True)
    k = len(labels)
    if k < 2:
        raise ValueError("the log-rank test needs at least two groups")
    rt = risk_table(time, event)
    times_index = np.searchsorted(rt.time, time)
    # at risk and deaths per (time, group)
    n_tg = np.zeros((len(rt.time), k))
    d_tg = np.zeros((len(rt.time), k))
    np.add.at(d_tg, (times_index, g), event)
    np.add.at(n_tg, (times_index, g), 1.0)
    n_tg = n_tg[::-1].cumsum(axis=0)[::-1]  # still at risk just before each time
    n_t, d_t = rt.at_risk, rt.events
    expected = (n_tg * (d_t / n_t)[:, None]).sum(axis=0)
    observed = d_tg.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        tie = np.where(n_t > 1, (n_t - d_t) / (n_t - 1), 1.0)
    w = tie * d_t / n_t**2  # V_jl = sum_t w_t (n_t n_tj δ_jl - n_tj n_tl)
    cov = -(n_tg * w[:, None]).T @ n_tg
    cov[np.diag_indices(k)] += (w * n_t) @ n_tg
    z = (observed - expected)[:-1]
    stat = float(z @ np.linalg.pinv(cov[:-1, :-1]) @ z)
    return LogRank(stat, k - 1, float(stats.chi2.sf(stat, k - 1)), tuple(labels.tolist()),
                   observed, expected)
