"""The public Python API (``import neosim as ns``): names, light import, analytic design against
pinned rpact values, simulation identical to ``neosim power --simulate``, run folders, errors."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

import neosim as ns
from neosim.cli import main
from neosim.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
HEAVY = ("pymc", "pytensor", "arviz", "matplotlib", "scipy", "numba", "xarray", "pandas")


def test_every_public_name_resolves_and_dir_lists_them():
    assert "__version__" in ns.__all__ and len(set(ns.__all__)) == len(ns.__all__)
    for name in ns.__all__:
        assert getattr(ns, name) is not None, name
    assert sorted(dir(ns)) == sorted(ns.__all__)
    with pytest.raises(AttributeError):
        ns.no_such_name  # noqa: B018


def test_import_neosim_and_the_design_api_stay_light():
    code = ("import sys, neosim as ns\n"
            "d = ns.TrialDesign(hazard_ratio=0.7, control={'median_months': 12.0})\n"
            "r = ns.sample_size(d); p = ns.power(d, events=100)\n"
            f"print('HEAVY', [m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV,
                         cwd=ROOT)
    assert "HEAVY []" in out.stdout, out.stdout + out.stderr


def test_simulate_is_the_function_and_the_simulator_is_its_own_package():
    import inspect

    import neosim.simulator.engine  # noqa: F401 - a subpackage of another name: no clash
    from neosim.api.simulation import simulate

    assert ns.simulate is simulate and inspect.isfunction(ns.simulate)
    assert "n_trials" in inspect.signature(ns.simulate).parameters


def test_sample_size_matches_rpact_r1():
    # rpact R1 (tests/design/test_design_survival.py): getSampleSizeSurvival(alpha=.025, sided=1,
    # beta=.2, lambda2=log(2)/12, hazardRatio=.5, accrualTime=c(0,12), followUpTime=12)
    d = ns.TrialDesign(control={"median_months": 12.0}, hazard_ratio=0.5,
                       accrual_time=12.0, followup_months=12.0, power=0.8)
    r = ns.sample_size(d)
    assert abs(r.events / 65.3456592588709 - 1) < 1e-6
    assert abs(r.subjects / 125.454546238391 - 1) < 1e-6
    assert r.to_dict()["subjects_per_arm_ceil"] == [63, 63]
    assert "66 events" in repr(r) and "126 subjects" in repr(r)
    with pytest.raises(AttributeError):
        r.events = 1.0  # frozen


def test_power_for_subjects_and_events_agree_with_the_design_module():
    from neosim.design import survival

    d = ns.TrialDesign(hazard_ratio=0.7, control={"median_months": 12.0}, power=None,
                       subjects=300, accrual_time=24.0, followup_months=12.0)
    assert ns.power(d).power == survival.power(d).power
    assert ns.power(d, subjects=400).subjects == 400.0
    # rpact R7: getPowerSurvival(alpha=.025, sided=1, HR .7, maxNumberOfEvents=150)
    e = ns.power(d, events=150)
    assert e.power == survival.power_for_events(150, 0.7, 0.025)
    assert e.to_dict()["events"] == 150.0 and "150 events" in repr(e)


def test_binary_design_sample_size():
    from neosim.design import binary

    b = ns.TrialDesign(endpoint="binary", control_proportion=0.3, experimental_proportion=0.5)
    assert ns.sample_size(b).to_dict() == binary.two_arm_normal(0.5, 0.3).to_dict()
    assert ns.sample_size(b, "fisher").method == "fisher"


@pytest.mark.parametrize("flags, kw", [
    (["--hr", "0.6", "--control-median", "12", "--subjects", "151", "--accrual-time", "12",
      "--followup-months", "12"], {}),
    (["--hr", "0.7", "--control-hazard", "0.04", "--subjects", "120", "--accrual-time", "0,6,18",
      "--accrual-intensity", "1,2", "--followup-months", "6", "--dropout-hazard", "0.01",
      "--allocation", "2:1", "--sided", "2", "--alpha", "0.05", "--events", "60"],
     {"events": 60}),
])
def test_simulate_gives_the_numbers_of_power_simulate(flags, kw, capsys):
    try:
        main(["power", *flags, "--simulate", "3000", "--seed", "11", "--json"])
    except SystemExit as exc:
        assert exc.code in (None, 0)
    cli = json.loads(capsys.readouterr().out)
    o = dict(zip(flags[::2], flags[1::2], strict=True))
    control = ({"hazard_per_month": float(o["--control-hazard"])} if "--control-hazard" in o
               else {"median_months": float(o["--control-median"])})
    ratio = [float(x) for x in o.get("--allocation", "1:1").split(":")]
    d = ns.TrialDesign(
        hazard_ratio=float(o["--hr"]), control=control, power=None,
        subjects=float(o["--subjects"]), allocation_ratio=ratio[0] / ratio[1],
        accrual_time=[float(x) for x in o["--accrual-time"].split(",")],
        accrual_intensity=[float(x) for x in o.get("--accrual-intensity", "1").split(",")],
        followup_months=float(o["--followup-months"]), alpha=float(o.get("--alpha", 0.025)),
        sided=int(o.get("--sided", 1)),
        dropout=({"hazard_per_month": float(o["--dropout-hazard"])}
                 if "--dropout-hazard" in o else {}))
    ds = ns.simulate(d, n_trials=3000, seed=11, **kw)
    assert ds["power"].sel(analysis="logrank").item() == cli["power"]
    assert ds["power_mc_se"].sel(analysis="logrank").item() == cli["power_mc_se"]
    assert ds["events_mean"].item() == cli["events_mean"]
    assert ds["events_mc_se"].item() == cli["events_mc_se"]
    assert ds["duration_mean"].item() == cli["study_duration_months_mean"]
    assert ds["reached"].item() == cli["analysis_reached_fraction"]
    assert ds.attrs["n_trials"] == 3000 and ds.attrs["seed"] == 11


def test_simulate_keeps_trials_and_takes_several_analyses():
    d = ns.TrialDesign(hazard_ratio=0.6, control={"median_months": 12.0}, power=None,
                       subjects=80, accrual_time=12.0, followup_months=6.0)
    rules = [ns.analyses.LogRank(0.025), ns.analyses.CoxWald(0.025)]
    ds = ns.simulate(d, rules, n_trials=1500, seed=2, keep_trials=True, workers=1)
    assert list(ds["analysis"].values) == ["logrank", "cox"]
    assert ds.sizes["trial"] == 1500
    p = ds["success"].mean("trial").values
    assert list(p) == list(ds["power"].values)
    se = ds["power_mc_se"].values
    assert all(abs(s - math.sqrt(x * (1 - x) / 1500)) < 1e-15 for x, s in zip(p, se,
                                                                               strict=True))


@pytest.mark.parametrize("call, field", [
    (lambda d: ns.simulate(d, n_trials=0), "n_trials"),
    (lambda d: ns.simulate(d, n_trials=10, seed=-1), "seed"),
    (lambda d: ns.simulate(d.model_copy(update={"subjects": None}), n_trials=10), "subjects"),
    (lambda d: ns.simulate(d, [], n_trials=10), "analyses"),
    (lambda d: ns.simulate("design", n_trials=10), "design"),
    (lambda d: ns.sample_size(d, "nope"), "method"),
    (lambda d: ns.power(d, events=float("nan")), "events"),
    (lambda d: ns.power(d, events=10, subjects=10), "events"),
    (lambda d: ns.power(d, subjects=1), "subjects"),
    (lambda d: ns.fit_proportions({"A": (5, 4)}, seed=1), "counts['A']"),
    (lambda d: ns.fit_proportions({"A": (1, 4)}, prior=(0, 1), seed=1), "prior[0]"),
    (lambda d: ns.fit_proportions({"A": (1, 4)}, seed=1, draws=0), "draws"),
    (lambda d: ns.pool({"A": (1.5, 4)}, seed=1), "studies['A']"),
    (lambda d: ns.ess(ns.Mixture("beta", [1.0], [2.0], [3.0]), "nope"), "method"),
])
def test_bad_input_is_an_input_error_naming_the_argument(call, field):
    d = ns.TrialDesign(hazard_ratio=0.6, power=None, subjects=50)
    with pytest.raises(InputError) as exc:
        call(d)
    assert exc.value.field == field


def test_fit_survival_refuses_bad_frames():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"t": [1.0, 2.0], "d": [1, 2], "g": ["a", "b"]})
    for kw, field in (({"time": "x", "event": "d"}, "time"), ({"time": "t", "event": "d"}, "d"),
                      ({"time": "t", "event": "d", "group": "z"}, "group")):
        with pytest.raises(InputError) as exc:
            ns.fit_survival(df, seed=1, **kw)
        assert exc.value.field == field
    with pytest.raises(InputError) as exc:
        ns.fit_survival(df.assign(d=[1, 0], t=[0.0, 1.0]), time="t", event="d", seed=1)
    assert exc.value.field == "t"
    ok = df.assign(d=[1, 0])
    for kw, field in (({"family": "gompertz"}, "family"), ({"family": "piecewise"}, "cuts"),
                      ({"priors": {"hazard_c": 1.0}}, "priors.hazard_c"),
                      ({"priors": {"hazard_a": 1.0}}, "priors.hazard_a"),  # the old spelling
                      ({"priors": {"hazard": ns.Gamma(1.0, 1e7)}}, "priors.hazard.beta"),
                      ({"group": "g", "df": ok.assign(g=["a", None])}, "g")):
        frame = kw.pop("df", ok)
        with pytest.raises(InputError) as exc:
            ns.fit_survival(frame, time="t", event="d", seed=1, **kw)
        assert exc.value.field == field, kw


def test_run_and_read_run(tmp_path):
    r = ns.run(ROOT / "experiments" / "survival_design.toml", out=tmp_path / "run")
    assert r.complete and r.kind == "survival_design" and r.experiment
    assert r.summary is not None and r.posterior is None and r.simulation is None
    again = ns.read_run(tmp_path / "run")
    assert again.summary.equals(r.summary) and again.to_dict() == r.to_dict()
    assert "survival_design" in repr(again)
    with pytest.raises(InputError):
        ns.read_run(tmp_path / "missing")
    with pytest.raises(InputError):
        ns.read_run(tmp_path)


def test_ess_matches_the_conjugate_size():
    assert abs(ns.ess(ns.Mixture("beta", [1.0], [12.0], [8.0])) - 20.0) < 1e-9
    assert abs(ns.ess(ns.Mixture("gamma", [1.0], [3.0], [40.0]), "moment") - 40.0) < 1e-9


def test_the_package_is_marked_typed():
    assert (Path(ns.__file__).parent / "py.typed").is_file()


def test_read_run_reads_a_simulation_and_a_posterior(tmp_path):
    import numpy as np
    import pandas as pd
    import xarray as xr

    (tmp_path / "run.json").write_text(json.dumps({"experiment": "e", "kind": "trial_simulation",
                                                   "status": "running"}))
    ds = xr.Dataset({"power": (("n",), np.array([0.5, 0.8]))}, coords={"n": [10, 20]})
    ds.to_netcdf(tmp_path / "simulation.nc", engine="h5netcdf")
    pd.DataFrame({"parameter": ["power[10]"], "mean": [0.5]}).to_csv(tmp_path / "summary.csv",
                                                                    index=False)
    (tmp_path / "diagnostics.json").write_text(json.dumps({"passed": False}))
    r = ns.read_run(tmp_path)
    assert not r.complete and r.passed is False and r.kind == "trial_simulation"
    assert r.simulation["power"].values.tolist() == [0.5, 0.8] and r.posterior is None
    assert r.summary["parameter"].tolist() == ["power[10]"]
    assert "incomplete" in repr(r) and "checks FAILED" in repr(r)
    xr.DataTree.from_dict({"posterior": xr.Dataset({"mu": (("chain", "draw"), [[0.0]])})}) \
        .to_netcdf(tmp_path / "posterior.nc", engine="h5netcdf")
    assert ns.read_run(tmp_path).posterior["posterior"]["mu"].values.tolist() == [[0.0]]


def test_read_simulation_of_a_design_folder_says_it_holds_neither(tmp_path):
    design = ns.run(ROOT / "experiments" / "survival_design.toml", out=tmp_path / "design")
    with pytest.raises(InputError) as exc:
        ns.read_simulation(design.path)
    assert "holds no simulation results" in str(exc.value) and "\n" not in str(exc.value)
    assert "neither a posterior nor simulation results" in str(exc.value)


def test_read_posterior_of_a_simulation_folder_says_what_it_holds(tmp_path):
    import numpy as np
    import xarray as xr

    from neosim import results

    folder = tmp_path / "sim"
    folder.mkdir()
    xr.Dataset({"power": ("subjects", np.array([0.5, 0.8]))},
               coords={"subjects": [10, 20]}).to_netcdf(folder / results.SIMULATION,
                                                       engine="h5netcdf")
    with pytest.raises(InputError) as exc:
        ns.read_posterior(folder)
    assert "ns.read_simulation" in str(exc.value) and "\n" not in str(exc.value)
    assert ns.read_simulation(folder)["power"].values.tolist() == [0.5, 0.8]
