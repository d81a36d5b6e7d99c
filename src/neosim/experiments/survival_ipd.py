"""Experiment kind ``survival_ipd``: parametric post-SCT survival from patient-level data.

Fits each listed family of :mod:`neosim.models.survival` (exponential, Weibull, piecewise
exponential, mixture cure) to the IPD of a CSV file (schema in :mod:`neosim.survival.ipd`) or to
a synthetic cohort drawn from a stated model (:mod:`neosim.survival.synthetic`), timed from SCT
(landmark) or from diagnosis. Reports S(t) bands, S at the listed months, median survival and the
cure fraction; compares the families by PSIS-LOO; draws the bands over the Kaplan–Meier curve;
and can export a fit's posterior as a versioned design-prior file (:mod:`neosim.priors`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Self

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
    PriorShape,
    Probability,
    SamplerSection,
    Strict,
)
from neosim.errors import InputError
from neosim.experiments import Outcome
from neosim.models.families import FAMILIES
from neosim.models.survival import Priors

FamilyName = Literal[tuple(FAMILIES)]  # the registry's names: a new family needs no edit here
Span = Annotated[list[Annotated[float, Field(ge=0.0, le=MONTHS_MAX, allow_inf_nan=False)]],
                 Field(min_length=2, max_length=2)]
#: a shape parameter of a Weibull model: 0.05 to 20 (t ** shape stays finite for t <= 1200)
WeibullShape = Annotated[float, Field(ge=0.05, le=20.0, allow_inf_nan=False)]
#: a standard deviation on the log scale of a LogNormal prior: 0.01 to 5
LogSd = Annotated[float, Field(ge=0.01, le=5.0, allow_inf_nan=False)]
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


_PRIORS = Priors()  # numpy-only module: light enough for a schema


class PriorSection(Strict):
    """Priors shared by the families (see :class:`neosim.models.survival.Priors`)."""

    # defaults come from the model's own Priors (one source of truth)
    # Gamma(hazard_a, rate hazard_b months) on hazards; Beta(cure_alpha, cure_beta) on the cure
    # fraction: shapes and rates in [1e-3, 1e6]. LogNormal priors on the Weibull shape (median
    # in [0.05, 20]) and scale (median in months): log-scale SDs in [0.01, 5].
    hazard_a: PriorShape = _PRIORS.hazard_a
    hazard_b: PriorShape = _PRIORS.hazard_b
    shape_median: WeibullShape = _PRIORS.shape_median
    shape_sd_log: LogSd = _PRIORS.shape_sd_log
    scale_median_months: Months = _PRIORS.scale_median_months
    scale_sd_log: LogSd = _PRIORS.scale_sd_log
    cure_alpha: PriorShape = _PRIORS.cure_alpha
    cure_beta: PriorShape = _PRIORS.cure_beta


class ModelsSection(Strict):
    families: list[FamilyName] = Field(
        default_factory=lambda: ["exponential", "weibull", "piecewise", "cure"], min_length=1,
        max_length=len(FAMILIES))
    cuts_months: Cuts = Field(default_factory=lambda: [6.0, 24.0])
    priors: PriorSection = PriorSection()

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


@dataclass
class Prepared:
    cfg: Config
    ipd: Any
    data: Any  # SurvivalData
    families: list
    priors: Any
    description: str
    spec: Any = None


def prepare(cfg: Config, source_file: str) -> Prepared:
    """Load or draw the IPD, build the landmark data; every problem is an InputError."""
    import numpy as np

    from neosim.models import survival as sv
    from neosim.survival.ipd import landmark, load_ipd

    d = cfg.data
    spec = None
    if d.file:
        path = Path(d.file)
        path = path if path.is_absolute() else Path(source_file).parent / path
        try:
            ipd = load_ipd(path)
        except InputError as exc:
            raise exc.at(field="data.file") from None
        description = f"IPD file {path.name}"
    else:
        from neosim.survival.synthetic import draw_cohort

        spec = _synthetic_spec(d, source_file)
        seed = np.random.SeedSequence(cfg.experiment.seed, spawn_key=(1,))
        ipd = draw_cohort(spec, seed)
        description = f"synthetic cohort: {spec.describe()}"
    data = landmark(ipd, d.subtypes, origin=d.time_origin, file=source_file)
    families = [sv.make_family(f, cfg.models.cuts_months) for f in cfg.models.families]
    priors = sv.Priors(**cfg.models.priors.model_dump())
    from neosim import budget

    # every family's fit is held (for LOO): parameters, S at the months, and one pointwise
    # log-likelihood per patient per draw; S(t) curves are a transient of curve_points
    n_obs, k, s = int(np.asarray(data.time).size), len(d.subtypes), cfg.sampler
    per_draw = n_obs + 3 * k + len(cfg.models.cuts_months) * k + k * (len(cfg.report.months) + 2)
    curves = 3 * budget.F8 * s.chains * s.draws * k * cfg.report.curve_points
    est = budget.for_sampler_kind(
        s, per_draw, fits=len(families), kept_fits=len(families), data_size=n_obs,
        extra_bytes=curves,
        extra_drivers=("data.synthetic.n" if d.synthetic is not None else "data.file",
                       "models.families", "report.curve_points"))
    budget.check(est, cfg.output, file=source_file)
    return Prepared(cfg, ipd, data, families, priors, description, spec)


def _synthetic_spec(d: DataSection, source_file: str):
    import numpy as np

    from neosim.models import survival as sv
    from neosim.survival.synthetic import CohortSpec

    syn = d.synthetic
    at = "data.synthetic"
    k = len(d.subtypes)
    try:
        family = sv.make_family(syn.family, syn.cuts_months)
    except ValueError as exc:
        raise InputError(str(exc), file=source_file, field=f"{at}.cuts_months") from None
    truth = {}
    for name in family.parameters:
        value = getattr(syn.truth, name, None)
        field_ = f"{at}.truth.{name}"
        if value is None:
            raise InputError(f"the {family.name} model needs {name}", file=source_file,
                             field=field_)
        arr = np.asarray(value, float)
        want = family.param_shape(name, k)
        if arr.shape != want:
            raise InputError(f"expected shape {want} (subtypes {', '.join(d.subtypes)}), got "
                             f"{arr.shape}", file=source_file, field=field_)
        truth[name] = arr
    for name in ("hazard_per_month", "weibull_shape", "weibull_scale_months", "cure_fraction"):
        if name not in family.parameters and getattr(syn.truth, name) is not None:
            raise InputError(f"not a parameter of the {family.name} model", file=source_file,
                             field=f"{at}.truth.{name}")
    for name in ("subtype_weights", "mll_rearranged_probability"):
        if getattr(syn, name) and len(getattr(syn, name)) != k:
            raise InputError(f"needs one value per subtype ({k})", file=source_file,
                             field=f"{at}.{name}")
    for name in ("months_to_sct", "follow_up_months"):
        lo, hi = getattr(syn, name)
        if lo > hi:
            raise InputError("the lower end exceeds the upper end", file=source_file,
                             field=f"{at}.{name}")
    return CohortSpec(
        n=syn.n, subtypes=tuple(d.subtypes),
        subtype_weights=tuple(syn.subtype_weights or [1.0] * k), family=family, truth=truth,
        sct_probability=syn.sct_probability, months_to_sct=tuple(syn.months_to_sct),
        pre_sct_hazard_per_month=syn.pre_sct_hazard_per_month,
        follow_up_months=tuple(syn.follow_up_months),
        mll_rearranged_probability=tuple(syn.mll_rearranged_probability))




def execute(prep: Prepared, folder, progress) -> Outcome:
    """Fit every family, derive and compare, write results, figures and the design prior."""
    import pandas as pd
    import xarray as xr

    from neosim import inference, results
    from neosim.survival import analysis as out

    cfg = prep.cfg
    s = cfg.sampler
    settings = inference.SamplerSettings(s.chains, s.draws, s.tune, s.target_accept, s.cores)
    synthetic = bool(prep.ipd.synthetic)
    ci = dict(ci_prob=cfg.output.ci_prob, ci_kind=cfg.output.ci_kind)
    fits, summaries, reports = {}, [], {}
    for i, family in enumerate(prep.families):
        with folder.timed(f"fit_{family.name}"), progress.stage(
                f"Fitting the {family.name} model ({s.chains} x {s.draws} draws)"):
            dt = out.fit_family(family, prep.data, prep.priors, settings,
                                seed=_seed(cfg.experiment.seed, 2, i))
            dt = out.add_derived(dt, family, cfg.report, ci_prob=cfg.output.ci_prob)
            names = out.reported_names(dt, family, cfg.report)
            table = inference.summarize(dt, names, **ci)
            reports[family.name] = inference.convergence_report(dt, table, cfg.diagnostics)
            table["parameter"] = family.name + "/" + table["parameter"]
            summaries.append(table)
            fits[family.name] = dt
    with folder.timed("compare"), progress.stage("Comparing the models by PSIS-LOO"):
        loo = out.loo_table(fits)
        km = out.kaplan_meier_groups(prep.data)
        findings = out.findings(prep, fits, km, loo)
    summary = pd.concat(summaries, ignore_index=True)
    passed = all(r["passed"] for r in reports.values())
    diagnostics = out.combined_diagnostics(reports)
    attrs = {"neosim_config_sha256": folder.config_sha256, "neosim_seed": folder.seed,
             "neosim_data": prep.description, "neosim_synthetic": int(synthetic),
             "neosim_models": ",".join(fits)}
    tree = xr.DataTree.from_dict({f"/{name}": None for name in fits})
    for name, dt in fits.items():
        tree[name] = dt
    tree["kaplan_meier"] = xr.DataTree.from_dict({f"/{k}": v for k, v in km.items()})
    with folder.timed("write"), progress.stage("Writing results"):
        folder.write_netcdf("posterior.nc", tree, attrs)
        folder.write_summary(summary)
        folder.write_json("diagnostics.json", diagnostics)
        folder.write_json("findings.json", findings)
        results.atomic_write_text(folder.file("loo_comparison.csv"),
                                  loo.to_csv(float_format="%.10g"))
        if synthetic:
            results.atomic_write_text(folder.file("synthetic_ipd.csv"), prep.ipd.to_csv())
        exported = []
        if cfg.export.enabled:
            exported = out.export_priors(fits[cfg.export.family], prep, folder)
        folder.write_data_sources([_data_source(prep, synthetic)])
    with folder.timed("figures"), progress.stage("Drawing figures"):
        _figures(prep, folder, fits, km, loo, findings, synthetic)
    msg = ("convergence checks passed" if passed
           else "; ".join(f"{k}: {inference.failed_checks_message(r)}"
                          for k, r in reports.items() if not r["passed"]))
    headline = out.headline(summary, loo, cfg.report, synthetic)
    if exported:
        headline.append("design prior: " + ", ".join(str(p) for p in exported))
    return Outcome(passed, msg, headline,
                   provenance={"synthetic_data": synthetic, "data_description": prep.description})


def _data_source(prep: Prepared, synthetic: bool) -> dict[str, Any]:
    """``data.json`` record: the generating model of a synthetic cohort, or the IPD file."""
    if synthetic:
        return {"name": "synthetic IPD", "short": "Synthetic cohort", "synthetic": True,
                "citation": f"Synthetic cohort drawn by neosim (seed "
                            f"{prep.cfg.experiment.seed}); no patient data.",
                "description": f"{prep.description}. Written to synthetic_ipd.csv."}
    return {"name": Path(prep.cfg.data.file).name, "short": "IPD file", "synthetic": False,
            "citation": f"Individual patient data, {prep.cfg.data.file} (schema neosim-ipd/1; "
                        "cite as its data owner directs)",
            "description": prep.description}


def _figures(prep: Prepared, folder, fits, km, loo, findings, synthetic: bool) -> None:
    """One grid of every model's S(t) band over the Kaplan–Meier curves, and its index entry."""
    from neosim.plots import survival as survival_plot

    cfg = prep.cfg
    sct = cfg.data.time_origin == "sct"
    caption = f"Data: {prep.description}; " + ("post-SCT landmark" if sct else "from diagnosis")
    order = [m for m in loo.index if m in fits]
    notes = {}
    for m in order:
        row = loo.loc[m]
        notes[m] = (f"LOO rank {int(row['rank']) + 1}" +
                    (f", weight {row['weight']:.2f}" if "weight" in loo.columns else ""))
    curves = {m: fits[m]["survival_curve"].to_dataset() for m in order}
    for fmt in cfg.output.figure_formats:
        survival_plot.plot_survival_models(
            curves, km, folder.figure("survival_models", fmt), caption=caption,
            style=cfg.output, synthetic=synthetic,
            time_label="months since SCT" if sct else "months since diagnosis",
            row_notes=notes, counts=findings["patients_analysed"])
    level = f"{cfg.output.ci_prob:.0%}"
    folder.add_figure(
        "survival_models", title="Survival by subtype under each model",
        caption=f"Posterior median survival S(t) and its {level} credible band under each "
                "parametric model (rows, best PSIS-LOO first) over the Kaplan–Meier curve of "
                "the data (black steps, ticks at censoring), by subtype (columns): a model fits "
                "where the Kaplan–Meier curve stays inside its band.", synthetic=synthetic)


def _seed(seed: int, *key: int) -> int:
    import numpy as np

    child = np.random.SeedSequence(seed, spawn_key=key)
    return int(child.generate_state(1, np.uint32)[0])


def sbc_models(prep: Prepared) -> list[str]:
    """The families an ``sbc`` experiment can calibrate on this experiment's design."""
    return [f.name for f in prep.families]


def sbc_spec(prep: Prepared, model: str):
    """Calibration spec of family ``model``: this experiment's priors, patients and censoring
    (the synthetic cohort's follow-up mechanism, or the reverse Kaplan–Meier of the IPD file)."""
    from neosim.survival import sbc

    family = next(f for f in prep.families if f.name == model)
    if prep.spec is not None:
        syn = prep.spec
        follow_up = sbc.CohortFollowUp(
            follow_up_months=tuple(syn.follow_up_months), months_to_sct=tuple(syn.months_to_sct),
            pre_sct_hazard_per_month=syn.pre_sct_hazard_per_month,
            origin=prep.cfg.data.time_origin)
    else:
        follow_up = sbc.EmpiricalFollowUp.from_data(prep.data)
    return sbc.sbc_spec(family, prep.data, prep.priors, follow_up)
