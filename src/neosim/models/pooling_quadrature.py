"""The random-effects model by deterministic numerical integration (no sampling).

Model (as in :mod:`neosim.models.pooling`): ``μ ~ Normal(m, s)``, ``τ ~`` half-normal or
half-Student-t, ``θ_i ~ Normal(μ, τ)``, and study ``i`` contributes a likelihood ``L_i(θ_i)``
(normal on the logit scale, or a binomial kernel). The posterior of ``(μ, τ)`` is

    p(μ, τ | y) ∝ p(μ) p(τ) Π_i m_i(μ, τ),    m_i(μ, τ) = ∫ L_i(θ) N(θ; μ, τ) dθ.

Evaluation: ``μ`` and ``θ`` share one uniform grid of step ``h`` on the logit scale; ``τ`` runs over
the midpoints of ``n_tau`` equal slices of its prior's probability scale (``τ = F⁻¹(u)``), so the
prior on ``τ`` is carried by the nodes and an infinite range costs nothing. Each ``m_i(·, τ)`` is
the convolution of ``L_i`` with a normal kernel (FFT), normalised on the grid so that ``τ → 0``
tends to ``L_i(μ)`` exactly. The predictive of a new study's ``θ`` and the shrunken study
posteriors are convolutions of the same kind. With the defaults (``h = 0.02`` over ``[-15, 15]``,
``n_tau = 200``) posterior means agree with a grid four times finer to about 1e-4 (tested), far
below the Monte-Carlo error of an MCMC run.

This is an independent check of the MCMC fit and a fast engine for sensitivity analyses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neosim.models.evidence import StudyLikelihood
from neosim.priors import Distribution, HalfNormal, Normal

#: the default priors of the random-effects model: ``μ ~ Normal(0, 2)`` on the logit scale,
#: ``τ ~ HalfNormal(1)`` (the prior objects :func:`fit_grid` and ``pooling.build_model`` share)
MU_PRIOR = Normal(0.0, 2.0)
TAU_PRIOR = HalfNormal(1.0)


def log_likelihood_on(x: np.ndarray, st: StudyLikelihood) -> np.ndarray:
    """``log L_i(θ)`` of one study on the logit grid ``x`` (up to a constant)."""
    if st.kind == "normal":
        return -0.5 * ((st.y - x) / st.s) ** 2
    # k log expit(x) + (n - k) log expit(-x), computed stably
    return -st.k * np.logaddexp(0.0, -x) - (st.n - st.k) * np.logaddexp(0.0, x)


@dataclass
class GridPosterior:
    """Posterior of the random-effects model on a grid. Masses sum to 1 along their axes."""

    x: np.ndarray            # logit grid (for μ, θ_i and θ_new)
    tau: np.ndarray          # τ nodes
    joint: np.ndarray        # (len(x), len(tau)) posterior mass of (μ, τ)
    theta_new: np.ndarray    # predictive mass of a new study's θ on x
    theta: np.ndarray        # (K, len(x)) posterior mass of each study's θ_i
    log_evidence: float      # log marginal likelihood (up to the likelihoods' constants)

    @property
    def mu(self) -> np.ndarray:
        return self.joint.sum(axis=1)

    @property
    def tau_mass(self) -> np.ndarray:
        return self.joint.sum(axis=0)

    def tau_quantile(self, q):
        """Quantiles of ``τ``: linear interpolation of the CDF between node midpoints."""
        return _quantile_sorted(self.tau, self.tau_mass, q)


def _quantile_sorted(values: np.ndarray, mass: np.ndarray, q):
    """Quantile of a discrete distribution on sorted ``values`` treating each mass as spread
    over its cell (CDF reaching ``cumsum - mass/2`` at the node)."""
    cdf = np.cumsum(mass) - 0.5 * mass
    return np.interp(np.asarray(q, dtype=float), cdf, values)


def moments(values: np.ndarray, mass: np.ndarray) -> tuple[float, float]:
    """Mean and SD of a discrete distribution."""
    m = float(np.sum(values * mass))
    return m, float(np.sqrt(max(np.sum((values - m) ** 2 * mass), 0.0)))


def quantiles(values: np.ndarray, mass: np.ndarray, q) -> np.ndarray:
    """Quantiles of a distribution with ``mass`` on the uniform grid ``values``."""
    return _quantile_sorted(values, mass, q)


def _kernels(x: np.ndarray, tau: np.ndarray, nfft: int):
    """rFFTs of normal kernels N(0, τ) on the grid offsets, normalised to sum 1."""
    h = x[1] - x[0]
    m = len(x)
    off = np.arange(-(m - 1), m) * h
    for t in tau:
        if t <= 0.25 * h:
            k = (off == 0).astype(float)
        else:
            k = np.exp(-0.5 * (off / t) ** 2)
        k /= k.sum()
        yield np.fft.rfft(k, nfft)


def _convolve(fa: np.ndarray, fk: np.ndarray, nfft: int, m: int) -> np.ndarray:
    """The 'same'-size result of a linear convolution with a centred kernel of length 2m - 1."""
    full = np.fft.irfft(fa * fk, nfft)
    return np.clip(full[..., m - 1: 2 * m - 1], 0.0, None)


def fit_grid(
    studies: list[StudyLikelihood], *, mu_prior: Normal = MU_PRIOR,
    tau_prior: Distribution = TAU_PRIOR, step: float = 0.02, half_width: float = 15.0,
    n_tau: int = 200, shrinkage: bool = True,
) -> GridPosterior:
    """Posterior of the random-effects model by numerical integration (see module docstring).

    With ``shrinkage=False`` the study posteriors are not computed (``theta`` is empty), which
    halves the work when only ``μ``, ``τ`` and the predictive are wanted.
    """
    if not studies:
        raise ValueError("at least one study is needed")
    m = round(2 * half_width / step) + 1
    x = np.linspace(-half_width, half_width, m)
    u = (np.arange(n_tau) + 0.5) / n_tau
    tau = tau_prior.quantile(u)
    nfft = int(2 ** np.ceil(np.log2(3 * m - 2)))
    logl = np.stack([log_likelihood_on(x, st) for st in studies])
    shift = logl.max(axis=1, keepdims=True)
    lik = np.exp(logl - shift)
    flik = np.fft.rfft(lik, nfft, axis=1)
    mu_mean, mu_sd = mu_prior.mu, mu_prior.sigma
    log_prior_mu = -0.5 * ((x - mu_mean) / mu_sd) ** 2 - np.log(mu_sd * np.sqrt(2 * np.pi))

    k_count = len(studies)
    log_marg = np.empty((k_count, m, n_tau))
    kernels = list(_kernels(x, tau, nfft))
    with np.errstate(divide="ignore"):
        for t, fk in enumerate(kernels):
            log_marg[:, :, t] = np.log(_convolve(flik, fk, nfft, m))
    log_joint = log_prior_mu[:, None] + log_marg.sum(axis=0)  # τ prior carried by the nodes
    top = log_joint.max()
    joint = np.exp(log_joint - top)
    total = joint.sum()
    log_evidence = float(np.log(total) + top + np.log(step / n_tau) + shift.sum())
    joint /= total

    theta_new = np.zeros(m)
    theta = np.zeros((k_count if shrinkage else 0, m))
    for t, fk in enumerate(kernels):
        theta_new += _convolve(np.fft.rfft(joint[:, t], nfft), fk, nfft, m)
        if not shrinkage:
            continue
        # p(θ_i | y) ∝ L_i(θ_i) Σ_τ [p(μ) p(τ) Π_{k≠i} m_k(μ, τ) ⊛ N(0, τ)](θ_i)
        with np.errstate(invalid="ignore"):
            loo = log_joint[:, t][None, :] - log_marg[:, :, t] - top
        loo = np.where(np.isfinite(loo), loo, -np.inf)
        theta += _convolve(np.fft.rfft(np.exp(loo), nfft, axis=1), fk, nfft, m)
    if shrinkage:
        theta *= lik
        theta /= theta.sum(axis=1, keepdims=True)
    theta_new /= theta_new.sum()
    return GridPosterior(x=x, tau=tau, joint=joint, theta_new=theta_new, theta=theta,
                         log_evidence=log_evidence)


def summarize_grid(post: GridPosterior, labels: list[str], ci_prob: float = 0.95) -> dict:
    """Posterior means, SDs and equal-tailed intervals of μ, τ, each study's survival
    ``expit(θ_i)`` and the predictive survival of a new study, as plain data."""
    lo, hi = 0.5 - ci_prob / 2, 0.5 + ci_prob / 2
    p = 1.0 / (1.0 + np.exp(-post.x))

    def row(values, mass, qvalues=None, qmass=None):
        mean, sd = moments(values, mass)
        qv = values if qvalues is None else qvalues
        a, b = quantiles(qv, mass if qmass is None else qmass, [lo, hi])
        return {"mean": mean, "sd": sd, "ci_lower": float(a), "ci_upper": float(b)}

    out = {"mu": row(post.x, post.mu), "tau": row(post.tau, post.tau_mass)}
    out["tau"]["ci_lower"], out["tau"]["ci_upper"] = map(float, post.tau_quantile([lo, hi]))
    out["tau"]["median"] = float(post.tau_quantile(0.5))
    if labels:  # study rows only when asked for (and computed: see ``shrinkage``)
        for lab, mass in zip(labels, post.theta, strict=True):
            out[f"study_survival[{lab}]"] = row(p, mass)
    out["map_logit"] = row(post.x, post.theta_new)
    out["map_survival"] = row(p, post.theta_new)
    return out
