"""Effective sample sizes: the known identities of the moment and ELIR methods."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neosim.models.ess import ess_elir, ess_moment, ess_morita
from neosim.models.mixfit import robustify
from neosim.priors import Mixture, mixture_of, read_prior


@pytest.mark.parametrize("a,b", [(3.0, 7.0), (0.5, 0.5), (20.0, 80.0), (1.0, 1.0), (0.3, 12.0)])
def test_single_beta_ess_is_a_plus_b(a, b):
    mix = Mixture("beta", [1.0], [a], [b])
    assert ess_moment(mix) == pytest.approx(a + b, rel=1e-12)
    assert ess_elir(mix) == pytest.approx(a + b, rel=1e-6)


@pytest.mark.parametrize("a,b", [(3.0, 7.0), (0.5, 2.0), (40.0, 400.0)])
def test_single_gamma_ess_is_its_rate(a, b):
    mix = Mixture("gamma", [1.0], [a], [b])
    assert ess_moment(mix) == pytest.approx(b, rel=1e-12)
    assert ess_elir(mix) == pytest.approx(b, rel=1e-6)


def test_single_normal_ess_is_sigma2_over_variance():
    mix = Mixture("normal", [1.0], [0.3], [0.5])
    assert ess_moment(mix, sigma=2.0) == pytest.approx(16.0)
    assert ess_elir(mix, sigma=2.0) == pytest.approx(16.0, rel=1e-8)
    with pytest.raises(ValueError):
        ess_moment(mix)


def test_a_mixture_of_identical_components_is_one_component():
    mix = Mixture("beta", [0.3, 0.7], [4.0, 4.0], [9.0, 9.0])
    assert ess_moment(mix) == pytest.approx(13.0)
    assert ess_elir(mix) == pytest.approx(13.0, rel=1e-6)


def test_robustification_lowers_the_ess():
    mix = Mixture("beta", [0.5, 0.5], [6.0, 20.0], [14.0, 30.0])
    r = robustify(mix, 0.2, (1.0, 1.0))
    assert ess_moment(r) < ess_moment(mix)
    assert ess_elir(r) < ess_elir(mix)
    # the vague Beta(1, 1) alone is worth 2 patients
    assert ess_elir(Mixture("beta", [1.0], [1.0], [1.0])) == pytest.approx(2.0)


MAP = Path(__file__).resolve().parents[2] / "configs" / "priors" / \
    "map_neonatal_all_survival_24m.json"


def _log_density(mix: Mixture, x: np.ndarray) -> np.ndarray:
    from scipy import stats

    dist = (stats.beta(mix.p1[:, None], mix.p2[:, None]) if mix.family == "beta"
            else stats.gamma(mix.p1[:, None], scale=1.0 / mix.p2[:, None]))
    return np.log(np.sum(mix.weights[:, None] * dist.pdf(x[None, :]), axis=0))


def _elir_by_grid(mix: Mixture, scale: str) -> float:
    """ELIR by brute force, independent of the module's analytic derivatives: the curvature by
    central finite differences of scipy's log density, integrated on a fine grid."""
    if scale == "natural":  # on a logit grid, so that both tails are resolved
        phi = np.linspace(-25.0, 25.0, 400_001)
        x = 1.0 / (1.0 + np.exp(-phi))
        h = 1e-4 * x * (1 - x)
        curv = -(_log_density(mix, x + h) - 2 * _log_density(mix, x) + _log_density(mix, x - h)
                 ) / h**2
        info_f = 1.0 / (x * (1 - x))
        p = np.exp(_log_density(mix, x)) * x * (1 - x)  # dθ = θ (1 - θ) dφ
        x = phi
    else:
        phi = np.linspace(-14.0, 14.0, 400_001)
        h = 1e-4

        def lp(f):  # density of φ = logit θ: p(θ) θ (1 - θ)
            t = 1.0 / (1.0 + np.exp(-f))
            return _log_density(mix, t) + np.log(t) + np.log1p(-t)

        curv = -(lp(phi + h) - 2 * lp(phi) + lp(phi - h)) / h**2
        t = 1.0 / (1.0 + np.exp(-phi))
        info_f = t * (1 - t)
        p = np.exp(lp(phi))
        x = phi
    return float(np.trapezoid(p * curv / info_f, x))


def test_elir_on_both_scales_against_a_brute_force_computation():
    mix = mixture_of(read_prior(MAP))
    natural, logit = ess_elir(mix, scale="natural"), ess_elir(mix, scale="logit")
    # the grid stops at logit ±25: the Beta(1.17, 1.72) component's slowly vanishing tail
    # (integrand ~ θ^-0.83 at 0) leaves about 0.002 outside it
    assert natural == pytest.approx(_elir_by_grid(mix, "natural"), abs=5e-3)
    assert logit == pytest.approx(_elir_by_grid(mix, "logit"), abs=5e-3)
    # the two scales differ by the robust Beta(1, 1) part's 0.2 x 2 (0 on the probability
    # scale, where its curvature is 0); RBesT's probability-scale figure is 8.54
    assert round(natural, 2) == 8.54 and round(logit, 2) == 8.94
    assert logit - natural == pytest.approx(0.4, abs=1e-6)


@pytest.mark.parametrize("a,b", [(3.0, 7.0), (20.0, 80.0), (1.5, 12.0)])
def test_natural_scale_elir_and_morita_of_one_beta_are_a_plus_b(a, b):
    mix = Mixture("beta", [1.0], [a], [b])
    assert ess_elir(mix, scale="natural") == pytest.approx(a + b, rel=1e-6)
    assert ess_morita(mix) == pytest.approx(a + b, rel=1e-9)
    g = Mixture("gamma", [1.0], [a], [b])
    assert ess_elir(g, scale="natural") == pytest.approx(b, rel=1e-6)
    assert ess_morita(g) == pytest.approx(b, rel=1e-9)


def test_morita_of_a_mixture_from_its_definition():
    """Morita et al. 2008 by hand: the curvature of the mixture at its mean (finite
    differences) against an ε-information beta posterior after m observations."""
    mix = mixture_of(read_prior(MAP))
    m = mix.mean()
    h = 1e-5
    x = np.array([m - h, m, m + h])
    lp = _log_density(mix, x)
    curvature = -(lp[2] - 2 * lp[1] + lp[0]) / h**2
    eps = 1e-9
    # ε-information prior Beta(ε m, ε (1 - m)) and m_obs observations with E[Y] = m_obs * m
    per_obs = 1.0 / m + 1.0 / (1 - m)
    base = (eps * m - 1) / m**2 + (eps * (1 - m) - 1) / (1 - m) ** 2
    assert ess_morita(mix) == pytest.approx((curvature - base) / per_obs, rel=1e-4)
