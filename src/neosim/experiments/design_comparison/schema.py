"""Schema of the ``design_comparison`` kind (light imports only: ``validate`` loads it)."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from neosim.config import ExperimentConfig, FieldError, OutputSection, Ratio, Strict
from neosim.design.spec import OpenProbability, TrialDesign
from neosim.experiments.trial_simulation.schema import NormalSpec
from neosim.priors import Normal

#: subjects of one simulated trial: 4 (two per arm) to 10,000 (the engine's limit)
Subjects = Annotated[int, Field(ge=4, le=10_000)]


class GridSection(Strict):
    """The grid every design is compared on: true hazard ratios (the null ``theta_h0`` is added
    when missing) and total subjects."""

    hazard_ratios: list[Ratio] = Field(min_length=1, max_length=20)
    subjects: list[Subjects] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _distinct(self) -> Self:
        for name in ("hazard_ratios", "subjects"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise FieldError(name, "lists a value twice")
        return self


class AccrualSource(Strict):
    """Where the consortium's accrual comes from: an ``accrual`` experiment file (its sites,
    country tables and incidence), relative to this file. ``incidence_strata`` 1 accrues at
    the mean incidence; ``k > 1`` carries the incidence's uncertainty into the durations: the
    trials are split evenly over ``k`` accruals at the incidence quantiles ``(j + 0.5) / k``."""

    experiment: str = Field(min_length=1, max_length=4096)
    incidence_strata: Annotated[int, Field(ge=1, le=50)] = 1


class BayesianSection(Strict):
    """The Bayesian adaptive design: at the plan's looks, stop for efficacy when
    ``P(HR beyond theta_h0 | data) > efficacy`` (normal likelihood of the Cox log-HR, normal
    prior ``log_hr_prior``), for futility when the predictive probability of success at the
    last look is below ``futility``. With ``calibrate`` the efficacy threshold is searched on
    ``calibration_trials`` separate trials under the null so that the type-I error is
    ``target_type_i_error`` (default: the design's alpha)."""

    log_hr_prior: NormalSpec = Normal(mu=0.0, sigma=2.0)
    efficacy: OpenProbability = 0.975
    futility: OpenProbability | None = 0.05
    calibrate: bool = True
    target_type_i_error: Annotated[float, Field(ge=1e-4, le=0.5, allow_inf_nan=False)] | None \
        = None
    calibration_trials: Annotated[int, Field(ge=1000, le=1_000_000)] = 10_000

    @model_validator(mode="after")
    def _used(self) -> Self:
        if not self.calibrate and self.target_type_i_error is not None:
            raise FieldError("target_type_i_error", "is used only with calibrate = true (the "
                                                    "efficacy threshold is then searched)")
        return self


class SimulationSection(Strict):
    """Simulated trials per grid point (every design sees the same trials)."""

    n_trials: Annotated[int, Field(ge=100, le=1_000_000)] = 4000


class Config(ExperimentConfig):
    design: TrialDesign
    grid: GridSection
    accrual: AccrualSource
    bayesian: BayesianSection = BayesianSection()
    simulation: SimulationSection = SimulationSection()
    output: OutputSection = OutputSection()

    @model_validator(mode="after")
    def _design(self) -> Self:
        d = self.design
        if d.sequential is None:
            raise FieldError("design.sequential", "is required: the looks of the "
                             "group-sequential and Bayesian designs")
        if d.endpoint != "survival" or d.groups != 2:
            raise FieldError("design.groups", "the comparison is of two-arm survival designs")
        if d.sided != 1:
            raise FieldError("design.sided", "the comparison is one-sided (the Bayesian rule "
                             "has one direction)")
        if d.analysis.calendar_months is not None:
            raise FieldError("design.analysis.calendar_months", "the comparison's looks are "
                             "event-driven: give events, events_fraction or nothing (the "
                             "events expected by the end of accrual plus follow-up)")
        if d.hazard_ratio == d.theta_h0:
            raise FieldError("design.hazard_ratio", "must differ from theta_h0: it sets the "
                             "direction of benefit")
        return self
