"""The simulator's input: one trial scenario and an optional design prior (for assurance).

:class:`TrialScenario` is deliberately small and frozen: everything the engine needs to draw and
analyse one trial, in months. The analytic design object (``neosim.design``) converts into it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from neosim.errors import InputError
from neosim.simulator.models import Accrual, Exponential, SurvivalModel


@dataclass(frozen=True)
class TrialScenario:
    """One simulated trial design under one set of true parameters.

    Parameters
    ----------
    n
        Patients to enrol (both arms).
    control
        True survival model of the control arm. For a single-arm trial it is the historical
        (external) control, the reference of the one-sample tests.
    accrual
        Piecewise-uniform accrual (calendar months).
    hazard_ratio
        True hazard ratio treatment / control (proportional hazards on ``control``).
    treatment
        True survival model of the treatment arm, when not proportional to ``control``
        (overrides ``hazard_ratio``).
    design
        ``"two_arm"`` (randomised) or ``"single_arm"`` (all patients treated, compared with the
        historical control).
    allocation
        Fraction randomised to treatment (two-arm); arm sizes are ``round(n * allocation)`` and
        the rest.
    dropout_rate
        Exponential dropout hazard per month (the control arm's, and the treatment arm's unless
        ``treatment_dropout_rate`` is given).
    treatment_dropout_rate
        Dropout hazard per month of the treatment arm when it differs from ``dropout_rate``.
    events
        Event-driven analysis when this many events have occurred (as rpact). If the target is
        never reached (cure, dropout), the analysis is after the last event and the last entry.
    analysis_time
        Calendar-time analysis (months after the trial opens). Exactly one of ``events`` and
        ``analysis_time`` is given.
    max_duration
        Latest calendar time of an event-driven analysis.
    time_resolution
        Observed times are recorded rounded up to multiples of this many months (e.g. 1/30.4375
        for days), which creates ties as real data do; 0 keeps continuous times.
    landmark
        Time (months) of the Kaplan–Meier landmark analysis, if any.
    """

    n: int
    control: SurvivalModel
    accrual: Accrual
    hazard_ratio: float = 1.0
    treatment: SurvivalModel | None = None
    design: Literal["two_arm", "single_arm"] = "two_arm"
    allocation: float = 0.5
    dropout_rate: float = 0.0
    treatment_dropout_rate: float | None = None
    events: int | None = None
    analysis_time: float | None = None
    max_duration: float | None = None
    time_resolution: float = 0.0
    landmark: float | None = None

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int | np.integer) or self.n < 1:
            raise InputError(f"must be a positive integer (got {self.n!r})", field="n")
        if self.design not in ("two_arm", "single_arm"):
            raise InputError(f"must be 'two_arm' or 'single_arm' (got {self.design!r})",
                             field="design")
        if not (math.isfinite(self.hazard_ratio) and self.hazard_ratio > 0):
            raise InputError(f"must be positive and finite (got {self.hazard_ratio!r})",
                             field="hazard_ratio")
        if not (0 < self.allocation < 1):
            raise InputError(f"must lie in (0, 1) (got {self.allocation!r})", field="allocation")
        if self.design == "two_arm":
            n_t = self.n_treatment
            if n_t < 1 or self.n - n_t < 1:
                raise InputError("both arms need at least one patient", field="n")
        for name in ("dropout_rate", "treatment_dropout_rate"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise InputError(f"must be finite and non-negative (got {value!r})", field=name)
        if (self.events is None) == (self.analysis_time is None):
            raise InputError("give exactly one of events and analysis_time", field="events")
        if self.events is not None:
            if isinstance(self.events, bool) or not isinstance(self.events, int | np.integer):
                raise InputError(f"must be an integer (got {self.events!r})", field="events")
            if not 1 <= self.events <= self.n:
                raise InputError(f"must lie between 1 and n = {self.n} (got {self.events}): a "
                                 "trial cannot observe more events than patients", field="events")
        if self.analysis_time is not None and not (
                math.isfinite(self.analysis_time) and self.analysis_time > 0):
            raise InputError(f"must be positive and finite (got {self.analysis_time!r})",
                             field="analysis_time")
        if self.max_duration is not None and not (self.max_duration > 0):
            raise InputError(f"must be positive (got {self.max_duration!r})",
                             field="max_duration")
        if not (math.isfinite(self.time_resolution) and self.time_resolution >= 0):
            raise InputError(f"must be finite and non-negative (got {self.time_resolution!r})",
                             field="time_resolution")
        if self.landmark is not None and not (
                math.isfinite(self.landmark) and self.landmark > 0):
            raise InputError(f"must be positive and finite (got {self.landmark!r})",
                             field="landmark")

    @classmethod
    def from_design(cls, design: Any, *, subjects: int, events: int | None = None,
                    hazard_ratio: float | None = None, control: SurvivalModel | None = None
                    ) -> TrialScenario:
        """The scenario that simulates :class:`neosim.design.spec.TrialDesign` ``design`` with
        ``subjects`` patients: the one conversion from the design object to the simulator.

        Groups, allocation ratio, control survival (any family; ``control`` gives the bound
        family when the design's control is a prior file, read by the caller), hazard ratio
        (unless ``hazard_ratio`` overrides it, e.g. 1 for the type-I error), accrual (relative
        intensities scaled to ``subjects``, absolute ones until the subjects are in), dropout per
        arm, time resolution, landmark and the analysis timing become the scenario's. The
        analysis is event-driven at ``events`` when given (else at the design's
        ``analysis.events`` or ``events_fraction`` of ``subjects``), at
        ``analysis.calendar_months``, or by default at the end of accrual plus
        ``followup_months``, the time the analytic calculation assumes.
        """
        if control is None:
            control = design.control.family()
        drop_e, drop_c = design.dropout.hazards()
        durations, rates = design.accrual_pieces(subjects)
        accrual = Accrual(tuple(float(d) for d in durations), tuple(float(r) for r in rates))
        timing = design.analysis
        if events is None:
            events = timing.events_for(int(subjects))
        analysis_time = None
        if events is None:
            analysis_time = (timing.calendar_months if timing.calendar_months is not None
                             else float(sum(durations)) + design.followup_months)
        return cls(n=int(subjects), control=control, accrual=accrual,
                   hazard_ratio=design.hazard_ratio if hazard_ratio is None else hazard_ratio,
                   design="two_arm" if design.groups == 2 else "single_arm",
                   allocation=design.experimental_fraction, dropout_rate=drop_c,
                   treatment_dropout_rate=None if drop_e == drop_c else drop_e,
                   events=events, analysis_time=analysis_time,
                   max_duration=timing.max_duration_months,
                   time_resolution=design.time_resolution_months,
                   landmark=design.landmark_months)

    @property
    def dropout_rates(self) -> tuple[float, float]:
        """Dropout hazards per month, ``(treatment, control)``."""
        c = self.dropout_rate
        return (c if self.treatment_dropout_rate is None else self.treatment_dropout_rate), c

    @property
    def n_treatment(self) -> int:
        """Patients on treatment (all of them in a single-arm trial)."""
        if self.design == "single_arm":
            return int(self.n)
        return round(self.n * self.allocation)

    @property
    def arm(self) -> np.ndarray:
        """Arm of each patient slot (1 treatment, 0 control). Entry times are i.i.d., so a fixed
        assignment by slot is a random assignment with exact arm sizes."""
        a = np.zeros(int(self.n), dtype=np.int64)
        a[: self.n_treatment] = 1
        return a


@dataclass(frozen=True, eq=False)
class DesignPrior:
    """Uncertainty about the true parameters, for assurance: each simulated trial draws its own.

    Parameters
    ----------
    log_hazard_ratio
        A :class:`neosim.priors.Mixture` of normals, or a 1-d array of draws, for the true log HR.
    control_rate
        A gamma :class:`~neosim.priors.Mixture` or 1-d array of draws of the true control hazard
        per month (needs an exponential control model; e.g. the survival fit's
        ``hazard_per_month[ALL]`` draws).
    """

    log_hazard_ratio: object | None = None
    control_rate: object | None = None
    description: str = field(default="")

    def check(self, scenario: TrialScenario) -> None:
        """Raise :class:`InputError` if this prior cannot be used with ``scenario``."""
        if self.log_hazard_ratio is None and self.control_rate is None:
            raise InputError("a design prior needs log_hazard_ratio or control_rate",
                             field="design_prior")
        if self.control_rate is not None and not isinstance(scenario.control, Exponential):
            raise InputError("a prior on the control rate needs an exponential control model",
                             field="design_prior.control_rate")
        if scenario.treatment is not None and self.log_hazard_ratio is not None:
            raise InputError("a prior on the hazard ratio needs proportional hazards (no "
                             "separate treatment model)", field="design_prior.log_hazard_ratio")
        for name in ("log_hazard_ratio", "control_rate"):
            value = getattr(self, name)
            if isinstance(value, np.ndarray) and (value.ndim != 1 or value.size == 0
                                                  or not np.all(np.isfinite(value))):
                raise InputError("draws must be a non-empty 1-d array of finite numbers",
                                 field=f"design_prior.{name}")
            if name == "control_rate" and isinstance(value, np.ndarray) and np.any(value <= 0):
                raise InputError("control hazard draws must be positive",
                                 field="design_prior.control_rate")

    @staticmethod
    def _draw(source, size: int, rng: np.random.Generator) -> np.ndarray:
        if isinstance(source, np.ndarray):
            return source[rng.integers(0, source.size, size=size)]
        return source.sample(size, rng)

    def sample(self, size: int, rng: np.random.Generator, scenario: TrialScenario):
        """Per-trial (log HR, control rate) arrays; the scenario's values where no prior."""
        log_hr = (self._draw(self.log_hazard_ratio, size, rng)
                  if self.log_hazard_ratio is not None
                  else np.full(size, math.log(scenario.hazard_ratio)))
        if self.control_rate is not None:
            rate = self._draw(self.control_rate, size, rng)
        else:
            rate = np.full(size, getattr(scenario.control, "rate", np.nan))
        return log_hr, rate


#: the most looks of a simulated sequential trial
MAX_LOOKS = 10


@dataclass(frozen=True)
class Looks:
    """When a simulated trial is analysed: cumulative ``events`` (event-driven, as rpact's
    ``plannedEvents``) or calendar ``times`` (months), and the hazard ratio under H0
    ``theta_h0`` (rpact ``thetaH0``) of the log-rank and Cox statistics."""

    events: tuple[int, ...] | None = None
    times: tuple[float, ...] | None = None
    theta_h0: float = 1.0

    def __post_init__(self) -> None:
        if (self.events is None) == (self.times is None):
            raise InputError("give exactly one of look events and look times", field="looks")
        values = self.events if self.events is not None else self.times
        field = "looks.events" if self.events is not None else "looks.times"
        values = tuple(values)
        if not 1 <= len(values) <= MAX_LOOKS:
            raise InputError(f"give 1 to {MAX_LOOKS} looks (got {len(values)})", field=field)
        if self.events is not None:
            if any(isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1
                   for v in values):
                raise InputError(f"must be positive integers (got {list(values)})", field=field)
            object.__setattr__(self, "events", tuple(int(v) for v in values))
        else:
            if any(not (math.isfinite(v) and v > 0) for v in values):
                raise InputError(f"must be positive finite months (got {list(values)})",
                                 field=field)
            object.__setattr__(self, "times", tuple(float(v) for v in values))
        if any(b <= a for a, b in itertools.pairwise(values)):
            raise InputError(f"must be strictly increasing (got {list(values)})", field=field)
        if not (math.isfinite(self.theta_h0) and 1e-3 <= self.theta_h0 <= 1e3):
            raise InputError(f"must lie in [0.001, 1000] (got {self.theta_h0!r})",
                             field="theta_h0")

    @property
    def n_looks(self) -> int:
        return len(self.events if self.events is not None else self.times)

    @classmethod
    def from_rates(cls, information_rates: Sequence[float], max_events: int, *,
                   theta_h0: float = 1.0) -> Looks:
        """Event-driven looks at ``ceil(rate * max_events)`` events (the last at ``max_events``)."""
        events = [math.ceil(r * max_events - 1e-9) for r in information_rates]
        events[-1] = int(max_events)
        return cls(events=tuple(events), theta_h0=theta_h0)

    def check(self, scenario) -> None:
        """Raise :class:`InputError` if the looks do not fit ``scenario``."""
        if scenario.design != "two_arm":
            raise InputError("sequential looks need a two-arm design", field="looks")
        if self.events is not None and self.events[-1] > scenario.n:
            raise InputError(f"the last look at {self.events[-1]} events is after the last "
                             f"possible event (n = {scenario.n})", field="looks.events")
