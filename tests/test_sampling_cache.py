"""The compile cache of :func:`neosim.sampling.sample`: one key for one model structure and data,
and a run that loads everything from the cache draws exactly what a fresh compile draws."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neosim import sampling
from neosim.models.frequencies import BinomialData, build_model
from neosim.priors import Beta


def _model(k=(7, 3), n=(91, 32), alpha=1.0, labels=("ALL", "AML")):
    return build_model([("neonatal_fraction", BinomialData(labels, k[:len(labels)],
                                                           n[:len(labels)]), Beta(alpha, 1.0))])


def test_key_is_stable_and_covers_structure_data_and_priors():
    key = sampling._model_key(_model())
    assert len(key) == 64
    assert sampling._model_key(_model()) == key
    others = {sampling._model_key(m) for m in (
        _model(k=(8, 3)),  # data
        _model(n=(91, 33)),
        _model(alpha=2.0),  # a prior constant
        _model(labels=("ALL",)),  # structure (no difference, no ratio)
    )}
    assert key not in others and len(others) == 4


@pytest.mark.slow
def test_cached_run_draws_what_a_fresh_compile_draws(monkeypatch):
    import pytensor

    settings = sampling.SamplerSettings(chains=2, draws=200, tune=200, cores=1)
    model = _model(labels=("ALL",))
    sampling.sample(model, settings, seed=3)  # fills the cache (or finds it filled)
    key = sampling._model_key(model)
    assert (Path(pytensor.config.compiledir) / "neosim-models" / f"{key}.pkl").is_file()
    cached = sampling.sample(_model(labels=("ALL",)), settings, seed=3)
    monkeypatch.setattr(sampling, "_model_key", lambda _model: "")  # no cache: compile all
    fresh = sampling.sample(_model(labels=("ALL",)), settings, seed=3)
    for name in ("posterior", "sample_stats"):
        a, b = cached[name].to_dataset(), fresh[name].to_dataset()
        assert sorted(a.data_vars) == sorted(b.data_vars)
        for var in a.data_vars:
            x, y = a[var].values, b[var].values
            assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), (name, var)
