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
    MAX_LIST,
    ExperimentConfig,
    FieldError,
    Hazard,
    HazardOrZero,
    Months,
    MonthsOrZero,
    OutputSection,
    PriorLocation,
    PriorScale,
    Probability,
    Ratio,
    Strict,
)
from neosim.errors import InputError
from neosim.experiments import Outcome
from neosim.models.families import FAMILIES

#: a family of the registry (checked by name, so a new family needs no edit here)
SurvivalFamilyName = Literal[tuple(FAMILIES)]

# ---------------------------------------------------------------------------------------------
# Schema
# ---------------------------------------------------------------------------------------------


class AccrualSection(Strict):
    """Uniform over ``duration_months``, or piecewise ``rates_per_month`` for ``durations_months``
    (the last piece lasts until everyone is enrolled)."""

    duration_months: Months | None = None
    durations_months: list[Months] = Field(default_factory=list, max_length=100)
    #: patients per month, 0 to 1e6
    rates_per_month: list[Annotated[float, Field(ge=0.0, le=1e6, allow_inf_nan=False)]] = Field(
        default_factory=list, max_length=100)

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

    events: Annotated[int, Field(ge=1, le=10_000)] | None = None
    events_fraction: Annotated[float, Field(ge=1e-6, le=1.0, allow_inf_nan=False)] | None = None
    calendar_months: Months | None = None
    max_duration_months: Months | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        given = [x is not None for x in (self.events, self.events_fraction,
                                         self.calendar_months)]
        if sum(given) != 1:
            raise ValueError("give exactly one of events, events_fraction, calendar_months")
        return self


class SurvivalSection(Strict):
    """A true survival model, any family of the registry :data:`neosim.models.families.FAMILIES`:
    exponential (``rate_per_month`` or ``median_months`` or ``prior``), weibull (``shape``,
    ``scale_months``), piecewise (``cuts_months``, ``rates_per_month``), cure (``cure_fraction``
    and an exponential uncured part); other families name their keys in ``config_keys``."""

    model: SurvivalFamilyName = "exponential"
    rate_per_month: Hazard | None = None
    median_months: Months | None = None
    prior: str = ""
    #: Weibull (or log-normal) shape, 0.05 to 20 (t ** shape stays finite for t <= 1200 months)
    shape: Annotated[float, Field(ge=0.05, le=20.0, allow_inf_nan=False)] | None = None
    scale_months: Months | None = None
    cuts_months: list[Months] = Field(default_factory=list, max_length=100)
    rates_per_month: list[HazardOrZero] = Field(default_factory=list, max_length=101)
    cure_fraction: Probability | None = None

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, dict) and "breaks_months" in data:
            raise FieldError("breaks_months", "renamed: write cuts_months (the one name of the "
                                              "piecewise boundary)")
        return data

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.model in ("exponential", "cure"):
            n = sum(x not in (None, "") for x in (self.rate_per_month, self.median_months,
                                                  self.prior))
            if n != 1:
                raise ValueError("give exactly one of rate_per_month, median_months, prior")
            if self.prior and self.model == "cure":
                raise ValueError("a prior sets an exponential control only")
            if self.model == "cure" and self.cure_fraction is None:
                raise ValueError("a cure model needs cure_fraction")
            return self
        from neosim.models.families import FAMILIES

        keys = FAMILIES[self.model].config_keys
        needed = [k for k in keys.values() if getattr(self, k) in (None, [])
                  and k != "cuts_months"]
        if needed:
            raise ValueError(f"a {self.model} model needs {' and '.join(keys.values())}")
        return self


class TrialSection(Strict):
    design: Literal["two_arm", "single_arm"] = "two_arm"
    allocation: Annotated[float, Field(ge=1e-3, le=0.999, allow_inf_nan=False)] = 0.5
    dropout_rate_per_month: HazardOrZero = 0.0
    time_resolution_months: MonthsOrZero = 0.0
    landmark_months: Months | None = None
    accrual: AccrualSection
    analysis: AnalysisTiming
    control: SurvivalSection


class GammaSpec(Strict):
    """Gamma(shape ``a``, rate ``b``) on a hazard per month: both in [1e-4, 1e6] (the vague
    Gamma(0.001, 0.001) fits)."""

    a: Annotated[float, Field(ge=1e-4, le=1e6, allow_inf_nan=False)]
    b: Annotated[float, Field(ge=1e-4, le=1e6, allow_inf_nan=False)]


class NormalSpec(Strict):
    """Normal(mean, sd) on a log hazard ratio: mean in [-1e3, 1e3], sd in [1e-3, 1e3]."""

    mean: PriorLocation
    sd: PriorScale


class AnalysisSpec(Strict):
    """One analysis. ``kind``: logrank, cox, one_sample_logrank, bayes_hazard_ratio,
    bayes_log_hr, bayes_landmark. Priors are a prior file path or inline parameters."""

    kind: Literal["logrank", "cox", "one_sample_logrank", "bayes_hazard_ratio", "bayes_log_hr",
                  "bayes_landmark"]
    name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")] | None = None
    alpha: Annotated[float, Field(ge=1e-9, le=0.5, allow_inf_nan=False)] = 0.025
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
    n: Annotated[list[Annotated[int, Field(ge=2, le=10_000)]], Field(min_length=1,
                                                                       max_length=MAX_LIST)]
    hazard_ratio: Annotated[list[Ratio], Field(min_length=1, max_length=MAX_LIST)]

    @model_validator(mode="after")
    def _check(self) -> Self:
        if len(set(self.n)) != len(self.n) or len(set(self.hazard_ratio)) != len(
                self.hazard_ratio):
            raise ValueError("grid values must be distinct")
        return self


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

    trial: TrialSection
    grid: GridSection
    analyses: Annotated[list[AnalysisSpec], Field(min_length=1, max_length=50)]
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
    keys = m.FAMILIES[spec.model].config_keys
    try:
        if spec.model == "exponential":
            return m.Exponential(lam)
        if spec.model == "cure":
            return m.Cure(spec.cure_fraction, m.Exponential(lam))
        cls = m.FAMILIES[spec.model]  # any other family: its parameters under its config keys
        values = {arg: getattr(spec, key) for arg, key in cls.config_keys.items()}
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})
    except InputError as exc:
        base, _, index = (exc.field or "").partition("[")
        key = keys.get(base, base) + (f"[{index}" if index else "")
        raise InputError(exc.message, file=source_file, field=f"{field}.{key}") from None


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
    scenarios_total = len(cfg.grid.n) * len(cfg.grid.hazard_ratio) + (
        len(cfg.grid.n) if cfg.assurance is not None else 0)
    if scenarios_total * cfg.simulation.n_trials > MAX_TOTAL_TRIALS:
        raise InputError(
            f"{scenarios_total} scenarios (grid.n x grid.hazard_ratio, and grid.n again for "
            f"assurance) x {cfg.simulation.n_trials} trials exceed the "
            f"{MAX_TOTAL_TRIALS:,} simulated trials one run keeps in memory (about 120 bytes "
            "each); use fewer trials or split the grid", file=source_file,
            field="simulation.n_trials")
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
    from neosim import budget

    budget.check(_estimate(cfg, scenarios_total), cfg.output, file=source_file)
    return prep


def _estimate(cfg: Config, scenarios_total: int):
    """Each thread (or dask worker) holds a block of BLOCK trials x n patients in about ten
    float64 arrays; the run keeps about 120 bytes of statistics per trial (three copies on the
    way to simulation.nc). Duration: n log n per trial and analysis."""
    from neosim import budget
    from neosim.simulate.engine import BLOCK, default_workers

    c, n_max = cfg.compute, max(cfg.grid.n)
    if c.backend == "dask":
        parallel, processes = c.workers * c.threads_per_worker, c.workers
    else:
        parallel, processes = cfg.simulation.workers or default_workers(), 0
    block = budget.F8 * BLOCK * n_max * 10.0
    kept = 3.0 * 120.0 * scenarios_total * cfg.simulation.n_trials
    memory = budget.BASE_NUMPY * (1 + processes) + 0.3 * budget.GIB + parallel * block + kept
    per_trial = sum(n * max(math.log2(n), 1.0) for n in cfg.grid.n) / len(cfg.grid.n)
    seconds = (scenarios_total * cfg.simulation.n_trials * per_trial * 2e-8
               * (1 + len(cfg.analyses)) / parallel)
    workers = ("compute.workers", "compute.threads_per_worker") if c.backend == "dask" else (
        "simulation.workers",)
    drivers = budget.ranked({("grid.n", *workers): parallel * block,
                             ("simulation.n_trials", "grid.hazard_ratio"): kept})
    return budget.Estimate(memory, seconds, drivers,
                           ("simulation.n_trials", "grid.n", "grid.hazard_ratio", "analyses",
                            *workers))


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


def execute(prep: Prepared, folder, progress) -> Outcome:
    """Simulate the grid (and assurance), summarise, write results and figures."""
    from neosim.experiments import trial_simulation_run

    return trial_simulation_run.execute(prep, folder, progress)
