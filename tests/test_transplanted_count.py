"""The number transplanted T of ``survival_aggregate``: ``summary.csv`` reports the posterior of
T itself (``number_transplanted``), whose interval holds whole counts and is wider than that of
E[T | p]. Checked against an exact computation on a small case (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from neosim import inference
from neosim.models import survival_aggregate as sa

CASES, SURVIVORS, A, B = 6, 1, 2.0, 2.0  # one subtype; a Beta(2, 2) prior on p; T uniform 1..6


def _exact_pmf() -> np.ndarray:
    """P(T = t | y) with p integrated out exactly: pi(t) C(t, y) B(a + y, b + t - y)."""
    t = np.arange(CASES + 1)
    log = np.full(t.size, -np.inf)
    ok = t >= SURVIVORS
    log[ok] = (np.log(special.comb(t[ok], SURVIVORS))
               + special.betaln(A + SURVIVORS, B + t[ok] - SURVIVORS))
    return np.exp(log - special.logsumexp(log))


def _exact_p_draws(n: int, seed: int) -> np.ndarray:
    """Exact posterior draws of p: T from its posterior, then p | T, y ~ Beta."""
    rng = np.random.default_rng(seed)
    t = rng.choice(CASES + 1, size=n, p=_exact_pmf())
    return rng.beta(A + SURVIVORS, B + t - SURVIVORS)[:, None]


def test_count_summary_matches_the_exact_posterior_of_t():
    pmf = _exact_pmf()
    got = inference.count_summary(pmf, ci_prob=0.95)
    t = np.arange(pmf.size)
    exact = stats.rv_discrete(values=(t, pmf))
    assert got["mean"] == pytest.approx(exact.mean(), rel=1e-12)
    assert got["sd"] == pytest.approx(exact.std(), rel=1e-12)
    assert (got["ci_lower"], got["median"], got["ci_upper"]) == (
        exact.ppf(0.025), exact.ppf(0.5), exact.ppf(0.975))
    assert got["ci_lower"] == 1 and got["ci_upper"] == 6  # whole counts, the full support here
    hdi = inference.count_summary(pmf, ci_prob=0.5, ci_kind="hdi")
    assert pmf[int(hdi["ci_lower"]):int(hdi["ci_upper"]) + 1].sum() >= 0.5


def test_rao_blackwellised_posterior_of_t_and_its_interval_against_exact():
    n = 20000
    data = sa.AggregateData(("ALL",), (CASES,), (SURVIVORS,),
                            sa.log_prior_matrix((CASES,), (SURVIVORS,), [None]))
    p = _exact_p_draws(n, seed=11)
    got = sa.transplanted_posterior(data, p)[0]
    exact = _exact_pmf()
    # each P(T = t) is a mean of n bounded conditional probabilities: 5 standard errors
    assert np.all(np.abs(got - exact) < 5 * np.sqrt(exact * (1 - exact) / n) + 1e-12)
    t_row = inference.count_summary(got, ci_prob=0.95)
    assert (t_row["ci_lower"], t_row["ci_upper"]) == (1.0, 6.0)
    # what summary.csv showed before: the interval of E[T | p], much narrower than T's
    weights = special.softmax(data.log_prior_transplanted + np.where(
        np.arange(CASES + 1) >= SURVIVORS,
        stats.binom.logpmf(SURVIVORS, np.arange(CASES + 1), p), -np.inf), axis=-1)
    expected = weights @ np.arange(CASES + 1)
    lo, hi = np.quantile(expected, [0.025, 0.975])
    assert t_row["ci_lower"] < lo and hi < t_row["ci_upper"]
    assert t_row["mean"] == pytest.approx(expected.mean(), rel=1e-9)
