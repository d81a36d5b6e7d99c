"""Checking fits: the summary table of the contract and the convergence gate (sampling itself is
:mod:`neosim.sampling`)."""

from __future__ import annotations

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
    """Posterior summary with the contract's columns (``constants.SUMMARY_COLUMNS``).

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

    present = [v for v in var_names if v in dt["posterior"].data_vars]
    table = azs.summary(dt, var_names=present, ci_prob=ci_prob, ci_kind=ci_kind, round_to="none")
    frame = pd.DataFrame(table)
    lower, upper = [c for c in frame.columns if c.startswith(ci_kind)][:2]
    out = pd.DataFrame({
        "parameter": frame.index.astype(str),
        "mean": frame["mean"].to_numpy(float),
        "sd": frame["sd"].to_numpy(float),
        "ci_lower": frame[lower].to_numpy(float),
        "ci_upper": frame[upper].to_numpy(float),
        "ci_level": ci_prob,
        "ess_bulk": frame["ess_bulk"].to_numpy(float),
        "ess_tail": frame["ess_tail"].to_numpy(float),
        "r_hat": frame["r_hat"].to_numpy(float),
    })
    return out[list(constants.SUMMARY_COLUMNS)]


def convergence_report(dt: Any, summary, thresholds: Any) -> dict[str, Any]:
    """Check R-hat, bulk/tail ESS and divergences against ``thresholds``.

    ``thresholds`` has ``r_hat_max``, ``ess_bulk_min``, ``ess_tail_min`` and ``max_divergences``.
    Deterministic quantities that are constant across draws (ESS undefined) are ignored.
    Returns a JSON-ready dict with each check's value, threshold and verdict, and ``passed``.
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
    passed = all(c["passed"] for c in checks.values())
    return {
        "passed": passed,
        "chains": chains,
        "draws_per_chain": draws,
        "max_r_hat": checks["r_hat"]["value"],
        "min_ess_bulk": checks["ess_bulk"]["value"],
        "min_ess_tail": checks["ess_tail"]["value"],
        "divergences": n_div,
        "checks": checks,
    }


def _check(value: float, threshold: float, kind: str) -> dict[str, Any]:
    ok = value <= threshold if kind == "max" else value >= threshold
    return {"value": value, "threshold": threshold, "rule": f"{kind} {threshold}", "passed": ok}


def failed_checks_message(report: dict[str, Any]) -> str:
    """One sentence naming each failed check, e.g. for the command line."""
    parts = []
    for name, c in report["checks"].items():
        if not c["passed"]:
            where = f" ({c['worst_parameter']})" if "worst_parameter" in c else ""
            op = "above" if c["rule"].startswith("max") else "below"
            parts.append(f"{name} {c['value']:.4g}{where} is {op} the threshold {c['threshold']}")
    return "convergence check failed: " + "; ".join(parts)
