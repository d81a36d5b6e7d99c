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
    Fisher information of one observation, on a stated ``scale``: ``"natural"`` (the probability
    θ with ``i_F = 1/(θ(1 - θ))``, or the hazard λ with ``i_F = 1/λ``; RBesT's ``ess(method =
    "elir")``), or ``"logit"``/``"log"`` (φ = logit θ with ``i_F = θ(1 - θ)``, φ = log λ with
    ``i_F = λ``; finite for every mixture, where the natural scale can be infinite for
    components with ``a < 1`` or ``b < 1``). The ELIR is not invariant to the scale for a
    mixture (the committed MAP prior: 8.54 natural, 8.94 logit). A single ``Beta(a, b)`` gives
    ``a + b`` and a single ``Gamma(a, b)`` gives ``b`` exactly on either scale, as the moment
    method does; for a normal mixture ``i_F = 1/sigma^2``.
``morita``
    Morita, Thall and Müller (*Biometrics* 2008): the number of observations ``m`` whose
    posterior from an ε-information prior has, on average over the prior predictive, the
    prior's curvature ``-d² log p/dθ²`` at the prior mean θ̄ (the curvature is linear in ``m``,
    so ``m`` is solved exactly, not searched on integers). A single conjugate component gives
    ``a + b`` (beta) or ``b`` (gamma).
"""

from __future__ import annotations

import math
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


def _phi_terms(mix: Mixture, phi: float):
    """At ``φ``: per-component log density of φ, ``d/dφ`` of it, ``c_k = -(d²/dφ²)/i_F``
    (constant: ``a + b`` for beta, ``b`` for gamma), and ``log i_F(φ)``."""
    from scipy.special import gammaln

    a, b = mix.p1, mix.p2
    if mix.family == "beta":
        # θ = expit(φ): log p(φ) = a log θ + b log(1 - θ) - log B(a, b); i_F = θ(1 - θ)
        log_t = -np.logaddexp(0.0, -phi)
        log_1mt = -np.logaddexp(0.0, phi)
        t = np.exp(log_t)
        lp = a * log_t + b * log_1mt - (gammaln(a) + gammaln(b) - gammaln(a + b))
        return lp, a * (1 - t) - b * t, a + b, log_t + log_1mt
    if mix.family == "gamma":
        # λ = exp(φ): log p(φ) = a φ - b λ + a log b - log Γ(a); i_F = λ. b λ is formed on the
        # log scale: beyond e^700 the density is zero (log density -inf), never an overflow
        log_blam = np.log(b) + phi
        blam = np.exp(np.minimum(log_blam, 700.0))
        lp = np.where(log_blam > 700.0, -np.inf, a * phi - blam + a * np.log(b) - gammaln(a))
        return lp, a - blam, b, phi
    raise ValueError("use sigma with normal mixtures")


def _natural_terms(mix: Mixture, x: float):
    """At ``x`` (θ or λ): per-component log density, its slope ``d_k``, minus its curvature
    ``c_k = -d d_k/dx``, and ``log i_F(x)`` on the natural scale."""
    from scipy.special import betaln, gammaln

    a, b = mix.p1, mix.p2
    if mix.family == "beta":
        lp = (a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - betaln(a, b)
        d1 = (a - 1) / x - (b - 1) / (1 - x)
        c = (a - 1) / x**2 + (b - 1) / (1 - x) ** 2
        return lp, d1, c, -np.log(x) - np.log1p(-x)
    lp = a * np.log(b) - gammaln(a) + (a - 1) * np.log(x) - b * x
    return lp, (a - 1) / x - b, (a - 1) / x**2, -np.log(x)


def _curvature(mix: Mixture, x: float) -> tuple[float, float]:
    """``(log p(x), -d² log p/dx²)`` of the mixture on the natural scale."""
    lp, d1, c, _ = _natural_terms(mix, x)
    lw = np.log(mix.weights) + lp
    top = lw.max()
    r = np.exp(lw - top)
    r /= r.sum()
    mean_d = float(np.sum(r * d1))
    return float(top + np.log(np.sum(np.exp(lw - top)))), float(
        np.sum(r * c) - np.sum(r * (d1 - mean_d) ** 2))


def _elir_natural(mix: Mixture) -> float:
    from scipy import integrate

    def integrand(x: float) -> float:
        if not 0.0 < x < (1.0 if mix.family == "beta" else math.inf):
            return 0.0
        log_p, info = _curvature(mix, x)
        log_if = _natural_terms(mix, x)[3]
        return float(np.exp(log_p - log_if) * info) if log_p > -700.0 else 0.0

    centre = mix.mean()
    hi = 1.0 if mix.family == "beta" else np.inf
    total = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        for lo_, hi_ in ((0.0, centre), (centre, hi)):
            val, _ = integrate.quad(integrand, lo_, hi_, limit=400, epsabs=1e-11,
                                    epsrel=1e-10)
            total += val
    return float(total)


def ess_morita(mix: Mixture) -> float:
    """Morita–Thall–Müller ESS of a beta or gamma mixture (see module docstring)."""
    if mix.family not in ("beta", "gamma"):
        raise ValueError("Morita's ESS is implemented for beta and gamma mixtures")
    m = mix.mean()
    _, curvature = _curvature(mix, m)
    if mix.family == "beta":
        # ε-information prior: curvature (-1)/θ² + (-1)/(1 - θ)² at ε → 0; each observation
        # adds θ̄/θ² + (1 - θ̄)/(1 - θ)² in expectation, at θ = θ̄: 1/θ̄ + 1/(1 - θ̄)
        base = -1.0 / m**2 - 1.0 / (1 - m) ** 2
        return float((curvature - base) / (1.0 / m + 1.0 / (1 - m)))
    # gamma: Gamma(ε, ε) -> curvature -1/λ²; each unit of exposure adds λ̄/λ² = 1/λ̄ at λ̄
    return float((curvature + 1.0 / m**2) * m)


def ess_elir(mix: Mixture, *, sigma: float | None = None, scale: str = "logit") -> float:
    """Expected local-information-ratio ESS (see module docstring) on ``scale``:
    ``"natural"`` (probability or hazard, as RBesT) or ``"logit"`` (logit of a probability, log
    of a hazard; the default, finite for every mixture).

    With responsibilities ``r_k(φ)``, ``i_prior/i_F = Σ r_k c_k - Var_r(d_k)/i_F`` where ``d_k``
    is the slope of component ``k``'s log density; the integrand ``p(φ) i_prior/i_F`` is formed
    on the log scale so that no tail overflows.
    """
    from scipy import integrate

    if mix.family == "normal":
        if sigma is None:
            raise ValueError("a normal mixture needs the unit standard deviation sigma")
        return _elir_normal(mix, sigma)
    if scale == "natural":
        return _elir_natural(mix)
    if scale not in ("logit", "log"):
        raise ValueError(f"unknown scale {scale!r} (natural, logit or log)")
    logw = np.log(mix.weights)

    def integrand(phi: float) -> float:
        lp, d1, c, log_info_f = _phi_terms(mix, phi)
        lw = logw + lp
        top = lw.max()
        if not top > -700.0:  # density underflows (or is -inf far in a tail)
            return 0.0
        pk = np.exp(lw - top)
        total = pk.sum()
        r = pk / total
        log_p = top + np.log(total)
        mean_d = float(np.sum(r * d1))
        var_d = float(np.sum(r * (d1 - mean_d) ** 2))
        val = np.exp(log_p) * float(np.sum(r * c))
        if var_d > 0.0:
            log_term = log_p + np.log(var_d) - log_info_f
            if log_term > 700.0:  # the information ratio is unbounded here: no finite ESS
                return -math.inf
            val -= np.exp(log_term)
        return float(val)

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
