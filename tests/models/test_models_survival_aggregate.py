"""Aggregate post-SCT survival: the summed-out likelihood equals brute-force enumeration."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit

from neosim.models import survival_aggregate as sa

CASES, SURVIVORS = (8, 3), (3, 1)  # JILSG 2006 abstract (PMID 16333820): ALL 3/8, AML 1/3


def _data(weights=(None, None)):
    return sa.AggregateData(("ALL", "AML"), CASES, SURVIVORS,
                            sa.log_prior_matrix(CASES, SURVIVORS, list(weights)))


def test_prior_matrix_uniform_weighted_and_fixed():
    lp = sa.log_prior_matrix(CASES, SURVIVORS, [None, {1: 1.0, 2: 3.0}])
    np.testing.assert_allclose(np.exp(lp[0]), [0, 0, 0, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6])
    np.testing.assert_allclose(np.exp(lp[1]), [0, 0.25, 0.75, 0, 0, 0, 0, 0, 0])
    fixed = sa.fixed_transplanted(CASES, SURVIVORS, (5, 3))
    assert np.exp(fixed[0, 5]) == 1 and np.exp(fixed[1, 3]) == 1 and np.exp(fixed).sum() == 2
    with pytest.raises(ValueError, match=r"only on 3\.\.8"), np.errstate(divide="ignore"):
        sa.AggregateData(("ALL",), (8,), (3,), np.log(np.eye(9)[2:3]))


def test_marginal_likelihood_equals_enumeration():
    data = _data([None, {1: 2.0, 2: 1.0, 3: 1.0}])
    model = sa.build_model(data)
    obs = model["survivors_after_sct"]
    point = model.initial_point()
    point["logit_mean"] = 0.3
    point["logit_sd_log__"] = np.log(0.8)
    point["z"] = np.array([1.2, -0.7])
    logp = model.compile_logp(vars=[obs], sum=False)(point)
    p = expit(0.3 + 0.8 * np.array([1.2, -0.7]))
    prior = np.exp(data.log_prior_transplanted)
    for s in range(2):
        ref = sum(prior[s, t] * stats.binom.pmf(SURVIVORS[s], t, p[s])
                  for t in range(SURVIVORS[s], CASES[s] + 1))
        assert np.ravel(logp)[s] == pytest.approx(np.log(ref), rel=1e-10)
    # P(T = t | p) by enumeration against the Rao-Blackwellised posterior helper
    post = sa.transplanted_posterior(data, p[None, :])
    for s in range(2):
        w = np.array([prior[s, t] * stats.binom.pmf(SURVIVORS[s], t, p[s])
                      for t in range(CASES[0] + 1)])
        np.testing.assert_allclose(post[s], w / w.sum(), atol=1e-12)
