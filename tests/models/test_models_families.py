"""The family classes: one definition serving fitting and simulation consistently, for every
family of the registry (a new family is checked here without a new test)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from neosim.errors import InputError
from neosim.models import families as fm
from neosim.models.families import make_family
from neosim.models.survival import Priors
from neosim.priors import Beta, Gamma, LogNormal

PRIORS = Priors(hazard=Gamma(2.0, 40.0), shape=LogNormal(median=1.0, sigma=0.3),
               scale=LogNormal(median=24.0, sigma=0.6), cure_fraction=Beta(2.0, 3.0))
T = np.array([0.5, 3.0, 7.0, 15.0, 30.0, 80.0])


def _bound(name: str, seed: int = 0) -> fm.SurvivalFamily:
    family = fm.make_family(name, (6.0, 24.0))
    p = family.prior_draw(PRIORS, 1, np.random.default_rng(seed))
    return family.bind({k: (v if k in family.shared else v[0]) for k, v in p.items()})


def test_registry_names_its_classes():
    assert list(fm.FAMILIES)[:4] == ["exponential", "weibull", "piecewise", "cure"]
    for name, cls in fm.FAMILIES.items():
        assert cls.name == name and fm.make_family(name, (6.0,)).name == name
    with pytest.raises(KeyError, match="unknown survival family"):
        fm.make_family("gompertz")


@pytest.mark.parametrize("name", list(fm.FAMILIES))
def test_simulator_and_likelihood_maths_agree(name):
    """Λ (simulator) is minus log S (likelihood), its inverse inverts it, and S is bounded."""
    f = _bound(name)
    assert f.bound
    values = f.values()
    np.testing.assert_allclose(f.cumulative_hazard(T), -f.log_survival(T, values, np),
                               rtol=1e-12)
    np.testing.assert_allclose(f.survival(T), f.survival(T, values), rtol=1e-12)
    h = f.cumulative_hazard(T)
    np.testing.assert_allclose(f.inverse_cumulative_hazard(h), T, rtol=1e-9)
    np.testing.assert_allclose(f.time_at_survival(f.survival(T)), T, rtol=1e-9)
    assert np.all(np.diff(f.survival(T)) < 0) and f.survival(np.array([0.0]))[0] == 1.0


@pytest.mark.parametrize("name", list(fm.FAMILIES))
def test_random_times_follow_the_survival_function(name):
    """KS of the bound family's draws against its own S (within Monte-Carlo error)."""
    f = _bound(name, seed=3)
    times = f.random(np.random.default_rng(8), 5000)
    floor = f.values().get("cure_fraction", 0.0)
    finite = np.isfinite(times)
    assert finite.all() == (floor == 0.0)
    pit = (f.survival(times[finite]) - floor) / (1.0 - floor)
    assert stats.kstest(pit, "uniform").pvalue > 1e-3
    # the simulator's inversion of unit exponentials gives the same law
    sim = f.inverse_cumulative_hazard(np.random.default_rng(9).standard_exponential(5000))
    ok = np.isfinite(sim)
    assert stats.ks_2samp(sim[ok], times[finite]).pvalue > 1e-3


@pytest.mark.parametrize("name", list(fm.FAMILIES))
def test_event_probability_with_dropout_where_a_closed_form_exists(name):
    """``P(event by t) = ∫ f(s) exp(-d s) ds``; without dropout it is ``1 - S(t)``."""
    f = _bound(name, seed=5)
    np.testing.assert_allclose(f.event_probability(30.0), 1.0 - f.survival(30.0), rtol=1e-12)
    try:
        got = f.event_probability(30.0, dropout_hazard=0.02)
    except NotImplementedError:
        assert name not in ("exponential", "piecewise")
        return

    def density(s):
        return float(np.exp(f.log_hazard(np.array([s]), f.values(), np)[0])
                     * f.survival(np.array([s]))[0] * np.exp(-0.02 * s))
    ref = integrate.quad(density, 0.0, 30.0, points=[6.0, 24.0])[0]
    assert float(got) == pytest.approx(ref, rel=1e-8)


def test_median_and_quantile():
    f = fm.Exponential(0.05)
    assert float(f.median()) == pytest.approx(np.log(2) / 0.05, rel=1e-10)
    assert float(f.quantile(0.9)) == pytest.approx(-np.log(0.1) / 0.05, rel=1e-10)
    assert np.isinf(fm.Cure(0.6, fm.Exponential(0.05)).median())


def test_unbound_family_refuses_simulator_use_and_bad_values_name_the_field():
    with pytest.raises(ValueError, match="no parameter values"):
        fm.Weibull().median()
    for build, field in [(lambda: fm.PiecewiseExponential((6.0,), (0.1,)), "hazard_per_month"),
                         (lambda: fm.PiecewiseExponential((6.0,), (0.1, 0.0)),
                          "hazard_per_month[1]"),
                         (lambda: fm.Cure(0.5, fm.Cure(0.5)), "uncured")]:
        with pytest.raises(InputError) as exc:
            build()
        assert exc.value.field == field


def test_prior_draws_are_the_priors():
    f = fm.make_family("cure")
    draws = [f.prior_draw(PRIORS, 1, np.random.default_rng(s)) for s in range(2000)]
    pi = np.array([d["cure_fraction"][0] for d in draws])
    assert stats.kstest(pi, stats.beta(2.0, 3.0).cdf).pvalue > 1e-3
    k = np.array([d["weibull_shape"] for d in draws])
    assert stats.kstest(np.log(k), stats.norm(0.0, 0.3).cdf).pvalue > 1e-3


@pytest.mark.parametrize("name, shape", [("weibull", "weibull_shape"),
                                         ("lognormal", "lognormal_sigma"),
                                         ("cure", "weibull_shape")])
def test_the_shape_is_shared_unless_asked_per_subtype(name, shape):
    """A family with a shape shares it across subtypes by default and says so (``shared``);
    ``shape_per_subtype`` gives one per subtype in the PyMC model and in the prior draws."""
    import pymc as pm

    from neosim.models import survival as sv

    shared = make_family(name)
    per = make_family(name, shape_per_subtype=True)
    assert shape in shared.shared and shape not in per.shared
    rng = np.random.default_rng(1)
    assert np.shape(shared.prior_draw(sv.Priors(), 3, rng)[shape]) == ()
    assert np.shape(per.prior_draw(sv.Priors(), 3, rng)[shape]) == (3,)
    with pm.Model(coords={"subtype": ["a", "b", "c"], **per.coords()}):
        theta = per.pymc_parameters(sv.Priors())
        assert tuple(theta[shape].shape.eval()) == (3,)
    assert make_family("exponential", shape_per_subtype=True).shared == ()


def test_fit_survival_fits_one_shape_per_group_when_asked():
    """Two groups with clearly different Weibull shapes: the per-group fit recovers both."""
    import pandas as pd

    import neosim as ns

    rng = np.random.default_rng(3)
    t = np.concatenate([12.0 * rng.weibull(0.6, 150), 12.0 * rng.weibull(2.5, 150)])
    df = pd.DataFrame({"t": np.minimum(t, 200.0), "d": (t < 200.0).astype(int),
                       "g": ["a"] * 150 + ["b"] * 150})
    fit = ns.fit_survival(df, time="t", event="d", group="g", family="weibull",
                          shape="per_subtype", seed=5, draws=300, tune=300, chains=2)
    k = fit["posterior"]["weibull_shape"].mean(("chain", "draw"))
    assert float(k.sel(group="a")) == pytest.approx(0.6, rel=0.2)
    assert float(k.sel(group="b")) == pytest.approx(2.5, rel=0.2)
