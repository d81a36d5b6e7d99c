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
    set_path,
)
from neosim.inputs import resolve_path

# ---------------------------------------------------------------------------------------------
# Prepare: everything loaded and checked before a run folder exists
# ---------------------------------------------------------------------------------------------


@dataclass
class Prepared:
    cfg: Config
    scenarios: list  # [(grid index tuple, TrialScenario)], row-major over cfg.grid.axes()
    analyses: list
    design_prior: Any
    assurance_scenarios: list  # [(grid index tuple without hazard_ratio, TrialScenario)]
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


def _control_hazard(path: str, source_file: str, sources: dict) -> float:
    """The constant control hazard a prior file sets: ``-log(E[S]) / T`` for a beta mixture on
    ``survival_probability_<T>m``, else the mean of the gamma mixture or hazard draws."""
    from neosim.simulator.prior_io import SurvivalToHazard, design_rate_prior

    prior = _read_prior(path, source_file, "design.control.prior")
    sources["control_truth"] = f"{path} ({prior.name} v{prior.version})"
    sampler = design_rate_prior(prior, file=source_file)
    if isinstance(sampler, SurvivalToHazard):
        return -math.log(sampler.mix.mean()) / sampler.horizon
    return float(sampler.mean()) if hasattr(sampler, "mean") else float(sampler)


def _gamma(spec, source_file: str, field: str, sources: dict):
    from neosim.priors import Mixture
    from neosim.simulator.prior_io import hazard_prior

    if isinstance(spec, GammaSpec):
        return Mixture.of([spec])
    prior = _read_prior(spec, source_file, field)
    sources[field] = f"{spec} ({prior.name} v{prior.version})"
    return hazard_prior(prior, file=source_file)


def _analysis(i: int, spec: AnalysisSpec, design, source_file: str, sources: dict):
    from neosim.priors import Mixture
    from neosim.simulator import analyses as an
    from neosim.simulator.prior_io import log_hr_prior

    field = f"analyses[{i}]"
    name = {"name": spec.name} if spec.name else {}
    if spec.kind == "logrank":
        return an.LogRank(spec.alpha, direction=spec.direction, **name)
    if spec.kind == "cox":
        return an.CoxWald(spec.alpha, direction=spec.direction, **name)
    if spec.direction != "lower":
        raise InputError("direction applies to logrank and cox analyses", file=source_file,
                         field=f"{field}.direction")
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
    time = spec.landmark_months or design.landmark_months
    if time is None or spec.survival_threshold is None:
        raise InputError("bayes_landmark needs landmark_months and survival_threshold",
                         file=source_file, field=f"{field}.survival_threshold")
    return an.BayesLandmark(
        _gamma(spec.treatment_prior, source_file, f"{field}.treatment_prior", sources), time,
        spec.survival_threshold, prob if prob is not None else 0.9, **name)


def _designs(cfg: Config, source_file: str) -> list[tuple[tuple[int, ...], Any]]:
    """The design of every grid point (row-major over ``cfg.grid.axes()``), each validated;
    a bad combination is an error naming the grid field."""
    import itertools

    from neosim.config import validate
    from neosim.design.spec import TrialDesign

    axes = cfg.grid.axes(cfg.design)
    base = cfg.design.model_dump(mode="python", exclude_unset=True, by_alias=True)
    out = []
    for index in itertools.product(*(range(len(v)) for v in axes.values())):
        data = base
        for (key, values), k in zip(axes.items(), index, strict=True):
            data = set_path(data, key, values[k])
        try:
            out.append((index, validate(TrialDesign, data, file=source_file,
                                        prefix="design")))
        except InputError as exc:
            varied = [k for k in axes if k != "subjects"] or ["subjects"]
            raise InputError(f"{exc.message} (in the grid point "
                             + ", ".join(f"{k} = {axes[k][i]}" for k, i in
                                         zip(axes, index, strict=True)) + ")",
                             file=source_file, field=exc.field or f"grid.{varied[0]}") from None
    return out


def prepare(cfg: Config, source_file: str) -> Prepared:
    """Build every scenario, analysis and prior; every problem is an :class:`InputError`."""
    axes = cfg.grid.axes(cfg.design)
    for key, where in (("theta_h0", "a shifted null"), ("sequential", "interim looks")):
        given = key in axes or (cfg.design.theta_h0 != 1.0 if key == "theta_h0"
                                else cfg.design.sequential is not None)
        if given:
            raise InputError(
                f"trial_simulation simulates one analysis per [[analyses]] entry against HR 1 "
                f"(Bayesian ones: their hr_threshold); {where} is simulated by neosim power "
                "--simulate, ns.simulate or the design_comparison kind", file=source_file,
                field=f"grid.{key}" if key in axes else f"design.{key}")
    points = math.prod(len(v) for v in axes.values())
    per_hr = points // len(axes["hazard_ratio"])
    scenarios_total = points + (per_hr if cfg.assurance is not None else 0)
    if scenarios_total * cfg.simulation.n_trials > MAX_TOTAL_TRIALS:
        raise InputError(
            f"{scenarios_total} scenarios (every combination of grid.subjects and the other "
            f"grid fields, and each again without hazard_ratio for assurance) x "
            f"{cfg.simulation.n_trials} trials exceed the "
            f"{MAX_TOTAL_TRIALS:,} simulated trials one run keeps in memory (about 120 bytes "
            "each); use fewer trials or split the grid", file=source_file,
            field="simulation.n_trials")
    from neosim.priors import Mixture
    from neosim.simulator.analyses import check_analyses
    from neosim.simulator.prior_io import design_rate_prior
    from neosim.simulator.scenario import DesignPrior, TrialScenario

    sources: dict[str, str] = {}
    d = cfg.design
    prior_hazard = (_control_hazard(d.control.prior, source_file, sources)
                    if d.control.prior is not None else None)

    def scenario(design, hr: float | None = None) -> TrialScenario:
        n = int(design.subjects)
        try:
            control = design.control.family(prior_hazard)
            events = design.analysis.events_for(n)
            if events is not None and events > n:
                raise InputError(f"{events} events cannot be observed among {n} subjects",
                                 field="design.analysis.events")
            return TrialScenario.from_design(design, subjects=n, hazard_ratio=hr,
                                             control=control)
        except InputError as exc:
            field = exc.field or "grid.subjects"
            if not field.startswith(("design.", "grid.")):
                field = f"design.{field}"
            raise InputError(f"{exc.message} (subjects = {n})", file=source_file,
                             field=field) from None

    designs = _designs(cfg, source_file)
    scenarios = [(index, scenario(design)) for index, design in designs]
    analyses = [_analysis(i, s, d, source_file, sources) for i, s in enumerate(cfg.analyses)]
    try:
        check_analyses(analyses, scenarios[0][1])
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
        for index, design in designs:
            if index[1] != 0:  # one assurance scenario per point without hazard_ratio
                continue
            sc = scenario(design, 1.0)
            try:
                design_prior.check(sc)
            except InputError as exc:
                raise exc.at(file=source_file) from None
            assurance.append((index[:1] + index[2:], sc))
    if cfg.search is not None:
        if cfg.search.analysis not in names:
            raise InputError(f"no analysis named {cfg.search.analysis!r} (have "
                             f"{', '.join(names)})", file=source_file, field="search.analysis")
        hr = cfg.search.hazard_ratio
        if hr is None and design_prior is None:
            raise InputError("an assurance search needs an [assurance] design prior",
                             file=source_file, field="search.hazard_ratio")
        if hr is not None and hr not in axes["hazard_ratio"]:
            raise InputError("must be one of the grid's hazard_ratio values", file=source_file,
                             field="search.hazard_ratio")
    synthetic = False
    if d.control.prior is not None:
        synthetic |= _read_prior(d.control.prior, source_file,
                                 "design.control.prior").source.synthetic
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
    from neosim.simulator.engine import BLOCK, default_workers

    c, n_max = cfg.compute, max(cfg.grid.subjects)
    if c.backend == "dask":
        parallel, processes = c.workers * c.threads_per_worker, c.workers
    else:
        parallel, processes = cfg.simulation.workers or default_workers(), 0
    block = budget.F8 * BLOCK * n_max * 10.0
    kept = 3.0 * 120.0 * scenarios_total * cfg.simulation.n_trials
    memory = budget.BASE_NUMPY * (1 + processes) + 0.3 * budget.GIB + parallel * block + kept
    per_trial = sum(n * max(math.log2(n), 1.0) for n in cfg.grid.subjects) / len(
        cfg.grid.subjects)
    seconds = (scenarios_total * cfg.simulation.n_trials * per_trial * 2e-8
               * (1 + len(cfg.analyses)) / parallel)
    workers = ("compute.workers", "compute.threads_per_worker") if c.backend == "dask" else (
        "simulation.workers",)
    drivers = budget.ranked({("grid.subjects", *workers): parallel * block,
                             ("simulation.n_trials", "grid"): kept})
    return budget.Estimate(memory, seconds, drivers,
                           ("simulation.n_trials", "grid.subjects", "grid", "analyses",
                            *workers))


def _data_sources(cfg: Config, source_file: str) -> list[dict]:
    """Citations for the report: every prior file the experiment reads (with the evidence it
    was made from), and the planning assumptions, which are not data."""
    paths = [cfg.design.control.prior] + [a.control_prior for a in cfg.analyses] + (
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
    out.append({"name": "planning assumptions", "assumption": True,
                "citation": f"Design assumptions stated in {Path(source_file).name} (accrual, "
                            "dropout, hazard ratios, decision rules): scenarios, not data."})
    return out
