"""Experiment kind ``subtype_frequencies``: how often is infant leukaemia neonatal, by subtype?

Fits, jointly in one PyMC model, any of: the neonatal fraction of infant ALL and AML (with their
difference and ratio), the ALL/AML composition of the neonatal cases, and the MLL-rearranged
fraction among neonatal ALL, all with Beta priors from the config (default Beta(1, 1)).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

from pydantic import Field, model_validator

from neosim.config import (
    DiagnosticsSection,
    ExperimentConfig,
    FieldError,
    OutputSection,
    PriorShape,
    SamplerSection,
    Strict,
)
from neosim.errors import InputError
from neosim.experiments import Outcome
from neosim.priors import Beta, bounded

#: a Beta prior of a proportion: shapes in [1e-3, 1e6] (:data:`neosim.config.PriorShape`);
#: the default Beta(1, 1) is uniform
BetaPrior = bounded(Beta, alpha=(PriorShape, 1.0), beta=(PriorShape, 1.0))


class DataSection(Strict):
    """Which cohort to use: a packaged ``dataset`` name, or a ``file`` of the same schema."""

    dataset: str = "jilsg2006"
    file: str = ""
    subtypes: list[str] = Field(default_factory=lambda: ["ALL", "AML"], max_length=50)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not self.subtypes:
            raise FieldError("subtypes", "must list at least one subtype")
        if len(set(self.subtypes)) != len(self.subtypes):
            raise FieldError("subtypes", "lists a subtype twice")
        return self


class FractionModel(Strict):
    """Neonatal fraction of infant leukaemia by subtype."""

    enabled: bool = True
    prior: BetaPrior = BetaPrior()


class CompositionModel(Strict):
    """ALL vs AML share of the neonatal cases (needs exactly two subtypes)."""

    enabled: bool = True
    prior: BetaPrior = BetaPrior()


class MllModel(Strict):
    """MLL-rearranged fraction among neonates with reported MLL status."""

    enabled: bool = True
    subtypes: list[str] = Field(default_factory=lambda: ["ALL"], min_length=1, max_length=50)
    prior: BetaPrior = BetaPrior()


class Models(Strict):
    neonatal_fraction: FractionModel = FractionModel()
    neonatal_composition: CompositionModel = CompositionModel()
    mll_rate: MllModel = MllModel()


class Config(ExperimentConfig):
    """Schema of a ``subtype_frequencies`` experiment file."""

    data: DataSection = DataSection()
    models: Models = Models()
    sampler: SamplerSection = SamplerSection()
    diagnostics: DiagnosticsSection = DiagnosticsSection()
    output: OutputSection = OutputSection()

    @model_validator(mode="after")
    def _check(self) -> Self:
        m = self.models
        if not (m.neonatal_fraction.enabled or m.neonatal_composition.enabled
                or m.mll_rate.enabled):
            raise FieldError("models", "at least one model must be enabled")
        if m.neonatal_composition.enabled and len(self.data.subtypes) != 2:
            raise FieldError("models.neonatal_composition",
                             "needs exactly two data.subtypes (or enabled = false)")
        return self


@dataclass
class Prepared:
    """Everything a run needs, loaded and validated before any folder is created."""

    cfg: Config
    cohort: Any
    parts: list  # (component name, BinomialData, Beta prior)


def prepare(cfg: Config, source_file: str) -> Prepared:
    """Load the cohort and derive each enabled model's counts (all errors are InputErrors)."""
    from neosim.data import load_cohort, load_dataset
    from neosim.inputs import check_path, resolve_path
    from neosim.models.frequencies import BinomialData

    d = cfg.data
    if d.file:
        path = resolve_path(d.file, source_file)
        try:
            check_path(path)
        except InputError as exc:
            raise InputError(exc.message, file=source_file, field="data.file") from None
        if not path.is_file():
            raise InputError(f"data file not found (or not a regular file): {path}",
                             file=source_file, field="data.file")
        cohort = load_cohort(path)  # errors inside that file name that file and its field
    else:
        try:
            cohort = load_dataset(d.dataset)
        except InputError as exc:
            raise exc.at(file=source_file, field="data.dataset") from None

    def counts(fn, *args, field):
        try:
            return fn(*args)
        except InputError as exc:
            raise InputError(exc.message, file=source_file, field=field) from None

    parts = []
    m = cfg.models
    if m.neonatal_fraction.enabled:
        labels, k, n = counts(cohort.neonatal_fraction_counts, d.subtypes, field="data.subtypes")
        p = m.neonatal_fraction.prior
        parts.append(("neonatal_fraction", BinomialData(tuple(labels), tuple(k), tuple(n)),
                      p))
    if m.neonatal_composition.enabled:
        labels, k = counts(cohort.composition_counts, d.subtypes, field="data.subtypes")
        p = m.neonatal_composition.prior
        parts.append(("neonatal_composition",
                      BinomialData(tuple(labels), tuple(k), (sum(k),) * 2), p))
    if m.mll_rate.enabled:
        ks, ns = [], []
        for sub in m.mll_rate.subtypes:
            k, n = counts(cohort.mll_counts, sub, field="models.mll_rate.subtypes")
            if n == 0:
                raise InputError(f"no neonatal {sub} with reported MLL status", file=source_file,
                                 field="models.mll_rate.subtypes")
            ks.append(k)
            ns.append(n)
        p = m.mll_rate.prior
        parts.append(("mll_rate", BinomialData(tuple(m.mll_rate.subtypes), tuple(ks), tuple(ns)),
                      p))
    from neosim import budget

    # draws of every free parameter and every reported quantity (about three per label)
    values = sum(3 * len(data.labels) + 3 for _, data, *_ in parts)
    budget.check(budget.for_sampler_kind(cfg.sampler, values), cfg.output, file=source_file)
    return Prepared(cfg=cfg, cohort=cohort, parts=parts)




def execute(prep: Prepared, folder, progress) -> Outcome:
    """Fit, summarise, check convergence, and write every output into ``folder``."""
    from neosim import inference, sampling
    from neosim.experiments import fit_figures
    from neosim.models.frequencies import REPORTED, build_model, conjugate_posteriors
    from neosim.plots import forest, posterior

    cfg = prep.cfg
    s = cfg.sampler
    with folder.timed("build"), progress.stage("Building model"):
        model = build_model(prep.parts)
    with folder.timed("sample"):
        dt = sampling.sample(
            model,
            sampling.SamplerSettings(s.chains, s.draws, s.tune, s.target_accept, s.cores),
            seed=cfg.experiment.seed, progress=progress,
        )
    with folder.timed("summarise"), progress.stage("Summarising"):
        var_names = [v for name, *_ in prep.parts for v in REPORTED[name]]
        summary = inference.summarize(dt, var_names, ci_prob=cfg.output.ci_prob,
                                      ci_kind=cfg.output.ci_kind)
        report = inference.convergence_report(dt, summary, cfg.diagnostics)
        diagnostic_plots = fit_figures.mark(report, cfg.output)
        exact = {}
        for name, data, prior in prep.parts:
            exact.update({k: {"alpha": v[0], "beta": v[1]}
                          for k, v in conjugate_posteriors(name, data, prior).items()})
        findings = _findings(dt, prep)
        observed = _observed(prep)
    with folder.timed("write"), progress.stage("Writing results"):
        attrs = {"neosim_config_sha256": folder.config_sha256, "neosim_seed": folder.seed,
                 "neosim_dataset": prep.cohort.source.cite}
        folder.write_netcdf("posterior.nc", dt, attrs)
        folder.write_summary(summary)
        folder.write_json("diagnostics.json", report)
        folder.write_json("findings.json", {"observed_counts": observed,
                                            "exact_conjugate_posteriors": exact, **findings})
        folder.write_data_sources([prep.cohort.data_source()])
    with folder.timed("figures"), progress.stage("Drawing figures"):
        caption = f"Data: {prep.cohort.source.label} ({prep.cohort.source.cite})"
        style = cfg.output
        level = f"{cfg.output.ci_prob:.0%}"
        params = list(summary["parameter"])
        counts = {p: (c["k"], c["n"]) for p, c in observed.items()}
        for fmt in style.figure_formats:
            posterior.plot_posterior_densities(
                dt, summary, folder.figure("posterior_densities", fmt), caption=caption,
                style=style)
            forest.plot_proportion_forest(
                summary, folder.figure("forest_proportions", fmt), caption=caption, style=style,
                observed=counts)
        folder.add_figure(
            "forest_proportions", title="Proportions: observed and estimated",
            caption=f"Posterior mean and {level} credible interval of each proportion (filled), "
                    "the observed proportion k/n (open diamond), and the counts behind each row.")
        folder.add_figure(
            "posterior_densities", title="Posterior densities",
            caption=f"Posterior density of each reported quantity with its {level} credible "
                    "interval shaded and its mean dashed; the ratio is on a log axis, and dotted "
                    "lines mark no difference between the subtypes.")
        if diagnostic_plots:
            fit_figures.draw(folder, dt, params, caption=caption, style=style)
    msg = inference.checks_message(report)
    return Outcome(passed=report["passed"], message=msg, headline=_headline(summary))


def _findings(dt, prep: Prepared) -> dict[str, Any]:
    """Posterior statements that tables of intervals hide (e.g. for an all-positive 8/8).

    Every one has an exact value from the conjugate Beta posteriors (a difference of two
    independent Betas by one-dimensional quadrature), reported as ``exact``; the same statement
    from the NUTS draws is only a check (``mcmc`` with its Monte-Carlo standard error from the
    effective sample size).
    """
    import numpy as np
    from scipy import integrate

    from neosim.models.frequencies import conjugate_posteriors, contrast_label
    from neosim.priors import Beta

    exact = {}
    for name, data, prior in prep.parts:
        exact.update(conjugate_posteriors(name, data, prior))
    post = dt["posterior"]
    out: dict[str, Any] = {}

    def check(exact_value: float, draws: np.ndarray, what) -> dict[str, float]:
        import arviz as az

        x = np.asarray(draws, float)  # (chain, draw)
        hit = what(x).astype(float)
        ess = float(az.ess(hit[None] if hit.ndim == 1 else hit))
        p = float(hit.mean())
        return {"exact": float(exact_value), "mcmc": p,
                "mcmc_se": float(np.sqrt(max(p * (1 - p), 1e-300) / max(ess, 1.0)))}

    if "mll_rearranged_fraction" in post:
        da = post["mll_rearranged_fraction"]
        for sub in da.coords["mll_subtype"].values:
            x = da.sel(mll_subtype=sub).values
            exact_beta = Beta(*exact[f"mll_rearranged_fraction[{sub}]"])
            out[f"mll_rearranged_fraction[{sub}]"] = {
                "P(>0.9)": check(1.0 - exact_beta.cdf(0.9), x, lambda v: v > 0.9),
                "P(>0.75)": check(1.0 - exact_beta.cdf(0.75), x, lambda v: v > 0.75),
                "one_sided_95_lower_bound": {"exact": float(exact_beta.quantile(0.05)),
                                             "mcmc": float(np.quantile(x, 0.05))},
            }
    if "neonatal_fraction_difference" in post:
        labels = list(post["neonatal_fraction"].coords["subtype"].values)
        first = Beta(*exact[f"neonatal_fraction[{labels[0]}]"])
        second = Beta(*exact[f"neonatal_fraction[{labels[1]}]"])
        # P(θ1 > θ2) = ∫ f1(t) F2(t) dt
        p_exact, _ = integrate.quad(lambda t: float(first.pdf(t) * second.cdf(t)), 0.0, 1.0,
                                    epsabs=1e-12, limit=200)
        x = post["neonatal_fraction_difference"].values
        name = contrast_label(post, "neonatal_fraction_difference")  # its direction, as summary
        out[name or "neonatal_fraction_difference"] = {"P(>0)": check(p_exact, x,
                                                                     lambda v: v > 0)}
    return {"posterior_probabilities": out}


def _observed(prep: Prepared) -> dict[str, dict[str, int]]:
    """Observed counts ``k`` of ``n`` behind each reported proportion, keyed by summary name."""
    names = {"neonatal_fraction": "neonatal_fraction", "neonatal_composition": "neonatal_share",
             "mll_rate": "mll_rearranged_fraction"}
    out = {}
    for component, data, _ in prep.parts:
        for label, k, n in zip(data.labels, data.k, data.n, strict=True):
            out[f"{names[component]}[{label}]"] = {"k": int(k), "n": int(n)}
    return out


def _headline(summary) -> list[str]:
    lines = []
    for row in summary.itertuples(index=False):
        lines.append(f"{row.parameter:34s} {row.mean:8.4f}  [{row.ci_lower:.4f}, "
                     f"{row.ci_upper:.4f}]")
    return lines


def sbc_spec(prep: Prepared):
    """Calibration spec of this experiment's joint model (same priors and data sizes)."""
    from neosim.calibration import SBCSpec
    from neosim.models.frequencies import FREE, build_model

    return SBCSpec(name="subtype_frequencies", build=build_model, build_args=(prep.parts,),
                   draw=sbc_draw_from_args, parameters=tuple(FREE[name] for name, *_ in prep.parts),
                   coords=tuple((FREE[name], d.labels) for name, d, *_ in prep.parts
                                if name != "neonatal_composition"))


def sbc_draw_from_args(build_args, rng):
    """``SBCSpec.draw`` of this kind: the frequency models' prior and data simulator."""
    from neosim.models.frequencies import sbc_draw

    return sbc_draw(build_args[0], rng)
