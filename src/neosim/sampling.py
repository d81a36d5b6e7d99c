"""The one caller of the NUTS sampler (nutpie): fits, SBC refits and MCMC validation.

Two ways in, both seeded so that a seed fixes the draws bit for bit whatever the number of cores:

* :func:`sample`: a PyMC model sampled through ``pm.sample(nuts_sampler="nutpie")`` (the fits of
  the experiments and the public API);
* :func:`compile_model` once, then :func:`refit` (or :func:`sample_compiled` with
  :class:`SamplerSettings`) per data set: ``pm.Data`` replaced by ``with_data``, about 0.05 s a
  fit of a small model, so calibration, recovery and validation can refit thousands of times.

Heavy imports (PyMC, nutpie) happen inside the functions: importing this module is light.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SamplerSettings:
    """What :func:`sample` needs; built from a config's ``[sampler]`` table."""

    chains: int = 4
    draws: int = 1000
    tune: int = 1000
    target_accept: float = 0.8
    cores: int = 2


def _quiet() -> None:
    logging.getLogger("pymc").setLevel(logging.ERROR)


def sample(model: Any, settings: SamplerSettings, seed: int, *, progress: bool = False) -> Any:
    """Sample ``model`` with NUTS (nutpie) and return the ``xarray.DataTree`` of the fit.

    The chains' random streams derive from ``seed`` alone, so a seed fixes the draws bit for bit
    whatever the number of cores.
    """
    import pymc as pm

    _quiet()
    return pm.sample(
        model=model,
        draws=settings.draws,
        tune=settings.tune,
        chains=settings.chains,
        cores=settings.cores,
        target_accept=settings.target_accept,
        random_seed=seed,
        nuts_sampler="nutpie",
        progressbar=progress,
        compute_convergence_checks=False,
    )


def compile_model(model: Any, *, freeze_model: bool | None = False) -> Any:
    """Compile ``model`` once for :func:`refit` / :func:`sample_compiled`.

    ``freeze_model=False`` (the fits) keeps every ``pm.Data`` replaceable, shapes included;
    ``None`` leaves the choice to nutpie (the SBC and validation refits, which replace data of
    fixed shape).
    """
    import nutpie

    _quiet()
    return nutpie.compile_pymc_model(model, freeze_model=freeze_model)


def refit(compiled: Any, data: dict[str, Any] | None, *, draws: int, tune: int, chains: int,
          cores: int, seed: int, **options: Any) -> Any:
    """Sample a model compiled by :func:`compile_model`, with its ``pm.Data`` replaced by
    ``data`` (name -> array; ``None``: as compiled). ``options`` go to ``nutpie.sample``
    (``target_accept``, ``save_warmup``); no progress bar."""
    import nutpie

    model = compiled if data is None else compiled.with_data(**data)
    return nutpie.sample(model, draws=draws, tune=tune, chains=chains, cores=cores, seed=seed,
                         progress_bar=False, **options)


def sample_compiled(compiled: Any, settings: SamplerSettings, seed: int,
                    data: dict[str, Any] | None = None) -> Any:
    """:func:`refit` with a fit's :class:`SamplerSettings` (warm-up not kept)."""
    return refit(compiled, data or None, draws=settings.draws, tune=settings.tune,
                 chains=settings.chains, cores=settings.cores, seed=seed,
                 target_accept=settings.target_accept, save_warmup=False)
