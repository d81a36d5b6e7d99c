"""Schema of the ``trial_simulation`` kind (light imports only: ``validate`` loads it)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from neosim.compute import ComputeSection
from neosim.config import (
    MAX_LIST,
    ExperimentConfig,
    FieldError,
    Months,
    OutputSection,
    PriorLocation,
    PriorScale,
    Probability,
    Ratio,
    Strict,
)
from neosim.design.spec import TrialDesign
from neosim.priors import Gamma, Normal, bounded

# ---------------------------------------------------------------------------------------------
# Schema
# ---------------------------------------------------------------------------------------------

#: grid values a design field may take (numbers, or names such as a control family)
GridValue = Annotated[float, Field(allow_inf_nan=False)] | str
#: a dotted path into the design, e.g. ``hazard_ratio`` or ``control.median_months``
GridKey = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}(\.[a-z][a-z0-9_]{0,63}){0,3}$")]


def design_field_exists(path: str) -> bool:
    """Whether ``path`` (dotted) names a field of :class:`TrialDesign` or a table below it."""
    model: Any = TrialDesign
    for part in path.split("."):
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return False
        ann = fields[part].annotation
        model = next((t for t in (ann, *getattr(ann, "__args__", ()))
                      if hasattr(t, "model_fields")), None)
    return True


def set_path(data: dict, path: str, value: Any) -> dict:
    """A copy of the nested dict ``data`` with the dotted ``path`` set to ``value``."""
    head, _, rest = path.partition(".")
    out = dict(data)
    out[head] = set_path(dict(out.get(head) or {}), rest, value) if rest else value
    return out

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
    #: logrank and cox: the rejection region (lower: HR < 1, the default; upper: HR > 1;
    #: two-sided: alpha / 2 per tail)
    direction: Literal["lower", "upper", "two-sided"] = "lower"
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
    """The designs to simulate: ``subjects`` (each a whole number of patients) and any other
    field of the ``[design]`` table by name (``hazard_ratio``, ``followup_months``,
    ``"control.median_months"``, ``"dropout.hazard_per_month"`` …), each a list of values. Every
    combination is simulated; scenario ``i`` in row-major order (subjects first, then
    ``hazard_ratio``, then the other fields in file order) is seeded with ``scenario_index = i``.
    """

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    subjects: Annotated[list[Annotated[int, Field(ge=2, le=10_000)]],
                        Field(min_length=1, max_length=MAX_LIST)]
    hazard_ratio: Annotated[list[Ratio], Field(min_length=1, max_length=MAX_LIST)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "n" in data:
            raise FieldError("n", "renamed: write subjects (the design field it sets)")
        return data

    @model_validator(mode="after")
    def _check(self) -> Self:
        from pydantic import TypeAdapter

        extra = self.model_extra or {}
        if len(extra) > 4:
            raise ValueError("a grid varies at most 6 fields")
        values = TypeAdapter(Annotated[list[GridValue], Field(min_length=1,
                                                              max_length=MAX_LIST)])
        for key, value in extra.items():
            TypeAdapter(GridKey).validate_python(key)
            if key in ("groups", "endpoint", "analysis", "control", "dropout") or \
                    not design_field_exists(key):
                raise FieldError(key, "is not a field of the [design] table that a grid can "
                                      "vary (write its dotted path, e.g. control.median_months)")
            extra[key] = values.validate_python(value)
        for key, value in self.axes().items():
            if len(set(map(str, value))) != len(value):
                raise FieldError(key, "grid values must be distinct")
        return self

    def axes(self, design: TrialDesign | None = None) -> dict[str, list]:
        """Every axis in scenario order: ``subjects``, ``hazard_ratio`` (the design's value when
        not varied), then the other fields in file order."""
        hr = self.hazard_ratio if self.hazard_ratio is not None else (
            [design.hazard_ratio] if design is not None else [])
        return {"subjects": list(self.subjects), "hazard_ratio": list(hr),
                **{k: list(v) for k, v in (self.model_extra or {}).items()}}


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

    design: TrialDesign
    grid: GridSection
    analyses: Annotated[list[AnalysisSpec], Field(min_length=1, max_length=50)]
    simulation: SimulationSection = SimulationSection()
    compute: ComputeSection = ComputeSection()
    assurance: AssuranceSection | None = None
    search: SearchSection | None = None
    output: OutputSection = OutputSection()

    @model_validator(mode="before")
    @classmethod
    def _old_table(cls, data: Any) -> Any:
        if isinstance(data, dict) and "trial" in data:
            raise FieldError("trial", "replaced by the [design] table (the one TrialDesign of "
                                      "neosim samplesize/power and survival_design; see "
                                      "experiments/trial_power.toml)")
        return data

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.design.endpoint != "survival":
            raise FieldError("design.endpoint", "trial_simulation simulates survival designs")
        if self.search is not None and self.grid.model_extra:
            raise FieldError("search", "a sample-size search needs a grid of subjects and "
                                       "hazard_ratio only")
        return self
