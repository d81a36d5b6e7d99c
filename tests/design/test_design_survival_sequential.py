"""Survival sample size and power with interim looks against rpact 3.3.4 (relative 1e-6).

References: tests/reference/rpact_sequential_survival.R (rpact 3.3.4, Debian r-cran-rpact
3.3.4-1, R 4.2.2), whose comments give each call (S1-S7: getSampleSizeSurvival with a
getDesignGroupSequential design; P1-P4: getPowerSurvival with one, P4 with absolute accrual).
No test calls R.
"""

from __future__ import annotations

import math

import pytest

import neosim as ns
from neosim.design import survival_sequential as SS
from neosim.errors import InputError

LN2 = math.log(2.0)
REL = 1e-6


def close(got, expected, rel=REL, abs_=0.0) -> bool:
    got = got if isinstance(got, list | tuple) else [got]
    expected = expected if isinstance(expected, list | tuple) else [expected]
    return len(got) == len(expected) and all(
        abs(g - e) <= rel * abs(e) + abs_ for g, e in zip(got, expected, strict=True))


def design(sequential, **kw) -> ns.TrialDesign:
    return ns.TrialDesign(sequential=sequential, **kw)


DESIGNS = {
    # S1 asOF, looks at 0.4/0.7/1, one-sided 2.5 %, 80 %, median 12, HR 0.6, accrual 24, fu 12
    "S1": (design({"information_rates": [0.4, 0.7, 1.0], "spending": "obf"},
                  control={"hazard_per_month": LN2 / 12}, hazard_ratio=0.6, accrual_time=24.0,
                  followup_months=12.0, power=0.8), "schoenfeld"),
    # S2 asP, two looks, two-sided 5 %, 90 %, 2:1, HR 0.7, median 20, dropout 10 % by 12 months
    "S2": (design({"information_rates": [0.5, 1.0], "spending": "pocock"},
                  control={"hazard_per_month": LN2 / 20}, hazard_ratio=0.7, allocation_ratio=2.0,
                  alpha=0.05, sided=2, power=0.9, accrual_time=24.0, followup_months=12.0,
                  dropout={"rate": 0.1, "time_months": 12.0}), "schoenfeld"),
    # S3 asKD gamma 2, four looks, non-inferiority: HR 0.9 against thetaH0 1.3
    "S3": (design({"information_rates": [0.25, 0.5, 0.75, 1.0], "spending": "kd", "gamma": 2},
                  control={"hazard_per_month": LN2 / 12}, hazard_ratio=0.9, theta_h0=1.3,
                  accrual_time=18.0, followup_months=12.0, power=0.8), "schoenfeld"),
    # S4 asHSD gamma -4, non-binding beta-spending futility bsHSD gamma -2, HR 0.65
    "S4": (design({"information_rates": [0.3, 0.6, 1.0], "spending": "hsd", "gamma": -4,
                   "futility": "hsd", "futility_gamma": -2},
                  control={"hazard_per_month": 0.05}, hazard_ratio=0.65, accrual_time=20.0,
                  followup_months=10.0, power=0.8), "schoenfeld"),
    # S5 classical OF, piecewise accrual 1:2 over 6 + 6 months, piecewise-exponential control
    "S5": (design({"information_rates": [1 / 3, 2 / 3, 1.0], "spending": "OF"},
                  control={"cuts_months": [6.0], "piece_hazards_per_month": [0.05, 0.03]},
                  hazard_ratio=0.6, accrual_time=[0.0, 6.0, 12.0], accrual_intensity=[0.1, 0.2],
                  followup_months=10.0, power=0.8), "schoenfeld"),
    # S6 Freedman, asOF with binding futility z bounds (0, 0.5), 3:1, dropout per arm
    "S6": (design({"information_rates": [0.4, 0.7, 1.0], "spending": "obf",
                   "futility_bounds": [0.0, 0.5], "binding_futility": True},
                  control={"hazard_per_month": 0.05}, hazard_ratio=0.6, allocation_ratio=3.0,
                  accrual_time=18.0, followup_months=6.0, power=0.8,
                  dropout={"experimental_rate": 0.05, "control_rate": 0.15,
                           "time_months": 12.0}), "freedman"),
    # S7 Wang-Tsiatis delta 0.25, shifted null thetaH0 0.9 against HR 0.6, 85 %
    "S7": (design({"information_rates": [0.5, 1.0], "spending": "WT", "delta": 0.25},
                  control={"hazard_per_month": LN2 / 15}, hazard_ratio=0.6, theta_h0=0.9,
                  accrual_time=12.0, followup_months=18.0, power=0.85), "schoenfeld"),
}

# rpact: eventsPerStage, maxNumberOfSubjects, expectedEventsH0/H01/H1, analysisTime,
# numberOfSubjects, expectedNumberOfSubjectsH1, studyDuration
SAMPLE_SIZE = {
    "S1": ([48.8625256765228, 85.5094199339149, 122.156314191307], 190.636504133207,
           121.871251046187, 118.095702999111, 102.870178731146,
           [18.7870384075241, 26.2535778328164, 36.0],
           [149.228971876111, 190.636504133207, 190.636504133207], 188.233438806193,
           31.0030690872915),
    "S2": ([206.474206004424, 412.948412008848], 960.258259771584, 406.546529486046,
           377.497853292651, 288.611697904448, [21.9083470655782, 36.0],
           [876.569634486002, 960.258259771584], 909.8620028225, 27.5141805747551),
    "S3": ([61.2883313045466, 122.576662609093, 183.86499391364, 245.153325218186],
           365.60001242168, 243.812642618317, 230.472917736154, 185.926935563717,
           [11.5998416067733, 17.1518874231365, 22.4858777555415, 30.0],
           [235.605679751435, 348.373903052998, 365.60001242168, 365.60001242168],
           352.979239107629, 23.5384136726577),
    "S4": ([53.8615943396296, 107.723188679259, 179.538647798765], 330.850797850032,
           104.846087057175, 142.045015644356, 144.490599350305,
           [13.8009535045644, 20.3379521590029, 30.0],
           [228.302823903816, 330.850797850032, 330.850797850032], 321.171929803968,
           25.351606351678),
    "S5": ([40.8033155098478, 81.6066310196956, 122.409946529543], 339.976944218295,
           122.107217099174, 118.281458475143, 103.015688203079,
           [10.4596864038817, 15.0359415205344, 22.0],
           [281.791265379831, 339.976944218295, 339.976944218295], 338.061760339312,
           18.7685021485424),
    "S6": ([52.851996708527, 92.4909942399222, 132.129991771317], 353.005611121474,
           83.0518307031184, 108.479195103204, 107.413845538184,
           [13.6527961431991, 18.6664290932422, 24.0],
           [267.750758113716, 353.005611121474, 353.005611121474], 344.852240732552,
           20.7049502184884),
    "S7": ([113.150824317962, 226.301648635924], 393.756700434648, 225.432848072342,
           216.20687095063, 181.652183618776, [15.4939531852878, 30.0],
           [393.756700434648, 393.756700434648], 393.756700434648, 24.2758947442469),
}


@pytest.mark.parametrize("tag", sorted(SAMPLE_SIZE))
def test_sample_size_with_looks_matches_rpact(tag):
    d, method = DESIGNS[tag]
    r = ns.sample_size(d, method)
    assert isinstance(r, SS.SequentialSurvivalResult)
    (events, subjects, e0, e01, e1, times, per_look, n1, duration) = SAMPLE_SIZE[tag]
    assert close(r.events_per_look, events) and close(r.max_events, events[-1])
    assert close(r.max_subjects, subjects)
    assert close(r.expected_events_h0, e0) and close(r.expected_events_h01, e01)
    assert close(r.expected_events_h1, e1)
    assert close(r.analysis_times, times) and close(r.subjects_per_look, per_look)
    assert close(r.expected_subjects_h1, n1) and close(r.study_duration_h1, duration)
    assert r.max_subjects_ceil >= r.max_subjects > r.max_subjects_ceil - 4
    assert r.overall_power == pytest.approx(d.power, abs=1e-6)


# rpact getPowerSurvival: overallReject, rejectPerStage, futilityPerStage, expectedNumberOfEvents,
# analysisTime, numberOfSubjects, expectedNumberOfSubjects, studyDuration
POWER = {
    # P1 the S1 design at 150 events and 250 subjects, HR 0.65 (rpact's futility per look is
    # its default bound -6 crossed with probability ~1e-9; ours is no bound: 0)
    "P1": ("S1", 0.65, 250.0, 150.0, 0.744546870260572,
           [0.0456620276199047, 0.361707067545097, 0.33717777509557],
           [9.86587645037698e-10, 9.65001897250299e-10], 129.613599342461,
           [17.8200474180405, 24.7284206769417, 32.7740297255492], [185.625493937922, 250, 250],
           247.060529462665, 29.1810468942926),
    # P2 the S4 design (non-binding futility) at 200 events and 400 subjects, HR 0.7
    "P2": ("S4", 0.7, 400.0, 200.0, 0.687068852607901,
           [0.0459650220165341, 0.202356493811025, 0.438747336780342],
           [0.0402177384385859, 0.077693748875067], 165.530394121396,
           [13.004063797749, 19.1299055293905, 27.1995643079571],
           [260.081275954981, 382.59811058781, 400], 383.068014769362, 23.7162469886138),
    # P3 the S2 design (two-sided: a rejection on either side) at 300 events, 700 subjects
    "P3": ("S2", 0.75, 700.0, 300.0, 0.594005815660817, [0.30999121107387, 0.284014604586948],
           [0.0], 253.50131833892, [21.4348552384062, 34.7785805814025],
           [625.183277786849, 700], 676.807473672568, 30.64214300209),
    # P4 the S3 design (asKD, thetaH0 1.3, HR 0.9) with absolute accrual of 20 a month, dropout
    # 5 % by 12 months, 400 subjects, 250 events
    "P4": ("S3", 0.9, 400.0, 250.0, 0.807739591729142,
           [0.0665993138889974, 0.248945884658617, 0.286882815131491, 0.205311578050036],
           [9.86587645037698e-10, 9.75840739298079e-10, 9.35990636255522e-10],
           188.464216752303, [11.9264720936884, 17.7199473408842, 22.8840567418837,
                              29.9362817965315],
           [238.529441873768, 354.398946817684, 400, 400], 377.893976885879, 23.6724724257956),
}
#: design changes of a power case beyond the hazard ratio and the subjects
POWER_UPDATE = {"P4": {"accrual_time": [0.0], "accrual_intensity": [20.0],
                       "accrual_intensity_type": "absolute",
                       "dropout": ns.TrialDesign(dropout={"rate": 0.05,
                                                          "time_months": 12.0}).dropout}}


@pytest.mark.parametrize("tag", sorted(POWER))
def test_power_with_looks_matches_rpact(tag):
    base, hr, n, events, overall, reject, futility, e1, times, per_look, n1, duration = \
        POWER[tag]
    d = DESIGNS[base][0].model_copy(update={"hazard_ratio": hr, "power": None, "subjects": n,
                                            **POWER_UPDATE.get(tag, {})})
    r = ns.power(d, events=events)
    assert close(r.overall_power, overall) and close(r.rejection_per_look, reject)
    assert close(r.futility_per_look, futility, abs_=2e-9)
    assert close(r.expected_events_h1, e1) and close(r.analysis_times, times)
    assert close(r.subjects_per_look, per_look) and close(r.expected_subjects_h1, n1)
    assert close(r.study_duration_h1, duration)
    accrual = 20.0 if tag == "P4" else d.accrual_duration_months
    assert close(r.followup_months, times[-1] - accrual)


@pytest.mark.parametrize("tag", ["S1", "S4", "S6"])
def test_power_at_the_solved_size_is_the_target(tag):
    d, method = DESIGNS[tag]
    size = ns.sample_size(d, method)
    p = ns.power(d.model_copy(update={"power": None, "subjects": size.max_subjects}),
                 method=method)
    assert p.overall_power == pytest.approx(d.power, abs=1e-9)
    assert close(p.max_events, size.max_events, rel=1e-9)
    assert close(p.analysis_times, size.analysis_times, rel=1e-9)
    assert close(p.expected_events_h0, size.expected_events_h0, rel=1e-7)
    assert close(p.expected_events_h1, size.expected_events_h1, rel=1e-7)


def test_to_dict_has_the_contract_keys_beside_the_boundaries():
    out = ns.sample_size(DESIGNS["S4"][0]).to_dict()
    for key in ("max_events", "max_subjects", "expected_events_h0", "expected_events_h1",
                "analysis_times", "information_rates", "critical_values", "alpha_spent",
                "futility_bounds", "rejection_probabilities_h1", "stopping_probabilities_h0",
                "inflation_factor"):
        assert key in out, key
    assert len(out["analysis_times"]) == len(out["critical_values"]) == 3


def test_power_at_events_without_subjects_has_no_times():
    d = DESIGNS["S1"][0].model_copy(update={"power": None, "subjects": None})
    r = SS.power(d, events=150.0)
    assert r.analysis_times is None and r.max_subjects is None
    assert 0.8 < r.overall_power < 0.95


def test_a_look_after_the_last_possible_event_is_refused():
    # 40 % dropout in the first year: 100 subjects never show 95 events
    d = DESIGNS["S1"][0].model_copy(update={
        "power": None, "subjects": 100.0,
        "dropout": ns.TrialDesign(dropout={"rate": 0.4, "time_months": 12.0}).dropout})
    with pytest.raises(InputError, match="a look after the last possible event") as e:
        ns.power(d, events=95.0)
    assert e.value.field == "subjects"


def test_lachin_foulkes_and_binary_have_no_looks():
    with pytest.raises(InputError, match="no group-sequential form") as e:
        ns.sample_size(DESIGNS["S1"][0], "lachin-foulkes")
    assert e.value.field == "method"
    b = ns.TrialDesign(endpoint="binary", control_proportion=0.3, experimental_proportion=0.5,
                       sequential={"information_rates": [0.5, 1.0]})
    with pytest.raises(InputError, match="survival designs only"):
        ns.sample_size(b)


def test_sequential_table_in_toml_and_its_bad_input():
    from neosim.config import validate

    d = validate(ns.TrialDesign, {"hazard_ratio": 0.6,
                                  "sequential": {"information_rates": [0.5, 1.0],
                                                 "spending": "pocock"}}, file="x.toml")
    assert d.sequential.spending == "pocock"
    with pytest.raises(InputError) as e:
        validate(ns.TrialDesign, {"sequential": {"information_rates": [0.7, 0.4, 1.0]}},
                 file="x.toml")
    assert e.value.field.startswith("sequential.information_rates")


@pytest.mark.parametrize("extra, field", [
    ("[design.sequential]\ninformation_rates = [0.5, 1.0]\n", "design.sequential"),
    ("", "design.theta_h0"),
])
def test_the_survival_design_kind_refuses_what_it_does_not_plan(tmp_path, extra, field):
    """One analysis only; a shifted null is refused before the run folder when freedman is
    among the methods (it would fail half-way otherwise)."""
    from pathlib import Path

    from neosim.experiments import load_experiment
    from neosim.experiments import survival_design as kind

    text = (Path(__file__).resolve().parents[2] / "experiments" / "survival_design.toml"
            ).read_text()
    if not extra:
        text = text.replace("hazard_ratio = 0.5", "hazard_ratio = 0.9\ntheta_h0 = 1.3")
    path = tmp_path / "x.toml"
    path.write_text(text + extra)
    with pytest.raises(InputError) as e:
        kind.prepare(load_experiment(path), str(path))
    assert e.value.field == field
