"""Parametric survival models with right censoring, each defined once.

A family is defined by two functions of time, its log hazard ``log h(t)`` and its log survival
``log S(t)``, written against an array namespace ``xp`` (``numpy`` or ``pytensor.tensor``), so the
same lines give the PyMC likelihood, the posterior survival curves (numpy, on the draws) and the
synthetic cohorts (inverse transform of ``S``). Censoring is handled once, in
:func:`log_likelihood`: a patient with follow-up ``t`` and event flag ``d`` contributes
``d * log h(t) + log S(t)``.

Families (time in months; parameters by subtype unless marked shared):

``exponential``
    ``hazard_per_month`` λ: ``log h = log λ``, ``log S = -λ t``.
``weibull``
    ``weibull_shape`` k (shared), ``weibull_scale_months`` σ: ``log S = -(t/σ)^k``.
``piecewise``
    ``hazard_per_month`` λ_j (subtype × interval), constant between the configured cut points:
    ``log S = -Σ_j λ_j |[c_{j-1}, c_j) ∩ [0, t)|``.
``cure``
    ``cure_fraction`` π plus a Weibull for the uncured: ``S = π + (1 - π) S_W``.

Subtype effects are subtype-specific parameters with a common prior (:class:`Priors`). The
exponential and piecewise families with Gamma priors have exact conjugate posteriors
(:func:`conjugate_gamma_posterior`), against which the sampler is tested.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

FAMILIES = ("exponential", "weibull", "piecewise", "cure")


@dataclass(frozen=True)
class SurvivalData:
    """Right-censored survival times with a subtype label per patient.

    Attributes
    ----------
    time
        Follow-up in months (> 0): to the event, or to the last contact if censored.
    event
        1 if the event (death) was observed at ``time``, 0 if censored.
    subtype_index
        Index into ``subtypes`` for each patient.
    subtypes
        Subtype labels (the ``subtype`` coordinate of the model).
    """

    time: np.ndarray
    event: np.ndarray
    subtype_index: np.ndarray
    subtypes: tuple[str, ...]

    def __post_init__(self):
        n = len(self.time)
        if not (len(self.event) == len(self.subtype_index) == n):
            raise ValueError("time, event and subtype_index must have equal length")
        if n and (np.min(self.time) <= 0 or not np.all(np.isfinite(self.time))):
            raise ValueError("survival times must be finite and positive")
        if not set(np.unique(self.event)) <= {0, 1}:
            raise ValueError("event flags must be 0 or 1")
        if n and not (0 <= np.min(self.subtype_index) and np.max(self.subtype_index)
                      < len(self.subtypes)):
            raise ValueError("subtype_index out of range")


@dataclass(frozen=True)
class Priors:
    """Priors of every family (each family uses the entries it needs).

    ``hazard ~ Gamma(hazard_a, rate=hazard_b)`` per month (exponential and each piecewise
    interval); ``weibull_shape ~ LogNormal(log(shape_median), shape_sd_log)``;
    ``weibull_scale_months ~ LogNormal(log(scale_median_months), scale_sd_log)``;
    ``cure_fraction ~ Beta(cure_alpha, cure_beta)``.
    """

    hazard_a: float = 1.0
    hazard_b: float = 24.0
    shape_median: float = 1.0
    shape_sd_log: float = 0.5
    scale_median_months: float = 36.0
    scale_sd_log: float = 1.5
    cure_alpha: float = 1.0
    cure_beta: float = 1.0


# --------------------------------------------------------------------------------------------
# The families: log hazard and log survival, once, for numpy and pytensor alike
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Family:
    """A survival family: its parameters and its log hazard / log survival.

    ``params`` maps each parameter name to an array broadcastable against ``t`` (piecewise
    hazards carry a trailing interval axis).
    """

    name: str
    parameters: tuple[str, ...]
    shared: tuple[str, ...] = ()
    cuts: tuple[float, ...] = field(default=())

    # ---- definitions ------------------------------------------------------------------------
    def log_hazard(self, t, p: dict[str, Any], xp):
        if self.name == "exponential":
            return xp.log(p["hazard_per_month"]) + 0.0 * t
        if self.name == "weibull":
            return _weibull_log_hazard(t, p["weibull_shape"], p["weibull_scale_months"], xp)
        if self.name == "piecewise":
            lower, upper = self._bounds()
            tt = t[..., None]
            inside = (tt >= lower) * (tt < upper)
            return xp.sum(inside * xp.log(p["hazard_per_month"]), axis=-1)
        if self.name == "cure":
            k, s, pi = p["weibull_shape"], p["weibull_scale_months"], p["cure_fraction"]
            log_s_w = _weibull_log_survival(t, k, s, xp)
            return (xp.log1p(-pi) + _weibull_log_hazard(t, k, s, xp) + log_s_w
                    - self.log_survival(t, p, xp))
        raise KeyError(self.name)

    def log_survival(self, t, p: dict[str, Any], xp):
        if self.name == "exponential":
            return -p["hazard_per_month"] * t
        if self.name == "weibull":
            return _weibull_log_survival(t, p["weibull_shape"], p["weibull_scale_months"], xp)
        if self.name == "piecewise":
            lower, upper = self._bounds()
            exposure = xp.clip(t[..., None] - lower, 0.0, upper - lower)
            return -xp.sum(p["hazard_per_month"] * exposure, axis=-1)
        if self.name == "cure":
            pi = p["cure_fraction"]
            log_s_w = _weibull_log_survival(t, p["weibull_shape"], p["weibull_scale_months"], xp)
            return xp.logaddexp(xp.log(pi), xp.log1p(-pi) + log_s_w)
        raise KeyError(self.name)

    # ---- helpers ----------------------------------------------------------------------------
    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        edges = np.concatenate([[0.0], np.asarray(self.cuts, float), [np.inf]])
        return edges[:-1], edges[1:]

    @property
    def interval_labels(self) -> list[str]:
        """Labels of the piecewise intervals, e.g. ``["0-6", "6-24", "24+"]``."""
        edges = [0.0, *self.cuts]
        labels = [f"{_fmt(a)}-{_fmt(b)}" for a, b in itertools.pairwise(edges)]
        return [*labels, f"{_fmt(edges[-1])}+"]

    def dims(self, name: str) -> tuple[str, ...]:
        """Dimensions of a parameter in the posterior."""
        if name in self.shared:
            return ()
        if self.name == "piecewise" and name == "hazard_per_month":
            return ("subtype", "interval")
        return ("subtype",)


def _fmt(x: float) -> str:
    return f"{x:g}"


def _weibull_log_hazard(t, k, scale, xp):
    return xp.log(k) - xp.log(scale) + (k - 1.0) * (xp.log(t) - xp.log(scale))


def _weibull_log_survival(t, k, scale, xp):
    return -xp.exp(k * (xp.log(t) - xp.log(scale)))


def make_family(name: str, cuts: tuple[float, ...] | list[float] = ()) -> Family:
    """The family called ``name`` (``cuts`` in months, for ``piecewise`` only)."""
    if name == "exponential":
        return Family(name, ("hazard_per_month",))
    if name == "weibull":
        return Family(name, ("weibull_shape", "weibull_scale_months"), shared=("weibull_shape",))
    if name == "piecewise":
        cuts = tuple(float(c) for c in cuts)
        if not cuts or any(c <= 0 for c in cuts) or list(cuts) != sorted(set(cuts)):
            raise ValueError("piecewise cuts must be positive, increasing and non-empty")
        return Family(name, ("hazard_per_month",), cuts=cuts)
    if name == "cure":
        return Family(name, ("cure_fraction", "weibull_shape", "weibull_scale_months"),
                      shared=("weibull_shape",))
    raise KeyError(f"unknown survival family {name!r} (known: {', '.join(FAMILIES)})")


def log_likelihood(family: Family, t, event, p: dict[str, Any], xp):
    """Right-censored log-likelihood of each patient: ``event * log h(t) + log S(t)``."""
    return event * family.log_hazard(t, p, xp) + family.log_survival(t, p, xp)


# --------------------------------------------------------------------------------------------
# PyMC model
# --------------------------------------------------------------------------------------------


def build_model(family: Family, data: SurvivalData, priors: Priors = Priors()):
    """The PyMC model of ``family`` for ``data``; observations are ``pm.Data`` (refit cheaply).

    Data containers: ``time``, ``event``, ``subtype_index``. The observed variable ``survival``
    is a ``pm.CustomDist`` whose logp is :func:`log_likelihood`, so the pointwise
    log-likelihood (for PSIS-LOO) comes from ``pm.compute_log_likelihood``.
    """
    import pymc as pm
    import pytensor.tensor as pt

    coords = {"subtype": list(data.subtypes)}
    if family.name == "piecewise":
        coords["interval"] = family.interval_labels
    with pm.Model(coords=coords) as model:
        time = pm.Data("time", np.asarray(data.time, float))
        event = pm.Data("event", np.asarray(data.event, float))
        idx = pm.Data("subtype_index", np.asarray(data.subtype_index, "int64"))
        theta = {}
        for name in family.parameters:
            dims = family.dims(name)
            if name == "hazard_per_month":
                theta[name] = pm.Gamma(name, alpha=priors.hazard_a, beta=priors.hazard_b,
                                       dims=dims)
            elif name == "weibull_shape":
                theta[name] = pm.LogNormal(name, mu=np.log(priors.shape_median),
                                           sigma=priors.shape_sd_log, dims=dims)
            elif name == "weibull_scale_months":
                theta[name] = pm.LogNormal(name, mu=np.log(priors.scale_median_months),
                                           sigma=priors.scale_sd_log, dims=dims)
            elif name == "cure_fraction":
                theta[name] = pm.Beta(name, alpha=priors.cure_alpha, beta=priors.cure_beta,
                                      dims=dims)
        names = list(family.parameters)
        per_patient = [theta[n] if n in family.shared else theta[n][idx] for n in names]

        def logp(value, event, *params):
            return log_likelihood(family, value, event, dict(zip(names, params, strict=True)),
                                  pt)

        # every parameter is scalar per patient except the piecewise hazards (one per interval)
        cores = ["(j)" if (family.name == "piecewise" and n == "hazard_per_month") else "()"
                 for n in names]
        pm.CustomDist("survival", event, *per_patient, logp=logp, observed=time,
                      signature=f"(),{','.join(cores)}->()")
    return model


def set_data(model, data: SurvivalData) -> None:
    """Replace the data of a model built by :func:`build_model` (same subtypes)."""
    import pymc as pm

    with model:
        pm.set_data({"time": np.asarray(data.time, float),
                     "event": np.asarray(data.event, float),
                     "subtype_index": np.asarray(data.subtype_index, "int64")})


def data_arrays(data: SurvivalData) -> dict[str, np.ndarray]:
    """The model's data containers for ``nutpie``'s ``with_data``."""
    return {"time": np.asarray(data.time, float), "event": np.asarray(data.event, float),
            "subtype_index": np.asarray(data.subtype_index, "int64")}


# --------------------------------------------------------------------------------------------
# numpy evaluation: curves, quantiles, draws from the prior, synthetic times
# --------------------------------------------------------------------------------------------


def _expand(family: Family, params: dict[str, np.ndarray], n_time_axes: int) -> dict:
    """Add ``n_time_axes`` trailing axes (before the interval axis of piecewise hazards)."""
    out = {}
    for name, value in params.items():
        v = np.asarray(value, float)
        if family.name == "piecewise" and name == "hazard_per_month":
            out[name] = v.reshape(v.shape[:-1] + (1,) * n_time_axes + v.shape[-1:])
        else:
            out[name] = v.reshape(v.shape + (1,) * n_time_axes)
    return out


def survival_curve(family: Family, params: dict[str, np.ndarray], times) -> np.ndarray:
    """``S(t)`` for every parameter draw and every time in ``times``: shape ``(..., len(times))``.

    Parameters must share their leading shape (e.g. ``(chain, draw, subtype)``; piecewise
    hazards add a trailing interval axis).
    """
    times = np.asarray(times, float)
    with np.errstate(divide="ignore"):
        return np.exp(family.log_survival(times, _expand(family, params, 1), np))


def survival_time_quantile(family: Family, params: dict[str, np.ndarray], u,
                           *, lo: float = 1e-6, hi: float = 1e6) -> np.ndarray:
    """The time ``t`` with ``S(t) = u`` for each draw (``inf`` when ``S`` never falls to ``u``).

    Solved by bisection on ``log t`` in ``[lo, hi]`` months, for any family; with ``u = 0.5``
    this is the median survival time, with ``u ~ Uniform(0, 1)`` a random survival time.
    """
    u = np.asarray(u, float)
    shape = np.broadcast_shapes(u.shape, _leading_shape(family, params))
    p = {k: np.broadcast_to(v, shape + np.shape(v)[len(_leading_shape(family, params)):])
         for k, v in ((k, np.asarray(v, float)) for k, v in params.items())}
    log_u = np.log(np.broadcast_to(u, shape))
    a = np.full(shape, np.log(lo))
    b = np.full(shape, np.log(hi))
    never = family.log_survival(np.exp(b), p, np) > log_u
    for _ in range(64):
        m = 0.5 * (a + b)
        above = family.log_survival(np.exp(m), p, np) > log_u
        a = np.where(above, m, a)
        b = np.where(above, b, m)
    return np.where(never, np.inf, np.exp(0.5 * (a + b)))


def _leading_shape(family: Family, params: dict[str, np.ndarray]) -> tuple[int, ...]:
    shapes = []
    for name, v in params.items():
        s = np.shape(v)
        if family.name == "piecewise" and name == "hazard_per_month":
            s = s[:-1]
        shapes.append(s)
    return np.broadcast_shapes(*shapes)


def draw_parameters(family: Family, priors: Priors, n_subtypes: int,
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One draw of every parameter from its prior (shared ones scalar, others per subtype)."""
    out = {}
    for name in family.parameters:
        size = () if name in family.shared else (n_subtypes,)
        if name == "hazard_per_month":
            if family.name == "piecewise":
                size = (n_subtypes, len(family.cuts) + 1)
            out[name] = rng.gamma(priors.hazard_a, 1.0 / priors.hazard_b, size=size)
        elif name == "weibull_shape":
            out[name] = priors.shape_median * np.exp(rng.normal(0.0, priors.shape_sd_log, size))
        elif name == "weibull_scale_months":
            out[name] = priors.scale_median_months * np.exp(
                rng.normal(0.0, priors.scale_sd_log, size))
        elif name == "cure_fraction":
            out[name] = rng.beta(priors.cure_alpha, priors.cure_beta, size=size)
    return out


def posterior_parameters(family: Family, posterior: Any) -> dict[str, np.ndarray]:
    """Draws of the family's parameters from a posterior ``Dataset`` as arrays aligned on
    ``(chain, draw, subtype)`` (shared parameters get a length-1 subtype axis)."""
    out = {}
    for name in family.parameters:
        da = posterior[name]
        if name in family.shared:
            out[name] = da.transpose("chain", "draw").values[..., None]
        elif family.name == "piecewise" and name == "hazard_per_month":
            out[name] = da.transpose("chain", "draw", "subtype", "interval").values
        else:
            out[name] = da.transpose("chain", "draw", "subtype").values
    return out


def per_patient(family: Family, params: dict[str, np.ndarray], subtype_index) -> dict:
    """Index subtype-specific parameters by each patient's subtype."""
    idx = np.asarray(subtype_index)
    return {k: (np.asarray(v) if k in family.shared else np.asarray(v)[idx])
            for k, v in params.items()}


def draw_times(family: Family, params: dict[str, np.ndarray], subtype_index,
               rng: np.random.Generator) -> np.ndarray:
    """Event times (months; ``inf`` for the cured) of patients with the given subtypes."""
    p = per_patient(family, params, subtype_index)
    u = rng.uniform(size=len(np.asarray(subtype_index)))
    return survival_time_quantile(family, p, u)


# --------------------------------------------------------------------------------------------
# Exact answers
# --------------------------------------------------------------------------------------------


def conjugate_gamma_posterior(family: Family, data: SurvivalData,
                              priors: Priors) -> dict[str, tuple[float, float]]:
    """Exact Gamma(shape, rate) posteriors of the hazards of an exponential or piecewise model.

    Keys are summary names: ``hazard_per_month[ALL]`` or ``hazard_per_month[ALL, 0-6]``. Each
    hazard's posterior is ``Gamma(a + events, b + exposure)`` with the events and the time at
    risk inside its subtype (and interval).
    """
    if family.name not in ("exponential", "piecewise"):
        raise ValueError("conjugate posteriors exist for the exponential and piecewise families")
    t = np.asarray(data.time, float)
    d = np.asarray(data.event, float)
    idx = np.asarray(data.subtype_index)
    lower, upper = family._bounds() if family.name == "piecewise" else (
        np.array([0.0]), np.array([np.inf]))
    exposure = np.clip(t[:, None] - lower, 0.0, upper - lower)
    in_interval = (t[:, None] >= lower) & (t[:, None] < upper)
    out = {}
    for s, label in enumerate(data.subtypes):
        mine = idx == s
        for j in range(len(lower)):
            events = float(np.sum(d[mine] * in_interval[mine, j]))
            at_risk = float(np.sum(exposure[mine, j]))
            key = (f"hazard_per_month[{label}]" if family.name == "exponential"
                   else f"hazard_per_month[{label}, {family.interval_labels[j]}]")
            out[key] = (priors.hazard_a + events, priors.hazard_b + at_risk)
    return out
