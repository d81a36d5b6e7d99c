"""The trial engine: seeding contract, agreement with lifelines, censoring, error contract."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neosim.errors import InputError
from neosim.simulator import (
    Accrual,
    Cure,
    Exponential,
    PiecewiseExponential,
    TrialScenario,
    Weibull,
)
from neosim.simulator.engine import BLOCK, block_rng, draw_block, simulate, simulate_blocks

MEDIAN12 = Exponential(math.log(2) / 12)


def scenario(**kw) -> TrialScenario:
    base = dict(n=60, control=MEDIAN12, accrual=Accrual.uniform(60, 18), hazard_ratio=0.7,
                events=35)
    return TrialScenario(**(base | kw))


# ------------------------------------------------------------------------------- seeding


def test_results_do_not_depend_on_chunking_or_workers():
    sc = scenario(dropout_rate=0.01, landmark=12.0)
    n = 3 * BLOCK + 100
    a = simulate(sc, n, 11, workers=1, chunk_blocks=1)
    b = simulate(sc, n, 11, workers=2, chunk_blocks=3)
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


def test_a_run_is_a_prefix_of_a_longer_run_and_blocks_are_independent_units():
    sc = scenario()
    short = simulate(sc, BLOCK + 7, 5, workers=1)
    long = simulate(sc, 3 * BLOCK, 5, workers=2, chunk_blocks=1)
    np.testing.assert_array_equal(short["logrank_z"], long["logrank_z"][: BLOCK + 7])
    # blocks computed out of order, one at a time, land in the same places
    parts = {b: simulate_blocks(sc, 0, [b], 3 * BLOCK, 5) for b in (2, 0, 1)}
    joined = np.concatenate([parts[b]["cox_loghr"] for b in range(3)])
    np.testing.assert_array_equal(joined, long["cox_loghr"])


def test_seed_and_scenario_index_change_the_draws():
    sc = scenario()
    base = simulate(sc, 500, 1)["logrank_z"]
    assert not np.array_equal(base, simulate(sc, 500, 2)["logrank_z"])
    assert not np.array_equal(base, simulate(sc, 500, 1, scenario_index=1)["logrank_z"])


# ------------------------------------------------------------------- reference computation


def observed(sc: TrialScenario, block: int, seed: int):
    """Observed data of every trial of a block, recomputed in plain numpy (independently of the
    compiled kernel): cut-off, follow-up, status, arm."""
    entry, tev, tdrop, _ = draw_block(sc, block_rng(seed, 0, block))
    if tdrop is None:
        tdrop = np.full_like(entry, np.inf)
    happens = np.isfinite(tev) & (tev <= tdrop)
    if sc.events is not None:
        cal = np.where(happens, entry + tev, np.inf)
        cutoff = np.sort(cal, axis=1)[:, sc.events - 1]
        # target never reached: after the last event and the last entry
        last = np.maximum(np.where(np.isfinite(cal), cal, 0).max(1), entry.max(1))
        cutoff = np.where(np.isfinite(cutoff), cutoff, last)
    else:
        cutoff = np.full(BLOCK, sc.analysis_time)
    cutoff = cutoff[:, None]
    event = happens & (entry + tev <= cutoff)
    y = np.where(event, tev, np.minimum(tdrop, cutoff - entry))
    if sc.time_resolution:
        y = np.ceil(y / sc.time_resolution) * sc.time_resolution
    enrolled = entry <= cutoff
    return y, event, enrolled, sc.arm


TIED = dict(time_resolution=1.0, dropout_rate=0.02, landmark=12.0)  # whole months: many ties


@pytest.mark.parametrize("kw", [
    dict(landmark=12.0),
    TIED,
    dict(TIED, events=None, analysis_time=30.0),
    dict(TIED, control=Weibull(1.3, 15.0), hazard_ratio=0.5),
    dict(TIED, control=Cure(0.3, PiecewiseExponential((6.0,), (0.02, 0.08)))),
], ids=["continuous", "ties", "calendar", "weibull", "cure-pwe"])
def test_per_trial_statistics_match_lifelines(kw):
    import pandas as pd
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test

    sc = scenario(**kw)
    stats = simulate_blocks(sc, 0, [0], BLOCK, seed=3)
    y, event, enrolled, arm = observed(sc, 0, 3)
    checked = 0
    for b in range(0, BLOCK, 97):  # a sample of trials
        keep = enrolled[b]
        t, d, a = y[b][keep], event[b][keep], arm[keep]
        assert stats["events"][b] == d.sum()
        assert stats["enrolled"][b] == keep.sum()
        np.testing.assert_allclose(stats["exposure_treatment"][b], t[a == 1].sum(), rtol=1e-12)
        lr = logrank_test(t[a == 1], t[a == 0], d[a == 1], d[a == 0])
        np.testing.assert_allclose(stats["logrank_z"][b] ** 2, lr.test_statistic, rtol=1e-10)
        df = pd.DataFrame({"t": t, "d": d.astype(int), "arm": a})
        # lifelines stops Newton when the decrement (~ H δ²/2) is below `precision`, leaving
        # the last step δ unapplied; a tiny precision makes it iterate to the exact maximum
        cph = CoxPHFitter().fit(df, "t", "d", fit_options={"precision": 1e-30,
                                                           "r_precision": 1e-16,
                                                           "max_steps": 200})
        np.testing.assert_allclose(stats["cox_loghr"][b], cph.params_["arm"], rtol=1e-10,
                                   atol=1e-12)
        np.testing.assert_allclose(stats["cox_se"][b], cph.standard_errors_["arm"], rtol=1e-10)
        for arm_id, name in ((0, "km_control"), (1, "km_treatment")):
            km = KaplanMeierFitter().fit(t[a == arm_id], d[a == arm_id])
            s = float(km.survival_function_at_times(sc.landmark).iloc[0])
            np.testing.assert_allclose(stats[name][b], s, rtol=1e-10, atol=1e-14)
            table = km.event_table.loc[km.event_table.index <= sc.landmark]
            at_risk, dead = table["at_risk"].to_numpy(float), table["observed"].to_numpy(float)
            greenwood = s * s * np.sum(dead / (at_risk * (at_risk - dead)))
            np.testing.assert_allclose(stats[name + "_var"][b], greenwood, rtol=1e-10,
                                       atol=1e-14)
        checked += 1
    assert checked >= 10


def test_event_driven_analysis_has_exactly_the_target_events():
    s = simulate(scenario(), 2000, 9)  # no dropout, no cure: every trial gets there
    assert s["reached"].mean() == 1.0
    assert np.all(s["events"] == 35)
    s = simulate(scenario(dropout_rate=0.02), 2000, 9)  # some trials lose too many patients
    assert 0.5 < s["reached"].mean() < 1.0
    assert np.all(s["events"][s["reached"] == 1] == 35)
    assert np.all(s["events"][s["reached"] == 0] < 35)


def test_unreachable_target_is_flagged_and_analysed_after_the_last_event():
    # 80 % cured: 50 events out of 60 patients are (almost) never reached
    sc = scenario(control=Cure(0.8, MEDIAN12), events=50)
    s = simulate(sc, 500, 1)
    assert s["reached"].mean() < 0.01
    assert np.all(s["events"] < 50)
    capped = simulate(scenario(control=Cure(0.8, MEDIAN12), events=50, max_duration=40.0), 500,
                      1)
    assert np.all(capped["duration"] <= 40.0)


def test_single_arm_expected_events_under_the_null_are_cumulative_hazards():
    sc = scenario(design="single_arm", hazard_ratio=1.0)
    s = simulate_blocks(sc, 0, [0], 200, 4)
    y, _event, enrolled, _ = observed(sc, 0, 4)
    np.testing.assert_allclose(s["os_expected"], (MEDIAN12.rate * y * enrolled).sum(1)[:200],
                               rtol=1e-12)
    assert np.all(s["events_control"] == 0)


# --------------------------------------------------------------------------- error contract


@pytest.mark.parametrize("build, field", [
    (lambda: Exponential(-0.1), "hazard_per_month"),  # one name per parameter
    (lambda: Weibull(1.0, 0.0), "weibull_scale_months"),
    (lambda: PiecewiseExponential((6.0, 3.0), (0.1, 0.1, 0.1)), "cuts"),
    (lambda: Cure(1.2, MEDIAN12), "cure_fraction"),
    (lambda: Accrual((12.0,), (-2.0,)), "rates[0]"),
    (lambda: scenario(events=61), "events"),
    (lambda: scenario(events=None), "events"),
    (lambda: scenario(dropout_rate=-0.01), "dropout_rate"),
    (lambda: scenario(hazard_ratio=0.0), "hazard_ratio"),
    (lambda: scenario(n=1), "n"),
])
def test_bad_input_is_an_input_error_naming_the_field(build, field):
    with pytest.raises(InputError) as exc:
        build()
    assert exc.value.field == field
    assert "\n" not in str(exc.value)
