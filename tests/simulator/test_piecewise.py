"""Piecewise-exponential gamma updates at looks: the engine's per-piece events and exposure, the
exact one-piece special case (the exponential model bit for bit), and MCMC (slow)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neosim import seeds
from neosim.errors import InputError
from neosim.priors import Mixture
from neosim.simulator import Accrual, Exponential, TrialScenario
from neosim.simulator.adaptive import BayesianAdaptive
from neosim.simulator.engine import simulate
from neosim.simulator.piecewise import piecewise_probability
from neosim.simulator.sequential import Looks

RATE = math.log(2) / 12
ROBUST = Mixture("gamma", [0.8, 0.2], [20.0, 1.0], [20.0 / RATE, 12.0])
VAGUE = Mixture("gamma", [1.0], [0.1], [1.0])
SCENARIO = TrialScenario(n=100, control=Exponential(RATE), accrual=Accrual.uniform(100, 24),
                         hazard_ratio=0.7, events=70, dropout_rate=0.01)
CUTS = (6.0, 18.0)


@pytest.fixture(scope="module")
def tables():
    plain = simulate(SCENARIO, 400, 9, looks=Looks(events=(28, 49, 70)))
    cut = simulate(SCENARIO, 400, 9, looks=Looks(events=(28, 49, 70), pieces=CUTS))
    one = simulate(SCENARIO, 400, 9, looks=Looks(events=(28, 49, 70), pieces=(1e4,)))
    return plain, cut, one


def piece_look(t, j):
    return {k: v[:, j] for k, v in t.items() if k.startswith("piece_")}


def test_pieces_add_up_and_change_nothing_else(tables):
    plain, cut, _ = tables
    for k, v in plain.items():  # the same trials: every other array identical
        np.testing.assert_array_equal(cut[k], v)
    for arm in ("control", "experimental"):
        assert cut[f"piece_events_{arm}"].shape == (400, 3, 3)
        np.testing.assert_array_equal(cut[f"piece_events_{arm}"].sum(axis=2),
                                      plain[f"events_{arm}"])
        np.testing.assert_allclose(cut[f"piece_exposure_{arm}"].sum(axis=2),
                                   plain[f"exposure_{arm}"], rtol=1e-12)
        # follow-up beyond 18 months exists by the last look, none beyond 6 at the first?
        assert cut[f"piece_exposure_{arm}"][:, -1, 2].max() > 0


def test_one_piece_is_the_exponential_model_bit_for_bit(tables):
    plain, _, one = tables
    expo = BayesianAdaptive("gamma", ROBUST, VAGUE, margin=0.9).posterior(plain)
    for j in range(3):
        for arm in ("control", "experimental"):
            np.testing.assert_array_equal(one[f"piece_exposure_{arm}"][:, j, 0],
                                          plain[f"exposure_{arm}"][:, j])
        p = piecewise_probability(ROBUST, VAGUE, (1e4,), 24.0, 0.9, piece_look(one, j))
        np.testing.assert_array_equal(p, expo[:, j])
        up = piecewise_probability(ROBUST, VAGUE, (1e4,), 24.0, 0.9, piece_look(one, j),
                                   direction="upper")
        np.testing.assert_array_equal(up, 1.0 - expo[:, j])


def test_draws_match_the_exact_value_when_the_second_piece_is_negligible():
    """The draws path (two pieces in the landmark) against the exact one-piece value, with the
    second piece 1e-9 of the first in length: within 4 MC SE (200000 draws)."""
    look = {"piece_events_control": [[20.0, 0.0]], "piece_exposure_control": [[400.0, 1e-6]],
            "piece_events_experimental": [[14.0, 0.0]],
            "piece_exposure_experimental": [[420.0, 1e-6]]}
    exact = piecewise_probability(VAGUE, VAGUE, (6.0,), 6.0, 1.0, look)[0]
    drawn = piecewise_probability(VAGUE, VAGUE, (6.0,), 6.0 + 6e-9, 1.0, look, draws=200_000,
                                  rng=np.random.default_rng(3))[0]
    se = math.sqrt(exact * (1 - exact) / 200_000)
    assert abs(drawn - exact) < 4 * se


def test_rule_stops_on_the_piecewise_posterior(tables):
    """The rule's posterior is :func:`piecewise_probability` per look; OCs add up."""
    _, cut, _ = tables
    rule = BayesianAdaptive("piecewise", ROBUST, VAGUE, pieces=CUTS, landmark=24.0, draws=2000,
                            efficacy=0.95)
    post = rule.posterior(cut)
    np.testing.assert_array_equal(post[:, 1], piecewise_probability(
        ROBUST, VAGUE, CUTS, 24.0, 1.0, piece_look(cut, 1), draws=2000,
        rng=seeds.rng(0, 1)))
    oc = rule.operating_characteristics(cut)
    assert oc["success"] == pytest.approx(sum(oc["stop_efficacy"])) and 0 < oc["success"] < 1
    with pytest.raises(InputError, match=r"looks\.piece_events_control"):
        rule.posterior({k: v for k, v in cut.items() if not k.startswith("piece_")})


@pytest.mark.parametrize("kw, field", [({}, "pieces"), ({"pieces": CUTS}, "landmark"),
                                       ({"pieces": CUTS, "landmark": 24.0, "futility": 0.1},
                                        "futility"),
                                       ({"pieces": (3.0, 3.0), "landmark": 24.0},
                                        "looks.pieces")])
def test_bad_piecewise_rule(kw, field):
    with pytest.raises(InputError) as err:
        BayesianAdaptive("piecewise", ROBUST, VAGUE, **kw)
    assert err.value.field == field


def test_bad_pieces_and_landmark():
    with pytest.raises(InputError, match=r"looks\.pieces"):
        Looks(events=(10, 20), pieces=(6.0, 3.0))
    with pytest.raises(InputError, match="landmark"):
        piecewise_probability(VAGUE, VAGUE, (6.0,), 0.0, 1.0, {})


def _mcmc_probability(data, cuts, landmark, margin, seed):
    import logging

    import pymc as pm
    import pytensor.tensor as pt

    from neosim import sampling
    from neosim.simulator.piecewise import piece_lengths

    logging.getLogger("pymc").setLevel(logging.ERROR)
    w = piece_lengths(cuts, landmark)
    n_pieces = len(cuts) + 1
    with pm.Model() as model:
        lam, loglik = {}, 0.0
        for arm, prior in (("control", ROBUST), ("experimental", VAGUE)):
            lam[arm] = [prior.pymc(f"lam_{arm}_{p}") for p in range(n_pieces)]
            for p in range(n_pieces):
                loglik = loglik + (data[f"piece_events_{arm}"][p] * pt.log(lam[arm][p])
                                   - lam[arm][p] * data[f"piece_exposure_{arm}"][p])
        pm.Potential("loglik", loglik)
    fit = sampling.refit(sampling.compile_model(model, freeze_model=None), None, draws=10_000,
                         tune=1000, chains=4, cores=2, seed=seed)
    post = fit["posterior"]
    cum = {arm: sum(w[p] * post[f"lam_{arm}_{p}"].values for p in range(n_pieces))
           for arm in ("control", "experimental")}
    return float((cum["experimental"] < margin * cum["control"]).mean())


@pytest.mark.slow
@pytest.mark.parametrize("trial, j", [(0, 0), (3, 1), (11, 2)])
def test_piecewise_probability_matches_mcmc(tables, trial, j):
    """The conjugate per-piece posterior (20000 draws) against a PyMC model of the same
    piecewise likelihood and priors (4 x 10000 draws): within 0.01."""
    _, cut, _ = tables
    look = {k: v[[trial]] for k, v in piece_look(cut, j).items()}
    fast = piecewise_probability(ROBUST, VAGUE, CUTS, 24.0, 1.0, look,
                                 rng=np.random.default_rng(trial))[0]
    mcmc = _mcmc_probability({k: v[0] for k, v in look.items()}, CUTS, 24.0, 1.0, trial)
    print(trial, j, fast, mcmc)
    assert abs(fast - mcmc) < 0.01
