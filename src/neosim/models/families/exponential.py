"""Exponential family: constant hazard ``hazard_per_month`` λ; ``log S = -λ t``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from neosim.models.families.base import SurvivalFamily, check_positive


@dataclass(frozen=True)
class Exponential(SurvivalFamily):
    """Constant hazard ``hazard_per_month`` (λ, per month); ``Exponential(0.05)`` is bound."""

    hazard_per_month: float | None = None

    name = "exponential"
    parameters = ("hazard_per_month",)
    conjugate = True
    config_keys: ClassVar[dict[str, str]] = {"hazard_per_month": "hazard_per_month"}

    def __post_init__(self) -> None:
        if self.hazard_per_month is not None:
            check_positive(self.hazard_per_month, "hazard_per_month")

    @property
    def rate(self) -> float:
        """The bound hazard per month (the simulator's name)."""
        return self.hazard_per_month

    def values(self):
        return {"hazard_per_month": self.hazard_per_month}

    def log_hazard(self, t, p=None, xp=np):
        return xp.log(self._p(p)["hazard_per_month"]) + 0.0 * t

    def log_survival(self, t, p=None, xp=np):
        return -self._p(p)["hazard_per_month"] * t

    def cumulative_hazard(self, t):
        return self.rate * np.asarray(t, dtype=float)

    def inverse_cumulative_hazard(self, h):
        return np.asarray(h, dtype=float) / self.rate

    def event_probability(self, t, dropout_hazard: float = 0.0, p=None):
        """``λ / (λ + d) (1 - exp(-(λ + d) t))``: events observed by ``t`` under dropout ``d``."""
        lam = np.asarray(self._p(p)["hazard_per_month"], float)
        total = lam + dropout_hazard
        return lam / total * -np.expm1(-total * np.asarray(t, float))

    def exposure_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """The one interval of constant hazard, ``[0, inf)`` (conjugate posteriors)."""
        return np.array([0.0]), np.array([np.inf])

    def prior(self, name, priors):
        return priors.hazard
