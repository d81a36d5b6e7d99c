"""Survival after SCT from published aggregate counts, with the number transplanted unknown.

For each subtype ``s`` a paper reports ``cases_s`` patients and ``survivors_s`` survivors, all of
them transplanted, but not the number transplanted ``T_s``. The model:

* ``logit p_s = logit_mean + logit_sd * z_s`` with ``z_s ~ Normal(0, 1)`` (partial pooling of the
  subtypes' post-SCT survival probabilities; non-centred),
  ``logit_mean ~ mu_prior`` (a ``Normal``), ``logit_sd ~ tau_prior`` (a ``HalfNormal``): the
  :mod:`neosim.priors` objects that the PyMC model and the SBC draws share;
* ``T_s`` is a latent count on ``survivors_s .. cases_s`` with a stated prior ``π_s(t)``
  (uniform unless configured), and ``survivors_s | T_s ~ Binomial(T_s, p_s)``.

``T_s`` is discrete, so it is summed out exactly: the likelihood of subtype ``s`` is
``log Σ_t π_s(t) Binomial(survivors_s | t, p_s)`` (a log-sum-exp over the range), which NUTS
samples. The posterior of ``T_s`` follows draw by draw (:func:`transplanted_posterior`). A
one-hot ``π_s`` fixes ``T_s``: the same compiled model then gives the sensitivity grid.

``survival_probability`` is the probability of being alive at the paper's (unreported) last
follow-up after SCT, not survival at a stated time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neosim.priors import HalfNormal, Normal

#: the default priors: ``logit_mean ~ Normal(0, 1.5)``, ``logit_sd ~ HalfNormal(1)``
MU_PRIOR = Normal(0.0, 1.5)
TAU_PRIOR = HalfNormal(1.0)


@dataclass(frozen=True)
class AggregateData:
    """Counts by subtype and the log prior of the number transplanted.

    ``log_prior_transplanted[s, t]`` is ``log π_s(t)`` for ``t = 0 .. max(cases)``; ``-inf``
    outside ``survivors_s .. cases_s``.
    """

    subtypes: tuple[str, ...]
    cases: tuple[int, ...]
    survivors: tuple[int, ...]
    log_prior_transplanted: np.ndarray

    def __post_init__(self):
        s = len(self.subtypes)
        if not s or len(self.cases) != s or len(self.survivors) != s:
            raise ValueError("subtypes, cases and survivors must have the same non-zero length")
        if self.log_prior_transplanted.shape != (s, max(self.cases) + 1):
            raise ValueError("log_prior_transplanted must have shape (subtypes, max cases + 1)")
        for i in range(s):
            if not 0 <= self.survivors[i] <= self.cases[i]:
                raise ValueError(f"impossible counts for {self.subtypes[i]}")
            row = self.log_prior_transplanted[i]
            support = np.isfinite(row)
            if not support.any() or np.flatnonzero(support).min() < self.survivors[i] or (
                    np.flatnonzero(support).max() > self.cases[i]):
                raise ValueError(f"prior of transplanted {self.subtypes[i]} must put mass only "
                                 f"on {self.survivors[i]}..{self.cases[i]}")


def log_prior_matrix(cases, survivors, weights: list[dict[int, float] | None]) -> np.ndarray:
    """``log π_s(t)`` as a matrix: ``None`` gives the uniform prior on ``survivors..cases``;
    a mapping ``count -> weight`` gives those (normalised) weights."""
    out = np.full((len(cases), max(cases) + 1), -np.inf)
    for s, (n, y, w) in enumerate(zip(cases, survivors, weights, strict=True)):
        if w is None:
            out[s, y:n + 1] = -np.log(n - y + 1)
        else:
            total = sum(w.values())
            for t, v in w.items():
                if v > 0:
                    out[s, t] = np.log(v / total)
    return out


def fixed_transplanted(cases, survivors, counts) -> np.ndarray:
    """The one-hot ``log π`` that fixes ``T_s = counts[s]`` (a sensitivity scenario)."""
    out = np.full((len(cases), max(cases) + 1), -np.inf)
    for s, t in enumerate(counts):
        out[s, t] = 0.0
    return out


def _log_binomial_terms(survivors, counts, log_p, log_q, xp, gammaln):
    """``log Binomial(y | t, p)`` for every count ``t`` (clipped to ``t >= y``, whose prior is
    zero anyway), shape ``(..., subtype, count)``."""
    y = survivors[:, None]
    t = xp.maximum(counts[None, :], y)
    return (gammaln(t + 1.0) - gammaln(y + 1.0) - gammaln(t - y + 1.0)
            + y * log_p[..., None] + (t - y) * log_q[..., None])


def build_model(data: AggregateData, *, mu_prior: Normal = MU_PRIOR,
                tau_prior: HalfNormal = TAU_PRIOR):
    """The hierarchical model (see the module docstring); data and the scale of ``tau_prior``
    (``tau_sd``) are ``pm.Data``, so refits change them without recompiling.

    Variables: ``logit_mean``, ``logit_sd``, ``survival_probability`` (subtype),
    ``survival_probability_overall`` (case-weighted mean over subtypes),
    ``survival_probability_typical`` (inverse logit of ``logit_mean``),
    ``transplanted_expected`` (subtype, posterior mean of ``T_s`` given each draw).
    """
    import pymc as pm
    import pytensor.tensor as pt

    counts = np.arange(data.log_prior_transplanted.shape[1], dtype=float)
    with pm.Model(coords={"subtype": list(data.subtypes)}) as model:
        y = pm.Data("survivors", np.asarray(data.survivors, float), dims="subtype")
        n = pm.Data("cases", np.asarray(data.cases, float), dims="subtype")
        log_prior = pm.Data("log_prior_transplanted", data.log_prior_transplanted)
        tau_scale = pm.Data("tau_sd", np.asarray(tau_prior.sigma, float))
        mu = mu_prior.pymc("logit_mean")
        tau = tau_prior.pymc("logit_sd", sigma=tau_scale)
        z = pm.Normal("z", 0.0, 1.0, dims="subtype")
        eta = mu + tau * z
        p = pm.Deterministic("survival_probability", pm.math.sigmoid(eta), dims="subtype")
        pm.Deterministic("survival_probability_overall", pt.sum(n * p) / pt.sum(n))
        pm.Deterministic("survival_probability_typical", pm.math.sigmoid(mu))

        def joint(log_p, log_q, survivors, lp):
            return lp + _log_binomial_terms(survivors, counts, log_p, log_q, pt, pt.gammaln)

        def logp(value, eta, lp):
            terms = joint(pt.log(pt.sigmoid(eta)), pt.log(pt.sigmoid(-eta)), value, lp)
            return pt.logsumexp(terms, axis=-1)

        pm.CustomDist("survivors_after_sct", eta, log_prior, logp=logp, observed=y,
                      signature="(),(c)->()", dims="subtype")
        weights = pt.special.softmax(
            joint(pt.log(pt.sigmoid(eta)), pt.log(pt.sigmoid(-eta)), y, log_prior), axis=-1)
        pm.Deterministic("transplanted_expected", pt.sum(weights * counts, axis=-1),
                         dims="subtype")
    return model


def data_arrays(data: AggregateData, tau_sd: float) -> dict[str, np.ndarray]:
    """The model's data containers, for ``sampling.sample_compiled``."""
    return {"survivors": np.asarray(data.survivors, float),
            "cases": np.asarray(data.cases, float),
            "log_prior_transplanted": data.log_prior_transplanted,
            "tau_sd": np.asarray(tau_sd, float)}


def transplanted_posterior(data: AggregateData, p_draws: np.ndarray) -> np.ndarray:
    """Posterior ``P(T_s = t | data)``, shape ``(subtype, count)``, from draws of ``p_s``.

    ``p_draws`` has shape ``(draws, subtype)``; the conditional ``P(T_s = t | p_s)`` is averaged
    over the draws (Rao-Blackwellised).
    """
    from scipy.special import gammaln, softmax

    counts = np.arange(data.log_prior_transplanted.shape[1], dtype=float)
    p = np.clip(np.asarray(p_draws, float), 1e-300, 1.0 - 1e-16)
    with np.errstate(divide="ignore"):
        terms = data.log_prior_transplanted + _log_binomial_terms(
            np.asarray(data.survivors, float), counts, np.log(p), np.log1p(-p), np, gammaln)
    return softmax(terms, axis=-1).mean(axis=0)


# --------------------------------------------------------------------------------------------
# Simulation-based calibration
# --------------------------------------------------------------------------------------------


def sbc_build(data: AggregateData, mu_prior: Normal, tau_prior: HalfNormal):
    """:func:`build_model` with positional priors (``SBCSpec.build``)."""
    return build_model(data, mu_prior=mu_prior, tau_prior=tau_prior)


def sbc_draw(build_args: tuple, rng: np.random.Generator) -> tuple[dict, dict]:
    """One draw of the full generative model, for ``SBCSpec.draw``.

    ``logit_mean``, ``logit_sd`` and ``z`` from their priors; the number transplanted
    ``T_s ~ π_s`` (the prior of ``data``, normalised); survivors ``y_s ~ Binomial(T_s, p_s)``.
    The model's prior of ``T_s`` for the simulated data is ``π_s`` restricted to ``T_s ≥ y_s``
    (the counts a subtype with ``y_s`` survivors can have), as the fit of real data uses it.
    """
    data, mu_prior, tau_prior = build_args  # the prior objects of sbc_build's model
    mu = mu_prior.sample(None, rng)
    tau = tau_prior.sample(None, rng)
    z = rng.normal(size=len(data.subtypes))
    p = 1.0 / (1.0 + np.exp(-(mu + tau * z)))
    prior = np.exp(data.log_prior_transplanted)
    prior /= prior.sum(axis=1, keepdims=True)
    transplanted = np.array([rng.choice(prior.shape[1], p=row) for row in prior])
    survivors = rng.binomial(transplanted, p)
    counts = np.arange(prior.shape[1])
    log_prior = np.where(counts[None, :] >= survivors[:, None], data.log_prior_transplanted,
                         -np.inf)
    truth = {"logit_mean": np.float64(mu), "logit_sd": np.float64(tau),
             "survival_probability": p}
    return truth, {"survivors": survivors.astype(float), "log_prior_transplanted": log_prior}
