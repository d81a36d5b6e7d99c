"""Survival sample size and power of a group-sequential design (rpact ``getSampleSizeSurvival``
and ``getPowerSurvival`` with ``design = getDesignGroupSequential(...)``).

A :class:`~neosim.design.spec.TrialDesign` whose ``sequential`` plan is set is analysed at
looks at the plan's information rates of the maximum number of events (the log-rank statistic's
information is proportional to the events). As rpact computes it:

* **maximum events**: the fixed design's events (Schoenfeld or Freedman at ``alpha``, ``sided``
  and ``power``, :func:`neosim.design.survival.required_events`) times the boundaries'
  inflation factor; the events of look ``k`` are that times the information rate ``t_k``;
* **maximum subjects**: the maximum events over the probability of an observed event by the end
  of accrual plus follow-up (the last look), under the design's accrual, hazards and dropout;
* **look times** (rpact ``analysisTime``): the calendar month at which the expected number of
  events ``subjects * P(event by t)`` reaches each look's events, ``P`` being
  :func:`neosim.design.survival.arm_event_probabilities` (exact, any ``t``), and the subjects
  enrolled by then;
* **expected events** under H0, under half the effect (H01) and under H1: the boundaries'
  average sample numbers (relative to the fixed design) times the fixed design's events; the
  expected subjects and study duration under H1 weigh each look by its stopping probability;
* **power** for given subjects (the maximum events being those expected by the end of accrual
  plus follow-up) or given maximum events (rpact ``maxNumberOfEvents``; then the last look is
  when they are expected): per-look rejection and futility stopping at the drift
  ``theta * sqrt(max events)`` (rpact's ``theta`` of ``getPowerSurvival``,
  :func:`neosim.design.survival.drift_per_event`), by the exact recursion of
  :func:`neosim.design.sequential.sequential_probabilities`.

Lachin–Foulkes has no sequential form here (nor in rpact). Unrounded values, as rpact reports.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from neosim.design import survival as fixed
from neosim.design.sequential import GroupSequentialDesign, sequential_probabilities
from neosim.design.spec import TrialDesign
from neosim.errors import InputError

#: the latest calendar month a look may need (later: "after the last possible event")
LATEST_MONTH = 1e6


#: the boundaries' characteristics under the alternative they were planned for
PLANNED_H1 = ("power", "rejection_probabilities_h1", "futility_probabilities_h1",
              "stopping_probabilities_h1", "average_sample_number_h1",
              "average_sample_number_h01", "drift", "shift")


@dataclass(frozen=True)
class SequentialSurvivalResult:
    """Sample size or power of a survival design with interim looks.

    Per-look tuples: ``events_per_look``, ``analysis_times`` (months from the first entry),
    ``subjects_per_look`` (enrolled by then), ``rejection_per_look`` and ``futility_per_look``
    (looks 1..K-1) under the design's hazard ratio. ``expected_events_h0``/``_h01``/``_h1``:
    expected events under the null, half the effect and the effect; ``expected_subjects_h1``
    and ``study_duration_h1``: expected subjects and duration under the effect. ``boundaries``
    is the :class:`~neosim.design.sequential.GroupSequentialDesign`; ``to_dict()`` puts its
    keys beside these (its ``power`` is the design's cumulative power per look).
    """

    solved_for: str
    method: str
    events_fixed: float | None
    max_events: float
    max_subjects: float | None
    max_subjects_ceil: int | None
    events_per_look: tuple[float, ...]
    analysis_times: tuple[float, ...] | None
    subjects_per_look: tuple[float, ...] | None
    expected_events_h0: float
    expected_events_h01: float
    expected_events_h1: float
    expected_subjects_h1: float | None
    study_duration_h1: float | None
    overall_power: float
    rejection_per_look: tuple[float, ...]
    futility_per_look: tuple[float, ...]
    hazard_ratio: float
    theta_h0: float
    allocation_ratio: float
    accrual_duration_months: float | None
    followup_months: float | None
    boundaries: GroupSequentialDesign

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict: the boundaries' keys and this result's. For a power
        calculation (``solved_for == "power"``) the boundaries' H1 characteristics belong to the
        design the boundaries were planned for (power 1 - beta), not to these subjects and
        events: they are kept as ``planned_<key>``, and ``power`` and the ``*_h1`` keys give
        this design's own values (``overall_power``, ``rejection_per_look`` ...)."""
        own = {k: v for k, v in asdict(self).items() if k != "boundaries"}
        bounds = self.boundaries.to_dict()
        if self.solved_for == "power":
            for key in PLANNED_H1:
                bounds[f"planned_{key}"] = bounds.pop(key)
            reject, futile = list(self.rejection_per_look), list(self.futility_per_look)
            cumulative = [sum(reject[:k + 1]) for k in range(len(reject))]
            bounds.update(power=cumulative, rejection_probabilities_h1=reject,
                          futility_probabilities_h1=futile,
                          stopping_probabilities_h1=[
                              r + f for r, f in zip(reject[:-1], futile, strict=True)])
        return {**bounds, **{k: list(v) if isinstance(v, tuple) else v for k, v in own.items()}}

    def __repr__(self) -> str:
        subjects = "" if self.max_subjects is None else f", {self.max_subjects:.2f} subjects"
        return (f"SequentialSurvivalResult({self.method}, {len(self.events_per_look)} looks "
                f"({self.boundaries.spending}): {self.max_events:.2f} events{subjects}, "
                f"power {self.overall_power:.4f}, HR {self.hazard_ratio:g})")


# -- calendar time of a number of events --------------------------------------------------------


def _event_fraction(design: TrialDesign, accrual_months, intensity, t: float) -> float:
    qe = design.experimental_fraction
    pe, pc = fixed.arm_event_probabilities(design, accrual_months, intensity, t)
    return qe * pe + (1.0 - qe) * pc


def time_of_events(design: TrialDesign, subjects: float, events: float, accrual_months,
                   intensity, upper: float | None = None) -> float:
    """Calendar month at which ``subjects`` (entering over ``accrual_months`` at the relative
    ``intensity``) are expected to have had ``events`` events (rpact ``analysisTime``)."""
    target = events / subjects
    hi = upper if upper is not None else 2.0
    while upper is None and _event_fraction(design, accrual_months, intensity, hi) < target:
        hi *= 2.0
        if hi > LATEST_MONTH:
            most = subjects * _event_fraction(design, accrual_months, intensity, LATEST_MONTH)
            raise InputError(f"a look after the last possible event: {subjects:.6g} subjects "
                             f"are expected to have at most {most:.6g} events (dropout or "
                             f"cure), fewer than the {events:.6g} the look needs",
                             field="subjects")
    lo = 0.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if _event_fraction(design, accrual_months, intensity, mid) < target:
            lo = mid
        else:
            hi = mid
    return hi


def enrolled(accrual_months, intensity, subjects: float, t: float) -> float:
    """Subjects enrolled by month ``t`` (piecewise-uniform accrual of ``subjects``)."""
    weights = [a * d for a, d in zip(intensity, accrual_months, strict=True)]
    total, start, done = sum(weights), 0.0, 0.0
    for w, d in zip(weights, accrual_months, strict=True):
        done += w * min(max(t - start, 0.0), d) / d
        start += d
    return subjects * done / total


# -- the calculations ---------------------------------------------------------------------------


def _check(design: TrialDesign, method: str) -> GroupSequentialDesign:
    if design.sequential is None:
        raise InputError("the design has no looks (sequential)", field="sequential")
    if method not in ("schoenfeld", "freedman"):
        raise InputError(f"{method} has no group-sequential form (as in rpact): use "
                         "schoenfeld or freedman with looks", field="method")
    power = design.power if design.power is not None else 0.8
    return design.sequential.boundaries(design.alpha, round(1.0 - power, 12), design.sided)


def _stopping(rejection, futility) -> list[float]:
    k = len(rejection)
    stop = [rejection[j] + (futility[j] if j < len(futility) else 0.0) for j in range(k)]
    stop[-1] = 1.0 - sum(stop[:-1])
    return stop


def _looks_in_time(design, subjects, events, acc, inten, last: float | None):
    """``(analysis_times, subjects_per_look)``; the last look at ``last`` when given."""
    times = [time_of_events(design, subjects, e, acc, inten, upper=last) for e in events]
    if last is not None:
        times[-1] = last
    return tuple(times), tuple(enrolled(acc, inten, subjects, t) for t in times)


def _dot(a, b) -> float:
    return float(sum(x * y for x, y in zip(a, b, strict=True)))


def sample_size(design: TrialDesign, method: str = "schoenfeld") -> SequentialSurvivalResult:
    """Maximum events and subjects, look times and expected events of ``design`` (with looks)
    for its target power, with its accrual durations (relative intensities) and follow-up."""
    gsd = _check(design, method)
    if design.power is None:
        raise InputError("power is required to solve for the sample size", field="power")
    if design.hazard_ratio == design.theta_h0:
        raise InputError(f"no sample size detects a hazard ratio of {design.theta_h0:g} (the "
                         "null's)", field="hazard_ratio")
    e_fixed = fixed.required_events(design.hazard_ratio, design.alpha, design.power,
                                    sided=design.sided, allocation_ratio=design.allocation_ratio,
                                    method=method, theta_h0=design.theta_h0)
    events = tuple(e_fixed * t * gsd.inflation_factor for t in gsd.information_rates)
    acc, inten, fu = design.accrual_months, design.accrual_intensity, design.followup_months
    end = sum(acc) + fu
    subjects = events[-1] / _event_fraction(design, acc, inten, end)
    times, per_look = _looks_in_time(design, subjects, events, acc, inten, end)
    stop = _stopping(gsd.rejection_probabilities_h1, gsd.futility_probabilities_h1)
    arms = fixed.arms_in_ratio(subjects, design.allocation_ratio)
    return SequentialSurvivalResult(
        solved_for="sample_size", method=method, events_fixed=e_fixed, max_events=events[-1],
        max_subjects=subjects, max_subjects_ceil=arms[0] + arms[1], events_per_look=events,
        analysis_times=times, subjects_per_look=per_look,
        expected_events_h0=gsd.average_sample_number_h0 * e_fixed,
        expected_events_h01=gsd.average_sample_number_h01 * e_fixed,
        expected_events_h1=gsd.average_sample_number_h1 * e_fixed,
        expected_subjects_h1=_dot(per_look, stop), study_duration_h1=_dot(times, stop),
        overall_power=float(sum(gsd.rejection_probabilities_h1)),
        rejection_per_look=gsd.rejection_probabilities_h1,
        futility_per_look=gsd.futility_probabilities_h1, hazard_ratio=design.hazard_ratio,
        theta_h0=design.theta_h0, allocation_ratio=design.allocation_ratio,
        accrual_duration_months=float(sum(acc)), followup_months=fu, boundaries=gsd)


def _crossings(gsd: GroupSequentialDesign, drift: float) -> tuple[list[float], list[float]]:
    """Per-look rejection and futility-stop probabilities (rpact ``rejectPerStage``,
    ``futilityPerStage``; two-sided: a rejection on either side, as ``getPowerSurvival``)."""
    c = sequential_probabilities(gsd.critical_values, gsd.futility_bounds,
                                 gsd.information_rates, drift, gsd.sided)
    if gsd.sided == 2:
        return [float(u + lo) for u, lo in zip(c.upper, c.lower, strict=True)], \
            [0.0] * (len(c.upper) - 1)
    return [float(x) for x in c.upper], [float(x) for x in c.lower[:-1]]


def power(design: TrialDesign, method: str = "schoenfeld", subjects: float | None = None,
          events: float | None = None) -> SequentialSurvivalResult:
    """Overall and per-look power of ``design`` (with looks) for ``subjects`` (default
    ``design.subjects``) and/or a maximum number of ``events``.

    With subjects only, the maximum events are those expected by the end of accrual plus
    follow-up; with events, the last look is when they are expected (without subjects: no
    calendar times). The boundaries are those planned for ``design.power`` (0.8 when it is
    ``None``), which beta-spending and conditional-power futility bounds depend on (rpact: the
    design's ``beta``).
    """
    gsd = _check(design, method)
    n = design.subjects if subjects is None else subjects
    if n is None and events is None:
        raise InputError("subjects or events are required to solve for power", field="subjects")
    acc = inten = None
    if n is not None:
        if design.accrual_intensity_type == "relative":
            acc, inten = design.accrual_months, design.accrual_intensity
        else:
            acc, inten = design.accrual_pieces(n)
    end = None
    if events is None:
        end = sum(acc) + design.followup_months
        events = n * _event_fraction(design, acc, inten, end)
    per_look_events = tuple(events * t for t in gsd.information_rates)
    theta = abs(fixed.drift_per_event(design.hazard_ratio, design.allocation_ratio, method,
                                      design.theta_h0))
    reject, futility = _crossings(gsd, theta * math.sqrt(events))
    times = per_look = None
    expected_subjects = duration = followup = None
    stop = _stopping(reject, futility)
    if n is not None:
        times, per_look = _looks_in_time(design, n, per_look_events, acc, inten, end)
        expected_subjects, duration = _dot(per_look, stop), _dot(times, stop)
        followup = times[-1] - sum(acc)
    r0, f0 = _crossings(gsd, 0.0)
    r01, f01 = _crossings(gsd, 0.5 * theta * math.sqrt(events))
    return SequentialSurvivalResult(
        solved_for="power", method=method, events_fixed=None, max_events=float(events),
        max_subjects=None if n is None else float(n),
        max_subjects_ceil=None if n is None else math.ceil(n - 1e-9),
        events_per_look=per_look_events, analysis_times=times, subjects_per_look=per_look,
        expected_events_h0=_dot(per_look_events, _stopping(r0, f0)),
        expected_events_h01=_dot(per_look_events, _stopping(r01, f01)),
        expected_events_h1=_dot(per_look_events, stop), expected_subjects_h1=expected_subjects,
        study_duration_h1=duration, overall_power=float(sum(reject)),
        rejection_per_look=tuple(reject), futility_per_look=tuple(futility),
        hazard_ratio=design.hazard_ratio, theta_h0=design.theta_h0,
        allocation_ratio=design.allocation_ratio,
        accrual_duration_months=None if acc is None else float(sum(acc)),
        followup_months=followup, boundaries=gsd)
