"""Mixture cure family: a fraction ``cure_fraction`` π never has the event, the others follow
``uncured`` (a Weibull when fitted): ``S = π + (1 - π) S_u``."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import ClassVar

import numpy as np

from neosim.errors import InputError
from neosim.models.families.base import SurvivalFamily
from neosim.models.families.weibull import Weibull


@dataclass(frozen=True)
class Cure(SurvivalFamily):
    """Mixture cure model over any non-cure family ``uncured``; ``Cure(0.3, Exponential(0.05))``
    is bound. ``Λ(t) = -log(π + (1 - π) S_u(t))`` is bounded by ``-log π``: a simulated draw
    above the bound is a cured patient, ``T = inf``."""

    cure_fraction: float | None = None
    uncured: SurvivalFamily = field(default_factory=Weibull)

    name = "cure"
    config_keys: ClassVar[dict[str, str]] = {"cure_fraction": "cure_fraction"}

    @classmethod
    def for_fitting(cls, cuts=(), *, shape_per_subtype: bool = False) -> Cure:
        return cls(uncured=Weibull.for_fitting(cuts, shape_per_subtype=shape_per_subtype))

    def __post_init__(self) -> None:
        p = self.cure_fraction
        if p is not None and not (isinstance(p, int | float) and 0 < p < 1):
            raise InputError(f"must lie in (0, 1) (got {p!r})", field="cure_fraction")
        if isinstance(self.uncured, Cure):
            raise InputError("a cure model cannot nest another", field="uncured")

    @property
    def parameters(self) -> tuple[str, ...]:  # type: ignore[override]
        return ("cure_fraction", *self.uncured.parameters)

    @property
    def shared(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.uncured.shared

    def values(self):
        return {"cure_fraction": self.cure_fraction, **self.uncured.values()}

    def bind(self, p):
        return replace(self, cure_fraction=p["cure_fraction"], uncured=self.uncured.bind(p))

    def interval_axis(self, name):
        return self.uncured.interval_axis(name)

    def coords(self):
        return self.uncured.coords()

    def param_shape(self, name, n_subtypes):
        if name == "cure_fraction":
            return (n_subtypes,)
        return self.uncured.param_shape(name, n_subtypes)

    def log_hazard(self, t, p=None, xp=np):
        p = self._p(p)
        pi = p["cure_fraction"]
        return (xp.log1p(-pi) + self.uncured.log_hazard(t, p, xp)
                + self.uncured.log_survival(t, p, xp) - self.log_survival(t, p, xp))

    def log_survival(self, t, p=None, xp=np):
        p = self._p(p)
        pi = p["cure_fraction"]
        return xp.logaddexp(xp.log(pi), xp.log1p(-pi) + self.uncured.log_survival(t, p, xp))

    def cumulative_hazard(self, t):
        s_u = np.exp(-self.uncured.cumulative_hazard(t))
        return -np.log(self.cure_fraction + (1 - self.cure_fraction) * s_u)

    def inverse_cumulative_hazard(self, h):
        h = np.asarray(h, dtype=float)
        p = self.cure_fraction
        s = np.exp(-h)
        with np.errstate(divide="ignore", invalid="ignore"):
            s_u = (s - p) / (1 - p)
            out = self.uncured.inverse_cumulative_hazard(-np.log(s_u))
        return np.where(s > p, out, np.inf)

    def prior(self, name, priors):
        if name == "cure_fraction":
            return priors.cure_fraction
        return self.uncured.prior(name, priors)
