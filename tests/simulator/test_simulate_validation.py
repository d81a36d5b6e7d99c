"""The fast Bayesian path against full MCMC (slow): largest difference in posterior probability
over a random subset of simulated trials must be below 0.01."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neosim.priors import Mixture
from neosim.simulator import Accrual, Exponential, TrialScenario
from neosim.simulator.analyses import BayesHazardRatio, BayesLandmark, BayesLogHR
from neosim.simulator.engine import simulate
from neosim.simulator.validation import validate_against_mcmc

pytestmark = pytest.mark.slow

RATE = math.log(2) / 12
# a robust MAP-like control prior: informative (about 20 prior events) plus a vague component
ROBUST = Mixture("gamma", [0.8, 0.2], [20.0, 1.0], [20.0 / RATE, 12.0])


@pytest.fixture(scope="module")
def trials():
    sc = TrialScenario(n=60, control=Exponential(RATE), accrual=Accrual.uniform(60, 24),
                       hazard_ratio=0.7, events=30, landmark=24.0)
    stats = simulate(sc, 4096, 2026)
    subset = np.random.default_rng(2026).choice(4096, 6, replace=False)
    return stats, subset


@pytest.mark.parametrize("analysis, draws", [
    (BayesHazardRatio(ROBUST, Mixture("gamma", [1.0], [0.1], [1.0])), 25_000),
    (BayesLandmark(Mixture("gamma", [0.5, 0.5], [10.0, 1.0], [300.0, 20.0]), time=24.0,
                   survival=0.3), 25_000),
    (BayesLogHR(Mixture("normal", [0.5, 0.5], [0.0, -0.3], [2.0, 0.15])), 50_000),
], ids=["hazard_ratio", "landmark", "log_hr"])
def test_fast_posterior_probabilities_match_mcmc(trials, analysis, draws):
    stats, subset = trials
    res = validate_against_mcmc(stats, analysis, subset, draws=draws, seed=5)
    print(res)
    assert res["max_abs_diff"] < 0.01
    # and the differences are MCMC noise: within 4 MC SE of the MCMC estimates
    diffs = np.abs(np.array(res["fast"]) - np.array(res["mcmc"]))
    assert np.all(diffs < 4 * np.array(res["mcmc_mc_se"]) + 1e-3)
