"""Kaplan–Meier estimate and log-rank test of one dataset (right-censored, ties allowed).

Both work on the table of distinct observed times: at each time, the number at risk just before
it, the deaths and the censorings. Ties between deaths are grouped at one time; a censoring at the
same time as a death counts as at risk for that death (the usual convention, as in R's
``survival`` and lifelines).

Confidence bands, quantiles and S(t) at chosen times follow R's ``survival`` (``survfit``,
``quantile.survfit``, ``summary.survfit``): the band is pointwise, from the Greenwood standard
error of the cumulative hazard, on the ``"log"`` scale by default (R's ``conf.type = "log"``) or
on the ``"log-log"`` scale. The median is the one R prints (``print.survfit``): the first time
the curve drops to or below 0.5, except that where it sits exactly at 0.5 (within ``sqrt(eps)``)
on a flat step it is the midpoint of the step's start and the next death time; its confidence
interval is the same rule applied to the band: from the time the band's lower limit reaches 0.5
to the time its upper limit does (``nan``, "not reached", if it never does). Other quantiles
follow ``quantile.survfit``, which differs from the printed median in one case only: a flat step
at exactly ``1 - p`` that lasts to the last observed time (a censoring) gives the midpoint of the
step's start and that last time, where ``print.survfit`` gives the step's start.
``tests/reference/survival_cases.R`` computes the pinned reference values with R.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

#: R's ``survfit`` default scale of the pointwise confidence band; the other is ``"log-log"``
CONF_TYPE = "log"
CONF_TYPES = ("log", "log-log")
_TOL = float(np.sqrt(np.finfo(float).eps))  # R's quantile.survfit tolerance


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

    def band(self, prob: float = 0.95, conf_type: str = CONF_TYPE) -> tuple[np.ndarray, ...]:
        """Pointwise ``(lower, upper)`` confidence limits of ``S`` at ``time`` (as R's
        ``survfit(conf.type=conf_type, conf.int=prob)``): ``"log"`` is
        ``S exp(±z se)`` with the upper limit capped at 1, ``"log-log"`` is
        ``S^exp(±z se / log S)``, ``se`` the Greenwood standard error of the cumulative hazard.
        Where ``S = 1`` (before the first death) both limits are 1; where ``S = 0`` they are
        ``nan``."""
        if conf_type not in CONF_TYPES:
            raise ValueError(f"conf_type must be one of {CONF_TYPES}")
        z = NormalDist().inv_cdf(1 - (1 - prob) / 2)
        s = self.survival
        with np.errstate(divide="ignore", invalid="ignore"):
            se = np.sqrt(self.variance) / s
            if conf_type == "log":
                lower, upper = s * np.exp(-z * se), np.minimum(s * np.exp(z * se), 1.0)
            else:
                shift = z * se / np.log(s)
                lower = np.exp(-np.exp(np.log(-np.log(s)) - shift))
                upper = np.exp(-np.exp(np.log(-np.log(s)) + shift))
        top, gone = s >= 1.0, s <= 0.0
        return (np.where(top, 1.0, np.where(gone, np.nan, lower)),
                np.where(top, 1.0, np.where(gone, np.nan, upper)))

    def quantile(self, p: float = 0.5, prob: float = 0.95,
                 conf_type: str = CONF_TYPE) -> tuple[float, float, float]:
        """The time by which a fraction ``p`` has died, with its confidence interval:
        ``(estimate, lower, upper)``, ``nan`` where not reached (R's ``quantile.survfit``)."""
        x = np.concatenate([[0.0], self.time])
        lower, upper = self.band(prob, conf_type)
        return tuple(_findq(x, np.concatenate([[0.0], 1.0 - curve]), p)
                     for curve in (self.survival, lower, upper))

    def median(self, prob: float = 0.95, conf_type: str = CONF_TYPE) -> tuple[float, ...]:
        """The median survival time with its confidence interval, ``(estimate, lower, upper)``,
        as R's ``print.survfit`` reports them (``nan`` where not reached)."""
        lower, upper = self.band(prob, conf_type)
        return tuple(_median(self.time, curve) for curve in (self.survival, lower, upper))

    def at_times(self, times, prob: float = 0.95,
                 conf_type: str = CONF_TYPE) -> dict[str, np.ndarray]:
        """``S(t)`` with its confidence limits and the number at risk at each of ``times`` (R's
        ``summary(fit, times=)``); ``nan`` after the last observed time, where R reports none."""
        t = np.asarray(times, float)
        i = np.searchsorted(self.time, t, side="right") - 1
        lower, upper = self.band(prob, conf_type)
        beyond = t > self.time[-1]
        def cut(a):
            return np.where(beyond, np.nan, a[i])
        return {"time": t, "survival": cut(self.survival), "lower": cut(lower),
                "upper": cut(upper), "at_risk": self.number_at_risk(t)}

    def number_at_risk(self, t) -> np.ndarray:
        """Patients still at risk at each time in ``t`` (observed time ``>= t``)."""
        left = np.concatenate([[0.0], np.cumsum(self.events + self.censored)])
        i = np.searchsorted(self.time, np.asarray(t, float), side="left")
        return self.at_risk[0] - left[i]


def _median(x: np.ndarray, y: np.ndarray) -> float:
    """R ``survival``'s printed median of a step curve ``y`` at times ``x`` (``survmean``)."""
    keep = ~np.isnan(y) & (y < 0.5 + _TOL)
    if not keep.any():
        return float("nan")
    x, y = x[keep], y[keep]
    lower = np.flatnonzero(y < y[0])
    if abs(y[0] - 0.5) < _TOL and lower.size:
        return (float(x[0]) + float(x[lower[0]])) / 2
    return float(x[0])


def _findq(x: np.ndarray, y: np.ndarray, p: float) -> float:
    """R ``survival``'s quantile of a step curve: ``y`` = 1 - S at times ``x`` (``nan`` where
    undefined). The first time ``y >= p``; on a flat step at ``y == p`` (within the tolerance) the
    midpoint of that step's start and the next jump (or the last time)."""
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return float("nan")
    xmax = float(x[-1])
    # R's duplicated(): keep the first of equal values; the curve never decreases and its
    # undefined (nan) limits form one tail, so equal values are neighbours
    keep = np.ones(len(y), bool)
    keep[1:] = ~((y[1:] == y[:-1]) | (np.isnan(y[1:]) & np.isnan(y[:-1])))
    x, y = x[keep], y[keep]

    def first(shift: float) -> int | None:
        ok = np.flatnonzero(~np.isnan(y))
        v = y[ok] + shift
        if p < v[0] or p > v[-1]:
            return None
        return int(ok[np.searchsorted(v, p, side="left")])

    i1, i2 = first(_TOL), first(-_TOL)
    if i1 is None:
        return float("nan")
    if not np.isnan(y[-1]) and abs(p - y[-1]) < _TOL:
        return (float(x[i1]) + xmax) / 2
    return float("nan") if i2 is None else (float(x[i1]) + float(x[i2])) / 2



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
