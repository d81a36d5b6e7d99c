"""Parametric survival models with right censoring: data, priors, the PyMC builder and the
numpy evaluation of posterior draws, for every family of :mod:`neosim.models.families`.

A family (one class each: exponential, Weibull, piecewise exponential, mixture cure, log-normal)
defines its log hazard and log survival once for numpy and PyTensor alike, so the same lines give
the PyMC likelihood, the posterior survival curves and the synthetic cohorts. Censoring is
handled once, in :meth:`~neosim.models.families.SurvivalFamily.log_likelihood`: a patient with
follow-up ``t`` and event flag ``d`` contributes ``d * log h(t) + log S(t)``.

Subtype effects are subtype-specific parameters with a common prior (:class:`Priors`). The
exponential and piecewise families with Gamma priors have exact conjugate posteriors
(:func:`conjugate_gamma_posterior`), against which the sampler is tested.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from pydantic import Field, model_validator

from neosim import units
from neosim.config import FieldError, PriorShape, Strict
from neosim.models.families import FAMILIES, SurvivalFamily, make_family
from neosim.priors import Beta, Distribution, Gamma, LogNormal, bounded

Family = SurvivalFamily  # the name the fitting code has always used
__all__ = ["FAMILIES", "Family", "Priors", "SurvivalData", "build_model", "make_family"]


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


#: bounds of the survival priors, inside which every family's maths survives in float64: gamma
#: shapes and rates in [1e-3, 1e6]; log-normal priors with a log-scale SD in [0.01, 5] and a
#: median (``exp(mu)``) in [0.05, 20] for shapes (``t ** shape`` stays finite for t <= 1200
#: months in any unit) and, for scales, from 0.01 months in years to 1200 months in days (the
#: time unit of the data, :mod:`neosim.units`; ``survival_ipd`` checks 0.01 to 1200 months in
#: its unit)
LogSd = Annotated[float, Field(ge=0.01, le=5.0, allow_inf_nan=False)]
LogShape = Annotated[float, Field(ge=math.log(0.05), le=math.log(20.0), allow_inf_nan=False)]
LogMonths = Annotated[float, Field(ge=math.log(0.01 / 12.0),
                                   le=math.log(1200.0 * units.DAYS_PER_MONTH),
                                   allow_inf_nan=False)]
HazardPrior = bounded(Gamma, alpha=(PriorShape, ...), beta=(PriorShape, ...))
ShapePrior = bounded(LogNormal, mu=(LogShape, ...), sigma=(LogSd, ...))
ScalePrior = bounded(LogNormal, mu=(LogMonths, ...), sigma=(LogSd, ...))
FractionPrior = bounded(Beta, alpha=(PriorShape, 1.0), beta=(PriorShape, 1.0))
#: the flat keys of the old ``[models.priors]`` table -> the prior table that replaced them
OLD_KEYS = {"hazard_a": "hazard", "hazard_b": "hazard", "shape_median": "shape",
            "shape_sd_log": "shape", "scale_median_months": "scale",
            "scale_sd_log": "scale", "cure_alpha": "cure_fraction",
            "cure_beta": "cure_fraction"}
_EXAMPLE = {"hazard": '{ family = "gamma", alpha = 1.0, beta = 24.0 }',
            "shape": '{ family = "lognormal", median = 1.0, sigma = 0.5 }',
            "scale": '{ family = "lognormal", median = 36.0, sigma = 1.5 }',
            "cure_fraction": '{ family = "beta", alpha = 1.0, beta = 1.0 }'}


class Priors(Strict):
    """Priors of every family, one :mod:`neosim.priors` object each (a family takes the ones it
    needs, the same object for its PyMC variables and its numpy prior draws).

    ``hazard`` (``Gamma``, per unit of time): the exponential hazard and each piecewise
    interval's; ``shape`` (``LogNormal``): the Weibull shape and the log-normal family's sigma;
    ``scale`` (``LogNormal``, in the unit of time; formerly ``scale_months``): the Weibull scale
    and the log-normal family's median; ``cure_fraction`` (``Beta``). Also the
    ``[models.priors]`` table of ``survival_ipd``.

    The defaults are stated in months: hazard ``Gamma(1, rate 24)`` per month, shape median 1
    (sigma 0.5), scale median 36 months (sigma 1.5), cure fraction ``Beta(1, 1)``;
    :meth:`in_unit` converts them for data in days, weeks or years.
    """

    hazard: HazardPrior = HazardPrior(1.0, 24.0)
    shape: ShapePrior = ShapePrior(median=1.0, sigma=0.5)
    scale: ScalePrior = ScalePrior(median=36.0, sigma=1.5)
    cure_fraction: FractionPrior = FractionPrior(1.0, 1.0)

    def in_unit(self, unit: str) -> Priors:
        """These priors for times in ``unit``: each prior not set explicitly (a default, stated
        in months) converted to the unit, so that the same data in any unit give the same
        posterior on the same physical quantity; priors set explicitly are taken to be in
        ``unit`` already. A hazard ``h`` per month is ``h * L`` per unit (``L`` the unit's
        length in months): ``Gamma(a, rate b)`` becomes ``Gamma(a, rate b / L)``; a scale ``s``
        months is ``s / L`` units: the log-normal median divides by ``L``, its sigma stays.

        >>> Priors().in_unit("days").hazard.beta  # 24 per month: 24 * 30.4375 per day
        730.5
        """
        length = units.months_per(unit)
        update: dict[str, Any] = {}
        if "hazard" not in self.model_fields_set:
            # the rate of a rate: b per month is b / L per unit
            update["hazard"] = HazardPrior(self.hazard.alpha,
                                           units.from_months(self.hazard.beta, unit))
        if "scale" not in self.model_fields_set:
            update["scale"] = ScalePrior(mu=self.scale.mu - math.log(length),
                                         sigma=self.scale.sigma)
        return self.model_copy(update=update)

    @model_validator(mode="before")
    @classmethod
    def _tables(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for key in data:
            if key == "scale_months":  # one prior for any time unit
                raise FieldError(key, "renamed: write scale (in data.time_unit)")
            if key in OLD_KEYS:
                new = OLD_KEYS[key]
                raise FieldError(key, f"the survival priors are prior tables now: write {new} = "
                                      f"{_EXAMPLE[new]}")
        # prior objects of the generic classes (ns.Gamma(1, 24)) are checked against the bounds
        return {k: v.model_dump() if isinstance(v, Distribution) else v for k, v in data.items()}


def log_likelihood(family: Family, t, event, p: dict[str, Any], xp):
    """Right-censored log-likelihood of each patient: ``event * log h(t) + log S(t)``."""
    return family.log_likelihood(t, event, p, xp)


# --------------------------------------------------------------------------------------------
# PyMC model
# --------------------------------------------------------------------------------------------


def build_model(family: Family, data: SurvivalData, priors: Priors | None = None):
    """The PyMC model of ``family`` for ``data``; observations are ``pm.Data`` (refit cheaply).

    Data containers: ``time``, ``event``, ``subtype_index``. The observed variable ``survival``
    is a ``pm.CustomDist`` whose logp is the family's log-likelihood, so the pointwise
    log-likelihood (for PSIS-LOO) comes from ``pm.compute_log_likelihood``.
    """
    import pymc as pm
    import pytensor.tensor as pt

    priors = Priors() if priors is None else priors
    coords = {"subtype": list(data.subtypes), **family.coords()}
    with pm.Model(coords=coords) as model:
        time = pm.Data("time", np.asarray(data.time, float))
        event = pm.Data("event", np.asarray(data.event, float))
        idx = pm.Data("subtype_index", np.asarray(data.subtype_index, "int64"))
        theta = family.pymc_parameters(priors)
        names = list(family.parameters)
        per_patient = [theta[n] if n in family.shared else theta[n][idx] for n in names]

        def logp(value, event, *params):
            return family.log_likelihood(value, event, dict(zip(names, params, strict=True)),
                                         pt)

        # every parameter is scalar per patient except those with an interval axis
        cores = ["(j)" if family.interval_axis(n) else "()" for n in names]
        pm.CustomDist("survival", event, *per_patient, logp=logp, observed=time,
                      signature=f"(),{','.join(cores)}->()")
    return model


def set_data(model, data: SurvivalData) -> None:
    """Replace the data of a model built by :func:`build_model` (same subtypes)."""
    import pymc as pm

    with model:
        pm.set_data(data_arrays(data))


def data_arrays(data: SurvivalData) -> dict[str, np.ndarray]:
    """The model's data containers for ``nutpie``'s ``with_data``."""
    return {"time": np.asarray(data.time, float), "event": np.asarray(data.event, float),
            "subtype_index": np.asarray(data.subtype_index, "int64")}


# --------------------------------------------------------------------------------------------
# numpy evaluation of draws: curves, quantiles, prior draws, synthetic times
# --------------------------------------------------------------------------------------------


def _expand(family: Family, params: dict[str, np.ndarray], n_time_axes: int) -> dict:
    """Add ``n_time_axes`` trailing axes (before the interval axis of piecewise hazards)."""
    out = {}
    for name, value in params.items():
        v = np.asarray(value, float)
        if family.interval_axis(name):
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
    """The time ``t`` with ``S(t) = u`` for each draw (``inf`` when ``S`` never falls to ``u``);
    with ``u = 0.5`` the median survival time (:meth:`SurvivalFamily.time_at_survival`)."""
    return family.time_at_survival(u, params, lo=lo, hi=hi)


def draw_parameters(family: Family, priors: Priors, n_subtypes: int,
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One draw of every parameter from its prior (shared ones scalar, others per subtype)."""
    return family.prior_draw(priors, n_subtypes, rng)


def posterior_parameters(family: Family, posterior: Any) -> dict[str, np.ndarray]:
    """Draws of the family's parameters from a posterior ``Dataset`` as arrays aligned on
    ``(chain, draw, subtype)`` (shared parameters get a length-1 subtype axis)."""
    out = {}
    for name in family.parameters:
        da = posterior[name]
        if name in family.shared:
            out[name] = da.transpose("chain", "draw").values[..., None]
        else:
            out[name] = da.transpose("chain", "draw", *family.dims(name)).values
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
    return family.random(rng, len(np.asarray(subtype_index)), p)


# --------------------------------------------------------------------------------------------
# Exact answers
# --------------------------------------------------------------------------------------------


def conjugate_gamma_posterior(family: Family, data: SurvivalData,
                              priors: Priors) -> dict[str, tuple[float, float]]:
    """Exact Gamma(shape, rate) posteriors of the hazards of an exponential or piecewise model.

    Keys are summary names: ``hazard_per_month[ALL]`` or ``hazard_per_month[ALL, 0-6]``. Each
    hazard's posterior is ``Gamma(a + events, b + exposure)`` with the events and the time at
    risk inside its subtype (and interval). Intervals are closed on the right as in R's
    ``survSplit``: a death exactly at a cut counts in the interval that ends at the cut.
    """
    if not family.conjugate:
        raise ValueError("conjugate posteriors exist for the exponential and piecewise families")
    t = np.asarray(data.time, float)
    d = np.asarray(data.event, float)
    idx = np.asarray(data.subtype_index)
    lower, upper = family.exposure_bounds()
    labels = family.coords().get("interval")
    exposure = np.clip(t[:, None] - lower, 0.0, upper - lower)
    # a death exactly at a cut counts in the interval ending there (R's survSplit)
    in_interval = (family.event_intervals(t) if labels is not None
                   else np.ones((t.size, 1), bool))
    out = {}
    for s, label in enumerate(data.subtypes):
        mine = idx == s
        for j in range(len(lower)):
            events = float(np.sum(d[mine] * in_interval[mine, j]))
            at_risk = float(np.sum(exposure[mine, j]))
            key = (f"hazard_per_month[{label}]" if labels is None
                   else f"hazard_per_month[{label}, {labels[j]}]")
            out[key] = (priors.hazard.alpha + events, priors.hazard.beta + at_risk)
    return out
