"""Weibull family: ``weibull_shape`` k (shared by the subtypes), ``weibull_scale_months`` σ;
``log S = -(t/σ)^k``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from neosim.models.families.base import SurvivalFamily, check_positive


def weibull_log_hazard(t, k, scale, xp):
    return xp.log(k) - xp.log(scale) + (k - 1.0) * (xp.log(t) - xp.log(scale))


def weibull_log_survival(t, k, scale, xp):
    return -xp.exp(k * (xp.log(t) - xp.log(scale)))


@dataclass(frozen=True)
class Weibull(SurvivalFamily):
    """Weibull with shape ``weibull_shape`` k and scale ``weibull_scale_months``:
    ``Λ(t) = (t / scale)^k``. ``Weibull(1.3, 15.0)`` is bound."""

    weibull_shape: float | None = None
    weibull_scale_months: float | None = None
    #: one shape per subtype instead of one shared by all
    shape_per_subtype: bool = field(default=False, kw_only=True)

    name = "weibull"
    parameters = ("weibull_shape", "weibull_scale_months")
    config_keys: ClassVar[dict[str, str]] = {
        "weibull_shape": "shape", "weibull_scale_months": "scale_months"}

    @property
    def shared(self) -> tuple[str, ...]:  # type: ignore[override]
        return () if self.shape_per_subtype else ("weibull_shape",)

    @classmethod
    def for_fitting(cls, cuts=(), *, shape_per_subtype: bool = False) -> Weibull:
        return cls(shape_per_subtype=shape_per_subtype)

    def __post_init__(self) -> None:
        if self.weibull_shape is not None:
            check_positive(self.weibull_shape, "weibull_shape")
        if self.weibull_scale_months is not None:
            check_positive(self.weibull_scale_months, "weibull_scale_months")

    @property
    def shape(self) -> float:
        return self.weibull_shape

    @property
    def scale(self) -> float:
        return self.weibull_scale_months

    def values(self):
        return {"weibull_shape": self.weibull_shape,
                "weibull_scale_months": self.weibull_scale_months}

    def log_hazard(self, t, p=None, xp=np):
        p = self._p(p)
        return weibull_log_hazard(t, p["weibull_shape"], p["weibull_scale_months"], xp)

    def log_survival(self, t, p=None, xp=np):
        p = self._p(p)
        return weibull_log_survival(t, p["weibull_shape"], p["weibull_scale_months"], xp)

    def cumulative_hazard(self, t):
        return (np.asarray(t, dtype=float) / self.scale) ** self.shape

    def inverse_cumulative_hazard(self, h):
        return self.scale * np.asarray(h, dtype=float) ** (1.0 / self.shape)

    def prior(self, name, priors):
        if name == "weibull_shape":
            return priors.shape
        return priors.scale
