"""Kaplan–Meier and log-rank of neosim against lifelines (the reference), to 1e-10."""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test, multivariate_logrank_test

from neosim.survival.nonparametric import kaplan_meier, logrank


def _datasets():
    rng = np.random.default_rng(20240601)
    out = {}
    # continuous times, moderate censoring, two groups
    t = rng.exponential(12.0, 60)
    c = rng.uniform(0, 30, 60)
    out["continuous"] = (np.minimum(t, c), (t <= c).astype(int), rng.integers(0, 2, 60))
    # heavy ties: whole months, deaths and censorings at the same times, three groups
    t = np.ceil(rng.exponential(8.0, 80))
    c = np.ceil(rng.uniform(0, 20, 80))
    out["ties"] = (np.minimum(t, c), (t <= c).astype(int), rng.integers(0, 3, 80))
    # one arm entirely censored
    t = np.concatenate([np.ceil(rng.exponential(6.0, 15)), rng.uniform(1, 10, 12).round(1)])
    e = np.concatenate([np.ones(15, int), np.zeros(12, int)])
    out["all_censored_arm"] = (t, e, np.repeat([0, 1], [15, 12]))
    # tiny, neonatal-sized: 11 patients with ties and a censoring tied with a death
    t = np.array([2.0, 3.0, 3.0, 5.0, 5.0, 8.0, 12.0, 12.0, 24.0, 30.0, 30.0])
    e = np.array([1, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0])
    out["tiny"] = (t, e, np.array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]))
    # everything censored in both arms
    t = rng.uniform(1, 20, 10).round(0)
    out["no_events"] = (t, np.zeros(10, int), np.repeat([0, 1], 5))
    return out


DATASETS = _datasets()


@pytest.mark.parametrize("name", list(DATASETS))
def test_kaplan_meier_matches_lifelines(name):
    t, e, g = DATASETS[name]
    for mask in (np.ones_like(g, bool), g == 0, g == 1):
        ours = kaplan_meier(t[mask], e[mask])
        ref = KaplanMeierFitter().fit(t[mask], e[mask])
        timeline = ref.survival_function_.index.to_numpy(float)
        np.testing.assert_array_equal(ours.time, timeline)
        np.testing.assert_allclose(ours.survival, ref.survival_function_.to_numpy().ravel(),
                                   rtol=0, atol=1e-10)
        np.testing.assert_allclose(ours.at(timeline + 1e-9), ours.survival, atol=0)
        table = ref.event_table
        np.testing.assert_array_equal(table.index.to_numpy(float), ours.time)
        np.testing.assert_array_equal(ours.at_risk, table["at_risk"].to_numpy())
        np.testing.assert_array_equal(ours.events, table["observed"].to_numpy())
        np.testing.assert_array_equal(ours.censored, table["censored"].to_numpy())


@pytest.mark.parametrize("name", list(DATASETS))
def test_logrank_matches_lifelines(name):
    t, e, g = DATASETS[name]
    ours = logrank(t, e, g)
    ref = multivariate_logrank_test(t, g, e)
    assert ours.statistic == pytest.approx(ref.test_statistic, abs=1e-10)
    assert ours.p_value == pytest.approx(ref.p_value, abs=1e-10)
    assert ours.df == len(np.unique(g)) - 1
    np.testing.assert_allclose(ours.observed.sum(), ours.expected.sum(), atol=1e-10)
    if len(np.unique(g)) == 2:
        two = logrank_test(t[g == 0], t[g == 1], e[g == 0], e[g == 1])
        assert ours.statistic == pytest.approx(two.test_statistic, abs=1e-10)


def test_logrank_detects_a_difference_and_rejects_one_group():
    rng = np.random.default_rng(3)
    t = np.concatenate([rng.exponential(2.0, 200), rng.exponential(20.0, 200)])
    result = logrank(t, np.ones(400, int), np.repeat(["a", "b"], 200))
    assert result.p_value < 1e-10 and result.groups == ("a", "b")
    with pytest.raises(ValueError, match="two groups"):
        logrank(t, np.ones(400, int), np.zeros(400))


def test_kaplan_meier_greenwood_variance_by_hand():
    # 4 patients: deaths at 1 and 3, censored at 2 and 4.
    km = kaplan_meier([1.0, 2.0, 3.0, 4.0], [1, 0, 1, 0])
    np.testing.assert_allclose(km.survival, [1.0, 0.75, 0.75, 0.375, 0.375])
    # Greenwood at t=3: S^2 * (1/(4*3) + 1/(2*1))
    assert km.variance[3] == pytest.approx(0.375**2 * (1 / 12 + 1 / 2), rel=1e-14)
