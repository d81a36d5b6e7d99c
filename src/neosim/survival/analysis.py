"""Fitting and reporting of the parametric survival families (used by ``survival_ipd``).

Derived quantities (S at the reported times, median survival, the S(t) bands) are computed from
the posterior draws with the same log-survival functions the likelihood uses, and stored in the
fit's ``DataTree`` so that summaries, figures and the design prior all read one result. Times are
in the data's unit (``unit``, :mod:`neosim.units`), and so are the names of derived quantities
(``survival_365d``, ``median_survival_days``); the model's parameters keep their names while
fitting and are labelled in the unit where they are reported (:func:`neosim.units.unit_name`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neosim import units
from neosim.models import survival as sv


def fit_family(family: sv.Family, data: sv.SurvivalData, priors: sv.Priors, settings,
               *, seed: int):
    """Sample one family and add its pointwise log-likelihood (for PSIS-LOO)."""
    import pymc as pm

    from neosim import sampling

    model = sv.build_model(family, data, priors)
    dt = sampling.sample(model, settings, seed=seed)
    return pm.compute_log_likelihood(dt, model=model, progressbar=False)


def survival_name(t: float, unit: str = "months") -> str:
    """Name of the derived ``S(t)`` variable, e.g. ``survival_12m`` (months) or
    ``survival_365d`` (days)."""
    return f"survival_{t:g}{units.TAG[unit]}".replace(".", "p")


def median_name(unit: str = "months") -> str:
    """Name of the derived median survival time in ``unit``, e.g. ``median_survival_months``."""
    return f"median_survival_{unit}"


def band(flat: np.ndarray, ci_prob: float, ci_kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise ``(lower, upper)`` of draws ``flat`` (draws first): equal-tailed (``"eti"``)
    or the narrowest interval holding ``ci_prob`` of the draws (``"hdi"``)."""
    if ci_kind == "eti":
        return tuple(np.quantile(flat, [(1 - ci_prob) / 2, (1 + ci_prob) / 2], axis=0))
    x = np.sort(flat, axis=0)
    n = x.shape[0]
    k = max(1, min(n - 1, int(np.ceil(ci_prob * n)) - 1))  # window of k + 1 draws
    width = x[k:] - x[: n - k]
    start = np.argmin(width, axis=0)[None]
    return (np.take_along_axis(x, start, axis=0)[0],
            np.take_along_axis(x, start + k, axis=0)[0])


def add_derived(dt, family: sv.Family, report, *, ci_prob: float, ci_kind: str = "eti",
                unit: str = "months"):
    """Add ``survival_<t><unit tag>`` at ``report.times`` and ``median_survival_<unit>``
    (chain, draw, subtype) to the posterior, and a ``survival_curve`` group (``mean, median,
    lower, upper`` over ``subtype, time``) holding the S(t) band (``ci_prob``, equal-tailed or
    HDI by ``ci_kind``, as ``[output]`` sets them for the tables)."""
    import xarray as xr

    post = dt["posterior"].to_dataset()
    params = sv.posterior_parameters(family, post)
    dims = ("chain", "draw", "subtype")
    coords = {d: post.coords[d] for d in dims}
    times = np.asarray(report.times, float)
    at = sv.survival_curve(family, params, times)
    extra = {survival_name(m, unit): xr.DataArray(at[..., j], dims=dims, coords=coords)
             for j, m in enumerate(times)}
    median = sv.survival_time_quantile(family, params, 0.5)
    extra[median_name(unit)] = xr.DataArray(np.broadcast_to(median, at.shape[:-1]),
                                                   dims=dims, coords=coords)
    dt["posterior"] = post.assign(extra)
    grid = np.linspace(0.0, report.curve_max, report.curve_points)
    curves = sv.survival_curve(family, params, grid)  # (chain, draw, subtype, time)
    flat = curves.reshape(-1, *curves.shape[2:])
    med = np.quantile(flat, 0.5, axis=0)
    lo, hi = band(flat, ci_prob, ci_kind)
    cdims = ("subtype", "time")
    ccoords = {"subtype": post.coords["subtype"].values, "time": grid}
    dt["survival_curve"] = xr.Dataset(
        {"mean": (cdims, flat.mean(axis=0)), "median": (cdims, med), "lower": (cdims, lo),
         "upper": (cdims, hi)}, coords=ccoords,
        attrs={"ci_prob": ci_prob, "ci_kind": ci_kind, "unit": unit})
    return dt


def reported_names(dt, family: sv.Family, report, unit: str = "months") -> list[str]:
    """Variables of the summary: parameters, S at the reported times, and the median survival
    where it is finite in every draw (a cure model's median may never be reached)."""
    names = list(family.parameters) + [survival_name(m, unit) for m in report.times]
    if np.all(np.isfinite(dt["posterior"][median_name(unit)].values)):
        names.append(median_name(unit))
    return names


def loo_table(fits: dict[str, Any]):
    """PSIS-LOO comparison of the fits (``arviz_stats.compare``), best first."""
    import warnings

    import arviz_stats as azs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pareto-k warnings are reported in the table
        if len(fits) == 1:
            return _loo_each(fits)
        try:
            table = azs.compare(fits, round_to="none")
        except ValueError:  # PSIS failed for a fit (e.g. a stuck chain: equal tail values)
            return _loo_each(fits)
        table["max_pareto_k"] = [float(np.max(azs.loo(fits[m]).pareto_k)) for m in table.index]
    table.index.name = "model"
    return table


def _loo_each(fits: dict[str, Any]):
    """PSIS-LOO of each fit on its own, best first; a fit PSIS cannot score (its draws do not
    vary enough) gets NaN and comes last, so a poorly sampled fit never aborts the run (the
    convergence gate reports it)."""
    import arviz_stats as azs
    import pandas as pd

    rows = {}
    for name, dt in fits.items():
        try:
            res = azs.loo(dt)
            rows[name] = {"elpd": float(res.elpd), "p": float(res.p), "se": float(res.se),
                          "max_pareto_k": float(np.max(res.pareto_k))}
        except ValueError:
            rows[name] = {"elpd": np.nan, "p": np.nan, "se": np.nan, "max_pareto_k": np.nan}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table = table.sort_values("elpd", ascending=False, na_position="last")
    table.insert(0, "rank", range(len(table)))
    table.index.name = "model"
    return table


def loo_notes(loo, pareto_k_max: float) -> dict[str, str]:
    """The label of each model in the survival figure, from its row of :func:`loo_table`.

    The best model reads ``best by PSIS-LOO``; every other its elpd difference from the best
    with the SE of that difference (``elpd −0.8 ± 1.1 (SE) vs best``), so a difference within a
    couple of SEs reads as no clear preference; then the stacking weight, named as such (the
    weight of the model in the best predictive mix, not a probability that it is true); and a
    ``⚠ Pareto k-hat`` line where the largest k-hat exceeds ``pareto_k_max`` (or PSIS failed):
    there the LOO estimate is unreliable.
    """
    notes = {}
    best = str(loo.index[0])
    for model, row in loo.iterrows():
        lines = []
        diff, se = row.get("elpd_diff", np.nan), row.get("dse", np.nan)
        if str(model) == best and len(loo) > 1 and np.isfinite(row.get("elpd", np.nan)):
            lines.append("best by PSIS-LOO")
        elif np.isfinite(diff) and np.isfinite(se):
            lines.append(f"elpd {diff:+.1f} ± {se:.1f} (SE) vs best".replace("-", "−"))
        elif np.isfinite(row.get("elpd", np.nan)):
            lines.append(f"elpd {row['elpd']:.1f} ± {row['se']:.1f} (SE)".replace("-", "−"))
        else:
            lines.append("PSIS-LOO failed")
        if "weight" in loo.columns and np.isfinite(row["weight"]):
            lines.append(f"stacking weight {row['weight']:.2f}")
        k = float(row.get("max_pareto_k", np.nan))
        if not np.isfinite(k) or k > pareto_k_max:
            lines.append(f"⚠ Pareto k-hat {k:.2f} > {pareto_k_max:g}: LOO unreliable"
                         if np.isfinite(k) else "⚠ Pareto k-hat not computed")
        notes[str(model)] = "\n".join(lines)
    return notes


def risk_times(t_max: float, unit: str = "months") -> np.ndarray:
    """Times of the at-risk table under a Kaplan–Meier figure: 0 to ``t_max`` in a round step
    of ``unit`` (:data:`neosim.units.STEPS`) giving at most 7 columns."""
    step = next((s for s in units.STEPS[unit] if t_max / s <= 6), t_max / 6)
    return np.arange(0.0, t_max + 1e-9, step)


def kaplan_meier_groups(data: sv.SurvivalData, *, ci_prob: float = 0.95,
                        t_max: float | None = None, unit: str = "months") -> dict[str, Any]:
    """The Kaplan–Meier curve of each subtype as a Dataset over ``step``: ``survival`` with its
    pointwise ``lower``/``upper`` confidence limits (R ``survfit``'s default ``log`` scale;
    attributes ``ci_prob``, ``conf_type``), Greenwood ``variance`` and the risk table; and the
    at-risk table of the figure, ``n_at_risk`` over ``risk_time`` (:func:`risk_times` up to
    ``t_max``, default the last observed time)."""
    import xarray as xr

    from neosim.survival.nonparametric import CONF_TYPE, kaplan_meier

    ticks = risk_times(float(np.max(data.time)) if t_max is None else t_max, unit)
    out = {}
    for i, sub in enumerate(data.subtypes):
        mine = data.subtype_index == i
        if not mine.any():
            continue
        km = kaplan_meier(data.time[mine], data.event[mine])
        lower, upper = km.band(ci_prob, CONF_TYPE)
        out[sub] = xr.Dataset(
            {"time": ("step", km.time), "survival": ("step", km.survival),
             "lower": ("step", lower), "upper": ("step", upper),
             "variance": ("step", km.variance),
             "at_risk": ("step", km.at_risk), "events": ("step", km.events),
             "censored": ("step", km.censored),
             "n_at_risk": ("risk_time", km.number_at_risk(ticks).astype(np.int64))},
            coords={"risk_time": ticks}, attrs={"ci_prob": ci_prob, "conf_type": CONF_TYPE})
    return out


def findings(prep, fits: dict[str, Any], km: dict[str, Any], loo,
             unit: str = "months") -> dict[str, Any]:
    """What tables of intervals hide: data counts, log-rank, medians not reached, truths."""
    from neosim.survival.nonparametric import CONF_TYPE, kaplan_meier, logrank

    data = prep.data
    counts = {sub: {"patients": int(np.sum(data.subtype_index == i)),
                    "deaths": int(np.sum(data.event[data.subtype_index == i]))}
              for i, sub in enumerate(data.subtypes)}
    out: dict[str, Any] = {"synthetic_data": bool(prep.ipd.synthetic),
                           "data": prep.description, "patients_analysed": counts}
    if unit != "months":  # months files keep their findings as they were
        out["time_unit"] = unit
    if len(km) >= 2:
        lr = logrank(data.time, data.event, np.asarray(data.subtypes)[data.subtype_index])
        out["logrank_between_subtypes"] = {"statistic": lr.statistic, "df": lr.df,
                                           "p_value": lr.p_value,
                                           "observed": dict(zip(lr.groups, lr.observed.tolist(),
                                                                strict=True)),
                                           "expected": dict(zip(lr.groups, lr.expected.tolist(),
                                                                strict=True))}
    level = next((float(k.attrs.get("ci_prob", 0.95)) for k in km.values()), 0.95)
    km_medians = {}
    for i, sub in enumerate(data.subtypes):
        mine = data.subtype_index == i
        if mine.any():
            est = kaplan_meier(data.time[mine], data.event[mine]).median(level, CONF_TYPE)
            km_medians[sub] = dict(zip(("median", "ci_lower", "ci_upper"),
                                       [float(v) if np.isfinite(v) else None for v in est],
                                       strict=True))
    out[f"kaplan_meier_median_{unit}"] = {
        "rule": f"R survival print.survfit; {level:.0%} CI on the {CONF_TYPE} scale; "
                "null = not reached", **km_medians}
    medians = {}
    for name, dt in fits.items():
        med = dt["posterior"][median_name(unit)]
        medians[name] = {}
        for sub in data.subtypes:
            x = med.sel(subtype=sub).values.ravel()
            # medians never reached are +inf: take order statistics (no interpolation between
            # inf and inf, which is nan), so a quantile beyond the reached share reads "not reached"
            q = np.quantile(x, [0.025, 0.5, 0.975], method="inverted_cdf")
            medians[name][sub] = {"P(median reached)": float(np.mean(np.isfinite(x))),
                                  "quantiles_2.5_50_97.5": [float(v) if np.isfinite(v) else None
                                                           for v in q]}
    out[median_name(unit)] = medians
    out["exact_conjugate_posteriors"] = exact_posteriors(prep, fits, level, unit)
    shared = {f.name: list(f.shared) for f in prep.families if f.shared}
    if shared:
        out["shared_by_subtypes"] = {
            "parameters": shared,
            "note": "these parameters are one value for every subtype (the subtypes share the "
                    "shape); [models] shape = \"per_subtype\" fits one per subtype"}
    out["loo_best_model"] = str(loo.index[0])
    if prep.spec is not None:
        spec = prep.spec
        months = np.asarray(prep.cfg.report.times, float)
        truth = {k: (np.asarray(v)[None] if k in spec.family.shared else np.asarray(v))
                 for k, v in spec.truth.items()}
        true_s = sv.survival_curve(spec.family, truth, months)
        out["generating_model"] = {
            "description": spec.describe(),
            "true_survival": {sub: {survival_name(m, unit): float(true_s[i, j])
                                    for j, m in enumerate(months)}
                              for i, sub in enumerate(spec.subtypes)}}
    return out


def exact_posteriors(prep, fits: dict[str, Any], level: float,
                     unit: str = "months") -> dict[str, Any]:
    """The exact Gamma posteriors of the hazards of the exponential and piecewise models (shape,
    rate, mean, equal-tailed interval at ``level``; hazards per unit of the data's time), each
    beside the NUTS mean as a check."""
    from neosim.priors import Gamma

    out: dict[str, Any] = {}
    for family in prep.families:
        if not family.conjugate or family.name not in fits:
            continue
        post = fits[family.name]["posterior"]["hazard_per_month"]
        exact = sv.conjugate_gamma_posterior(family, prep.data, prep.priors)
        draws = post.stack(sample=("chain", "draw"))
        rows = {}
        for (name, (a, b)), flat in zip(exact.items(),
                                         draws.values.reshape(-1, draws.sizes["sample"]),
                                         strict=True):
            g = Gamma(a, b)  # shape, rate
            rows[units.unit_name(name, unit)] = {
                "shape": float(a), "rate": float(b), "mean": float(g.mean()),
                "ci_lower": float(g.quantile((1 - level) / 2)),
                "ci_upper": float(g.quantile((1 + level) / 2)),
                "mcmc_mean": float(flat.mean())}
        out[family.name] = rows
    return out


def combined_diagnostics(reports: dict[str, dict]) -> dict[str, Any]:
    """One diagnostics record over the fits: the worst value of each check, and each fit's; the
    status is the worst of the fits' (failed, passed with warnings, passed)."""
    passed = all(r["passed"] for r in reports.values())
    warned = any(r.get("warnings") for r in reports.values())
    return {
        "passed": passed,
        "status": "failed" if not passed else "passed with warnings" if warned else "passed",
        "max_r_hat": max(r["max_r_hat"] for r in reports.values()),
        "min_ess_bulk": min(r["min_ess_bulk"] for r in reports.values()),
        "min_ess_tail": min(r["min_ess_tail"] for r in reports.values()),
        "divergences": sum(r["divergences"] for r in reports.values()),
        "models": reports,
    }


def headline(summary, loo, report, synthetic: bool, unit: str = "months") -> list[str]:
    """A few lines for the terminal: S at the reported times by model, and the LOO order."""
    lines = ["SYNTHETIC DATA"] if synthetic else []
    keep = (*(survival_name(m, unit) for m in report.times), median_name(unit),
            "cure_fraction")
    for row in summary.itertuples(index=False):
        base = row.parameter.split("/", 1)[1].split("[")[0]
        if base in keep:
            lines.append(f"{row.parameter:44s} {row.mean:8.3f}  [{row.ci_lower:.3f}, "
                         f"{row.ci_upper:.3f}]")
    lines.append("PSIS-LOO order: " + " > ".join(str(m) for m in loo.index))
    return lines


# --------------------------------------------------------------------------------------------
# Design-prior export
# --------------------------------------------------------------------------------------------
