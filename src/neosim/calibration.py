"""Simulation-based calibration (SBC) of any model that provides an :class:`SBCSpec`.

For each replicate r: draw parameters from the prior and data from the model with the task generator
``seeds.rng(seed, r)``, refit with NUTS (the model is compiled once per process with
:func:`neosim.sampling.compile_model` and refitted by :func:`neosim.sampling.refit`), and record the
rank of each true parameter among L thinned posterior draws. If the model and sampler are correct
the ranks are uniform on {0, …, L}; :func:`uniformity` tests that with a chi-square test on
equal-width bins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from neosim import sampling, seeds
from neosim.compute import Task


@dataclass(frozen=True)
class SBCSpec:
    """How to calibrate one model.

    Attributes
    ----------
    name
        Label of the model.
    build, build_args
        ``build(*build_args)`` returns the ``pm.Model`` (observations in ``pm.Data``).
        Must be a module-level function so that workers can unpickle it.
    draw
        ``draw(build_args, rng) -> (truth, data)``: ``truth`` maps posterior variable names to
        the parameter values drawn from the prior; ``data`` maps ``pm.Data`` names to simulated
        observations (passed to ``compiled.with_data``).
    parameters
        Posterior variables whose ranks are recorded (every scalar element of each).
    """

    name: str
    build: Callable[..., Any]
    build_args: tuple
    draw: Callable[[tuple, np.random.Generator], tuple[dict, dict]]
    parameters: tuple[str, ...]
    coords: tuple[tuple[str, tuple[str, ...]], ...] = ()  # optional labels of vector elements


@dataclass(frozen=True)
class SBCSettings:
    chains: int = 2
    draws: int = 500
    tune: int = 500
    thin_to: int = 99  # L: ranks take values 0..L
    target_accept: float | None = None  # None: nutpie's default


_COMPILED: dict[int, Any] = {}  # one compiled model per process and spec


def _compiled(spec: SBCSpec):
    key = hash((spec.name, spec.build, repr(spec.build_args)))
    if key not in _COMPILED:
        _COMPILED[key] = sampling.compile_model(spec.build(*spec.build_args), freeze_model=None)
    return _COMPILED[key]


def parameter_labels(spec: SBCSpec, truth: dict[str, np.ndarray]) -> list[str]:
    """Flat labels ``name[i]`` (or ``name``) of every scalar parameter, in rank order."""
    labels = []
    coords = dict(spec.coords)
    for name in spec.parameters:
        size = np.size(truth[name])
        names = coords.get(name, tuple(str(i) for i in range(size)))
        labels += [name] if np.ndim(truth[name]) == 0 else [f"{name}[{c}]" for c in names]
    return labels


def sbc_task(task: Task, seed: int) -> dict[str, np.ndarray]:
    """Run the replicates ``task.args = (spec, settings, replicate_indices)``."""
    spec, settings, replicates = task.args
    compiled = _compiled(spec)
    extra = {} if settings.target_accept is None else {"target_accept": settings.target_accept}
    ranks, truths, divergences = [], [], []
    for r in replicates:
        truth, data = spec.draw(spec.build_args, seeds.rng(seed, r))
        trace = sampling.refit(compiled, data, draws=settings.draws, tune=settings.tune,
                               chains=settings.chains, cores=1,
                               seed=seeds.sampler_seed(seed, r), **extra)
        post = trace["posterior"]
        flat_truth, flat_draws = [], []
        for name in spec.parameters:
            x = post[name].values
            flat_draws.append(x.reshape(x.shape[0] * x.shape[1], -1))
            flat_truth.append(np.ravel(truth[name]))
        draws = np.concatenate(flat_draws, axis=1)
        t = np.concatenate(flat_truth)
        idx = np.linspace(0, draws.shape[0] - 1, settings.thin_to).round().astype(int)
        ranks.append(np.sum(draws[idx] < t, axis=0))
        truths.append(t)
        divergences.append(int(trace["sample_stats"]["diverging"].values.sum()))
    return {"replicate": np.asarray(replicates, dtype=np.int64),
            "rank": np.asarray(ranks, dtype=np.int64),
            "truth": np.asarray(truths, dtype=float),
            "divergences": np.asarray(divergences, dtype=np.int64)}


def uniformity(ranks: np.ndarray, thin_to: int, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Chi-square test of uniform ranks on {0..thin_to} per column; returns (statistic, p)."""
    from scipy import stats

    levels = thin_to + 1
    if levels % bins:
        raise ValueError(f"bins ({bins}) must divide the number of rank values ({levels})")
    binned = ranks // (levels // bins)
    counts = np.stack([np.bincount(binned[:, j], minlength=bins) for j in range(ranks.shape[1])])
    expected = ranks.shape[0] / bins
    chi2 = ((counts - expected) ** 2 / expected).sum(axis=1)
    return chi2, stats.chi2.sf(chi2, df=bins - 1)
