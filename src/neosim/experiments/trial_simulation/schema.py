"""Schema of the ``trial_simulation`` kind (light imports only: ``validate`` loads it)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import Field, model_validator

from neosim.compute import ComputeSection
from neosim.config import (
    MAX_LIST,
    ExperimentConfig,
    FieldError,
    Hazard,
    HazardOrZero,
    Months,
    MonthsOrZero,
    OutputSection,
    PriorLocation,
    PriorScale,
    Probability,
    Ratio,
    Strict,
)
from neosim.models.families import FAMILIES
from neosim.priors import Gamma, Normal, bounded

#: a family of the registry (checked by name, so a new family needs no edit here)
SurvivalFamilyName = Literal[tuple(FAMILIES)]

# ---------------------------------------------------------------------------------------------
# Schema
# ---------------------------------------------------------------------------------------------


class AccrualSection(Strict):
    """Uniform over ``duration_months``, or piecewise ``rates_per_month`` for ``durations_months``
    (the last piece lasts until everyone is enrolled)."""

    duration_months: Months | None = None
    durations_months: list[Months] = Field(default_factory=list, max_length=100)
    #: patients per month, 0 to 1e6
    rates_per_month: list[Annotated[float, Field(ge=0.0, le=1e6, allow_inf_nan=False)]] = Field(
        default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _check(self) -> Self:
        piecewise = bool(self.durations_months or self.rates_per_month)
        if (self.duration_months is None) == (not piecewise):
            raise ValueError("give duration_months, or durations_months with rates_per_month")
        if piecewise and len(self.durations_months) != len(self.rates_per_month):
            raise ValueError("durations_months and rates_per_month differ in length")
        return self


class AnalysisTiming(Strict):
    """When the trial is analysed: at ``events``, at ``events_fraction`` × n events, or at
    ``calendar_months``; ``max_duration_months`` caps an event-driven analysis."""

    events: Annotated[int, Field(ge=1, le=10_000)] | None = None
    events_fraction: Annotated[float, Field(ge=1e-6, le=1.0, allow_inf_nan=False)] | None = None
    calendar_months: Months | None = None
    max_duration_months: Months | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        given = [x is not None for x in (self.events, self.events_fraction,
                                         self.calendar_months)]
        if sum(given) != 1:
            raise ValueError("give exactly one of events, events_fraction, calendar_months")
        return self


class SurvivalSection(Strict):
    """A true survival model, any family of the registry :data:`neosim.models.families.FAMILIES`:
    exponential (``rate_per_month`` or ``median_months`` or ``prior``), weibull (``shape``,
    ``scale_months``), piecewise (``cuts_months``, ``rates_per_month``), cure (``cure_fraction``
    and an exponential uncured part); other families name their keys in ``config_keys``."""

    model: SurvivalFamilyName = "exponential"
    rate_per_month: Hazard | None = None
    median_months: Months | None = None
    prior: str = ""
    #: Weibull (or log-normal) shape, 0.05 to 20 (t ** shape stays finite for t <= 1200 months)
    shape: Annotated[float, Field(ge=0.05, le=20.0, allow_inf_nan=False)] | None = None
    scale_months: Months | None = None
    cuts_months: list[Months] = Field(default_factory=list, max_length=100)
    rates_per_month: list[HazardOrZero] = Field(default_factory=list, max_length=101)
    cure_fraction: Probability | None = None

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "breaks_months" in data:
            raise FieldError("breaks_months", "renamed: write cuts_months (the one name of the "
                                              "piecewise boundary)")
        return data

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.model in ("exponential", "cure"):
            n = sum(x not in (None, "") for x in (self.rate_per_month, self.median_months,
                                                  self.prior))
            if n != 1:
                raise ValueError("give exactly one of rate_per_month, median_months, prior")
            if self.prior and self.model == "cure":
                raise ValueError("a prior sets an exponential control only")
            if self.model == "cure" and self.cure_fraction is None:
                raise ValueError("a cure model needs cure_fraction")
            return self
        from neosim.models.families import FAMILIES

        keys = FAMILIES[self.model].config_keys
        needed = [k for k in keys.values() if getattr(self, k) in (None, [])
                  and k != "cuts_months"]
        if needed:
            raise ValueError(f"a {self.model} model needs {' and '.join(keys.values())}")
        return self


class TrialSection(Strict):
    design: Literal["two_arm", "single_arm"] = "two_arm"
    allocation: Annotated[float, Field(ge=1e-3, le=0.999, allow_inf_nan=False)] = 0.5
    dropout_rate_per_month: HazardOrZero = 0.0
    time_resolution_months: MonthsOrZero = 0.0
    landmark_months: Months | None = None
    accrual: AccrualSection
    analysis: AnalysisTiming
    control: SurvivalSection


#: Gamma(shape ``a``, rate ``b``) on a hazard per month: both in [1e-4, 1e6] (the vague
#: Gamma(0.001, 0.001) fits); a :class:`neosim.priors.Gamma` (``a``/``b`` or ``alpha``/``beta``)
GammaSpec = bounded(Gamma, alpha=(Annotated[float, Field(ge=1e-4, le=1e6, allow_inf_nan=False)],
                                  ...),
                    beta=(Annotated[float, Field(ge=1e-4, le=1e6, allow_inf_nan=False)], ...))
#: Normal(mean, sd) on a log hazard ratio: mean in [-1e3, 1e3], sd in [1e-3, 1e3]; a
#: :class:`neosim.priors.Normal` (``mean``/``sd`` or ``mu``/``sigma``)
NormalSpec = bounded(Normal, mu=(PriorLocation, ...), sigma=(PriorScale, ...))


class AnalysisSpec(Strict):
    """One analysis. ``kind``: logrank, cox, one_sample_logrank, bayes_hazard_ratio,
    bayes_log_hr, bayes_landmark. Priors are a prior file path or inline parameters."""

    kind: Literal["logrank", "cox", "one_sample_logrank", "bayes_hazard_ratio", "bayes_log_hr",
                  "bayes_landmark"]
    name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")] | None = None
    alpha: Annotated[float, Field(ge=1e-9, le=0.5, allow_inf_nan=False)] = 0.025
    probability: Annotated[float, Field(ge=1e-9, le=1.0 - 1e-9, allow_inf_nan=False)] | None = None
    hr_threshold: Ratio = 1.0
    control_prior: str | GammaSpec | None = None
    treatment_prior: str | GammaSpec = GammaSpec(a=0.001, b=0.001)
    log_hr_prior: str | NormalSpec = NormalSpec(mean=0.0, sd=10.0)
    landmark_months: Months | None = None
    survival_threshold: Probability | None = None


#: simulated trials one run may keep in memory (about 120 bytes of statistics each)
MAX_TOTAL_TRIALS = 20_000_000


class GridSection(Strict):
    n: Annotated[list[Annotated[int, Field(ge=2, le=10_000)]], Field(min_length=1,
                                                                       max_length=MAX_LIST)]
    hazard_ratio: Annotated[list[Ratio], Field(min_length=1, max_length=MAX_LIST)]

    @model_validator(mode="after")
    def _check(self) -> Self:
        if len(set(self.n)) != len(self.n) or len(set(self.hazard_ratio)) != len(
                self.hazard_ratio):
            raise ValueError("grid values must be distinct")
        return self


class SimulationSection(Strict):
    n_trials: Annotated[int, Field(ge=100, le=10_000_000)] = 10_000
    workers: Annotated[int, Field(ge=0, le=256)] = 0  # 0: every available core


class AssuranceSection(Strict):
    """Design prior: a normal prior on the true log HR and/or a prior (file) on the true control
    hazard; assurance is the success rate of each analysis averaged over it."""

    log_hazard_ratio: NormalSpec | None = None
    control_prior: str = ""
    control_draws: str = ""

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.log_hazard_ratio is None and not self.control_prior:
            raise ValueError("give log_hazard_ratio and/or control_prior")
        return self


class SearchSection(Strict):
    """Smallest n of the grid reaching ``target`` power (at ``hazard_ratio``, a grid value) or
    assurance (``hazard_ratio`` omitted) for ``analysis``."""

    analysis: str
    target: Probability = 0.8
    hazard_ratio: Ratio | None = None


class Config(ExperimentConfig):
    """Schema of a ``trial_simulation`` experiment file."""

    trial: TrialSection
    grid: GridSection
    analyses: Annotated[list[AnalysisSpec], Field(min_length=1, max_length=50)]
    simulation: SimulationSection = SimulationSection()
    compute: ComputeSection = ComputeSection()
    assurance: AssuranceSection | None = None
    search: SearchSection | None = None
    output: OutputSection = OutputSection()
