"""Checking fits: the summary table of the contract and the convergence gate (sampling itself is
:mod:`neosim.sampling`). The gate (R-hat, ESS, divergences) can fail a run; the warning checks
(rank uniformity of the chains, PSIS-LOO Pareto k-hat where a run computes a LOO) never do, but
turn the verdict into "passed with warnings" in ``diagnostics.json`` and the report."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from neosim import constants


def summarize(
    dt: Any,
    var_names: list[str],
    *,
    ci_prob: float = constants.CI_PROB,
    ci_kind: str = constants.CI_KIND,
):
    """Posterior summary with the contract's columns (``constants.SUMMARY_COLUMNS``): mean,
    median, sd, the interval, the Monte-Carlo standard error of the mean, ESS and R-hat.

    A contrast between two groups is named with its direction
    (:func:`neosim.models.frequencies.contrast_label`: ``neonatal_fraction_difference[ALL-AML]``
    is ALL minus AML, ``neonatal_fraction_ratio[ALL/AML]`` ALL over AML).

    Parameters
    ----------
    dt
        The fit's ``DataTree``.
    var_names
        Posterior variables to report, in order.
    ci_prob, ci_kind
        Interval probability and kind (``"eti"`` equal-tailed or ``"hdi"``).
    """
    import arviz_stats as azs
    import pandas as pd

    from neosim.models.frequencies import contrast_label

    post = dt["posterior"]
    present = [v for v in var_names if v in post.data_vars]
    table = azs.summary(dt, var_names=present, ci_prob=ci_prob, ci_kind=ci_kind, round_to="none")
    frame = pd.DataFrame(table)
    medians = pd.DataFrame(azs.summary(dt, var_names=present, kind="stats_median",
                                       ci_prob=ci_prob, ci_kind=ci_kind, round_to="none"))
    lower, upper = [c for c in frame.columns if c.startswith(ci_kind)][:2]
    names = [contrast_label(post, p) or p for p in frame.index.astype(str)]
    out = pd.DataFrame({
        "parameter": names,
        "mean": frame["mean"].to_numpy(float),
        "median": medians.loc[frame.index, "median"].to_numpy(float),
        "sd": frame["sd"].to_numpy(float),
        "ci_lower": frame[lower].to_numpy(float),
        "ci_upper": frame[upper].to_numpy(float),
        "ci_level": ci_prob,
        "mcse_mean": frame["mcse_mean"].to_numpy(float),
        "ess_bulk": frame["ess_bulk"].to_numpy(float),
        "ess_tail": frame["ess_tail"].to_numpy(float),
        "r_hat": frame["r_hat"].to_numpy(float),
    })
    return out[list(constants.SUMMARY_COLUMNS)]


def count_summary(pmf: np.ndarray, *, ci_prob: float = constants.CI_PROB,
                  ci_kind: str = constants.CI_KIND) -> dict[str, float]:
    """Mean, median, sd and interval of a count ``T`` from its posterior probabilities
    ``pmf[t] = P(T = t | data)`` (exact: no draws of ``T`` are needed).

    The interval holds whole counts: equal-tailed (``"eti"``: the ``(1 - ci_prob) / 2`` and
    ``(1 + ci_prob) / 2`` quantiles, each the smallest ``t`` whose cumulative probability
    reaches it, so it covers at least ``ci_prob``) or ``"hdi"`` (the fewest most probable counts
    holding at least ``ci_prob``, from their smallest to their largest).

    Examples
    --------
    >>> count_summary(np.array([0.0, 0.25, 0.5, 0.25]), ci_prob=0.9)
    {'mean': 2.0, 'median': 2.0, 'sd': 0.7071067811865476, 'ci_lower': 1.0, 'ci_upper': 3.0}
    """
    pmf = np.asarray(pmf, float) / np.sum(pmf)
    t = np.arange(pmf.size, dtype=float)
    mean = float(np.sum(t * pmf))
    cdf = np.cumsum(pmf)

    def quantile(q: float) -> float:
        return float(np.searchsorted(cdf, q - 1e-12))

    if ci_kind == "hdi":
        order = np.argsort(-pmf, kind="stable")
        keep = order[:int(np.searchsorted(np.cumsum(pmf[order]), ci_prob - 1e-12)) + 1]
        lower, upper = float(keep.min()), float(keep.max())
    else:
        lower, upper = quantile((1 - ci_prob) / 2), quantile((1 + ci_prob) / 2)
    return {"mean": mean, "median": quantile(0.5),
            "sd": float(np.sqrt(max(np.sum(t * t * pmf) - mean * mean, 0.0))),
            "ci_lower": lower, "ci_upper": upper}


def convergence_report(dt: Any, summary, thresholds: Any) -> dict[str, Any]:
    """Check R-hat, bulk/tail ESS and divergences against ``thresholds``, and warn on chains whose
    rank histograms are not uniform.

    ``thresholds`` has ``r_hat_max``, ``ess_bulk_min``, ``ess_tail_min`` and ``max_divergences``
    (the gate) and optionally ``rank_bins`` and ``rank_uniformity_alpha`` (the warning check
    ``rank_uniformity``: see :func:`rank_uniformity`). Deterministic quantities that are constant
    across draws (ESS undefined) are ignored. Returns a JSON-ready dict with each check's value,
    threshold and verdict (warning checks carry ``"severity": "warning"``), ``passed`` (the gate:
    warnings never fail it) and ``status`` (``"passed"``, ``"passed with warnings"`` or
    ``"failed"``).
    """
    finite = summary[np.isfinite(summary["r_hat"].to_numpy(float))]
    div = dt["sample_stats"]["diverging"].values if "sample_stats" in dt else np.zeros(0)
    n_div = int(np.sum(div))
    chains = int(dt["posterior"].sizes["chain"])
    draws = int(dt["posterior"].sizes["draw"])
    checks = {
        "r_hat": _check(float(finite["r_hat"].max()), thresholds.r_hat_max, "max"),
        "ess_bulk": _check(float(finite["ess_bulk"].min()), thresholds.ess_bulk_min, "min"),
        "ess_tail": _check(float(finite["ess_tail"].min()), thresholds.ess_tail_min, "min"),
        "divergences": _check(n_div, thresholds.max_divergences, "max"),
    }
    worst = {
        "r_hat": str(finite.loc[finite["r_hat"].idxmax(), "parameter"]),
        "ess_bulk": str(finite.loc[finite["ess_bulk"].idxmin(), "parameter"]),
        "ess_tail": str(finite.loc[finite["ess_tail"].idxmin(), "parameter"]),
    }
    for key, param in worst.items():
        checks[key]["worst_parameter"] = param
    variables = list(dict.fromkeys(str(p).split("[", 1)[0] for p in finite["parameter"]))
    rank = rank_uniformity(
        dt, variables, bins=getattr(thresholds, "rank_bins", constants.RANK_BINS),
        alpha=getattr(thresholds, "rank_uniformity_alpha", constants.RANK_UNIFORMITY_ALPHA))
    if rank is not None:
        checks["rank_uniformity"] = rank
    report = {
        "passed": True,
        "chains": chains,
        "draws_per_chain": draws,
        "max_r_hat": checks["r_hat"]["value"],
        "min_ess_bulk": checks["ess_bulk"]["value"],
        "min_ess_tail": checks["ess_tail"]["value"],
        "divergences": n_div,
        "checks": checks,
    }
    return with_status(report)


def rank_uniformity(dt: Any, variables: list[str], *, bins: int = constants.RANK_BINS,
                    alpha: float = constants.RANK_UNIFORMITY_ALPHA) -> dict[str, Any] | None:
    """Warning check: are the chains' rank histograms uniform (the rank plots' question)?

    Every draw of every chain is ranked among all draws of a scalar quantity (each element of
    ``variables`` in the posterior; constants skipped); each chain's ranks are binned in ``bins``
    equal bins, as the rank plots draw them, and compared with the uniform counts by a
    chi-square test on ``bins - 1`` degrees of freedom. The value is the smallest
    Bonferroni-adjusted p-value over all chain × quantity tests (the family-wise level is
    ``alpha``); the check warns below ``alpha`` and names the quantity and chain. ``None`` when
    nothing varies or there is a single chain.
    """
    from scipy import stats

    post = dt["posterior"]
    tests: list[tuple[float, str]] = []
    for name in variables:
        if name not in post.data_vars:
            continue
        arr = post[name]
        extra = [d for d in arr.dims if d not in ("chain", "draw")]
        x = arr.transpose("chain", "draw", *extra).values
        x = x.reshape(x.shape[0], x.shape[1], -1)
        labels = _element_labels(arr, extra)
        for k in range(x.shape[2]):
            for c, p in enumerate(_chain_rank_p_values(x[:, :, k], bins, stats)):
                tests.append((p, f"{labels[k] if labels else name} (chain {c})"))
    if not tests:
        return None
    p_min, where = min(tests, key=lambda t: t[0])
    adjusted = min(1.0, p_min * len(tests))
    check = _check(adjusted, alpha, "min")
    check["rule"] = (f"min {alpha} (chi-square of each chain's rank histogram, {bins} bins, "
                     f"Bonferroni over {len(tests)} tests)")
    check["worst_parameter"] = where
    check["severity"] = "warning"
    return check


def _element_labels(arr: Any, extra: list[str]) -> list[str]:
    if not extra:
        return []
    coords = [[str(v) for v in arr.coords[d].values] if d in arr.coords
              else [str(i) for i in range(arr.sizes[d])] for d in extra]
    return [f"{arr.name}[{', '.join(parts)}]" for parts in itertools.product(*coords)]


def _chain_rank_p_values(x: np.ndarray, bins: int, stats: Any) -> list[float]:
    """Chi-square p-value of each chain's rank histogram (``x``: chain × draw)."""
    n_chains, n_draws = x.shape
    if n_chains < 2 or not np.ptp(x) > 0:
        return []
    b = min(bins, n_draws)
    ranks = np.empty(x.size, dtype=np.int64)
    ranks[np.argsort(x.ravel(), kind="stable")] = np.arange(x.size)
    edges = np.round(np.linspace(0, x.size, b + 1)).astype(np.int64)
    expected = n_draws * np.diff(edges) / x.size
    out = []
    for c in range(n_chains):
        counts = np.bincount(np.searchsorted(edges, ranks[c * n_draws:(c + 1) * n_draws],
                                             side="right") - 1, minlength=b)[:b]
        chi2 = float(np.sum((counts - expected) ** 2 / expected))
        out.append(float(stats.chi2.sf(chi2, b - 1)))
    return out


def pareto_k_check(max_k: float, threshold: float = constants.PARETO_K_MAX) -> dict[str, Any]:
    """Warning check of a PSIS-LOO: the largest Pareto k-hat of the pointwise log-likelihood
    against ``threshold`` (``nan``, when PSIS could not score the fit, warns too)."""
    check = _check(float(max_k), threshold, "max")
    check["passed"] = bool(np.isfinite(max_k) and check["passed"])
    check["rule"] = f"max {threshold} (PSIS-LOO Pareto k-hat)"
    check["severity"] = "warning"
    return check


def with_status(report: dict[str, Any]) -> dict[str, Any]:
    """Set ``passed`` (every check that is not a warning passed), ``warnings`` (the failed
    warning checks) and ``status`` from ``report["checks"]``; returns ``report``."""
    checks = report["checks"]
    gate = [c["passed"] for c in checks.values() if c.get("severity") != "warning"]
    report["passed"] = all(gate)
    report["warnings"] = [k for k, c in checks.items()
                          if c.get("severity") == "warning" and not c["passed"]]
    report["status"] = ("failed" if not report["passed"]
                        else "passed with warnings" if report["warnings"] else "passed")
    return report


def checks_message(report: dict[str, Any]) -> str:
    """The verdict in one sentence: passed, passed with warnings (naming them), or the failed
    checks (:func:`failed_checks_message`)."""
    if not report["passed"]:
        return failed_checks_message(report)
    warned = [_describe(k, c) for k, c in report["checks"].items()
              if c.get("severity") == "warning" and not c["passed"]]
    if warned:
        return "convergence checks passed with warnings: " + "; ".join(warned)
    return "convergence checks passed"


def _check(value: float, threshold: float, kind: str) -> dict[str, Any]:
    ok = value <= threshold if kind == "max" else value >= threshold
    return {"value": value, "threshold": threshold, "rule": f"{kind} {threshold}", "passed": ok}


def failed_checks_message(report: dict[str, Any]) -> str:
    """One sentence naming each failed check, e.g. for the command line."""
    parts = [_describe(name, c) for name, c in report["checks"].items()
             if not c["passed"] and c.get("severity") != "warning"]
    return "convergence check failed: " + "; ".join(parts)


def _describe(name: str, c: dict[str, Any]) -> str:
    where = f" ({c['worst_parameter']})" if "worst_parameter" in c else ""
    op = "above" if c["rule"].startswith("max") else "below"
    return f"{name} {c['value']:.4g}{where} is {op} the threshold {c['threshold']}"
