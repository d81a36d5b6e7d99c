"""``prepare`` of the ``trial_simulation`` kind: every prior file read, every scenario and analysis
built and checked, the pre-flight budget, before a run folder exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neosim.errors import InputError
from neosim.experiments.trial_simulation.schema import (
    MAX_TOTAL_TRIALS,
    AnalysisSpec,
    Config,
    GammaSpec,
    NormalSpec,
    SurvivalSection,
    TrialSection,
)
from neosim.inputs import resolve_path

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


def _read_prior(path: str, source_file: str, field: str):
    from neosim.priors import read_prior

    try:
        return read_prior(resolve_path(path, source_file))
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
        return Mixture.of([spec])
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
            prior = Mixture.of([spec.log_hr_prior])
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
        lhr = Mixture.of([s.log_hazard_ratio]) if s.log_hazard_ratio is not None else None
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
