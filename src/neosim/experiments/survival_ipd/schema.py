"""Schema of the ``survival_ipd`` kind: data (IPD file or synthetic cohort), priors, families."""

from __future__ import annotations

import copy
import math
from typing import Annotated, Any, Literal, Self

from pydantic import Field, model_validator

from neosim.config import (
    MONTHS_MAX,
    DiagnosticsSection,
    ExperimentConfig,
    FieldError,
    OutputSection,
    Probability,
    SamplerSection,
    Strict,
)
from neosim.models.families import FAMILIES
from neosim.models.survival import Priors
from neosim.units import DAYS_PER_MONTH, UNITS, TimeUnit, from_months, to_months

FamilyName = Literal[tuple(FAMILIES)]  # the registry's names: a new family needs no edit here
#: every time and rate of the kind is in ``[data] time_unit``: the types admit the widest range
#: of any unit (a century in days; a hazard of 100 per month in years), and ``Config`` checks
#: each value against its bound in months converted to the unit (:data:`TIME_BOUNDS`)
Time = Annotated[float, Field(ge=0.0, le=MONTHS_MAX * DAYS_PER_MONTH, allow_inf_nan=False)]
Rate = Annotated[float, Field(ge=0.0, le=100.0 * 12.0, allow_inf_nan=False)]
#: bounds in months (times) and per month (rates), as :mod:`neosim.config` states them
TIME_BOUNDS = {"time": (0.01, MONTHS_MAX), "time_or_zero": (0.0, MONTHS_MAX),
               "rate": (1e-6, 100.0), "rate_or_zero": (0.0, 100.0)}
Span = Annotated[list[Time], Field(min_length=2, max_length=2)]
#: a shape parameter of a Weibull model: 0.05 to 20 (t ** shape stays finite for t <= 1200)
WeibullShape = Annotated[float, Field(ge=0.05, le=20.0, allow_inf_nan=False)]
#: at most this many cut points of a piecewise-exponential model
MAX_CUTS = 50
Cuts = Annotated[list[Time], Field(max_length=MAX_CUTS)]


def refuse_renamed(data: Any, renamed: dict[str, str]) -> Any:
    """The one-line error for a key of the month-named spelling (see the README changelog)."""
    if isinstance(data, dict):
        for old, new in renamed.items():
            if old in data:
                raise FieldError(old, f"renamed: write {new} (in data.time_unit)")
    return data


class Truth(Strict):
    """Parameters of the generating model (rates per and times in ``data.time_unit``): shared
    ones a number, the others one value per subtype (in ``data.subtypes`` order); piecewise
    hazards one list per subtype."""

    hazard: (Annotated[list[Rate], Field(max_length=20)]
             | Annotated[list[Annotated[list[Rate], Field(max_length=MAX_CUTS + 1)]],
                         Field(max_length=20)] | None) = None
    weibull_shape: WeibullShape | None = None
    weibull_scale: Annotated[list[Time], Field(max_length=20)] | None = None
    cure_fraction: Annotated[list[Probability], Field(max_length=20)] | None = None

    _renamed = model_validator(mode="before")(classmethod(lambda cls, data: refuse_renamed(
        data, {"hazard_per_month": "hazard", "weibull_scale_months": "weibull_scale"})))


class SyntheticSection(Strict):
    """A synthetic cohort (see :mod:`neosim.survival.synthetic`); all outputs are marked."""

    n: Annotated[int, Field(ge=1, le=1_000_000)] = 50
    family: FamilyName = "weibull"
    cuts: Cuts = Field(default_factory=list)
    truth: Truth = Truth()
    subtype_weights: list[Annotated[float, Field(ge=1e-6, le=1e6, allow_inf_nan=False)]] = \
        Field(default_factory=list, max_length=20)
    sct_probability: Probability = 0.6
    time_to_sct: Span = Field(default_factory=lambda: [3.0, 6.0])
    pre_sct_hazard: Rate = 0.05
    follow_up: Span = Field(default_factory=lambda: [24.0, 96.0])
    mll_rearranged_probability: list[Annotated[float, Field(ge=0.0, le=1.0,
                                                            allow_inf_nan=False)]] = Field(
        default_factory=list, max_length=20)

    _renamed = model_validator(mode="before")(classmethod(lambda cls, data: refuse_renamed(
        data, {"cuts_months": "cuts", "months_to_sct": "time_to_sct",
               "pre_sct_hazard_per_month": "pre_sct_hazard", "follow_up_months": "follow_up"})))


class DataSection(Strict):
    """Either an IPD ``file`` or a ``synthetic`` cohort; which patients enter; the time unit of
    every time in the file and in this experiment's settings."""

    file: str = ""
    synthetic: SyntheticSection | None = None
    subtypes: list[str] = Field(default_factory=lambda: ["ALL", "AML"], min_length=1,
                                max_length=20)
    time_origin: Literal["sct", "diagnosis"] = "sct"
    time_unit: TimeUnit = "months"

    @model_validator(mode="after")
    def _check(self) -> Self:
        if bool(self.file) == (self.synthetic is not None):
            raise ValueError("give exactly one of data.file and data.synthetic")
        if len(set(self.subtypes)) != len(self.subtypes):
            raise FieldError("subtypes", "lists a subtype twice")
        return self


class ModelsSection(Strict):
    families: list[FamilyName] = Field(
        default_factory=lambda: ["exponential", "weibull", "piecewise", "cure"], min_length=1,
        max_length=len(FAMILIES))
    #: piecewise cut points in data.time_unit
    cuts: Cuts = Field(default_factory=lambda: [6.0, 24.0])
    #: the Weibull shape (log-normal sigma, cure's uncured Weibull shape): one shared by the
    #: subtypes, or one per subtype
    shape: Literal["shared", "per_subtype"] = "shared"
    #: one prior object per shared parameter (``hazard`` per unit of time, ``shape``, ``scale``
    #: in the unit, ``cure_fraction``), the model's own :class:`~neosim.models.survival.Priors`;
    #: a prior not given is the model's default, stated in months and converted to the unit
    #: (:meth:`Priors.in_unit`)
    priors: Priors = Priors()

    _renamed = model_validator(mode="before")(classmethod(lambda cls, data: refuse_renamed(
        data, {"cuts_months": "cuts"})))

    @model_validator(mode="after")
    def _check(self) -> Self:
        if len(set(self.families)) != len(self.families):
            raise FieldError("families", "lists a family twice")
        if self.cuts != sorted(set(self.cuts)):
            raise FieldError("cuts", "must be strictly increasing")
        if "piecewise" in self.families and not self.cuts:
            raise ValueError("the piecewise family needs cuts")
        return self


class ReportSection(Strict):
    #: times (in data.time_unit) at which S(t) is reported
    times: Annotated[list[Time], Field(min_length=1, max_length=100)] = Field(
        default_factory=lambda: [12.0, 24.0, 60.0])
    #: the end of the S(t) curves (in data.time_unit)
    curve_max: Time = 60.0
    curve_points: Annotated[int, Field(ge=2, le=2000)] = 121

    _renamed = model_validator(mode="before")(classmethod(lambda cls, data: refuse_renamed(
        data, {"months": "times", "curve_max_months": "curve_max"})))


#: every time-valued setting: (section path, key, kind of bound); the defaults of the schema
#: are in months and converted to data.time_unit where a config leaves them out
TIMED = (("models", "cuts", "time"), ("report", "times", "time"),
         ("report", "curve_max", "time"), ("data.synthetic", "cuts", "time"),
         ("data.synthetic", "time_to_sct", "time_or_zero"),
         ("data.synthetic", "pre_sct_hazard", "rate_or_zero"),
         ("data.synthetic", "follow_up", "time_or_zero"),
         ("data.synthetic.truth", "hazard", "rate"),
         ("data.synthetic.truth", "weibull_scale", "time"))
_SECTIONS = {"models": ModelsSection, "report": ReportSection, "data.synthetic": SyntheticSection}


class ExportSection(Strict):
    """Export a fit's posterior as a design prior (``priors/<name>-v<version>.json``)."""

    enabled: bool = True
    name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]{0,100}$")] = "post_sct_survival"
    version: Annotated[int, Field(ge=1, le=10**6)] = 1
    family: FamilyName = "exponential"
    max_draws: Annotated[int, Field(ge=10, le=100_000)] = 4000
    gamma_mixture_components: Annotated[int, Field(ge=0, le=5)] = 2


class Config(ExperimentConfig):
    """Schema of a ``survival_ipd`` experiment file."""

    data: DataSection
    models: ModelsSection = ModelsSection()
    report: ReportSection = ReportSection()
    export: ExportSection = ExportSection()
    sampler: SamplerSection = SamplerSection(target_accept=0.9)
    diagnostics: DiagnosticsSection = DiagnosticsSection()
    output: OutputSection = OutputSection()

    @model_validator(mode="before")
    @classmethod
    def _unit_defaults(cls, data: Any) -> Any:
        return unit_defaults(data)

    @model_validator(mode="after")
    def _check(self) -> Self:
        check_time_bounds(self)
        if self.export.enabled and self.export.family not in self.models.families:
            raise ValueError("export.family must be one of models.families")
        if self.sampler.chains * self.sampler.draws < 100:  # PSIS needs tail draws
            raise FieldError("sampler.draws", "PSIS-LOO needs at least 100 posterior draws "
                                              "(chains x draws)")
        return self


def _table(data: Any, path: str) -> dict | None:
    for key in path.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else None


def unit_defaults(data: Any) -> Any:
    """The raw config with every time-valued default (stated in months by the schema, and the
    survival priors' defaults) converted to ``data.time_unit`` where the config leaves it out,
    so the resolved config shows the values the run uses; unchanged for months."""
    unit = (_table(data, "data") or {}).get("time_unit", "months")
    if not isinstance(unit, str) or unit == "months" or unit not in UNITS:
        return data  # months, or a bad unit the schema reports
    data = copy.deepcopy(data)
    for path, key, kind in TIMED:
        if path not in _SECTIONS:
            continue
        if path in ("models", "report") and path not in data:
            data[path] = {}
        table = _table(data, path)
        if table is None:  # no synthetic cohort, or not a table (the schema reports it)
            continue
        default = _SECTIONS[path].model_fields[key].get_default(call_default_factory=True)
        if key not in table:
            table[key] = _converted(default, to_months if kind.startswith("rate")
                                    else from_months, unit)
    models = data.setdefault("models", {})
    if isinstance(models, dict):
        priors = models.setdefault("priors", {})
        if isinstance(priors, dict):
            converted = Priors().in_unit(unit).model_dump()
            for key in Priors.model_fields:
                if key not in priors:
                    priors[key] = converted[key]
    return data


def _converted(value, convert, unit: str):
    """A default in months (a number or list: a time, or a rate per month) in ``unit``."""
    if isinstance(value, list):
        return [_converted(v, convert, unit) for v in value]
    return float(convert(float(value), unit))


def check_time_bounds(cfg: Config) -> None:
    """Every time and rate of ``cfg`` inside its bound in months (:data:`TIME_BOUNDS`),
    converted to ``data.time_unit``; the median of the scale prior likewise."""
    unit = cfg.data.time_unit
    for path, key, kind in TIMED:
        obj: Any = cfg
        for part in path.split("."):
            obj = getattr(obj, part, None)
        value = None if obj is None else getattr(obj, key)
        if value is None:
            continue
        lo, hi = TIME_BOUNDS[kind]
        rate = kind.startswith("rate")
        # a time in the unit to months, a rate per unit to per month; the bounds back
        there, back = (from_months, to_months) if rate else (to_months, from_months)
        what = f"per {unit[:-1]}" if rate else unit
        flat = [v for x in (value if isinstance(value, list) else [value])
                for v in (x if isinstance(x, list) else [x])]
        note = ("" if unit == "months"
                else f" ({lo:g} to {hi:g} {'per month' if rate else 'months'})")
        for v in flat:
            if not lo <= there(v, unit) <= hi:
                raise FieldError(f"{path}.{key}", f"{v:g} {what} is outside "
                                 f"[{back(lo, unit):g}, {back(hi, unit):g}] {what}{note}")
    median = math.exp(cfg.models.priors.scale.mu)
    if not 0.01 <= to_months(median, unit) <= MONTHS_MAX:
        raise FieldError("models.priors.scale", f"median {median:g} {unit} is outside "
                         f"[{from_months(0.01, unit):g}, {from_months(MONTHS_MAX, unit):g}] "
                         f"{unit} (0.01 to {MONTHS_MAX:g} months)")
