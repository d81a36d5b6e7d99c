"""The one caller of the NUTS sampler (nutpie): fits, SBC refits and MCMC validation.

Two ways in, both seeded so that a seed fixes the draws bit for bit whatever the number of cores:

* :func:`sample`: a PyMC model sampled with nutpie, the draws of
  ``pm.sample(nuts_sampler="nutpie")`` but with every compiled piece cached on disk, so a rerun
  compiles nothing (the fits of the experiments and the public API);
* :func:`compile_model` once, then :func:`refit` (or :func:`sample_compiled` with
  :class:`SamplerSettings`) per data set: ``pm.Data`` replaced by ``with_data``, about 0.05 s a
  fit of a small model, so calibration, recovery and validation can refit thousands of times.

Heavy imports (PyMC, nutpie) happen inside the functions: importing this module is light.
"""

from __future__ import annotations

import contextlib
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


def sample(model: Any, settings: SamplerSettings, seed: int, *, progress: Any = None) -> Any:
    """Sample ``model`` with NUTS (nutpie) and return the ``xarray.DataTree`` of the fit.

    The chains' random streams derive from ``seed`` alone, so a seed fixes the draws bit for bit
    whatever the number of cores. The draws are those of
    ``pm.sample(nuts_sampler="nutpie", random_seed=seed)``: the same per-chain seed, nutpie's own
    compiled model and callbacks, the same PyTensor functions. But nutpie compiles its two numba
    C callbacks afresh on every run (10-20 s, as they read the data through pointers that numba
    cannot cache), while here they hold the data as constants, so numba caches them, and the
    PyTensor functions are cached too (:func:`_compiled_model`): a second run of a model with the
    same structure and data compiles nothing.

    ``progress`` is a :class:`neosim.progress.Progress` (a bar over all chains' draws, warm-up
    included, on stderr; nothing when quiet) or ``None``.
    """
    import time

    import numpy as np
    import nutpie
    from pymc.backends.arviz import patch_nutpie_idata

    _quiet()
    compiled = _compiled_model(model)
    # pm.sample's derivation: one stream per chain spawned from the seed; nutpie takes the first
    chain_seed = int(np.random.default_rng(seed).spawn(settings.chains)[0].integers(2**30))
    start = time.time()
    tune = max(settings.tune, 1)
    total = settings.chains * (settings.draws + tune)
    bar = (progress.bar(f"Sampling {settings.chains} x {settings.draws + tune} draws", total)
           if progress is not None else contextlib.nullcontext(lambda n=1: None))
    with bar as advance:
        done = [0]

        def callback(chains) -> None:  # nutpie's ChainProgress of every chain
            now = sum(int(c.finished_draws) for c in chains)
            if now > done[0]:
                advance(now - done[0])
                done[0] = now

        dt = nutpie.sample(compiled, draws=settings.draws, tune=tune,
                           chains=settings.chains, cores=settings.cores, seed=chain_seed,
                           target_accept=settings.target_accept, save_warmup=False,
                           store_unconstrained=False, progress_bar=False,
                           progress_callback=callback if progress is not None else None)
    patch_nutpie_idata(dt, model, sampling_time=time.time() - start)
    return dt


def _compiled_model(model: Any) -> Any:
    """``model`` as nutpie's own compiled PyMC model (so the draws are those of
    ``nutpie.compile_pymc_model``), its two C callbacks built by :func:`_cfunc` from PyTensor's
    numba functions (:func:`_functions`) and cached on disk like them; initial points as nutpie
    makes them (support point, jittered)."""
    import numpy as np
    from nutpie.compile_pymc import (
        CompiledPyMCModel,
        _prepare_dims_and_coords,
        _rv_dict_to_flat_array_wrapper,
        _wrap_with_lock,
    )
    from pymc.initial_point import make_initial_point_fn

    key, entry = _functions(model)
    n_dim, shape_info, reparam = entry["n_dim"], entry["shape_info"], entry["reparameterized"]
    names, slices, shapes = shape_info
    free = len(model.free_RVs)
    initial = _rv_dict_to_flat_array_wrapper(
        _wrap_with_lock(make_initial_point_fn(model=model, jitter_rvs=set(model.free_RVs),
                                              return_transformed=True)),
        names=names[:free], shapes=shapes[:free])
    n_expanded = slices[-1].stop
    logp = _cfunc("neosim_logp", _LOGP_SOURCE, key, entry, 0, n_dim=n_dim)
    expand = _cfunc("neosim_expand", _EXPAND_SOURCE, key, entry, 1, n_dim=n_dim,
                    n_expanded=n_expanded)
    dims, coords = _prepare_dims_and_coords(model, shape_info, reparam)
    return CompiledPyMCModel(
        _n_dim=n_dim, dims=dims, _coords=coords,
        _shapes={name: tuple(shape) for name, shape in zip(names, shapes, strict=True)},
        compiled_logp_func=logp, compiled_expand_func=expand, initial_point_func=initial,
        shared_data={}, shared_var_keys={}, user_data=np.zeros(1), n_expanded=n_expanded,
        shape_info=shape_info, logp_func=None, expand_func=None,
        reparameterized_names=reparam)


# nutpie's callbacks (nutpie.compile_pymc._make_c_logp_func / _make_c_expand_func) with the
# data as compile-time constants instead of pointers read at run time: numba can then cache them
_LOGP_SOURCE = """
def neosim_logp(dim, x_, out_, logp_, user_data_):
    if dim != {n_dim}:
        return -1
    try:
        x = carray(x_, ({n_dim},))
        out = carray(out_, ({n_dim},))
        logp = carray(logp_, ())
        logp_val, grad = inner(x, {data})
        logp[()] = logp_val
        out[...] = grad
        if not np.all(np.isfinite(out)):
            return 3
        if not np.isfinite(logp_val):
            return 4
    except Exception:
        return 1
    return 0
"""

_EXPAND_SOURCE = """
def neosim_expand(dim, expanded, x_, out_, user_data_):
    if dim != {n_dim}:
        return -1
    if expanded != {n_expanded}:
        return -1
    try:
        x = carray(x_, ({n_dim},))
        out = carray(out_, ({n_expanded},))
        (values,) = inner(x, {data})
        out[...] = values
    except Exception:
        return -2
    return 0
"""


def _cfunc(name: str, template: str, key: str, entry: dict[str, Any], which: int,
           **fields: Any) -> Any:
    """The C callback ``name`` (``template`` filled with ``fields``) around the numba function of
    PyTensor function ``which`` of ``entry`` (:func:`_functions`), its data as constants; cached
    by numba in PyTensor's cache (PyTensor's locator, under ``key``) unless ``key`` is empty.
    The PyTensor function itself is needed (unpickled) only when numba has no cached callback."""
    import pickle
    import warnings

    import numba
    import numpy as np
    from pytensor.link.numba.cache import compile_numba_function_src

    data_names = [f"d{i}" for i in range(entry["n_data"][which])]
    source = template.format(data=", ".join(data_names), **fields)
    env = {"__name__": __name__, "np": np, "carray": numba.carray}
    pyfunc = compile_numba_function_src(source, name, env,
                                        cache_key=f"{name}-{key}" if key else None)
    double = numba.types.CPointer(numba.types.double)
    if name == "neosim_logp":
        signature = numba.types.int64(numba.types.uint64, double, double, double,
                                      numba.types.voidptr)
    else:
        signature = numba.types.int64(numba.types.uint64, numba.types.uint64, double, double,
                                      numba.types.voidptr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", numba.NumbaWarning)
        if key:
            try:  # numba's cache, or a typing error on the missing globals: compile below
                return numba.cfunc(signature, cache=True)(pyfunc)
            except numba.core.errors.TypingError:
                pass
        if entry.get("functions") is None:
            entry["functions"] = pickle.loads(entry["pickled"])
        function = entry["functions"][which]
        env["inner"] = function.vm.jit_fn
        for data_name, var in zip(data_names, function.get_shared(), strict=True):
            env[data_name] = np.asarray(var.get_value())
        return numba.cfunc(signature, cache=bool(key))(pyfunc)


def _functions(model: Any) -> tuple[str, dict[str, Any]]:
    """The key of ``model`` (:func:`_model_key`) and what nutpie compiles from it (numba mode):
    ``n_dim``, ``shape_info`` (names, slices, shapes), ``reparameterized`` (names),
    ``n_data`` (data inputs of each function), and the functions (log density with gradient,
    expansion to every reported variable), ``functions`` when compiled here, else ``pickled``.

    Compiling the functions (graph rewrites) costs about a second however warm PyTensor's cache,
    so the entry is stored in ``<pytensor compiledir>/neosim-models/<key>.pkl`` and read from
    there when a model of the same key is sampled again, in this process or a later one; the
    pickled functions are loaded only if numba lacks a cached callback (:func:`_cfunc`). The key
    covers the whole graph of the log density and of every reported variable, every constant and
    every data value, and the library versions, so equal keys mean the same functions; an
    unreadable entry is compiled afresh and overwritten.
    """
    import pickle
    from pathlib import Path

    import pytensor
    from nutpie.compile_pymc import _make_functions

    from neosim.fsutil import atomic_write_bytes

    key = _model_key(model)
    path = Path(pytensor.config.compiledir) / "neosim-models" / f"{key}.pkl"
    if key and path.is_file():
        try:
            with open(path, "rb") as fh:
                entry = pickle.load(fh)
            if isinstance(entry, dict) and entry.get("format") == _CACHE_FORMAT:
                return key, entry
        except Exception:  # a stale or broken entry: compile afresh
            pass
    n_dim, _, logp_pt, expand_pt, _, shape_info, reparam = _make_functions(
        model, mode="NUMBA", compute_grad=True, join_expanded=True,
        pymc_initial_point_fn=lambda _seed: {})
    entry = {"format": _CACHE_FORMAT, "n_dim": n_dim, "shape_info": shape_info,
             "reparameterized": reparam,
             "n_data": (len(logp_pt.get_shared()), len(expand_pt.get_shared()))}
    if key:
        try:
            atomic_write_bytes(path, pickle.dumps(
                {**entry, "pickled": pickle.dumps((logp_pt, expand_pt))}))
        except (OSError, pickle.PicklingError):  # the cache is an optimisation only
            pass
    return key, {**entry, "functions": (logp_pt, expand_pt)}


def _model_key(model: Any) -> str:
    """SHA-256 of everything :func:`_functions` compiles from ``model`` ("" when some part of the
    graph has no stable description, which turns the cache off for that model)."""
    import hashlib
    import sys
    from importlib.metadata import version

    import numpy as np
    import pytensor
    from pytensor.compile.sharedvalue import SharedVariable
    from pytensor.graph.basic import Constant
    from pytensor.graph.traversal import graph_inputs, io_toposort

    outputs = [model.logp(), *model.unobserved_value_vars]
    digest = hashlib.sha256(repr((_CACHE_FORMAT, sys.version, pytensor.config.floatX,
                                  model.check_bounds, [version(p) for p in _LIBRARIES]))
                            .encode())
    ids: dict[Any, int] = {}

    unstable: list[str] = []  # descriptions that differ between processes: no key

    def data(value: Any) -> str:
        arr = np.ascontiguousarray(value)
        if arr.dtype.hasobject:
            unstable.append(str(arr.dtype))
        return f"{arr.dtype} {arr.shape} {hashlib.sha256(arr.tobytes()).hexdigest()}"

    def ref(var: Any) -> int:
        if var not in ids:
            ids[var] = len(ids)
            if isinstance(var, SharedVariable):
                text = f"shared {var.name} {var.type} {data(var.get_value())}"
            elif isinstance(var, Constant):
                value = var.data
                text = f"constant {var.type} " + (
                    data(value) if isinstance(value, np.ndarray) or np.isscalar(value)
                    else repr(value))
            else:
                text = f"input {var.name} {var.type}"
            if " at 0x" in text:
                unstable.append(text)
            digest.update(text.encode())
        return ids[var]

    inputs = list(graph_inputs(outputs))
    for var in inputs:
        ref(var)
    for node in io_toposort(inputs, outputs):
        op = node.op
        if getattr(op, "__props__", None) is None:
            return ""
        text = (f"{type(op).__module__}.{type(op).__qualname__} {op._props_dict()!r} "
                f"{[ref(v) for v in node.inputs]} ->")
        for out in node.outputs:
            ids[out] = len(ids)
            text += f" {ids[out]}:{out.name}:{out.type}"
        if " at 0x" in text:  # a repr with an address differs between processes
            return ""
        digest.update(text.encode())
    if unstable:
        return ""
    digest.update(repr([ids[v] for v in outputs]).encode())
    return digest.hexdigest()


_CACHE_FORMAT = 3
_LIBRARIES = ("pytensor", "pymc", "nutpie", "numba", "numpy")


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
