"""Effective sample sizes: the known identities of the moment and ELIR methods."""

from __future__ import annotations

import pytest

from neosim.models.ess import ess_elir, ess_moment
from neosim.models.mixfit import robustify
from neosim.priors import Mixture


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
