"""The one prior object (neosim.priors): TOML and JSON give the same object; PyMC, numpy and SciPy
agree on it; quantiles invert the CDF; mixtures label themselves; prior files round-trip; bad
spellings are one-line errors."""

from __future__ import annotations

import json
import math
import tomllib

import numpy as np
import pytest

import neosim as ns
from neosim.errors import InputError
from neosim.priors import (
    FAMILIES,
    Mixture,
    bounded,
    mixture_of,
    parse_prior,
    read_prior,
    write_prior,
)

#: one prior of every family, with the spellings a config may use
TOML = """
beta = { family = "beta", alpha = 2.0, beta = 5.0 }
gamma = { family = "gamma", shape = 1.5, rate = 24.0 }
normal = { family = "normal", mean = 0.3, sd = 2.0 }
lognormal = { family = "lognormal", median = 36.0, sigma = 0.5 }
half_normal = { family = "half_normal", scale = 1.5 }
half_t = { family = "half_t", nu = 4.0, scale = 0.7 }
"""
JSON = """{
  "beta": {"family": "beta", "a": 2.0, "b": 5.0},
  "gamma": {"family": "gamma", "a": 1.5, "b": 24.0},
  "normal": {"family": "normal", "mu": 0.3, "sigma": 2.0},
  "lognormal": {"family": "lognormal", "mu": 3.58351893845611, "sigma": 0.5},
  "half_normal": {"family": "half_normal", "sigma": 1.5},
  "half_t": {"family": "half_t", "nu": 4.0, "sigma": 0.7}
}"""
FROM_TOML = {k: parse_prior(v) for k, v in tomllib.loads(TOML).items()}
POINTS = {"beta": [0.05, 0.3, 0.9], "gamma": [0.001, 0.05, 0.3], "normal": [-3.0, 0.3, 4.0],
          "lognormal": [1.0, 36.0, 200.0], "half_normal": [0.01, 1.0, 4.0],
          "half_t": [0.01, 0.5, 6.0]}


def test_every_family_is_covered():
    assert set(FROM_TOML) == set(FAMILIES) == set(POINTS)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_the_same_object_from_toml_and_json(family):
    from_json = parse_prior(json.loads(JSON)[family])
    a, b = FROM_TOML[family], from_json
    assert type(a) is type(b) is FAMILIES[family]
    assert a.params() == pytest.approx(b.params(), rel=1e-14)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_pymc_logp_is_the_scipy_logpdf(family):
    import pymc as pm

    prior = FROM_TOML[family]
    x = np.array(POINTS[family])
    with pm.Model():
        rv = prior.pymc("x", dims=None)
    logp = pm.logp(rv, x).eval()
    np.testing.assert_allclose(logp, prior.logpdf(x), rtol=1e-6)
    np.testing.assert_allclose(np.exp(prior.logpdf(x)), prior.pdf(x), rtol=1e-10)


def test_pymc_graphs_keep_the_historical_constants():
    """PyTensor makes a Python float that is exact in float32 a float32 constant (relative logp
    errors up to about 1e-6; every neosim model has always been sampled so). The prior objects
    pass their numbers as the models always did, so seeded posteriors do not move: Python floats,
    except a log-normal's mu, always a float64 (``np.log`` of the median); with mu = 0 (the
    shipped Weibull shape prior) a Python float gave a different posterior."""
    import pymc as pm

    with pm.Model():
        for i, prior in enumerate([ns.LogNormal(median=1.0, sigma=0.5), ns.Gamma(1.0, 24.0),
                                   ns.Beta(12.0, 8.0), ns.Normal(0.0, 2.0)]):
            mu_or_first, second = prior.pymc(f"x{i}").owner.inputs[2:4]
            expect = "float64" if prior.family == "lognormal" else "float32"
            assert (mu_or_first.dtype, second.dtype) == (expect, "float32"), prior.label()


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_numpy_draws_have_the_mean(family):
    prior = FROM_TOML[family]
    draws = prior.sample(40_000, np.random.default_rng(7))
    if family == "half_t":  # infinite variance for nu <= 2 is avoided (nu = 4): finite SE
        assert prior.nu > 2
    se = np.std(draws) / math.sqrt(draws.size)
    assert abs(np.mean(draws) - prior.mean()) < 4.5 * se
    # and the draws follow the CDF (Kolmogorov-Smirnov, one fixed seed)
    from scipy import stats

    assert stats.kstest(draws, prior.cdf).pvalue > 1e-3


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_quantile_inverts_the_cdf(family):
    prior = FROM_TOML[family]
    x = np.array(POINTS[family])
    np.testing.assert_allclose(prior.quantile(prior.cdf(x)), x, rtol=1e-8)


def test_labels():
    assert FROM_TOML["beta"].label() == "Beta(2, 5)"
    assert FROM_TOML["gamma"].label() == "Gamma(1.5, 24)"
    assert FROM_TOML["half_normal"].label() == "HalfNormal(1.5)"
    assert str(FROM_TOML["half_t"]) == "HalfStudentT(4, 0.7)"
    robust = Mixture.of([ns.Beta(12, 8), ns.Beta(1, 1)], [0.8, 0.2])
    assert robust.label() == "0.8 Beta(12, 8) + 0.2 Beta(1, 1)"
    assert Mixture("gamma", [1.0], [2.0], [30.0]).label() == "Gamma(2, 30)"


def test_mixture_quantile_inverts_its_cdf_and_pymc_matches():
    import pymc as pm

    mix = Mixture.of([ns.Normal(-0.5, 0.3), ns.Normal(0.0, 2.0)], [0.7, 0.3])
    x = np.array([-2.0, -0.4, 0.1, 3.0])
    np.testing.assert_allclose(mix.quantile(mix.cdf(x)), x, atol=1e-9)
    np.testing.assert_allclose(np.exp(mix.logpdf(x)), mix.pdf(x), rtol=1e-12)
    for m in (mix, Mixture.of([ns.Gamma(2, 30), ns.Gamma(1, 10)], [0.5, 0.5]),
              Mixture.of([ns.Beta(12, 8), ns.Beta(1, 1)], [0.8, 0.2])):
        with pm.Model():
            rv = m.pymc("x")
        pts = m.quantile([0.1, 0.5, 0.9])
        np.testing.assert_allclose(pm.logp(rv, pts).eval(), m.logpdf(pts), rtol=1e-6)


def test_a_mixture_table_from_toml_and_json_is_the_same_mixture():
    toml = tomllib.loads("""p = { family = "mixture", weights = [0.8, 0.2], components = [
        { family = "gamma", shape = 20.0, rate = 400.0 },
        { family = "gamma", a = 1.0, b = 12.0 }]}""")
    a = parse_prior(toml["p"])
    b = parse_prior(json.loads('{"family": "mixture", "weights": [0.8, 0.2], "components": ['
                               '{"family": "gamma", "alpha": 20.0, "beta": 400.0},'
                               '{"family": "gamma", "alpha": 1.0, "beta": 12.0}]}'))
    assert isinstance(a, Mixture)
    assert a.label() == b.label() == "0.8 Gamma(20, 400) + 0.2 Gamma(1, 12)"
    np.testing.assert_array_equal(a.p2, b.p2)


@pytest.mark.parametrize("table, field", [
    ({"weights": [0.5, 0.4], "components": [{"family": "beta"}, {"family": "beta"}]},
     "p.weights"),
    ({"weights": [1.0], "components": [{"family": "beta"}, {"family": "beta"}]}, "p.weights"),
    ({"weights": [0.5, 0.5], "components": [{"family": "beta"}, {"family": "normal"}]},
     "p.components"),
    ({"weights": [1.0], "components": [{"family": "half_normal"}]}, "p.components[0].family"),
])
def test_bad_mixture_tables_name_the_field(table, field):
    with pytest.raises(InputError) as err:
        parse_prior({"family": "mixture", **table}, file="x.toml", prefix="p")
    assert str(err.value).startswith(f"x.toml: {field}:")


def test_mixture_components_round_trip():
    comps = [ns.Gamma(2.0, 30.0), ns.Gamma(1.0, 10.0)]
    mix = Mixture.of(comps, [0.25, 0.75])
    assert mix.components == comps
    with pytest.raises(ValueError, match="all beta, all gamma or all normal"):
        Mixture.of([ns.Beta(1, 1), ns.Gamma(1, 1)], [0.5, 0.5])


def test_prior_file_round_trip(tmp_path):
    mix = Mixture.of([ns.Beta(12, 8), ns.Beta(1, 1)], [0.8, 0.2])
    path = write_prior(tmp_path / "p.json", mix.to_file("p", "survival_probability_24m",
                                                           description="test"))
    back = mixture_of(read_prior(path))
    assert back.label() == mix.label() and back.family == "beta"
    np.testing.assert_array_equal(back.weights, mix.weights)
    data = json.loads(path.read_text())
    assert data["schema"] == "neosim-prior/1" and data["components"][1] == {
        "weight": 0.2, "a": 1.0, "b": 1.0}


def test_committed_prior_files_still_read():
    from pathlib import Path

    files = sorted((Path(__file__).resolve().parents[2] / "configs" / "priors").glob("*.json"))
    assert files
    for f in files:
        prior = read_prior(f)
        if prior.kind == "mixture":
            assert 0 < mixture_of(prior).mean() < math.inf


@pytest.mark.parametrize("data, field, words", [
    ({"family": "betta", "alpha": 1.0}, "p.family", "family must be one of beta, gamma"),
    ({"alpha": 1.0}, "p.family", "family must be one of"),
    ({"family": "beta", "alpha": 0.0}, "p.alpha", "greater than"),
    ({"family": "gamma", "a": 1.0}, "p.beta", ""),
    ({"family": "normal", "mean": 0.0, "sd": 1.0, "scale": 1.0}, "p.scale", "unknown key"),
    ({"family": "lognormal", "median": 1.0, "mu": 0.0}, "p", "mu or median"),
    ({"family": "lognormal", "median": -1.0}, "p", "positive"),
])
def test_bad_priors_are_one_line_errors_naming_the_field(data, field, words):
    with pytest.raises(InputError) as err:
        parse_prior(data, file="x.toml", prefix="p")
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith(f"x.toml: {field}") and words in msg


def test_bounded_narrows_the_numbers_and_keeps_the_class():
    from neosim.config import PriorShape, Strict

    unit_beta = bounded(ns.Beta, alpha=(PriorShape, 1.0), beta=(PriorShape, 1.0))
    assert unit_beta is bounded(ns.Beta, beta=(PriorShape, 1.0), alpha=(PriorShape, 1.0))
    assert issubclass(unit_beta, ns.Beta) and unit_beta(a=2.0).label() == "Beta(2, 1)"

    class Section(Strict):
        prior: unit_beta = unit_beta()

    with pytest.raises(InputError, match=r"prior\.alpha"):
        from neosim.config import validate

        validate(Section, {"prior": {"alpha": 1e-5}}, file="x.toml")
    assert ns.Beta(1e-5, 1.0).alpha == 1e-5  # the generic bound is wider


def test_priors_pickle_for_workers():
    """dask workers receive priors pickled: a bounded prior arrives as its family's class with
    the same numbers (a class made at run time cannot be pickled by reference)."""
    import pickle

    from neosim.config import PriorShape

    unit_beta = bounded(ns.Beta, alpha=(PriorShape, 1.0), beta=(PriorShape, 1.0))
    for prior in (unit_beta(2.0, 3.0), ns.HalfStudentT(3, 1), FROM_TOML["lognormal"]):
        back = pickle.loads(pickle.dumps(prior))
        assert type(back) is FAMILIES[prior.family] and back.params() == prior.params()
    mix = pickle.loads(pickle.dumps(Mixture.of([ns.Beta(12, 8), ns.Beta(1, 1)], [0.8, 0.2])))
    assert mix.label() == "0.8 Beta(12, 8) + 0.2 Beta(1, 1)"


def test_draw_order_is_the_historical_one():
    """The numpy draws are exactly the expressions neosim's SBC and prior draws used before the
    prior objects existed (so seeded results do not move)."""
    def same(prior, size, old):
        np.testing.assert_array_equal(prior.sample(size, np.random.default_rng(3)),
                                      old(np.random.default_rng(3)))

    same(ns.Gamma(1.0, 24.0), 5, lambda r: r.gamma(1.0, 1.0 / 24.0, size=5))
    same(ns.Beta(2.0, 3.0), (2, 3), lambda r: r.beta(2.0, 3.0, size=(2, 3)))
    same(ns.LogNormal(median=36.0, sigma=1.5), 4, lambda r: 36.0 * np.exp(r.normal(0.0, 1.5, 4)))
    same(ns.Normal(0.1, 2.0), None, lambda r: r.normal(0.1, 2.0))
    same(ns.HalfNormal(1.5), None, lambda r: 1.5 * abs(r.standard_normal()))
    same(ns.HalfStudentT(3.0, 0.5), None, lambda r: 0.5 * abs(r.standard_t(3.0)))
