"""Experiment kind ``trial_simulation``: operating characteristics of survival trials by simulation.

Simulates every point of a grid of sample sizes × true hazard ratios (scenario ``i`` of the grid,
in row-major order n × HR, is seeded with ``scenario_index = i``), evaluates every configured
analysis on the same trials, optionally the assurance over a design prior (scenario indices after
the grid) and the smallest N reaching a target power/assurance, and writes ``simulation.nc``,
``summary.csv``, ``findings.json`` and power/assurance curves.

The control arm may be "informed by pooled evidence": ``trial.control.prior`` names a prior file
whose central value sets the true control hazard (a beta mixture on ``survival_probability_<T>m``:
``λ = -log(E[S])/T``; a gamma mixture or hazard draws: their mean), the same file can be the
control prior of a Bayesian analysis (borrowing) and the design prior of the assurance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import Field, model_validator

from neosim.compute import ComputeSection
from neosim.config import (
    ExperimentConfig,
    NonNegativeFloat,
    OutputSection,
    PositiveFloat,
    Probability,
    Strict,
)
from neosim.errors import InputError
from neosim.experiments import Outcome

# ---------------------------------------------------------------------------------------------
# Schema
# ---------------------------------------------------------------------------------------------


class AccrualSection(Strict):
    """Uniform over ``duration_months``, or piecewise ``rates_per_month`` for ``durations_months``
    (the last piece lasts until everyone is enrolled)."""

    duration_months: PositiveFloat | None = None
    durations_months: list[PositiveFloat] = Field(default_factory=list)
    rates_per_month: list[NonNegativeFloat] = Field(default_factory=list)

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

    events: Annotated[int, Field(ge=1)] | None = None
    events_fraction: Annotated[float, Field(gt=0.0, le=1.0)] | None = None
    calendar_months: PositiveFloat | None = None
    max_duration_months: PositiveFloat | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        given = [x is not None for x in (self.events, self.events_fraction,
                                         self.calendar_months)]
        if sum(given) != 1:
            raise ValueError("give exactly one of events, events_fraction, calendar_months")
        return self


class SurvivalSection(Strict):
    """A true survival model: exponential (``rate_per_month`` or ``median_months`` or ``prior``),
    weibull (``shape``, ``scale_months``), piecewise (``breaks_months``, ``rates_per_month``),
    cure (``cure_fraction`` and an exponential uncured part)."""

    model: Literal["exponential", "weibull", "piecewise", "cure"] = "exponential"
    rate_per_month: PositiveFloat | None = None
    median_months: PositiveFloat | None = None
    prior: str = ""
    shape: PositiveFloat | None = None
    scale_months: PositiveFloat | None = None
    breaks_months: list[PositiveFloat] = Field(default_factory=list)
    rates_per_month: list[NonNegativeFloat] = Field(default_factory=list)
    cure_fraction: Probability | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.model in ("exponential", "cure"):
            n = sum(x not in (None, "") for x in (self.rate_per_month, self.median_months,
                                                  self.prior))
            if n != 1:
                raise ValueError("give exactly one of rate_per_month, median_months, prior")
            if self.prior and self.model == "cure":
                raise ValueError("a prior sets an exponential control only")
        if self.model == "weibull" and (self.shape is None or self.scale_months is None):
            raise ValueError("a weibull model needs shape and scale_months")
        if self.model == "piecewise" and not self.rates_per_month:
            raise ValueError("a piecewise model needs rates_per_month (and breaks_months)")
        if self.model == "cure" and self.cure_fraction is None:
            raise ValueError("a cure model needs cure_fraction")
        return self


class TrialSection(Strict):
    design: Literal["two_arm", "single_arm"] = "two_arm"
    allocation: Probability = 0.5
    dropout_rate_per_month: NonNegativeFloat = 0.0
    time_resolution_months: NonNegativeFloat = 0.0
    landmark_months: PositiveFloat | None = None
    accrual: AccrualSection
    analysis: AnalysisTiming
    control: SurvivalSection


class GammaSpec(Strict):
    a: PositiveFloat
    b: PositiveFloat


class NormalSpec(Strict):
    mean: Annotated[float, Field(allow_inf_nan=False)]
    sd: PositiveFloat


class AnalysisSpec(Strict):
    """One analysis. ``kind``: logrank, cox, one_sample_logrank, bayes_hazard_ratio,
    bayes_log_hr, bayes_landmark. Priors are a prior file path or inline parameters."""

    kind: Literal["logrank", "cox", "one_sample_logrank", "bayes_hazard_ratio", "bayes_log_hr",
                  "bayes_landmark"]
    name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")] | None = None
    alpha: Probability = 0.025
    probability: Probability | None = None
    hr_threshold: PositiveFloat = 1.0
    control_prior: str | GammaSpec | None = None
    treatment_prior: str | GammaSpec = GammaSpec(a=0.001, b=0.001)
    log_hr_prior: str | NormalSpec = NormalSpec(mean=0.0, sd=10.0)
    landmark_months: PositiveFloat | None = None
    survival_threshold: Probability | None = None


class GridSection(Strict):
    n: Annotated[list[Annotated[int, Field(ge=2)]], Field(min_length=1)]
    hazard_ratio: Annotated[list[PositiveFloat], Field(min_length=1)]

    @model_validator(mode="after")
    def _check(self) -> Self:
        if len(set(self.n)) != len(self.n) or len(set(self.hazard_ratio)) != len(
                self.hazard_ratio):
            raise ValueError("grid values must be distinct")
        return self


class SimulationSection(Strict):
    n_trials: Annotated[int, Field(ge=100, le=100_000_000)] = 10_000
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
    hazard_ratio: PositiveFloat | None = None


class Config(ExperimentConfig):
    """Schema of a ``trial_simulation`` experiment file."""

    trial: TrialSection
    grid: GridSection
    analyses: Annotated[list[AnalysisSpec], Field(min_length=1)]
    simulation: SimulationSection = SimulationSection()
    compute: ComputeSection = ComputeSection()
    assurance: AssuranceSection | None = None
    search: SearchSection | None = None
    output: OutputSection = OutputSection()


# ---------------------------------------------------------------------------------------------
# Prepare: everything loaded and checked before a run folder exists
# ---------------------------------------------------------------------------------------------


@dataclass
class Prepared:
    cfg: Config
    scenarios: list  # [(i_n, i_hr, TrialScenario)]
    analyses: list
    design_prior: Any
    assurance_scenarios: list  # [(i_n, TrialScenario)]
    sources: dict[str, str]
    synthetic: bool
    data_sources: list = field(default_factory=list)


def _resolve(path: str, source_file: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else Path(source_file).parent / p


def _read_prior(path: str, source_file: str, field: str):
    from neosim.priors import read_prior

    try:
        return read_prior(_resolve(path, source_file))
    except InputError as exc:  # located in the experiment file, naming the prior file
        where = f"{exc.file}" + (f", field {exc.field}" if exc.field else "")
        raise InputError(f"{exc.message} ({where})", file=source_file, field=field) from None


def _survival_model(spec: SurvivalSection, source_file: str, field: str, sources: dict):
    from neosim.simulate import models as m
    from neosim.simulate.prior_io import design_rate_prior

    def rate() -> float:
        if spec.rate_per_month is not None:
            return spec.rate_per_month
        if spec.median_months is not None:
            return math.log(2) / spec.median_months
        prior = _read_prior(spec.prior, source_file, f"{field}.prior")
        sources["control_truth"] = f"{spec.prior} ({prior.name} v{prior.version})"
        sampler = design_rate_prior(prior, file=source_file)
        from neosim.simulate.prior_io import SurvivalToHazard

        if isinstance(sampler, SurvivalToHazard):  # λ = -log(E[S]) / T
            return -math.log(sampler.mix.mean()) / sampler.horizon
        return float(sampler.mean()) if hasattr(sampler, "mean") else float(sampler)

    lam = rate() if spec.model in ("exponential", "cure") else None
    try:
        if spec.model == "exponential":
            return m.Exponential(lam)
        if spec.model == "weibull":
            return m.Weibull(spec.shape, spec.scale_months)
        if spec.model == "piecewise":
            return m.PiecewiseExponential(tuple(spec.breaks_months), tuple(spec.rates_per_month))
        return m.Cure(spec.cure_fraction, m.Exponential(lam))
    except InputError as exc:
        raise InputError(exc.message, file=source_file, field=f"{field}.{exc.field}") from None


def _gamma(spec, source_file: str, field: str, sources: dict):
    from neosim.priors import Mixture
    from neosim.simulate.prior_io import hazard_prior

    if isinstance(spec, GammaSpec):
        return Mixture("gamma", [1.0], [spec.a], [spec.b])
    prior = _read_prior(spec, source_file, field)
    sources[field] = f"{spec} ({prior.name} v{prior.version})"
    return hazard_prior(prior, file=source_file)


def _analysis(i: int, spec: AnalysisSpec, trial: TrialSection, source_file: str, sources: dict):
    from neosim.priors import Mixture
    from neosim.simulate import analyses as an
    from neosim.simulate.prior_io import log_hr_prior

    field = f"analyses[{i}]"
    name = {"name": spec.name} if spec.name else {}
    if spec.kind == "logrank":
        return an.LogRank(spec.alpha, **name)
    if spec.kind == "cox":
        return an.CoxWald(spec.alpha, **name)
    if spec.kind == "one_sample_logrank":
        return an.OneSampleLogRank(spec.alpha, **name)
    prob = spec.probability
    if spec.kind == "bayes_hazard_ratio":
        if spec.control_prior is None:
            raise InputError("bayes_hazard_ratio needs control_prior", file=source_file,
                             field=f"{field}.control_prior")
        return an.BayesHazardRatio(
            _gamma(spec.control_prior, source_file, f"{field}.control_prior", sources),
            _gamma(spec.treatment_prior, source_file, f"{field}.treatment_prior", sources),
            spec.hr_threshold, prob if prob is not None else 0.975, **name)
    if spec.kind == "bayes_log_hr":
        if isinstance(spec.log_hr_prior, NormalSpec):
            prior = Mixture("normal", [1.0], [spec.log_hr_prior.mean], [spec.log_hr_prior.sd])
        else:
            prior = log_hr_prior(_read_prior(spec.log_hr_prior, source_file,
                                             f"{field}.log_hr_prior"), file=source_file)
        return an.BayesLogHR(prior, spec.hr_threshold, prob if prob is not None else 0.975,
                             **name)
    time = spec.landmark_months or trial.landmark_months
    if time is None or spec.survival_threshold is None:
        raise InputError("bayes_landmark needs landmark_months and survival_threshold",
                         file=source_file, field=f"{field}.survival_threshold")
    return an.BayesLandmark(
        _gamma(spec.treatment_prior, source_file, f"{field}.treatment_prior", sources), time,
        spec.survival_threshold, prob if prob is not None else 0.9, **name)


def prepare(cfg: Config, source_file: str) -> Prepared:
    """Build every scenario, analysis and prior; every problem is an :class:`InputError`."""
    from neosim.priors import Mixture
    from neosim.simulate.analyses import check_analyses
    from neosim.simulate.models import Accrual
    from neosim.simulate.prior_io import design_rate_prior
    from neosim.simulate.scenario import DesignPrior, TrialScenario

    t = cfg.trial
    sources: dict[str, str] = {}
    control = _survival_model(t.control, source_file, "trial.control", sources)

    def scenario(n: int, hr: float) -> TrialScenario:
        a = t.analysis
        events = a.events
        if a.events_fraction is not None:
            events = max(1, round(a.events_fraction * n))
        if events is not None and events > n:
            raise InputError(f"{events} events cannot be observed among n = {n} patients",
                             file=source_file, field="trial.analysis.events")
        if t.accrual.duration_months is not None:
            accrual = Accrual.uniform(n, t.accrual.duration_months)
        else:
            try:
                accrual = Accrual(tuple(t.accrual.durations_months),
                                  tuple(t.accrual.rates_per_month))
            except InputError as exc:
                raise InputError(exc.message, file=source_file,
                                 field=f"trial.accrual.{exc.field}") from None
        try:
            return TrialScenario(
                n=n, control=control, accrual=accrual, hazard_ratio=hr, design=t.design,
                allocation=t.allocation, dropout_rate=t.dropout_rate_per_month, events=events,
                analysis_time=a.calendar_months, max_duration=a.max_duration_months,
                time_resolution=t.time_resolution_months, landmark=t.landmark_months)
        except InputError as exc:
            raise InputError(exc.message, file=source_file, field=f"grid.n ({exc.field})"
                             ) from None

    scenarios = [(i, j, scenario(n, hr)) for i, n in enumerate(cfg.grid.n)
                 for j, hr in enumerate(cfg.grid.hazard_ratio)]
    analyses = [_analysis(i, s, t, source_file, sources) for i, s in enumerate(cfg.analyses)]
    try:
        check_analyses(analyses, scenarios[0][2])
    except InputError as exc:
        raise exc.at(file=source_file) from None
    names = [a.name for a in analyses]

    design_prior, assurance = None, []
    if cfg.assurance is not None:
        s = cfg.assurance
        lhr = (Mixture("normal", [1.0], [s.log_hazard_ratio.mean], [s.log_hazard_ratio.sd])
               if s.log_hazard_ratio is not None else None)
        rate = None
        if s.control_prior:
            prior = _read_prior(s.control_prior, source_file, "assurance.control_prior")
            sources["assurance.control_prior"] = f"{s.control_prior} ({prior.name})"
            rate = design_rate_prior(prior, key=s.control_draws, file=source_file)
        design_prior = DesignPrior(log_hazard_ratio=lhr, control_rate=rate)
        for i, n in enumerate(cfg.grid.n):
            sc = scenario(n, 1.0)
            try:
                design_prior.check(sc)
            except InputError as exc:
                raise exc.at(file=source_file) from None
            assurance.append((i, sc))
    if cfg.search is not None:
        if cfg.search.analysis not in names:
            raise InputError(f"no analysis named {cfg.search.analysis!r} (have "
                             f"{', '.join(names)})", file=source_file, field="search.analysis")
        hr = cfg.search.hazard_ratio
        if hr is None and design_prior is None:
            raise InputError("an assurance search needs an [assurance] design prior",
                             file=source_file, field="search.hazard_ratio")
        if hr is not None and hr not in cfg.grid.hazard_ratio:
            raise InputError("must be one of grid.hazard_ratio", file=source_file,
                             field="search.hazard_ratio")
    synthetic = False
    for key, path in (("trial.control.prior", t.control.prior),):
        if path:
            synthetic |= _read_prior(path, source_file, key).source.synthetic
    prep = Prepared(cfg, scenarios, analyses, design_prior, assurance, sources, synthetic)
    prep.data_sources = _data_sources(cfg, source_file)
    return prep


def _data_sources(cfg: Config, source_file: str) -> list[dict]:
    """Citations for the report: every prior file the experiment reads (with the evidence it
    was made from), and the planning assumptions, which are not data."""
    paths = [cfg.trial.control.prior] + [a.control_prior for a in cfg.analyses] + (
        [cfg.assurance.control_prior, cfg.assurance.control_draws] if cfg.assurance else [])
    out, seen = [], set()
    for path in paths:
        if not isinstance(path, str) or not path or path in seen:
            continue
        seen.add(path)
        prior = _read_prior(path, source_file, "priors")
        out.append({"name": prior.name, "short": f"prior file {path}",
                    "citation": prior.source.data or prior.description or path,
                    "description": prior.description, "synthetic": prior.source.synthetic})
    out.append({"name": "planning assumptions", "synthetic": True,
                "citation": f"Design assumptions stated in {Path(source_file).name} (accrual, "
                            "dropout, hazard ratios, decision rules): scenarios, not data."})
    return out


# ---------------------------------------------------------------------------------------------
# Execute
# ---------------------------------------------------------------------------------------------




def execute(prep: Prepared, folder, progress) -> Outcome:
    """Simulate the grid (and assurance), summarise, write results and figures."""
    import time

    import numpy as np

    from neosim.simulate.engine import BLOCK
    from neosim.simulate.oc import smallest_meeting

    cfg = prep.cfg
    sim = cfg.simulation
    n_trials, seed = sim.n_trials, cfg.experiment.seed
    grid_n, grid_hr = cfg.grid.n, cfg.grid.hazard_ratio
    names = [a.name for a in prep.analyses]
    shape = (len(grid_n), len(grid_hr))
    power = np.full((*shape, len(names)), np.nan)
    power_se = np.full_like(power, np.nan)
    per_scenario = {k: np.full(shape, np.nan) for k in (
        "events_mean", "events_mc_se", "duration_mean", "duration_mc_se", "reached",
        "log_hr_bias", "log_hr_bias_mc_se", "log_hr_rmse", "log_hr_rmse_mc_se",
        "log_hr_coverage", "log_hr_coverage_mc_se")}
    jobs = [(i * len(grid_hr) + j, sc, None, f"n = {sc.n}, HR = {sc.hazard_ratio:g}")
            for i, j, sc in prep.scenarios]
    offset = len(prep.scenarios)
    jobs += [(offset + i, sc, prep.design_prior, f"assurance, n = {sc.n}")
             for i, sc in prep.assurance_scenarios]
    t0 = time.perf_counter()
    with folder.timed("simulate"):
        results = _run_jobs(prep, jobs, folder, progress)
        seconds = time.perf_counter() - t0
        for (i, j, _sc), res in zip(prep.scenarios, results, strict=False):
            for k, name in enumerate(names):
                power[i, j, k] = res["power"][name]["value"]
                power_se[i, j, k] = res["power"][name]["mc_se"]
            _fill(per_scenario, i, j, res)
        assurance = assurance_se = None
        if prep.design_prior is not None:
            assurance = np.full((len(grid_n), len(names)), np.nan)
            assurance_se = np.full_like(assurance, np.nan)
            for (i, _sc), res in zip(prep.assurance_scenarios, results[offset:], strict=True):
                for k, name in enumerate(names):
                    assurance[i, k] = res["power"][name]["value"]
                    assurance_se[i, k] = res["power"][name]["mc_se"]
    total_trials = n_trials * len(jobs)

    search = None
    if cfg.search is not None:
        k = names.index(cfg.search.analysis)
        if cfg.search.hazard_ratio is not None:
            j = grid_hr.index(cfg.search.hazard_ratio)
            search = smallest_meeting(grid_n, power[:, j, k], power_se[:, j, k],
                                      cfg.search.target)
            search["quantity"] = f"power at HR {cfg.search.hazard_ratio:g}"
        else:
            search = smallest_meeting(grid_n, assurance[:, k], assurance_se[:, k],
                                      cfg.search.target)
            search["quantity"] = "assurance"
        search["analysis"] = cfg.search.analysis

    with folder.timed("write"), progress.stage("Writing results"):
        ds = _dataset(prep, power, power_se, per_scenario, assurance, assurance_se)
        ds.attrs.update({"neosim_config_sha256": folder.config_sha256, "neosim_seed": seed,
                         "n_trials": n_trials, "block_size": BLOCK,
                         "control_source": prep.sources.get("control_truth", "config")})
        folder.write_netcdf("simulation.nc", ds)
        folder.write_summary(_summary(prep, power, power_se, per_scenario, assurance,
                                      assurance_se))
        folder.write_json("findings.json", {
            "search": search, "sources": prep.sources, "n_trials_per_scenario": n_trials,
            "total_trials": total_trials, "seconds": seconds,
            "trials_per_second": total_trials / seconds if seconds > 0 else None})
    with folder.timed("figures"), progress.stage("Drawing figures"):
        from neosim.plots import power as power_plot

        caption = _caption(prep)
        for fmt in cfg.output.figure_formats:
            power_plot.plot_power_curves(ds, folder.figure("power_curves", fmt),
                                         caption=caption, style=cfg.output,
                                         synthetic=prep.synthetic)
            if assurance is not None:
                power_plot.plot_assurance(ds, folder.figure("assurance", fmt), caption=caption,
                                          style=cfg.output, synthetic=prep.synthetic)
        folder.add_figure("power_curves", title="Power and type-I error by sample size",
                          caption="Probability of success of each analysis against the number "
                                  "of patients, one panel per true hazard ratio (HR 1: type-I "
                                  "error), with bands of ±1.96 Monte-Carlo standard errors.",
                          synthetic=prep.synthetic)
        if assurance is not None:
            folder.add_figure("assurance", title="Assurance by sample size",
                              caption="Probability of success averaged over the design prior "
                                      "of the true effect and control hazard, against the "
                                      "number of patients, with Monte-Carlo bands.",
                              synthetic=prep.synthetic)
        folder.write_data_sources(prep.data_sources)
    return Outcome(True, "simulation finished", _headline(prep, power, power_se, search,
                                                          total_trials, seconds))


def _run_jobs(prep: Prepared, jobs: list, folder, progress) -> list[dict]:
    """Simulate every (scenario index, scenario, design prior, label) job in chunks of whole
    blocks on the configured backend, checkpointing each chunk; summarise each scenario."""
    from neosim import compute
    from neosim.simulate.engine import chunk_task, chunks_of, default_workers
    from neosim.simulate.oc import power_summary

    cfg = prep.cfg
    n_trials, seed = cfg.simulation.n_trials, cfg.experiment.seed
    tasks = []
    for index, sc, design_prior, _label in jobs:
        usable = [a for a in prep.analyses if sc.design in a.designs]
        cox = any(a.needs_cox for a in usable)
        tasks += [compute.Task(key=(index, chunk.start),
                               args=(sc, index, chunk, n_trials, design_prior, cox))
                  for chunk in chunks_of(n_trials)]
    backend = compute.Backend(cfg.compute, threads=cfg.simulation.workers or default_workers())
    results = compute.run_tasks(
        chunk_task, tasks, seed, backend=backend,
        checkpoint=compute.Checkpoint(folder.path / "chunks"), progress=progress,
        description=f"Simulating {len(jobs)} scenarios x {n_trials} trials")
    out = []
    for index, sc, _design_prior, _label in jobs:
        stats = compute.stack_results({k: v for k, v in results.items() if k[0] == index})
        usable = [a for a in prep.analyses if sc.design in a.designs]
        out.append(power_summary(stats, usable, sc, seed=seed, seconds=float("nan")))
    return out


def _fill(out: dict, i: int, j: int, res: dict) -> None:
    out["events_mean"][i, j], out["events_mc_se"][i, j] = res["events"]
    out["duration_mean"][i, j], out["duration_mc_se"][i, j] = res["duration"]
    out["reached"][i, j] = res["reached"][0]
    if "log_hr" in res:
        for key in ("bias", "bias_mc_se", "rmse", "rmse_mc_se", "coverage", "coverage_mc_se"):
            out[f"log_hr_{key}"][i, j] = res["log_hr"].get(key, math.nan)


def _dataset(prep, power, power_se, per_scenario, assurance, assurance_se):
    import xarray as xr

    cfg = prep.cfg
    coords = {"n": list(cfg.grid.n), "hazard_ratio": list(cfg.grid.hazard_ratio),
              "analysis": [a.name for a in prep.analyses]}
    data = {"power": (("n", "hazard_ratio", "analysis"), power),
            "power_mc_se": (("n", "hazard_ratio", "analysis"), power_se)}
    data.update({k: (("n", "hazard_ratio"), v) for k, v in per_scenario.items()})
    if assurance is not None:
        data["assurance"] = (("n", "analysis"), assurance)
        data["assurance_mc_se"] = (("n", "analysis"), assurance_se)
    ds = xr.Dataset(data, coords=coords)
    ds["power"].attrs["description"] = ("success rate of each analysis (type-I error where "
                                        "hazard_ratio = 1)")
    return ds


def _summary(prep, power, power_se, per_scenario, assurance, assurance_se):
    import pandas as pd

    cfg = prep.cfg
    rows = []
    for i, n in enumerate(cfg.grid.n):
        for j, hr in enumerate(cfg.grid.hazard_ratio):
            for k, a in enumerate(prep.analyses):
                rows.append({"quantity": "power", "n": n, "hazard_ratio": hr,
                             "analysis": a.name, "value": power[i, j, k],
                             "mc_se": power_se[i, j, k],
                             "events_mean": per_scenario["events_mean"][i, j],
                             "duration_mean": per_scenario["duration_mean"][i, j]})
        if assurance is not None:
            for k, a in enumerate(prep.analyses):
                rows.append({"quantity": "assurance", "n": n, "hazard_ratio": float("nan"),
                             "analysis": a.name, "value": assurance[i, k],
                             "mc_se": assurance_se[i, k], "events_mean": float("nan"),
                             "duration_mean": float("nan")})
    return pd.DataFrame(rows)


def _caption(prep) -> str:
    t = prep.cfg.trial
    control = prep.sources.get("control_truth", f"{t.control.model} control from the config")
    return (f"Simulated {t.design.replace('_', '-')} trials, {prep.cfg.simulation.n_trials} per "
            f"point, bands ±1.96 MC SE. Control: {control}.")


def _headline(prep, power, power_se, search, total_trials, seconds) -> list[str]:
    cfg = prep.cfg
    lines = []
    for j, hr in enumerate(cfg.grid.hazard_ratio):
        for k, a in enumerate(prep.analyses):
            vals = "  ".join(f"n={n}: {power[i, j, k]:.3f}±{power_se[i, j, k]:.3f}"
                             for i, n in enumerate(cfg.grid.n))
            lines.append(f"HR {hr:<5g} {a.name:20s} {vals}")
    if search is not None:
        def show(v):
            return "none in the grid" if v is None else str(v)
        lines.append(f"smallest n with {search['quantity']} >= {search['target']:g} "
                     f"({search['analysis']}): {show(search['value'])} (within MC error: "
                     f"{show(search['lower'])} to {show(search['upper'])})")
    lines.append(f"{total_trials} trials in {seconds:.1f} s "
                 f"({total_trials / max(seconds, 1e-9):,.0f} trials/s)")
    return lines
