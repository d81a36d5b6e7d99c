"""The tables a :class:`~neosim.design.spec.TrialDesign` is made of: the control arm's survival,
dropout, and when the trial is analysed. Months throughout; hazards per month.
"""

from __future__ import annotations

import itertools
import math
from typing import Annotated, Any, Literal, Self

from pydantic import Field, model_validator

from neosim.config import FieldError, Hazard, HazardOrZero, Months, Probability, Strict
from neosim.errors import InputError
from neosim.models.families import FAMILIES

LN2 = math.log(2.0)
UnitRate = Annotated[float, Field(ge=0.0, le=1.0 - 1e-9, allow_inf_nan=False)]
#: a family of the registry (checked by name, so a new family needs no edit here)
FamilyName = Literal[tuple(FAMILIES)]
#: keys of the control table read by the exponential-type forms (the rest come from the
#: families' ``config_keys``)
_EXPONENTIAL_KEYS = ("median_months", "hazard_per_month", "prior")


class ControlSurvival(Strict):
    """Survival of the control arm (for a single-arm design: the historical control).

    ``model`` is a family of :data:`neosim.models.families.FAMILIES` (default: ``"piecewise"``
    when ``cuts_months`` is given, else ``"exponential"``):

    * exponential: exactly one of ``median_months``, ``hazard_per_month`` or ``prior`` (a
      ``neosim-prior/1`` file, path relative to the config; its central value sets the hazard:
      a beta mixture on ``survival_probability_<T>m`` gives ``-log(E[S]) / T``, a gamma mixture or
      hazard draws their mean; simulation only);
    * piecewise: ``cuts_months`` (the cut points after 0; rpact's ``piecewiseSurvivalTime`` is
      ``[0, *cuts_months]``) and one more ``piece_hazards_per_month``;
    * cure: ``cure_fraction`` and an exponential uncured part (``median_months`` or
      ``hazard_per_month``);
    * any other family: the keys its class names in ``config_keys`` (weibull: ``shape`` and
      ``scale_months``; lognormal: ``median_months`` and ``shape``, the log-scale SD).

    The analytic formulas take exponential and piecewise-exponential controls; every family can
    be simulated.
    """

    model: FamilyName | None = None
    median_months: Months | None = None
    hazard_per_month: Hazard | None = None
    prior: Annotated[str, Field(min_length=1, max_length=4096)] | None = None
    cuts_months: Annotated[list[Months], Field(max_length=99)] | None = None
    piece_hazards_per_month: Annotated[list[HazardOrZero], Field(max_length=100)] | None = None
    #: Weibull or log-normal shape, 0.05 to 20 (t ** shape stays finite for t <= 1200 months)
    shape: Annotated[float, Field(ge=0.05, le=20.0, allow_inf_nan=False)] | None = None
    scale_months: Months | None = None
    cure_fraction: Probability | None = None

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for old, new in (("piece_starts_months", "cuts_months, the cut points after 0"),
                             ("breaks_months", "cuts_months"),
                             ("rate_per_month", "hazard_per_month"),
                             ("rates_per_month", "piece_hazards_per_month")):
                if old in data:
                    raise FieldError(old, f"renamed: write {new}")
        return data

    @property
    def family_name(self) -> str:
        """The family this table describes."""
        if self.model is not None:
            return self.model
        return "piecewise" if self.cuts_months is not None else "exponential"

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        name = self.family_name
        given = {k for k in type(self).model_fields if k != "model" and getattr(self, k)
                 is not None}
        if name in ("exponential", "cure"):
            rate = [k for k in _EXPONENTIAL_KEYS if k in given]
            if len(rate) != 1:
                raise ValueError("give exactly one of median_months, hazard_per_month, prior")
            if name == "cure" and "prior" in given:
                raise FieldError("prior", "a prior sets an exponential control only")
            needed = {"cure_fraction"} if name == "cure" else set()
            allowed = needed | set(rate)
        else:
            needed = set(FAMILIES[name].config_keys.values())
            allowed = needed
        missing = sorted(needed - given)
        if missing:
            raise ValueError(f"a {name} control needs {' and '.join(sorted(needed))}")
        extra = sorted(given - allowed)
        if extra:
            raise FieldError(extra[0], f"is not a parameter of a {name} control")
        if name == "piecewise":
            c, h = self.cuts_months, self.piece_hazards_per_month
            if len(h) != len(c) + 1:
                raise FieldError("piece_hazards_per_month", "needs one more value than "
                                                            "cuts_months")
            if any(b <= a for a, b in itertools.pairwise([0.0, *c])):
                raise FieldError("cuts_months", "must be positive and increase strictly")
            if h[-1] <= 0.0:
                raise FieldError("piece_hazards_per_month", "the last piece's hazard must be "
                                                            "positive")
        return self

    def pieces(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """``(starts, hazards)`` of a piecewise-constant control hazard (per month); ``starts``
        begins at 0. Only exponential and piecewise-exponential controls have them."""
        name = self.family_name
        if name == "exponential" and self.prior is None:
            rate = self.hazard_per_month if self.hazard_per_month is not None else \
                LN2 / self.median_months
            return (0.0,), (rate,)
        if name == "piecewise":
            return (0.0, *self.cuts_months), tuple(self.piece_hazards_per_month)
        what = "a prior-set" if self.prior is not None else f"a {name}"
        raise InputError(f"the analytic formulas take an exponential or piecewise-exponential "
                         f"control, not {what} control: simulate this design instead",
                         field="control.model" if self.prior is None else "control.prior")

    def family(self, prior_hazard: float | None = None):
        """The control as a bound :class:`~neosim.models.families.SurvivalFamily`.

        ``prior_hazard`` is the hazard a ``prior`` control resolves to (read by the caller,
        which knows where the config file lies).
        """
        name = self.family_name
        cls = FAMILIES[name]
        try:
            if name in ("exponential", "cure"):
                if self.prior is not None:
                    if prior_hazard is None:
                        raise InputError("the control prior file has not been read",
                                         field="control.prior")
                    rate = prior_hazard
                else:
                    rate = self.pieces_rate()
                exp = FAMILIES["exponential"](rate)
                return exp if name == "exponential" else cls(self.cure_fraction, exp)
            values = {arg: getattr(self, key) for arg, key in cls.config_keys.items()}
            return cls(**{k: tuple(v) if isinstance(v, list) else v
                          for k, v in values.items()})
        except InputError as exc:
            if (exc.field or "").startswith("control."):
                raise
            base, _, index = (exc.field or "").partition("[")
            key = cls.config_keys.get(base, base) + (f"[{index}" if index else "")
            raise InputError(exc.message, field=f"control.{key}") from None

    def pieces_rate(self) -> float:
        """The constant hazard of an exponential (or cure model's uncured) part."""
        return self.hazard_per_month if self.hazard_per_month is not None else \
            LN2 / self.median_months


class Dropout(Strict):
    """Exponential dropout per arm: hazards per month, or rpact's rate-by-time form
    (``rate`` of dropping out by ``time_months``: hazard ``-log(1 - rate) / time_months``)."""

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


class AnalysisTiming(Strict):
    """When the trial is analysed: at ``events`` (rpact ``plannedEvents``), at
    ``events_fraction`` × subjects events, or at ``calendar_months`` after the first patient
    enters; by default at the end of accrual plus ``followup_months`` (the time the analytic
    formulas assume). ``max_duration_months`` caps an event-driven analysis; when the target is
    never reached (cure, dropout) the analysis is after the last event and the last entry."""

    events: Annotated[int, Field(ge=1, le=10_000_000)] | None = None
    events_fraction: Annotated[float, Field(ge=1e-6, le=1.0, allow_inf_nan=False)] | None = None
    calendar_months: Months | None = None
    max_duration_months: Months | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        given = [x is not None for x in (self.events, self.events_fraction,
                                         self.calendar_months)]
        if sum(given) > 1:
            raise ValueError("give at most one of events, events_fraction, calendar_months")
        if self.max_duration_months is not None and not (
                self.events is not None or self.events_fraction is not None):
            raise FieldError("max_duration_months", "caps an event-driven analysis only "
                                                    "(give events or events_fraction)")
        return self

    @property
    def event_driven(self) -> bool:
        return self.events is not None or self.events_fraction is not None

    def events_for(self, subjects: int) -> int | None:
        """The event target of a trial of ``subjects`` (``None``: a calendar-time analysis)."""
        if self.events is not None:
            return self.events
        if self.events_fraction is not None:
            return max(1, round(self.events_fraction * subjects))
        return None
