"""``execute`` of the ``survival_ipd`` kind (fits, LOO, Kaplan–Meier, findings, figures, prior
export) and its calibration spec for the ``sbc`` kind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from neosim import seeds, units
from neosim.experiments import Outcome
from neosim.experiments.survival_ipd.prepare import Prepared


def execute(prep: Prepared, folder, progress) -> Outcome:
    """Fit every family, derive and compare, write results, figures and the design prior."""
    import pandas as pd
    import xarray as xr

    from neosim import inference, results, sampling
    from neosim.survival import analysis as out

    cfg = prep.cfg
    s = cfg.sampler
    unit = cfg.data.time_unit
    settings = sampling.SamplerSettings(s.chains, s.draws, s.tune, s.target_accept, s.cores)
    synthetic = bool(prep.ipd.synthetic)
    ci = dict(ci_prob=cfg.output.ci_prob, ci_kind=cfg.output.ci_kind)
    fits, summaries, reports = {}, [], {}
    for i, family in enumerate(prep.families):
        with folder.timed(f"fit_{family.name}"), progress.stage(
                f"Fitting the {family.name} model ({s.chains} x {s.draws} draws)"):
            dt = out.fit_family(family, prep.data, prep.priors, settings,
                                seed=seeds.int_seed(cfg.experiment.seed, 2, i))
            dt = out.add_derived(dt, family, cfg.report, ci_prob=cfg.output.ci_prob,
                                 ci_kind=cfg.output.ci_kind, unit=unit)
            names = out.reported_names(dt, family, cfg.report, unit)
            table = inference.summarize(dt, names, **ci)
            table["parameter"] = table["parameter"].map(lambda n: units.unit_name(n, unit))
            reports[family.name] = inference.convergence_report(_in_unit(dt, unit), table,
                                                                cfg.diagnostics)
            table["parameter"] = family.name + "/" + table["parameter"]
            summaries.append(table)
            fits[family.name] = dt
    with folder.timed("compare"), progress.stage("Comparing the models by PSIS-LOO"):
        loo = out.loo_table(fits)
        for name, report in reports.items():  # a warning, not a failed gate
            report["checks"]["pareto_k"] = inference.pareto_k_check(
                loo.loc[name, "max_pareto_k"], cfg.diagnostics.pareto_k_max)
            inference.with_status(report)
        km = out.kaplan_meier_groups(prep.data, ci_prob=cfg.output.ci_prob,
                                     t_max=cfg.report.curve_max, unit=unit)
        findings = out.findings(prep, fits, km, loo, unit)
    summary = pd.concat(summaries, ignore_index=True)
    passed = all(r["passed"] for r in reports.values())
    diagnostics = out.combined_diagnostics(reports)
    attrs = {"neosim_config_sha256": folder.config_sha256, "neosim_seed": folder.seed,
             "neosim_data": prep.description, "neosim_synthetic": int(synthetic),
             "neosim_models": ",".join(fits)}
    tree = xr.DataTree.from_dict({f"/{name}": None for name in fits})
    for name, dt in fits.items():
        tree[name] = _in_unit(dt, unit)
    tree["kaplan_meier"] = xr.DataTree.from_dict({f"/{k}": v for k, v in km.items()})
    with folder.timed("write"), progress.stage("Writing results"):
        folder.write_netcdf("posterior.nc", tree, attrs)
        folder.write_summary(summary)
        folder.write_json("diagnostics.json", diagnostics)
        folder.write_json("findings.json", findings)
        results.atomic_write_text(folder.file("loo_comparison.csv"),
                                  loo.to_csv(float_format="%.10g"))
        if synthetic:
            results.atomic_write_text(folder.file("synthetic_ipd.csv"), prep.ipd.to_csv())
        exported = []
        if cfg.export.enabled:
            from neosim.survival.export import export_priors

            exported = export_priors(fits[cfg.export.family], prep, folder)
        folder.write_data_sources([_data_source(prep, synthetic)])
    with folder.timed("figures"), progress.stage("Drawing figures"):
        _figures(prep, folder, fits, km, loo, findings, synthetic)
    msg = ("; ".join(f"{k}: {inference.checks_message(r)}" for k, r in reports.items()
                     if r["status"] != "passed") or "convergence checks passed")
    headline = out.headline(summary, loo, cfg.report, synthetic, unit)
    if "shared_by_subtypes" in findings:
        names = ", ".join(f"{k} ({', '.join(v)})"
                          for k, v in findings["shared_by_subtypes"]["parameters"].items())
        headline.append(f"shared by the subtypes: {names}; [models] shape = \"per_subtype\" "
                        "fits one per subtype")
    if exported:
        headline.append("design prior: " + ", ".join(str(p) for p in exported))
    return Outcome(passed, msg, headline,
                   provenance={"synthetic_data": synthetic, "data_description": prep.description})


def _in_unit(dt, unit: str):
    """The fit as ``posterior.nc`` stores it: the model's month-named parameters labelled in the
    data's unit (``hazard_per_day``); the same object for months."""
    post = dt["posterior"].to_dataset()
    names = {n: units.unit_name(n, unit) for n in post.data_vars if units.unit_name(n, unit) != n}
    if not names:
        return dt
    dt = dt.copy()
    dt["posterior"] = post.rename(names).assign_attrs(time_unit=unit)
    return dt


def _data_source(prep: Prepared, synthetic: bool) -> dict[str, Any]:
    """``data.json`` record: the generating model of a synthetic cohort, or the IPD file."""
    if synthetic:
        return {"name": "synthetic IPD", "short": "Synthetic cohort", "synthetic": True,
                "citation": f"Synthetic cohort drawn by neosim (seed "
                            f"{prep.cfg.experiment.seed}); no patient data.",
                "description": f"{prep.description}. Written to synthetic_ipd.csv."}
    return {"name": Path(prep.cfg.data.file).name, "short": "IPD file", "synthetic": False,
            "citation": f"Individual patient data, {prep.cfg.data.file} (schema neosim-ipd/1, "
                        f"times in {prep.cfg.data.time_unit}; cite as its data owner directs)",
            "description": prep.description}


def _figures(prep: Prepared, folder, fits, km, loo, findings, synthetic: bool) -> None:
    """One grid of every model's S(t) band over the Kaplan–Meier curves, and its index entry."""
    from neosim.plots import survival as survival_plot
    from neosim.survival import analysis as out

    cfg = prep.cfg
    sct = cfg.data.time_origin == "sct"
    caption = f"Data: {prep.description}; " + ("post-SCT landmark" if sct else "from diagnosis")
    order = [m for m in loo.index if m in fits]
    notes = out.loo_notes(loo, cfg.diagnostics.pareto_k_max)
    curves = {m: fits[m]["survival_curve"].to_dataset() for m in order}
    for fmt in cfg.output.figure_formats:
        survival_plot.plot_survival_models(
            curves, km, folder.figure("survival_models", fmt), caption=caption,
            style=cfg.output, synthetic=synthetic,
            time_label=f"{cfg.data.time_unit} since {'SCT' if sct else 'diagnosis'}",
            row_notes=notes, counts=findings["patients_analysed"])
    level = f"{cfg.output.ci_prob:.0%}"
    folder.add_figure(
        "survival_models", title="Survival by subtype under each model",
        caption=f"Posterior median survival S(t) and its {level} credible band under each "
                "parametric model (rows, best PSIS-LOO first) over the Kaplan–Meier curve of "
                f"the data (black steps, ticks at censoring; dotted: its pointwise {level} "
                "confidence interval on the log scale, as R's survfit), by subtype (columns), "
                "with the numbers at risk under the bottom row: a model fits where the "
                "Kaplan–Meier curve stays inside its band. Each row names the model's PSIS-LOO "
                "elpd difference from the best with its SE (a difference within about two SEs "
                "is no clear preference) and its stacking weight (its share of the best "
                "predictive mix, not the probability that it is true); ⚠ marks a Pareto k̂ "
                f"above {cfg.diagnostics.pareto_k_max:g}, where the LOO estimate is "
                "unreliable.", synthetic=synthetic)


def sbc_models(prep: Prepared) -> list[str]:
    """The families an ``sbc`` experiment can calibrate on this experiment's design."""
    return [f.name for f in prep.families]


def sbc_spec(prep: Prepared, model: str):
    """Calibration spec of family ``model``: this experiment's priors, patients and censoring
    (the synthetic cohort's follow-up mechanism, or the reverse Kaplan–Meier of the IPD file)."""
    from neosim.survival import sbc

    family = next(f for f in prep.families if f.name == model)
    if prep.spec is not None:
        syn = prep.spec
        follow_up = sbc.CohortFollowUp(
            follow_up=tuple(syn.follow_up), time_to_sct=tuple(syn.time_to_sct),
            pre_sct_hazard=syn.pre_sct_hazard, origin=prep.cfg.data.time_origin)
    else:
        follow_up = sbc.EmpiricalFollowUp.from_data(prep.data)
    return sbc.sbc_spec(family, prep.data, prep.priors, follow_up)
