"""Piecewise-exponential family: hazards ``hazard_per_month`` λ_j, constant between the cut
points ``cuts`` (months, after 0): ``log S = -Σ_j λ_j |[c_{j-1}, c_j) ∩ [0, t)|``.

Ties at a cut follow R's ``survival`` (``survSplit``): intervals are closed on the right,
``(c_{j-1}, c_j]`` (the first is ``[0, c_1]``), so a death exactly at a cut counts in the interval
that ends at the cut, where the patient was at risk, never in the next one (where the patient
has no exposure). Exposure is the same either way.

``cuts`` is the one name of the piecewise boundary in code and, as ``cuts_months``, in design
configs (``survival_ipd``: ``cuts``, in its data's time unit).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from neosim.errors import InputError
from neosim.models.families.base import SurvivalFamily


def _fmt(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class PiecewiseExponential(SurvivalFamily):
    """Hazard ``hazard_per_month[j]`` on ``[cuts[j-1], cuts[j])``; the last holds after the last
    cut. ``PiecewiseExponential((6.0,), (0.02, 0.08))`` is bound: one more hazard than cuts;
    hazards may be 0 on a piece but the last must be positive (otherwise use a cure model)."""

    cuts: tuple[float, ...] = ()
    hazard_per_month: tuple[float, ...] | None = None

    name = "piecewise"
    parameters = ("hazard_per_month",)
    conjugate = True
    config_keys: ClassVar[dict[str, str]] = {
        "cuts": "cuts_months", "hazard_per_month": "piece_hazards_per_month"}

    def __post_init__(self) -> None:
        c = tuple(self.cuts)
        if any(not (math.isfinite(x) and x > 0) for x in c) or list(c) != sorted(set(c)):
            raise InputError("cuts must be positive, finite and strictly increasing",
                             field="cuts")
        object.__setattr__(self, "cuts", tuple(float(x) for x in c))
        r = self.hazard_per_month
        if r is None:
            return
        r = tuple(r)
        object.__setattr__(self, "hazard_per_month", r)
        if len(r) != len(c) + 1:
            raise InputError("needs exactly one more hazard than cuts", field="hazard_per_month")
        if any(not (math.isfinite(x) and x >= 0) for x in r):
            raise InputError("hazards must be finite and non-negative", field="hazard_per_month")
        if not r[-1] > 0:
            raise InputError(f"must be a positive finite number (got {r[-1]!r})",
                             field=f"hazard_per_month[{len(r) - 1}]")

    @classmethod
    def for_fitting(cls, cuts=(), *, shape_per_subtype: bool = False) -> PiecewiseExponential:
        cuts = tuple(float(c) for c in cuts)
        if not cuts or any(c <= 0 for c in cuts) or list(cuts) != sorted(set(cuts)):
            raise ValueError("piecewise cuts must be positive, increasing and non-empty")
        return cls(cuts)

    def values(self):
        return {"hazard_per_month": (None if self.hazard_per_month is None
                                     else np.asarray(self.hazard_per_month, float))}

    # ---- structure ----------------------------------------------------------------------------
    def _bounds(self) -> tuple[np.ndarray, np.ndarray]:
        edges = np.concatenate([[0.0], np.asarray(self.cuts, float), [np.inf]])
        return edges[:-1], edges[1:]

    exposure_bounds = _bounds

    def event_intervals(self, t, xp=np):
        """One-hot membership ``(..., n_intervals)`` of event times in the right-closed intervals
        ``[0, c_1], (c_1, c_2], …, (c_k, ∞)`` (R ``survSplit``: a death at a cut belongs to the
        interval ending there)."""
        lower, upper = self._bounds()
        lower = np.concatenate([[-np.inf], lower[1:]])
        tt = t[..., None]
        return (tt > lower) * (tt <= upper)

    @property
    def interval_labels(self) -> list[str]:
        """Labels of the intervals, e.g. ``["0-6", "6-24", "24+"]``."""
        edges = [0.0, *self.cuts]
        labels = [f"{_fmt(a)}-{_fmt(b)}" for a, b in itertools.pairwise(edges)]
        return [*labels, f"{_fmt(edges[-1])}+"]

    def interval_axis(self, name: str) -> bool:
        return name == "hazard_per_month"

    def coords(self):
        return {"interval": self.interval_labels}

    def param_shape(self, name, n_subtypes):
        return (n_subtypes, len(self.cuts) + 1)

    def describe(self) -> str:
        return f"piecewise(cuts={list(self.cuts)}, hazard_per_month={self.hazard_per_month})"

    # ---- maths --------------------------------------------------------------------------------
    def log_hazard(self, t, p=None, xp=np):
        inside = self.event_intervals(t, xp)
        return xp.sum(inside * xp.log(self._p(p)["hazard_per_month"]), axis=-1)

    def log_survival(self, t, p=None, xp=np):
        lower, upper = self._bounds()
        exposure = xp.clip(t[..., None] - lower, 0.0, upper - lower)
        return -xp.sum(self._p(p)["hazard_per_month"] * exposure, axis=-1)

    def _knots(self):
        edges = np.concatenate([[0.0], np.asarray(self.cuts, float)])
        rates = np.asarray(self.hazard_per_month, float)
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

    def event_probability(self, t, dropout_hazard: float = 0.0, p=None):
        """Events observed by ``t`` under exponential dropout ``d``, exactly: piece ``j``
        contributes ``λ_j / (λ_j + d) · exp(-Σ_{i<j} (λ_i + d) Δ_i) · (1 - exp(-(λ_j + d) e_j))``
        with ``e_j`` the time spent in piece ``j`` before ``t`` (bound or 1-d hazards)."""
        lam = np.asarray(self._p(p)["hazard_per_month"], float)
        lower, upper = self._bounds()
        t = np.asarray(t, float)[..., None]
        exposure = np.clip(t - lower, 0.0, upper - lower)
        total = lam + dropout_hazard
        width = np.minimum(upper - lower, 1e300)
        before = np.concatenate([[0.0], np.cumsum(total[:-1] * width[:-1])])
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total > 0, lam / np.where(total > 0, total, 1.0), 0.0)
        return np.sum(share * np.exp(-before) * -np.expm1(-total * exposure), axis=-1)

    def prior(self, name, priors):
        return priors.hazard
