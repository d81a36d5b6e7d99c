"""The time unit of IPD (``[data] time_unit``, ``--time-unit``): the same data in days and in
months give the same answers on the same physical quantity, a file whose time columns name
another unit is refused, month-named keys are one-line "renamed" errors, and design priors are
exported per month. Fast: no sampling (the exponential posterior is exact)."""

from __future__ import annotations

import json
import math
import textwrap

import numpy as np
import pytest

from neosim import units
from neosim.cli import main
from neosim.errors import InputError
from neosim.experiments import kind_module, load_experiment
from neosim.models import survival as sv
from neosim.survival.ipd import parse_ipd

D = units.DAYS_PER_MONTH
#: a small cohort in months: patient, subtype, sct, months to SCT, months to event, event
ROWS = [("A1", "ALL", 1, 3.0, 5.0, 1), ("A2", "ALL", 1, 4.0, 10.0, 1),
        ("A3", "ALL", 1, 4.0, 30.0, 0), ("A4", "ALL", 1, 2.5, 14.5, 1),
        ("A5", "ALL", 0, None, 1.5, 1), ("M1", "AML", 1, 5.0, 50.0, 0),
        ("M2", "AML", 1, 3.0, 20.0, 1), ("M3", "AML", 1, 6.0, 36.0, 1),
        ("M4", "AML", 1, 3.5, 27.5, 0)]


def _csv(unit: str, factor: float, names: str = "time") -> str:
    head = f"patient_id,subtype,sct,{names}_to_sct,{names}_to_event,event"
    lines = [head]
    for pid, sub, sct, t_sct, t_ev, ev in ROWS:
        lines.append(f"{pid},{sub},{sct},{'' if t_sct is None else repr(t_sct * factor)},"
                     f"{t_ev * factor!r},{ev}")
    return "\n".join(lines) + "\n"


def test_units_are_defined_once_with_a_month_of_30_4375_days():
    assert units.DAYS_PER_MONTH == 365.25 / 12
    assert units.months_per("years") == 12.0
    assert units.months_per("weeks") == pytest.approx(7 / 30.4375, rel=1e-15)
    assert units.from_months(units.to_months(17.0, "days"), "days") == pytest.approx(17.0)
    assert units.dimension("hazard_per_month[ALL, 0-6]") == -1
    assert units.dimension("weibull_scale_months[AML]") == 1
    assert units.dimension("weibull_shape") == 0
    with pytest.raises(ValueError, match="unknown time unit"):
        units.months_per("fortnights")


def test_a_time_column_naming_another_unit_is_refused_with_the_fix():
    with pytest.raises(InputError) as exc:
        parse_ipd(_csv("days", 1.0, names="months"), file="ipd.csv", time_unit="days")
    err = exc.value
    assert (err.file, err.field) == ("ipd.csv", "months_to_sct")
    assert "time in months" in err.message and "read in days" in err.message
    assert 'data.time_unit = "months"' in err.message and "time_to_sct" in err.message
    assert "\n" not in str(err)
    # the unit-named columns of the unit read, and the generic ones, are both valid
    a = parse_ipd(_csv("days", D, names="days"), file="a.csv", time_unit="days")
    b = parse_ipd(_csv("days", D), file="b.csv", time_unit="days")
    np.testing.assert_array_equal(a.time_to_event, b.time_to_event)
    assert a.time_unit == "days"
    # existing month files keep working, and a file written back names its unit
    m = parse_ipd(_csv("months", 1.0, names="months"), file="m.csv")
    assert m.to_csv().splitlines()[0].endswith("months_to_sct,months_to_event,event")
    assert b.to_csv().splitlines()[0].endswith("days_to_sct,days_to_event,event")
    again = parse_ipd(b.to_csv(), file="again.csv", time_unit="days")
    np.testing.assert_array_equal(again.time_to_event, b.time_to_event)


@pytest.mark.parametrize(("unit", "ok", "bad"), [
    ("days", 1200 * D, 1200 * D * 1.001), ("years", 100.0, 100.1), ("months", 1200.0, 1200.5)])
def test_time_bounds_are_a_century_in_every_unit(unit, ok, bad):
    head = f"patient_id,time_to_event,event\nA,{ok!r},1\n"
    assert parse_ipd(head, file="x.csv", time_unit=unit).n == 1
    with pytest.raises(InputError, match=f"outside .* {unit}") as exc:
        parse_ipd(f"patient_id,time_to_event,event\nA,{bad!r},1\n", file="x.csv",
                  time_unit=unit)
    assert exc.value.field == "line 2.time_to_event"


TOML = """
[experiment]
name = "u"
kind = "survival_ipd"
seed = 3
[data]
file = "{file}"
subtypes = ["ALL", "AML"]
time_unit = "{unit}"
[models]
families = ["exponential", "piecewise"]
{cuts}
[export]
enabled = false
"""


def _prepare(tmp_path, unit: str, factor: float, cuts: str = ""):
    (tmp_path / f"{unit}.csv").write_text(_csv(unit, factor))
    path = tmp_path / f"{unit}.toml"
    path.write_text(textwrap.dedent(TOML.format(file=f"{unit}.csv", unit=unit, cuts=cuts)))
    cfg = load_experiment(path)
    return kind_module("survival_ipd").prepare(cfg, str(path))


def test_same_data_in_days_and_months_give_the_same_exact_posterior(tmp_path):
    """Default priors follow the unit: the exact Gamma posteriors of the exponential and
    piecewise hazards (default cuts 6 and 24 months, converted) agree after conversion."""
    months = _prepare(tmp_path, "months", 1.0)
    days = _prepare(tmp_path, "days", D)
    assert days.cfg.models.cuts == [6 * D, 24 * D]
    assert days.priors.hazard.beta == pytest.approx(24.0 * D, rel=1e-15)
    assert math.exp(days.priors.scale.mu) == pytest.approx(36.0 * D, rel=1e-12)
    for fm, fd in zip(months.families, days.families, strict=True):
        exact_m = sv.conjugate_gamma_posterior(fm, months.data, months.priors)
        exact_d = sv.conjugate_gamma_posterior(fd, days.data, days.priors)
        assert len(exact_m) == len(exact_d) == (2 if fm.name == "exponential" else 6)
        for (a_m, b_m), (a_d, b_d) in zip(exact_m.values(), exact_d.values(), strict=True):
            # lambda per day = lambda per month / D: Gamma(a, b_m) per month = Gamma(a, D b_m)
            assert a_d == a_m
            assert b_d / D == pytest.approx(b_m, rel=1e-9)
    # an explicit prior is read in the unit and kept as given
    weeks = _prepare(tmp_path, "weeks", D / 7,
                     cuts='cuts = [26.0]\npriors.hazard = { family = "gamma", alpha = 2.0, '
                          'beta = 100.0 }')
    assert (weeks.priors.hazard.alpha, weeks.priors.hazard.beta) == (2.0, 100.0)


def test_kaplan_meier_in_days_is_months_times_30_4375(tmp_path, capsys):
    from neosim.survival.analysis import kaplan_meier_groups

    months, days = _prepare(tmp_path, "months", 1.0), _prepare(tmp_path, "days", D)
    km_m = kaplan_meier_groups(months.data, t_max=36.0)
    km_d = kaplan_meier_groups(days.data, t_max=36.0 * D, unit="days")
    for sub in ("ALL", "AML"):
        np.testing.assert_allclose(km_d[sub]["time"].values, km_m[sub]["time"].values * D,
                                   rtol=1e-12)
        np.testing.assert_array_equal(km_d[sub]["survival"].values,
                                      km_m[sub]["survival"].values)
    for unit, factor in (("months", 1.0), ("days", D)):
        (tmp_path / f"k{unit}.csv").write_text(_csv(unit, factor))
        times = ",".join(repr(t * factor) for t in (6.0, 12.0, 24.0))
        main(["survival", "check", str(tmp_path / f"k{unit}.csv"), "--time-unit", unit,
              "--times", times, "--json"])
        record = json.loads(capsys.readouterr().out)
        assert record["time_unit"] == unit
        if unit == "months":
            ref = record
            continue
        for g, r in zip(record["subtypes"], ref["subtypes"], strict=True):
            for key in ("median", "median_lower", "median_upper"):
                assert (g[key] is None) == (r[key] is None)
                if r[key] is not None:
                    assert g[key] == pytest.approx(r[key] * D, rel=1e-12)
            assert [a["at_risk"] for a in g["at_times"]] == [a["at_risk"] for a in r["at_times"]]
            assert [a["survival"] for a in g["at_times"]] == pytest.approx(
                [a["survival"] for a in r["at_times"]], rel=1e-12)
    main(["survival", "check", str(tmp_path / "kdays.csv"), "--time-unit", "days",
          "--times", "365"])
    out = capsys.readouterr().out
    assert "KM median (days)" in out and "time from sct in days" in out
    assert "months" not in out


def test_survival_check_refuses_a_month_column_read_in_days(tmp_path, capsys):
    path = tmp_path / "m.csv"
    path.write_text(_csv("months", 1.0, names="months"))
    with pytest.raises(SystemExit) as info:
        main(["survival", "check", str(path), "--time-unit", "days"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"neosim: {path}: months_to_sct: the column is a time in months")
    assert err.endswith("or pass --time-unit months") and "\n" not in err


@pytest.mark.parametrize(("table", "old", "new"), [
    ("[models]", "cuts_months = [6.0]", "cuts"),
    ("[report]", "months = [12.0]", "times"),
    ("[report]", "curve_max_months = 60.0", "curve_max"),
    ("[models.priors]", 'scale_months = { family = "lognormal", median = 36.0, sigma = 1.5 }',
     "scale"),
])
def test_month_named_keys_are_renamed_errors(tmp_path, table, old, new):
    (tmp_path / "m.csv").write_text(_csv("months", 1.0))
    if table == "[models]":
        text = TOML.format(file="m.csv", unit="months", cuts=old)
    else:
        text = TOML.format(file="m.csv", unit="months", cuts="").replace(
            "[export]", f"{table}\n{old}\n[export]")
    path = tmp_path / "c.toml"
    path.write_text(textwrap.dedent(text))
    with pytest.raises(InputError) as exc:
        load_experiment(path)
    assert exc.value.field.endswith(old.split(" ")[0])
    assert exc.value.message == f"renamed: write {new} (in data.time_unit)"


def test_times_are_bounded_in_the_unit(tmp_path):
    (tmp_path / "d.csv").write_text(_csv("days", D))
    base = TOML.format(file="d.csv", unit="days", cuts="")
    path = tmp_path / "c.toml"
    path.write_text(textwrap.dedent(base) + "[report]\ntimes = [0.1]\n")
    with pytest.raises(InputError) as exc:
        load_experiment(path)  # 0.1 days is under 0.01 months (0.304 days)
    assert exc.value.field == "report.times"
    assert "0.1 days is outside [0.304375, 36525] days (0.01 to 1200 months)" == exc.value.message
    path.write_text(textwrap.dedent(base) + "[report]\ntimes = [365.0, 36000.0]\n")
    assert load_experiment(path).report.times == [365.0, 36000.0]  # 1183 months: valid


def test_exported_design_prior_is_per_month():
    """A fit in days exports hazards per month and scales in months."""
    import xarray as xr

    from neosim.survival.export import posterior_draw_table

    fam = sv.make_family("weibull")
    post = xr.Dataset({"weibull_shape": (("chain", "draw"), np.full((1, 4), 0.8)),
                       "weibull_scale_months": (("chain", "draw", "subtype"),
                                                np.full((1, 4, 1), 365.25))},
                      coords={"subtype": ["ALL"]})
    dt = xr.DataTree.from_dict({"posterior": post})
    table = posterior_draw_table(dt, fam, 10, "days")
    assert table["weibull_shape"] == [0.8] * 4
    assert table["weibull_scale_months[ALL]"] == pytest.approx([12.0] * 4, rel=1e-15)
    exp = sv.make_family("exponential")
    post = xr.Dataset({"hazard_per_month": (("chain", "draw", "subtype"),
                                            np.full((1, 4, 1), 0.001))},
                      coords={"subtype": ["ALL"]})
    table = posterior_draw_table(xr.DataTree.from_dict({"posterior": post}), exp, 10, "days")
    assert table["hazard_per_month[ALL]"] == pytest.approx([0.001 * D] * 4, rel=1e-15)


def test_exported_piecewise_intervals_are_named_in_months():
    import xarray as xr

    from neosim.survival.export import posterior_draw_table

    fam = sv.make_family("piecewise", (6 * D, 24 * D))  # cuts in days
    post = xr.Dataset({"hazard_per_month": (("chain", "draw", "subtype", "interval"),
                                            np.full((1, 2, 1, 3), 0.01))},
                      coords={"subtype": ["ALL"], "interval": fam.coords()["interval"]})
    table = posterior_draw_table(xr.DataTree.from_dict({"posterior": post}), fam, 10, "days")
    assert list(table) == ["hazard_per_month[ALL, 0-6]", "hazard_per_month[ALL, 6-24]",
                           "hazard_per_month[ALL, 24+]"]
    assert table["hazard_per_month[ALL, 24+]"] == pytest.approx([0.01 * D] * 2, rel=1e-15)
