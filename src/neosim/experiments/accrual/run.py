"""``compute`` and ``execute`` of the ``accrual`` kind: the projection (also printed by
``neosim accrual``), its simulation check, the trade-off table, figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neosim import seeds
from neosim.experiments import Outcome
from neosim.experiments.accrual import precision
from neosim.experiments.accrual.prepare import Prepared, prepare


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
        rates = c.piece_rates(edges)
        dens = np.maximum(rates, 1e-12 * max(rates.max(), 1e-300))
        design = t.design.model_copy(update={"accrual_time": [float(x) for x in edges],
                                             "accrual_intensity_type": "relative",
                                             "accrual_intensity": [float(x) for x in dens],
                                             "subjects": None})
        res = survival.sample_size(design, t.method)
        mu = prep.incidence * float(c.unit_intensity(np.array([months]))[0])
        # P(N(months) >= n) = 1 - P(Poisson(mu) <= n - 1) = P(n, mu) (regularised)
        below = gammaincc(res.subjects_ceil, mu)
        p_reach = float(1.0 - below.mean())
        rows.append({"accrual_months": months, "study_duration_months":
                     res.study_duration_months, "events": res.events,
                     "events_ceil": res.events_ceil, "subjects": res.subjects,
                     "subjects_ceil": res.subjects_ceil,
                     "expected_enrolled": float(mu.mean()),
                     "probability_enrolled_in_time": p_reach,
                     "probability_enrolled_in_time_mc_se": float(precision.mc_se(below))})
    return rows


def compute(prep: Prepared) -> dict[str, Any]:
    """All statistics of the projection (no files written), with the Monte-Carlo error of its
    probabilities; with a target MC SE, the incidence redrawn with more draws until it is met
    (:mod:`.precision`). ``prepared`` in the result holds the draws used."""
    res = _tables(prep)
    rounds = 0
    while (precision.target(prep) is not None and res["mc_se_max"] > precision.target(prep)
           and precision.can_raise(prep) and rounds < precision.MAX_ROUNDS):
        prep = precision.more_draws(prep, res["mc_se_max"])
        res = _tables(prep)
        rounds += 1
    rec = precision.record(prep, res["mc_se_max"])
    res["headline"].append(precision.line(rec, prep))
    res["json"]["monte_carlo"] = rec
    return {**res, "monte_carlo": rec, "prepared": prep}


def project(experiment: str | Path, *, seed: int | None = None,
            mc_se: float | None = None) -> dict[str, Any]:
    """Load the ``accrual`` experiment file ``experiment`` and compute its projection (no run
    folder): :func:`compute`'s tables. ``seed`` overrides ``experiment.seed`` and ``mc_se``
    ``incidence.mc_se_target``. The one road in for ``ns.accrual`` and ``neosim accrual``."""
    from neosim.errors import InputError
    from neosim.experiments import load_experiment

    cfg = load_experiment(experiment, seed=seed)
    if cfg.experiment.kind != "accrual":
        raise InputError(f"expected an experiment of kind 'accrual' (got "
                         f"{cfg.experiment.kind!r})", file=str(experiment),
                         field="experiment.kind")
    if mc_se is not None:
        if not (isinstance(mc_se, int | float) and 1e-5 <= mc_se <= 0.5):
            raise InputError(f"must be a number in [1e-5, 0.5] (got {mc_se!r})", field="mc_se")
        cfg = cfg.model_copy(update={"incidence": cfg.incidence.model_copy(
            update={"mc_se_target": float(mc_se)})})
    return compute(prepare(cfg, str(experiment)))


def _tables(prep: Prepared) -> dict[str, Any]:
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
    precision.annotate(prep, proj, time_rows, count_rows)
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
            f"{row['probability_enrolled_in_time']:.3f} "
            f"(MC SE {row['probability_enrolled_in_time_mc_se']:.4f})")
    return {"projection": proj, "time_to_n": time_rows, "count_by_date": count_rows,
            "tradeoff": trade, "headline": headline,
            "mc_se_max": precision.largest(time_rows, count_rows, trade),
            "json": {"incidence": prep.incidence_label, "time_to_n": time_rows,
                     "count_by_date": count_rows, "tradeoff": trade}}


def simulation_check(prep: Prepared, proj) -> dict[str, Any]:
    """Compare analytic time-to-N quantiles with simulated arrivals (binomial SE tolerance)."""
    from neosim.design import accrual as A

    reps = prep.cfg.check.replicates
    out, passed = [], True
    for i, n in enumerate(proj.targets):
        rng = seeds.rng(prep.cfg.experiment.seed, 2, int(n))
        sim = A.simulate_arrivals(prep.consortium, prep.incidence, int(n), reps, rng)
        for q, t in zip(proj.levels, proj.time_quantiles[i], strict=True):
            frac = float(np.mean(sim <= t))
            se = np.sqrt(q * (1 - q) / reps)
            ok = abs(frac - q) <= 4.5 * se
            passed &= bool(ok)
            out.append({"target": int(n), "level": q, "analytic_months": float(t),
                        "simulated_fraction_below": frac, "mc_se": float(se), "ok": bool(ok)})
    return {"passed": passed, "replicates": reps, "quantile_checks": out}




def data_sources(prep: Prepared) -> list[dict[str, Any]]:
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
        out.append({"name": "incidence", "short": "Incidence (assumed)", "assumption": True,
                    "citation": f"Planning assumption in the config: {prep.incidence_label}",
                    "description": inc.note})
    sites = "; ".join(f"{t.name}: participation {s.participation:g}, active from month "
                      f"{s.activation_month:g}, ramp-up {s.ramp_up_months:g} months"
                      for t, s in zip(prep.tables, cfg.sites, strict=True))
    out.append({"name": "planning_assumptions", "short": "Planning assumptions",
                "assumption": True,
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
        prep = res["prepared"]  # the incidence draws used (more where a target MC SE asked)
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
        folder.write_data_sources(data_sources(prep))
    with folder.timed("figures"), progress.stage("Drawing figures"):
        _figures(prep, folder, res)
    msg = ("simulation check of the bands passed" if check["passed"]
           else "simulated arrivals disagree with the analytic bands")
    return Outcome(passed=check["passed"], message=msg, headline=res["headline"])
