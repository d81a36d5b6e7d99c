"""EM fits of conjugate mixtures, component selection, quantile check, robustification."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from neosim.models.mixfit import (
    auto_fit,
    fit_em,
    mixture_quantiles,
    mixture_variance,
    quantile_check,
    robustify,
)
from neosim.priors import Mixture


def test_single_beta_is_the_maximum_likelihood_fit():
    x = np.random.default_rng(1).beta(3.0, 7.0, 5000)
    fit = fit_em("beta", x, 1)
    a, b, _, _ = stats.beta.fit(x, floc=0, fscale=1)
    assert fit.mixture.p1[0] == pytest.approx(a, rel=1e-4)
    assert fit.mixture.p2[0] == pytest.approx(b, rel=1e-4)


def test_single_gamma_and_normal_are_maximum_likelihood_fits():
    rng = np.random.default_rng(2)
    x = rng.gamma(4.0, 1 / 20.0, 5000)
    fit = fit_em("gamma", x, 1)
    a, _, scale = stats.gamma.fit(x, floc=0)
    assert fit.mixture.p1[0] == pytest.approx(a, rel=1e-4)
    assert fit.mixture.p2[0] == pytest.approx(1 / scale, rel=1e-4)
    y = rng.normal(0.3, 2.0, 5000)
    nfit = fit_em("normal", y, 1)
    assert nfit.mixture.p1[0] == pytest.approx(y.mean())
    assert nfit.mixture.p2[0] == pytest.approx(y.std())


@pytest.mark.parametrize("family,true", [
    ("beta", Mixture("beta", [0.6, 0.4], [4.0, 30.0], [12.0, 30.0])),
    ("gamma", Mixture("gamma", [0.5, 0.5], [5.0, 50.0], [10.0, 40.0])),
])
def test_em_recovers_a_two_component_mixture_and_bic_picks_two(family, true):
    x = true.sample(20000, np.random.default_rng(3))
    best, fits = auto_fit(family, x, k_max=3, criterion="bic")
    assert best.mixture.weights.size == 2
    assert [f.mixture.weights.size for f in fits] == [1, 2, 3]
    order = np.argsort(best.mixture.p1)
    # 20000 draws: weights to a few percent, parameters to about 10 %
    assert best.mixture.weights[order] == pytest.approx(true.weights, abs=0.03)
    assert best.mixture.p1[order] == pytest.approx(true.p1, rel=0.12)
    assert best.mixture.p2[order] == pytest.approx(true.p2, rel=0.12)
    assert quantile_check(best.mixture, x)["passed"]


def test_quantile_check_can_fail():
    x = Mixture("beta", [0.5, 0.5], [2.0, 40.0], [20.0, 10.0]).sample(20000,
                                                                      np.random.default_rng(4))
    one = fit_em("beta", x, 1).mixture
    check = quantile_check(one, x, tolerance_sd=0.05)
    assert not check["passed"] and check["max_abs_difference_in_sd"] > 0.05


def test_mixture_quantiles_invert_the_cdf():
    for mix in (Mixture("beta", [0.3, 0.7], [2.0, 9.0], [5.0, 3.0]),
                Mixture("gamma", [0.4, 0.6], [2.0, 30.0], [1.0, 3.0])):
        p = np.array([0.01, 0.3, 0.5, 0.99])
        assert mix.cdf(mixture_quantiles(mix, p)) == pytest.approx(p, abs=1e-10)


def test_variance_by_the_law_of_total_variance():
    mix = Mixture("beta", [0.3, 0.7], [2.0, 9.0], [5.0, 3.0])
    x = np.linspace(0, 1, 200001)
    m = np.trapezoid(x * mix.pdf(x), x)
    assert mixture_variance(mix) == pytest.approx(np.trapezoid((x - m) ** 2 * mix.pdf(x), x),
                                                  rel=1e-6)


def test_robustify():
    mix = Mixture("beta", [0.3, 0.7], [2.0, 9.0], [5.0, 3.0])
    r = robustify(mix, 0.2, (1.0, 1.0))
    assert r.weights == pytest.approx([0.24, 0.56, 0.2])
    assert r.mean() == pytest.approx(0.8 * mix.mean() + 0.2 * 0.5)
    x = np.linspace(0.01, 0.99, 7)
    assert r.pdf(x) == pytest.approx(0.8 * mix.pdf(x) + 0.2)
    assert robustify(mix, 0.0, (1.0, 1.0)) is mix
    with pytest.raises(ValueError):
        robustify(mix, 1.0, (1.0, 1.0))
