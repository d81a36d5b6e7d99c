"""Simulation-based calibration of the parametric survival families, with censoring by design.

A replicate keeps the patients of the target data (their number and subtypes, so the compiled
model's data keep their shapes), draws the family's parameters from the priors and each
patient's event time from the family (:meth:`~neosim.models.families.SurvivalFamily.random`),
and censors it at a follow-up time drawn from the target's censoring mechanism:

:class:`CohortFollowUp`
    the mechanism of a synthetic cohort (:mod:`neosim.survival.synthetic`): administrative
    follow-up uniform from diagnosis, SCT at a uniform time; with the SCT landmark the follow-up
    counts from SCT and is drawn given that the patient was transplanted (alive and in follow-up
    at SCT, rejection sampling), exactly as the cohort selects its landmark patients;
:class:`EmpiricalFollowUp`
    for real IPD, the follow-up distribution estimated from the data by the reverse
    Kaplan–Meier estimate (censoring as the event); draws beyond its last time are censored at the
    longest observed follow-up.

The simulated data are ``time`` (float) and ``event`` (0/1 as float), the model's ``pm.Data``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from neosim.models import survival as sv


@dataclass(frozen=True)
class CohortFollowUp:
    """Follow-up of a synthetic cohort (times and the hazard in the cohort's time unit): see the
    module docstring."""

    follow_up: tuple[float, float]
    time_to_sct: tuple[float, float]
    pre_sct_hazard: float
    origin: str  # "sct" or "diagnosis"

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Potential follow-up of ``n`` patients, measured from the time origin."""
        if self.origin == "diagnosis":
            return rng.uniform(*self.follow_up, size=n)
        out = np.empty(n)
        todo = np.arange(n)
        h = self.pre_sct_hazard
        while todo.size:  # follow-up and SCT time given alive and in follow-up at SCT
            m = todo.size
            censor = rng.uniform(*self.follow_up, size=m)
            t_sct = rng.uniform(*self.time_to_sct, size=m)
            early = rng.exponential(1.0 / h, size=m) if h > 0 else np.full(m, np.inf)
            ok = (censor > t_sct) & (early > t_sct)
            out[todo[ok]] = censor[ok] - t_sct[ok]
            todo = todo[~ok]
        return out


@dataclass(frozen=True)
class EmpiricalFollowUp:
    """Follow-up drawn from a reverse Kaplan–Meier curve: ``survival[i]`` on ``[time[i], ...)``."""

    time: tuple[float, ...]
    survival: tuple[float, ...]

    @classmethod
    def from_data(cls, data: sv.SurvivalData) -> EmpiricalFollowUp:
        from neosim.survival.nonparametric import kaplan_meier

        km = kaplan_meier(data.time, 1 - np.asarray(data.event, int))
        return cls(tuple(km.time.tolist()), tuple(km.survival.tolist()))

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Follow-up times ``G⁻¹(u)``; beyond the curve's last step, the longest follow-up."""
        time, surv = np.asarray(self.time), np.asarray(self.survival)
        u = rng.uniform(size=n)
        # smallest observed time at which the curve has fallen to u or below
        i = np.searchsorted(-surv, -u, side="left")
        return np.where(i < len(time), time[np.minimum(i, len(time) - 1)], time[-1])


def sbc_draw(follow_up, build_args: tuple, rng: np.random.Generator) -> tuple[dict, dict]:
    """``SBCSpec.draw`` of a survival family (bind ``follow_up`` with ``functools.partial``)."""
    family, data, priors = build_args
    truth = sv.draw_parameters(family, priors, len(data.subtypes), rng)
    t = sv.draw_times(family, truth, data.subtype_index, rng)
    c = follow_up.draw(len(t), rng)
    event = t <= c
    return truth, {"time": np.where(event, t, c).astype(float), "event": event.astype(float)}


def sbc_spec(family: sv.Family, data: sv.SurvivalData, priors: sv.Priors, follow_up):
    """The :class:`~neosim.calibration.SBCSpec` of ``family`` on the design of ``data``."""
    from neosim.calibration import SBCSpec

    coords = []
    for name in family.parameters:
        if name in family.shared:
            continue
        if family.interval_axis(name):
            coords.append((name, tuple(f"{s}, {i}" for s in data.subtypes
                                       for i in family.coords()["interval"])))
        else:
            coords.append((name, tuple(data.subtypes)))
    return SBCSpec(name=f"{family.name} survival model", build=sv.build_model,
                   build_args=(family, data, priors), draw=partial(sbc_draw, follow_up),
                   parameters=tuple(family.parameters), coords=tuple(coords))
