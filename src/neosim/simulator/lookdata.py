"""Per-trial, per-look data of simulated sequential trials: the names, their checks, and a small
exponential generator.

A **look table** is a dict of ``(trials, looks)`` arrays, one row per simulated trial and one
column per analysis, in calendar order:

``look_time`` (months), ``look_subjects`` (enrolled), ``events_control``,
``events_experimental``, ``exposure_control``, ``exposure_experimental`` (total follow-up in
months), and for the normal approximation ``cox_log_hr`` with ``cox_se`` (``logrank_z`` is
carried along when present). The fixed-design engine's names (``events_treatment``,
``exposure_treatment``, ``cox_loghr``) are accepted as aliases.

:func:`exponential_looks` draws such a table for exponential survival, uniform accrual and looks
at given event counts (no dropout), with the exponential maximum-likelihood log hazard ratio
``log(dₑ/Eₑ) - log(d_c/E_c)`` and its SE ``√(1/dₑ + 1/d_c)`` standing in for the Cox estimate.
It serves the tests, the benchmark and the examples; the engine's sequential simulation
(:mod:`neosim.simulator.engine`) gives the same table for any design.
"""

from __future__ import annotations

import numpy as np

from neosim import seeds
from neosim.errors import InputError

#: the keys of a look table
KEYS = ("look_time", "look_subjects", "events_control", "events_experimental",
        "exposure_control", "exposure_experimental", "cox_log_hr", "cox_se")
#: the engine's fixed-design names of the same quantities
ALIASES = {"events_treatment": "events_experimental",
           "exposure_treatment": "exposure_experimental", "cox_loghr": "cox_log_hr"}


def normalise(looks: dict, needed: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The look table with canonical names, every ``needed`` key present, all ``(trials, looks)``
    float arrays of one shape (a 1-d array is one look). Raises :class:`InputError` naming the
    key otherwise."""
    if not isinstance(looks, dict):
        raise InputError("must be a dict of (trials, looks) arrays", field="looks")
    out: dict[str, np.ndarray] = {}
    for name, value in looks.items():
        key = ALIASES.get(name, name)
        arr = np.asarray(value, dtype=float)
        out[key] = arr[:, None] if arr.ndim == 1 else arr
    shape = None
    for key in needed:
        if key not in out:
            raise InputError("is missing from the look table", field=f"looks.{key}")
        arr = out[key]
        if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
            raise InputError("must be a (trials, looks) array", field=f"looks.{key}")
        if shape is not None and arr.shape != shape:
            raise InputError(f"has shape {arr.shape}, not {shape} as the others",
                             field=f"looks.{key}")
        shape = arr.shape
        if key.startswith(("events", "exposure")) and not np.all(np.isfinite(arr) & (arr >= 0)):
            raise InputError("must be finite and non-negative", field=f"looks.{key}")
    return out


def exponential_looks(n_trials: int, subjects: int, look_events, *, hazard_ratio: float,
                      control_rate: float, accrual_months: float, seed: int,
                      key: int = 0) -> dict[str, np.ndarray]:
    """Simulate a look table: 1:1 randomisation (alternating slots), uniform accrual over
    ``accrual_months``, exponential survival (control ``control_rate`` per month, experimental
    ``hazard_ratio`` times that), no dropout, looks at the calendar times of the
    ``look_events``-th events. Drawn from ``seeds.rng(seed, key)``."""
    look_events = np.asarray(look_events, dtype=int)
    if look_events.ndim != 1 or np.any(np.diff(look_events) <= 0) or look_events[0] < 2 \
            or look_events[-1] > subjects:
        raise InputError("must increase, from 2 to the subjects", field="look_events")
    rng = seeds.rng(seed, key)
    arm = (np.arange(subjects) % 2).astype(bool)  # True: experimental
    entry = np.sort(rng.random((n_trials, subjects)), axis=1) * accrual_months
    rate = np.where(arm, control_rate * hazard_ratio, control_rate)
    t = rng.standard_exponential((n_trials, subjects)) / rate
    calendar = np.sort(entry + t, axis=1)
    out = {k: np.empty((n_trials, look_events.size)) for k in KEYS}
    for j, d in enumerate(look_events):
        tk = calendar[:, d - 1][:, None]
        follow = np.clip(tk - entry, 0.0, None)
        y = np.minimum(t, follow)
        ev = entry + t <= tk  # the look's own event counts, whatever the rounding
        out["look_time"][:, j] = tk[:, 0]
        out["look_subjects"][:, j] = (entry <= tk).sum(axis=1)
        for name, mask in (("control", ~arm), ("experimental", arm)):
            out[f"events_{name}"][:, j] = ev[:, mask].sum(axis=1)
            out[f"exposure_{name}"][:, j] = y[:, mask].sum(axis=1)
    dc, de = out["events_control"], out["events_experimental"]
    with np.errstate(divide="ignore", invalid="ignore"):
        est = (np.log(de / out["exposure_experimental"])
               - np.log(dc / out["exposure_control"]))
        se = np.sqrt(1.0 / de + 1.0 / dc)
    ok = (dc > 0) & (de > 0)
    out["cox_log_hr"] = np.where(ok, est, np.nan)
    out["cox_se"] = np.where(ok, se, np.nan)
    return out
