"""The numerical integration of the random-effects model against independent brute force."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from neosim.models.evidence import StudyLikelihood
from neosim.models.pooling_quadrature import fit_grid, summarize_grid
from neosim.priors import HalfNormal, HalfStudentT


def normal_studies():
    y = np.array([-1.4, -1.2, -0.45, -0.23])
    s = np.array([0.57, 0.22, 0.23, 0.26])
    return [StudyLikelihood(f"s{i}", f"s{i}", f"s{i}", "normal", y=a, s=b)
            for i, (a, b) in enumerate(zip(y, s, strict=True))], y, s


def test_normal_likelihood_matches_closed_form_marginal_on_a_dense_grid():
    studies, y, s = normal_studies()
    post = fit_grid(studies, tau_prior=HalfNormal(1.0))
    got = summarize_grid(post, [st.figure_id for st in studies])
    # independent: trapezoid over a dense (mu, tau) rectangle with the exact marginal
    # y_i | mu, tau ~ N(mu, sqrt(s_i^2 + tau^2)); the half-normal tail beyond 7 is < 1e-11
    mu = np.linspace(-10, 10, 1001)
    tau = np.linspace(0, 7, 701)
    M, T = np.meshgrid(mu, tau, indexing="ij")
    logp = stats.norm.logpdf(M, 0, 2) + stats.halfnorm.logpdf(T, scale=1.0)
    for yi, si in zip(y, s, strict=True):
        logp += stats.norm.logpdf(yi, M, np.sqrt(si**2 + T**2))
    w = np.exp(logp - logp.max())
    w /= w.sum()
    assert got["mu"]["mean"] == pytest.approx(np.sum(w * M), abs=1e-3)
    assert got["tau"]["mean"] == pytest.approx(np.sum(w * T), abs=1e-3)
    assert got["tau"]["sd"] == pytest.approx(np.sqrt(np.sum(w * T**2) - np.sum(w * T) ** 2),
                                             abs=1e-3)
    # shrunken study means: theta_i | mu, tau, y_i is normal with precision-weighted mean
    for i, (yi, si) in enumerate(zip(y, s, strict=True)):
        with np.errstate(divide="ignore", invalid="ignore"):
            cond = np.where(T > 0, (yi / si**2 + M / T**2) / (1 / si**2 + 1 / T**2), M)
        exact = np.sum(w * cond)
        mass = post.theta[i]
        assert np.sum(post.x * mass) == pytest.approx(exact, abs=2e-3)
    # predictive survival of a new study: E[expit(mu + tau eps)] by Gauss-Hermite
    nodes, gw = np.polynomial.hermite_e.hermegauss(40)
    pred = np.sum(w[..., None] * gw / gw.sum() / (1 + np.exp(-(M[..., None]
                                                                + T[..., None] * nodes))))
    assert got["map_survival"]["mean"] == pytest.approx(pred, abs=1e-3)


def test_binomial_likelihood_matches_brute_force():
    k = np.array([2.0, 5.0, 3.0])
    n = np.array([9.0, 12.0, 10.0])
    studies = [StudyLikelihood(f"b{i}", f"b{i}", f"b{i}", "binomial", k=a, n=b)
               for i, (a, b) in enumerate(zip(k, n, strict=True))]
    tp = HalfNormal(0.5)
    post = fit_grid(studies, tau_prior=tp)
    got = summarize_grid(post, [st.figure_id for st in studies])
    # independent: mu trapezoid x tau by prior quantiles x theta = mu + tau z by trapezoid in z
    mu = np.linspace(-5, 3, 201)
    u = (np.arange(120) + 0.5) / 120
    tau = stats.halfnorm.ppf(u, scale=0.5)
    z = np.linspace(-8, 8, 321)
    wz = stats.norm.pdf(z)
    wz /= wz.sum()
    logp = stats.norm.logpdf(mu, 0, 2)[:, None] + np.zeros((1, tau.size))
    for ki, ni in zip(k, n, strict=True):
        theta = mu[:, None, None] + tau[None, :, None] * z[None, None, :]
        lik = np.exp(-ki * np.logaddexp(0, -theta) - (ni - ki) * np.logaddexp(0, theta))
        logp += np.log(np.sum(lik * wz, axis=-1))
    w = np.exp(logp - logp.max())
    w /= w.sum()
    assert got["mu"]["mean"] == pytest.approx(np.sum(w * mu[:, None]), abs=2e-3)
    assert got["tau"]["mean"] == pytest.approx(np.sum(w * tau[None, :]), abs=2e-3)


def test_half_t_prior_nodes_follow_its_quantiles():
    tp = HalfStudentT(3.0, 2.0)
    assert tp.quantile(0.5) == pytest.approx(2.0 * stats.t.ppf(0.75, 3.0))
    x = np.linspace(0, 30, 300001)
    assert np.trapezoid(tp.pdf(x), x) == pytest.approx(1.0 - 2 * stats.t.sf(15, 3), abs=1e-6)


def test_finer_grid_changes_little():
    studies, _, _ = normal_studies()
    a = summarize_grid(fit_grid(studies), [])
    b = summarize_grid(fit_grid(studies, step=0.01, half_width=20.0, n_tau=400), [])
    for key in ("mu", "tau", "map_survival"):
        assert a[key]["mean"] == pytest.approx(b[key]["mean"], abs=3e-4)
