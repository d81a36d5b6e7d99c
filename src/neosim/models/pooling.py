"""Hierarchical random-effects model for published proportions, and its MAP prior.

For studies ``i = 1..K`` with a likelihood for their logit proportion ``θ_i`` (see
:mod:`neosim.models.evidence`)::

    μ   ~ mu_prior  (Normal)                      population mean (logit scale)
    τ   ~ tau_prior (HalfNormal | HalfStudentT)   between-study SD
    θ_i = μ + τ z_i,  z_i ~ Normal(0, 1)          non-centred study effects
    y_i ~ Normal(θ_i, s_i)                        "normal" studies
    k_i, n_i: k_i log expit(θ_i) + (n_i - k_i) log expit(-θ_i)   "binomial" studies

The meta-analytic-predictive (MAP) prior of a new study's proportion is the posterior predictive
``expit(μ + τ ε)``, ``ε ~ Normal(0, 1)``; :func:`map_draws` draws it from a fit. The same model is
integrated numerically in :mod:`neosim.models.pooling_quadrature` (the check of this one).
The builder takes plain study likelihoods and never fits.
"""

from __future__ import annotations

import numpy as np

from neosim import seeds
from neosim.models.evidence import StudyLikelihood
from neosim.models.pooling_quadrature import MU_PRIOR, TAU_PRIOR
from neosim.priors import Distribution, Normal

#: Posterior variables reported in summaries, in order.
REPORTED = ("mu", "tau", "study_survival", "map_survival_mean")


def build_model(studies: list[StudyLikelihood], *, mu_prior: Normal = MU_PRIOR,
                tau_prior: Distribution = TAU_PRIOR):
    """The PyMC model above, with the study labels as coordinate ``study``; the priors are
    :mod:`neosim.priors` objects (defaults ``Normal(0, 2)`` and ``HalfNormal(1)``), the same
    ones :func:`sbc_draw` draws from."""
    import pymc as pm

    if not studies:
        raise ValueError("at least one study is needed")
    labels = [st.figure_id for st in studies]
    normal = np.array([i for i, st in enumerate(studies) if st.kind == "normal"], dtype=int)
    binom = np.array([i for i, st in enumerate(studies) if st.kind == "binomial"], dtype=int)
    with pm.Model(coords={"study": labels}) as model:
        mu = mu_prior.pymc("mu")
        tau = tau_prior.pymc("tau")
        z = pm.Normal("z", 0.0, 1.0, dims="study")
        theta = pm.Deterministic("theta", mu + tau * z, dims="study")
        pm.Deterministic("study_survival", pm.math.invlogit(theta), dims="study")
        # E[expit(μ + τ ε) | μ, τ] by 60-node Gauss-Hermite: the MAP mean, with its own ESS
        nodes, weights = np.polynomial.hermite_e.hermegauss(60)
        pm.Deterministic("map_survival_mean", pm.math.sum(
            weights / weights.sum() * pm.math.invlogit(mu + tau * nodes)))
        if normal.size:
            y = pm.Data("y", np.array([studies[i].y for i in normal]))
            s = pm.Data("s", np.array([studies[i].s for i in normal]))
            pm.Normal("y_obs", mu=theta[normal], sigma=s, observed=y)
        if binom.size:
            k = pm.Data("k", np.array([studies[i].k for i in binom]))
            n = pm.Data("n", np.array([studies[i].n for i in binom]))
            tb = theta[binom]
            pm.Potential("binomial_kernel",
                         pm.math.sum(-k * pm.math.log1pexp(-tb) - (n - k) * pm.math.log1pexp(tb)))
    return model


#: spawn key of the MAP predictive draws (child of the experiment seed)
MAP_STREAM = 1


def map_predictive(posterior, replicates: int, seed: int) -> np.ndarray:
    """MAP draws of a fit's ``posterior`` (with ``mu`` and ``tau``): :func:`map_draws` with
    ``replicates`` per posterior draw, seeded by ``seeds.rng(seed, MAP_STREAM)``
    (flat, draw-major; reshape to ``(chain, draw, replicate)``)."""
    rng = seeds.rng(seed, MAP_STREAM)
    return map_draws(posterior["mu"].values, posterior["tau"].values, replicates, rng)


def map_draws(mu: np.ndarray, tau: np.ndarray, replicates: int,
              rng: np.random.Generator) -> np.ndarray:
    """MAP draws of a new study's proportion: ``expit(μ_s + τ_s ε_{s,r})`` for every posterior
    draw ``s`` and ``replicates`` normal draws ``ε`` each (flattened, draw-major)."""
    mu = np.asarray(mu, dtype=float).ravel()
    tau = np.asarray(tau, dtype=float).ravel()
    eps = rng.standard_normal((mu.size, replicates))
    # |logit| <= 36 keeps every draw strictly inside (0, 1) in float64 (a beta mixture needs it)
    theta = np.clip(mu[:, None] + tau[:, None] * eps, -36.0, 36.0)
    return (1.0 / (1.0 + np.exp(-theta))).ravel()


# --------------------------------------------------------------------------------------------
# Simulation-based calibration
# --------------------------------------------------------------------------------------------


def sbc_studies(studies: list[StudyLikelihood]) -> tuple[StudyLikelihood, ...]:
    """The design a calibration simulates: the studies with binomial sizes rounded to whole
    patients (effective binomial sizes are not integers; a simulated count needs one)."""
    from dataclasses import replace

    out = []
    for st in studies:
        if st.kind == "binomial":
            n = max(1.0, float(np.round(st.n)))
            st = replace(st, n=n, k=min(float(np.round(st.k)), n))
        out.append(st)
    return tuple(out)


def sbc_build(studies: tuple[StudyLikelihood, ...], mu_prior: Normal, tau_prior: Distribution):
    """:func:`build_model` with positional priors (``SBCSpec.build``)."""
    return build_model(list(studies), mu_prior=mu_prior, tau_prior=tau_prior)


def sbc_draw(build_args: tuple, rng: np.random.Generator) -> tuple[dict, dict]:
    """One draw of the generative model, for ``SBCSpec.draw``: ``μ``, ``τ``, the study effects
    ``θ_i``, then each study's data of its own kind (a logit estimate ``y_i ~ Normal(θ_i, s_i)``
    with its published SE, or survivors ``k_i ~ Binomial(n_i, expit(θ_i))``)."""
    studies, mu_prior, tau_prior = build_args  # the prior objects of sbc_build's model
    mu = mu_prior.sample(None, rng)
    tau = tau_prior.sample(None, rng)
    theta = mu + tau * rng.standard_normal(len(studies))
    data = {}
    normal = [i for i, st in enumerate(studies) if st.kind == "normal"]
    binom = [i for i, st in enumerate(studies) if st.kind == "binomial"]
    if normal:
        data["y"] = rng.normal(theta[normal], [studies[i].s for i in normal])
    if binom:
        n = np.array([studies[i].n for i in binom])
        data["k"] = rng.binomial(n.astype(np.int64), 1.0 / (1.0 + np.exp(-theta[binom])))
        data["k"] = data["k"].astype(float)
    return {"mu": np.float64(mu), "tau": np.float64(tau), "theta": theta}, data
