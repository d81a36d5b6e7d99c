"""Experiment kind ``survival_aggregate``: survival after SCT by subtype from published counts.

The number transplanted is not reported (JILSG 2006), so it is a latent count with a stated
prior over its possible range, summed out exactly (:mod:`neosim.models.survival_aggregate`).
Besides the main fit, the run refits the same compiled model for each fixed transplanted count
(every combination over the subtypes) and for each listed scale of the prior on the
between-subtype spread, and reports how far the conclusions move (``sensitivity.csv``,
``findings.json``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Self

from pydantic import Field, model_validator

from neosim import seeds
from neosim.config import (
    MAX_LIST,
    DiagnosticsSection,
    ExperimentConfig,
    FieldError,
    OutputSection,
    PriorLocation,
    SamplerSection,
    Strict,
)
from neosim.errors import InputError
from neosim.experiments import Outcome
from neosim.inputs import resolve_path
from neosim.priors import HalfNormal, Normal, bounded


class DataSection(Strict):
    """The cohort: a packaged ``dataset`` or a ``file`` of the subtype-cohort schema."""

    dataset: str = "jilsg2006"
    file: str = ""
    subtypes: list[str] = Field(default_factory=lambda: ["ALL", "AML"], min_length=1,
                                max_length=20)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if len(set(self.subtypes)) != len(self.subtypes):
            raise FieldError("subtypes", "lists a subtype twice")
        return self


#: on the logit scale: SDs and scales 1e-3 to 100 (wider is flat on (0, 1) and only slows the
#: sampler)
LogitScale = Annotated[float, Field(ge=1e-3, le=100.0, allow_inf_nan=False)]
#: the priors of the hierarchy (:mod:`neosim.priors` objects with these bounds)
NormalPrior = bounded(Normal, mu=(PriorLocation, 0.0), sigma=(LogitScale, 1.5))
HalfNormalPrior = bounded(HalfNormal, sigma=(LogitScale, 1.0))


class TransplantedPrior(Strict):
    """Prior of one subtype's unreported number transplanted, over ``survivors .. cases``.

    ``"uniform"`` gives every possible count equal weight; ``"weights"`` takes ``weights``, one
    non-negative number per count from the number of survivors up to the number of cases.
    """

    prior: Literal["uniform", "weights"] = "uniform"
    #: relative weights, 0 to 1e6 each
    weights: list[Annotated[float, Field(ge=0.0, le=1e6, allow_inf_nan=False)]] = Field(
        default_factory=list, max_length=MAX_LIST)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.prior == "weights" and (not self.weights or sum(self.weights) <= 0):
            raise FieldError("weights", "must list at least one positive weight")
        if self.prior == "uniform" and self.weights:
            raise ValueError("weights are only used with prior = \"weights\"")
        return self


class ModelSection(Strict):
    """Hierarchy on the logit scale: ``logit p_s = logit_mean + logit_sd * z_s``."""

    logit_mean: NormalPrior = NormalPrior()
    logit_sd: HalfNormalPrior = HalfNormalPrior()
    transplanted: dict[str, TransplantedPrior] = Field(default_factory=dict, max_length=20)


class SensitivitySection(Strict):
    """Refits that show how much the answer depends on what is unknown."""

    fixed_transplanted: bool = True
    max_scenarios: Annotated[int, Field(ge=1, le=10_000)] = 200
    logit_sd_scales: list[LogitScale] = Field(default_factory=lambda: [0.5, 1.0, 2.0],
                                              max_length=20)


class Config(ExperimentConfig):
    """Schema of a ``survival_aggregate`` experiment file."""

    data: DataSection = DataSection()
    model: ModelSection = ModelSection()
    sensitivity: SensitivitySection = SensitivitySection()
    sampler: SamplerSection = SamplerSection(target_accept=0.95)
    diagnostics: DiagnosticsSection = DiagnosticsSection()
    output: OutputSection = OutputSection()


@dataclass
class Prepared:
    cfg: Config
    cohort: Any
    data: Any  # AggregateData of the main fit
    known: dict[str, int]  # subtypes whose number transplanted is reported
    scenarios: list[tuple[int, ...]] = field(default_factory=list)


def prepare(cfg: Config, source_file: str) -> Prepared:
    """Load the cohort, check the counts and the transplanted priors (all errors InputErrors)."""
    from neosim.data import load_cohort, load_dataset
    from neosim.models.survival_aggregate import AggregateData, log_prior_matrix

    d = cfg.data
    try:
        if d.file:
            cohort = load_cohort(resolve_path(d.file, source_file))
        else:
            cohort = load_dataset(d.dataset)
    except InputError as exc:
        raise exc.at(file=source_file, field="data.file" if d.file else "data.dataset") from None
    cases, survivors, weights, known = [], [], [], {}
    for s in d.subtypes:
        if s not in cohort.neonates.by_subtype:
            raise InputError(f"subtype {s!r} has no neonatal counts in {cohort.name} (known: "
                             f"{', '.join(cohort.neonatal_subtypes)})", file=source_file,
                             field="data.subtypes")
        sub = cohort.neonates.by_subtype[s]
        if sub.survivors_after_sct == "unknown":
            raise InputError(f"{cohort.name} does not report survivors after SCT for {s}",
                             file=source_file, field="data.subtypes")
        n, y = sub.cases, sub.survivors_after_sct
        cases.append(n)
        survivors.append(y)
        given = cfg.model.transplanted.get(s)
        if sub.transplanted != "unknown":
            if given is not None:
                raise InputError(f"{cohort.name} reports {sub.transplanted} transplanted {s}; "
                                 "a prior for it is not used", file=source_file,
                                 field=f"model.transplanted.{s}")
            known[s] = sub.transplanted
            weights.append({sub.transplanted: 1.0})
        elif given is None or given.prior == "uniform":
            weights.append(None)
        else:
            if len(given.weights) != n - y + 1:
                raise InputError(f"needs {n - y + 1} weights, one per possible count {y}..{n}",
                                 file=source_file, field=f"model.transplanted.{s}.weights")
            weights.append({y + i: w for i, w in enumerate(given.weights)})
    for s in cfg.model.transplanted:
        if s not in d.subtypes:
            raise InputError(f"subtype {s!r} is not in data.subtypes", file=source_file,
                             field=f"model.transplanted.{s}")
    data = AggregateData(tuple(d.subtypes), tuple(cases), tuple(survivors),
                         log_prior_matrix(cases, survivors, weights))
    scenarios = []
    if cfg.sensitivity.fixed_transplanted:
        ranges = [range(known[s], known[s] + 1) if s in known else range(y, n + 1)
                  for s, n, y in zip(d.subtypes, cases, survivors, strict=True)]
        scenarios = list(itertools.product(*ranges))
        if len(scenarios) > cfg.sensitivity.max_scenarios:
            raise InputError(f"{len(scenarios)} fixed-count scenarios exceed max_scenarios "
                             f"({cfg.sensitivity.max_scenarios})", file=source_file,
                             field="sensitivity.max_scenarios")
    from neosim import budget

    # main fit + one refit per fixed-count scenario and per logit_sd scale, one held at a time
    k = len(d.subtypes)
    est = budget.for_sampler_kind(
        cfg.sampler, 4 * k + 4 + sum(n - y + 1 for n, y in zip(cases, survivors, strict=True)),
        fits=1 + len(scenarios) + len(cfg.sensitivity.logit_sd_scales), kept_fits=2,
        extra_drivers=("sensitivity.max_scenarios", "sensitivity.logit_sd_scales"))
    budget.check(est, cfg.output, file=source_file)
    return Prepared(cfg=cfg, cohort=cohort, data=data, known=known, scenarios=scenarios)




#: ``transplanted_expected`` (E[T | p], per draw) becomes ``number_transplanted`` in
#: ``summary.csv``: the posterior of the count T itself (mean, median, sd and interval exact from
#: ``P(T = t | data)``; MC SE, ESS and R-hat those of the draws of E[T | p], whose mean it is)
REPORTED = ["survival_probability", "survival_probability_overall",
            "survival_probability_typical", "transplanted_expected", "logit_mean", "logit_sd"]


def execute(prep: Prepared, folder, progress) -> Outcome:
    """Fit, refit for the sensitivity scenarios, summarise, check, write, plot."""
    import pandas as pd

    from neosim import inference, results, sampling
    from neosim.experiments import fit_figures
    from neosim.models import survival_aggregate as sa

    cfg = prep.cfg
    s = cfg.sampler
    settings = sampling.SamplerSettings(s.chains, s.draws, s.tune, s.target_accept, s.cores)
    m = cfg.model
    with folder.timed("build"), progress.stage("Building and compiling the model"):
        model = sa.build_model(prep.data, mu_prior=m.logit_mean, tau_prior=m.logit_sd)
        compiled = sampling.compile_model(model)

    with folder.timed("sample"), progress.stage(
            f"Sampling {s.chains} chains x {s.draws} draws (number transplanted summed out)"):
        dt = sampling.sample_compiled(compiled, settings, seeds.int_seed(cfg.experiment.seed, 0),
                                       sa.data_arrays(prep.data, m.logit_sd.sigma))
    ci = dict(ci_prob=cfg.output.ci_prob, ci_kind=cfg.output.ci_kind)
    summary = inference.summarize(dt, REPORTED, **ci)
    report = inference.convergence_report(dt, summary, cfg.diagnostics)
    p_draws = dt["posterior"]["survival_probability"].stack(
        sample=("chain", "draw")).transpose("sample", "subtype").values
    t_post = sa.transplanted_posterior(prep.data, p_draws)
    for i, sub in enumerate(prep.data.subtypes):  # T itself, not E[T | p]: see number_transplanted
        row = summary["parameter"] == f"transplanted_expected[{sub}]"
        summary.loc[row, "parameter"] = f"number_transplanted[{sub}]"
        for key, value in inference.count_summary(t_post[i], **ci).items():
            summary.loc[row, key] = value

    rows = [_scenario_rows(summary, "main", "prior", m.logit_sd.sigma)]
    scenarios = [(f"transplanted={_label(prep.data.subtypes, c)}", c, m.logit_sd.sigma)
                 for c in prep.scenarios]
    scenarios += [(f"logit_sd_scale={tau:g}", None, tau) for tau in cfg.sensitivity.logit_sd_scales
                  if tau != m.logit_sd.sigma]
    with folder.timed("sensitivity"), progress.bar("Sensitivity refits", len(scenarios)) as adv:
        for i, (name, counts, tau) in enumerate(scenarios, start=1):
            data = prep.data if counts is None else sa.AggregateData(
                prep.data.subtypes, prep.data.cases, prep.data.survivors,
                sa.fixed_transplanted(prep.data.cases, prep.data.survivors, counts))
            fit = sampling.sample_compiled(compiled, settings,
                                            seeds.int_seed(cfg.experiment.seed, i),
                                            sa.data_arrays(data, tau))
            table = inference.summarize(fit, REPORTED[:3], **ci)
            frame = _scenario_rows(table, name, "fixed" if counts else "prior", tau)
            frame["divergences"] = int(fit["sample_stats"]["diverging"].sum())
            rows.append(frame)
            adv()
    sensitivity = pd.concat(rows, ignore_index=True)
    sensitivity.loc[sensitivity["scenario"] == "main", "divergences"] = report["divergences"]
    findings = _findings(prep, summary, sensitivity, t_post)
    synthetic = False
    caption = f"Data: {prep.cohort.source.label} ({prep.cohort.source.cite})"
    with folder.timed("write"), progress.stage("Writing results"):
        folder.write_netcdf("posterior.nc", dt, {
            "neosim_config_sha256": folder.config_sha256, "neosim_seed": folder.seed,
            "neosim_dataset": prep.cohort.source.cite, "neosim_synthetic": int(synthetic)})
        folder.write_summary(summary)
        diagnostic_plots = fit_figures.mark(report, cfg.output)
        folder.write_json("diagnostics.json", report)
        folder.write_json("findings.json", findings)
        results.atomic_write_text(folder.file("sensitivity.csv"),
                                  sensitivity.to_csv(index=False, float_format="%.10g"))
        folder.write_data_sources([prep.cohort.data_source()])
    with folder.timed("figures"), progress.stage("Drawing figures"):
        _figures(prep, folder, dt, summary, sensitivity, caption)
        if diagnostic_plots:
            core = [p for p in summary["parameter"]
                    if p.startswith(("survival_probability[", "logit_mean", "logit_sd"))]
            fit_figures.draw(folder, dt, core, caption=caption, style=cfg.output,
                             of=" of the main fit")
    msg = inference.checks_message(report)
    return Outcome(report["passed"], msg, _headline(summary, findings),
                   provenance={"synthetic_data": synthetic})


def _figures(prep: Prepared, folder, dt, summary, sensitivity, caption: str) -> None:
    """Sensitivity forest and posterior densities, and their index entries."""
    from neosim.plots import posterior as posterior_plot
    from neosim.plots import survival as survival_plot

    out = prep.cfg.output
    level = f"{out.ci_prob:.0%}"
    survival = summary[summary["parameter"].str.startswith("survival_probability")]
    for fmt in out.figure_formats:
        survival_plot.plot_aggregate_sensitivity(
            sensitivity, folder.figure("survival_probability_sensitivity", fmt),
            caption=caption, style=out)
        posterior_plot.plot_posterior_densities(
            dt, survival, folder.figure("posterior_densities", fmt), caption=caption, style=out)
    folder.add_figure(
        "survival_probability_sensitivity", title="Survival after SCT: dependence on unknowns",
        caption=f"Posterior mean (dot) and {level} credible interval of each survival "
                "probability under the main fit (black, number transplanted summed out), every "
                "fixed number transplanted (blue) and other priors on the between-subtype "
                "spread (red): rows that agree mean the answer does not hinge on the unknown.")
    folder.add_figure(
        "posterior_densities", title="Posterior densities of survival after SCT",
        caption=f"Posterior density of the probability of being alive at last follow-up after "
                f"SCT, by subtype, pooled over subtypes and for a typical subtype, with its "
                f"{level} credible interval shaded and its mean dashed.")


def _label(subtypes, counts) -> str:
    return ",".join(f"{s}:{c}" for s, c in zip(subtypes, counts, strict=True))


def _scenario_rows(table, scenario: str, transplanted: str, tau: float):
    frame = table[table["parameter"].str.startswith("survival_probability")].copy()
    frame.insert(0, "scenario", scenario)
    frame.insert(1, "transplanted", transplanted)
    frame.insert(2, "logit_sd_scale", tau)
    return frame


def _findings(prep: Prepared, summary, sensitivity, t_post) -> dict[str, Any]:
    data = prep.data
    out: dict[str, Any] = {
        "what_is_modelled": "probability of being alive at the (unreported) last follow-up "
                            "after SCT, by subtype, partially pooled on the logit scale",
        "unknowns": {
            "transplanted": {s: (f"reported: {prep.known[s]}" if s in prep.known else
                                 f"latent count on {y}..{n}")
                             for s, n, y in zip(data.subtypes, data.cases, data.survivors,
                                                strict=True)},
            "follow_up": "not reported; survival is at last follow-up, not at a stated time",
        },
        "transplanted_posterior": {
            s: {str(t): float(t_post[i, t]) for t in range(y, n + 1)}
            for i, (s, n, y) in enumerate(zip(data.subtypes, data.cases, data.survivors,
                                              strict=True))},
    }
    dependence = {}
    for param in sorted(set(sensitivity["parameter"])):
        main = sensitivity[(sensitivity["scenario"] == "main")
                           & (sensitivity["parameter"] == param)].iloc[0]
        entry = {"main_mean": float(main["mean"]),
                 "main_interval": [float(main["ci_lower"]), float(main["ci_upper"])]}
        for kind, mask in (("fixed_transplanted", sensitivity["transplanted"] == "fixed"),
                           ("logit_sd_scale", (sensitivity["transplanted"] == "prior"))):
            rows = sensitivity[mask & (sensitivity["parameter"] == param)]
            if len(rows) > 1 or (kind == "fixed_transplanted" and len(rows)):
                lo, hi = rows["mean"].idxmin(), rows["mean"].idxmax()
                entry[kind] = {
                    "mean_range": [float(rows.loc[lo, "mean"]), float(rows.loc[hi, "mean"])],
                    "lowest_at": str(rows.loc[lo, "scenario"]),
                    "highest_at": str(rows.loc[hi, "scenario"]),
                    "widest_interval": [float(rows["ci_lower"].min()),
                                        float(rows["ci_upper"].max())],
                }
        dependence[param] = entry
    out["dependence_on_unknowns"] = dependence
    return out


def _headline(summary, findings) -> list[str]:
    lines = []
    for row in summary.itertuples(index=False):
        if row.parameter.startswith("survival_probability"):
            line = (f"{row.parameter:36s} {row.mean:6.3f}  [{row.ci_lower:.3f}, "
                    f"{row.ci_upper:.3f}]")
            dep = findings["dependence_on_unknowns"].get(row.parameter, {})
            if "fixed_transplanted" in dep:
                lo, hi = dep["fixed_transplanted"]["mean_range"]
                line += f"  (mean {lo:.2f}-{hi:.2f} over fixed transplanted counts)"
            lines.append(line)
    return lines


def sbc_spec(prep: Prepared):
    """Calibration spec of the main model: this experiment's priors, case counts and prior of
    the number transplanted; the survivors and the transplanted counts are simulated."""
    from neosim.calibration import SBCSpec
    from neosim.models import survival_aggregate as sa

    m = prep.cfg.model
    return SBCSpec(
        name="aggregate post-SCT survival model", build=sa.sbc_build,
        build_args=(prep.data, m.logit_mean, m.logit_sd),
        draw=sa.sbc_draw, parameters=("logit_mean", "logit_sd", "survival_probability"),
        coords=(("survival_probability", tuple(prep.data.subtypes)),))
