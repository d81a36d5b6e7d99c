"""The one trial design object shared by the analytic calculations and the simulator.

:class:`TrialDesign` holds everything a two-arm (or single-arm binary) design is made of, in
explicit fields with per-month units: the allocation ratio, the endpoint, the effect, the error
rates, piecewise-uniform accrual, follow-up, dropout and the control arm's survival. It is a frozen
:class:`neosim.config.Strict` pydantic model, so the same object validates a TOML table, a command
line, or a Python call, and never changes once made.

Conventions (rpact's vocabulary where it has one):

* Arm 1 is **experimental**, arm 2 is **control**. ``allocation_ratio`` is ``n1 / n2``
  (rpact ``allocationRatioPlanned``; gsDesign ``ratio``).
* ``hazard_ratio`` is experimental over control, proportional in every time piece.
* ``alpha`` is the total type I error; with ``sided = 2`` each tail gets ``alpha / 2``.
* Time is in **months** everywhere: hazards are per month, durations are months.
* Accrual is piecewise uniform: piece ``k`` lasts ``accrual_months[k]`` with intensity
  ``accrual_intensity[k]`` (subjects per month, or relative weights when the number of subjects is
  solved for; only ratios matter then).
* Dropout is exponential with a per-month hazard per arm, given directly or rpact-style as the
  probability ``rate`` of dropping out by ``time`` months (hazard ``-log(1 - rate) / time``).
* Control survival is exponential (``median_months`` or ``hazard_per_month``) or piecewise
  exponential (``cuts_months`` after 0, with one hazard per piece).
"""

from __future__ import annotations

import itertools
import math
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from neosim.config import (
    MAX_LIST,
    MONTHS_MAX,
    FieldError,
    Hazard,
    HazardOrZero,
    Months,
    MonthsOrZero,
    Ratio,
    Strict,
)

LN2 = math.log(2.0)

# Bounds (shared types in neosim.config): months in [0.01, 1200], hazards per month in
# [1e-6, 100], ratios in [1e-3, 1e3]. Error rates and proportions stay 1e-9 away from 0 and 1 so
# that normal quantiles, logits and log(1 - rate) are finite.
Alpha = Annotated[float, Field(ge=1e-9, le=0.5, allow_inf_nan=False)]
OpenProbability = Annotated[float, Field(ge=1e-9, le=1.0 - 1e-9, allow_inf_nan=False)]
UnitRate = Annotated[float, Field(ge=0.0, le=1.0 - 1e-9, allow_inf_nan=False)]
#: accrual intensities: subjects per month or relative weights, 1e-6 to 1e6
Intensity = Annotated[float, Field(ge=1e-6, le=1e6, allow_inf_nan=False)]
#: a fixed number of subjects: 2 to 10^7
Subjects = Annotated[float, Field(ge=2.0, le=1e7, allow_inf_nan=False)]


class ControlSurvival(Strict):
    """Survival of the control arm: exactly one of a median, a hazard, or piecewise hazards
    (``cuts_months``, the cut points after 0, with one more ``piece_hazards_per_month``; rpact's
    ``piecewiseSurvivalTime`` is ``[0, *cuts_months]``)."""

    median_months: Months | None = None
    hazard_per_month: Hazard | None = None
    cuts_months: Annotated[list[Months], Field(max_length=99)] | None = None
    piece_hazards_per_month: Annotated[list[HazardOrZero], Field(max_length=100)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data):
        if isinstance(data, dict) and "piece_starts_months" in data:
            raise FieldError("piece_starts_months", "renamed: write cuts_months, the cut points "
                                                    "after 0 (the starts without the leading 0)")
        return data

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        given = [self.median_months is not None, self.hazard_per_month is not None,
                 self.cuts_months is not None or self.piece_hazards_per_month is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of median_months, hazard_per_month, or "
                             "cuts_months with piece_hazards_per_month")
        if given[2]:
            c, h = self.cuts_months, self.piece_hazards_per_month
            if c is None or h is None or len(h) != len(c) + 1:
                raise ValueError("cuts_months and piece_hazards_per_month must both be given, "
                                 "with one more hazard than cuts")
            if any(b <= a for a, b in itertools.pairwise([0.0, *c])):
                raise ValueError("cuts_months must be positive and increase strictly")
            if h[-1] <= 0.0:
                raise ValueError("the last piece's hazard must be positive")
        return self

    def pieces(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """``(starts, hazards)`` of the control arm's piecewise-constant hazard (per month);
        ``starts`` begins at 0."""
        if self.median_months is not None:
            return (0.0,), (LN2 / self.median_months,)
        if self.hazard_per_month is not None:
            return (0.0,), (self.hazard_per_month,)
        return (0.0, *self.cuts_months), tuple(self.piece_hazards_per_month)


class Dropout(Strict):
    """Exponential dropout per arm: hazards per month, or rpact's rate-by-time form."""

    hazard_per_month: HazardOrZero | None = None
    experimental_hazard_per_month: HazardOrZero | None = None
    control_hazard_per_month: HazardOrZero | None = None
    rate: UnitRate | None = None
    experimental_rate: UnitRate | None = None
    control_rate: UnitRate | None = None
    time_months: Months | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        hz = [self.hazard_per_month, self.experimental_hazard_per_month,
              self.control_hazard_per_month]
        rt = [self.rate, self.experimental_rate, self.control_rate]
        if any(v is not None for v in hz) and any(v is not None for v in rt):
            raise ValueError("give dropout as hazards or as rates by a time, not both")
        if any(v is not None for v in rt) and self.time_months is None:
            raise ValueError("a dropout rate needs time_months (the time it is reached by)")
        if self.time_months is not None and all(v is None for v in rt):
            raise ValueError("time_months is only used with a dropout rate")
        for common, a, b, what in ((hz[0], hz[1], hz[2], "hazard_per_month"),
                                   (rt[0], rt[1], rt[2], "rate")):
            if common is not None and (a is not None or b is not None):
                raise ValueError(f"give {what} for both arms or per arm, not both")
        return self

    def hazards(self) -> tuple[float, float]:
        """Dropout hazards per month, ``(experimental, control)``."""
        if self.time_months is not None:
            def h(rate: float | None) -> float:
                r = self.rate if rate is None else rate
                return 0.0 if r is None else -math.log1p(-r) / self.time_months
            return h(self.experimental_rate), h(self.control_rate)
        c = self.hazard_per_month or 0.0
        e = self.experimental_hazard_per_month
        k = self.control_hazard_per_month
        return (c if e is None else e), (c if k is None else k)


class TrialDesign(Strict):
    """A fixed (single-analysis) trial design; every time in months, every hazard per month.

    Attributes
    ----------
    endpoint
        ``"survival"`` (log-rank / Cox, proportional hazards) or ``"binary"``.
    allocation_ratio
        ``n_experimental / n_control`` (rpact ``allocationRatioPlanned``).
    hazard_ratio
        Experimental over control hazard under the alternative.
    alpha, sided
        Total type I error and sidedness (two-sided splits ``alpha`` over both tails).
    power
        Target power; ``None`` when power is what is solved for.
    control
        Control-arm survival (:class:`ControlSurvival`).
    accrual_months, accrual_intensity
        Piecewise-uniform accrual: piece durations and intensities (subjects per month, or
        relative weights when the sample size is solved for).
    followup_months
        Minimum follow-up: time from the end of accrual to the analysis.
    dropout
        Dropout hazards per arm (:class:`Dropout`).
    subjects
        Total number of subjects, if fixed (then power or duration is solved for).
    control_proportion, experimental_proportion
        Binary endpoint only: success proportions (e.g. 2-year survival) under the alternative;
        for a single-arm design ``control_proportion`` is the historical rate.
    """

    endpoint: Literal["survival", "binary"] = "survival"
    allocation_ratio: Ratio = 1.0
    hazard_ratio: Ratio = 0.5
    alpha: Alpha = 0.025
    sided: Annotated[int, Field(ge=1, le=2)] = 1  # 1 or 2 (an int: a Literal took true)
    power: OpenProbability | None = 0.8
    control: ControlSurvival = ControlSurvival(median_months=12.0)
    accrual_months: list[Months] = Field(default_factory=lambda: [12.0], max_length=MAX_LIST)
    accrual_intensity: list[Intensity] = Field(default_factory=lambda: [1.0],
                                               max_length=MAX_LIST)
    followup_months: MonthsOrZero = 12.0
    dropout: Dropout = Dropout()
    subjects: Subjects | None = None
    control_proportion: OpenProbability | None = None
    experimental_proportion: OpenProbability | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.endpoint == "binary":
            if self.control_proportion is None or self.experimental_proportion is None:
                raise ValueError("a binary endpoint needs control_proportion and "
                                 "experimental_proportion")
            if self.control_proportion == self.experimental_proportion:
                raise ValueError("experimental_proportion must differ from control_proportion")
        elif self.hazard_ratio == 1.0:
            raise ValueError("hazard_ratio must differ from 1 (no effect leaves nothing to power)")
        if not self.accrual_months:
            raise ValueError("accrual_months must list at least one piece")
        if len(self.accrual_intensity) != len(self.accrual_months):
            raise ValueError("accrual_intensity needs one value per accrual_months piece")
        if sum(self.accrual_months) > MONTHS_MAX:
            raise ValueError(f"accrual_months add up to more than {MONTHS_MAX:g} months")
        if self.power is None and self.subjects is None:
            raise ValueError("give power (to solve for the size) or subjects (to solve for power)")
        return self

    # -- what a calculation or a simulator needs ----------------------------------------------

    @property
    def experimental_fraction(self) -> float:
        """Share of subjects randomised to the experimental arm, ``r / (1 + r)``."""
        r = self.allocation_ratio
        return r / (1.0 + r)

    @property
    def accrual_duration_months(self) -> float:
        """Total accrual duration (sum of the pieces)."""
        return float(sum(self.accrual_months))

    @property
    def study_duration_months(self) -> float:
        """Accrual duration plus minimum follow-up: the time of the analysis."""
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

        With ``subjects`` the intensities are scaled so that accrual over ``accrual_months``
        enrols exactly that many; without, they are returned as given.
        """
        raw = tuple(float(x) for x in self.accrual_intensity)
        if subjects is None:
            return raw
        total = sum(a * d for a, d in zip(raw, self.accrual_months, strict=True))
        return tuple(subjects * a / total for a in raw)

    def accrual_fractions(self) -> tuple[float, ...]:
        """Share of subjects enrolled in each accrual piece."""
        w = [a * d for a, d in zip(self.accrual_intensity, self.accrual_months, strict=True)]
        total = sum(w)
        return tuple(x / total for x in w)
