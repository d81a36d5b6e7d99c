"""Schema of the ``evidence_pooling`` kind: published table, conversions, model, MAP, checks."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from neosim.config import (
    DiagnosticsSection,
    ExperimentConfig,
    FieldError,
    Months,
    OutputSection,
    PriorShape,
    SamplerSection,
    Strict,
)
from neosim.priors import Beta, HalfNormal, HalfStudentT, Normal, bounded, one_of

FigureId = Annotated[str, Field(min_length=1)]


class DataSection(Strict):
    """Which table, and which of its figures enter the pooled analysis (one per study)."""

    table: str = ""  # empty: the packaged table of published cohorts
    figures: list[FigureId] = Field(min_length=2, max_length=1000)

    @model_validator(mode="after")
    def _unique(self) -> Self:
        if len(set(self.figures)) != len(self.figures):
            raise FieldError("figures", "lists a figure twice")
        return self


class ConversionSection(Strict):
    """How published figures become likelihoods (see :mod:`neosim.models.evidence`)."""

    landmark_months: Months = 24.0
    measures: list[Literal["OS", "EFS"]] = Field(default_factory=lambda: ["OS"], min_length=1,
                                                 max_length=2)
    likelihood: Literal["logit_normal", "effective_binomial"] = "logit_normal"
    time_conversion: Literal["plateau", "exponential", "require_same"] = "require_same"
    missing_se: Literal["binomial_n", "error"] = "error"
    unknown_follow_up: Literal["as_landmark", "error"] = "error"
    ci_scale: Literal["proportion", "logit"] = "proportion"

    def settings(self, **override):
        from neosim.models.evidence import ConversionSettings

        d = self.model_dump()
        d["measures"] = tuple(d["measures"])
        d.update(override)
        return ConversionSettings(**d)


#: Priors on the logit scale, bounded so that the MAP draws stay a distribution a beta mixture
#: can fit: a mean within +-10 (proportions 5e-5 to 0.99995), an SD of 0.1 to 100 (narrower
#: is a point mass that makes every MAP draw equal); the between-study SD's scale 0.01 to 10
#: (a logit SD of 10 already spreads a proportion over all of (0, 1)).
LogitLocation = Annotated[float, Field(ge=-10.0, le=10.0, allow_inf_nan=False)]
LogitSd = Annotated[float, Field(ge=0.1, le=100.0, allow_inf_nan=False)]
TauScale = Annotated[float, Field(ge=0.01, le=10.0, allow_inf_nan=False)]


#: the priors of the random-effects model (:mod:`neosim.priors` objects with these bounds):
#: ``mu_prior`` a normal prior of the logit mean, ``tau_prior`` a half-normal (the default when
#: the table names no family) or half-Student-t prior of the between-study SD; its degrees of
#: freedom 1 (half-Cauchy) to 1e4: heavier tails put MAP draws at exactly 0 and 1
MuPrior = bounded(Normal, mu=(LogitLocation, 0.0), sigma=(LogitSd, 2.0))
TauHalfNormal = bounded(HalfNormal, sigma=(TauScale, 1.0))
TauHalfT = bounded(HalfStudentT, nu=(Annotated[float, Field(ge=1.0, le=1e4, allow_inf_nan=False)],
                                     3.0), sigma=(TauScale, 1.0))
TauPrior = one_of(TauHalfNormal, TauHalfT, default="half_normal")


class ModelSection(Strict):
    mu_prior: MuPrior = MuPrior()
    tau_prior: TauPrior = TauHalfNormal()


#: the vague component of the robust mixture: a beta prior (``a``/``b`` or ``alpha``/``beta``),
#: shapes in [1e-3, 1e6]
VaguePrior = bounded(Beta, alpha=(PriorShape, 1.0), beta=(PriorShape, 1.0))


class MapSection(Strict):
    """MAP draws, their beta-mixture approximation and its robustification."""

    replicates: Annotated[int, Field(ge=1, le=100)] = 5
    k_max: Annotated[int, Field(ge=1, le=6)] = 4
    criterion: Literal["aic", "bic"] = "bic"
    quantile_tolerance_sd: Annotated[float, Field(ge=1e-6, le=100.0, allow_inf_nan=False)] = 0.05
    robust_weight: Annotated[float, Field(ge=0.0, lt=1.0, allow_inf_nan=False)] = 0.2
    vague: VaguePrior = VaguePrior()


class PriorFileSection(Strict):
    name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]{0,100}$")]
    quantity: Annotated[str, Field(min_length=1)]
    description: str = ""


class SensitivitySection(Strict):
    leave_one_out: bool = True
    tau_priors: list[TauPrior] = Field(default_factory=list, max_length=20)
    time_conversions: list[Literal["plateau", "exponential", "require_same"]] = Field(
        default_factory=list, max_length=3)


class QuadratureSection(Strict):
    """Grid of the numerical integration and the MCMC agreement check."""

    step: Annotated[float, Field(ge=1e-3, le=0.1)] = 0.02
    half_width: Annotated[float, Field(ge=5.0, le=60.0)] = 15.0
    n_tau: Annotated[int, Field(ge=50, le=4000)] = 200
    agreement_z_max: Annotated[float, Field(ge=0.01, le=1e6, allow_inf_nan=False)] = 5.0


class Config(ExperimentConfig):
    """Schema of an ``evidence_pooling`` experiment file."""

    data: DataSection
    conversion: ConversionSection = ConversionSection()
    model: ModelSection = ModelSection()
    map: MapSection = MapSection()
    prior_file: PriorFileSection
    sensitivity: SensitivitySection = SensitivitySection()
    quadrature: QuadratureSection = QuadratureSection()
    sampler: SamplerSection = SamplerSection()
    diagnostics: DiagnosticsSection = DiagnosticsSection()
    output: OutputSection = OutputSection()
