"""Experiment kind ``accrual``: how many countries and years it takes to enrol N patients.

Countries come from tables in ``configs/countries/`` (annual live births with year, source and
evidence code); each site adds planning assumptions (participation fraction, activation month,
ramp-up). The incidence per million live births is a number, posterior draws from a prior file
(``neosim-prior/1``, kind ``draws``), or a Gamma posterior from a registry count and its birth
exposure, with unread birth counts given as explicit intervals. Enrolment is a Poisson process
(:mod:`neosim.design.accrual`); the run reports the time to enrol each target N and the number
enrolled by each date (median, 80 % and 95 % bands), checks the bands against simulation, and,
with a ``[tradeoff]`` table, the subjects a survival design needs for each accrual duration and
the probability that the consortium enrols them in time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import numpy as np
from pydantic import Field, model_validator

from neosim.config import (
    MAX_LIST,
    Count,
    ExperimentConfig,
    FieldError,
    Months,
    MonthsOrZero,
    OutputSection,
    PriorShape,
    Strict,
    load_toml,
    validate,
)
from neosim.design.spec import TrialDesign
from neosim.errors import InputError
from neosim.experiments import Outcome

#: a share of cases (participation, eligibility): 1e-6 to 1 (never a denormal that makes the
#: consortium's rate 0)
Fraction = Annotated[float, Field(ge=1e-6, le=1.0, allow_inf_nan=False)]
#: live births of one year of exposure: 1 to 10^9 (more than the world's births)
Births = Annotated[float, Field(ge=1.0, le=1e9, allow_inf_nan=False)]
#: incidence per million live births: at most 10^6 (every birth a case), at least 1e-6
PerMillion = Annotated[float, Field(ge=1e-6, le=1e6, allow_inf_nan=False)]


class CountryTable(Strict):
    """A table in ``configs/countries/``: births with their source (never invented)."""

    name: str
    code: str
    annual_live_births: Annotated[int, Field(gt=0, le=10**9)]  # the world has ~1.3e8 a year
    year: Annotated[int, Field(ge=1900, le=2100)]
    definition: str = ""
    source: str
    read_at: str
    evidence: Literal["A", "S", "D", "NV"]
    note: str = ""


class CountryFile(Strict):
    country: CountryTable


class SiteSection(Strict):
    """One participating country; everything except the table is a planning assumption."""

    table: str
    participation: Fraction = 1.0
    activation_month: MonthsOrZero = 0.0
    ramp_up_months: MonthsOrZero = 0.0


class BirthYear(Strict):
    """Live births of one year of registry exposure, as an interval (low = high if known)."""

    year: Annotated[int, Field(ge=1800, le=2200)]
    births_low: Births
    births_high: Births
    evidence: Literal["A", "S", "D", "NV", "assumption"]
    note: str = ""

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.births_high < self.births_low:
            raise ValueError("births_high must be at least births_low")
        return self


class FromCounts(Strict):
    """Gamma posterior of the incidence from ``cases`` over the births of ``exposure``."""

    cases: Count
    exposure: list[BirthYear] = Field(min_length=1, max_length=500)
    prior_shape: PriorShape = 0.5
    source: str = ""

    @model_validator(mode="after")
    def _distinct_years(self) -> Self:
        years = [b.year for b in self.exposure]
        if len(set(years)) != len(years):
            raise FieldError("exposure", "lists a birth year twice")
        return self


class IncidenceSection(Strict):
    """Incidence per million live births: exactly one of the three forms."""

    per_million_births: PerMillion | None = None
    from_counts: FromCounts | None = None
    draws_file: str | None = None
    quantity: str = ""
    draws: Annotated[int, Field(ge=1, le=100_000)] = 2000
    note: str = ""

    @model_validator(mode="after")
    def _one(self) -> Self:
        given = [self.per_million_births is not None, self.from_counts is not None,
                 self.draws_file is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of per_million_births, from_counts, draws_file")
        if self.draws_file is not None and not self.quantity:
            raise ValueError("draws_file needs quantity (the name of the draws in the file)")
        return self


class RecruitmentSection(Strict):
    eligible_fraction: Fraction = 1.0
    targets: list[Annotated[int, Field(ge=1, le=100_000)]] = Field(min_length=1, max_length=100)
    horizon_months: Months = 120.0
    step_months: Annotated[float, Field(ge=0.01, le=120.0, allow_inf_nan=False)] = 3.0

    @model_validator(mode="after")
    def _grid_size(self) -> Self:
        if self.horizon_months / self.step_months > 100_000:
            raise FieldError("step_months", "gives more than 100000 time points up to "
                                            "horizon_months; use a coarser step")
        return self


class CheckSection(Strict):
    """Simulation check of the analytic bands (Monte-Carlo tolerance from its standard error)."""

    replicates: Annotated[int, Field(ge=1000, le=1_000_000)] = 20_000


class TradeoffSection(Strict):
    """Sample size against accrual duration for a survival design fed by this consortium."""

    method: Literal["schoenfeld", "freedman", "lachin-foulkes"] = "schoenfeld"
    accrual_months: list[Months] = Field(min_length=1, max_length=100)
    design: TrialDesign


class Config(ExperimentConfig):
    sites: list[SiteSection] = Field(min_length=1, max_length=MAX_LIST)
    incidence: IncidenceSection
    recruitment: RecruitmentSection
    check: CheckSection = CheckSection()
    tradeoff: TradeoffSection | None = None
    output: OutputSection = OutputSection()


@dataclass
class Prepared:
    cfg: Config
    tables: list[CountryTable]
    consortium: Any
    incidence: np.ndarray
    incidence_label: str


def _resolve(path: str, source_file: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else Path(source_file).parent / p


def _incidence_draws(inc: IncidenceSection, seed: int, source_file: str) -> tuple[np.ndarray, str]:
    if inc.per_million_births is not None:
        return np.array([inc.per_million_births]), f"{inc.per_million_births:g} per 10^6 births"
    if inc.from_counts is not None:
        fc = inc.from_counts
        rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(1,)))
        lows = np.array([y.births_low for y in fc.exposure])
        highs = np.array([y.births_high for y in fc.exposure])
        births = rng.uniform(lows, highs, size=(inc.draws, lows.size)).sum(axis=1)
        lam = rng.gamma(fc.cases + fc.prior_shape, 1.0, size=inc.draws) / (births / 1e6)
        return lam, (f"Gamma posterior from {fc.cases} cases over {len(fc.exposure)} birth years "
                     f"(exposure {lows.sum() / 1e6:.3f}-{highs.sum() / 1e6:.3f} M births)")
    from neosim.priors import read_prior

    path = _resolve(inc.draws_file, source_file)
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
        path = _resolve(s.table, source_file)
        try:
            table = validate(CountryFile, load_toml(path, kind="table"),
                             file=str(path)).country
        except InputError as exc:
            raise exc.at(file=source_file, field=f"sites[{i}].table") from None
        tables.append(table)
        sites.append(Site(table.name, float(table.annual_live_births), s.participation,
                          s.activation_month, s.ramp_up_months))
    lam, label = _incidence_draws(cfg.incidence, cfg.experiment.seed, source_file)
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
    draws = float(prep.incidence.size)
    dates = r.horizon_months / r.step_months + 1.0
    mu = float(prep.consortium.unit_intensity(np.array([r.horizon_months]))[0]) * float(
        np.max(prep.incidence))
    top = mu + 10.0 * np.sqrt(mu) + 10.0
    counts = budget.F8 * (top + 1.0) * draws * 4.0 + budget.F8 * dates * draws * 2.0
    reps, biggest = cfg.check.replicates, max(r.targets)
    check = budget.F8 * reps * biggest * 2.0 + budget.F8 * reps * 4.0
    pieces = 2.0 * len(cfg.sites) + 1.0
    mean = budget.F8 * 48.0 * draws * 4.0
    seconds = (dates * (top + 1.0) * draws * 1e-7 + reps * sum(r.targets) * 1e-8
               + len(r.targets) * pieces * 48.0 * draws * (1e-7 + len(cfg.sites) * 1e-9))
    inc = cfg.incidence
    source = ("incidence.per_million_births" if inc.per_million_births is not None else
              "incidence.draws" if inc.from_counts is not None else "incidence.draws_file")
    drivers = budget.ranked({("check.replicates", "recruitment.targets"): check,
                             (source, "recruitment.horizon_months", "sites"): counts})
    return budget.Estimate(budget.BASE_NUMPY + max(counts, check) + mean, seconds, drivers)


def _tradeoff(prep: Prepared) -> list[dict[str, Any]]:
    """Required subjects per accrual duration, and P(the consortium enrols them in time)."""
    from scipy.special import gammaincc

    from neosim.design import survival

    t = prep.cfg.tradeoff
    c = prep.consortium
    rows = []
    for months in t.accrual_months:
        # accrual profile: the consortium's expected rate, month by month (relative intensities)
        edges = np.append(np.arange(0.0, months, 1.0), months)
        widths = np.diff(edges)
        mass = np.diff(c.unit_intensity(edges))
        dens = np.maximum(mass / widths, 1e-12 * max(mass.max(), 1e-300))
        design = t.design.model_copy(update={"accrual_months": [float(w) for w in widths],
                                             "accrual_intensity": [float(x) for x in dens],
                                             "subjects": None})
        res = survival.sample_size(design, t.method)
        mu = prep.incidence * float(c.unit_intensity(np.array([months]))[0])
        # P(N(months) >= n) = 1 - P(Poisson(mu) <= n - 1) = P(n, mu) (regularised)
        p_reach = float(1.0 - gammaincc(res.subjects_ceil, mu).mean())
        rows.append({"accrual_months": months, "study_duration_months":
                     res.study_duration_months, "events": res.events,
                     "events_ceil": res.events_ceil, "subjects": res.subjects,
                     "subjects_ceil": res.subjects_ceil,
                     "expected_enrolled": float(mu.mean()),
                     "probability_enrolled_in_time": p_reach})
    return rows


def compute(prep: Prepared) -> dict[str, Any]:
    """All statistics of the projection (no files written)."""
    from neosim.design import accrual as A

    r = prep.cfg.recruitment
    dates = np.arange(0.0, r.horizon_months + 1e-9, r.step_months)
    proj = A.project(prep.consortium, prep.incidence, r.targets, dates)
    lv = [f"q{round(q * 1000):04d}" for q in proj.levels]
    time_rows = [{"target": int(n), "mean_months": float(m),
                  **{k: float(v) for k, v in zip(lv, q, strict=True)}}
                 for n, m, q in zip(proj.targets, proj.time_mean, proj.time_quantiles,
                                    strict=True)]
    count_rows = [{"month": float(d), "mean": float(m),
                   **{k: float(v) for k, v in zip(lv, q, strict=True)}}
                  for d, m, q in zip(proj.dates, proj.count_mean, proj.count_quantiles,
                                     strict=True)]
    trade = _tradeoff(prep) if prep.cfg.tradeoff is not None else []
    rate = float(prep.consortium.unit_rate(np.array([1e9]))[0] * np.mean(prep.incidence) * 12)
    headline = [f"incidence: {prep.incidence_label}; full-speed enrolment "
                f"{rate:.2f} patients/year"]
    for row in time_rows:
        headline.append(
            f"time to enrol {row['target']:>4d}: median {row['q0500']:.1f} months "
            f"(80%: {row['q0100']:.1f}-{row['q0900']:.1f}; 95%: {row['q0025']:.1f}-"
            f"{row['q0975']:.1f}; mean {row['mean_months']:.1f})")
    for row in trade:
        headline.append(
            f"accrual {row['accrual_months']:g} months: {row['subjects_ceil']} subjects needed "
            f"({row['events_ceil']} events), P(enrolled in time) = "
            f"{row['probability_enrolled_in_time']:.3f}")
    return {"projection": proj, "time_to_n": time_rows, "count_by_date": count_rows,
            "tradeoff": trade, "headline": headline,
            "json": {"incidence": prep.incidence_label, "time_to_n": time_rows,
                     "count_by_date": count_rows, "tradeoff": trade}}


def simulation_check(prep: Prepared, proj) -> dict[str, Any]:
    """Compare analytic time-to-N quantiles with simulated arrivals (binomial SE tolerance)."""
    from neosim.design import accrual as A

    reps = prep.cfg.check.replicates
    out, passed = [], True
    for i, n in enumerate(proj.targets):
        rng = np.random.default_rng(np.random.SeedSequence(entropy=prep.cfg.experiment.seed,
                                                           spawn_key=(2, int(n))))
        sim = A.simulate_arrivals(prep.consortium, prep.incidence, int(n), reps, rng)
        for q, t in zip(proj.levels, proj.time_quantiles[i], strict=True):
            frac = float(np.mean(sim <= t))
            se = np.sqrt(q * (1 - q) / reps)
            ok = abs(frac - q) <= 4.5 * se
            passed &= bool(ok)
            out.append({"target": int(n), "level": q, "analytic_months": float(t),
                        "simulated_fraction_below": frac, "mc_se": float(se), "ok": bool(ok)})
    return {"passed": passed, "replicates": reps, "quantile_checks": out}




def _data_sources(prep: Prepared) -> list[dict[str, Any]]:
    """``data.json``: each country's births, the incidence, and the planning assumptions."""
    cfg = prep.cfg
    out = [{"name": f"births:{t.code}", "short": f"{t.name} live births {t.year}",
            "citation": f"{t.source}; read at {t.read_at}", "synthetic": False,
            "description": f"{t.annual_live_births:,} live births in {t.year}"
                           + (f" ({t.definition})" if t.definition else "")
                           + f"; evidence code {t.evidence}."} for t in prep.tables]
    inc = cfg.incidence
    if inc.from_counts is not None:
        fc = inc.from_counts
        out.append({"name": "incidence", "short": "Incidence (registry counts)",
                    "citation": fc.source or "not given in the config (incidence.from_counts."
                                             "source)",
                    "synthetic": False,
                    "description": f"{prep.incidence_label}. {inc.note}".strip()})
    elif inc.draws_file is not None:
        out.append({"name": "incidence", "short": "Incidence (prior draws)",
                    "citation": f"Prior file {inc.draws_file}, draws of {inc.quantity} (its "
                                "source.data holds the citations)", "synthetic": False,
                    "description": prep.incidence_label})
    else:
        out.append({"name": "incidence", "short": "Incidence (assumed)", "synthetic": True,
                    "citation": f"Planning assumption in the config: {prep.incidence_label}",
                    "description": inc.note})
    sites = "; ".join(f"{t.name}: participation {s.participation:g}, active from month "
                      f"{s.activation_month:g}, ramp-up {s.ramp_up_months:g} months"
                      for t, s in zip(prep.tables, cfg.sites, strict=True))
    out.append({"name": "planning_assumptions", "short": "Planning assumptions",
                "synthetic": True,
                "citation": "Planning assumptions of this config (not data): "
                            f"{sites}; eligible fraction {cfg.recruitment.eligible_fraction:g}"})
    return out


def _figures(prep: Prepared, folder, res: dict[str, Any]) -> None:
    """Fan chart and (with ``[tradeoff]``) the sample-size/duration trade-off, and their index."""
    from neosim.plots import accrual as plot

    out = prep.cfg.output
    names = ", ".join(f"{t.name} ({t.year}, {t.evidence})" for t in prep.tables)
    caption = (f"Births: {names}. Incidence: {prep.incidence_label}. Participation, "
               "activation and ramp-up are planning assumptions.")
    for fmt in out.figure_formats:
        plot.plot_accrual_fan(res["count_by_date"], res["time_to_n"],
                              folder.figure("accrual_fan", fmt), caption=caption, style=out)
        if res["tradeoff"]:
            plot.plot_tradeoff(res["tradeoff"], folder.figure("accrual_tradeoff", fmt),
                               caption=caption, style=out)
    folder.add_figure(
        "accrual_fan", title="Accrual fan chart",
        caption="Left: patients enrolled by each month from the consortium start, median line "
                "with 50%, 80% and 95% bands (darker is narrower); right: months to enrol each "
                "target N, median (dot) with 80% (thick) and 95% (thin) intervals.")
    if res["tradeoff"]:
        t = prep.cfg.tradeoff
        folder.add_figure(
            "accrual_tradeoff", title="Sample size against accrual duration",
            caption=f"Left: subjects a two-arm survival trial needs (HR {t.design.hazard_ratio:g}, "
                    f"{t.method}) and subjects the consortium is expected to enrol, for each "
                    "accrual duration; right: the probability that it enrols the subjects "
                    "needed in time, where low values mean the trial is not feasible with that "
                    "accrual duration.")


def execute(prep: Prepared, folder, progress) -> Outcome:
    """Compute, check against simulation, and write tables, summary and the fan chart."""
    import pandas as pd

    with folder.timed("project"), progress.stage("Projecting accrual"):
        res = compute(prep)
    with folder.timed("check"), progress.stage("Checking bands against simulation"):
        check = simulation_check(prep, res["projection"])
    with folder.timed("write"), progress.stage("Writing results"):
        level = prep.cfg.output.ci_prob
        lo_key, hi_key = "q0025", "q0975"
        summary = pd.DataFrame([
            {"parameter": f"time_to_n[{r['target']}]", "mean": r["mean_months"], "sd": np.nan,
             "ci_lower": r[lo_key], "ci_upper": r[hi_key], "ci_level": 0.95, "ess_bulk": np.nan,
             "ess_tail": np.nan, "r_hat": np.nan} for r in res["time_to_n"]
        ] + [
            {"parameter": f"enrolled_by_month[{r['month']:g}]", "mean": r["mean"], "sd": np.nan,
             "ci_lower": r[lo_key], "ci_upper": r[hi_key], "ci_level": 0.95, "ess_bulk": np.nan,
             "ess_tail": np.nan, "r_hat": np.nan} for r in res["count_by_date"]
        ])
        del level
        folder.write_summary(summary)
        from neosim.results import atomic_write_text
        atomic_write_text(folder.file("time_to_n.csv"),
                          pd.DataFrame(res["time_to_n"]).to_csv(index=False, float_format="%.6g"))
        atomic_write_text(folder.file("count_by_date.csv"),
                          pd.DataFrame(res["count_by_date"]).to_csv(index=False,
                                                                    float_format="%.6g"))
        if res["tradeoff"]:
            atomic_write_text(folder.file("tradeoff.csv"),
                              pd.DataFrame(res["tradeoff"]).to_csv(index=False,
                                                                   float_format="%.6g"))
        folder.write_json("diagnostics.json", check)
        folder.write_json("accrual.json", {
            **res["json"],
            "countries": [t.model_dump() for t in prep.tables],
            "sites": [s.model_dump() for s in prep.cfg.sites],
            "planning_assumptions": "participation, activation_month, ramp_up_months and "
                                    "eligible_fraction are planning assumptions, not data",
            "incidence_draws_summary": {
                "n": int(prep.incidence.size), "mean": float(prep.incidence.mean()),
                "q025": float(np.quantile(prep.incidence, 0.025)),
                "q975": float(np.quantile(prep.incidence, 0.975))},
        })
        folder.write_data_sources(_data_sources(prep))
    with folder.timed("figures"), progress.stage("Drawing figures"):
        _figures(prep, folder, res)
    msg = ("simulation check of the bands passed" if check["passed"]
           else "simulated arrivals disagree with the analytic bands")
    return Outcome(passed=check["passed"], message=msg, headline=res["headline"])
