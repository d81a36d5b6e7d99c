"""Survival and accrual models of simulated trials, in months.

The survival models are the families of :mod:`neosim.models.families` bound to values
(``Exponential(0.05)``, ``Weibull(1.3, 15.0)``, ``PiecewiseExponential((6.0,), (0.02, 0.08))``,
``Cure(0.3, Exponential(0.05))``, or any registered family): each exposes its cumulative hazard
``cumulative_hazard(t)`` and its inverse ``inverse_cumulative_hazard(h)``; event times are drawn
by inversion, ``T = Λ⁻¹(E / HR)`` with ``E ~ Exp(1)``, so a hazard ratio acts as an exact
proportional-hazards multiplier for every model (cure models included: ``Λ(t) = -log(π + (1 - π)
S_u(t))`` is bounded by ``-log π``, and a draw above the bound is a cured patient, ``T = inf``).
This module adds piecewise-uniform :class:`Accrual`.

Validation raises :class:`neosim.errors.InputError` naming the offending field; callers that read a
config re-locate it with ``err.at(file=..., field=...)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neosim.errors import InputError
from neosim.models.families import (
    FAMILIES,
    Cure,
    Exponential,
    PiecewiseExponential,
    SurvivalFamily,
    Weibull,
)

__all__ = ["FAMILIES", "Accrual", "Cure", "Exponential", "PiecewiseExponential",
           "SurvivalModel", "Weibull", "survival"]

#: a survival model of the simulator: any family bound to values
SurvivalModel = SurvivalFamily


def _positive(value: float, field: str) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise InputError(f"must be a positive finite number (got {value!r})", field=field)


def survival(model: SurvivalModel, t) -> np.ndarray:
    """``S(t) = exp(-Λ(t))``."""
    return np.exp(-model.cumulative_hazard(t))


@dataclass(frozen=True)
class Accrual:
    """Piecewise-uniform accrual: ``rates[j]`` patients per month during ``durations[j]`` months.

    The last piece continues for as long as it takes to enrol everyone; entry times are i.i.d. with
    the density proportional to the rate (the usual approximation of rpact/npsurvSS "pieceuni").
    """

    durations: tuple[float, ...]
    rates: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.durations or len(self.durations) != len(self.rates):
            raise InputError("needs as many rates as durations, at least one of each",
                             field="durations")
        for i, d in enumerate(self.durations):
            _positive(d, f"durations[{i}]")
        for i, r in enumerate(self.rates):
            if not (math.isfinite(r) and r >= 0):
                raise InputError(f"must be finite and non-negative (got {r!r})",
                                 field=f"rates[{i}]")
        _positive(self.rates[-1], f"rates[{len(self.rates) - 1}]")

    @classmethod
    def uniform(cls, n: int, duration: float) -> Accrual:
        """All ``n`` patients enrolled uniformly over ``duration`` months."""
        _positive(duration, "duration")
        return cls((float(duration),), (n / float(duration),))

    def knots(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """(cumulative patients, calendar months) at the piece ends, extended to reach ``n``."""
        t = np.concatenate([[0.0], np.cumsum(self.durations)])
        c = np.concatenate([[0.0], np.cumsum(np.asarray(self.durations) * self.rates)])
        if c[-1] < n:
            t = np.append(t, t[-1] + (n - c[-1]) / self.rates[-1])
            c = np.append(c, float(n))
        return c, t

    def duration(self, n: int) -> float:
        """Months needed to enrol ``n`` patients."""
        c, t = self.knots(n)
        return float(np.interp(n, c, t))

    def entry_times(self, u: np.ndarray, n: int) -> np.ndarray:
        """Calendar entry times from uniforms ``u`` by inverting the cumulative accrual."""
        c, t = self.knots(n)
        # keep only the last knot of a run of equal counts (pieces of zero rate), so the
        # inversion is single-valued and nobody enters during a pause
        keep = np.concatenate([np.diff(c) > 0, [True]])
        return np.interp(u * n, c[keep], t[keep])
