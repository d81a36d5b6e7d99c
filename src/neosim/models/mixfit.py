"""Mixtures of conjugate densities fitted to draws (EM), checked, and robustified.

The MAP prior is known only through draws; for trial design it is replaced by a mixture of
conjugate densities (beta for proportions, gamma for hazards, normal for logits or log hazard
ratios), as RBesT's ``automixfit`` does:

* :func:`fit_em` fits a ``K``-component mixture by expectation-maximisation. The E step computes
  responsibilities; the M step is the exact weighted maximum-likelihood update of each component
  (beta: Newton on ``ψ(a) - ψ(a+b) = mean log x``, ``ψ(b) - ψ(a+b) = mean log(1-x)``; gamma: Newton
  on ``log a - ψ(a) = log mean x - mean log x``, ``b = a / mean x``; normal: weighted moments).
  Starts are deterministic (components moment-matched to ``K`` equal-count slices of the sorted
  draws), so the fit is a function of the draws alone.
* :func:`auto_fit` fits ``K = 1..k_max`` and keeps the ``K`` with the smallest AIC or BIC.
* :func:`quantile_check` compares the mixture's quantiles with the draws' empirical quantiles,
  in units of the draws' SD.
* :func:`robustify` adds a vague component of weight ``w``: ``(1 - w) * mixture + w * vague``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neosim.priors import Mixture

DEFAULT_PROBS = (0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975)


@dataclass(frozen=True)
class MixtureFit:
    """One EM fit: the mixture, its log-likelihood, AIC, BIC and EM iterations used."""

    mixture: Mixture
    log_lik: float
    aic: float
    bic: float
    iterations: int
    converged: bool


def _stats(family: str, x: np.ndarray) -> np.ndarray:
    """The sufficient statistics of each draw, shape (2, len(x))."""
    if family == "beta":
        return np.stack([np.log(x), np.log1p(-x)])
    if family == "gamma":
        return np.stack([np.log(x), x])
    return np.stack([x, x * x])


def _logpdf(family: str, t: np.ndarray, p1: np.ndarray, p2: np.ndarray) -> np.ndarray:
    """Component log densities from the statistics ``t`` of :func:`_stats`, shape (K, n)."""
    from scipy.special import gammaln

    if family == "beta":
        coef = np.column_stack([p1 - 1, p2 - 1])
        const = gammaln(p1 + p2) - gammaln(p1) - gammaln(p2)
    elif family == "gamma":
        coef, const = np.column_stack([p1 - 1, -p2]), p1 * np.log(p2) - gammaln(p1)
    else:
        coef = np.column_stack([p1 / p2**2, -0.5 / p2**2])
        const = -0.5 * p1**2 / p2**2 - np.log(p2) - 0.5 * np.log(2 * np.pi)
    return coef @ t + const[:, None]


def _moment_match(family: str, x: np.ndarray, r: np.ndarray) -> tuple[float, float]:
    w = r / r.sum()
    m = float(np.sum(w * x))
    v = float(np.sum(w * (x - m) ** 2))
    v = max(v, 1e-12 * max(m * m, 1e-12))
    if family == "beta":
        c = max(m * (1 - m) / v - 1.0, 1e-3)
        return m * c, (1 - m) * c
    if family == "gamma":
        return m * m / v, m / v
    return m, np.sqrt(v)


def _m_step(family: str, s: np.ndarray, start: tuple[float, float]) -> tuple[float, float]:
    """Weighted maximum-likelihood parameters of one component (Newton from ``start``) from the
    responsibility-weighted means ``s`` of the statistics of :func:`_stats`."""
    from scipy.special import digamma, polygamma

    if family == "normal":
        return float(s[0]), float(np.sqrt(max(s[1] - s[0] ** 2, 1e-300)))
    if family == "gamma":
        mx = float(s[1])
        c = np.log(mx) - float(s[0])  # > 0 by Jensen
        a = start[0]
        for _ in range(100):
            g = np.log(a) - digamma(a) - c
            step = g / (1.0 / a - polygamma(1, a))
            a_new = a - step
            a = a_new if a_new > 0 else a / 2.0
            if abs(step) < 1e-12 * a:
                break
        return float(a), float(a / mx)
    s1, s2 = float(s[0]), float(s[1])
    a, b = start
    for _ in range(100):
        t = digamma(a + b)
        g = np.array([digamma(a) - t - s1, digamma(b) - t - s2])
        t1 = polygamma(1, a + b)
        jac = np.array([[polygamma(1, a) - t1, -t1], [-t1, polygamma(1, b) - t1]])
        step = np.linalg.solve(jac, g)
        lam = 1.0
        while a - lam * step[0] <= 0 or b - lam * step[1] <= 0:
            lam /= 2.0
        a, b = a - lam * step[0], b - lam * step[1]
        if np.max(np.abs(lam * step) / np.array([a, b])) < 1e-12:
            break
    return float(a), float(b)


def _prepare(family: str, draws) -> np.ndarray:
    x = np.asarray(draws, dtype=float).ravel()
    if x.size < 10 or not np.all(np.isfinite(x)):
        raise ValueError("need at least 10 finite draws")
    if family == "beta":
        if np.any((x <= 0) | (x >= 1)):
            raise ValueError("beta mixtures need draws strictly inside (0, 1)")
    elif family == "gamma":
        if np.any(x <= 0):
            raise ValueError("gamma mixtures need positive draws")
    elif family != "normal":
        raise ValueError(f"unknown family {family!r}")
    return x


def fit_em(family: str, draws, k: int, *, tol: float = 1e-8, max_iter: int = 1000
           ) -> MixtureFit:
    """Fit a ``k``-component mixture of ``family`` to ``draws`` by EM (see module docstring).

    EM stops when the mean log-likelihood per draw changes by less than ``tol``.
    """
    x = _prepare(family, draws)
    n = x.size
    t = _stats(family, x)
    order = np.argsort(x)
    p1, p2 = np.empty(k), np.empty(k)
    for j, idx in enumerate(np.array_split(order, k)):
        p1[j], p2[j] = _moment_match(family, x[idx], np.ones(idx.size))
    weights = np.full(k, 1.0 / k)
    old = -np.inf
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        lp = np.log(weights)[:, None] + _logpdf(family, t, p1, p2)
        top = np.max(lp, axis=0)
        ll_i = top + np.log(np.sum(np.exp(lp - top), axis=0))
        ll = float(ll_i.sum())
        resp = np.exp(lp - ll_i)
        if abs(ll - old) <= tol * n:
            converged = True
            break
        old = ll
        mass = resp.sum(axis=1)
        keep = mass > 1e-8 * n
        mass, p1, p2, resp = mass[keep], p1[keep], p2[keep], resp[keep]
        weights = mass / mass.sum()
        means = (resp @ t.T) / mass[:, None]
        for j in range(weights.size):
            p1[j], p2[j] = _m_step(family, means[j], (p1[j], p2[j]))
    n_par = 3 * weights.size - 1
    mix = Mixture(family, weights, p1, p2)
    return MixtureFit(mix, ll, -2 * ll + 2 * n_par, -2 * ll + n_par * np.log(n), it, converged)


def auto_fit(family: str, draws, *, k_max: int = 4, criterion: str = "bic"
             ) -> tuple[MixtureFit, list[MixtureFit]]:
    """Fit 1..``k_max`` components and return the best by ``criterion`` and all fits.

    A fit whose components collapsed to fewer than its ``K`` is kept under its effective size;
    ties (equal criterion) go to the smaller mixture.
    """
    if criterion not in ("aic", "bic"):
        raise ValueError(f"unknown criterion {criterion!r}")
    fits = [fit_em(family, draws, k) for k in range(1, k_max + 1)]
    best = min(fits, key=lambda f: (getattr(f, criterion), f.mixture.weights.size))
    return best, fits


def mixture_quantiles(mix: Mixture, probs, *, tol: float = 1e-12) -> np.ndarray:
    """Quantiles of a mixture by bisection on its CDF (:meth:`Mixture.quantile`)."""
    return mix.quantile(probs, tol=tol)


def mixture_variance(mix: Mixture) -> float:
    """Variance of a mixture (:meth:`Mixture.variance`)."""
    return mix.variance()


def quantile_check(mix: Mixture, draws, *, probs=DEFAULT_PROBS, tolerance_sd: float = 0.05
                   ) -> dict:
    """Compare mixture and empirical quantiles; pass when every difference is within
    ``tolerance_sd`` standard deviations of the draws."""
    x = np.asarray(draws, dtype=float).ravel()
    emp = np.quantile(x, probs)
    fit = mixture_quantiles(mix, probs)
    sd = float(np.std(x))
    diff = fit - emp
    worst = float(np.max(np.abs(diff)) / sd)
    return {
        "probs": list(map(float, probs)), "draws": emp.tolist(), "mixture": fit.tolist(),
        "max_abs_difference_in_sd": worst, "tolerance_in_sd": tolerance_sd,
        "draws_sd": sd, "passed": worst <= tolerance_sd,
    }


def robustify(mix: Mixture, weight: float, vague: tuple[float, float]) -> Mixture:
    """``(1 - weight) * mix + weight * vague`` with ``vague`` the parameters of one component
    of the same family (beta ``(a, b)``, gamma ``(shape, rate)``, normal ``(mean, sd)``)."""
    if not 0.0 <= weight < 1.0:
        raise ValueError("robust weight must be in [0, 1)")
    if weight == 0.0:
        return mix
    return Mixture(mix.family, np.append((1 - weight) * mix.weights, weight),
                   np.append(mix.p1, vague[0]), np.append(mix.p2, vague[1]))
