"""Simulated sequential trials: per-look statistics, seeding, stopping rules, shifted null,
operating characteristics against the exact recursion, the API and its error contract."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import neosim as ns
from neosim.errors import InputError
from neosim.simulator import Accrual, Cure, Exponential, TrialScenario
from neosim.simulator.engine import BLOCK, block_rng, draw_block, simulate
from neosim.simulator.seq_kernels import LOOK_STATS, sequential_statistics
from neosim.simulator.sequential import Looks, StoppingRule, sequential_oc, stop_trials

MEDIAN12 = Exponential(math.log(2) / 12)
# the kernel's names and the fixed engine's (kernels.STATS) for the same quantity
SAME = {"logrank_z": "logrank_z", "cox_log_hr": "cox_loghr", "cox_se": "cox_se",
        "events_control": "events_control", "events_experimental": "events_treatment",
        "exposure_control": "exposure_control", "exposure_experimental": "exposure_treatment",
        "look_subjects": "enrolled", "look_time": "duration", "look_reached": "reached"}


def scenario(**kw) -> TrialScenario:
    base = dict(n=60, control=MEDIAN12, accrual=Accrual.uniform(60, 18), hazard_ratio=0.7,
                events=40, dropout_rate=0.01)
    return TrialScenario(**(base | kw))


@pytest.mark.parametrize("kw", [{}, {"time_resolution": 1.0},  # whole months: many ties
                                {"control": Cure(0.3, MEDIAN12), "events": 30,
                                 "max_duration": 40.0}])
def test_each_look_equals_the_fixed_engine_at_that_look_bit_for_bit(kw):
    """The look k statistics are those of a fixed design analysed at look k's events: the same
    patients (same seed and blocks), the same risk sets and the same sums, exactly."""
    sc = scenario(**kw)
    looks = Looks(events=(12, 25, sc.events))
    seq = simulate(sc, 1500, 7, looks=looks, workers=1)
    assert set(seq) == set(LOOK_STATS) and seq["logrank_z"].shape == (1500, 3)
    for k, d in enumerate(looks.events):
        fixed = simulate(dataclasses.replace(sc, events=d), 1500, 7, workers=1)
        for name, fixed_name in SAME.items():
            np.testing.assert_array_equal(seq[name][:, k], fixed[fixed_name], err_msg=name)


def test_calendar_looks_equal_the_fixed_calendar_analyses():
    sc = scenario(events=None, analysis_time=30.0)
    seq = simulate(sc, 700, 3, looks=Looks(times=(10.0, 20.0, 30.0)), workers=1)
    for k, t in enumerate((10.0, 20.0, 30.0)):
        fixed = simulate(dataclasses.replace(sc, analysis_time=t), 700, 3, workers=1)
        np.testing.assert_array_equal(seq["logrank_z"][:, k], fixed["logrank_z"])
        np.testing.assert_array_equal(seq["look_time"][:, k], t)


def test_results_do_not_depend_on_chunking_or_workers_and_a_run_is_a_prefix():
    sc = scenario()
    looks = Looks(events=(15, 40), theta_h0=1.2)
    n = 2 * BLOCK + 50
    a = simulate(sc, n, 11, looks=looks, workers=1, chunk_blocks=1)
    b = simulate(sc, n, 11, looks=looks, workers=2, chunk_blocks=2)
    short = simulate(sc, BLOCK + 3, 11, looks=looks, workers=2)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
        np.testing.assert_array_equal(short[name], a[name][: BLOCK + 3])


def _logrank_by_hand(entry, tev, tdrop, n_treat, cut, theta):
    """rpact's shifted-null log-rank at cut-off ``cut``, written directly (one trial, no ties)."""
    enrolled = entry <= cut
    event = (tev <= tdrop) & (entry + tev <= cut)
    y = np.where(event, tev, np.minimum(cut - entry, tdrop))[enrolled]
    ev = event[enrolled]
    arm = (np.arange(entry.size) < n_treat)[enrolled]
    num = var = 0.0
    for t in np.sort(y[ev]):
        at_risk = y >= t
        n1, n0 = (at_risk & arm).sum(), (at_risk & ~arm).sum()
        p = theta * n1 / (theta * n1 + n0)
        num += float(arm[ev & (y == t)].sum()) - p
        var += theta * n1 * n0 / (theta * n1 + n0) ** 2
    return num / math.sqrt(var)


@pytest.mark.parametrize("theta", [1.0, 1.3, 0.8])
def test_shifted_null_log_rank_is_rpacts_statistic(theta):
    sc = scenario()
    entry, tev, tdrop, _ = draw_block(sc, block_rng(5, 0, 0))
    rows = slice(0, 25)
    res = sequential_statistics(entry[rows], tev[rows], tdrop[rows], sc.n_treatment,
                                (10, 25, 40), None, np.inf, 0.0, theta, False)
    for b in range(25):
        for k in range(3):
            want = _logrank_by_hand(entry[b], tev[b], tdrop[b], sc.n_treatment,
                                    res["look_time"][b, k], theta)
            assert res["logrank_z"][b, k] == pytest.approx(want, rel=1e-10, abs=1e-12)


def test_stopping_rule_stops_at_the_first_crossing_for_the_right_reason():
    z = -np.array([[3.5, 0.0, 0.0],     # efficacy at look 1 (lower direction: -z is read)
                   [0.5, 2.6, 0.0],     # efficacy at look 2
                   [-0.5, 3.0, 3.0],    # futility at look 1 (bound 0)
                   [0.5, 1.0, 2.1],     # futility at look 2 (bound 1.2)
                   [0.5, 1.5, 1.9],     # runs to the end, not rejected
                   [np.nan, 1.5, 2.5],  # no events at look 1: continues
                   [0.5, 1.5, 2.5]])    # look 2 target never reached: ends there
    reached = np.ones_like(z)
    reached[6, 1:] = 0
    stats = {"logrank_z": z, "look_reached": reached}
    rule = StoppingRule((3.36, 2.44, 1.93), (0.0, 1.2))
    look, reason = stop_trials(stats, rule)
    assert look.tolist() == [0, 1, 0, 1, 2, 2, 1]
    assert reason.tolist() == [1, 1, 2, 2, 0, 1, 0]
    upper = StoppingRule((3.36, 2.44, 1.93), direction="upper")
    assert stop_trials({"logrank_z": -z, "look_reached": reached}, upper)[1][:2].tolist() == [1, 1]
    two = StoppingRule((3.36, 2.44, 1.93), direction="two-sided")
    assert stop_trials({"logrank_z": -z, "look_reached": reached}, two)[0][2] == 1


def test_operating_characteristics_agree_with_the_exact_recursion():
    """Type-I error and per-look rejection under H0, two-sided Pocock-type bounds, within 3 MC
    SE of the exact crossing probabilities (20,000 trials: MC SE about 0.0015 overall)."""
    from neosim.design.sequential import SequentialPlan, sequential_probabilities

    gsd = SequentialPlan(information_rates=[0.5, 1.0], spending="pocock").boundaries(
        0.05, 0.2, 2)
    sc = scenario(n=200, events=120, hazard_ratio=1.0, accrual=Accrual.uniform(200, 12))
    stats = simulate(sc, 20_000, 9, looks=Looks(events=(60, 120)))
    oc = sequential_oc(stats, StoppingRule(gsd.critical_values, direction="two-sided"))
    up, low = sequential_probabilities(gsd.critical_values, None, [0.5, 1.0], 0.0, sided=2)
    for k in range(2):
        value, se = oc["rejection_per_look"][k]
        assert abs(value - (up[k] + low[k])) < 3 * se
    value, se = oc["overall_rejection"]
    assert abs(value - 0.05) < 3 * se
    assert oc["expected_events"][0] == pytest.approx(120 - 60 * (up[0] + low[0]), abs=3)


def _design(**kw):
    base = dict(hazard_ratio=0.7, control={"median_months": 12.0}, power=None, subjects=100,
                accrual_time=24.0, dropout={"hazard_per_month": 0.01}, analysis={"events": 70})
    return ns.TrialDesign(**(base | kw))


def test_api_simulates_a_plan_reproducibly_with_exact_values_beside():
    from neosim.design.sequential import SequentialPlan

    plan = SequentialPlan(information_rates=[0.4, 0.7, 1.0], spending="obf")
    ds = ns.simulate(_design(), n_trials=2000, seed=3, sequential=plan, keep_trials=True)
    again = ns.simulate(_design(sequential=plan), n_trials=2000, seed=3, workers=1)
    assert float(ds["overall_rejection"]) == float(again["overall_rejection"])
    assert ds.attrs["look_events"] == "[28, 49, 70]"
    assert ds["logrank_z"].dims == ("trial", "look") and ds["stop_look"].size == 2000
    assert float(ds["rejection_per_look"].sum()) == float(ds["overall_rejection"])
    assert abs(float(ds["overall_rejection"]) - float(ds["overall_rejection_analytic"])) < (
        3 * float(ds["overall_rejection_mc_se"]))
    assert float(ds["expected_events"]) < 70


@pytest.mark.parametrize(("build", "field"), [
    (lambda: Looks(), "looks"),
    (lambda: Looks(events=(30, 20)), "looks.events"),
    (lambda: Looks(events=(10, 20.5)), "looks.events"),
    (lambda: Looks(times=(0.0, 12.0)), "looks.times"),
    (lambda: Looks(events=tuple(range(1, 13))), "looks.events"),
    (lambda: Looks(events=(10,), theta_h0=0.0), "theta_h0"),
    (lambda: StoppingRule((2.0, math.inf)), "critical_values"),
    (lambda: StoppingRule((3.0, 2.0), (3.5,)), "futility_bounds"),
    (lambda: StoppingRule((3.0, 2.0), (0.0, 0.0)), "futility_bounds"),
    (lambda: StoppingRule((2.0,), direction="down"), "direction"),
    (lambda: StoppingRule((2.0,), statistic="wald"), "statistic"),
    (lambda: simulate(scenario(), 10, 1, looks=Looks(events=(30, 61))), "looks.events"),
    (lambda: simulate(scenario(design="single_arm"), 10, 1, looks=Looks(events=(30,))),
     "looks"),
    (lambda: ns.simulate(_design(), [ns.analyses.LogRank()], n_trials=10,
                         looks=Looks(events=(30, 70)), rule=StoppingRule((3.0, 2.0))),
     "analyses"),
    (lambda: ns.simulate(_design(), n_trials=10, looks=Looks(events=(30, 70)),
                         rule=StoppingRule((3.0, 2.0, 1.9))), "rule"),
    (lambda: ns.simulate(_design(), n_trials=10, rule=StoppingRule((3.0, 2.0))), "looks"),
])
def test_bad_input_is_an_input_error_naming_the_field(build, field):
    with pytest.raises(InputError) as exc:
        build()
    assert exc.value.field == field


def test_api_shifted_null_and_cox_wald_statistic():
    """A non-inferiority design (theta_h0 1.3, true HR 1) tests on the lower side of 1.3; the
    Cox Wald statistic rejects about as often as the log-rank one (same trials)."""
    from neosim.design.sequential import SequentialPlan

    plan = SequentialPlan(information_rates=[0.4, 0.7, 1.0])
    design = _design(hazard_ratio=1.0, theta_h0=1.3, sequential=plan)
    lr = ns.simulate(design, n_trials=3000, seed=5, keep_trials=True)
    cox = ns.simulate(design, n_trials=3000, seed=5, statistic="cox", keep_trials=True)
    assert lr.attrs["direction"] == "lower" and lr.attrs["theta_h0"] == 1.3
    se = float(lr["overall_rejection_mc_se"])
    assert abs(float(lr["overall_rejection"]) - float(lr["overall_rejection_analytic"])) < 3 * se
    assert abs(float(cox["overall_rejection"]) - float(lr["overall_rejection"])) < 3 * se
    # the statistics of a trial do not depend on the test chosen
    np.testing.assert_array_equal(cox["logrank_z"], lr["logrank_z"])
    wald = (cox["cox_log_hr"] - math.log(1.3)) / cox["cox_se"]
    assert float(np.corrcoef(wald.values.ravel(), lr["logrank_z"].values.ravel())[0, 1]) > 0.99


@pytest.mark.parametrize("analysis", [{"events": 70}, {}])
def test_a_fixed_design_with_a_shifted_null_is_the_one_look_test(analysis):
    """theta_h0 1.3 without looks: one look (at 70 events, or at the end of accrual plus
    follow-up), rpact's shifted log-rank at z_(1 - alpha), within 3 MC SE of the exact power."""
    design = _design(hazard_ratio=1.0, theta_h0=1.3, analysis=analysis, followup_months=12.0)
    ds = ns.simulate(design, n_trials=4000, seed=8)
    assert ds.sizes["look"] == 1 and ds["critical_values"].item() == pytest.approx(1.959964)
    if analysis:
        assert ds.attrs["look_events"] == "[70]"
        se = float(ds["overall_rejection_mc_se"])
        gap = float(ds["overall_rejection"]) - float(ds["overall_rejection_analytic"])
        assert abs(gap) < 3 * se
    else:
        assert ds.attrs["look_times"] == "[36.0]"
    with pytest.raises(InputError) as exc:  # the default analysis is the only shifted one
        ns.simulate(design, [ns.analyses.LogRank()], n_trials=10)
    assert exc.value.field == "analyses"


def test_a_sequential_simulation_too_large_for_memory_is_refused_before_it_runs():
    from neosim.design.sequential import SequentialPlan

    design = _design(sequential=SequentialPlan(information_rates=[0.25, 0.5, 0.75, 1.0]))
    with pytest.raises(InputError) as exc:
        ns.simulate(design, n_trials=10_000_000)
    assert exc.value.field == "n_trials" and "trial-looks" in exc.value.message
