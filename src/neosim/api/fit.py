"""Bayesian fits from Python objects: binomial proportions and parametric survival.

Thin over the model builders (:mod:`neosim.models.frequencies`, :mod:`neosim.models.survival`)
and the one sampler (:func:`neosim.sampling.sample`, PyMC + nutpie, seeded). Each returns the
fit's ``xarray.DataTree`` (``posterior``, ``sample_stats``, ``observed_data``,
``constant_data``; survival fits also ``log_likelihood`` for PSIS-LOO), with the groups on the
dimension ``group``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from neosim.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from neosim.sampling import SamplerSettings

__all__ = ["fit_proportions", "fit_survival"]

MAX_GROUPS = 1000


def _settings(draws: int, tune: int, chains: int, cores: int | None,
              target_accept: float) -> SamplerSettings:
    from neosim.sampling import SamplerSettings

    for name, value, lo, hi in (("draws", draws, 1, 100_000), ("tune", tune, 0, 100_000),
                                ("chains", chains, 1, 64)):
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise InputError(f"must be an integer in [{lo}, {hi:,}] (got {value!r})",
                             field=name)
    if not (isinstance(target_accept, float) and 0.5 <= target_accept < 1.0):
        raise InputError(f"must be a float in [0.5, 1) (got {target_accept!r})",
                         field="target_accept")
    return SamplerSettings(chains=chains, draws=draws, tune=tune, target_accept=target_accept,
                           cores=cores or min(chains, 2))


def _seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise InputError(f"must be an integer in [0, 2**63) (got {seed!r})", field="seed")
    return seed


def _positive(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            math.isfinite(value) and 1e-3 <= value <= 1e6):
        raise InputError(f"must be a number in [1e-3, 1e6] (got {value!r})", field=field)
    return float(value)


def _rename_group(dt: xr.DataTree, old: str) -> xr.DataTree:
    """The fit with dimension ``old`` renamed ``group`` in every node."""
    def rename(ds):
        return ds.rename({old: "group"}) if old in ds.dims else ds

    return dt.map_over_datasets(rename)


def fit_proportions(counts: Mapping[str, tuple[int, int]], *,
                    prior: tuple[float, float] = (1.0, 1.0), seed: int, draws: int = 1000,
                    tune: int = 1000, chains: int = 4, cores: int | None = None,
                    target_accept: float = 0.8) -> xr.DataTree:
    """Fit independent binomial proportions with Beta priors (NUTS).

    ``k_g ~ Binomial(n_g, p_g)`` and ``p_g ~ Beta(a, b)`` for each group ``g``; with two or more
    groups the posterior also holds ``proportion_difference`` (first minus second group) and
    ``proportion_ratio`` (first over second). The exact answer is ``Beta(a + k, b + n - k)``.

    Parameters
    ----------
    counts : mapping
        ``{group: (k, n)}``: ``k`` successes (cases) of ``n``, in the order the difference uses.
    prior : (float, float)
        Beta ``(a, b)`` of every proportion (default uniform).
    seed : int
        Seed of the sampler (the draws are identical for a seed).
    draws, tune, chains, cores, target_accept
        Sampler settings (``cores`` defaults to ``min(chains, 2)``).

    Returns
    -------
    xarray.DataTree
        ``posterior`` with ``proportion`` (dims ``chain``, ``draw``, ``group``) and, for two or
        more groups, ``proportion_difference`` and ``proportion_ratio``.

    Examples
    --------
    >>> import neosim as ns
    >>> dt = ns.fit_proportions({"ALL": (8, 116), "AML": (3, 41)}, seed=1, draws=300,
    ...                         tune=300, chains=2)
    >>> p = dt["posterior"]["proportion"]
    >>> list(p["group"].values)
    ['ALL', 'AML']
    >>> exact = 9 / (9 + 109)   # Beta(1 + 8, 1 + 108)
    >>> abs(float(p.sel(group="ALL").mean()) - exact) < 0.01
    True
    """
    from neosim import sampling
    from neosim.models import frequencies as fq
    from neosim.priors import Beta

    if not isinstance(counts, Mapping) or not 1 <= len(counts) <= MAX_GROUPS:
        raise InputError(f"must be a mapping of 1 to {MAX_GROUPS} groups to (k, n) "
                         f"(got {type(counts).__name__})", field="counts")
    labels, ks, ns_ = [], [], []
    for label, pair in counts.items():
        where = f"counts[{label!r}]"
        if not isinstance(label, str) or not label:
            raise InputError("group names must be non-empty strings", field=where)
        if (not isinstance(pair, tuple | list) or len(pair) != 2
                or any(isinstance(x, bool) or not isinstance(x, int) for x in pair)):
            raise InputError(f"must be a pair of integers (k, n) (got {pair!r})", field=where)
        k, n = pair
        if not 0 <= k <= n or not 1 <= n <= 10**9:
            raise InputError(f"needs 0 <= k <= n and 1 <= n <= 1e9 (got {k}, {n})", field=where)
        labels.append(label)
        ks.append(k)
        ns_.append(n)
    if not isinstance(prior, tuple | list) or len(prior) != 2:
        raise InputError(f"must be the Beta pair (a, b) (got {prior!r})", field="prior")
    a, b = _positive(prior[0], "prior[0]"), _positive(prior[1], "prior[1]")
    settings = _settings(draws, tune, chains, cores, target_accept)
    data = fq.BinomialData(tuple(labels), tuple(ks), tuple(ns_))
    import pymc as pm

    with pm.Model() as model:
        fq.add_proportions(data, Beta(a, b))
    return sampling.sample(model, settings, _seed(seed))


def survival_columns(df: Any, time: str, event: str, group: str | None, *,
                     zero_times: bool = False):
    """The checked time, event and group columns of a DataFrame of right-censored times:
    ``(times, events 0/1, group labels in order of first appearance, group index per row)``;
    every problem is an :class:`InputError` naming the argument. Times are finite months up to
    1200, positive (or also 0 with ``zero_times``)."""
    import numpy as np

    columns = getattr(df, "columns", None)
    if columns is None:
        raise InputError(f"expected a pandas DataFrame (got {type(df).__name__})", field="df")
    for field, name in (("time", time), ("event", event), ("group", group)):
        if name is not None and name not in columns:
            raise InputError(f"no column {name!r} in the DataFrame", field=field)
    if len(df) == 0:
        raise InputError("the DataFrame has no rows", field="df")
    try:
        t = np.asarray(df[time], dtype=float)
    except (TypeError, ValueError):
        raise InputError("times must be numbers", field=time) from None
    low_ok = (t >= 0) if zero_times else (t > 0)
    if not (np.all(np.isfinite(t)) and np.all(low_ok) and np.all(t <= 1200)):
        what = "non-negative" if zero_times else "positive"
        raise InputError(f"times must be finite, {what} months (at most 1200)", field=time)
    raw = df[event].to_numpy()
    if raw.dtype == bool:
        raw = raw.astype(int)
    try:
        d = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        raise InputError("event flags must be 0 or 1", field=event) from None
    if not np.all(np.isin(d, (0.0, 1.0))):
        raise InputError("event flags must be 0 or 1", field=event)
    if group is None:
        labels, index = ("all",), np.zeros(len(t), dtype=np.int64)
    else:
        index, uniques = df[group].factorize()  # groups in order of first appearance
        labels = tuple(str(x) for x in uniques)
        if (index < 0).any():
            raise InputError("group labels must not be missing", field=group)
        if len(set(labels)) != len(labels) or len(labels) > MAX_GROUPS:
            raise InputError(f"at most {MAX_GROUPS} groups with distinct names", field=group)
    return t, d.astype(np.int64), labels, np.asarray(index, dtype=np.int64)


def fit_survival(df: pd.DataFrame, *, time: str, event: str, group: str | None = None,
                 family: str = "exponential", cuts: tuple[float, ...] = (),
                 shape: str = "shared",
                 priors: Mapping[str, Any] | None = None, seed: int, draws: int = 1000,
                 tune: int = 1000, chains: int = 4, cores: int | None = None,
                 target_accept: float = 0.8) -> xr.DataTree:
    """Fit a parametric survival family to right-censored times in a pandas DataFrame (NUTS).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per patient.
    time, event : str
        Columns: follow-up time (months, > 0) and the event flag (1 event, 0 censored; booleans
        accepted).
    group : str, optional
        Column of group labels (e.g. the arm); each group gets its own parameters, in the order
        the groups first appear. Without it every row is one group ``"all"``.
    family : str
        ``"exponential"``, ``"weibull"``, ``"piecewise"`` (needs ``cuts``, months), ``"cure"``
        (Weibull uncured part) or ``"lognormal"``.
    shape : str
        ``"shared"`` (default): the groups share one Weibull shape (log-normal sigma), the
        usual choice with few patients per group; ``"per_subtype"``: one per group.
    priors : mapping, optional
        Prior objects by name (:class:`neosim.models.survival.Priors`), e.g. ``{"hazard":
        ns.Gamma(1, 24)}`` for ``hazard ~ Gamma(1, rate=24)`` per month (the default);
        ``shape``, ``scale`` (log-normal, months) and ``cure_fraction`` (beta) for the others.
    seed, draws, tune, chains, cores, target_accept
        As :func:`fit_proportions`.

    Returns
    -------
    xarray.DataTree
        ``posterior`` with the family's parameters (e.g. ``hazard_per_month``) on the dimension
        ``group``; ``log_likelihood`` per patient (for ``arviz`` LOO).

    Examples
    --------
    >>> import pandas as pd
    >>> import neosim as ns
    >>> df = pd.DataFrame({"months": [3.0, 8.0, 12.0, 20.0, 5.0, 30.0, 40.0, 44.0],
    ...                    "died": [1, 1, 0, 1, 1, 0, 0, 1],
    ...                    "arm": ["A", "A", "A", "A", "B", "B", "B", "B"]})
    >>> dt = ns.fit_survival(df, time="months", event="died", group="arm", seed=2,
    ...                      draws=300, tune=300, chains=2)
    >>> list(dt["posterior"]["hazard_per_month"]["group"].values)
    ['A', 'B']
    """
    import numpy as np

    from neosim.config import validate
    from neosim.models import survival as sv
    from neosim.survival.analysis import fit_family

    t, d, labels, index = survival_columns(df, time, event, group)
    if shape not in ("shared", "per_subtype"):
        raise InputError(f"must be 'shared' or 'per_subtype' (got {shape!r})", field="shape")
    try:
        fam = sv.make_family(family, cuts, shape_per_subtype=shape == "per_subtype")
    except KeyError as exc:
        raise InputError(str(exc).strip("'\""), field="family") from None
    except ValueError as exc:
        raise InputError(str(exc), field="cuts") from None
    if not isinstance(priors or {}, Mapping):
        raise InputError("must be a mapping of prior name to prior object", field="priors")
    pri = validate(sv.Priors, dict(priors or {}), file="", prefix="priors")
    data = sv.SurvivalData(time=t, event=d.astype(np.int64),
                           subtype_index=index.astype(np.int64), subtypes=labels)
    settings = _settings(draws, tune, chains, cores, target_accept)
    return _rename_group(fit_family(fam, data, pri, settings, seed=_seed(seed)), "subtype")
