"""Survival and accrual models of simulated trials, in months, as small frozen dataclasses.

Every survival model exposes its cumulative hazard ``cumulative_hazard(t)`` and its inverse
``inverse_cumulative_hazard(h)``; event times are drawn by inversion, ``T = Λ⁻¹(E / HR)`` with
``E ~ Exp(1)``, so a hazard ratio acts as an exact proportional-hazards multiplier for every model
(cure models included: ``Λ(t) = -log(π + (1 - π) S_u(t))`` is bounded by ``-log π``, and a draw
above the bound is a cured patient, ``T = inf``).

Validation raises :class:`neosim.errors.InputError` naming the offending field; callers that read a
config re-locate it with ``err.at(file=..., field=...)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neosim.errors import InputError


def _positive(value: float, field: str) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise InputError(f"must be a positive finite number (got {value!r})", field=field)


@dataclass(frozen=True)
class Exponential:
    """Constant hazard ``rate`` per month."""

    rate: float

    def __post_init__(self) -> None:
        _positive(self.rate, "rate")

    def cumulative_hazard(self, t):
        return self.rate * np.asarray(t, dtype=float)

    def inverse_cumulative_hazard(self, h):
        return np.asarray(h, dtype=float) / self.rate


@dataclass(frozen=True)
class Weibull:
    """Weibull with ``shape`` k and ``scale`` (months): ``Λ(t) = (t / scale)^k``."""

    shape: float
    scale: float

    def __post_init__(self) -> None:
        _positive(self.shape, "shape")
        _positive(self.scale, "scale")

    def cumulative_hazard(self, t):
        return (np.asarray(t, dtype=float) / self.scale) ** self.shape

    def inverse_cumulative_hazard(self, h):
        return self.scale * np.asarray(h, dtype=float) ** (1.0 / self.shape)


@dataclass(frozen=True)
class PiecewiseExponential:
    """Hazard ``rates[j]`` per month on ``[breaks[j-1], breaks[j])`` (``breaks`` start after 0).

    ``len(rates) == len(breaks) + 1``; the last rate holds after the last break. Rates may be 0
    on a piece but the last must be positive (otherwise use a cure model).
    """

    breaks: tuple[float, ...]
    rates: tuple[float, ...]

    def __post_init__(self) -> None:
        b, r = tuple(self.breaks), tuple(self.rates)
        if len(r) != len(b) + 1:
            raise InputError("needs exactly one more rate than breaks", field="rates")
        if any(not (math.isfinite(x) and x > 0) for x in b) or list(b) != sorted(set(b)):
            raise InputError("breaks must be positive, finite and strictly increasing",
                             field="breaks")
        if any(not (math.isfinite(x) and x >= 0) for x in r):
            raise InputError("rates must be finite and non-negative", field="rates")
        _positive(r[-1], f"rates[{len(r) - 1}]")

    def _knots(self):
        edges = np.concatenate([[0.0], np.asarray(self.breaks, float)])
        rates = np.asarray(self.rates, float)
        cum = np.concatenate([[0.0], np.cumsum(np.diff(edges) * rates[:-1])])
        return edges, rates, cum

    def cumulative_hazard(self, t):
        t = np.asarray(t, dtype=float)
        edges, rates, cum = self._knots()
        j = np.searchsorted(edges, t, side="right") - 1
        return cum[j] + rates[j] * (t - edges[j])

    def inverse_cumulative_hazard(self, h):
        h = np.asarray(h, dtype=float)
        edges, rates, cum = self._knots()
        # the piece whose cumulative-hazard range holds h (pieces of zero rate are skipped)
        j = np.searchsorted(cum, h, side="right") - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            return edges[j] + (h - cum[j]) / rates[j]


@dataclass(frozen=True)
class Cure:
    """Mixture cure model: a fraction ``cure_fraction`` never has the event; the others follow
    ``uncured`` (any of the models above)."""

    cure_fraction: float
    uncured: Exponential | Weibull | PiecewiseExponential

    def __post_init__(self) -> None:
        p = self.cure_fraction
        if not (isinstance(p, int | float) and 0 < p < 1):
            raise InputError(f"must lie in (0, 1) (got {p!r})", field="cure_fraction")
        if isinstance(self.uncured, Cure):
            raise InputError("a cure model cannot nest another", field="uncured")

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


SurvivalModel = Exponential | Weibull | PiecewiseExponential | Cure


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
