"""``prepare`` of the ``accrual`` kind: country tables read, the consortium built, incidence draws
loaded or computed, the pre-flight budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neosim import seeds
from neosim.config import (
    load_toml,
    validate,
)
from neosim.errors import InputError
from neosim.experiments.accrual.schema import (
    Config,
    CountryFile,
    CountryTable,
    IncidenceSection,
)
from neosim.inputs import resolve_path


@dataclass
class Prepared:
    cfg: Config
    tables: list[CountryTable]
    consortium: Any
    incidence: np.ndarray
    incidence_label: str


def mc_se_draws_cap(inc: IncidenceSection) -> int:
    """The most incidence draws a run may use: ``mc_se_max_draws`` where a target MC SE can
    raise them (draws from counts), else the draws it has (0: use the draws loaded)."""
    if inc.mc_se_target is not None and inc.from_counts is not None:
        return inc.mc_se_max_draws
    return 0


def incidence_draws(inc: IncidenceSection, seed: int, source_file: str) -> tuple[np.ndarray, str]:
    """The incidence draws and their label (a number, ``inc.draws`` draws from counts under the
    seed's stream 1, or a prior file's draws)."""
    if inc.per_million_births is not None:
        return np.array([inc.per_million_births]), f"{inc.per_million_births:g} per 10^6 births"
    if inc.from_counts is not None:
        fc = inc.from_counts
        rng = seeds.rng(seed, 1)
        lows = np.array([y.births_low for y in fc.exposure])
        highs = np.array([y.births_high for y in fc.exposure])
        births = rng.uniform(lows, highs, size=(inc.draws, lows.size)).sum(axis=1)
        lam = rng.gamma(fc.cases + fc.prior_shape, 1.0, size=inc.draws) / (births / 1e6)
        return lam, (f"Gamma posterior from {fc.cases} cases over {len(fc.exposure)} birth years "
                     f"(exposure {lows.sum() / 1e6:.3f}-{highs.sum() / 1e6:.3f} M births)")
    from neosim.priors import read_prior

    path = resolve_path(inc.draws_file, source_file)
    try:
        prior = read_prior(path)
    except InputError as exc:
        raise exc.at(file=source_file, field="incidence.draws_file") from None
    if prior.kind != "draws" or inc.quantity not in prior.draws:
        raise InputError(f"{path} holds no draws named {inc.quantity!r}", file=source_file,
                         field="incidence.quantity")
    lam = np.asarray(prior.draws[inc.quantity], dtype=float)
    if np.any(lam <= 0):
        raise InputError("incidence draws must be positive", file=source_file,
                         field="incidence.quantity")
    return lam, f"{lam.size} posterior draws of {inc.quantity} ({path.name})"


def prepare(cfg: Config, source_file: str) -> Prepared:
    """Read the country tables and the incidence; every problem is an :class:`InputError`."""
    from neosim.design.accrual import Consortium, Site

    tables, sites = [], []
    for i, s in enumerate(cfg.sites):
        path = resolve_path(s.table, source_file)
        try:
            table = validate(CountryFile, load_toml(path, kind="table"),
                             file=str(path)).country
        except InputError as exc:
            raise exc.at(file=source_file, field=f"sites[{i}].table") from None
        tables.append(table)
        sites.append(Site(table.name, float(table.annual_live_births), s.participation,
                          s.activation_month, s.ramp_up_months))
    lam, label = incidence_draws(cfg.incidence, cfg.experiment.seed, source_file)
    if cfg.tradeoff is not None and cfg.tradeoff.design.power is None:
        raise InputError("tradeoff.design needs power", file=source_file,
                         field="tradeoff.design.power")
    prep = Prepared(cfg=cfg, tables=tables,
                    consortium=Consortium(sites, cfg.recruitment.eligible_fraction),
                    incidence=lam, incidence_label=label)
    from neosim import budget

    budget.check(_estimate(prep), cfg.output, file=source_file)
    return prep


def _estimate(prep: Prepared):
    """Peak memory and rough duration of :func:`compute` and :func:`simulation_check`.

    The counts by date hold a Poisson CDF table of (largest expected count + a margin) x
    incidence draws; the check simulates ``replicates x max(targets)`` exponential gaps at once;
    the mean time to N integrates ``pieces x 48 nodes x draws`` per target.
    """
    from neosim import budget

    cfg, r = prep.cfg, prep.cfg.recruitment
    draws = float(max(prep.incidence.size, mc_se_draws_cap(cfg.incidence)))
    dates = r.horizon_months / r.step_months + 1.0
    mu = float(prep.consortium.unit_intensity(np.array([r.horizon_months]))[0]) * float(
        np.max(prep.incidence))
    top = mu + 10.0 * np.sqrt(mu) + 10.0
    counts = budget.F8 * (top + 1.0) * draws * 4.0 + budget.F8 * dates * draws * 2.0
    reps, biggest = cfg.check.replicates, max(r.targets)
    check = budget.F8 * reps * biggest * 2.0 + budget.F8 * reps * 4.0
    pieces = 2.0 * len(cfg.sites) + 1.0
    mean = budget.F8 * 48.0 * draws * 4.0
    # a target MC SE recomputes with draws growing at least 1.1-fold a round (at most 7
    # computes, see precision.py): together under 5.4 times the last, at the largest draws
    rounds = 5.4 if mc_se_draws_cap(cfg.incidence) else 1.0
    seconds = (rounds * dates * (top + 1.0) * draws * 1e-7 + reps * sum(r.targets) * 1e-8
               + rounds * len(r.targets) * pieces * 48.0 * draws * (1e-7 + len(cfg.sites) * 1e-9))
    inc = cfg.incidence
    source = ("incidence.per_million_births" if inc.per_million_births is not None else
              "incidence.draws_file" if inc.from_counts is None else
              "incidence.mc_se_max_draws" if mc_se_draws_cap(inc) else "incidence.draws")
    drivers = budget.ranked({("check.replicates", "recruitment.targets"): check,
                             (source, "recruitment.horizon_months", "sites"): counts})
    return budget.Estimate(budget.BASE_NUMPY + max(counts, check) + mean, seconds, drivers)
