"""The survival families: one definition, consistent hazard and survival, exact answers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from neosim.models import survival as sv
from neosim.priors import Beta, Gamma, LogNormal

FAMILIES = [sv.make_family(name, cuts=(6.0, 24.0)) for name in sv.FAMILIES]
PRIORS = sv.Priors(hazard=Gamma(2.0, 40.0), shape=LogNormal(median=1.0, sigma=0.3),
                   scale=LogNormal(median=24.0, sigma=0.6), cure_fraction=Beta(2.0, 3.0))


def _params(family, seed=0):
    return sv.draw_parameters(family, PRIORS, 1, np.random.default_rng(seed))


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_hazard_is_minus_derivative_of_log_survival(family):
    p = {k: np.asarray(v)[0] if k not in family.shared else v for k, v in _params(family).items()}
    t = np.array([0.5, 3.0, 7.0, 15.0, 30.0, 80.0])  # away from the piecewise cuts
    eps = 1e-6
    dlogs = (family.log_survival(t + eps, p, np) - family.log_survival(t - eps, p, np)) / (2 * eps)
    np.testing.assert_allclose(family.log_hazard(t, p, np), np.log(-dlogs), rtol=1e-6)
    with np.errstate(divide="ignore"):  # log(0) inside the Weibull, exp(-inf) = 0 after
        assert family.log_survival(np.array([0.0]), p, np)[0] == pytest.approx(0.0, abs=1e-12)


def test_exponential_and_weibull_match_scipy():
    t = np.array([0.3, 2.0, 11.0, 40.0])
    exp = sv.make_family("exponential")
    p = {"hazard_per_month": 0.07}
    np.testing.assert_allclose(sv.log_likelihood(exp, t, np.array([1, 0, 1, 0]), p, np),
                               [stats.expon(scale=1 / 0.07).logpdf(0.3),
                                stats.expon(scale=1 / 0.07).logsf(2.0),
                                stats.expon(scale=1 / 0.07).logpdf(11.0),
                                stats.expon(scale=1 / 0.07).logsf(40.0)], rtol=1e-12)
    wei = sv.make_family("weibull")
    p = {"weibull_shape": 0.7, "weibull_scale_months": 18.0}
    ref = stats.weibull_min(0.7, scale=18.0)
    np.testing.assert_allclose(wei.log_hazard(t, p, np) + wei.log_survival(t, p, np),
                               ref.logpdf(t), rtol=1e-12)
    np.testing.assert_allclose(wei.log_survival(t, p, np), ref.logsf(t), rtol=1e-12)


def test_piecewise_and_cure_by_hand():
    pw = sv.make_family("piecewise", cuts=(6.0, 24.0))
    assert pw.interval_labels == ["0-6", "6-24", "24+"]
    lam = np.array([0.1, 0.02, 0.005])
    p = {"hazard_per_month": lam}
    t = np.array([3.0, 6.0, 30.0])
    np.testing.assert_allclose(pw.log_survival(t, p, np),
                               [-0.3, -0.6, -(0.6 + 18 * 0.02 + 6 * 0.005)], rtol=1e-14)
    # a death exactly at the cut 6 takes the hazard of [0, 6] (R's survSplit convention)
    np.testing.assert_allclose(pw.log_hazard(t, p, np), np.log([0.1, 0.1, 0.005]), rtol=1e-14)
    cure = sv.make_family("cure")
    p = {"cure_fraction": 0.3, "weibull_shape": 1.0, "weibull_scale_months": 10.0}
    s = 0.3 + 0.7 * np.exp(-t / 10.0)
    np.testing.assert_allclose(np.exp(cure.log_survival(t, p, np)), s, rtol=1e-14)
    np.testing.assert_allclose(np.exp(cure.log_hazard(t, p, np)),
                               0.7 * np.exp(-t / 10.0) / 10.0 / s, rtol=1e-12)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_quantiles_invert_survival_and_draws_follow_it(family):
    params = sv.draw_parameters(family, PRIORS, 2, np.random.default_rng(5))
    u = np.array([0.9, 0.5, 0.1])
    p0 = sv.per_patient(family, params, np.zeros(3, int))
    t = sv.survival_time_quantile(family, p0, u)
    finite = np.isfinite(t)
    s = np.exp(family.log_survival(t[finite], {k: (v[finite] if np.ndim(v) else v)
                                              for k, v in p0.items()}, np))
    np.testing.assert_allclose(s, u[finite], rtol=1e-9)
    if family.name == "cure":  # S never falls below the cure fraction
        assert np.all(np.isinf(t[u < params["cure_fraction"][0]]))
    # draws: the probability integral transform of the drawn times is uniform
    rng = np.random.default_rng(11)
    idx = np.zeros(4000, int)
    times = sv.draw_times(family, params, idx, rng)
    pp = sv.per_patient(family, params, idx)
    cured = ~np.isfinite(times)
    floor = params["cure_fraction"][0] if family.name == "cure" else 0.0
    # the cured (cure model only) are a binomial share of the patients ...
    assert stats.binomtest(int(cured.sum()), times.size, floor).pvalue > 1e-3 if floor else (
        not cured.any())
    # ... and the others' S(T), rescaled to (0, 1), is uniform
    finite = {k: (v[~cured] if np.ndim(v) else v) for k, v in pp.items()}
    pit = np.exp(family.log_survival(times[~cured], finite, np))
    assert stats.kstest((pit - floor) / (1 - floor), "uniform").pvalue > 1e-3


def test_survival_curve_shapes_and_medians():
    fam = sv.make_family("exponential")
    lam = np.array([[[0.1, 0.01]]])  # (chain, draw, subtype)
    curve = sv.survival_curve(fam, {"hazard_per_month": lam}, [0.0, 12.0, 24.0])
    assert curve.shape == (1, 1, 2, 3)
    np.testing.assert_allclose(curve[0, 0, 0], np.exp(-0.1 * np.array([0, 12, 24])))
    med = sv.survival_time_quantile(fam, {"hazard_per_month": lam}, 0.5)
    np.testing.assert_allclose(med, np.log(2) / lam, rtol=1e-10)


def test_model_logp_equals_numpy_likelihood():
    rng = np.random.default_rng(2)
    for family in FAMILIES:
        params = sv.draw_parameters(family, PRIORS, 2, rng)
        idx = rng.integers(0, 2, 30)
        t = sv.draw_times(family, params, idx, rng)
        c = rng.uniform(5, 60, 30)
        data = sv.SurvivalData(np.minimum(t, c), (t <= c).astype(int), idx, ("ALL", "AML"))
        model = sv.build_model(family, data, PRIORS)
        obs = model["survival"]
        point = model.initial_point()
        values = {v.name: np.asarray(params[v.name]) for v in model.free_RVs}
        for rv in model.free_RVs:
            point[model.rvs_to_values[rv].name] = model.rvs_to_transforms[rv].forward(
                values[rv.name]).eval() if model.rvs_to_transforms[rv] else values[rv.name]
        ll = model.compile_logp(vars=[obs], sum=True)(point)
        ref = sv.log_likelihood(family, data.time, data.event,
                                sv.per_patient(family, params, idx), np).sum()
        assert ll == pytest.approx(ref, rel=1e-9), family.name


def test_conjugate_posterior_counts_events_and_exposure():
    pw = sv.make_family("piecewise", cuts=(6.0,))
    data = sv.SurvivalData(np.array([2.0, 8.0, 10.0]), np.array([1, 0, 1]), np.array([0, 0, 1]),
                           ("ALL", "AML"))
    post = sv.conjugate_gamma_posterior(pw, data, sv.Priors(hazard=Gamma(1.0, 10.0)))
    assert post["hazard_per_month[ALL, 0-6]"] == (2.0, 10.0 + 2.0 + 6.0)
    assert post["hazard_per_month[ALL, 6+]"] == (1.0, 10.0 + 2.0)
    assert post["hazard_per_month[AML, 6+]"] == (2.0, 10.0 + 4.0)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["exponential", "piecewise"])
def test_nuts_matches_exact_conjugate_gamma_posterior(name):
    """Posterior mean and 2.5/50/97.5 % quantiles within 3 Monte-Carlo SE of the exact Gamma."""
    import pymc as pm
    from arviz_stats.base import array_stats

    family = sv.make_family(name, cuts=(6.0, 24.0))
    rng = np.random.default_rng(20060901)
    idx = np.repeat([0, 1], [8, 3])  # JILSG-sized: 8 ALL, 3 AML (synthetic times)
    truth = sv.draw_parameters(family, PRIORS, 2, rng)
    t = sv.draw_times(family, truth, idx, rng)
    c = rng.uniform(6.0, 60.0, idx.size)
    data = sv.SurvivalData(np.minimum(t, c), (t <= c).astype(int), idx, ("ALL", "AML"))
    model = sv.build_model(family, data, PRIORS)
    dt = pm.sample(model=model, draws=2000, tune=1000, chains=4, cores=2, random_seed=7,
                   nuts_sampler="nutpie", progressbar=False, compute_convergence_checks=False)
    draws = dt["posterior"]["hazard_per_month"]
    exact = sv.conjugate_gamma_posterior(family, data, PRIORS)
    flat = draws.stack(cell=[d for d in draws.dims if d not in ("chain", "draw")])
    assert flat.sizes["cell"] == len(exact)
    for j, (key, (a, b)) in enumerate(exact.items()):
        x = flat.isel(cell=j).transpose("chain", "draw").values
        ref = stats.gamma(a, scale=1.0 / b)
        se = array_stats.mcse(x, chain_axis=0, draw_axis=1, method="mean")
        assert abs(x.mean() - ref.mean()) < 3 * se, key
        for q in (0.025, 0.5, 0.975):
            se_q = array_stats.mcse(x, chain_axis=0, draw_axis=1, method="quantile", prob=q)
            assert abs(np.quantile(x, q) - ref.ppf(q)) < 3 * se_q, (key, q)
