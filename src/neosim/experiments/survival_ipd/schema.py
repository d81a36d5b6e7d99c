"""Schema of the ``survival_ipd`` kind: data (IPD file or synthetic cohort), priors, families."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from neosim.config import (
    MONTHS_MAX,
    DiagnosticsSection,
    ExperimentConfig,
    FieldError,
    Hazard,
    HazardOrZero,
    Months,
    OutputSection,
    Probability,
    SamplerSection,
    Strict,
)
from neosim.models.families import FAMILIES
from neosim.models.survival import Priors

FamilyName = Literal[tuple(FAMILIES)]  # the registry's names: a new family needs no edit here
Span = Annotated[list[Annotated[float, Field(ge=0.0, le=MONTHS_MAX, allow_inf_nan=False)]],
                 Field(min_length=2, max_length=2)]
#: a shape parameter of a Weibull model: 0.05 to 20 (t ** shape stays finite for t <= 1200)
WeibullShape = Annotated[float, Field(ge=0.05, le=20.0, allow_inf_nan=False)]
#: at most this many cut points of a piecewise-exponential model
MAX_CUTS = 50
Cuts = Annotated[list[Months], Field(max_length=MAX_CUTS)]


class Truth(Strict):
    """Parameters of the generating model: shared ones a number, the others one value per
    subtype (in ``data.subtypes`` order); piecewise hazards one list per subtype."""

    hazard_per_month: (Annotated[list[Hazard], Field(max_length=20)]
                       | Annotated[list[Annotated[list[Hazard], Field(max_length=MAX_CUTS + 1)]],
                                   Field(max_length=20)] | None) = None
    weibull_shape: WeibullShape | None = None
    weibull_scale_months: Annotated[list[Months], Field(max_length=20)] | None = None
    cure_fraction: Annotated[list[Probability], Field(max_length=20)] | None = None


class SyntheticSection(Strict):
    """A synthetic cohort (see :mod:`neosim.survival.synthetic`); all outputs are marked."""

    n: Annotated[int, Field(ge=1, le=1_000_000)] = 50
    family: FamilyName = "weibull"
    cuts_months: Cuts = Field(default_factory=list)
    truth: Truth = Truth()
    subtype_weights: list[Annotated[float, Field(ge=1e-6, le=1e6, allow_inf_nan=False)]] = \
        Field(default_factory=list, max_length=20)
    sct_probability: Probability = 0.6
    months_to_sct: Span = Field(default_factory=lambda: [3.0, 6.0])
    pre_sct_hazard_per_month: HazardOrZero = 0.05
    follow_up_months: Span = Field(default_factory=lambda: [24.0, 96.0])
    mll_rearranged_probability: list[Annotated[float, Field(ge=0.0, le=1.0,
                                                            allow_inf_nan=False)]] = Field(
        default_factory=list, max_length=20)


class DataSection(Strict):
    """Either an IPD ``file`` or a ``synthetic`` cohort; and which patients enter."""

    file: str = ""
    synthetic: SyntheticSection | None = None
    subtypes: list[str] = Field(default_factory=lambda: ["ALL", "AML"], min_length=1,
                                max_length=20)
    time_origin: Literal["sct", "diagnosis"] = "sct"

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
    cuts_months: Cuts = Field(default_factory=lambda: [6.0, 24.0])
    #: the Weibull shape (log-normal sigma, cure's uncured Weibull shape): one shared by the
    #: subtypes, or one per subtype
    shape: Literal["shared", "per_subtype"] = "shared"
    #: one prior object per shared parameter (``hazard``, ``shape``, ``scale_months``,
    #: ``cure_fraction``), the model's own :class:`~neosim.models.survival.Priors`
    priors: Priors = Priors()

    @model_validator(mode="after")
    def _check(self) -> Self:
        if len(set(self.families)) != len(self.families):
            raise FieldError("families", "lists a family twice")
        if self.cuts_months != sorted(set(self.cuts_months)):
            raise FieldError("cuts_months", "must be strictly increasing")
        if "piecewise" in self.families and not self.cuts_months:
            raise ValueError("the piecewise family needs cuts_months")
        return self


class ReportSection(Strict):
    months: list[Months] = Field(default_factory=lambda: [12.0, 24.0, 60.0], min_length=1,
                                 max_length=100)
    curve_max_months: Months = 60.0
    curve_points: Annotated[int, Field(ge=2, le=2000)] = 121


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

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.export.enabled and self.export.family not in self.models.families:
            raise ValueError("export.family must be one of models.families")
        if self.sampler.chains * self.sampler.draws < 100:  # PSIS needs tail draws
            raise FieldError("sampler.draws", "PSIS-LOO needs at least 100 posterior draws "
                                              "(chains x draws)")
        return self
