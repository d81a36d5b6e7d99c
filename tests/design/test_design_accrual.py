"""Consortium accrual: closed forms for a constant rate; Poisson bands against simulation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import gamma

from neosim.design import accrual as A


def one_site(rate_per_month_per_unit: float = 1.0, **kw) -> A.Consortium:
    return A.Consortium([A.Site("X", 12e6 * rate_per_month_per_unit, **kw)])


@pytest.mark.parametrize("n, incidence", [(1, 1.0), (10, 2.5), (40, 0.7)])
def test_mean_time_to_n_constant_rate_closed_form(n, incidence):
    # Poisson process of rate mu: T_N ~ Gamma(N, mu), E[T_N] = N / mu.
    c = one_site()
    assert A.time_to_n_mean(c, incidence, n) == pytest.approx(n / incidence, rel=1e-9)


def test_mean_with_activation_and_ramp_closed_form():
    # Activation at 6, linear ramp over 4 months: L1(t) = (t-6)^2/8 on [6, 10], then t - 8.
    # E[T] = ∫ P(N(t) < n) dt checked by direct quadrature.
    from scipy.integrate import quad
    from scipy.special import gammaincc

    c = one_site(participation=1.0, activation_month=6.0, ramp_up_months=4.0)
    lam, n = 1.3, 5
    expected = 6.0 + quad(lambda t: gammaincc(n, lam * float(c.unit_intensity(np.array([t]))[0])),
                          6.0, np.inf, limit=200)[0]
    assert A.time_to_n_mean(c, lam, n) == pytest.approx(expected, rel=1e-8)


def test_quantiles_constant_rate_are_gamma_quantiles():
    c = one_site()
    q = A.time_to_n_quantiles(c, 2.0, 20)
    assert q == pytest.approx(gamma(20, scale=1 / 2.0).ppf(A.BAND_LEVELS), rel=1e-10)


def test_time_to_n_bands_match_simulation_with_uncertain_incidence():
    rng = np.random.default_rng(20240601)
    c = A.Consortium([A.Site("A", 7e5, 0.8, 0.0, 6.0), A.Site("B", 3.6e6, 0.3, 12.0, 12.0)],
                     eligible_fraction=0.9)
    lam = rng.gamma(11.5, 1 / 7.2, size=400)
    q = A.time_to_n_quantiles(c, lam, 15)
    reps = 40_000
    sim = A.simulate_arrivals(c, lam, 15, reps, rng)
    for level, t in zip(A.BAND_LEVELS, q, strict=True):
        se = np.sqrt(level * (1 - level) / reps)
        assert abs(np.mean(sim <= t) - level) < 4.5 * se
    # and the mean, within 4.5 Monte-Carlo standard errors
    assert abs(sim.mean() - A.time_to_n_mean(c, lam, 15)) < 4.5 * sim.std() / np.sqrt(reps)


def test_count_by_date_bands_match_simulation():
    rng = np.random.default_rng(7)
    c = A.Consortium([A.Site("A", 1.2e6, 1.0, 0.0, 3.0)])
    lam = rng.gamma(20, 1 / 10, size=300)
    dates = np.array([6.0, 24.0, 60.0])
    qs, mean = A.count_by_date_quantiles(c, lam, dates)
    reps = 40_000
    sim = A.simulate_counts(c, lam, dates, reps, rng)
    for j in range(dates.size):
        for level, k in zip(A.BAND_LEVELS, qs[j], strict=True):
            # k is the smallest count with P(N <= k) >= level
            se = np.sqrt(level * (1 - level) / reps)
            assert np.mean(sim[:, j] <= k) >= level - 4.5 * se
            assert np.mean(sim[:, j] <= k - 1) < level + 4.5 * se
        assert abs(sim[:, j].mean() - mean[j]) < 4.5 * sim[:, j].std() / np.sqrt(reps) + 1e-12
