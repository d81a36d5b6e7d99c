"""Parameter recovery of every survival family on synthetic cohorts of 11, 50 and 500 patients.

The true parameters of each replicate are drawn from the prior the model is fitted with, so a
correct model and sampler put the truth inside the 95 % interval with probability exactly 0.95
(simulation-based calibration). Each family is compiled once and refitted with new data.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from neosim import sampling
from neosim.models import survival as sv
from neosim.priors import Beta, Gamma, LogNormal

SIZES = (11, 50, 500)
REPLICATES = 40
SUBTYPES = ("ALL", "AML")
PRIORS = sv.Priors(hazard=Gamma(2.0, 40.0), shape=LogNormal(median=1.0, sigma=0.3),
                   scale=LogNormal(median=24.0, sigma=0.6), cure_fraction=Beta(2.0, 3.0))
SETTINGS = sampling.SamplerSettings(chains=2, draws=500, tune=500, target_accept=0.9, cores=2)


def _cohort(family, n, rng):
    truth = sv.draw_parameters(family, PRIORS, len(SUBTYPES), rng)
    idx = rng.integers(0, len(SUBTYPES), n)
    t = sv.draw_times(family, truth, idx, rng)
    follow_up = rng.uniform(12.0, 72.0, n)  # months of follow-up after SCT
    data = sv.SurvivalData(np.minimum(t, follow_up), (t <= follow_up).astype(int), idx,
                           SUBTYPES)
    return truth, data


@pytest.mark.slow
@pytest.mark.parametrize("name", sv.FAMILIES)
def test_recovery_coverage_and_shrinking_intervals(name):
    family = sv.make_family(name, cuts=(6.0, 24.0))
    key = (list(sv.FAMILIES).index(name),)
    rng = np.random.default_rng(np.random.SeedSequence(2006, spawn_key=key))
    _, first = _cohort(family, SIZES[0], rng)
    compiled = sampling.compile_model(sv.build_model(family, first, PRIORS))
    covered = {n: [] for n in SIZES}  # per size: (replicates, components) booleans
    width = {n: [] for n in SIZES}
    for n in SIZES:
        for r in range(REPLICATES):
            truth, data = _cohort(family, n, rng)
            dt = sampling.sample_compiled(compiled, SETTINGS, seed=1000 * n + r,
                                           data=sv.data_arrays(data))
            hit, w = [], []
            for p in family.parameters:
                x = dt["posterior"][p].values.reshape(-1, *np.shape(truth[p]))
                lo, hi = np.quantile(x, [0.025, 0.975], axis=0)
                hit.append(np.ravel((lo <= truth[p]) & (truth[p] <= hi)))
                w.append(np.ravel(np.log(hi) - np.log(lo)))  # all parameters are positive
            covered[n].append(np.concatenate(hit))
            width[n].append(np.concatenate(w))
    hits = np.concatenate([np.array(covered[n]) for n in SIZES])  # (3 R, components)
    # Each component over 3R independent replicates: Binomial(3R, 0.95) under calibration.
    for j, count in enumerate(hits.sum(axis=0)):
        p = stats.binomtest(int(count), hits.shape[0], 0.95).pvalue
        assert p > 1e-3, f"{name} component {j}: {count}/{hits.shape[0]} intervals covered"
    # Intervals narrow with n: mean log-width per component strictly decreasing.
    mean_width = np.array([np.mean(width[n], axis=0) for n in SIZES])
    assert np.all(mean_width[0] > mean_width[1]) and np.all(mean_width[1] > mean_width[2]), (
        name, mean_width)
