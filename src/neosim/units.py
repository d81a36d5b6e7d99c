"""Time units of patient-level survival data, defined once: names, lengths and labels.

A month is 30.4375 days (the mean Gregorian month, 365.25 / 12), a week 7 days and a year 12
months (365.25 days). neosim's models state their defaults and bounds in months (a hazard per
month, a Weibull scale in months) and trial designs work in months; a ``survival_ipd`` analysis
runs in the unit of its data (``[data] time_unit``), and converts with these lengths where a
month-valued default, bound or export meets it.

>>> from neosim import units
>>> units.months_per("days") * 30.4375
1.0
>>> units.to_months(365.25, "days")
12.0
>>> units.unit_name("hazard_per_month[ALL]", "days")
'hazard_per_day[ALL]'
>>> units.neutral_name("weibull_scale_months")
'weibull_scale'
>>> units.unit_name("median_survival_months", "years")
'median_survival_years'
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

#: days in a month (the mean Gregorian month: 365.25 / 12 = 487 / 16)
DAYS_PER_MONTH = 30.4375
TimeUnit = Literal["days", "weeks", "months", "years"]
#: the length of each unit in months, exactly (a day is 16/487 months), so that conversions
#: round once: 182.625 days are exactly 6 months
LENGTH: dict[str, Fraction] = {"days": Fraction(16, 487), "weeks": Fraction(7 * 16, 487),
                               "months": Fraction(1), "years": Fraction(12)}
#: the length of each unit in months, as a float
MONTHS_PER_UNIT: dict[str, float] = {u: float(f) for u, f in LENGTH.items()}
UNITS = tuple(LENGTH)
#: one unit in the singular ("per day") and its one-letter tag (``survival_365d``)
SINGULAR = {"days": "day", "weeks": "week", "months": "month", "years": "year"}
TAG = {"days": "d", "weeks": "w", "months": "m", "years": "y"}
#: round steps of an at-risk table in each unit
STEPS = {"days": (1, 7, 14, 30, 60, 90, 180, 365, 730, 1461, 3652, 7305, 18262),
         "weeks": (1, 2, 4, 8, 13, 26, 52, 104, 156, 260, 520, 1040, 2609),
         "months": (1, 2, 3, 6, 12, 24, 36, 60, 120, 240, 600),
         "years": (0.25, 0.5, 1, 2, 3, 5, 10, 20, 50)}


def _length(unit: str) -> Fraction:
    try:
        return LENGTH[unit]
    except KeyError:
        raise ValueError(f"unknown time unit {unit!r} (known: {', '.join(UNITS)})") from None


def months_per(unit: str) -> float:
    """The length of one ``unit`` in months (``ValueError`` for an unknown unit)."""
    return float(_length(unit))


def _scale(x, f: Fraction):
    return x * f.numerator / f.denominator


def to_months(x, unit: str):
    """A time (or array of times) in ``unit`` expressed in months; also a rate per month
    expressed per ``unit``."""
    return _scale(x, _length(unit))


def from_months(x, unit: str):
    """A time (or array of times) in months expressed in ``unit``; also a rate per ``unit``
    expressed per month."""
    return _scale(x, 1 / _length(unit))


def dimension(name: str) -> int:
    """How a model quantity scales with time, from its name: ``-1`` for a rate (``..._per_month``,
    ``hazard...``), ``+1`` for a time (``..._months``), ``0`` otherwise (shapes, fractions).
    A quantity ``x`` in ``unit`` is ``x * months_per(unit) ** dimension`` in months."""
    base = name.split("[", 1)[0]
    if "per_month" in base or base.startswith("hazard"):
        return -1
    if base.endswith("_months") or base.endswith("_time") or base == "cuts":
        return 1
    return 0


def value_in_months(name: str, x, unit: str):
    """Quantity ``name`` valued ``x`` in ``unit`` converted to months (:func:`dimension`)."""
    return _scale(x, _length(unit) ** dimension(name))


def neutral_name(name: str) -> str:
    """A model quantity's name without its unit, as configs in any unit spell it:
    ``hazard_per_month`` -> ``hazard``, ``weibull_scale_months`` -> ``weibull_scale``."""
    return name.replace("_per_month", "").replace("_months", "")


def unit_name(name: str, unit: str) -> str:
    """A model quantity's month-named label in ``unit``: ``hazard_per_month`` ->
    ``hazard_per_day``, ``weibull_scale_months`` -> ``weibull_scale_days``, ``survival_12m``
    stays (the caller names times in the unit); unchanged for months."""
    if unit == "months":
        return name
    return (name.replace("per_month", f"per_{SINGULAR[unit]}")
            .replace("_months", f"_{unit}"))
