"""``ns.bayesian_adaptive`` / ``ns.calibrate_thresholds``: bad input names the argument (before
any simulation); the calibrated design's reported type-I error comes from fresh trials."""

from __future__ import annotations

import pytest

import neosim as ns
from neosim.errors import InputError

D = ns.TrialDesign(hazard_ratio=0.7, control={"median_months": 12.0}, power=None, subjects=100,
                   accrual_time=24.0, followup_months=12.0)
NORMAL = {"model": "normal", "log_hr_prior": ns.Mixture("normal", [1.0], [0.0], [2.0])}


@pytest.mark.parametrize("kw, field", [
    ({"look_events": [49, 28, 70]}, "look_events"),
    ({"look_events": [28, 49, 170]}, "look_events"),
    ({"look_events": [70]}, "look_events"),
    ({"look_events": "28,70"}, "look_events"),
    ({"efficacy": 0.0}, "efficacy"),
    ({"futility": 1.0}, "futility"),
    ({"calibrate_to": 2.0}, "target"),
    ({"n_trials": 5}, "n_trials"),
    ({"seed": -1}, "seed"),
    ({"subjects": 1}, "subjects"),
    ({"hazard_ratio": -0.5}, "hazard_ratio"),
    ({"hazard_ratio": float("nan")}, "hazard_ratio"),
    ({"design": "not a design"}, "design"),
    ({"design": D.model_copy(update={"sided": 2})}, "direction"),
    ({"model": "gamma"}, "control_prior"),
])
def test_bad_input_names_the_argument(kw, field):
    args = {"design": D, "look_events": [28, 49, 70]} | NORMAL | kw
    with pytest.raises(InputError) as err:
        ns.bayesian_adaptive(args.pop("design"), args.pop("look_events"), **args)
    assert err.value.field == field


def test_calibrated_design_is_checked_on_fresh_null_trials():
    r = ns.bayesian_adaptive(D, [28, 49, 70], futility=0.05, calibrate_to=0.025, n_trials=4000,
                             seed=9, **NORMAL)
    assert r.calibration.type_i_error == pytest.approx(0.025, abs=2e-4)
    assert r.rule.efficacy == r.calibration.threshold
    # a different set of null trials: not exactly the target, within 4 MC SE of it
    assert r.oc_h0["success"] != r.calibration.type_i_error
    assert abs(r.oc_h0["success"] - 0.025) < 4 * (0.025 * 0.975 * 2 / 4000) ** 0.5
    assert r.oc["success"] > 0.15 and set(r.to_dict()) >= {"oc", "oc_h0", "calibration"}
