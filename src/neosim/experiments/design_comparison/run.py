"""``compute`` and ``execute`` of the ``design_comparison`` kind: the comparison table, the
stopping probabilities by look, the boundaries, figures and headline."""

from __future__ import annotations

import math
from typing import Any

from neosim.experiments import Outcome
from neosim.experiments.design_comparison import compute as C
from neosim.experiments.design_comparison.prepare import Prepared

NAN = math.nan


def compute(prep: Prepared, progress=None) -> dict[str, Any]:
    """All tables of the run (lists of plain rows), computed before anything is plotted."""
    rules = C.calibrate(prep)
    if progress is not None and prep.cfg.bayesian.calibrate:
        progress.note("Bayesian efficacy thresholds calibrated: " + ", ".join(
            f"{n} subjects {rule.efficacy:.4f}" for n, (rule, _) in rules.items()))
    comparison, stopping = [], []
    for point in prep.points:
        table = C.simulate(prep, point.subjects, point.hazard_ratio, point.look_events,
                           prep.cfg.simulation.n_trials, point.index)
        sim = C.simulated(prep, point, table, rules[point.subjects][0])
        exact = C.analytic(prep, point)
        for design in C.DESIGNS:
            s, a = sim[design], exact.get(design, {})
            for q in C.QUANTITIES:
                comparison.append({
                    "quantity": "type_i_error" if point.null and q == "power" else q,
                    "hazard_ratio": point.hazard_ratio, "subjects": point.subjects,
                    "design": design, "value": s[q][0], "mc_se": s[q][1],
                    "analytic": a.get(q, NAN)})
            for k, events in enumerate(point.look_events):
                if design == "fixed" and k < len(point.look_events) - 1:
                    continue
                stopping.append({
                    "hazard_ratio": point.hazard_ratio, "subjects": point.subjects,
                    "design": design, "look": k + 1, "events": events,
                    "efficacy": s[f"efficacy_{k}"][0], "efficacy_mc_se": s[f"efficacy_{k}"][1],
                    "futility": s[f"futility_{k}"][0], "futility_mc_se": s[f"futility_{k}"][1],
                    "efficacy_analytic": a.get(f"efficacy_{k}", NAN),
                    "futility_analytic": a.get(f"futility_{k}", NAN)})
        if progress is not None:
            progress.note(f"HR {point.hazard_ratio:g}, {point.subjects} subjects done")
    return {"comparison": comparison, "stopping": stopping,
            "boundaries": _boundaries(prep, rules), "calibration": _calibration(prep, rules)}


def _boundaries(prep: Prepared, rules) -> list[dict[str, Any]]:
    from neosim.design.survival import z_alpha

    gsd = C.boundaries(prep)
    rows = []
    for n, events in prep.calibration.items():
        d_max, k_last = events[-1], len(events)
        z = z_alpha(prep.design.alpha, 1)
        rows.append({"subjects": n, "design": "fixed", "look": k_last, "events": d_max,
                     "z_efficacy": z, "z_futility": NAN,
                     "hr_efficacy": C.to_hazard_ratio(prep, z, d_max, n), "hr_futility": NAN})
        fut = [*(gsd.futility_bounds or [NAN] * (k_last - 1)), NAN]
        for k, e in enumerate(events):
            rows.append({"subjects": n, "design": "group_sequential", "look": k + 1, "events": e,
                         "z_efficacy": gsd.critical_values[k],
                         "z_futility": fut[k] if k < k_last - 1 else NAN,
                         "hr_efficacy": C.to_hazard_ratio(prep, gsd.critical_values[k], e, n),
                         "hr_futility": C.to_hazard_ratio(prep, fut[k], e, n)})
        rule = rules[n][0]
        for k, (e, (ze, zf)) in enumerate(zip(events, C.bayes_bounds(prep, rule, events, n),
                                              strict=True)):
            rows.append({"subjects": n, "design": "bayesian", "look": k + 1, "events": e,
                         "z_efficacy": ze, "z_futility": zf,
                         "hr_efficacy": C.to_hazard_ratio(prep, ze, e, n),
                         "hr_futility": C.to_hazard_ratio(prep, zf, e, n)})
    return rows


def _calibration(prep: Prepared, rules) -> list[dict[str, Any]]:
    b = prep.cfg.bayesian
    out = []
    for n, (rule, cal) in rules.items():
        row = {"subjects": n, "efficacy_threshold": rule.efficacy,
               "futility_threshold": b.futility if b.futility is not None else NAN,
               "calibrated": cal is not None}
        if cal is not None:
            row.update({"threshold_mc_se": cal.threshold_mc_se,
                        "threshold_interval_low": cal.threshold_interval[0],
                        "threshold_interval_high": cal.threshold_interval[1],
                        "target": cal.target, "calibration_type_i_error": cal.type_i_error,
                        "calibration_type_i_error_mc_se": cal.type_i_error_mc_se,
                        "calibration_trials": cal.n_trials})
        out.append(row)
    return out


def _headline(prep: Prepared, res: dict[str, Any]) -> list[str]:
    by = {(r["quantity"], r["hazard_ratio"], r["subjects"], r["design"]): r
          for r in res["comparison"]}
    d = prep.design
    k = len(prep.strata)
    spread = ("at the mean incidence" if k == 1 else
              f"mean incidence; trials over {k} incidence strata, "
              f"{min(prep.incidence_levels):.3g}-{max(prep.incidence_levels):.3g} per 10^6 births")
    lines = [f"consortium accrual: {prep.mean_rate_per_month * 12:.2f} patients/year at full "
             f"speed ({spread}; {prep.accrual_file.rsplit('/', 1)[-1]})"]
    for n in prep.cfg.grid.subjects:
        for hr in prep.hazard_ratios:
            q = "type_i_error" if hr == d.theta_h0 else "power"
            parts = []
            for design in C.DESIGNS:
                p, y = by[(q, hr, n, design)], by[("expected_duration_years", hr, n, design)]
                parts.append(f"{design} {p['value']:.3f} ± {p['mc_se']:.3f} "
                             f"({y['value']:.1f} y)")
            label = "type-I error" if q == "type_i_error" else q
            lines.append(f"HR {hr:g}, {n} subjects: {label} " + "; ".join(parts))
    return lines


def _csv(folder, name: str, rows: list[dict]) -> None:
    import pandas as pd

    from neosim.results import atomic_write_text

    atomic_write_text(folder.file(name), pd.DataFrame(rows).to_csv(index=False,
                                                                   float_format="%.6g"))


def _words(model: Any) -> str:
    """A settings table in words (``median months 12.0``), not a Python dict."""
    return ", ".join(f"{k.replace('_', ' ')} {v}"
                     for k, v in model.model_dump(exclude_none=True).items()) or "none"


def _sources(prep: Prepared) -> list[dict[str, Any]]:
    from neosim.experiments.accrual.run import data_sources

    d = prep.design
    plan = d.sequential
    return [*data_sources(prep.accrual), {
        "name": "design_assumptions", "short": "Design assumptions", "assumption": True,
        "citation": "Planning assumptions of this config (not data): hazard ratio "
                    f"{d.hazard_ratio:g} against theta_h0 {d.theta_h0:g}, alpha {d.alpha:g} "
                    f"one-sided, control {_words(d.control)}, follow-up "
                    f"{d.followup_months:g} months, dropout "
                    f"{_words(d.dropout)}; looks at information rates "
                    f"{plan.information_rates} ({plan.spending}); Bayesian prior on log HR "
                    f"{prep.cfg.bayesian.log_hr_prior.label()}",
        "description": "Every trial is simulated: the operating characteristics are those of "
                       "the assumed design, not of observed patients."}]


def execute(prep: Prepared, folder, progress) -> Outcome:
    with folder.timed("simulate"), progress.stage("Simulating the designs"):
        res = compute(prep, progress)
    with folder.timed("write"), progress.stage("Writing results"):
        _csv(folder, "comparison.csv", res["comparison"])
        _csv(folder, "stopping_by_look.csv", res["stopping"])
        _csv(folder, "boundaries.csv", res["boundaries"])
        folder.write_json("comparison.json", {
            "schema": "neosim-design-comparison/1",
            "designs": {
                "fixed": "one log-rank test at the last look's events",
                "group_sequential": C.boundaries(prep).to_dict(),
                "bayesian": res["calibration"]},
            "accrual": {"experiment": prep.cfg.accrual.experiment,
                        "full_speed_patients_per_year": prep.mean_rate_per_month * 12.0,
                        "accrual_time": list(prep.design.accrual_time),
                        "accrual_intensity_per_month": list(prep.design.accrual_intensity),
                        "incidence_strata": len(prep.strata),
                        "incidence_per_million_births": list(prep.incidence_levels),
                        "rule": "expected rate (Consortium.piece_rates x incidence) at the mean "
                                "incidence (the accrual_* lists), or trials split evenly over "
                                "the incidence quantiles (j + 0.5) / strata"},
            "n_trials": prep.cfg.simulation.n_trials,
            "comparison": res["comparison"]})
        folder.write_data_sources(_sources(prep))
    with folder.timed("figures"), progress.stage("Drawing figures"):
        _figures(prep, folder, res)
    return Outcome(passed=True, message="designs compared", headline=_headline(prep, res))


def _figures(prep: Prepared, folder, res: dict[str, Any]) -> None:
    from neosim.plots import design_comparison as plot

    out, d = prep.cfg.output, prep.design
    k = len(prep.strata)
    where = ("at the mean incidence" if k == 1 else f"over {k} strata of the incidence")
    note = (f"Simulated under planning assumptions (HR grid, control survival, consortium "
            f"accrual {where}); {prep.cfg.simulation.n_trials} trials per point.")
    for fmt in out.figure_formats:
        plot.plot_boundaries(res["boundaries"], folder.figure("boundaries", fmt),
                             theta_h0=d.theta_h0, caption=note, style=out)
        plot.plot_stopping(res["stopping"], folder.figure("stopping_by_look", fmt),
                           caption=note, style=out)
        plot.plot_size_power(res["comparison"], folder.figure("size_against_power", fmt),
                             caption=note, style=out)
    folder.add_figure(
        "boundaries", title="Stopping boundaries on the z and hazard-ratio scales",
        caption="Efficacy (solid) and futility (dashed) boundaries of the fixed, group-"
                "sequential and Bayesian designs against the events at each look, on the "
                "log-rank z scale (left, benefit positive) and as the observed hazard ratio "
                "that reaches them (right); one line per number of subjects (thicker with more "
                "subjects), the Bayesian bounds at the expected Cox SE of each look.")
    folder.add_figure(
        "stopping_by_look", title="Stopping probabilities by look",
        caption="Probability that a trial stops at each look for efficacy (up) or futility "
                "(down) for each design and true hazard ratio, at the largest number of "
                "subjects, with two Monte-Carlo SE bars; crosses mark the analytic values of the "
                "group-sequential design.",)
    folder.add_figure(
        "size_against_power", title="Expected subjects against power",
        caption="Rejection probability (power; the type-I error at the null hazard ratio) "
                "against the expected number of subjects enrolled when the trial stops, per "
                "design and true hazard ratio, one point per planned number of subjects, with "
                "two Monte-Carlo SE bars.",)
