"""The ``design_comparison`` kind: bad configs stop before any run folder (one line, exit 2); a
reduced run writes its tables, figures and report; the simulated fixed and group-sequential
operating characteristics agree with their analytic values within Monte-Carlo error."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import pytest

from neosim import results
from neosim.experiments import kind_module, load_experiment

from ..badinput import assert_bad_input, run_cli, tree

REPO = Path(__file__).resolve().parents[2]

ACCRUAL = """
[experiment]
name = "fast_accrual"
kind = "accrual"
seed = 3
[[sites]]
table = "{countries}/japan.toml"
[incidence]
per_million_births = {incidence}
[recruitment]
targets = [10]
"""

COMPARISON = """
[experiment]
name = "cmp"
kind = "design_comparison"
seed = 11
[design]
hazard_ratio = {hr}
alpha = 0.025
power = 0.8
followup_months = {followup}
control = {{ median_months = {median} }}
[design.sequential]
information_rates = [0.5, 0.75, 1.0]
spending = "obf"
futility = "obf"
[accrual]
experiment = "accrual.toml"
[grid]
hazard_ratios = {hrs}
subjects = {subjects}
[bayesian]
calibrate = {calibrate}
calibration_trials = 1000
[simulation]
n_trials = {trials}
"""


def _write(tmp_path: Path, *, incidence: float = 5.0, hr: float = 0.5, followup: float = 24.0,
           median: float = 12.0, hrs="[0.5]", subjects="[40]", calibrate="true",
           trials: int = 400, extra: str = "") -> Path:
    (tmp_path / "accrual.toml").write_text(ACCRUAL.format(
        countries=REPO / "configs" / "countries", incidence=incidence))
    path = tmp_path / "cmp.toml"
    path.write_text(COMPARISON.format(hr=hr, followup=followup, median=median, hrs=hrs,
                                      subjects=subjects, calibrate=calibrate,
                                      trials=trials) + textwrap.dedent(extra))
    return path


@pytest.mark.parametrize("change, field", [
    ({"subjects": "[4]"}, "grid.subjects"),             # looks collide: 2 events, 3 looks
    ({"hrs": "[0.5, 0.5]"}, "grid.hazard_ratios"),
    ({"hrs": "[0.0]"}, "grid.hazard_ratios"),
    ({"trials": 10}, "simulation.n_trials"),
    ({"hr": 1.0}, "design.hazard_ratio"),
    ({"extra": "[design.analysis]\ncalendar_months = 60.0\n"}, "design.analysis"),
    ({"extra": "[bayesian.log_hr_prior]\nfamily = \"normal\"\nsigma = -1.0\n"},
     "bayesian.log_hr_prior"),
    ({"extra": "[design.sequential.x]\n"}, "design.sequential"),
])
def test_bad_config_is_one_line(tmp_path, change, field):
    path = _write(tmp_path, **change)
    before = tree(tmp_path)
    line = assert_bad_input(run_cli(["run", str(path), "--out", str(tmp_path / "run")]),
                            names=(field,))
    assert str(path) in line
    assert tree(tmp_path) == before


def test_accrual_must_be_an_accrual_experiment(tmp_path):
    path = _write(tmp_path)
    (tmp_path / "accrual.toml").write_text(path.read_text())  # a design_comparison file
    assert_bad_input(run_cli(["run", str(path), "--out", str(tmp_path / "run")]),
                     names=("accrual.experiment",))


def test_null_is_added_and_accrual_is_the_consortium(tmp_path):
    cfg = load_experiment(_write(tmp_path, hrs="[0.6, 0.8]", subjects="[40, 60]"))
    mod = kind_module("design_comparison")
    prep = mod.prepare(cfg, str(tmp_path / "cmp.toml"))
    assert prep.hazard_ratios == (0.6, 0.8, 1.0)
    assert [p.null for p in prep.points].count(True) == 2
    # one site at 5 per 10^6 births of Japan's table, no ramp-up: a constant rate
    from neosim.experiments.accrual.schema import CountryFile
    from neosim.inputs import load_toml

    births = CountryFile.model_validate(load_toml(REPO / "configs/countries/japan.toml")) \
        .country.annual_live_births
    assert prep.mean_rate_per_month == pytest.approx(5e-6 * births / 12.0, rel=1e-12)
    assert prep.design.accrual_intensity_type == "absolute" and prep.design.open_ended


@pytest.mark.slow
def test_reduced_run_writes_every_file(tmp_path):
    path = _write(tmp_path, hrs="[0.5]", subjects="[30]", trials=300)
    run = tmp_path / "run"
    out = run_cli(["run", str(path), "--out", str(run), "--quiet"], timeout=300)
    assert out.code == 0, out.stderr
    assert results.is_complete(run)
    for name in ("comparison.csv", "comparison.json", "stopping_by_look.csv", "boundaries.csv",
                 "report.html", "data.json"):
        assert (run / name).is_file(), name
    rows = json.loads((run / "comparison.json").read_text())["comparison"]
    designs = {r["design"] for r in rows}
    assert designs == {"fixed", "group_sequential", "bayesian"}
    assert {r["quantity"] for r in rows} >= {"power", "type_i_error", "expected_duration_years",
                                              "early_stop", "expected_subjects"}
    for r in rows:  # every simulated figure has its MC SE; analytic only where one exists
        assert math.isfinite(r["value"]) and math.isfinite(r["mc_se"]), r
        assert (r["design"] == "bayesian") == (r["analytic"] is None), r  # NaN: JSON null
    stems = [f["stem"] for f in results.read_figure_index(run)["figures"]]
    assert stems == ["boundaries", "stopping_by_look", "size_against_power"]
    text = (run / "report.html").read_text()
    assert "analytic" in text and "ess_bulk" not in text and "r_hat" not in text


@pytest.mark.slow
def test_simulated_matches_analytic(tmp_path):
    """Fast accrual and a low event fraction (where the log-rank normal approximation holds):
    power and type-I error of the fixed and group-sequential designs, and the group-sequential
    stopping per look, within 3.5 MC SE of the exact values (4000 trials: MC SE about 0.007 at
    power 0.5). Seeded; 2 grid points x 3 designs x (2 + 3 x 2) comparisons."""
    path = _write(tmp_path, incidence=2000.0, hr=0.7, followup=12.0, median=24.0,
                  hrs="[0.7]", subjects="[600]", calibrate="false", trials=4000)
    cfg = load_experiment(path)
    mod = kind_module("design_comparison")
    prep = mod.prepare(cfg, str(path))
    res = mod.compute(prep)
    checked = 0
    for r in res["comparison"]:
        if r["design"] != "bayesian" and r["quantity"] in ("power", "type_i_error"):
            assert abs(r["value"] - r["analytic"]) <= 3.5 * r["mc_se"], r
            checked += 1
    for r in res["stopping"]:
        if r["design"] == "group_sequential":
            for key in ("efficacy", "futility"):
                se = max(r[f"{key}_mc_se"], 1e-3)
                assert abs(r[key] - r[f"{key}_analytic"]) <= 3.5 * se, (key, r)
                checked += 1
    assert checked == 2 * 2 + 2 * 3 * 2
    power = {(r["hazard_ratio"], r["design"]): r["value"] for r in res["comparison"]
             if r["quantity"] in ("power", "type_i_error")}
    assert power[(0.7, "fixed")] > 0.5 > power[(1.0, "fixed")]


@pytest.mark.parametrize("special", ["fifo", "dir", "/dev/zero", "missing.toml", "a\x00b"])
def test_accrual_experiment_special_files(tmp_path, special):
    """The accrual experiment a comparison names is read as every input is: a FIFO, a folder,
    a device, a missing file or a NUL byte is one line naming ``accrual.experiment``."""
    import os

    path = _write(tmp_path)
    if special == "fifo":
        os.mkfifo(tmp_path / "fifo")
    elif special == "dir":
        (tmp_path / "dir").mkdir()
    name = special.replace("\x00", "\\u0000")
    path.write_text(path.read_text().replace('experiment = "accrual.toml"',
                                             f'experiment = "{name}"'))
    assert_bad_input(run_cli(["run", str(path), "--out", str(tmp_path / "run")], timeout=10),
                     names=("accrual.experiment",))


@pytest.mark.slow
def test_calibrated_bayesian_type_i_error(tmp_path):
    """The Bayesian threshold, calibrated on 20,000 null trials of their own, gives the grid's
    fresh null trials (4000) a type-I error within the 99 % MC interval of the target alpha:
    2.576 times the combined SE of the two binomial proportions (about 0.0027)."""
    path = _write(tmp_path, incidence=2000.0, hr=0.7, followup=12.0, median=24.0,
                  hrs="[0.7]", subjects="[150]", calibrate="true", trials=4000)
    path.write_text(path.read_text().replace("calibration_trials = 1000",
                                             "calibration_trials = 20000"))
    mod = kind_module("design_comparison")
    res = mod.compute(mod.prepare(load_experiment(path), str(path)))
    (cal,) = res["calibration"]
    assert cal["calibrated"] and cal["calibration_trials"] == 20_000
    assert cal["threshold_interval_low"] <= cal["efficacy_threshold"] \
        <= cal["threshold_interval_high"]
    (row,) = [r for r in res["comparison"]
              if r["quantity"] == "type_i_error" and r["design"] == "bayesian"]
    target = 0.025
    se = math.sqrt(row["mc_se"] ** 2 + target * (1 - target) / cal["calibration_trials"])
    assert abs(row["value"] - target) <= 2.576 * se, (row, cal)


def test_incidence_strata_are_quantiles_of_the_incidence(tmp_path):
    """``incidence_strata = k``: k accruals at the incidence quantiles (j + 0.5) / k of the
    accrual experiment's draws, each the consortium's rate times that incidence."""
    import numpy as np

    path = _write(tmp_path)
    shipped = REPO / "experiments" / "consortium_accrual.toml"
    path.write_text(path.read_text().replace('experiment = "accrual.toml"',
                                             f'experiment = "{shipped}"\nincidence_strata = 5'))
    mod = kind_module("design_comparison")
    prep = mod.prepare(load_experiment(path), str(path))
    lam = prep.accrual.incidence
    assert prep.incidence_levels == pytest.approx(np.quantile(lam, (np.arange(5) + 0.5) / 5),
                                                  rel=1e-12)
    full = [d.accrual_intensity[-1] for d in prep.strata]
    assert np.allclose(np.array(full) / np.array(prep.incidence_levels),
                       prep.mean_rate_per_month / lam.mean(), rtol=1e-12)
    assert prep.design.accrual_intensity[-1] == prep.mean_rate_per_month


def test_design_needs_looks(tmp_path):
    path = _write(tmp_path)
    text = path.read_text()
    start = text.index("[design.sequential]")
    path.write_text(text[:start] + text[text.index("[accrual]"):])
    assert_bad_input(run_cli(["run", str(path), "--out", str(tmp_path / "run")]),
                     names=("design.sequential",))


def test_a_target_without_calibration_is_refused():
    """A type-I target that nothing uses is one line naming it, not silently ignored."""
    from neosim.experiments.design_comparison.schema import BayesianSection

    with pytest.raises(Exception) as exc:
        BayesianSection(calibrate=False, target_type_i_error=0.05)
    assert "target_type_i_error" in str(exc.value)
    assert BayesianSection(calibrate=True, target_type_i_error=0.05).target_type_i_error == 0.05
