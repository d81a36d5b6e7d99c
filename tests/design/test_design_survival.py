"""Survival sample size and power against published rpact / gsDesign values (relative 1e-6).

rpact cases: computed with rpact 3.3.4 (Debian r-cran-rpact 3.3.4-1, R 4.2.2) by
tests/reference/rpact_cases.R, whose comments give each call; the numbers are pinned here.
Lachin–Foulkes cases: gsDesign's own ``eEvents1()`` and the Lachin–Foulkes branch of ``LFPWE()``
(the engine of ``nSurv()``; keaven/gsDesign R/eEvents1.R and R/LFPWE.R at commit 0dad8afa),
sourced into R 4.2.2; calls given per case below. No test calls R.
"""

from __future__ import annotations

import math

import pytest

from neosim.design import survival as S
from neosim.design.spec import ControlSurvival, Dropout, TrialDesign

LN2 = math.log(2.0)
REL = 1e-6


def rel(a: float, b: float) -> float:
    return abs(a / b - 1.0)


def design(**kw) -> TrialDesign:
    return TrialDesign(**kw)


# ---- rpact getSampleSizeSurvival / getPowerSurvival -------------------------------------------

def test_r1_schoenfeld_accrual_followup():
    # rpact R1: getSampleSizeSurvival(alpha=.025, sided=1, beta=.2, lambda2=log(2)/12,
    #   hazardRatio=.5, accrualTime=c(0,12), followUpTime=12)
    r = S.sample_size(design(control=ControlSurvival(median_months=12.0), hazard_ratio=0.5,
                             accrual_time=12.0, followup_months=12.0, power=0.8))
    assert rel(r.events, 65.3456592588709) < REL
    assert rel(r.subjects, 125.454546238391) < REL
    assert r.subjects_per_arm_ceil == (63, 63) and r.events_ceil == 66
    assert r.study_duration_months == 24.0


@pytest.mark.parametrize("method, events, subjects, n1, n2", [
    # rpact R2 (Schoenfeld) and R3 (typeOfComputation="Freedman"): lambda2=log(2)/20, HR .7,
    # allocationRatioPlanned=2, accrualTime=c(0,24), followUpTime=12, dropoutRate1=dropoutRate2=.1,
    # dropoutTime=12, alpha=.05 two-sided, beta=.1
    ("schoenfeld", 371.675153209286, 864.282620884468, 576.188413922978, 288.094206961489),
    ("freedman", 336.2375379661, 781.877018261281, 521.251345507521, 260.62567275376),
])
def test_r2_r3_unequal_allocation_dropout_two_sided(method, events, subjects, n1, n2):
    d = design(control=ControlSurvival(median_months=20.0), hazard_ratio=0.7,
               allocation_ratio=2.0, alpha=0.05, sided=2, power=0.9, accrual_time=24.0,
               followup_months=12.0, dropout=Dropout(rate=0.1, time_months=12.0))
    r = S.sample_size(d, method)
    assert rel(r.events, events) < REL and rel(r.subjects, subjects) < REL
    assert rel(r.subjects_per_arm[0], n1) < REL and rel(r.subjects_per_arm[1], n2) < REL
    # whole blocks of 2 + 1 (rounding each arm up, 577 + 289, would break the 2:1 ratio)
    blocks = math.ceil(subjects / 3)
    assert r.subjects_per_arm_ceil == (2 * blocks, blocks)
    assert r.subjects_ceil == 3 * blocks >= subjects > 3 * (blocks - 1)


@pytest.mark.parametrize("ratio, n, arms", [(0.5, 853.2, (285, 570)), (2.0, 853.2, (570, 285)),
                                            (1.5, 100.1, (63, 42)), (1.0, 125.45, (63, 63)),
                                            (1.0, 126.0, (63, 63)), (math.pi, 50.0, (38, 13))])
def test_whole_arms_keep_the_allocation_ratio(ratio, n, arms):
    assert S.arms_in_ratio(n, ratio) == arms


def test_r4_freedman_3_to_1_dropout_per_arm():
    # rpact R4: lambda2=.05, HR .6, allocationRatioPlanned=3, accrualTime=c(0,18),
    #   followUpTime=6, dropoutRate1=.05, dropoutRate2=.15, dropoutTime=12, Freedman, beta=.2
    d = design(control=ControlSurvival(hazard_per_month=0.05), hazard_ratio=0.6,
               allocation_ratio=3.0, power=0.8, accrual_time=18.0, followup_months=6.0,
               dropout=Dropout(experimental_rate=0.05, control_rate=0.15, time_months=12.0))
    r = S.sample_size(d, "freedman")
    assert rel(r.events, 128.198368994368) < REL
    assert rel(r.subjects, 342.501675697955) < REL


def test_r5_piecewise_accrual_and_piecewise_exponential():
    # rpact R5: piecewiseSurvivalTime=c(0,6), lambda2=c(.05,.03), HR .6,
    #   accrualTime=c(0,6,12), accrualIntensity=c(.1,.2), followUpTime=10, beta=.2
    d = design(control=ControlSurvival(cuts_months=[6.0],
                                       piece_hazards_per_month=[0.05, 0.03]),
               hazard_ratio=0.6, power=0.8, accrual_time=[0.0, 6.0, 12.0],
               accrual_intensity=[0.1, 0.2], followup_months=10.0)
    r = S.sample_size(d)
    assert rel(r.events, 120.315704377499) < REL
    assert rel(r.subjects, 334.160472048419) < REL


def test_r6_study_duration_for_given_subjects():
    # rpact R6: median2=18, HR .65, accrualTime=0, accrualIntensity=20, maxNumberOfSubjects=300,
    #   dropout hazard .01/month (as dropoutRate=1-exp(-.12) by 12 months), beta=.2
    d = design(control=ControlSurvival(median_months=18.0), hazard_ratio=0.65, power=0.8,
               accrual_time=1.0, accrual_intensity=[20.0],
               dropout=Dropout(hazard_per_month=0.01))
    r = S.duration_for_subjects(d, 300.0)
    assert r.accrual_duration_months == pytest.approx(15.0, rel=1e-12)
    assert rel(r.followup_months, 26.1813317756124) < REL
    assert rel(r.study_duration_months, 41.1813317756124) < REL
    assert rel(r.events, 169.180662899934) < REL


@pytest.mark.parametrize("events, hr, alpha, sided, ratio, method, expected", [
    # rpact R7: getPowerSurvival(alpha=.025, sided=1, HR .7, maxNumberOfEvents=150)
    (150, 0.7, 0.025, 1, 1.0, "schoenfeld", 0.58870501610738),
    # rpact R8: getPowerSurvival(alpha=.05, sided=2, HR .75, allocationRatioPlanned=2, events 200)
    (200, 0.75, 0.05, 2, 2.0, "schoenfeld", 0.483268759222162),
    # rpact R9: as R7 with allocationRatioPlanned=3, typeOfComputation="Freedman"
    (150, 0.7, 0.025, 1, 3.0, "freedman", 0.537019091294759),
])
def test_r7_r9_power_for_events(events, hr, alpha, sided, ratio, method, expected):
    p = S.power_for_events(events, hr, alpha, sided=sided, allocation_ratio=ratio, method=method)
    assert rel(p, expected) < REL


# ---- gsDesign Lachin–Foulkes (nSurv engine) ---------------------------------------------------

def test_lf1_nsurv_defaults():
    # gsDesign LFPWE(lambdaC=log(2)/6, hr=.6, R=12, T=18, minfup=6, alpha=.025, beta=.1)
    # (nSurv()'s default arguments): n = 250.449187182, d = 160.483165265056
    r = S.sample_size(design(control=ControlSurvival(hazard_per_month=LN2 / 6),
                             hazard_ratio=0.6, accrual_time=12.0, followup_months=6.0,
                             power=0.9), "lachin-foulkes")
    assert rel(r.subjects, 250.449187182) < REL and rel(r.events, 160.483165265056) < REL


def test_lf2_dropout_gsdesign_test_case():
    # gsDesign tests/testthat/test-nSurv.R design: LFPWE(lambdaC=.2, hr=.7, etaC=etaE=.1,
    #   R=.5, T=2, minfup=1.5, beta=.1)
    r = S.sample_size(design(control=ControlSurvival(hazard_per_month=0.2), hazard_ratio=0.7,
                             accrual_time=0.5, followup_months=1.5, power=0.9,
                             dropout=Dropout(hazard_per_month=0.1)), "lachin-foulkes")
    assert rel(r.subjects, 1410.53830994991) < REL and rel(r.events, 332.712565771797) < REL


def test_lf3_piecewise_everything_unequal_allocation():
    # gsDesign LFPWE(lambdaC=c(.05,.03), S=6, hr=.65, etaC=.01, etaE=.005, gamma=c(1,2,3),
    #   R=c(3,3,12), T=30, minfup=12, ratio=2, alpha=.05, sided=2, beta=.2)
    d = design(control=ControlSurvival(cuts_months=[6.0],
                                       piece_hazards_per_month=[0.05, 0.03]),
               hazard_ratio=0.65, allocation_ratio=2.0, alpha=0.05, sided=2, power=0.8,
               accrual_time=[0.0, 3.0, 6.0, 18.0], accrual_intensity=[1.0, 2.0, 3.0],
               followup_months=12.0,
               dropout=Dropout(experimental_hazard_per_month=0.005,
                               control_hazard_per_month=0.01))
    r = S.sample_size(d, "lachin-foulkes")
    assert rel(r.subjects, 476.47657274137) < REL and rel(r.events, 186.343756542345) < REL


def test_lf4_power_for_subjects():
    # gsDesign LFPWE(lambdaC=log(2)/15, hr=.7, etaC=etaE=-log(.9)/12, gamma=10, R=24, T=36,
    #   minfup=12, ratio=1.5, alpha=.025, beta=NULL): power .506545258273284, d 126.832659685203
    d = design(control=ControlSurvival(hazard_per_month=LN2 / 15), hazard_ratio=0.7,
               allocation_ratio=1.5, power=None, subjects=240.0, accrual_time=24.0,
               followup_months=12.0, dropout=Dropout(rate=0.1, time_months=12.0))
    r = S.power(d, "lachin-foulkes")
    assert rel(r.power, 0.506545258273284) < REL and rel(r.events, 126.832659685203) < REL


# ---- internal consistency ---------------------------------------------------------------------

def test_event_probability_matches_quadrature():
    from scipy.integrate import quad

    lam, eta, a, f = 0.04, 0.01, 10.0, 5.0

    def p_by(t):  # exponential event with competing dropout
        return lam / (lam + eta) * (1 - math.exp(-(lam + eta) * t))

    expected = quad(lambda e: p_by(a + f - e), 0, a)[0] / a
    got = S.event_probability((0.0,), (lam,), eta, [a], [1.0], a + f)
    assert got == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("method", S.METHODS)
def test_power_inverts_sample_size(method):
    d = design(control=ControlSurvival(median_months=9.0), hazard_ratio=0.6, power=0.85,
               allocation_ratio=1.5, accrual_time=20.0, followup_months=10.0,
               dropout=Dropout(hazard_per_month=0.005))
    n = S.sample_size(d, method)
    back = S.power(d.model_copy(update={"subjects": n.subjects}), method)
    assert back.power == pytest.approx(0.85, rel=1e-9)
    assert n.power_ceil >= 0.85


def test_old_piece_starts_spelling_names_the_new_field():
    from neosim.config import validate
    from neosim.errors import InputError

    with pytest.raises(InputError) as exc:
        validate(ControlSurvival, {"piece_starts_months": [0.0, 6.0],
                                   "piece_hazards_per_month": [0.05, 0.03]}, file="d.toml")
    assert exc.value.field == "piece_starts_months" and "cuts_months" in exc.value.message
    assert ControlSurvival(cuts_months=[6.0], piece_hazards_per_month=[0.05, 0.03]).pieces() == (
        (0.0, 6.0), (0.05, 0.03))


# ---- a shifted null (theta_h0): rpact N1-N3 and gsDesign L1-L2 of ---------------------------
# tests/reference/rpact_sequential_survival.R (the calls are in its comments)

def test_n1_n2_schoenfeld_shifted_null():
    r = S.sample_size(design(control=ControlSurvival(median_months=12.0), hazard_ratio=1.0,
                             theta_h0=1.3, accrual_time=12.0, followup_months=12.0, power=0.8))
    assert rel(r.events, 456.098142249729) < REL and rel(r.subjects, 713.404383978165) < REL
    assert r.to_dict()["theta_h0"] == 1.3
    r = S.sample_size(design(control=ControlSurvival(median_months=20.0), hazard_ratio=0.5,
                             theta_h0=0.8, allocation_ratio=2.0, accrual_time=24.0,
                             followup_months=12.0, power=0.9,
                             dropout=Dropout(rate=0.1, time_months=12.0)))
    assert rel(r.events, 214.045602349567) < REL and rel(r.subjects, 578.483525700051) < REL


def test_n3_power_for_events_shifted_null():
    p = S.power_for_events(300, 0.95, 0.025, theta_h0=1.25)
    assert rel(p, 0.661561612916522) < REL
    # the same design without the shift tests HR 0.95 against 1: far less power
    assert S.power_for_events(300, 0.95, 0.025) < 0.1


@pytest.mark.parametrize("kw, subjects, events", [
    # gsDesign LFPWE(alpha=.025, beta=.2, lambdaC=log(2)/12, hr=1, hr0=1.3, R=12, T=24, minfup=12)
    ({"hazard_ratio": 1.0, "theta_h0": 1.3, "power": 0.8, "accrual_time": 12.0,
      "control": ControlSurvival(hazard_per_month=LN2 / 12)},
     718.681766780582, 459.472111552666),
    # LFPWE(beta=.1, lambdaC=log(2)/20, hr=.5, hr0=.8, etaC=etaE=.01, ratio=2, R=24, T=36,
    #   minfup=12)
    ({"hazard_ratio": 0.5, "theta_h0": 0.8, "power": 0.9, "allocation_ratio": 2.0,
      "accrual_time": 24.0, "control": ControlSurvival(hazard_per_month=LN2 / 20),
      "dropout": Dropout(hazard_per_month=0.01)},
     537.727549059246, 196.37734903851),
])
def test_l1_l2_lachin_foulkes_shifted_null(kw, subjects, events):
    r = S.sample_size(design(followup_months=12.0, **kw), "lachin-foulkes")
    assert rel(r.subjects, subjects) < REL and rel(r.events, events) < REL
    # and its power at that size is the target
    p = S.power(design(followup_months=12.0, **{**kw, "power": None, "subjects": r.subjects}),
                "lachin-foulkes")
    assert p.power == pytest.approx(kw["power"], abs=1e-9)


def test_shifted_null_refusals():
    from neosim.errors import InputError

    with pytest.raises(Exception, match="one-sided only"):
        design(theta_h0=1.3, sided=2, alpha=0.05)
    d = design(hazard_ratio=1.0, theta_h0=1.3)
    with pytest.raises(InputError, match="freedman tests theta_h0 = 1 only") as e:
        S.sample_size(d, "freedman")
    assert e.value.field == "theta_h0"
    with pytest.raises(InputError, match="null's") as e:
        S.sample_size(design(hazard_ratio=1.3, theta_h0=1.3))
    assert e.value.field == "hazard_ratio"
    with pytest.raises(Exception, match="theta_h0"):
        design(theta_h0=0.0)
