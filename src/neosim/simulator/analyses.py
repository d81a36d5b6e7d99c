"""Analyses of simulated trials: decision rules evaluated on the engine's per-trial statistics.

Every analysis reads the plain arrays of :func:`neosim.simulator.engine.simulate_blocks` and returns
one boolean per trial ("success": the trial claims benefit of treatment), vectorised; none fits
anything per trial. The Bayesian ones use exact conjugate updates of mixture priors:

* **Exponential–gamma** (:class:`BayesHazardRatio`, :class:`BayesLandmark`): with constant hazards
  the likelihood of an arm is ``λ^d exp(-λ E)`` (``d`` events, ``E`` total follow-up), so a gamma
  mixture prior ``Σ wₖ Ga(aₖ, bₖ)`` updates to ``Σ wₖ' Ga(aₖ + d, bₖ + E)`` with
  ``wₖ' ∝ wₖ bₖ^aₖ Γ(aₖ + d) / (Γ(aₖ) (bₖ + E)^(aₖ + d))``. For independent
  ``λₜ ~ Ga(a₁, b₁)``, ``λ_c ~ Ga(a₂, b₂)``: ``P(λₜ/λ_c < h) = I_x(a₁, a₂)`` with
  ``x = h b₁ / (h b₁ + b₂)`` (``b₁λₜ/(b₁λₜ + b₂λ_c)`` is Beta(a₁, a₂)); mixtures sum over
  component pairs. ``P(S(T) > s) = P(λ < -log(s)/T)`` is a gamma CDF.
* **Normal on log HR** (:class:`BayesLogHR`): the Cox estimate ``θ̂`` with its SE is a normal
  likelihood; a normal mixture prior on ``θ = log HR`` updates component-wise (precision
  weighting; weights by the marginal density of ``θ̂``).

The fast path is validated against full MCMC by :mod:`neosim.simulator.validation`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neosim.errors import InputError
from neosim.priors import Mixture


def _z(alpha: float) -> float:
    from scipy import stats

    return float(stats.norm.isf(alpha))


def _check_prob(value: float, field: str) -> None:
    if not (0 < value < 1):
        raise InputError(f"must lie in (0, 1) (got {value!r})", field=field)


# ---------------------------------------------------------------------------------------------
# Conjugate updates
# ---------------------------------------------------------------------------------------------


def gamma_posterior(prior: Mixture, events: np.ndarray, exposure: np.ndarray):
    """Posterior of a gamma-mixture hazard prior after ``events`` in ``exposure`` (vectorised).

    Returns ``(weights, shape, rate)``, each ``(n_trials, K)``.
    """
    from scipy.special import gammaln

    if prior.family != "gamma":
        raise InputError(f"a hazard prior must be a gamma mixture (got {prior.family})",
                         field="prior")
    d = np.asarray(events, float)[:, None]
    x = np.asarray(exposure, float)[:, None]
    a, b = prior.p1[None, :], prior.p2[None, :]
    a1, b1 = a + d, b + x
    logw = (np.log(prior.weights)[None, :] + a * np.log(b) - gammaln(a) + gammaln(a1)
            - a1 * np.log(b1))
    logw -= logw.max(axis=1, keepdims=True)
    w = np.exp(logw)
    w /= w.sum(axis=1, keepdims=True)
    return w, a1, b1


def prob_ratio_below(post_t, post_c, h: float) -> np.ndarray:
    """``P(λₜ / λ_c < h)`` for independent gamma-mixture posteriors (see module docstring)."""
    from scipy.special import betainc

    wt, at, bt = (np.asarray(v)[:, :, None] for v in post_t)
    wc, ac, bc = (np.asarray(v)[:, None, :] for v in post_c)
    x = h * bt / (h * bt + bc)
    return np.sum(wt * wc * betainc(at, ac, x), axis=(1, 2))


def prob_hazard_below(post, x: float) -> np.ndarray:
    """``P(λ < x)`` for a gamma-mixture posterior."""
    from scipy.special import gammainc

    w, a, b = post
    return np.sum(w * gammainc(a, b * x), axis=1)


def normal_posterior(prior: Mixture, estimate: np.ndarray, se: np.ndarray):
    """Posterior of a normal-mixture prior on θ given ``θ̂ ~ N(θ, se²)``: (weights, mean, sd)."""
    if prior.family != "normal":
        raise InputError(f"a log-HR prior must be a normal mixture (got {prior.family})",
                         field="prior")
    th = np.asarray(estimate, float)[:, None]
    s2 = np.asarray(se, float)[:, None] ** 2
    m, v = prior.p1[None, :], prior.p2[None, :] ** 2
    post_v = 1.0 / (1.0 / v + 1.0 / s2)
    post_m = post_v * (m / v + th / s2)
    tot = v + s2
    logw = np.log(prior.weights)[None, :] - 0.5 * np.log(tot) - 0.5 * (th - m) ** 2 / tot
    logw -= np.nanmax(logw, axis=1, keepdims=True)
    w = np.exp(logw)
    w /= w.sum(axis=1, keepdims=True)
    return w, post_m, np.sqrt(post_v)


def prob_normal_below(post, x: float) -> np.ndarray:
    """``P(θ < x)`` for a normal-mixture posterior."""
    from scipy.special import ndtr

    w, m, s = post
    return np.sum(w * ndtr((x - m) / s), axis=1)


# ---------------------------------------------------------------------------------------------
# Analyses
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogRank:
    """Two-arm log-rank test at level ``alpha``. ``direction``: ``"lower"`` (the default: benefit
    of treatment, HR < 1, one-sided), ``"upper"`` (HR > 1, one-sided) or ``"two-sided"``
    (``alpha`` split over both tails)."""

    alpha: float = 0.025
    name: str = "logrank"
    direction: str = "lower"
    needs_cox = False
    designs = ("two_arm",)

    def __post_init__(self) -> None:
        _check_prob(self.alpha, "alpha")
        _check_direction(self.direction)

    def success(self, s: dict[str, np.ndarray]) -> np.ndarray:
        return _rejects(s["logrank_z"], self.alpha, self.direction)


@dataclass(frozen=True)
class CoxWald:
    """Two-arm Cox model (Efron ties), Wald test of the log HR at ``alpha`` in ``direction``
    (as :class:`LogRank`; default log HR < 0, one-sided). Also the estimator of the log HR
    whose bias, RMSE and coverage are reported."""

    alpha: float = 0.025
    name: str = "cox"
    direction: str = "lower"
    needs_cox = True
    designs = ("two_arm",)

    def __post_init__(self) -> None:
        _check_prob(self.alpha, "alpha")
        _check_direction(self.direction)

    def success(self, s: dict[str, np.ndarray]) -> np.ndarray:
        return _rejects(s["cox_loghr"] / s["cox_se"], self.alpha, self.direction)


DIRECTIONS = ("lower", "upper", "two-sided")


def direction_of(hazard_ratio: float, sided: int) -> str:
    """The rejection region a design implies: two-sided, or the side of its hazard ratio (HR 1
    one-sided: benefit, the lower side)."""
    if sided == 2:
        return "two-sided"
    return "upper" if hazard_ratio > 1.0 else "lower"


def _check_direction(direction: str) -> None:
    if direction not in DIRECTIONS:
        raise InputError(f"must be one of {', '.join(DIRECTIONS)} (got {direction!r})",
                         field="direction")


def _rejects(z: np.ndarray, alpha: float, direction: str) -> np.ndarray:
    if direction == "lower":
        return z < -_z(alpha)
    if direction == "upper":
        return z > _z(alpha)
    return np.abs(z) > _z(alpha / 2.0)


@dataclass(frozen=True)
class OneSampleLogRank:
    """Single arm against the known historical control hazard ``Λ₀`` (the scenario's control).

    Exact test for an event-driven analysis: under H0 the events of the trial, counted on the
    scale of total cumulative control hazard on test ``W = Σ Λ₀(yᵢ)``, form a unit Poisson
    process (random time change), so at the D-th event ``W ~ Gamma(D, 1)``; benefit is claimed
    when ``P(Gamma(D, 1) ≥ W) < alpha``. (The classic normal version ``(O - E)/√E`` is markedly
    conservative with few events and is not offered.)
    """

    alpha: float = 0.025
    name: str = "one_sample_logrank"
    needs_cox = False
    designs = ("single_arm",)

    def __post_init__(self) -> None:
        _check_prob(self.alpha, "alpha")

    def success(self, s: dict[str, np.ndarray]) -> np.ndarray:
        from scipy.special import gammaincc

        d = s["events"]
        p = np.where(d > 0, gammaincc(np.maximum(d, 1), s["os_expected"]), 1.0)
        return (p < self.alpha) & (s["reached"] == 1)


@dataclass(frozen=True, eq=False)
class BayesHazardRatio:
    """``P(HR < hr_threshold | data) > probability`` under exponential (constant) hazards with
    gamma-mixture priors on each arm's hazard per month. Single-arm: the control prior (e.g. a
    MAP prior from pooled historical trials) is not updated, the trial informs the treatment
    arm only."""

    control_prior: Mixture
    treatment_prior: Mixture
    hr_threshold: float = 1.0
    probability: float = 0.975
    name: str = "bayes_hazard_ratio"
    needs_cox = False
    designs = ("two_arm", "single_arm")

    def __post_init__(self) -> None:
        _check_prob(self.probability, "probability")
        if not self.hr_threshold > 0:
            raise InputError("must be positive", field="hr_threshold")
        for f in ("control_prior", "treatment_prior"):
            if getattr(self, f).family != "gamma":
                raise InputError("must be a gamma mixture on the hazard per month", field=f)

    def posterior_probability(self, s: dict[str, np.ndarray]) -> np.ndarray:
        post_t = gamma_posterior(self.treatment_prior, s["events_treatment"],
                                 s["exposure_treatment"])
        post_c = gamma_posterior(self.control_prior, s["events_control"], s["exposure_control"])
        return prob_ratio_below(post_t, post_c, self.hr_threshold)

    def success(self, s: dict[str, np.ndarray]) -> np.ndarray:
        return self.posterior_probability(s) > self.probability


@dataclass(frozen=True, eq=False)
class BayesLogHR:
    """``P(HR < hr_threshold | data) > probability`` from the Cox estimate as a normal likelihood
    on log HR and a normal-mixture prior."""

    prior: Mixture
    hr_threshold: float = 1.0
    probability: float = 0.975
    name: str = "bayes_log_hr"
    needs_cox = True
    designs = ("two_arm",)

    def __post_init__(self) -> None:
        _check_prob(self.probability, "probability")
        if self.prior.family != "normal":
            raise InputError("must be a normal mixture on log HR", field="prior")
        if not self.hr_threshold > 0:
            raise InputError("must be positive", field="hr_threshold")

    def posterior_probability(self, s: dict[str, np.ndarray]) -> np.ndarray:
        ok = np.isfinite(s["cox_loghr"]) & np.isfinite(s["cox_se"])
        est = np.where(ok, s["cox_loghr"], 0.0)
        se = np.where(ok, s["cox_se"], 1.0)
        p = prob_normal_below(normal_posterior(self.prior, est, se), math.log(self.hr_threshold))
        return np.where(ok, p, np.nan)

    def success(self, s: dict[str, np.ndarray]) -> np.ndarray:
        return self.posterior_probability(s) > self.probability


@dataclass(frozen=True, eq=False)
class BayesLandmark:
    """``P(S_treatment(time) > survival | data) > probability`` under a constant hazard with a
    gamma-mixture prior: ``S(T) > s ⇔ λ < -log(s)/T``."""

    treatment_prior: Mixture
    time: float
    survival: float
    probability: float = 0.9
    name: str = "bayes_landmark"
    needs_cox = False
    designs = ("two_arm", "single_arm")

    def __post_init__(self) -> None:
        _check_prob(self.probability, "probability")
        _check_prob(self.survival, "survival")
        if not self.time > 0:
            raise InputError("must be positive", field="time")
        if self.treatment_prior.family != "gamma":
            raise InputError("must be a gamma mixture on the hazard per month",
                             field="treatment_prior")

    def posterior_probability(self, s: dict[str, np.ndarray]) -> np.ndarray:
        post = gamma_posterior(self.treatment_prior, s["events_treatment"],
                               s["exposure_treatment"])
        return prob_hazard_below(post, -math.log(self.survival) / self.time)

    def success(self, s: dict[str, np.ndarray]) -> np.ndarray:
        return self.posterior_probability(s) > self.probability


Analysis = LogRank | CoxWald | OneSampleLogRank | BayesHazardRatio | BayesLogHR | BayesLandmark


def check_analyses(analyses, scenario) -> None:
    """Raise :class:`InputError` if an analysis does not fit the scenario's design."""
    if not analyses:
        raise InputError("at least one analysis is needed", field="analyses")
    names = [a.name for a in analyses]
    if len(set(names)) != len(names):
        raise InputError("two analyses share a name", field="analyses")
    for i, a in enumerate(analyses):
        if scenario.design not in a.designs:
            raise InputError(f"{a.name} needs a {' or '.join(a.designs)} design",
                             field=f"analyses[{i}]")
        if (isinstance(a, OneSampleLogRank | BayesHazardRatio | BayesLandmark)
                and scenario.time_resolution > 0):
            # rounding observed times up inflates the exposure and the expected cumulative hazard
            # these analyses use, which favours benefit (type-I error 0.073 at alpha 0.05 with
            # whole months); the rank-based log-rank/Cox/KM analyses are unaffected
            raise InputError(f"{a.name} uses exposure times, which time_resolution rounds up "
                             "(biased); use continuous times (time_resolution = 0)",
                             field=f"analyses[{i}]")
        if isinstance(a, OneSampleLogRank) and scenario.events is None:
            raise InputError("the exact one-sample log-rank test needs an event-driven analysis "
                             "(events)", field=f"analyses[{i}]")
