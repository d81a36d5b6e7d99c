"""R ``survival`` conventions, pinned with values printed by tests/reference/survival_cases.R
(survival 3.5.3, R 4.2.2; the tests never call R): a death exactly at a piecewise cut counts in
the interval ending at the cut (``survSplit``); the Kaplan–Meier median, its confidence interval,
the pointwise bands (``conf.type = "log"``, R's default, and ``"log-log"``) and ``S(t)`` at chosen
times with the numbers at risk (``quantile.survfit``, ``summary(fit, times=)``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neosim.models import survival as sv
from neosim.priors import Gamma
from neosim.survival.nonparametric import kaplan_meier

# tests/reference/survival_cases.R, "PWE": events and exposure per interval of survSplit(cut=6, 24)
PWE_TIME = np.array([2, 6, 6, 7.5, 10, 24, 24, 30, 3, 6])
PWE_EVENT = np.array([1, 1, 0, 1, 0, 1, 1, 0, 1, 1])
PWE_EVENTS = (4, 3, 0)
PWE_EXPOSURE = (53, 59.5, 6)

# the aml data of R's survival package (Embury et al. 1977), maintained and non-maintained arms
AML = {"KM3": ([9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161], [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0]),
       "KM4": ([5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45], [1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1])}
NAN = math.nan
R_MEDIAN = {  # (case, conf.type): median, 0.95LCL, 0.95UCL of print.survfit ("print" lines)
    ("KM1", "log"): (3.5, 2, NAN), ("KM2", "log"): (3.5, 1, NAN), ("KM5", "log"): (17, 17, NAN),
    ("KM3", "log"): (31, 18, NAN), ("KM4", "log"): (23, 8, NAN),
    ("KM3", "log-log"): (31, 13, NAN), ("KM4", "log-log"): (23, 5, 33)}
R_QUANTILE = {  # quantile(fit, 0.5): equal to the printed median except on a last flat step
    ("KM5", "log"): (31, 17, NAN), ("KM1", "log"): (3.5, 2, NAN), ("KM4", "log-log"): (23, 5, 33)}
R_TIMES = {  # summary(fit, times = c(6, 12, 24)): surv, lower, upper, n.risk
    ("KM3", "log"): ((1, 0.909090909090909, 0.613636363636364),
                     (1, 0.754133845081525, 0.37686705950168), (1, 1, 0.999157600228473),
                     (11, 10, 6)),
    ("KM4", "log"): ((0.833333333333333, 0.583333333333333, 0.486111111111111),
                     (0.647036987013362, 0.361613705210385, 0.267518248858267),
                     (1, 0.940998012173809, 0.883319225339558), (10, 8, 5)),
    ("KM3", "log-log"): ((1, 0.909090909090909, 0.613636363636364),
                         (1, 0.50808020576993, 0.265752040001286),
                         (1, 0.986673822667823, 0.835299243250221), (11, 10, 6)),
    ("KM4", "log-log"): ((0.833333333333333, 0.583333333333333, 0.486111111111111),
                         (0.481714942195379, 0.270138924085497, 0.191876619618728),
                         (0.955509365728065, 0.800940192333387, 0.729671569779485), (10, 8, 5))}


def _data(case):
    if case == "KM1":
        return np.arange(1.0, 7.0), np.ones(6, int)
    if case == "KM2":
        return np.array([1.0, 2, 3, 5]), np.array([1, 1, 0, 1])
    if case == "KM5":
        return np.array([17.0, 45.0]), np.array([1, 0])
    t, e = AML[case]
    return np.asarray(t, float), np.asarray(e, int)


def test_piecewise_death_at_cut_counts_in_interval_ending_there():
    family = sv.make_family("piecewise", cuts=(6.0, 24.0))
    data = sv.SurvivalData(PWE_TIME, PWE_EVENT, np.zeros(10, int), ("ALL",))
    post = sv.conjugate_gamma_posterior(family, data, sv.Priors(hazard=Gamma(1.0, 2.0)))
    shapes, rates = zip(*post.values(), strict=True)
    assert np.subtract(shapes, 1.0).tolist() == list(PWE_EVENTS)
    np.testing.assert_allclose(np.subtract(rates, 2.0), PWE_EXPOSURE, rtol=1e-15)


def test_piecewise_likelihood_puts_a_death_at_a_cut_in_the_earlier_interval():
    # the log-likelihood of one death at 6 months uses the hazard of [0, 6], not of (6, 24]
    bound = sv.make_family("piecewise", cuts=(6.0, 24.0))
    lam = np.array([0.1, 0.3, 0.05])
    for t, j in ((6.0, 0), (24.0, 1), (0.0, 0), (6.5, 1), (30.0, 2)):
        log_h = bound.log_hazard(np.array([t]), {"hazard_per_month": lam})
        assert log_h[0] == pytest.approx(np.log(lam[j])), t


@pytest.mark.parametrize(("case", "conf_type"), list(R_MEDIAN))
def test_kaplan_meier_median_and_interval_match_r(case, conf_type):
    got = kaplan_meier(*_data(case)).median(0.95, conf_type)
    np.testing.assert_allclose(got, R_MEDIAN[case, conf_type], rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize(("case", "conf_type"), list(R_QUANTILE))
def test_kaplan_meier_quantile_matches_r_quantile_survfit(case, conf_type):
    got = kaplan_meier(*_data(case)).quantile(0.5, 0.95, conf_type)
    np.testing.assert_allclose(got, R_QUANTILE[case, conf_type], rtol=1e-12, equal_nan=True)


def test_median_on_a_flat_step_at_one_half_is_the_midpoint():
    # S = 0.5 exactly on [2, 5) (a censoring at 3 inside): R gives (2 + 5) / 2, not 2
    assert kaplan_meier([1.0, 2, 3, 5], [1, 1, 0, 1]).median()[0] == 3.5


@pytest.mark.parametrize(("case", "conf_type"), list(R_TIMES))
def test_survival_at_times_matches_r_summary(case, conf_type):
    got = kaplan_meier(*_data(case)).at_times([6, 12, 24], 0.95, conf_type)
    for key, want in zip(("survival", "lower", "upper", "at_risk"), R_TIMES[case, conf_type],
                         strict=True):
        np.testing.assert_allclose(got[key], want, rtol=1e-12, err_msg=key)


def test_survival_after_the_last_time_is_not_estimated():
    got = kaplan_meier(*_data("KM4")).at_times([44.0, 45.0, 46.0])
    assert got["survival"][0] == pytest.approx(7 / 72) and got["survival"][1] == 0.0
    assert math.isnan(got["survival"][2]) and math.isnan(got["lower"][1])
    assert got["at_risk"].tolist() == [1.0, 1.0, 0.0]
