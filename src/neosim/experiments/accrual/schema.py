"""Schema of the ``accrual`` kind: country tables, sites, incidence, recruitment targets."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from neosim.config import (
    MAX_LIST,
    Count,
    ExperimentConfig,
    FieldError,
    Months,
    MonthsOrZero,
    OutputSection,
    PriorShape,
    Strict,
)
from neosim.design.spec import TrialDesign

#: a share of cases (participation, eligibility): 1e-6 to 1 (never a denormal that makes the
#: consortium's rate 0)
Fraction = Annotated[float, Field(ge=1e-6, le=1.0, allow_inf_nan=False)]
#: live births of one year of exposure: 1 to 10^9 (more than the world's births)
Births = Annotated[float, Field(ge=1.0, le=1e9, allow_inf_nan=False)]
#: incidence per million live births: at most 10^6 (every birth a case), at least 1e-6
PerMillion = Annotated[float, Field(ge=1e-6, le=1e6, allow_inf_nan=False)]


class CountryTable(Strict):
    """A table in ``configs/countries/``: births with their source (never invented)."""

    name: str
    code: str
    annual_live_births: Annotated[int, Field(gt=0, le=10**9)]  # the world has ~1.3e8 a year
    year: Annotated[int, Field(ge=1900, le=2100)]
    definition: str = ""
    source: str
    read_at: str
    evidence: Literal["A", "S", "D", "NV"]
    note: str = ""


class CountryFile(Strict):
    country: CountryTable


class SiteSection(Strict):
    """One participating country; everything except the table is a planning assumption."""

    table: str
    participation: Fraction = 1.0
    activation_month: MonthsOrZero = 0.0
    ramp_up_months: MonthsOrZero = 0.0


class BirthYear(Strict):
    """Live births of one year of registry exposure, as an interval (low = high if known)."""

    year: Annotated[int, Field(ge=1800, le=2200)]
    births_low: Births
    births_high: Births
    evidence: Literal["A", "S", "D", "NV", "assumption"]
    note: str = ""

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.births_high < self.births_low:
            raise ValueError("births_high must be at least births_low")
        return self


class FromCounts(Strict):
    """Gamma posterior of the incidence from ``cases`` over the births of ``exposure``."""

    cases: Count
    exposure: list[BirthYear] = Field(min_length=1, max_length=500)
    prior_shape: PriorShape = 0.5
    source: str = ""

    @model_validator(mode="after")
    def _distinct_years(self) -> Self:
        years = [b.year for b in self.exposure]
        if len(set(years)) != len(years):
            raise FieldError("exposure", "lists a birth year twice")
        return self


class IncidenceSection(Strict):
    """Incidence per million live births: exactly one of the three forms."""

    per_million_births: PerMillion | None = None
    from_counts: FromCounts | None = None
    draws_file: str | None = None
    quantity: str = ""
    draws: Annotated[int, Field(ge=1, le=100_000)] = 2000
    #: target Monte-Carlo standard error of the reported probabilities (P(enrolled in time),
    #: the probability levels of the bands): with incidence drawn from counts, the draws are
    #: raised (deterministically for a seed) until the largest MC SE is below it, up to
    #: ``mc_se_max_draws``; ``neosim accrual --mc-se`` sets it from the command line
    mc_se_target: Annotated[float, Field(ge=1e-5, le=0.5, allow_inf_nan=False)] | None = None
    mc_se_max_draws: Annotated[int, Field(ge=1, le=100_000)] = 100_000
    note: str = ""

    @model_validator(mode="after")
    def _one(self) -> Self:
        given = [self.per_million_births is not None, self.from_counts is not None,
                 self.draws_file is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of per_million_births, from_counts, draws_file")
        if self.draws_file is not None and not self.quantity:
            raise ValueError("draws_file needs quantity (the name of the draws in the file)")
        if self.mc_se_max_draws < self.draws:
            raise FieldError("mc_se_max_draws", "must be at least draws")
        return self


class RecruitmentSection(Strict):
    eligible_fraction: Fraction = 1.0
    targets: list[Annotated[int, Field(ge=1, le=100_000)]] = Field(min_length=1, max_length=100)
    horizon_months: Months = 120.0
    step_months: Annotated[float, Field(ge=0.01, le=120.0, allow_inf_nan=False)] = 3.0

    @model_validator(mode="after")
    def _grid_size(self) -> Self:
        if self.horizon_months / self.step_months > 100_000:
            raise FieldError("step_months", "gives more than 100000 time points up to "
                                            "horizon_months; use a coarser step")
        return self


class CheckSection(Strict):
    """Simulation check of the analytic bands (Monte-Carlo tolerance from its standard error)."""

    replicates: Annotated[int, Field(ge=1000, le=1_000_000)] = 20_000


class TradeoffSection(Strict):
    """Sample size against accrual duration for a survival design fed by this consortium."""

    method: Literal["schoenfeld", "freedman", "lachin-foulkes"] = "schoenfeld"
    accrual_months: list[Months] = Field(min_length=1, max_length=100)
    design: TrialDesign


class Config(ExperimentConfig):
    sites: list[SiteSection] = Field(min_length=1, max_length=MAX_LIST)
    incidence: IncidenceSection
    recruitment: RecruitmentSection
    check: CheckSection = CheckSection()
    tradeoff: TradeoffSection | None = None
    output: OutputSection = OutputSection()
