"""Frequency models: exact conjugate agreement, the run-folder contract, reproducibility, the
convergence gate, and parameter recovery. These fit with MCMC, so they are marked slow."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from neosim import constants, results
from neosim.cli import main
from neosim.experiments.runner import run_experiment

from ..conftest import FLAGSHIP

pytestmark = pytest.mark.slow


def _draws(dt, parameter):
    """Flattened draws of ``name[coord]`` (one non-sample dimension) or ``name``."""
    post = dt["posterior"]
    if "[" not in parameter:
        return post[parameter].values.ravel()
    name, coord = parameter[:-1].split("[", 1)
    da = post[name]
    dim = next(d for d in da.dims if d not in ("chain", "draw"))
    return da.sel({dim: coord}).values.ravel()


def test_mcmc_matches_exact_conjugate_posteriors(flagship_run):
    """Mean and 2.5/97.5 % quantiles within 3 Monte-Carlo standard errors of the exact Beta."""
    import arviz_stats as azs
    import xarray as xr

    dt = results.read_posterior(flagship_run.path)
    exact = results.read_json(flagship_run.path / "findings.json")["exact_conjugate_posteriors"]
    assert set(exact) == {"neonatal_fraction[ALL]", "neonatal_fraction[AML]",
                          "neonatal_share[ALL]", "neonatal_share[AML]",
                          "mll_rearranged_fraction[ALL]"}
    # Flagship data: Beta(1,1) prior with 8/116, 3/41, 8 of 11 neonates ALL, 8/8 MLL-r.
    assert exact["neonatal_fraction[ALL]"] == {"alpha": 9.0, "beta": 109.0}
    assert exact["mll_rearranged_fraction[ALL]"] == {"alpha": 9.0, "beta": 1.0}
    for parameter, ab in exact.items():
        x = _draws(dt, parameter).reshape(dt["posterior"].sizes["chain"], -1)
        da = xr.DataArray(x, dims=("chain", "draw"))
        truth = stats.beta(ab["alpha"], ab["beta"])
        se_mean = float(azs.mcse(da, method="mean"))
        assert abs(x.mean() - truth.mean()) < 3 * se_mean, parameter
        for q in (0.025, 0.975):
            se_q = float(azs.mcse(da, method="quantile", prob=q))
            assert abs(np.quantile(x, q) - truth.ppf(q)) < 3 * se_q, (parameter, q)


def test_run_folder_contract(flagship_run):
    path = flagship_run.path
    for name in ("config.toml", "provenance.json", "posterior.nc", "summary.csv",
                 "diagnostics.json", "figures/posterior_densities.png",
                 "figures/forest_proportions.png"):
        assert (path / name).is_file(), name
    summary = pd.read_csv(path / "summary.csv")
    assert tuple(summary.columns) == constants.SUMMARY_COLUMNS
    rows = set(summary["parameter"])
    assert {"neonatal_fraction[ALL]", "neonatal_fraction[AML]",
            "neonatal_fraction_difference[ALL-AML]",
            "neonatal_fraction_ratio[ALL/AML]", "neonatal_share[ALL]",
            "mll_rearranged_fraction[ALL]"} <= rows
    assert (summary["ci_level"] == 0.95).all()
    prov = results.read_json(path / "provenance.json")
    for key in ("neosim_version", "packages", "python", "config_sha256", "seed", "command_line",
                "started_utc", "ended_utc", "wall_seconds", "timings_seconds", "host_cores"):
        assert key in prov, key
    resolved = tomllib.loads((path / "config.toml").read_text())
    assert resolved["models"]["neonatal_fraction"]["prior"] == {"family": "beta", "alpha": 1.0,
                                                                "beta": 1.0}
    assert prov["seed"] == resolved["experiment"]["seed"]
    dt = results.read_posterior(path)
    assert dt.attrs["neosim_config_sha256"] == prov["config_sha256"]
    diag = json.loads((path / "diagnostics.json").read_text())
    assert diag["passed"] and diag["divergences"] == 0 and diag["max_r_hat"] <= 1.01
    assert flagship_run.passed


def test_honest_about_all_positive_mll(flagship_run):
    """8/8 rearranged must not read as 'certainly 100 %': the interval reaches well below 1."""
    summary = pd.read_csv(flagship_run.path / "summary.csv").set_index("parameter")
    row = summary.loc["mll_rearranged_fraction[ALL]"]
    # exact Beta(9, 1): 2.5 % quantile 0.025**(1/9) = 0.664, mean 0.9
    assert row["ci_lower"] == pytest.approx(0.025 ** (1 / 9), abs=0.01)
    assert row["mean"] == pytest.approx(0.9, abs=0.01)
    assert row["ci_upper"] < 1.0


def test_findings_report_exact_probabilities_and_mcmc_only_as_a_check(flagship_run):
    """Where the conjugate posterior gives the answer, findings.json reports it exactly: for
    Beta(9, 1), P(p > 0.9) = 1 - 0.9**9 and the one-sided 95 % bound is 0.05**(1/9); P(ALL >
    AML) of the two independent Beta posteriors, by quadrature here against a Monte-Carlo
    integral of a million exact draws. The NUTS value sits within 4 MC SE."""
    import json

    import numpy as np

    found = json.loads((flagship_run.path / "findings.json").read_text())
    mll = found["posterior_probabilities"]["mll_rearranged_fraction[ALL]"]
    assert mll["P(>0.9)"]["exact"] == pytest.approx(1 - 0.9**9, rel=1e-9)
    assert mll["one_sided_95_lower_bound"]["exact"] == pytest.approx(0.05 ** (1 / 9), rel=1e-9)
    for stat in ("P(>0.9)", "P(>0.75)"):
        v = mll[stat]
        assert abs(v["mcmc"] - v["exact"]) < 4 * v["mcmc_se"]
    diff = found["posterior_probabilities"]["neonatal_fraction_difference[ALL-AML]"]["P(>0)"]
    rng = np.random.default_rng(0)
    # Beta(1 + 8, 1 + 108) for ALL and Beta(1 + 3, 1 + 38) for AML (uniform priors)
    mc = np.mean(rng.beta(9, 109, 1_000_000) > rng.beta(4, 39, 1_000_000))
    assert diff["exact"] == pytest.approx(mc, abs=2e-3)
    assert abs(diff["mcmc"] - diff["exact"]) < 4 * diff["mcmc_se"]


def test_same_seed_same_bits_other_seed_differs(flagship_run, tmp_path):
    again = run_experiment(FLAGSHIP, out=tmp_path / "again", quiet=True, argv=["pytest"])
    assert (again.path / "summary.csv").read_bytes() == \
        (flagship_run.path / "summary.csv").read_bytes()
    a, b = results.read_posterior(flagship_run.path), results.read_posterior(again.path)
    for var in a["posterior"].data_vars:
        np.testing.assert_array_equal(a["posterior"][var].values, b["posterior"][var].values)
    other = run_experiment(FLAGSHIP, out=tmp_path / "other", seed=7, quiet=True, argv=["pytest"])
    c = results.read_posterior(other.path)
    assert not np.array_equal(a["posterior"]["neonatal_fraction"].values,
                              c["posterior"]["neonatal_fraction"].values)
    assert results.read_json(other.path / "provenance.json")["seed"] == 7


def test_failed_convergence_gate_exits_1(tmp_path, capsys):
    text = FLAGSHIP.read_text().replace("draws = 1000", "draws = 20").replace(
        "tune = 1000", "tune = 20")
    cfg = tmp_path / "short.toml"
    cfg.write_text(text)
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as info:
        main(["run", str(cfg), "--out", str(out), "--quiet"])
    assert info.value.code == 1
    err = capsys.readouterr().err
    assert "convergence check failed" in err and "ess_bulk" in err
    diag = json.loads((out / "diagnostics.json").read_text())
    assert diag["passed"] is False and diag["checks"]["ess_bulk"]["passed"] is False
    assert (out / "provenance.json").is_file()  # the run itself completed


def test_parameter_recovery_binomial():
    """Across 60 seeded data sets the 95 % interval covers the true proportion at the nominal
    rate (inside the 99 % binomial band of 0.95), compiling the model once."""
    import nutpie

    from neosim.models.frequencies import BinomialData, build_model
    from neosim.priors import Beta

    rng = np.random.default_rng(2024)
    truth = np.array([0.07, 0.3])
    n = np.array([116, 41])
    model = build_model([("neonatal_fraction", BinomialData(("ALL", "AML"), (8, 3), (116, 41)),
                          Beta(1.0, 1.0))])
    compiled = nutpie.compile_pymc_model(model)
    reps, covered = 60, np.zeros(2)
    widths = []
    for i in range(reps):
        k = rng.binomial(n, truth)
        trace = nutpie.sample(compiled.with_data(neonatal_fraction_k=k), draws=500, tune=500,
                              chains=2, seed=i, progress_bar=False)
        x = trace["posterior"]["neonatal_fraction"].values.reshape(-1, 2)
        lo, hi = np.quantile(x, [0.025, 0.975], axis=0)
        covered += (lo <= truth) & (truth <= hi)
        widths.append(hi - lo)
    lo_band, hi_band = stats.binom(reps, 0.95).ppf([0.005, 0.995])
    assert np.all((covered >= lo_band) & (covered <= hi_band)), covered
    # the larger denominator gives the narrower interval
    assert np.mean(widths, axis=0)[0] < np.mean(widths, axis=0)[1]
