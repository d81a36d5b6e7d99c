"""``prepare`` of the ``design_comparison`` kind: the consortium's accrual read from an
``accrual`` experiment, the design under it, the looks of every grid point, the budget.

Accrual. The ``accrual`` experiment named by ``[accrual] experiment`` is prepared as that kind
prepares it (country tables, sites, incidence draws). The design's accrual becomes the
consortium's expected rate: month by month the mean patients per month
(:meth:`neosim.design.accrual.Consortium.piece_rates`) times the mean incidence, until every
site is ramped up, then the full rate until the subjects are in (rpact's absolute
``accrualIntensity`` without an end). With ``incidence_strata = 1`` the incidence's uncertainty is
averaged into that one rate (durations of the expected accrual, which are shorter than the
expected durations: ``E[1/rate] > 1/E[rate]``); with ``k`` strata the trials of every grid point
are split evenly over ``k`` such accruals at the incidence quantiles ``(j + 0.5) / k`` (the same
rate definition, a stratified sample of the incidence's distribution), so expected durations
average over the incidence.

Looks. For ``n`` subjects the last look is at ``D(n)`` events, the events expected by the end
of accrual plus the design's follow-up (the analytic ``events_ceil``, at most ``n``; a design
whose ``[design.analysis]`` fixes the events keeps them); the interim looks at
``ceil(rate * D(n))`` events (:meth:`neosim.simulator.scenario.Looks.from_rates`). The fixed
design analyses the same trials once, at ``D(n)`` events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from neosim.config import validate
from neosim.design.spec import TrialDesign
from neosim.errors import InputError
from neosim.experiments.design_comparison.schema import Config
from neosim.inputs import resolve_path

#: the most accrual pieces of the consortium profile (the design's accrual_time list limit)
MAX_PIECES = 600
#: the most patients per month an accrual piece may hold (the design's intensity bound)
MAX_RATE = 1e6


@dataclass(frozen=True)
class Point:
    """One grid point: true hazard ratio, subjects, its looks (cumulative events)."""

    index: int
    hazard_ratio: float
    subjects: int
    look_events: tuple[int, ...]
    null: bool


@dataclass
class Prepared:
    cfg: Config
    design: TrialDesign          # the base design under the consortium's accrual (mean)
    strata: tuple[TrialDesign, ...]   # the same at each incidence stratum (or the mean alone)
    incidence_levels: tuple[float, ...]   # per 10^6 births, one per stratum
    accrual: Any                 # the accrual kind's Prepared
    accrual_file: str
    mean_rate_per_month: float   # full-speed accrual at the mean incidence
    points: list[Point]
    hazard_ratios: tuple[float, ...]
    calibration: dict[int, tuple[int, ...]]   # subjects -> looks of its null calibration run


def consortium_accrual(consortium, incidence_mean: float) -> tuple[list[float], list[float]]:
    """rpact ``accrualTime`` start points and absolute intensities (patients per month) of the
    consortium's expected accrual, open-ended (the last piece runs until the subjects are in)."""
    import numpy as np

    ramped = max(s.activation_month + s.ramp_up_months for s in consortium.sites)
    step = max(1.0, math.ceil(ramped / (MAX_PIECES - 1)))
    end = max(step, step * math.ceil(ramped / step))
    edges = np.arange(0.0, end + 0.5 * step, step)
    rates = consortium.piece_rates(edges) * incidence_mean
    full = float(consortium.unit_rate(np.array([end]))[0]) * incidence_mean
    intensity = [float(min(max(r, 1e-6), MAX_RATE)) for r in rates] + [full]
    return [float(x) for x in edges], intensity


def _accrual(cfg: Config, source_file: str):
    from neosim.experiments import accrual, load_experiment

    path = resolve_path(cfg.accrual.experiment, source_file)
    try:
        acfg = load_experiment(path)
        if acfg.experiment.kind != "accrual":
            raise InputError(f"names an experiment of kind {acfg.experiment.kind!r}, not "
                             "'accrual'", field="experiment.kind")
        return accrual.prepare(acfg, str(path)), str(path)
    except InputError as exc:
        where = f" ({exc.file}: {exc.field})" if exc.field else ""
        raise InputError(f"{exc.message}{where}", file=source_file,
                         field="accrual.experiment") from None


def _looks(design: TrialDesign, n: int) -> tuple[int, ...]:
    from neosim.design import survival
    from neosim.simulator.scenario import Looks, TrialScenario

    planned = design.analysis.events_for(n)
    d_max = int(planned) if planned is not None else int(
        min(n, survival.power(design, subjects=float(n)).events_ceil))
    looks = Looks.from_rates(design.sequential.information_rates, d_max,
                             theta_h0=design.theta_h0)
    looks.check(TrialScenario.from_design(design, subjects=n, events=d_max))
    return looks.events


def prepare(cfg: Config, source_file: str) -> Prepared:
    """Every input read and every grid point's looks checked before a run folder exists."""
    import numpy as np

    acc, acc_file = _accrual(cfg, source_file)
    k = cfg.accrual.incidence_strata
    levels = [float(acc.incidence.mean())] + (
        [] if k == 1 else [float(x) for x in np.quantile(acc.incidence,
                                                         (np.arange(k) + 0.5) / k)])
    designs, full = [], 0.0
    for level in levels:
        starts, intensity = consortium_accrual(acc.consortium, level)
        if intensity[-1] > MAX_RATE:
            raise InputError(f"the consortium enrols {intensity[-1]:.3g} patients a month, "
                             f"more than {MAX_RATE:g}", file=source_file,
                             field="accrual.experiment")
        full = full or intensity[-1]
        data = cfg.design.model_dump()
        data.update(accrual_time=starts, accrual_intensity=intensity,
                    accrual_intensity_type="absolute", subjects=None)
        designs.append(validate(TrialDesign, data, file=source_file, prefix="design"))
    design = designs[0]
    d0 = design.theta_h0
    hrs = tuple(sorted({*cfg.grid.hazard_ratios, d0}))
    points, calibration = [], {}
    for n in cfg.grid.subjects:
        try:
            looks = _looks(design, n)
        except InputError as exc:
            raise InputError(f"{n} subjects: {exc.message}", file=source_file,
                             field="grid.subjects") from None
        calibration[n] = looks
        for hr in hrs:
            points.append(Point(len(points), float(hr), int(n), looks, hr == d0))
    from neosim import budget

    budget.check(_estimate(cfg, points), cfg.output, file=source_file)
    return Prepared(cfg=cfg, design=design, strata=tuple(designs[1:] or designs[:1]),
                    incidence_levels=tuple(levels[1:] or levels),
                    accrual=acc, accrual_file=acc_file,
                    mean_rate_per_month=full, points=points, hazard_ratios=hrs,
                    calibration=calibration)


def _estimate(cfg: Config, points: list[Point]):
    """Peak memory: the look table of one grid point (about 14 float arrays of trials x looks)
    and the engine's blocks of 1024 trials x subjects (a dozen arrays per thread); duration:
    about 1e-6 s per subject, trial and look with the Cox fits at every look (measured 8e-7 on
    2 shared cores), calibration trials included, and 1e-5 s per trial and look for the
    decisions."""
    from neosim import budget

    sim = cfg.simulation.n_trials
    cal = cfg.bayesian.calibration_trials if cfg.bayesian.calibrate else 0
    trials = max(sim, cal)
    looks = max(len(p.look_events) for p in points)
    biggest = max(p.subjects for p in points)
    table = budget.F8 * 14.0 * trials * looks * 3.0
    blocks = budget.F8 * 12.0 * 1024.0 * biggest * 16.0
    subject_trials = sum(p.subjects * sim for p in points) + sum(
        n * cal for n in {p.subjects for p in points})
    seconds = 1e-6 * subject_trials * looks + 1e-5 * trials * len(points) * looks
    drivers = budget.ranked({("simulation.n_trials", "bayesian.calibration_trials"): table,
                             ("grid.subjects",): blocks})
    return budget.Estimate(budget.BASE_NUMPY + table + blocks, seconds, drivers)
