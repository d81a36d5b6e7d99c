"""``execute`` of the ``evidence_pooling`` kind (imported only when a run executes; heavy imports
inside the functions) and its calibration spec for the ``sbc`` kind.

Random streams: the MAP predictive draws use ``SeedSequence(entropy=seed, spawn_key=(1,))``; the
sampler uses the seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neosim.experiments import Outcome
from neosim.experiments.evidence_pooling.prepare import Prepared, pooled_endpoint


def execute(prep: Prepared, folder, progress) -> Outcome:
    """Fit, check, approximate, robustify, write the prior file, run sensitivity, draw."""
    return _run(prep, folder, progress, Outcome)


def sbc_spec(prep: Prepared):
    """Calibration spec of the random-effects model: this experiment's priors and studies (their
    SEs, or their patient numbers for binomial studies); the study data are simulated."""
    from neosim.calibration import SBCSpec
    from neosim.models import pooling

    m = prep.cfg.model
    studies = pooling.sbc_studies(prep.studies)
    return SBCSpec(
        name="random-effects pooling model", build=pooling.sbc_build,
        build_args=(studies, m.mu_prior, m.tau_prior),
        draw=pooling.sbc_draw, parameters=("mu", "tau", "theta"),
        coords=(("theta", tuple(st.figure_id for st in studies)),))



def _interval(x: np.ndarray, prob: float, kind: str) -> tuple[float, float]:
    x = np.sort(np.asarray(x, dtype=float).ravel())
    if kind == "eti":
        lo, hi = np.quantile(x, [0.5 - prob / 2, 0.5 + prob / 2])
        return float(lo), float(hi)
    m = int(np.ceil(prob * x.size))
    widths = x[m - 1:] - x[: x.size - m + 1]
    i = int(np.argmin(widths))
    return float(x[i]), float(x[i + m - 1])


def _agreement(summary, grid_summary: dict, z_max: float) -> dict[str, Any]:
    """MCMC posterior means against the numerical integration, in Monte-Carlo SEs."""
    rows = {}
    for row in summary.itertuples(index=False):
        key = "map_survival" if row.parameter == "map_survival_mean" else row.parameter
        if key not in grid_summary or not np.isfinite(row.ess_bulk):
            continue
        mcse = row.sd / np.sqrt(row.ess_bulk)
        exact = grid_summary[key]["mean"]
        rows[row.parameter] = {"mcmc_mean": row.mean, "quadrature_mean": exact,
                               "mcse": mcse, "z": (row.mean - exact) / mcse}
    worst = max(abs(r["z"]) for r in rows.values())
    return {"quantities": rows, "max_abs_z": worst, "threshold": z_max,
            "passed": bool(worst <= z_max)}


def _grid_scenario(name: str, kind: str, studies, cfg, tau) -> dict[str, Any]:
    from neosim.models import pooling_quadrature as pq

    q = cfg.quadrature
    post = pq.fit_grid(studies, mu_prior=cfg.model.mu_prior, tau_prior=tau, step=q.step,
                       half_width=q.half_width, n_tau=q.n_tau, shrinkage=False)
    s = pq.summarize_grid(post, [], cfg.output.ci_prob)
    m, sd = s["map_survival"]["mean"], s["map_survival"]["sd"]
    return {
        "scenario": name, "kind": kind, "n_studies": len(studies),
        "mu_mean": s["mu"]["mean"], "mu_lower": s["mu"]["ci_lower"],
        "mu_upper": s["mu"]["ci_upper"],
        "tau_median": s["tau"]["median"], "tau_lower": s["tau"]["ci_lower"],
        "tau_upper": s["tau"]["ci_upper"],
        "map_mean": m, "map_lower": s["map_survival"]["ci_lower"],
        "map_upper": s["map_survival"]["ci_upper"],
        "map_ess_moment": m * (1 - m) / sd**2 - 1.0,
    }


def _sensitivity(prep, progress) -> list[dict[str, Any]]:
    cfg = prep.cfg
    sens = cfg.sensitivity
    tau = cfg.model.tau_prior
    jobs = [("main analysis", "main", prep.studies, tau)]
    if sens.leave_one_out:
        for i, st in enumerate(prep.studies):
            jobs.append((f"without {st.figure_id}", "leave_one_out",
                         prep.studies[:i] + prep.studies[i + 1:], tau))
    for t in sens.tau_priors:
        jobs.append((f"tau ~ {t.label()}", "tau_prior", prep.studies, t))
    for how, studies in prep.time_variants.items():
        jobs.append((f"time conversion: {how}", "time_conversion", studies, tau))
    out = []
    with progress.bar("Sensitivity (numerical integration)", len(jobs)) as advance:
        for name, kind, studies, t in jobs:
            out.append(_grid_scenario(name, kind, studies, cfg, t))
            advance()
    return out


def _run(prep, folder, progress, outcome_type):
    """Execute a prepared ``evidence_pooling`` run into ``folder`` (see the package)."""
    import pandas as pd
    import xarray as xr

    from neosim import inference, sampling
    from neosim.models import ess, mixfit, pooling
    from neosim.models import pooling_quadrature as pq
    from neosim.priors import PriorFile, Source, write_prior

    cfg = prep.cfg
    s, out, mp = cfg.sampler, cfg.output, cfg.model.mu_prior
    tau_prior = cfg.model.tau_prior
    labels = [st.figure_id for st in prep.studies]

    with folder.timed("build"), progress.stage("Building model"):
        model = pooling.build_model(prep.studies, mu_prior=mp, tau_prior=tau_prior)
    with folder.timed("sample"):
        dt = sampling.sample(model, sampling.SamplerSettings(
            s.chains, s.draws, s.tune, s.target_accept, s.cores), seed=cfg.experiment.seed,
            progress=progress)
    with folder.timed("summarise"), progress.stage("Summarising and drawing the MAP prior"):
        summary = inference.summarize(dt, list(pooling.REPORTED), ci_prob=out.ci_prob,
                                      ci_kind=out.ci_kind)
        report = inference.convergence_report(dt, summary, cfg.diagnostics)
        post = dt["posterior"]
        draws = pooling.map_predictive(post, cfg.map.replicates, cfg.experiment.seed)
        lo, hi = _interval(draws, out.ci_prob, out.ci_kind)
        map_row = {"parameter": "map_survival", "mean": float(draws.mean()),
                   "median": float(np.median(draws)), "sd": float(draws.std()),
                   "ci_lower": lo, "ci_upper": hi, "ci_level": out.ci_prob,
                   "mcse_mean": np.nan, "ess_bulk": np.nan, "ess_tail": np.nan,
                   "r_hat": np.nan}
        summary = pd.concat([summary, pd.DataFrame([map_row])], ignore_index=True)
    with folder.timed("quadrature"), progress.stage("Numerical integration (check of MCMC)"):
        q = cfg.quadrature
        grid = pq.fit_grid(prep.studies, mu_prior=mp, tau_prior=tau_prior,
                           step=q.step, half_width=q.half_width, n_tau=q.n_tau)
        grid_summary = pq.summarize_grid(grid, labels, out.ci_prob)
        agreement = _agreement(summary, grid_summary, q.agreement_z_max)
    with folder.timed("mixture"), progress.stage("Fitting the beta mixture (EM)"):
        m = cfg.map
        best, fits = mixfit.auto_fit("beta", draws, k_max=m.k_max, criterion=m.criterion)
        check = mixfit.quantile_check(best.mixture, draws, tolerance_sd=m.quantile_tolerance_sd)
        robust = mixfit.robustify(best.mixture, m.robust_weight,
                                  (m.vague.alpha, m.vague.beta))
        ess_table = {
            name: {"moment": ess.ess_moment(mix),
                   "elir_probability": ess.ess_elir(mix, scale="natural"),
                   "elir_logit": ess.ess_elir(mix, scale="logit"), "morita": ess.ess_morita(mix),
                   "mean": mix.mean(), "sd": float(np.sqrt(mixfit.mixture_variance(mix)))}
            for name, mix in (("map_mixture", best.mixture), ("robust_mixture", robust))
        }
    sensitivity = _sensitivity(prep, progress)

    with folder.timed("write"), progress.stage("Writing results"):
        citations = "; ".join(dict.fromkeys(r.study.citation for r in prep.rows))
        attrs = {"neosim_config_sha256": folder.config_sha256, "neosim_seed": folder.seed,
                 "neosim_dataset": citations}
        shaped = draws.reshape(post.sizes["chain"], post.sizes["draw"], m.replicates)
        dt["map_predictive"] = xr.DataTree(xr.Dataset(
            {"map_survival": (("chain", "draw", "replicate"), shaped)}))
        folder.write_netcdf("posterior.nc", dt, attrs)
        folder.write_summary(summary)
        diagnostics = {**report, "quadrature_agreement": agreement,
                       "mixture_quantile_check": check}
        diagnostics["passed"] = bool(report["passed"] and agreement["passed"] and check["passed"])
        diagnostics["status"] = report["status"] if diagnostics["passed"] else "failed"
        folder.write_json("diagnostics.json", diagnostics)
        pf = cfg.prior_file
        ess_r, ess_m = ess_table["robust_mixture"], ess_table["map_mixture"]
        description = (
            f"{pf.description} Robust MAP prior: {1 - m.robust_weight:g} x MAP beta mixture "
            f"({best.mixture.weights.size} components, {m.criterion.upper()}) + "
            f"{m.robust_weight:g} x Beta({m.vague.alpha:g}, {m.vague.beta:g}). "
            "ESS (moment / ELIR): "
            f"robust {ess_r['moment']:.1f} / {ess_r['elir_probability']:.1f}, MAP "
            f"{ess_m['moment']:.1f} / {ess_m['elir_probability']:.1f} (ELIR on the probability "
            "scale, as RBesT).").strip()
        source = Source(experiment=cfg.experiment.name, config_sha256=folder.config_sha256,
                        run_folder=str(folder.path), data=citations, synthetic=False)
        prior_paths = {}
        for suffix, mix, desc in (("", robust, description),
                                  ("_nonrobust", best.mixture,
                                   f"{pf.description} MAP beta mixture before robustification.")):
            prior = PriorFile(name=f"{pf.name}{suffix}", description=desc.strip(),
                              quantity=pf.quantity, kind="mixture", family="beta",
                              components=mix.to_components(), source=source,
                              created_utc=folder.started_utc)  # equal on --resume
            path = folder.file(f"priors/{pf.name}{suffix}.json")
            write_prior(path, prior)
            prior_paths[suffix or "robust"] = str(path.relative_to(folder.path))
        studies = []
        for st, row in zip(prep.studies, prep.rows, strict=True):
            key = f"study_survival[{st.figure_id}]"
            srow = summary[summary["parameter"] == key].iloc[0]
            studies.append({
                "figure": st.figure_id, "study": row.study.short, "citation": row.study.citation,
                "as_published": row.as_published, "measure": row.measure,
                "landmark_months": row.landmark_months, "evidence": row.evidence,
                "likelihood": st.kind, "y": st.y, "s": st.s, "k": st.k, "n": st.n,
                "observed": st.p_obs, "observed_lower": st.p_lower,
                "observed_upper": st.p_upper, "assumptions": list(st.assumptions),
                "shrunken_mean": float(srow["mean"]), "shrunken_lower": float(srow["ci_lower"]),
                "shrunken_upper": float(srow["ci_upper"]),
                "quadrature": grid_summary[key],
            })
        findings = {
            "landmark_months": cfg.conversion.landmark_months,
            "studies": studies, "table": prep.table_status,
            "tau": {"quadrature": grid_summary["tau"],
                    "prior": cfg.model.tau_prior.label()},
            "mu": {"quadrature": grid_summary["mu"]},
            "map_predictive": {**map_row, "draws": int(draws.size),
                               "quadrature": grid_summary["map_survival"]},
            "mixture": {
                "criterion": m.criterion, "chosen_components": int(best.mixture.weights.size),
                "candidates": [{"components": int(f.mixture.weights.size), "aic": f.aic,
                                "bic": f.bic, "log_lik": f.log_lik,
                                "em_iterations": f.iterations, "converged": f.converged}
                               for f in fits],
                "map_mixture": best.mixture.to_components(),
                "robust_mixture": robust.to_components(),
                "robust_weight": m.robust_weight, "quantile_check": check,
            },
            "ess": ess_table, "prior_files": prior_paths, "sensitivity": sensitivity,
        }
        folder.write_json("findings.json", findings)
        folder.write_json("sensitivity.json", sensitivity)
        folder.write_data_sources(_data_sources(prep))
    with folder.timed("figures"), progress.stage("Drawing figures"):
        _figures(prep, folder, findings, draws, best.mixture, robust, post, grid)

    passed = diagnostics["passed"]
    if passed:
        msg = "convergence, quadrature agreement and mixture quantile checks passed"
        if report["warnings"]:
            msg += "; " + inference.checks_message(report)
    else:
        parts = []
        if not report["passed"]:
            parts.append(inference.failed_checks_message(report))
        if not agreement["passed"]:
            parts.append(f"MCMC disagrees with the numerical integration (max |z| "
                         f"{agreement['max_abs_z']:.2f} > {agreement['threshold']})")
        if not check["passed"]:
            parts.append(f"beta mixture misses the MAP quantiles by "
                         f"{check['max_abs_difference_in_sd']:.3f} SD (> "
                         f"{check['tolerance_in_sd']})")
        msg = "; ".join(parts)
    ep = pooled_endpoint(prep.rows, cfg.conversion.landmark_months)
    level = f"{out.ci_prob:.0%}"
    tq = grid_summary["tau"]
    headline = [
        f"studies pooled: {len(prep.studies)}  (figures: {', '.join(labels)})",
        f"tau (between-study SD, logit)  median {tq['median']:.3f}  {level} "
        f"[{tq['ci_lower']:.3f}, {tq['ci_upper']:.3f}]",
        f"MAP {ep.short}, new cohort  mean {map_row['mean']:.3f}  {level} "
        f"[{map_row['ci_lower']:.3f}, {map_row['ci_upper']:.3f}]",
        f"beta mixture: {best.mixture.weights.size} components by {m.criterion.upper()}, "
        f"quantiles within {check['max_abs_difference_in_sd']:.3f} SD of the draws",
        f"ESS moment/ELIR (probability scale): MAP {ess_m['moment']:.1f}/"
        f"{ess_m['elir_probability']:.1f}, robust (w={m.robust_weight:g}) "
        f"{ess_r['moment']:.1f}/{ess_r['elir_probability']:.1f}",
        f"prior file: {folder.path / prior_paths['robust']}",
    ]
    return outcome_type(passed=passed, message=msg, headline=headline)


def _data_sources(prep) -> list[dict[str, Any]]:
    """One ``data.json`` record per published study pooled, with the figure taken from it."""
    out: dict[str, dict[str, Any]] = {}
    for row in prep.rows:
        st = row.study
        if st.id in out:
            out[st.id]["description"] += f"; {row.as_published}"
            continue
        out[st.id] = {
            "name": st.id, "short": st.short, "citation": st.citation, "synthetic": False,
            **({"doi": st.doi} if st.doi != "unknown" and st.doi not in st.citation else {}),
            **({"pmid": st.pmid} if st.pmid != "unknown" else {}),
            "description": f"{st.population}; {st.country}"
                           + (f", {st.period}" if st.period != "unknown" else "")
                           + f"; {st.design}. Figure used: {row.as_published}",
        }
    return list(out.values())


def _figures(prep, folder, findings, draws, mixture, robust, post, grid) -> None:
    from neosim.models import mixfit
    from neosim.plots import mixture_fit, pooling_forest, pooling_sensitivity, tau_posterior

    cfg = prep.cfg
    out = cfg.output
    shorts = ", ".join(dict.fromkeys(r.study.short for r in prep.rows))
    ep = pooled_endpoint(prep.rows, cfg.conversion.landmark_months)
    caption = (f"Data: published figures ({shorts}); citations in findings.json. "
               f"Pooled: {ep.long}; conversions stated per study in findings.json.")
    mp = findings["map_predictive"]
    w = cfg.map.robust_weight
    tails = [0.5 - out.ci_prob / 2, 0.5 + out.ci_prob / 2]
    r_lo, r_hi = mixfit.mixture_quantiles(robust, tails)
    pooled = [{"label": "MAP predictive (new cohort)", "mean": mp["mean"],
               "lower": mp["ci_lower"], "upper": mp["ci_upper"]}]
    if w > 0:
        pooled.append({"label": f"robust MAP mixture (w={w:g})", "mean": robust.mean(),
                       "lower": float(r_lo), "upper": float(r_hi)})
    xs = np.linspace(0.0005, 0.9995, 1999)
    # τ posterior density from the integration: mass per u-slice times the prior density
    tau_prior = cfg.model.tau_prior
    tau_density = grid.tau_mass * len(grid.tau) * tau_prior.pdf(grid.tau)
    tau_max = float(np.quantile(post["tau"].values, 0.995))
    tau_x = np.linspace(0.0, tau_max, 400)
    for fmt in out.figure_formats:
        pooling_forest.plot_pooling_forest(
            findings["studies"], pooled, folder.figure("forest_pooling", fmt), caption=caption,
            style=out, ci_level=out.ci_prob, quantity=ep.short)
        mixture_fit.plot_mixture_fit(
            draws, xs, [("MAP beta mixture", mixture.pdf(xs)),
                        (f"robust mixture (w={cfg.map.robust_weight:g})", robust.pdf(xs))],
            folder.figure("map_mixture", fmt), caption=caption, style=out,
            xlabel=f"{ep.short} of a new cohort")
        tau_posterior.plot_tau_posterior(
            post["tau"].values.ravel(), grid.tau, tau_density, tau_x, tau_prior.pdf(tau_x),
            folder.figure("tau_posterior", fmt), caption=caption, style=out,
            prior_label=cfg.model.tau_prior.label(), quantity=ep.short)
        pooling_sensitivity.plot_sensitivity(
            findings["sensitivity"], folder.figure("sensitivity", fmt), caption=caption,
            style=out, ci_level=out.ci_prob, quantity=ep.short)
    level = f"{out.ci_prob:.0%}"
    folder.add_figure(
        "forest_pooling", title="Published cohorts, shrunken estimates and the MAP prior",
        caption=f"Each study's published {ep.long} with its Wald 95% interval (open square), "
                f"its estimate shrunk towards the others by the random-effects model (dot, "
                f"{level} interval), and below the line the predictive distribution of a new "
                "cohort (MAP) and its robust version: wide rows mean little information.")
    folder.add_figure(
        "map_mixture", title="MAP prior and its beta-mixture approximation",
        caption=f"Histogram of the MAP predictive draws of {ep.long} with the fitted beta "
                "mixture (solid) that the prior file stores and its robust version (dashed, "
                "heavier tails): the solid curve should trace the histogram.")
    folder.add_figure(
        "tau_posterior", title="Between-study heterogeneity",
        caption=f"Posterior of the between-study SD of the logit of {ep.short} from the "
                "sampler "
                "(histogram) and from numerical integration (solid), against its prior "
                "(dashed): agreement of the first two checks the sampler, and the distance from "
                "the prior shows what the data say about heterogeneity.")
    folder.add_figure(
        "sensitivity", title="Sensitivity of the MAP prior",
        caption=f"Mean and {level} interval of the MAP prior of {ep.long}, with its "
                "moment effective sample size on the right, for the main analysis, leaving each "
                "study out, other priors on the between-study SD, and another time conversion: "
                "rows that agree mean no single choice drives the prior.")
