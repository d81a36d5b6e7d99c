"""Calibration of every shipped Bayesian model: the SBC specs of the survival (IPD and aggregate)
and pooling kinds, their simulators, the ``[sbc] model`` selector, and the shipped SBC runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from neosim import seeds
from neosim.errors import InputError
from neosim.experiments import load_experiment, sbc
from neosim.models import survival as sv
from neosim.survival.sbc import CohortFollowUp, EmpiricalFollowUp

from ..conftest import ROOT, write_config

EXPERIMENTS = ROOT / "experiments"
SHIPPED = sorted(p.name for p in EXPERIMENTS.glob("sbc_*.toml")
                 if p.name != "sbc_subtype_frequencies.toml")  # that one: test_distributed.py
SURVIVAL_FAMILIES = tuple(sv.FAMILIES)  # every registered family ships a calibration


def _prepare(path: Path) -> sbc.Prepared:
    return sbc.prepare(load_experiment(path), str(path))


def test_every_model_kind_ships_a_calibration():
    names = {p.removeprefix("sbc_").removesuffix(".toml") for p in SHIPPED}
    assert names == {"survival_aggregate", "evidence_pooling",
                     *(f"survival_{f}" for f in SURVIVAL_FAMILIES)}
    for name in SHIPPED:
        s = load_experiment(EXPERIMENTS / name).sbc
        assert s.replicates >= 200 and s.alpha == 0.01


@pytest.mark.parametrize("name", SHIPPED)
def test_draw_fits_the_compiled_models_data(name):
    """``with_data`` casts silently: the simulated data must have the shape and dtype kind of the
    model's ``pm.Data`` (else an integer count would be truncated, a shape rejected)."""
    spec = _prepare(EXPERIMENTS / name).spec
    model = spec.build(*spec.build_args)
    for r in range(3):
        truth, data = spec.draw(spec.build_args, seeds.rng(1, r))
        assert data
        for key, value in data.items():
            old = np.asarray(model[key].get_value())
            new = np.asarray(value)
            assert new.shape == old.shape, key
            assert new.dtype.kind == old.dtype.kind, key
            assert not np.isnan(new).any(), key
        for p in spec.parameters:
            dims = model.named_vars_to_dims.get(p, ())
            assert np.shape(truth[p]) == tuple(len(model.coords[d]) for d in dims), p


def test_labels_are_readable():
    spec = _prepare(EXPERIMENTS / "sbc_survival_piecewise.toml").spec
    from neosim.calibration import parameter_labels

    truth, _ = spec.draw(spec.build_args, seeds.rng(1, 0))
    assert parameter_labels(spec, truth) == [
        f"hazard_per_month[{s}, {i}]" for s in ("ALL", "AML") for i in ("0-6", "6-24", "24+")]
    spec = _prepare(EXPERIMENTS / "sbc_evidence_pooling.toml").spec
    truth, _ = spec.draw(spec.build_args, seeds.rng(1, 0))
    labels = parameter_labels(spec, truth)
    assert labels[:2] == ["mu", "tau"] and labels[2] == "theta[interfant99_congenital_os24]"


# -- the [sbc] model selector -------------------------------------------------------------------

def _sbc_file(tmp_path: Path, extra: str, target: str = "ipd_survival_synthetic.toml") -> Path:
    return write_config(tmp_path / "sbc.toml", f"""
[experiment]
name = "t"
kind = "sbc"
seed = 1
[sbc]
target = "{EXPERIMENTS / target}"
{extra}
""")


@pytest.mark.parametrize("extra, target, message", [
    ('model = "gompertz"', "ipd_survival_synthetic.toml", "not a model of"),
    ("", "ipd_survival_synthetic.toml", "fits several models"),
    ('model = "weibull"', "jilsg_survival.toml", "has one model"),
])
def test_bad_model_selector_names_the_field(tmp_path, extra, target, message):
    with pytest.raises(InputError) as err:
        _prepare(_sbc_file(tmp_path, extra, target))
    assert err.value.field == "sbc.model" and message in err.value.message


def test_model_selector_picks_the_family(tmp_path):
    for family in SURVIVAL_FAMILIES:
        spec = _prepare(_sbc_file(tmp_path, f'model = "{family}"')).spec
        assert spec.build_args[0].name == family


# -- the survival simulator keeps the target's censoring design -----------------------------------

def test_cohort_follow_up_is_the_synthetic_cohorts():
    """Landmark follow-up of a synthetic cohort in which nobody dies after SCT is exactly the
    censoring distribution the calibration draws (two-sample KS, both samples large)."""
    from neosim.survival.ipd import landmark
    from neosim.survival.synthetic import CohortSpec, draw_cohort

    family = sv.make_family("exponential")
    spec = CohortSpec(n=20_000, subtypes=("ALL",), subtype_weights=(1.0,), family=family,
                      truth={"hazard_per_month": np.array([1e-12])}, sct_probability=0.7,
                      time_to_sct=(3.0, 30.0), pre_sct_hazard=0.08,
                      follow_up=(12.0, 48.0))
    data = landmark(draw_cohort(spec, 3), ["ALL"], origin="sct")
    assert not data.event.any()
    design = CohortFollowUp(spec.follow_up, spec.time_to_sct, spec.pre_sct_hazard, "sct")
    drawn = design.draw(20_000, np.random.default_rng(4))
    assert stats.ks_2samp(data.time, drawn).pvalue > 0.001
    # the naive difference of independent uniforms would be visibly different
    naive = (np.random.default_rng(5).uniform(12, 48, 20_000)
             - np.random.default_rng(6).uniform(3, 30, 20_000))
    assert stats.ks_2samp(data.time, naive).pvalue < 1e-6


def test_empirical_follow_up_is_the_reverse_kaplan_meier():
    rng = np.random.default_rng(7)
    censor = rng.uniform(10.0, 50.0, 4000)
    death = rng.exponential(200.0, 4000)
    data = sv.SurvivalData(np.minimum(death, censor), (death <= censor).astype(int),
                           np.zeros(4000, "int64"), ("ALL",))
    drawn = EmpiricalFollowUp.from_data(data).draw(4000, np.random.default_rng(8))
    assert stats.ks_2samp(drawn, rng.uniform(10.0, 50.0, 4000)).pvalue > 0.001
    assert drawn.min() >= data.time.min() and drawn.max() <= data.time.max()


def test_ipd_file_target_censors_by_its_reverse_kaplan_meier(tmp_path):
    """Real IPD has no stated follow-up mechanism: the calibration draws it from the data."""
    from neosim.survival.synthetic import CohortSpec, draw_cohort

    cohort = CohortSpec(n=80, subtypes=("ALL", "AML"), subtype_weights=(0.6, 0.4),
                        family=sv.make_family("exponential"),
                        truth={"hazard_per_month": np.array([0.03, 0.01])})
    (tmp_path / "ipd.csv").write_text(draw_cohort(cohort, 9).to_csv())
    target = write_config(tmp_path / "ipd.toml", """
[experiment]
name = "ipd"
kind = "survival_ipd"
seed = 1
[data]
file = "ipd.csv"
[models]
families = ["exponential"]
[export]
enabled = false
""")
    spec = _prepare(_sbc_file(tmp_path, "", str(target))).spec  # one family: model optional
    assert isinstance(spec.draw.args[0], EmpiricalFollowUp)
    data = spec.build_args[1]
    for r in range(20):
        _, d = spec.draw(spec.build_args, seeds.rng(5, r))
        assert d["time"].shape == data.time.shape and d["time"].max() <= data.time.max()
        assert np.all(d["time"] > 0)


@pytest.mark.slow
@pytest.mark.parametrize("family", ["exponential", "piecewise"])
def test_survival_simulator_matches_the_exact_posterior(family):
    """Prior draws + simulator + censoring against the conjugate Gamma posterior: the exact
    posterior CDF at the true hazard is uniform (5000 replicates, no sampler involved)."""
    spec = _prepare(EXPERIMENTS / f"sbc_survival_{family}.toml").spec
    fam, data, priors = spec.build_args
    u = []
    for r in range(5000):
        truth, d = spec.draw(spec.build_args, seeds.rng(2024, r))
        sim = sv.SurvivalData(d["time"], d["event"].astype(int), data.subtype_index,
                              data.subtypes)
        ab = np.array(list(sv.conjugate_gamma_posterior(fam, sim, priors).values()))
        u.append(stats.gamma.cdf(np.ravel(truth["hazard_per_month"]), ab[:, 0],
                                 scale=1.0 / ab[:, 1]))
    p = [stats.kstest(col, "uniform").pvalue for col in np.array(u).T]
    assert min(p) > 0.01 / len(p), p  # Bonferroni over the hazards of the model


# -- aggregate and pooling simulators -------------------------------------------------------------

def test_aggregate_draw_respects_the_transplanted_prior():
    spec = _prepare(EXPERIMENTS / "sbc_survival_aggregate.toml").spec
    data = spec.build_args[0]
    support = np.isfinite(data.log_prior_transplanted)
    for r in range(200):
        _, d = spec.draw(spec.build_args, seeds.rng(3, r))
        y = d["survivors"].astype(int)
        assert np.all(y <= np.asarray(data.cases))
        mass = np.isfinite(d["log_prior_transplanted"])
        assert np.all(mass <= support)  # never outside the target's prior
        for s in range(len(y)):  # exactly the counts that can have y survivors
            np.testing.assert_array_equal(np.flatnonzero(mass[s]),
                                          np.flatnonzero(support[s] & (np.arange(
                                              support.shape[1]) >= y[s])))


def test_pooling_draw_simulates_binomial_studies_in_whole_patients():
    from neosim.models.evidence import StudyLikelihood
    from neosim.models.pooling import sbc_build, sbc_draw, sbc_studies
    from neosim.priors import HalfStudentT, Normal

    studies = sbc_studies([
        StudyLikelihood("a", "a", "a", "normal", y=-1.0, s=0.3),
        StudyLikelihood("b", "b", "b", "binomial", k=3.6, n=9.4),
        StudyLikelihood("c", "c", "c", "binomial", k=4.0, n=10.0)])
    assert [st.n for st in studies[1:]] == [9.0, 10.0]
    args = (studies, Normal(0.0, 2.0), HalfStudentT(3.0, 1.0))
    model = sbc_build(*args)
    for r in range(50):
        truth, d = sbc_draw(args, seeds.rng(4, r))
        assert set(d) == {"y", "k"} and d["k"].shape == (2,) and d["y"].shape == (1,)
        assert np.all(d["k"] == np.round(d["k"])) and np.all(d["k"] <= [9.0, 10.0])
        assert truth["tau"] >= 0 and truth["theta"].shape == (3,)
    assert model["k"].get_value().dtype.kind == "f"


# -- the shipped calibrations (slow) --------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_sbc_experiment_is_uniform(tmp_path, name):
    """Each shipped calibration (200 replicates, seeded) passes its uniformity test at 1 %."""
    from neosim.experiments.runner import run_experiment

    result = run_experiment(EXPERIMENTS / name, out=tmp_path / "run", quiet=True)
    assert result.passed, result.message
