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
    whatever the number of cores. The draws are those of
    ``pm.sample(nuts_sampler="nutpie", random_seed=seed)`` (same seed per chain, same compiled
    log density), but the model is handed to nutpie as Python callables around PyTensor's numba
    functions (:func:`_callable_model`), which PyTensor caches on disk: nutpie's own C-callable
    wrappers cost 10-20 s of numba compilation on every run, which no cache can keep.
    """
    import time

    import numpy as np
    import nutpie
    from pymc.backends.arviz import patch_nutpie_idata

    _quiet()
    compiled = _callable_model(model)
    # pm.sample's derivation: one stream per chain spawned from the seed; nutpie takes the first
    chain_seed = int(np.random.default_rng(seed).spawn(settings.chains)[0].integers(2**30))
    start = time.time()
    dt = nutpie.sample(compiled, draws=settings.draws, tune=max(settings.tune, 1),
                       chains=settings.chains, cores=settings.cores, seed=chain_seed,
                       target_accept=settings.target_accept, save_warmup=False,
                       store_unconstrained=False, progress_bar=progress)
    patch_nutpie_idata(dt, model, sampling_time=time.time() - start)
    return dt


def _callable_model(model: Any) -> Any:
    """``model`` as a nutpie model of Python callables: PyTensor's numba-compiled log density
    (with gradient) and expansion to every reported variable, data as compiled, initial points
    as ``nutpie.compile_pymc_model`` makes them (support point, jittered)."""
    import numpy as np
    from nutpie.compile_pymc import _make_functions, _prepare_dims_and_coords, _wrap_with_lock
    from nutpie.compiled_pyfunc import from_pyfunc
    from pymc.initial_point import make_initial_point_fn

    initial = _wrap_with_lock(make_initial_point_fn(
        model=model, jitter_rvs=set(model.free_RVs), return_transformed=True))
    n_dim, _, logp_pt, expand_pt, initial_fn, shape_info, reparam = _make_functions(
        model, mode="NUMBA", compute_grad=True, join_expanded=False,
        pymc_initial_point_fn=initial)
    names, _, shapes = shape_info
    logp_jit, expand_jit = logp_pt.vm.jit_fn, expand_pt.vm.jit_fn
    logp_data = [np.asarray(v.get_value()) for v in logp_pt.get_shared()]
    expand_data = [np.asarray(v.get_value()) for v in expand_pt.get_shared()]

    def make_logp():
        def logp(x):
            value, grad = logp_jit(x, *logp_data)
            return float(value), grad
        return logp

    def make_expand(_seed1, _seed2, _chain):
        def expand(x):
            values = expand_jit(x, *expand_data)
            return {name: np.asarray(v, dtype="float64").reshape(shape)
                    for name, v, shape in zip(names, values, shapes, strict=True)}
        return expand

    dims, coords = _prepare_dims_and_coords(model, shape_info, reparam)
    return from_pyfunc(n_dim, make_logp, make_expand, [np.dtype("float64")] * len(names),
                       shapes, names, coords=coords, dims=dims,
                       make_initial_point_fn=initial_fn, reparameterized_names=reparam)


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
