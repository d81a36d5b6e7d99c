"""Decision rules and conjugate updates: exact formulas checked against numerical integration."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from neosim.errors import InputError
from neosim.priors import Mixture, PriorFile, read_prior, write_prior
from neosim.simulator import prior_io
from neosim.simulator.analyses import (
    BayesHazardRatio,
    BayesLandmark,
    BayesLogHR,
    LogRank,
    OneSampleLogRank,
    check_analyses,
    gamma_posterior,
    normal_posterior,
    prob_hazard_below,
    prob_normal_below,
    prob_ratio_below,
)
from neosim.simulator.oc import estimator_oc, smallest_meeting

ROBUST = Mixture("gamma", [0.7, 0.3], [20.0, 1.0], [400.0, 10.0])  # informative + vague
VAGUE = Mixture("gamma", [1.0], [0.01], [0.01])


GRID = np.linspace(-30.0, 3.0, 600_001)  # log hazard per month
LAM = np.exp(GRID)


def numeric_posterior(mix: Mixture, d: float, e: float) -> np.ndarray:
    """Posterior density (per unit log λ) of a gamma-mixture prior on a fine grid, normalised
    numerically: brute force, independent of the conjugate algebra."""
    logf = np.log(mix.pdf(LAM)) + d * GRID - LAM * e + GRID
    f = np.exp(logf - logf.max())
    return f / integrate.trapezoid(f, GRID)


@pytest.mark.parametrize("d_t, e_t, d_c, e_c, h", [
    (12, 300.0, 20, 310.0, 1.0), (3, 90.0, 0, 0.0, 0.8), (30, 500.0, 10, 480.0, 1.2)])
def test_hazard_ratio_probability_equals_numerical_integration(d_t, e_t, d_c, e_c, h):
    post_t = gamma_posterior(VAGUE, np.array([d_t]), np.array([e_t]))
    post_c = gamma_posterior(ROBUST, np.array([d_c]), np.array([e_c]))
    fast = prob_ratio_below(post_t, post_c, h)[0]
    f_t = numeric_posterior(VAGUE, d_t, e_t)
    f_c = numeric_posterior(ROBUST, d_c, e_c)
    cdf_t = integrate.cumulative_trapezoid(f_t, GRID, initial=0.0)
    slow = integrate.trapezoid(f_c * np.interp(GRID + math.log(h), GRID, cdf_t), GRID)
    assert fast == pytest.approx(slow, abs=1e-6)


def test_gamma_posterior_weights_follow_the_marginal_likelihood():
    w, a, b = gamma_posterior(ROBUST, np.array([5.0, 40.0]), np.array([100.0, 100.0]))
    np.testing.assert_allclose(a, [[25, 6], [60, 41]])
    np.testing.assert_allclose(w.sum(1), 1.0)
    # data near the informative component (rate 0.05) keep it; data far away (0.4) reject it
    assert w[0, 0] > 0.7 > w[1, 0]
    for k, (d, e) in enumerate([(5.0, 100.0), (40.0, 100.0)]):
        f = numeric_posterior(ROBUST, d, e)
        assert np.sum(w[k] * a[k] / b[k]) == pytest.approx(integrate.trapezoid(LAM * f, GRID),
                                                           rel=1e-7)


def test_normal_log_hr_posterior_equals_numerical_integration():
    prior = Mixture("normal", [0.5, 0.5], [0.0, -0.4], [1.0, 0.2])
    est, se = -0.3, 0.25
    fast = prob_normal_below(normal_posterior(prior, np.array([est]), np.array([se])),
                             math.log(0.9))[0]

    def unnorm(t):
        return prior.pdf(t) * stats.norm.pdf(est, t, se)
    z = integrate.quad(unnorm, -10, 10, points=[-0.4, 0.0])[0]
    slow = integrate.quad(unnorm, -10, math.log(0.9), points=[-0.4])[0] / z
    assert fast == pytest.approx(slow, abs=1e-9)


def test_landmark_probability_is_a_gamma_cdf():
    rule = BayesLandmark(VAGUE, time=24.0, survival=0.3, probability=0.9)
    s = {"events_treatment": np.array([10.0]), "exposure_treatment": np.array([400.0])}
    lam0 = -math.log(0.3) / 24
    expected = stats.gamma(0.01 + 10, scale=1 / (0.01 + 400)).cdf(lam0)
    assert rule.posterior_probability(s)[0] == pytest.approx(expected, rel=1e-12)
    post = gamma_posterior(VAGUE, np.array([10.0]), np.array([400.0]))
    assert prob_hazard_below(post, lam0)[0] == pytest.approx(expected, rel=1e-12)


def test_one_sample_test_equals_the_exact_gamma_tail():
    rule = OneSampleLogRank(alpha=0.025)
    d = np.array([20.0, 20.0])
    # P(Gamma(20, 1) >= w) = 0.025 at w = its 97.5 % quantile
    w = stats.gamma(20).ppf(0.975)
    s = {"events": d, "os_expected": np.array([w * 0.999, w * 1.001]), "reached": np.ones(2)}
    np.testing.assert_array_equal(rule.success(s), [False, True])


# ----------------------------------------------------------------------- prior conversions


def test_beta_on_survival_maps_exactly_to_gamma_on_hazard_when_b_is_one():
    mix = prior_io.beta_survival_to_gamma_hazard(Mixture("beta", [0.6, 0.4], [1.0, 3.0],
                                                         [1.0, 1.0]), 24.0)
    np.testing.assert_allclose(mix.p1, [1.0, 1.0])
    np.testing.assert_allclose(mix.p2, [24.0, 72.0])
    for lam in (0.01, 0.05, 0.2):  # P(λ < x) = P(S > exp(-24 x))
        s = math.exp(-24 * lam)
        want = 0.6 * stats.beta(1, 1).sf(s) + 0.4 * stats.beta(3, 1).sf(s)
        assert mix.cdf(lam) == pytest.approx(want, rel=1e-12)


def test_beta_on_survival_matches_the_moments_of_the_hazard():
    a, b, horizon = 30.0, 20.0, 24.0
    mix = prior_io.beta_survival_to_gamma_hazard(Mixture("beta", [1.0], [a], [b]), horizon)
    dist = stats.beta(a, b)
    m1 = integrate.quad(lambda s: -math.log(s) / horizon * dist.pdf(s), 0, 1)[0]
    m2 = integrate.quad(lambda s: (math.log(s) / horizon) ** 2 * dist.pdf(s), 0, 1)[0]
    g = stats.gamma(mix.p1[0], scale=1 / mix.p2[0])
    assert g.mean() == pytest.approx(m1, rel=1e-9)
    assert g.var() == pytest.approx(m2 - m1 ** 2, rel=1e-7)


def test_prior_files_become_hazard_and_design_priors(tmp_path):
    beta = PriorFile(name="map", quantity="survival_probability_24m", kind="mixture",
                     family="beta", components=[{"weight": 0.8, "a": 12.0, "b": 8.0},
                                                {"weight": 0.2, "a": 1.0, "b": 1.0}])
    draws = PriorFile(name="fit", quantity="survival_model", kind="draws",
                      draws={"hazard_per_month[ALL]": [0.02, 0.03, 0.04],
                             "shape": [1.0, 1.1, 0.9]})
    normal = PriorFile(name="lhr", quantity="log_hazard_ratio", kind="mixture", family="normal",
                       components=[{"weight": 1.0, "mean": -0.3, "sd": 0.2}])
    paths = {p.name: write_prior(tmp_path / f"{p.name}.json", p) for p in (beta, draws, normal)}
    h = prior_io.hazard_prior(read_prior(paths["map"]))
    assert h.family == "gamma" and h.p1[1] == pytest.approx(1.0)
    rates = prior_io.design_rate_prior(read_prior(paths["fit"]))
    np.testing.assert_array_equal(rates, [0.02, 0.03, 0.04])
    sampler = prior_io.design_rate_prior(read_prior(paths["map"]))
    x = sampler.sample(200_000, np.random.default_rng(1))
    assert x.mean() == pytest.approx(h.mean(), rel=0.02)  # equal means by construction
    assert prior_io.log_hr_prior(read_prior(paths["lhr"])).family == "normal"
    with pytest.raises(InputError, match="mixture"):
        prior_io.hazard_prior(read_prior(paths["fit"]))
    with pytest.raises(InputError):
        prior_io.hazard_prior(read_prior(paths["lhr"]))


# ---------------------------------------------------------------------- summaries, checks


def test_smallest_meeting_reports_the_mc_range_of_the_answer():
    res = smallest_meeting([40, 60, 80, 100], np.array([0.70, 0.79, 0.81, 0.9]),
                           np.array([0.01, 0.01, 0.01, 0.01]), 0.8)
    assert (res["value"], res["lower"], res["upper"]) == (80, 60, 100)


def test_estimator_summaries_and_their_mc_errors():
    rng = np.random.default_rng(0)
    est = rng.normal(0.1, 0.2, 40_000)
    res = estimator_oc(est, np.full(est.size, 0.2), 0.0)
    assert res["bias"] == pytest.approx(0.1, abs=4 * res["bias_mc_se"])
    assert res["rmse"] == pytest.approx(math.sqrt(0.05), abs=4 * res["rmse_mc_se"])
    want = stats.norm.cdf(1.96 - 0.5) - stats.norm.cdf(-1.96 - 0.5)
    assert res["coverage"] == pytest.approx(want, abs=4 * res["coverage_mc_se"])


def test_analyses_must_fit_the_design():
    from neosim.simulator import Accrual, Exponential, TrialScenario

    two = TrialScenario(n=40, control=Exponential(0.05), accrual=Accrual.uniform(40, 12),
                        events=20)
    single = TrialScenario(n=40, control=Exponential(0.05), accrual=Accrual.uniform(40, 12),
                           analysis_time=30.0, design="single_arm")
    with pytest.raises(InputError, match="single_arm"):
        check_analyses([OneSampleLogRank()], two)
    with pytest.raises(InputError, match="event-driven"):
        check_analyses([OneSampleLogRank()], single)
    with pytest.raises(InputError, match="two_arm"):
        check_analyses([LogRank()], single)
    with pytest.raises(InputError, match="at least one"):
        check_analyses([], two)
    with pytest.raises(InputError):
        BayesLogHR(VAGUE)  # a gamma prior where a normal one belongs
    with pytest.raises(InputError):
        BayesHazardRatio(VAGUE, VAGUE, probability=1.5)


def test_exposure_analyses_refuse_rounded_times():
    """Rounding times up inflates exposure (biased towards benefit): such analyses are refused
    when time_resolution > 0, while the rank-based log-rank is allowed."""
    from neosim.errors import InputError
    from neosim.priors import Mixture
    from neosim.simulator import Accrual, Exponential, TrialScenario
    from neosim.simulator.analyses import (
        BayesHazardRatio,
        LogRank,
        OneSampleLogRank,
        check_analyses,
    )

    def scenario(design):
        return TrialScenario(n=40, control=Exponential(0.05), accrual=Accrual.uniform(40, 12.0),
                             design=design, events=20, time_resolution=1.0)

    check_analyses([LogRank(0.025)], scenario("two_arm"))
    with pytest.raises(InputError, match="time_resolution"):
        check_analyses([OneSampleLogRank(0.025)], scenario("single_arm"))
    vague = Mixture("gamma", [1.0], [0.001], [0.001])
    with pytest.raises(InputError, match="time_resolution"):
        check_analyses([BayesHazardRatio(vague, vague)], scenario("two_arm"))
