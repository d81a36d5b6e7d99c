"""The one trial design object shared by the analytic calculations, the simulator and the
experiment kinds.

:class:`TrialDesign` holds everything a design is made of, in explicit fields with per-month
units: one or two groups, the allocation ratio, the endpoint, the effect, the error rates,
piecewise accrual, follow-up, dropout per arm, the control arm's survival (any family of
:data:`neosim.models.families.FAMILIES`, or a prior file) and when the trial is analysed. It is a
frozen :class:`neosim.config.Strict` pydantic model, so the same object validates a ``[design]``
TOML table, a command line, or a Python call, and never changes once made. ``neosim
samplesize``/``power``/``power --simulate``, the ``survival_design``, ``trial_simulation`` and
``accrual`` kinds and the public API all take it.

Conventions (rpact's vocabulary and meanings where it has one):

* ``groups`` is 2 (randomised, arm 1 **experimental**, arm 2 **control**) or 1 (single arm
  against a historical control; rpact ``groups``). ``allocation_ratio`` is ``n1 / n2`` (rpact
  ``allocationRatioPlanned``; gsDesign ``ratio``).
* ``hazard_ratio`` is experimental over control, proportional in every time piece; 1 is allowed
  (a type-I error or null rejection rate), but no sample size can be solved for it.
* ``alpha`` is the total type I error; with ``sided = 2`` each tail gets ``alpha / 2``.
* Time is in **months** everywhere: hazards are per month, durations are months.
* Accrual is rpact's ``accrualTime``/``accrualIntensity``: ``accrual_time`` lists the start
  points of the pieces (beginning at 0) and, optionally, the end of accrual; piece ``k`` has
  intensity ``accrual_intensity[k]``. ``accrual_intensity_type = "relative"`` (the default)
  makes the intensities weights scaled to the number of subjects, which needs the end of
  accrual; ``"absolute"`` makes them subjects per month, enrolled until the subjects are in
  (the last piece is open-ended, or cut short). neosim has no rpact ``"auto"``, which guesses the
  type from the values.
* Dropout is exponential with a per-month hazard per arm, given directly or rpact-style as the
  probability ``rate`` of dropping out by ``time_months`` (hazard ``-log(1 - rate) / time``).
"""

from __future__ import annotations

import itertools
import math
from typing import Annotated, Any, Literal, Self

from pydantic import Field, model_validator

from neosim.config import (
    MAX_LIST,
    MONTHS_MAX,
    FieldError,
    Months,
    MonthsOrZero,
    Ratio,
    Strict,
)
from neosim.design.parts import AnalysisTiming, ControlSurvival, Dropout
from neosim.design.sequential import SequentialPlan
from neosim.errors import InputError

__all__ = ["AnalysisTiming", "ControlSurvival", "Dropout", "SequentialPlan", "TrialDesign"]

# Bounds (shared types in neosim.config): months in [0.01, 1200], hazards per month in
# [1e-6, 100], ratios in [1e-3, 1e3]. Error rates and proportions stay 1e-9 away from 0 and 1 so
# that normal quantiles, logits and log(1 - rate) are finite.
Alpha = Annotated[float, Field(ge=1e-9, le=0.5, allow_inf_nan=False)]
OpenProbability = Annotated[float, Field(ge=1e-9, le=1.0 - 1e-9, allow_inf_nan=False)]
#: accrual intensities: subjects per month or relative weights, 1e-6 to 1e6
Intensity = Annotated[float, Field(ge=1e-6, le=1e6, allow_inf_nan=False)]
#: a fixed number of subjects: 2 to 10^7
Subjects = Annotated[float, Field(ge=2.0, le=1e7, allow_inf_nan=False)]
AccrualPoint = Annotated[float, Field(ge=0.0, le=MONTHS_MAX, allow_inf_nan=False)]


class TrialDesign(Strict):
    """A trial design; every time in months, every hazard per month.

    Attributes
    ----------
    endpoint
        ``"survival"`` (log-rank / Cox, proportional hazards) or ``"binary"``.
    groups
        2 (randomised, experimental vs control) or 1 (single arm vs the historical control).
    allocation_ratio
        ``n_experimental / n_control`` (rpact ``allocationRatioPlanned``).
    hazard_ratio
        Experimental over control hazard under the alternative (1: the null).
    theta_h0
        Hazard ratio under the null hypothesis (rpact ``thetaH0``, gsDesign ``hr0``): 1 for
        superiority; above 1 for non-inferiority (H0: HR >= ``theta_h0``), below 1 for a
        shifted (super-superiority) null. One-sided only, as in rpact.
    alpha, sided
        Total type I error and sidedness (two-sided splits ``alpha`` over both tails).
    power
        Target power; ``None`` when power is what is solved for.
    control
        Control-arm survival (:class:`ControlSurvival`).
    accrual_time, accrual_intensity, accrual_intensity_type
        rpact's accrual: piece start points from 0 (and optionally the end), one intensity per
        piece, relative (weights) or absolute (subjects per month). A single positive number
        is the end of uniform accrual (``24`` and ``[24]`` are ``[0, 24]``), as in rpact.
    followup_months
        Minimum follow-up: time from the end of accrual to the (default) analysis.
    dropout
        Dropout hazards per arm (:class:`Dropout`).
    subjects
        Total number of subjects, if fixed (then power or duration is solved for).
    analysis
        When the trial is analysed (:class:`AnalysisTiming`); by default at the end of accrual
        plus follow-up.
    sequential
        Interim looks and their boundaries (:class:`~neosim.design.sequential.SequentialPlan`,
        the ``[design.sequential]`` table); ``None``: one analysis. With looks, the last look
        is the analysis above and the earlier ones are at the information rates' shares of its
        events.
    time_resolution_months
        Simulated times are recorded rounded up to multiples of this (e.g. ``1 / 30.4375`` for
        days), which creates ties as real data do; 0 keeps continuous times.
    landmark_months
        Time of a Kaplan-Meier landmark analysis, if any.
    control_proportion, experimental_proportion
        Binary endpoint only: success proportions (e.g. 2-year survival) under the alternative;
        for a single-arm design ``control_proportion`` is the historical rate.

    Examples
    --------
    >>> import neosim as ns
    >>> d = ns.TrialDesign(hazard_ratio=0.6, control={"median_months": 12.0},
    ...                    accrual_time=[0.0, 6.0, 24.0], accrual_intensity=[1.0, 2.0])
    >>> d.accrual_months
    (6.0, 18.0)
    >>> [round(x, 4) for x in d.accrual_fractions()]
    [0.1429, 0.8571]
    """

    endpoint: Literal["survival", "binary"] = "survival"
    groups: Annotated[int, Field(ge=1, le=2)] = 2
    allocation_ratio: Ratio = 1.0
    hazard_ratio: Ratio = 0.5
    theta_h0: Ratio = 1.0
    alpha: Alpha = 0.025
    sided: Annotated[int, Field(ge=1, le=2)] = 1  # 1 or 2 (an int: a Literal took true)
    power: OpenProbability | None = 0.8
    control: ControlSurvival = ControlSurvival(median_months=12.0)
    accrual_time: list[AccrualPoint] = Field(default_factory=lambda: [0.0, 12.0],
                                             max_length=MAX_LIST + 1)
    accrual_intensity: list[Intensity] = Field(default_factory=lambda: [1.0],
                                               max_length=MAX_LIST)
    accrual_intensity_type: Literal["relative", "absolute"] = "relative"
    followup_months: MonthsOrZero = 12.0
    dropout: Dropout = Dropout()
    subjects: Subjects | None = None
    analysis: AnalysisTiming = AnalysisTiming()
    sequential: SequentialPlan | None = None
    time_resolution_months: MonthsOrZero = 0.0
    landmark_months: Months | None = None
    control_proportion: OpenProbability | None = None
    experimental_proportion: OpenProbability | None = None

    @model_validator(mode="before")
    @classmethod
    def _spelling(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if "accrual_months" in data:
            raise FieldError("accrual_months", "renamed: write accrual_time, rpact's start "
                                               "points (pieces of 12 and 48 months are "
                                               "accrual_time = [0, 12, 60])")
        for old, new in (("design", "groups (2: two-arm, 1: single-arm)"),
                         ("allocation", "allocation_ratio (experimental / control)")):
            if old in data:
                raise FieldError(old, f"renamed: write {new}")
        t = data.get("accrual_time")
        if isinstance(t, list) and len(t) == 1:
            t = t[0]
        if isinstance(t, int | float) and not isinstance(t, bool) and t > 0:
            data = {**data, "accrual_time": [0.0, t]}  # rpact: one value is the end
        return data

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.endpoint == "binary":
            if self.control_proportion is None or self.experimental_proportion is None:
                raise ValueError("a binary endpoint needs control_proportion and "
                                 "experimental_proportion")
            if self.control_proportion == self.experimental_proportion:
                raise ValueError("experimental_proportion must differ from control_proportion")
        if self.theta_h0 != 1.0 and self.sided == 2:
            raise FieldError("theta_h0", "a shifted null (theta_h0 other than 1) is tested "
                                         "one-sided only (sided = 1), as in rpact")
        t, k = self.accrual_time, len(self.accrual_intensity)
        if not t or t[0] != 0.0:
            raise FieldError("accrual_time", "starts at 0 (rpact's start points; a single "
                                             "number is the end of accrual)")
        if any(b <= a for a, b in itertools.pairwise(t)):
            raise FieldError("accrual_time", "must increase strictly")
        if k == 0 or len(t) not in (k, k + 1):
            raise FieldError("accrual_intensity", "needs one value per accrual piece: as many "
                                                  "as accrual_time, or one fewer when "
                                                  "accrual_time ends with the end of accrual")
        if len(t) == k and self.accrual_intensity_type == "relative":
            raise FieldError("accrual_time", "relative intensities need the end of accrual as "
                                             "the last accrual_time (or give "
                                             "accrual_intensity_type = \"absolute\")")
        if self.power is None and self.subjects is None:
            raise ValueError("give power (to solve for the size) or subjects (to solve for power)")
        return self

    # -- what a calculation or a simulator needs ----------------------------------------------

    @property
    def open_ended(self) -> bool:
        """Whether accrual runs until the subjects are in (no end in ``accrual_time``)."""
        return len(self.accrual_time) == len(self.accrual_intensity)

    @property
    def accrual_months(self) -> tuple[float, ...]:
        """Durations of the accrual pieces, from ``accrual_time`` (closed accrual only)."""
        if self.open_ended:
            raise InputError("accrual has no end (absolute intensities until the subjects are "
                             "in): give subjects", field="accrual_time")
        t = self.accrual_time
        return tuple(b - a for a, b in itertools.pairwise(t))

    @property
    def experimental_fraction(self) -> float:
        """Share of subjects randomised to the experimental arm, ``r / (1 + r)``."""
        r = self.allocation_ratio
        return r / (1.0 + r)

    @property
    def accrual_duration_months(self) -> float:
        """Total accrual duration (the end of accrual)."""
        return float(sum(self.accrual_months))

    @property
    def study_duration_months(self) -> float:
        """Accrual duration plus minimum follow-up: the time of the default analysis."""
        return self.accrual_duration_months + self.followup_months

    def hazards(self) -> dict[str, tuple[tuple[float, ...], tuple[float, ...]]]:
        """Piecewise-constant event hazards per month by arm: ``{arm: (starts, hazards)}``."""
        starts, control = self.control.pieces()
        exp = tuple(self.hazard_ratio * h for h in control)
        return {"experimental": (starts, exp), "control": (starts, control)}

    def dropout_hazards(self) -> dict[str, float]:
        """Exponential dropout hazards per month by arm."""
        e, c = self.dropout.hazards()
        return {"experimental": e, "control": c}

    def accrual_intensity_per_month(self, subjects: float | None = None) -> tuple[float, ...]:
        """Accrual intensities in subjects per month.

        With ``subjects`` relative intensities are scaled so that accrual over
        ``accrual_time`` enrols exactly that many; absolute ones (and any without
        ``subjects``) are returned as given.
        """
        raw = tuple(float(x) for x in self.accrual_intensity)
        if subjects is None or self.accrual_intensity_type == "absolute":
            return raw
        total = sum(a * d for a, d in zip(raw, self.accrual_months, strict=True))
        return tuple(subjects * a / total for a in raw)

    def accrual_pieces(self, subjects: float) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """``(durations, subjects per month)`` of the accrual that enrols ``subjects``:
        relative intensities scaled over the given pieces; absolute ones run until the subjects
        are in (the last piece extended, or pieces cut short)."""
        if self.accrual_intensity_type == "relative":
            return self.accrual_months, self.accrual_intensity_per_month(subjects)
        t = list(self.accrual_time)
        durations = [b - a for a, b in itertools.pairwise(t)]
        if self.open_ended:
            durations.append(math.inf)
        out: list[float] = []
        left = float(subjects)
        for k, (d, a) in enumerate(zip(durations, self.accrual_intensity, strict=True)):
            if a * d >= left or k == len(durations) - 1:
                out.append(left / a)
                break
            out.append(d)
            left -= a * d
        return tuple(out), tuple(float(x) for x in self.accrual_intensity[:len(out)])

    def accrual_fractions(self) -> tuple[float, ...]:
        """Share of subjects enrolled in each accrual piece."""
        w = [a * d for a, d in zip(self.accrual_intensity, self.accrual_months, strict=True)]
        total = sum(w)
        return tuple(x / total for x in w)
