"""IPD schema: validation with the error contract, the post-SCT landmark, synthetic cohorts."""

from __future__ import annotations

import numpy as np
import pytest

from neosim.errors import InputError
from neosim.models.survival import make_family
from neosim.survival.ipd import COLUMNS, landmark, load_ipd, parse_ipd
from neosim.survival.synthetic import CohortSpec, draw_cohort

HEADER = ",".join(COLUMNS).replace("time_to", "months_to")  # the months spelling of files
GOOD = "\n".join([
    "# neonatal IPD example (comment lines are ignored)",
    HEADER,
    "P1,ALL,rearranged,3,1,4.0,20.5,1",
    "P2,ALL,rearranged,10,0,,2.0,1",          # died before SCT: not transplanted
    "P3,AML,germline,0,1,5.5,60,0",
    "P4,AML,unknown,27,1,3,9,1",
    "",
])


def test_good_file_loads_and_round_trips(tmp_path):
    path = tmp_path / "ipd.csv"
    path.write_text(GOOD)
    ipd = load_ipd(path)
    assert ipd.n == 4 and ipd.patient_id == ("P1", "P2", "P3", "P4")
    assert np.isnan(ipd.time_to_sct[1]) and ipd.sct.tolist() == [1, 0, 1, 1]
    again = parse_ipd(ipd.to_csv(), file="again.csv")
    np.testing.assert_array_equal(again.time_to_event, ipd.time_to_event)
    assert again.mll_status == ipd.mll_status


def test_landmark_times_from_sct_and_drops_the_untransplanted():
    ipd = parse_ipd(GOOD, file="x.csv")
    data = landmark(ipd, ["ALL", "AML"])
    np.testing.assert_allclose(data.time, [16.5, 54.5, 6.0])
    assert data.event.tolist() == [1, 0, 1] and data.subtype_index.tolist() == [0, 1, 1]
    from_diagnosis = landmark(ipd, ["ALL"], origin="diagnosis")
    np.testing.assert_allclose(from_diagnosis.time, [20.5, 2.0])
    with pytest.raises(InputError, match="no transplanted patients"):
        landmark(parse_ipd(f"{HEADER}\nQ,ALL,unknown,1,0,,3,1\nR,AML,unknown,1,1,1,3,1\n",
                           file="y.csv"), ["ALL"])
    # nobody transplanted at all: the error suggests the analysis from diagnosis
    with pytest.raises(InputError, match="--origin diagnosis") as exc:
        landmark(parse_ipd(f"{HEADER}\nQ,ALL,unknown,1,0,,3,1\n", file="y.csv"), ["ALL"])
    assert exc.value.field == "data.time_origin"


def test_only_id_time_and_event_are_required():
    ipd = parse_ipd("patient_id,months_to_event,event\nA,3.5,1\nB,12,0\n", file="min.csv")
    assert ipd.subtype == ("all", "all") and ipd.mll_status == ("unknown", "unknown")
    assert ipd.sct.tolist() == [0, 0] and np.isnan(ipd.age_at_diagnosis_days).all()
    data = landmark(ipd, ["all"], origin="diagnosis")
    np.testing.assert_allclose(data.time, [3.5, 12.0])
    again = parse_ipd(ipd.to_csv(), file="again.csv")  # round trip with empty ages
    assert np.isnan(again.age_at_diagnosis_days).all()
    arms = parse_ipd("patient_id,arm,months_to_event,event\nA,control,3.5,1\nB,new,12,0\n",
                     file="arm.csv")
    assert arms.subtype == ("control", "new")
    with pytest.raises(InputError) as exc:
        parse_ipd("patient_id,event\nA,1\n", file="bad.csv")
    assert exc.value.field == "time_to_event" and "required" in exc.value.message
    assert "months_to_event" in exc.value.message


def _bad(row: str) -> str:
    return f"{HEADER}\nP1,ALL,rearranged,3,1,4.0,20.5,1\n{row}\n"


@pytest.mark.parametrize(("text", "field", "message"), [
    (_bad("P2,ALL,rearranged,3,1,4,-2,1"), "line 3.months_to_event", "negative time"),
    (_bad("P2,ALL,rearranged,3,1,-1,20,1"), "line 3.months_to_sct", "negative time"),
    (_bad("P2,ALL,rearranged,-3,1,1,20,1"), "line 3.age_at_diagnosis_days", "negative age"),
    (_bad("P2,ALL,rearranged,3,1,4,20,2"), "line 3.event", "must be 0 or 1"),
    (_bad("P2,ALL,rearranged,3,1,4,20,yes"), "line 3.event", "must be 0 or 1"),
    (_bad("P2,ALL,rearranged,3,0.5,4,20,1"), "line 3.sct", "must be 0 or 1"),
    (_bad("P2,ALL,rearranged,3,1,25,20,1"), "line 3.months_to_sct", "not before death"),
    (_bad("P2,ALL,rearranged,3,1,20,20,0"), "line 3.months_to_sct", "not before last follow-up"),
    (_bad("P2,ALL,rearranged,3,1,,20,1"), "line 3.months_to_sct", "missing although sct"),
    (_bad("P2,ALL,rearranged,3,0,4,20,1"), "line 3.months_to_sct", "must be empty"),
    (_bad("P1,AML,germline,3,1,4,20,1"), "line 3.patient_id", "duplicate patient id 'P1'"),
    (_bad("P2,ALL,maybe,3,1,4,20,1"), "line 3.mll_status", "must be one of"),
    (_bad("P2,ALL,rearranged,3,1,4,nan,1"), "line 3.months_to_event", "not a finite number"),
    (_bad("P2,ALL,rearranged,3,1,4,twenty,1"), "line 3.months_to_event", "not a number"),
    (_bad("P2,ALL,rearranged,3,1,4,1_0,1"), "line 3.months_to_event", "not a number"),
    (_bad("P2,ALL,rearranged,3,1,4,0,0"), "line 3.months_to_event", "must be positive"),
    (_bad("P2,A L,rearranged,3,1,4,20,1"), "line 3.subtype", "not a subtype label"),
    (_bad("P2,ALL,rearranged,3,1,4,20"), "line 3", "has 7 fields"),
    (HEADER.replace(",event", "") + "\nP1,ALL,rearranged,3,1,4,20\n", "event", "missing"),
    (HEADER + ",sex\nP1,ALL,rearranged,3,1,4,20,1,F\n", "sex", "unknown column"),
    (HEADER + "\n", None, "no patients"),
    ("", None, "empty IPD file"),
])
def test_bad_ipd_gets_the_error_contract(tmp_path, text, field, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load_ipd(path)
    err = info.value
    assert err.file == str(path) and err.field == field
    assert message in err.message and "\n" not in str(err)


def test_missing_and_undecodable_files(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_ipd(tmp_path / "nope.csv")
    (tmp_path / "latin.csv").write_bytes(HEADER.encode() + b"\nP\xe9,ALL,x,1,0,,2,1\n")
    with pytest.raises(InputError, match="not UTF-8"):
        load_ipd(tmp_path / "latin.csv")


def _spec(n=400):
    return CohortSpec(n=n, subtypes=("ALL", "AML"), subtype_weights=(0.7, 0.3),
                      family=make_family("weibull"),
                      truth={"weibull_shape": np.asarray(0.8),
                             "weibull_scale_months": np.array([20.0, 60.0])},
                      sct_probability=0.7, pre_sct_hazard=0.1)


def test_synthetic_cohort_is_seeded_valid_and_marked():
    a, b, c = draw_cohort(_spec(), 7), draw_cohort(_spec(), 7), draw_cohort(_spec(), 8)
    np.testing.assert_array_equal(a.time_to_event, b.time_to_event)
    assert not np.array_equal(a.time_to_event, c.time_to_event)
    assert a.synthetic and a.source.startswith("synthetic: 400 patients drawn from a weibull")
    again = parse_ipd(a.to_csv(), file="synthetic.csv")  # passes every schema rule
    assert again.n == 400
    # transplanted patients were alive and in follow-up at SCT; others never count as SCT
    sct = a.sct == 1
    assert np.all(a.time_to_sct[sct] < a.time_to_event[sct])
    assert 0.3 < sct.mean() < 0.7  # planned 70 %, minus early deaths at 0.1 / month over 3-6 m



def test_findings_carry_the_exact_gamma_posteriors_beside_the_mcmc_mean():
    """survival_ipd's findings hold the exact Gamma posteriors of the exponential and piecewise
    hazards; the NUTS mean sits beside each, matched to the right subtype and interval."""
    from types import SimpleNamespace

    import xarray as xr

    from neosim.models import survival as sv
    from neosim.survival.analysis import exact_posteriors

    data = sv.SurvivalData(time=np.array([2.0, 6.0, 9.0, 3.0, 12.0]),
                           event=np.array([1, 1, 0, 1, 0]),
                           subtype_index=np.array([0, 0, 0, 1, 1]), subtypes=("ALL", "AML"))
    from neosim.priors import Gamma

    priors = sv.Priors(hazard=Gamma(1.0, 10.0))
    pw = make_family("piecewise", (6.0,))
    exact = sv.conjugate_gamma_posterior(pw, data, priors)
    # fake draws: each hazard's draws centred on its exact mean, so a mix-up shows
    means = np.array([[a / b for (a, b) in list(exact.values())[2 * s: 2 * s + 2]]
                      for s in range(2)])
    draws = np.broadcast_to(means, (2, 50, 2, 2)).copy()
    dt = xr.DataTree.from_dict({"posterior": xr.Dataset(
        {"hazard_per_month": (("chain", "draw", "subtype", "interval"), draws)})})
    prep = SimpleNamespace(families=[pw, make_family("weibull", ())], data=data, priors=priors)
    out = exact_posteriors(prep, {"piecewise": dt}, 0.95)
    assert set(out) == {"piecewise"}
    # ALL, first piece [0, 6]: deaths at 2 and at the cut 6 (R's survSplit), exposure 2+6+6
    row = out["piecewise"]["hazard_per_month[ALL, 0-6]"]
    assert (row["shape"], row["rate"]) == (3.0, 24.0)
    for row in out["piecewise"].values():
        assert row["mcmc_mean"] == pytest.approx(row["mean"], rel=1e-12)
        assert row["ci_lower"] < row["mean"] < row["ci_upper"]


def test_the_survival_band_follows_ci_kind():
    """The S(t) band of a fit is equal-tailed or the narrowest interval (HDI), as [output]
    ci_kind asks; each holds ci_prob of the draws, and the HDI is never wider."""
    from neosim.survival.analysis import band

    rng = np.random.default_rng(0)
    flat = rng.beta(2.0, 8.0, size=(4000, 3))  # skewed draws at three times
    lo_e, hi_e = band(flat, 0.9, "eti")
    lo_h, hi_h = band(flat, 0.9, "hdi")
    for lo, hi in ((lo_e, hi_e), (lo_h, hi_h)):
        inside = np.mean((flat >= lo) & (flat <= hi), axis=0)
        assert np.all(np.abs(inside - 0.9) < 0.002)
    assert np.all(hi_h - lo_h <= hi_e - lo_e) and np.all(lo_h < lo_e)  # skewed: shifted down
