"""The posterior probabilities of the Bayesian adaptive rules at the looks of simulated sequential
trials against full MCMC (slow): a random subset of 8 (trial, look) pairs of the engine's look
table, largest difference in posterior probability below 0.01."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neosim.priors import Mixture
from neosim.simulator import Accrual, Exponential, TrialScenario
from neosim.simulator.adaptive import BayesianAdaptive
from neosim.simulator.analyses import BayesHazardRatio, BayesLogHR
from neosim.simulator.engine import simulate
from neosim.simulator.sequential import Looks
from neosim.simulator.validation import validate_against_mcmc

pytestmark = pytest.mark.slow

RATE = math.log(2) / 12
ROBUST = Mixture("gamma", [0.8, 0.2], [20.0, 1.0], [20.0 / RATE, 12.0])
VAGUE = Mixture("gamma", [1.0], [0.1], [1.0])
LOGHR = Mixture("normal", [0.5, 0.5], [0.0, -0.3], [2.0, 0.15])


@pytest.fixture(scope="module")
def subset():
    sc = TrialScenario(n=100, control=Exponential(RATE), accrual=Accrual.uniform(100, 24),
                       hazard_ratio=0.7, events=70, dropout_rate=0.01)
    t = simulate(sc, 2048, 2026, looks=Looks(events=(28, 49, 70)))
    rng = np.random.default_rng(2026)
    trials, looks = rng.choice(2048, 8, replace=False), rng.integers(0, 3, 8)
    flat = {"events_control": t["events_control"][trials, looks],
            "events_treatment": t["events_experimental"][trials, looks],
            "exposure_control": t["exposure_control"][trials, looks],
            "exposure_treatment": t["exposure_experimental"][trials, looks],
            "cox_loghr": t["cox_log_hr"][trials, looks], "cox_se": t["cox_se"][trials, looks]}
    return t, trials, looks, flat


@pytest.mark.parametrize("design, analysis, draws", [
    (BayesianAdaptive("gamma", ROBUST, VAGUE, margin=0.9), BayesHazardRatio(ROBUST, VAGUE, 0.9),
     25_000),
    (BayesianAdaptive("normal", log_hr_prior=LOGHR), BayesLogHR(LOGHR), 50_000),
], ids=["gamma", "normal"])
def test_look_posteriors_match_mcmc(subset, design, analysis, draws):
    t, trials, looks, flat = subset
    ours = design.posterior(t)[trials, looks]
    res = validate_against_mcmc(flat, analysis, range(8), draws=draws, seed=7)
    print(res)
    np.testing.assert_allclose(ours, res["fast"], rtol=0, atol=1e-12)
    assert res["max_abs_diff"] < 0.01
    diffs = np.abs(ours - np.array(res["mcmc"]))
    assert np.all(diffs < 4 * np.array(res["mcmc_mc_se"]) + 1e-3)
