"""Every random stream of neosim, derived from a run seed and a key of non-negative integers.

A stream is ``SeedSequence(entropy=seed, spawn_key=key)``: a function of the seed and the key
alone (never of execution order, worker or backend), so equal seeds give equal numbers and
distinct keys give independent streams. The keys each caller uses are documented where it calls.

Libraries that take an integer seed (the NUTS sampler) get one of two recipes, both kept because
published numbers depend on each:

* :func:`sampler_seed` (63 bits, from a child keyed ``(*key, 2**31)``, distinct from
  :func:`rng`'s stream of the same key): calibration refits;
* :func:`int_seed` (the first 32-bit word of the key's own stream): the survival experiments'
  fits and the recovery refits of the ``survival_ipd`` kind.

:func:`offset_seed` is the MCMC validation's older arithmetic recipe, kept for the same reason.
"""

from __future__ import annotations

import numpy as np


def sequence(seed: int, *key: int) -> np.random.SeedSequence:
    """The seed sequence keyed ``key`` of a run with ``seed`` (no key: the seed's own)."""
    return np.random.SeedSequence(entropy=seed, spawn_key=tuple(int(k) for k in key))


def rng(seed: int, *key: int) -> np.random.Generator:
    """A numpy generator on the stream :func:`sequence` ``(seed, *key)``.

    Examples
    --------
    >>> from neosim import seeds
    >>> bool((seeds.rng(1, 0, 3).random(2) == seeds.rng(1, 0, 3).random(2)).all())
    True
    """
    return np.random.default_rng(sequence(seed, *key))


def sampler_seed(seed: int, *key: int) -> int:
    """A 63-bit integer seed for a sampler, keyed like :func:`rng` but from a distinct child
    stream (``key`` extended by ``2**31``), so a refit's data and its chains never share draws."""
    child = sequence(seed, *key, 2**31)
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


def int_seed(seed: int, *key: int) -> int:
    """A 32-bit integer seed: the first word of the stream :func:`sequence` ``(seed, *key)``."""
    return int(sequence(seed, *key).generate_state(1, np.uint32)[0])


def offset_seed(seed: int, index: int) -> int:
    """``seed * 100003 + index``: the integer seed of the ``index``-th MCMC validation refit."""
    return int(seed) * 100_003 + int(index)
