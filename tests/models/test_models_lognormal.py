"""The log-normal family, added in one module plus its registry entry: its likelihood against
SciPy with censoring (numpy and the PyMC model), its draws against its survival function, and its
use by the simulator and the ``survival_ipd`` kind (fit, LOO, figure, SBC spec)."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
from scipy import stats

from neosim.models import survival as sv
from neosim.models.families import FAMILIES, LogNormal

from ..experiments.test_experiments_survival import IPD_TOML, SYNTHETIC

REF = stats.lognorm(s=1.3, scale=20.0)
P = {"lognormal_median_months": 20.0, "lognormal_sigma": 1.3}
T = np.array([0.05, 0.7, 6.0, 20.0, 75.0, 400.0, 1200.0])
EVENT = np.array([1, 0, 1, 0, 1, 0, 1])


def test_registered_under_its_name():
    assert FAMILIES["lognormal"] is LogNormal and sv.make_family("lognormal").name == "lognormal"


def test_censored_log_likelihood_matches_scipy():
    fam = sv.make_family("lognormal")
    ref = np.where(EVENT == 1, REF.logpdf(T), REF.logsf(T))
    np.testing.assert_allclose(sv.log_likelihood(fam, T, EVENT, P, np), ref, rtol=1e-10)
    np.testing.assert_allclose(fam.log_survival(T, P, np), REF.logsf(T), rtol=1e-12)
    np.testing.assert_allclose(np.exp(fam.log_hazard(T, P, np)), REF.pdf(T) / REF.sf(T),
                               rtol=1e-10)
    bound = LogNormal(20.0, 1.3)
    np.testing.assert_allclose(bound.survival(T), REF.sf(T), rtol=1e-12)
    np.testing.assert_allclose(bound.median(), 20.0, rtol=1e-14)
    np.testing.assert_allclose(bound.quantile([0.1, 0.9]), REF.ppf([0.1, 0.9]), rtol=1e-12)


def test_pymc_model_logp_matches_scipy_deep_in_the_tail():
    """The PyTensor path (PyMC's stable normal lccdf) agrees with SciPy, also where S(t) is
    below 1e-100 (a naive log(erfc) would give -inf)."""
    t = np.array([3.0, 40.0, 5000.0, 1e6])
    event = np.array([1.0, 0.0, 0.0, 1.0])
    data = sv.SurvivalData(t, event.astype(int), np.zeros(4, "int64"), ("ALL",))
    model = sv.build_model(sv.make_family("lognormal"), data, sv.Priors())
    point = model.initial_point()
    point["lognormal_median_months_log__"] = np.log([2.0])
    point["lognormal_sigma_log__"] = np.log(0.4)
    ll = model.compile_logp(vars=[model["survival"]], sum=True)(point)
    ref = stats.lognorm(s=0.4, scale=2.0)
    want = np.sum(np.where(event == 1, ref.logpdf(t), ref.logsf(t)))
    assert np.isfinite(want) and ll == pytest.approx(want, rel=1e-9)


def test_random_event_times_follow_its_survival_function():
    """KS against the log-normal CDF: the fit path (S⁻¹(U)) and the simulator's inversion of
    unit exponentials; a 5000-draw KS at p > 1e-3 is within Monte-Carlo error."""
    bound = LogNormal(20.0, 1.3)
    times = bound.random(np.random.default_rng(1), 5000)
    assert stats.kstest(times, REF.cdf).pvalue > 1e-3
    sim = bound.inverse_cumulative_hazard(np.random.default_rng(2).standard_exponential(5000))
    assert stats.kstest(sim, REF.cdf).pvalue > 1e-3
    fam = sv.make_family("lognormal")
    per = {"lognormal_median_months": np.array([5.0, 60.0]), "lognormal_sigma": 0.8}
    idx = np.repeat([0, 1], 3000)
    t = sv.draw_times(fam, per, idx, np.random.default_rng(3))
    for s, m in enumerate((5.0, 60.0)):
        assert stats.kstest(t[idx == s], stats.lognorm(s=0.8, scale=m).cdf).pvalue > 1e-3


def test_simulator_takes_it_as_the_true_control(tmp_path):
    """A trial simulated with a log-normal control: the control arm's event times are its draws
    (before censoring), and the ``trial_simulation`` kind builds it from ``[trial.control]``."""
    from neosim.experiments import load_experiment
    from neosim.experiments import trial_simulation as ts
    from neosim.simulator import Accrual, TrialScenario
    from neosim.simulator.engine import draw_block

    sc = TrialScenario(n=400, control=LogNormal(20.0, 1.3), accrual=Accrual.uniform(400, 12.0),
                       hazard_ratio=0.6, events=200)
    _, e, _, _ = draw_block(sc, np.random.default_rng(4))
    control = e[:, sc.arm == 0].ravel()
    assert stats.kstest(control[:20000], REF.cdf).pvalue > 1e-3
    # proportional hazards on treatment: S_t(t) = S_c(t) ** HR
    treated = e[:, sc.arm == 1].ravel()[:20000]
    assert stats.kstest(treated, lambda x: 1.0 - REF.sf(x) ** 0.6).pvalue > 1e-3
    path = tmp_path / "sim.toml"
    path.write_text(textwrap.dedent("""
        [experiment]
        name = "ln"
        kind = "trial_simulation"
        seed = 1
        [design]
        accrual_time = [0.0, 24.0]
        [design.analysis]
        events_fraction = 0.5
        [design.control]
        model = "lognormal"
        median_months = 20.0
        shape = 1.3
        [grid]
        subjects = [40]
        hazard_ratio = [1.0, 0.5]
        [[analyses]]
        kind = "logrank"
        [simulation]
        n_trials = 2000
    """))
    prep = ts.prepare(load_experiment(path), str(path))
    assert [s.control for _, s in prep.scenarios] == [LogNormal(20.0, 1.3)] * 2
    import xarray as xr

    from neosim.experiments.runner import run_experiment

    run = run_experiment(path, out=tmp_path / "run", quiet=True).path
    with xr.open_dataset(run / "simulation.nc", engine="h5netcdf") as ds:
        power = ds["power"].sel(analysis="logrank", subjects=40)
        assert float(power.sel(hazard_ratio=1.0)) < 0.06  # one-sided 2.5 % test
        assert float(power.sel(hazard_ratio=0.5)) > 0.2


@pytest.mark.slow
def test_survival_ipd_fits_compares_and_plots_it(tmp_path):
    """``survival_ipd`` lists it like any family: fitted with its derived S(t) and median,
    compared by PSIS-LOO, drawn in the survival grid, and calibratable by the ``sbc`` kind."""
    from neosim import results
    from neosim.experiments import load_experiment, survival_ipd
    from neosim.experiments.runner import run_experiment

    path = tmp_path / "ipd.toml"
    # the small synthetic survival_ipd config of the kind's own tests, with log-normal listed
    path.write_text(IPD_TOML.format(data=SYNTHETIC.replace("n = 40", "n = 60"),
                                    families='["lognormal", "exponential"]'))
    run = run_experiment(path, out=tmp_path / "run", quiet=True).path
    summary = set(results.read_summary(run)["parameter"])
    assert {"lognormal/lognormal_sigma", "lognormal/lognormal_median_months[AML]",
            "lognormal/survival_24m[ALL]", "lognormal/median_survival_months[ALL]"} <= summary
    tree = results.read_posterior(run)
    curve = tree["lognormal"]["survival_curve"].to_dataset()
    assert curve["median"].sizes == {"subtype": 2, "time": 25}
    assert float(curve["median"].isel(time=0).min()) == pytest.approx(1.0)
    assert "lognormal" in (run / "loo_comparison.csv").read_text()
    assert (run / "figures" / "survival_models.png").is_file()
    prep = survival_ipd.prepare(load_experiment(path), str(path))
    assert "lognormal" in survival_ipd.sbc_models(prep)
    spec = survival_ipd.sbc_spec(prep, "lognormal")
    assert spec.parameters == ("lognormal_median_months", "lognormal_sigma")
