"""Assurance over a design prior and the sample-size search."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neosim.errors import InputError
from neosim.priors import Mixture
from neosim.simulator import Accrual, DesignPrior, Exponential, TrialScenario, Weibull
from neosim.simulator.analyses import LogRank
from neosim.simulator.oc import sample_size_search, simulate_power

RATE = math.log(2) / 12


def design(n=80, hr=1.0, **kw) -> TrialScenario:
    return TrialScenario(n=n, control=Exponential(RATE), accrual=Accrual.uniform(n, 24),
                         hazard_ratio=hr, events=n // 2, **kw)


def test_a_point_mass_design_prior_reproduces_the_power_at_that_point():
    fixed = simulate_power(design(hr=0.6), [LogRank()], 4096, 5)["power"]["logrank"]["value"]
    point = DesignPrior(log_hazard_ratio=np.array([math.log(0.6)]))
    assured = simulate_power(design(), [LogRank()], 4096, 5, design_prior=point)
    assert assured["power"]["logrank"]["value"] == pytest.approx(fixed, abs=2 / 4096)


def test_assurance_averages_power_over_the_design_prior():
    # a two-point prior on HR: assurance is the mean of the two powers (within MC error)
    two = DesignPrior(log_hazard_ratio=np.log([0.5, 1.0]))
    n = 20_000
    a = simulate_power(design(), [LogRank()], n, 6, design_prior=two)["power"]["logrank"]
    p = [simulate_power(design(hr=h), [LogRank()], n, 7)["power"]["logrank"]["value"]
         for h in (0.5, 1.0)]
    se = math.sqrt(a["mc_se"] ** 2 + 0.5 * 0.25 / n)
    assert abs(a["value"] - np.mean(p)) < 4 * se


def test_design_prior_on_the_control_rate_moves_the_truth_per_trial():
    rates = Mixture("gamma", [1.0], [50.0], [50.0 / RATE])
    s = simulate_power(design(hr=0.7), [LogRank()], 2048, 8,
                       design_prior=DesignPrior(control_rate=rates))
    assert s["n_trials"] == 2048
    with pytest.raises(InputError, match="exponential"):
        DesignPrior(control_rate=rates).check(
            TrialScenario(n=40, control=Weibull(1.2, 10.0), accrual=Accrual.uniform(40, 12),
                          events=20))


def test_sample_size_search_finds_the_smallest_n_with_its_mc_range():
    res = sample_size_search(lambda n: design(n=n, hr=0.5), [40, 80, 160, 240], LogRank(),
                             0.8, 4096, 9)
    assert res["power"] == sorted(res["power"])
    # Schoenfeld: 80 % power at HR 0.5 needs about 65 events, i.e. n = 130 here
    assert res["value"] == 160
    assert res["lower"] <= res["value"] <= res["upper"]
    with pytest.raises(InputError, match="empty"):
        sample_size_search(lambda n: design(n=n), [], LogRank(), 0.8, 100, 1)
