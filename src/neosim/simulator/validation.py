"""Validation of the fast Bayesian path: refit simulated trials with full MCMC (PyMC + nutpie).

The model is compiled once (:func:`neosim.sampling.compile_model`) and refitted per trial with new
data (:func:`neosim.sampling.refit`). The exponential likelihood of an arm enters through its
sufficient statistics (events ``d``, total follow-up ``E``): ``Σᵢ δᵢ log λ - λ yᵢ = d log λ - λ E``,
which is the censored exponential likelihood itself, not an approximation. Priors are the same
mixtures as the fast path, written as PyMC mixtures, so any difference is the fast path's error
plus MCMC noise (reported as the MC standard error of each MCMC probability, from its effective
sample size).
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np

from neosim import sampling, seeds
from neosim.simulator.analyses import BayesHazardRatio, BayesLandmark, BayesLogHR


def build_model(analysis):
    """The PyMC model of an analysis, with ``pm.Data`` for what changes from trial to trial."""
    import pymc as pm
    import pytensor.tensor as pt

    with pm.Model() as model:
        if isinstance(analysis, BayesHazardRatio):
            d = pm.Data("d", np.zeros(2))  # [control, treatment]
            x = pm.Data("x", np.ones(2))
            lam_c = analysis.control_prior.pymc("lam_control")
            lam_t = analysis.treatment_prior.pymc("lam_treatment")
            pm.Potential("loglik", d[0] * pt.log(lam_c) - lam_c * x[0]
                         + d[1] * pt.log(lam_t) - lam_t * x[1])
        elif isinstance(analysis, BayesLandmark):
            d = pm.Data("d", np.zeros(1))
            x = pm.Data("x", np.ones(1))
            lam_t = analysis.treatment_prior.pymc("lam_treatment")
            pm.Potential("loglik", d[0] * pt.log(lam_t) - lam_t * x[0])
        elif isinstance(analysis, BayesLogHR):
            est = pm.Data("estimate", np.zeros(1))
            se = pm.Data("se", np.ones(1))
            theta = analysis.prior.pymc("log_hr")
            pm.Normal("estimate_obs", mu=theta, sigma=se[0], observed=est[0])
        else:
            raise TypeError(f"no MCMC model for {type(analysis).__name__}")
    return model


def _data_for(analysis, s: dict[str, np.ndarray], i: int) -> dict[str, np.ndarray]:
    if isinstance(analysis, BayesHazardRatio):
        return {"d": np.array([s["events_control"][i], s["events_treatment"][i]]),
                "x": np.array([s["exposure_control"][i], s["exposure_treatment"][i]])}
    if isinstance(analysis, BayesLandmark):
        return {"d": np.array([s["events_treatment"][i]]),
                "x": np.array([s["exposure_treatment"][i]])}
    return {"estimate": np.array([s["cox_loghr"][i]]), "se": np.array([s["cox_se"][i]])}


def _success_draws(analysis, post) -> np.ndarray:
    """Per-draw indicator of the event whose posterior probability the rule thresholds."""
    if isinstance(analysis, BayesHazardRatio):
        ratio = post["lam_treatment"] / post["lam_control"]
        return (ratio < analysis.hr_threshold).values
    if isinstance(analysis, BayesLandmark):
        return (post["lam_treatment"] < -math.log(analysis.survival) / analysis.time).values
    return (post["log_hr"] < math.log(analysis.hr_threshold)).values


def validate_against_mcmc(stats: dict[str, np.ndarray], analysis, indices, *,
                          draws: int = 25_000, tune: int = 1000, chains: int = 4,
                          seed: int = 0) -> dict:
    """Refit the trials ``indices`` of ``stats`` by MCMC; compare posterior probabilities.

    Returns ``fast``, ``mcmc`` and ``mcmc_mc_se`` per trial, ``max_abs_diff``,
    ``compile_seconds`` and ``seconds_per_fit`` (sampling only, compile excluded).
    """
    import arviz_stats as azs
    import xarray as xr

    logging.getLogger("pymc").setLevel(logging.ERROR)
    fast = analysis.posterior_probability(stats)
    t0 = time.perf_counter()
    compiled = sampling.compile_model(build_model(analysis), freeze_model=None)
    compile_s = time.perf_counter() - t0
    rows = []
    t0 = time.perf_counter()
    for k, i in enumerate(indices):
        fit = sampling.refit(compiled, _data_for(analysis, stats, int(i)), draws=draws,
                             tune=tune, chains=chains, cores=chains,
                             seed=seeds.offset_seed(seed, k))
        hit = _success_draws(analysis, fit["posterior"])
        p = float(hit.mean())
        ess = float(azs.ess(xr.DataArray(hit.astype(float), dims=("chain", "draw"))))
        se = math.sqrt(max(p * (1 - p), 1e-12) / max(ess, 1.0))
        rows.append((int(i), float(fast[i]), p, se))
    per_fit = (time.perf_counter() - t0) / max(len(rows), 1)
    diffs = [abs(f - m) for _, f, m, _ in rows]
    return {"analysis": analysis.name, "index": [r[0] for r in rows],
            "fast": [r[1] for r in rows], "mcmc": [r[2] for r in rows],
            "mcmc_mc_se": [r[3] for r in rows], "max_abs_diff": max(diffs) if diffs else None,
            "draws": draws * chains, "compile_seconds": compile_s, "seconds_per_fit": per_fit}
