"""The ``trial_simulation`` experiment kind: a small run end to end, and the error contract."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from neosim.errors import InputError
from neosim.experiments import load_experiment
from neosim.experiments.runner import run_experiment
from neosim.priors import PriorFile, write_prior

ROOT = Path(__file__).resolve().parents[2]
MAP = "map_neonatal_all_survival_24m.json"

SMALL = """
[experiment]
name = "small"
kind = "trial_simulation"
seed = 3

[design]
landmark_months = 24.0
dropout = {{ hazard_per_month = 0.005 }}
accrual_time = [0.0, 24.0]
[design.analysis]
{analysis}
[design.control]
model = "exponential"
prior = "{prior}"

[grid]
subjects = {n}
hazard_ratio = [1.0, 0.5]

[[analyses]]
kind = "logrank"

[[analyses]]
kind = "bayes_hazard_ratio"
name = "bayes_map"
control_prior = "{prior}"

[simulation]
n_trials = 1024

[assurance]
log_hazard_ratio = {{ mean = -0.5, sd = 0.3 }}
control_prior = "{prior}"

[search]
analysis = "bayes_map"
target = 0.5
hazard_ratio = 0.5
"""


@pytest.fixture
def map_prior(tmp_path) -> Path:
    """A stand-in for the pooled MAP prior (synthetic numbers, the shape of the real file)."""
    prior = PriorFile(name="map_test", quantity="survival_probability_24m", kind="mixture",
                      family="beta", components=[{"weight": 0.8, "a": 8.0, "b": 12.0},
                                                 {"weight": 0.2, "a": 1.0, "b": 1.0}],
                      source={"synthetic": True})
    return write_prior(tmp_path / MAP, prior)


def write(tmp_path, map_prior, analysis="events_fraction = 0.6", n="[30, 60]") -> Path:
    path = tmp_path / "exp.toml"
    path.write_text(SMALL.format(analysis=analysis, prior=map_prior.name, n=n))
    return path


def test_a_small_grid_runs_end_to_end(tmp_path, map_prior):
    res = run_experiment(write(tmp_path, map_prior), out=tmp_path / "run", quiet=True)
    assert res.passed
    ds = xr.open_dataset(res.path / "simulation.nc", engine="h5netcdf")
    assert dict(ds["power"].sizes) == {"subjects": 2, "hazard_ratio": 2, "analysis": 2}
    assert dict(ds["assurance"].sizes) == {"subjects": 2, "analysis": 2}
    power = ds["power"].sel(analysis="logrank")
    assert float(power.sel(subjects=60, hazard_ratio=0.5)) > float(
        power.sel(subjects=60, hazard_ratio=1.0))
    assert np.all(ds["power_mc_se"].values > 0)
    assert ds.attrs["block_size"] == 1024
    assert (res.path / "summary.csv").is_file()
    assert (res.path / "figures" / "power_curves.png").is_file()
    assert (res.path / "figures" / "assurance.png").is_file()
    assert any(line.startswith("smallest n") for line in res.headline)
    again = run_experiment(write(tmp_path, map_prior), out=tmp_path / "run2", quiet=True)
    ds2 = xr.open_dataset(again.path / "simulation.nc", engine="h5netcdf")
    np.testing.assert_array_equal(ds["power"].values, ds2["power"].values)


@pytest.mark.parametrize("kw, field", [
    (dict(analysis="events = 50"), "design.analysis.events"),
    (dict(n="[]"), "grid.subjects"),
    (dict(analysis="events_fraction = 0.5\nmax_duration_months = -3.0"),
     "design.analysis.max_duration_months"),
])
def test_bad_input_stops_before_any_folder_exists(tmp_path, map_prior, kw, field):
    with pytest.raises(InputError) as exc:
        run_experiment(write(tmp_path, map_prior, **kw), out=tmp_path / "run", quiet=True)
    assert exc.value.field == field
    assert exc.value.file.endswith("exp.toml")
    assert not (tmp_path / "run").exists()


def test_negative_rates_are_refused(tmp_path, map_prior):
    text = write(tmp_path, map_prior).read_text().replace(
        'model = "exponential"\nprior = "map_neonatal_all_survival_24m.json"',
        'model = "piecewise"\ncuts_months = [6.0]\npiece_hazards_per_month = [0.1, -0.2]')
    path = tmp_path / "neg.toml"
    path.write_text(text)
    with pytest.raises(InputError) as exc:
        load_experiment(path)
    assert exc.value.field.startswith("design.control.piece_hazards_per_month")


def test_old_spelling_of_the_piecewise_boundary_names_the_new_one(tmp_path, map_prior):
    text = write(tmp_path, map_prior).read_text().replace(
        'model = "exponential"\nprior = "map_neonatal_all_survival_24m.json"',
        'model = "piecewise"\nbreaks_months = [6.0]\npiece_hazards_per_month = [0.1, 0.2]')
    path = tmp_path / "old.toml"
    path.write_text(text)
    with pytest.raises(InputError) as exc:
        load_experiment(path)
    assert exc.value.field == "design.control.breaks_months"
    assert "cuts_months" in exc.value.message and "\n" not in str(exc.value)


def test_a_bound_family_error_names_the_config_key(tmp_path, map_prior):
    text = write(tmp_path, map_prior).read_text().replace(
        'model = "exponential"\nprior = "map_neonatal_all_survival_24m.json"',
        'model = "piecewise"\ncuts_months = [6.0]\npiece_hazards_per_month = [0.1]')
    path = tmp_path / "short.toml"
    path.write_text(text)
    with pytest.raises(InputError) as exc:
        run_experiment(path, out=tmp_path / "run", quiet=True)
    assert exc.value.field == "design.control.piece_hazards_per_month"


def test_the_shipped_experiment_runs_with_a_map_prior_in_place(tmp_path, map_prior):
    # the pooled MAP file comes from the pooling branch; here a stand-in takes its place
    (tmp_path / "configs" / "priors").mkdir(parents=True)
    (tmp_path / "experiments").mkdir()
    shutil.copy(map_prior, tmp_path / "configs" / "priors" / MAP)
    text = (ROOT / "experiments" / "trial_power.toml").read_text()
    text = re.sub(r"n_trials = \d+", "n_trials = 512", text)
    path = tmp_path / "experiments" / "trial_power.toml"
    path.write_text(text)
    res = run_experiment(path, out=tmp_path / "run", quiet=True)
    assert res.passed and (res.path / "simulation.nc").is_file()


def test_a_missing_prior_file_names_the_field_and_the_file(tmp_path, map_prior):
    path = write(tmp_path, map_prior)
    map_prior.unlink()
    with pytest.raises(InputError) as exc:
        run_experiment(path, out=tmp_path / "run", quiet=True)
    assert exc.value.field == "design.control.prior"
    assert "not found" in exc.value.message and MAP in exc.value.message
    assert not (tmp_path / "run").exists()


ONE_DESIGN = """
[experiment]
name = "one_design"
kind = "trial_simulation"
seed = 7

[design]
hazard_ratio = 0.6
allocation_ratio = 2.0
control = { median_months = 12.0 }
accrual_time = [0.0, 6.0, 18.0]
accrual_intensity = [1.0, 2.0]
followup_months = 12.0
dropout = { hazard_per_month = 0.005 }

[grid]
subjects = [120]

[[analyses]]
kind = "logrank"
alpha = 0.025

[simulation]
n_trials = 4096
"""


def test_power_simulate_and_the_kind_give_identical_numbers(tmp_path, capsys):
    """One design object: the same [design] and seed through `neosim power --simulate` and
    through the trial_simulation kind give bit-identical operating characteristics."""
    import json

    from neosim.cli import main

    path = tmp_path / "one.toml"
    path.write_text(ONE_DESIGN)
    res = run_experiment(path, out=tmp_path / "run", quiet=True)
    ds = xr.open_dataset(res.path / "simulation.nc", engine="h5netcdf")
    try:
        main(["power", "--hr", "0.6", "--allocation", "2:1", "--control-median", "12",
              "--accrual-time", "0,6,18", "--accrual-intensity", "1,2",
              "--followup-months", "12", "--dropout-hazard", "0.005", "--subjects", "120",
              "--simulate", "4096", "--seed", "7", "--json", "--workers", "1"])
    except SystemExit as exc:
        assert exc.code in (None, 0)
    cli = json.loads(capsys.readouterr().out)
    point = dict(subjects=120, hazard_ratio=0.6)
    assert cli["power"] == float(ds["power"].sel(analysis="logrank", **point))
    assert cli["power_mc_se"] == float(ds["power_mc_se"].sel(analysis="logrank", **point))
    assert cli["events_mean"] == float(ds["events_mean"].sel(**point))
    assert cli["study_duration_months_mean"] == float(ds["duration_mean"].sel(**point))


def test_an_old_trial_table_names_the_design_table(tmp_path):
    path = tmp_path / "old.toml"
    path.write_text(ONE_DESIGN.replace("[design]", "[trial]\ndesign = \"two_arm\"\n[design]"))
    with pytest.raises(InputError) as exc:
        load_experiment(path)
    assert exc.value.field == "trial"
    assert "[design]" in exc.value.message and "\n" not in str(exc.value)


def test_the_grid_varies_any_design_field_by_name(tmp_path):
    text = ONE_DESIGN.replace("subjects = [120]", 'subjects = [60, 120]\nhazard_ratio = [1.0, '
                              '0.6]\n"control.median_months" = [6.0, 24.0]')
    text = text.replace("n_trials = 4096", "n_trials = 1024")
    path = tmp_path / "grid.toml"
    path.write_text(text)
    res = run_experiment(path, out=tmp_path / "run", quiet=True)
    ds = xr.open_dataset(res.path / "simulation.nc", engine="h5netcdf")
    assert dict(ds["power"].sizes) == {"subjects": 2, "hazard_ratio": 2,
                                       "control.median_months": 2, "analysis": 1}
    events = ds["events_mean"].sel(subjects=120, hazard_ratio=0.6)
    # a shorter control median gives more events by the same calendar analysis
    assert float(events.sel({"control.median_months": 6.0})) > float(
        events.sel({"control.median_months": 24.0})) + 5
    bad = text.replace('"control.median_months"', '"control.no_such_field"')
    path.write_text(bad)
    with pytest.raises(InputError) as exc:
        load_experiment(path)
    assert exc.value.field == "grid.control.no_such_field"


def test_per_arm_dropout_matches_the_analytic_expected_events():
    """Dropout per arm reaches the simulator: the mean number of events matches the analytic
    expectation of the same design (per-arm event probabilities) within MC error, and differs
    from the design with the arms' dropout swapped."""
    from neosim.api.simulation import simulate
    from neosim.design import survival
    from neosim.design.spec import TrialDesign

    base = dict(hazard_ratio=0.5, control={"median_months": 12.0}, power=None, subjects=300,
                accrual_time=[0.0, 12.0], followup_months=12.0, allocation_ratio=1.0)
    results = []
    for e, c in ((0.1, 0.0), (0.0, 0.1)):
        d = TrialDesign(**base, dropout={"experimental_hazard_per_month": e,
                                         "control_hazard_per_month": c})
        ds = simulate(d, n_trials=4096, seed=5)
        expected = survival.power(d, "schoenfeld").events
        mean, se = float(ds["events_mean"]), float(ds["events_mc_se"])
        assert abs(mean - expected) < 4 * se, (e, c, mean, expected, se)
        results.append(expected)
    assert abs(results[0] - results[1]) > 10  # the two designs differ far beyond MC error


def test_ci_prob_sets_the_coverage_of_the_cox_interval(tmp_path):
    """[output] ci_prob is read: the Wald intervals whose coverage is reported are ci_prob
    intervals (their coverage tracks it within MC error), and the search uses its bands."""
    coverage = {}
    for prob in (0.5, 0.95):
        text = ONE_DESIGN.replace('kind = "logrank"', 'kind = "cox"') + (
            f"\n[output]\nci_prob = {prob}\n")
        path = tmp_path / f"ci{prob}.toml"
        path.write_text(text)
        res = run_experiment(path, out=tmp_path / f"run{prob}", quiet=True)
        ds = xr.open_dataset(res.path / "simulation.nc", engine="h5netcdf")
        cov = float(ds["log_hr_coverage"].item())
        se = float(ds["log_hr_coverage_mc_se"].item())
        assert abs(cov - prob) < 4 * se + 0.02, (prob, cov, se)
        coverage[prob] = cov
    assert coverage[0.95] - coverage[0.5] > 0.3


@pytest.mark.parametrize(("add", "field"), [
    ("[design]\ntheta_h0 = 1.3\n", "design.theta_h0"),
    ("[grid]\ntheta_h0 = [1.0, 1.3]\n", "grid.theta_h0"),
    ("[design.sequential]\ninformation_rates = [0.5, 1.0]\n", "design.sequential"),
])
def test_a_shifted_null_or_looks_are_refused_not_ignored(tmp_path, map_prior, add, field):
    """The kind tests each analysis against HR 1 at one analysis: a theta_h0 or a sequential
    plan would be silently ignored, so each is one line naming its field, before any folder."""
    text = write(tmp_path, map_prior).read_text()
    text = text[:text.index("[search]")]  # a grid axis would first trip the search's own check
    head, table = add.split("\n", 1)
    path = tmp_path / "shifted.toml"
    path.write_text(text.replace(head + "\n", head + "\n" + table, 1) if head in text
                    else text + "\n" + add)
    with pytest.raises(InputError) as exc:
        run_experiment(path, out=tmp_path / "run", quiet=True)
    assert exc.value.field == field and "\n" not in str(exc.value)
    assert not (tmp_path / "run").exists()
