"""Experiment kind ``evidence_pooling``: pool published cohorts into a MAP prior.

Steps: published figures (packaged table or a file of the same schema) are turned into study
likelihoods on the logit scale with every assumption stated (:mod:`neosim.models.evidence`); the
hierarchical random-effects model is fitted with NUTS (:mod:`neosim.models.pooling`) and checked
against a deterministic numerical integration of the same model
(:mod:`neosim.models.pooling_quadrature`); the MAP prior of a new cohort is drawn, approximated by a
beta mixture fitted by EM with the number of components chosen by AIC/BIC, checked against the
draws' quantiles, robustified with a vague component, and saved as a prior file
(``priors/<name>.json``, plus ``priors/<name>_nonrobust.json``); effective sample sizes (moment
and ELIR) are reported; leave-one-study-out and prior-on-τ (and optionally time-conversion)
sensitivity runs use the numerical integration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Self

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
from neosim.errors import InputError
from neosim.experiments import Outcome

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


class NormalPrior(Strict):
    mean: LogitLocation = 0.0
    sd: LogitSd = 2.0


class TauPriorSection(Strict):
    """Half-normal(scale) or half-Student-t(nu, scale) prior on the between-study SD."""

    family: Literal["half_normal", "half_t"] = "half_normal"
    scale: TauScale = 1.0
    #: degrees of freedom of the half-t, 1 (half-Cauchy) to 1e4: heavier tails put MAP draws
    #: at exactly 0 and 1
    nu: Annotated[float, Field(ge=1.0, le=1e4, allow_inf_nan=False)] = 3.0

    def prior(self):
        from neosim.models.pooling_quadrature import TauPrior

        return TauPrior(self.family, self.scale, self.nu)

    def label(self) -> str:
        if self.family == "half_normal":
            return f"half-normal({self.scale:g})"
        return f"half-t({self.nu:g}, {self.scale:g})"


class ModelSection(Strict):
    mu_prior: NormalPrior = NormalPrior()
    tau_prior: TauPriorSection = TauPriorSection()


class BetaComponent(Strict):
    a: PriorShape = 1.0
    b: PriorShape = 1.0


class MapSection(Strict):
    """MAP draws, their beta-mixture approximation and its robustification."""

    replicates: Annotated[int, Field(ge=1, le=100)] = 5
    k_max: Annotated[int, Field(ge=1, le=6)] = 4
    criterion: Literal["aic", "bic"] = "bic"
    quantile_tolerance_sd: Annotated[float, Field(ge=1e-6, le=100.0, allow_inf_nan=False)] = 0.05
    robust_weight: Annotated[float, Field(ge=0.0, lt=1.0, allow_inf_nan=False)] = 0.2
    vague: BetaComponent = BetaComponent()


class PriorFileSection(Strict):
    name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]{0,100}$")]
    quantity: Annotated[str, Field(min_length=1)]
    description: str = ""


class SensitivitySection(Strict):
    leave_one_out: bool = True
    tau_priors: list[TauPriorSection] = Field(default_factory=list, max_length=20)
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


@dataclass
class Prepared:
    """Everything a run needs, loaded and validated before any folder is created."""

    cfg: Config
    table: Any
    rows: list  # FigureRow, in config order
    studies: list  # StudyLikelihood, in config order
    table_status: list[dict]
    time_variants: dict[str, list]  # time conversion -> StudyLikelihoods


def prepare(cfg: Config, source_file: str) -> Prepared:
    """Load the table, convert the chosen figures, and check every sensitivity variant."""
    from neosim.data.published import load_table
    from neosim.models.evidence import convert, convert_all

    d = cfg.data
    try:
        if d.table:
            path = Path(d.table)
            if not path.is_absolute():
                path = Path(source_file).parent / path
            table = load_table(path)
        else:
            table = load_table()
    except InputError as exc:
        raise exc.at(file=source_file, field="data.table") from None
    rows = [table.figure(fid, file=source_file, field=f"data.figures[{i}]")
            for i, fid in enumerate(d.figures)]
    settings = cfg.conversion.settings()
    studies = convert_all(rows, settings, file=source_file, field="data.figures")
    variants = {}
    for j, how in enumerate(cfg.sensitivity.time_conversions):
        try:
            variants[how] = convert_all(rows, cfg.conversion.settings(time_conversion=how))
        except InputError as exc:
            raise InputError(exc.message, file=source_file,
                             field=f"sensitivity.time_conversions[{j}]") from None
    status = []
    for fid, row in table.figures.items():
        entry = {"figure": fid, "study": row.study.id, "as_published": row.as_published,
                 "measure": row.measure, "landmark_months": row.landmark_months,
                 "evidence": row.evidence, "included": fid in d.figures}
        if fid in d.figures:
            entry["reason"] = "listed in data.figures"
        else:
            try:
                convert(row, settings)
                entry["reason"] = "not listed in data.figures"
            except InputError as exc:
                entry["reason"] = f"not listed in data.figures; under these settings: "\
                                  f"{exc.message}"
        status.append(entry)
    from neosim import budget

    budget.check(_estimate(cfg), cfg.output, file=source_file)
    return Prepared(cfg=cfg, table=table, rows=rows, studies=studies, table_status=status,
                    time_variants=variants)


def _estimate(cfg: Config):
    """Peak memory and rough duration: the NUTS fit with its MAP draws and mixture fits, or the
    largest quadrature grid (log marginals of every study on the grid x tau nodes, and one rFFT
    kernel per tau node), whichever is larger; time adds up every quadrature refit."""
    import math

    from neosim import budget

    q, k = cfg.quadrature, len(cfg.data.figures)
    m = round(2 * q.half_width / q.step) + 1
    nfft = 2 ** math.ceil(math.log2(3 * m - 2))
    half = nfft // 2 + 1
    grid = budget.F8 * (k + 4) * m * q.n_tau + 16.0 * half * (q.n_tau + 3 * k) + \
        budget.F8 * 8 * k * m
    refits = 2 + (k if cfg.sensitivity.leave_one_out else 0) + \
        len(cfg.sensitivity.tau_priors) + len(cfg.sensitivity.time_conversions)
    grid_seconds = refits * q.n_tau * (2 * k + 2) * nfft * math.log2(nfft) * 5e-9
    fit = budget.for_sampler_kind(cfg.sampler, k + 2 + 3 * cfg.map.replicates * cfg.map.k_max,
                                  extra_drivers=("map.replicates", "map.k_max"))
    # EM fits of 1 .. k_max beta components to every MAP draw (measured: ~2e-5 s per draw and
    # component)
    s, mp = cfg.sampler, cfg.map
    em_seconds = s.chains * s.draws * mp.replicates * mp.k_max * (mp.k_max + 1) / 2 * 2e-5
    quad = ("quadrature.n_tau", "quadrature.step", "quadrature.half_width", "data.figures",
            "sensitivity.tau_priors")
    memory = budget.BASE_PYMC + max(grid, fit.memory_bytes - budget.BASE_PYMC)
    return budget.Estimate(
        memory, fit.seconds + grid_seconds + em_seconds,
        budget.ranked({quad: grid, fit.drivers: fit.memory_bytes - budget.BASE_PYMC}),
        budget.ranked({quad: grid_seconds, fit.time_drivers: fit.seconds,
                       ("map.replicates", "map.k_max", "sampler.draws"): em_seconds}))




def execute(prep: Prepared, folder, progress) -> Outcome:
    """Fit, check, approximate, robustify, write the prior file, run sensitivity, draw."""
    from neosim.experiments import evidence_pooling_run

    return evidence_pooling_run.run(prep, folder, progress, Outcome)


def sbc_spec(prep: Prepared):
    """Calibration spec of the random-effects model: this experiment's priors and studies (their
    SEs, or their patient numbers for binomial studies); the study data are simulated."""
    from neosim.calibration import SBCSpec
    from neosim.models import pooling

    m = prep.cfg.model
    studies = pooling.sbc_studies(prep.studies)
    return SBCSpec(
        name="random-effects pooling model", build=pooling.sbc_build,
        build_args=(studies, m.mu_prior.mean, m.mu_prior.sd, m.tau_prior.prior()),
        draw=pooling.sbc_draw, parameters=("mu", "tau", "theta"),
        coords=(("theta", tuple(st.figure_id for st in studies)),))
