"""Effective sample size (ESS) of conjugate mixture priors.

Units: for beta priors of a proportion, binomial observations (patients); for gamma priors of a
hazard, units of exposure (person-time) of a Poisson/exponential likelihood; for normal priors,
observations of a unit with standard deviation ``sigma``.

``moment``
    match the mixture's mean ``m`` and variance ``v`` to one conjugate density and report its
    sample size: ``m(1 - m)/v - 1`` (beta, so ``Beta(a, b)`` gives ``a + b``), ``m/v`` (gamma,
    so ``Gamma(a, b)`` gives ``b``), ``sigma^2 / v`` (normal).
``elir``
    expected local-information ratio (Neuenschwander, Weber, Schmidli, O'Hagan, *Biometrics*
    2020): ``E_prior[i_prior(φ) / i_F(φ)]`` with ``i_prior = -d² log p(φ)/dφ²`` and ``i_F`` the
    Fisher information of one observation. It is computed on the logit scale for beta (where
    ``i_F = θ(1 - θ)``; this is finite for every beta mixture, the issue RBesT met on the
    probability scale) and on the log scale for gamma (``i_F = λ``). A single ``Beta(a, b)``
    gives ``a + b`` and a single ``Gamma(a, b)`` gives ``b`` exactly, as the moment method does;
    for a normal mixture ``i_F = 1/sigma^2``.
"""

from __future__ import annotations

import warnings

import numpy as np

from neosim.models.mixfit import mixture_variance
from neosim.priors import Mixture


def ess_moment(mix: Mixture, *, sigma: float | None = None) -> float:
    """Moment-matching ESS (see module docstring)."""
    m, v = mix.mean(), mixture_variance(mix)
    if mix.family == "beta":
        return m * (1 - m) / v - 1.0
    if mix.family == "gamma":
        return m / v
    if sigma is None:
        raise ValueError("a normal mixture needs the unit standard deviation sigma")
    return sigma**2 / v


def _phi_terms(mix: Mixture, phi: np.ndarray):
    """Per-component log density of φ, its first and second derivatives; shape (len(φ), K)."""
    from scipy.special import gammaln

    a, b = mix.p1[None, :], mix.p2[None, :]
    phi = phi[:, None]
    if mix.family == "beta":
        # θ = expit(φ): log p(φ) = a log θ + b log(1 - θ) - log B(a, b)
        log_t = -np.logaddexp(0.0, -phi)
        log_1mt = -np.logaddexp(0.0, phi)
        t = np.exp(log_t)
        lp = a * log_t + b * log_1mt - (gammaln(a) + gammaln(b) - gammaln(a + b))
        d1 = a * (1 - t) - b * t
        d2 = -(a + b) * t * (1 - t)
        log_info_f = log_t + log_1mt
    elif mix.family == "gamma":
        # λ = exp(φ): log p(φ) = a φ - b λ + a log b - log Γ(a)
        lam = np.exp(phi)
        lp = a * phi - b * lam + a * np.log(b) - gammaln(a)
        d1 = a - b * lam
        d2 = -b * lam
        log_info_f = phi
    else:
        raise ValueError("use ess_elir_normal for normal mixtures")
    return lp, d1, d2, log_info_f[:, 0]


def ess_elir(mix: Mixture, *, sigma: float | None = None) -> float:
    """Expected local-information-ratio ESS (see module docstring)."""
    from scipy import integrate

    if mix.family == "normal":
        if sigma is None:
            raise ValueError("a normal mixture needs the unit standard deviation sigma")
        return _elir_normal(mix, sigma)
    logw = np.log(mix.weights)[None, :]

    def integrand(phi: float) -> float:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            lp, d1, d2, log_info_f = _phi_terms(mix, np.array([phi]))
        lw = logw + lp
        top = lw.max()
        if not top > -700.0:  # density underflows (or is -inf/nan far in a tail)
            return 0.0
        p_k = np.exp(lw - top)               # scaled component densities
        p = p_k.sum()
        if p == 0.0:
            return 0.0
        s1 = float((p_k * d1).sum()) / p    # (log p)'
        s2 = float((p_k * (d2 + d1**2)).sum()) / p   # p'' / p
        info_prior = s1**2 - s2              # -(log p)''
        return float(np.exp(top + np.log(p) - log_info_f[0]) * info_prior)

    centre = _log_scale_centre(mix)
    total = 0.0
    with warnings.catch_warnings():
        # quad flags round-off near 1e-10 relative accuracy for components with a or b < 1;
        # the result is still accurate to about 1e-8 (tested against a + b)
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        for lo, hi in ((-np.inf, centre), (centre, np.inf)):
            val, _ = integrate.quad(integrand, lo, hi, limit=400, epsabs=1e-11, epsrel=1e-10)
            total += val
    return float(total)


def _log_scale_centre(mix: Mixture) -> float:
    m = mix.mean()
    if mix.family == "beta":
        return float(np.log(m / (1 - m)))
    return float(np.log(m))


def _elir_normal(mix: Mixture, sigma: float) -> float:
    from scipy import integrate

    def integrand(x: float) -> float:
        z = (x - mix.p1) / mix.p2
        pk = mix.weights * np.exp(-0.5 * z**2) / (mix.p2 * np.sqrt(2 * np.pi))
        p = pk.sum()
        if p == 0.0:
            return 0.0
        d1 = -z / mix.p2
        d2 = -1.0 / mix.p2**2
        s1 = (pk * d1).sum() / p
        s2 = (pk * (d2 + d1**2)).sum() / p
        return float(p * (s1**2 - s2) * sigma**2)

    val, _ = integrate.quad(integrand, -np.inf, np.inf, limit=400, epsabs=1e-11)
    return float(val)
