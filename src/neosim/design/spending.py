"""Group-sequential boundaries: spending functions and the root-finding that turns them into
z-scale critical values and futility bounds (numpy and SciPy; loaded lazily by
:mod:`neosim.design.sequential`, which owns the plan and the result).

Definitions follow rpact 3.3.4 (``getDesignGroupSequential``):

* alpha spending (cumulative, at information rate ``t``; ``a`` = alpha):
  ``obf`` (asOF) ``2 * sided * (1 - Phi(z_{1 - a / (2 sided)} / sqrt(t)))``; ``pocock`` (asP)
  ``a * log(1 + (e - 1) t)``; ``kd`` (asKD) ``a * t ** gamma``; ``hsd`` (asHSD)
  ``a * (1 - exp(-gamma t)) / (1 - exp(-gamma))`` (``a * t`` at gamma 0). Beta spending
  (rpact's bsOF, bsP, bsKD, bsHSD) is the same with ``beta`` and one side.
* the critical value at look k makes the probability under H0 of crossing it first at look k
  (two-sided: crossing +-c) equal the spending increment, futility bounds counted only when
  binding;
* classical boundaries ``c_k = C * t_k ** (delta - 1/2)`` (``OF``: delta 0; ``P``: delta 1/2;
  ``WT``: delta given) with ``C`` solving the overall level;
* beta-spending futility bound at look k: the probability under H1 of first falling below it at
  look k equals the beta-spending increment; the drift of H1 is the one at which the last
  futility bound meets the last critical value (with binding futility the critical values are
  solved again for every drift).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri

from neosim.design.recursion import Walker

#: rpact's range of z-scale bounds searched (critical values above it are "no stop")
Z_MAX = 8.0
#: tolerance of every root
XTOL = 1e-13
#: the spending families of :func:`spending_value`; the classical boundaries' deltas
SPENDING = ("obf", "pocock", "kd", "hsd")
CLASSICAL_DELTA = {"OF": 0.0, "P": 0.5}


def spending_value(family: str, total: float, t: float, gamma: float | None, sided: int = 1
                   ) -> float:
    """Cumulative error spent at information rate ``t`` (``total`` at ``t = 1``)."""
    if family == "obf":
        return 2.0 * sided * float(ndtr(ndtri(total / (2.0 * sided)) / math.sqrt(t)))
    if family == "pocock":
        return total * math.log(1.0 + (math.e - 1.0) * t)
    if family == "kd":
        return total * t ** gamma
    if family == "hsd":
        if gamma == 0:
            return total * t
        return total * (1.0 - math.exp(-gamma * t)) / (1.0 - math.exp(-gamma))
    raise ValueError(f"unknown spending family {family!r}")


def _root(fn: Callable[[float], float], lo: float, hi: float) -> float:
    """Root of a monotone ``fn`` in ``[lo, hi]``; the nearer end where it has none inside."""
    flo, fhi = fn(lo), fn(hi)
    if flo == 0.0 or fhi == 0.0 or (flo > 0) == (fhi > 0):
        return lo if abs(flo) < abs(fhi) else hi
    return float(brentq(fn, lo, hi, xtol=XTOL, rtol=4 * np.finfo(float).eps, maxiter=200))


def _efficacy_value(walker: Walker, target: float, sided: int) -> float:
    """Critical value whose first-crossing probability at the walker's next look is ``target``."""
    def excess(c: float) -> float:
        up, low = walker.cross(c, -c if sided == 2 else -math.inf)
        return up + low - target

    return _root(excess, 0.0 if sided == 2 else -Z_MAX, Z_MAX)


def spending_bounds(t: np.ndarray, spent_by: np.ndarray, sided: int,
                    futility: np.ndarray | None = None) -> np.ndarray:
    """Critical values spending ``spent_by`` (cumulative alpha, one per look); ``futility``
    (length K) binding if given."""
    walker = Walker(t, 0.0)
    crit = np.zeros(len(t))
    spent = 0.0
    for k in range(len(t)):
        target = spent_by[k]
        if k == 0:
            crit[k] = min(Z_MAX, -ndtri(target / sided))
        else:
            crit[k] = _efficacy_value(walker, target - spent, sided)
        lower = -crit[k] if sided == 2 else (futility[k] if futility is not None else -math.inf)
        up, low = walker.cross(crit[k], -crit[k] if sided == 2 else -math.inf)
        spent += up + low
        if k + 1 < len(t):
            walker.advance(crit[k], lower)
    return crit


def classical_bounds(t: np.ndarray, alpha: float, sided: int, delta: float,
                     futility: np.ndarray | None = None) -> np.ndarray:
    """Wang-Tsiatis boundaries ``C * t ** (delta - 1/2)`` at overall level ``alpha``."""
    shape = t ** (delta - 0.5)

    def excess(scale: float) -> float:
        crit = scale * shape
        lower = -crit if sided == 2 else (futility if futility is not None
                                          else np.full(len(t), -math.inf))
        walker = Walker(t, 0.0)
        total = 0.0
        for k in range(len(t)):
            up, low = walker.cross(crit[k], -crit[k] if sided == 2 else -math.inf)
            total += up + low
            if k + 1 < len(t):
                walker.advance(crit[k], lower[k])
        return total - alpha

    return _root(excess, 0.0, Z_MAX) * shape


def _futility_value(walker: Walker, crit: float, target: float, clip: bool) -> float:
    """Futility bound whose first-crossing-below probability at the next look is ``target``
    (at most ``crit`` where ``clip``: an interim futility bound above the critical value)."""
    def excess(a: float) -> float:
        return walker.cross(math.inf, a)[1] - target

    value = _root(excess, -Z_MAX, Z_MAX)
    return min(crit, value) if clip else value


def _drift_bracket(alpha: float, beta: float, sided: int) -> float:
    """Largest drift searched: twice the fixed design's (an inflation factor of 4)."""
    return 2.0 * (-ndtri(alpha / sided) - ndtri(beta)) + 0.5


def beta_spending(t: np.ndarray, spent_by: np.ndarray, beta: float, beta_family: str,
                  beta_gamma: float | None, binding: bool
                  ) -> tuple[np.ndarray, np.ndarray, float]:
    """One-sided critical values, futility bounds (length K, the last = the last critical
    value) and the drift under H1 of a design with beta-spending futility."""
    kmax = len(t)
    beta_targets = [spending_value(beta_family, beta, x, beta_gamma, 1) for x in t]
    alpha = float(spent_by[-1])
    fixed_crit = None if binding else spending_bounds(t, spent_by, 1)
    state: dict[str, np.ndarray] = {}

    def gap(drift: float) -> float:
        crit = np.zeros(kmax) if binding else fixed_crit.copy()
        fut = np.zeros(kmax)
        h1 = Walker(t, drift)
        h0 = Walker(t, 0.0) if binding else None
        alpha_spent = h1_spent = 0.0
        for k in range(kmax):
            if binding:
                target = spent_by[k]
                crit[k] = (min(Z_MAX, -ndtri(target)) if k == 0
                           else _efficacy_value(h0, target - alpha_spent, 1))
            fut[k] = _futility_value(h1, crit[k], beta_targets[k] - h1_spent, clip=False)
            if k + 1 < kmax and fut[k] >= crit[k]:  # drift so large that H1 fails at look k
                return -(1.0 + kmax - k + fut[k] - crit[k])
            h1_spent += h1.cross(crit[k], fut[k])[1]
            if k + 1 < kmax:
                if binding:
                    alpha_spent += h0.cross(crit[k])[0]
                    h0.advance(crit[k], fut[k])
                h1.advance(crit[k], fut[k])
        state["crit"], state["fut"] = crit, fut
        return crit[-1] - fut[-1]

    drift = _root(gap, 0.0, _drift_bracket(alpha, beta, 1))
    gap(drift)
    return state["crit"], state["fut"], drift


def conditional_power_futility(t: np.ndarray, alpha: float, beta: float, threshold: float,
                               bounds: Callable[[np.ndarray | None], np.ndarray], binding: bool
                               ) -> tuple[np.ndarray, np.ndarray, float]:
    """One-sided critical values, futility bounds (length K - 1) and drift under H1 of a design
    that stops for futility when the conditional power falls below ``threshold``.

    Conditional power at look k is ``P(Z_K >= c_K | Z_k = z)`` under the design's own drift
    ``theta`` (B-value ``B(t) = Z(t) sqrt(t)`` with independent increments
    ``N(theta dt, dt)``), so the bound is ``(c_K - theta (1 - t_k) - sqrt(1 - t_k)
    z_{1-threshold}) / sqrt(t_k)``; ``theta`` is the drift at which the design, stopping at
    these bounds, has power ``1 - beta`` (found by root search, the bounds moving with it).
    ``bounds(futility)`` returns the critical values (binding futility passed in)."""
    rest = 1.0 - t[:-1]
    quantile = -ndtri(threshold)
    state: dict[str, np.ndarray] = {}

    def design(drift: float) -> tuple[np.ndarray, np.ndarray]:
        crit = bounds(None)
        for _ in range(100):
            fut = (crit[-1] - drift * rest - np.sqrt(rest) * quantile) / np.sqrt(t[:-1])
            fut = np.minimum(fut, crit[:-1])
            if not binding:
                break
            new = bounds(np.append(fut, -math.inf))
            if np.max(np.abs(new - crit)) < 1e-12:
                crit = new
                break
            crit = new
        return crit, fut

    def shortfall(drift: float) -> float:
        crit, fut = design(drift)
        state["crit"], state["fut"] = crit, fut
        lower = np.append(fut, -math.inf)
        return float(np.sum(_crossings(crit, lower, t, drift)[0])) - (1.0 - beta)

    drift = _root(shortfall, 0.0, _drift_bracket(alpha, beta, 1))
    shortfall(drift)
    return state["crit"], state["fut"], drift


def _crossings(upper, lower, t, drift):
    from neosim.design.recursion import crossing_probabilities

    return crossing_probabilities(upper, lower, t, drift)


def characteristics(crit: np.ndarray, fut: np.ndarray | None, t: np.ndarray, alpha: float,
                    beta: float, sided: int) -> dict:
    """rpact's getDesignCharacteristics of given bounds (``fut``: K - 1 values or None)."""
    kmax = len(t)
    n_fixed = (-ndtri(alpha / sided) - ndtri(beta)) ** 2
    crit = np.minimum(crit, 7.5)
    if sided == 2:
        lower = -crit
    elif fut is None:
        lower = np.full(kmax, -math.inf)
    else:
        lower = np.append(fut, -math.inf)

    def power(drift: float) -> float:
        return float(np.sum(_crossings(crit, lower, t, drift)[0]))

    drift = _root(lambda d: power(d) - (1.0 - beta), 0.0, _drift_bracket(alpha, beta, sided))
    shift = drift * drift
    out = {"n_fixed": n_fixed, "shift": shift, "drift": drift, "inflation_factor": shift / n_fixed}
    for name, theta in (("h1", drift), ("h01", drift / 2), ("h0", 0.0)):
        up, low = _crossings(crit, lower, t, theta)
        stop = (up + low)[:-1]
        out[f"rejection_probabilities_{name}"] = up
        out[f"futility_probabilities_{name}"] = (np.zeros(kmax - 1) if sided == 2 or fut is None
                                                 else low[:-1])
        out[f"stopping_probabilities_{name}"] = stop
        out[f"average_sample_number_{name}"] = (
            shift * (1.0 - float(np.sum(stop * (1.0 - t[:-1])))) / n_fixed)
    out["power"] = np.cumsum(out["rejection_probabilities_h1"])
    return out


def compute_design(plan, alpha: float, beta: float, sided: int) -> dict:
    """The fields of a :class:`~neosim.design.sequential.GroupSequentialDesign` of ``plan``."""
    from neosim.errors import InputError

    t = np.asarray(plan.information_rates, dtype=float)
    binding = plan.binding_futility
    if plan.spending == "user":
        spent_by = np.asarray(plan.user_alpha_spending, dtype=float)
        if abs(spent_by[-1] - alpha) > alpha * 1e-9:  # rpact asUser: the last equals alpha
            where = "above" if spent_by[-1] > alpha else "below"
            raise InputError(f"alpha spent {spent_by[-1]:g} by the last look is {where} alpha "
                             f"{alpha:g}; the last value must equal it",
                             field="user_alpha_spending")
    elif plan.spending in SPENDING:
        spent_by = np.array([spending_value(plan.spending, alpha, x, plan.gamma, sided)
                             for x in t])

    def bounds(futility: np.ndarray | None) -> np.ndarray:
        if plan.spending in ("OF", "P", "WT"):
            delta = plan.delta if plan.spending == "WT" else CLASSICAL_DELTA[plan.spending]
            return classical_bounds(t, alpha, sided, delta, futility)
        return spending_bounds(t, spent_by, sided, futility)

    fut: np.ndarray | None = None
    if plan.futility is not None:
        crit, fut_all, _ = beta_spending(t, spent_by, beta, plan.futility, plan.futility_gamma,
                                         binding)
        fut = fut_all[:-1]
    elif plan.futility_cp is not None:
        crit, fut, _ = conditional_power_futility(t, alpha, beta, plan.futility_cp, bounds,
                                                  binding)
    elif plan.futility_bounds is not None:
        fut = np.asarray(plan.futility_bounds, dtype=float)
        crit = bounds(np.append(fut, -math.inf) if binding else None)
    else:
        crit = bounds(None)
    if fut is not None:
        above = np.nonzero(fut > crit[:-1])[0]
        if len(above):
            k = int(above[0])
            raise InputError(f"futility bound {fut[k]:.4g} at look {k + 1} is above the "
                             f"critical value {crit[k]:.4g}", field="futility_bounds")
    lower = -crit if sided == 2 else (np.append(fut, -math.inf) if binding and fut is not None
                                      else np.full(len(t), -math.inf))
    up, low = _crossings(crit, lower, t, 0.0)
    spent = np.cumsum(up + low) if sided == 2 else np.cumsum(up)
    out = characteristics(crit, fut, t, alpha, beta, sided)
    if abs(out["power"][-1] - (1.0 - beta)) > 1e-7:  # no drift in the searched range
        raise InputError(f"no drift up to {_drift_bracket(alpha, beta, sided):.3g} (about 4 "
                         f"times the fixed design's information) gives power {1 - beta:g}: the "
                         "futility rule stops too often", field="beta")

    def tup(x) -> tuple[float, ...]:
        return tuple(float(v) for v in x)

    return {
        "information_rates": tup(t), "alpha": float(alpha), "beta": float(beta),
        "sided": int(sided), "spending": plan.spending, "critical_values": tup(crit),
        "futility_bounds": None if fut is None else tup(fut), "binding_futility": binding,
        "alpha_spent": tup(spent), "stage_levels": tup(ndtr(-crit)),
        "n_fixed": float(out["n_fixed"]), "shift": float(out["shift"]),
        "drift": float(out["drift"]), "inflation_factor": float(out["inflation_factor"]),
        "power": tup(out["power"]),
        "rejection_probabilities_h1": tup(out["rejection_probabilities_h1"]),
        "futility_probabilities_h1": tup(out["futility_probabilities_h1"]),
        "stopping_probabilities_h0": tup(out["stopping_probabilities_h0"]),
        "stopping_probabilities_h1": tup(out["stopping_probabilities_h1"]),
        "average_sample_number_h0": float(out["average_sample_number_h0"]),
        "average_sample_number_h01": float(out["average_sample_number_h01"]),
        "average_sample_number_h1": float(out["average_sample_number_h1"]),
    }
