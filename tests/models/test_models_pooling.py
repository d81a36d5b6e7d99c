"""Acceptance: the NUTS fit of the hierarchical model agrees with numerical integration."""

from __future__ import annotations

import numpy as np
import pytest

from neosim import inference, sampling
from neosim.models.evidence import StudyLikelihood
from neosim.models.pooling import REPORTED, build_model, map_draws
from neosim.models.pooling_quadrature import fit_grid, summarize_grid
from neosim.priors import HalfNormal, HalfStudentT

Z_MAX = 4.5  # |MCMC - exact| in Monte-Carlo SEs; ~12 comparisons per test


def _compare(studies, tau_prior, seed):
    model = build_model(studies, tau_prior=tau_prior)
    dt = sampling.sample(model, sampling.SamplerSettings(4, 2000, 1000, 0.99, 2), seed=seed)
    summary = inference.summarize(dt, list(REPORTED))
    assert int(dt["sample_stats"]["diverging"].sum()) == 0
    labels = [st.figure_id for st in studies]
    exact = summarize_grid(fit_grid(studies, tau_prior=tau_prior),
                           labels)
    exact["map_survival_mean"] = exact["map_survival"]
    checked = 0
    for row in summary.itertuples(index=False):
        ref = exact[row.parameter]
        mcse = row.sd / np.sqrt(row.ess_bulk)
        assert abs(row.mean - ref["mean"]) <= Z_MAX * mcse, row.parameter
        if row.parameter in ("mu", "tau"):
            # the SD's Monte-Carlo SE is about sd / sqrt(2 ESS)
            assert abs(row.sd - ref["sd"]) <= Z_MAX * row.sd / np.sqrt(2 * row.ess_bulk)
        checked += 1
    assert checked == len(labels) + 3
    return dt, exact


@pytest.mark.slow
def test_normal_likelihood_posterior_matches_quadrature():
    y = [-1.39, -1.21, -0.44, -0.23, -1.70]
    s = [0.57, 0.22, 0.23, 0.26, 0.77]
    studies = [StudyLikelihood(f"s{i}", f"s{i}", f"s{i}", "normal", y=a, s=b)
               for i, (a, b) in enumerate(zip(y, s, strict=True))]
    dt, exact = _compare(studies, HalfNormal(1.0), seed=11)
    # MAP predictive draws: their mean against the integrated predictive
    post = dt["posterior"]
    draws = map_draws(post["mu"].values, post["tau"].values, 4, np.random.default_rng(5))
    mcse = exact["map_survival"]["sd"] / np.sqrt(post.sizes["chain"] * post.sizes["draw"] / 3)
    assert abs(draws.mean() - exact["map_survival"]["mean"]) <= Z_MAX * mcse


@pytest.mark.slow
def test_binomial_likelihood_with_half_t_prior_matches_quadrature():
    k, n = [2.0, 5.0, 3.0, 9.0], [9.0, 12.0, 10.0, 20.0]
    studies = [StudyLikelihood(f"b{i}", f"b{i}", f"b{i}", "binomial", k=a, n=b)
               for i, (a, b) in enumerate(zip(k, n, strict=True))]
    _compare(studies, HalfStudentT(3.0, 0.5), seed=12)
