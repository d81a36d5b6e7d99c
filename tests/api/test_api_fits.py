"""The Bayesian fits of the public API against exact posteriors, through ``neosim`` alone.

5/40 vs 2/30 with uniform priors: each proportion is Beta(1 + k, 1 + n - k) and their difference
has the exact density of a difference of independent Betas (by numerical integration here). A
DataFrame of (time, event, arm) with the exponential family and Gamma(a, rate=b) hazard priors:
each arm's hazard is Gamma(a + events, b + time at risk). Tolerances are 4 Monte-Carlo standard
errors of the fit (arviz-stats ``mcse`` of the mean and of each quantile), so a wrong posterior
fails and a right one passes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize, stats

import neosim as ns

Z = 4.0
LEVELS = (0.025, 0.975)


def _check(draws: np.ndarray, dist_mean: float, cdf) -> None:
    """Mean and the 2.5 % / 97.5 % quantiles of ``draws`` (chain, draw) against the exact
    distribution, each within ``Z`` Monte-Carlo standard errors (arviz-stats ``mcse``)."""
    import arviz_stats as azs
    import xarray as xr

    x = xr.DataArray(draws.reshape(draws.shape[0], -1), dims=("chain", "draw"))
    se = float(azs.mcse(x, method="mean"))
    assert abs(float(x.mean()) - dist_mean) < Z * se, (float(x.mean()), dist_mean, se)
    for q in LEVELS:
        exact = optimize.brentq(lambda v, q=q: cdf(v) - q, -1 + 1e-12, 1e3)
        se = float(azs.mcse(x, method="quantile", prob=q))
        got = float(np.quantile(x.values, q))
        assert abs(got - exact) < Z * se, (q, got, exact, se)


def _difference_cdf(a: stats.rv_continuous, b: stats.rv_continuous):
    def cdf(d: float) -> float:  # P(X - Y <= d) = E_Y[F_X(d + Y)]
        return integrate.quad(lambda y: a.cdf(d + y) * b.pdf(y), 0, 1, limit=200)[0]

    return cdf


def test_two_proportions_match_their_exact_beta_posteriors():
    dt = ns.fit_proportions({"A": (5, 40), "B": (2, 30)}, seed=20, draws=2000, chains=4)
    post = dt["posterior"]
    exact = {"A": stats.beta(6, 36), "B": stats.beta(3, 29)}
    for g, dist in exact.items():
        _check(post["proportion"].sel(group=g).values, dist.mean(), dist.cdf)
    cdf = _difference_cdf(exact["A"], exact["B"])
    _check(post["proportion_difference"].values, exact["A"].mean() - exact["B"].mean(), cdf)
    diff = post["proportion"].sel(group="A") - post["proportion"].sel(group="B")
    assert np.allclose(diff.values, post["proportion_difference"].values)


@pytest.mark.parametrize("prior", [(1.0, 24.0), (2.0, 10.0)])
def test_exponential_arms_match_their_exact_gamma_posteriors(prior):
    rng = np.random.default_rng(31)
    rates = {"control": 0.08, "treatment": 0.04}
    rows = []
    for arm, rate in rates.items():
        t = rng.exponential(1 / rate, 25)
        c = rng.uniform(6, 36, 25)
        rows += [{"months": min(a, b), "died": bool(a <= b), "arm": arm}
                 for a, b in zip(t, c, strict=True)]
    df = pd.DataFrame(rows).sample(frac=1.0, random_state=3)  # arms interleaved
    dt = ns.fit_survival(df, time="months", event="died", group="arm", family="exponential",
                         priors={"hazard": ns.Gamma(*prior)}, seed=21,
                         draws=2000, chains=4)
    post = dt["posterior"]["hazard_per_month"]
    assert list(post["group"].values) == list(df["arm"].unique())  # order of appearance
    for arm in rates:
        mine = df[df["arm"] == arm]
        dist = stats.gamma(prior[0] + mine["died"].sum(), scale=1 / (prior[1]
                                                                     + mine["months"].sum()))
        _check(post.sel(group=arm).values, dist.mean(), dist.cdf)
    assert dt["log_likelihood"]["survival"].shape[-1] == len(df)
