"""Operating characteristics with Monte-Carlo standard errors, assurance, sample-size search.

Every reported number comes with its MC standard error: a proportion ``p`` of ``n`` trials has
``√(p(1-p)/n)``; a mean has ``sd/√n``; an RMSE has ``se(MSE) / (2 RMSE)`` (delta method).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np

from neosim.errors import InputError
from neosim.simulator.analyses import check_analyses
from neosim.simulator.engine import simulate
from neosim.simulator.models import survival
from neosim.simulator.scenario import DesignPrior, TrialScenario


def proportion(x: np.ndarray) -> tuple[float, float]:
    """Mean of a boolean array and its MC standard error."""
    x = np.asarray(x, dtype=bool)
    p = float(x.mean())
    return p, math.sqrt(p * (1 - p) / x.size)


def mean_se(x: np.ndarray) -> tuple[float, float]:
    """Mean of the finite values and its MC standard error."""
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if x.size < 2:
        return float("nan"), float("nan")
    return float(x.mean()), float(x.std(ddof=1) / math.sqrt(x.size))


def estimator_oc(est: np.ndarray, se: np.ndarray, truth, *, ci_prob: float = 0.95) -> dict:
    """Bias, RMSE and Wald-interval coverage of an estimator, each with its MC SE."""
    from scipy import stats

    truth = np.broadcast_to(np.asarray(truth, float), np.shape(est))
    ok = np.isfinite(est) & np.isfinite(se)
    err = (est - truth)[ok]
    n = int(ok.sum())
    out = {"n_finite": n, "n_failed": int(est.size - n)}
    if n < 2:
        return out | {k: float("nan") for k in ("bias", "bias_mc_se", "rmse", "rmse_mc_se",
                                                "coverage", "coverage_mc_se")}
    z = stats.norm.isf((1 - ci_prob) / 2)
    bias, bias_se = float(err.mean()), float(err.std(ddof=1) / math.sqrt(n))
    sq = err ** 2
    mse, mse_se = float(sq.mean()), float(sq.std(ddof=1) / math.sqrt(n))
    rmse = math.sqrt(mse)
    cover, cover_se = proportion(np.abs(err) <= z * se[ok])
    return out | {"bias": bias, "bias_mc_se": bias_se, "rmse": rmse,
                  "rmse_mc_se": mse_se / (2 * rmse) if rmse > 0 else float("nan"),
                  "coverage": cover, "coverage_mc_se": cover_se}


def operating_characteristics(stats: dict[str, np.ndarray], analyses: Sequence,
                              scenario: TrialScenario, *, ci_prob: float = 0.95) -> dict:
    """Summaries of one scenario's simulated trials (all with MC standard errors).

    ``success`` is power (or type-I error under the null, or assurance with a design prior) of
    each analysis; the Cox estimator and the Kaplan–Meier landmark estimates get bias, RMSE and
    coverage of their ``ci_prob`` Wald intervals against the truth (per trial with a design
    prior).
    """
    n = int(stats["events"].size)
    out: dict = {"n_trials": n}
    out["events"] = mean_se(stats["events"])
    out["duration"] = mean_se(stats["duration"])
    out["reached"] = proportion(stats["reached"] == 1)
    out["success"] = {a.name: proportion(a.success(stats)) for a in analyses}
    if "cox_loghr" in stats and np.isfinite(stats["cox_loghr"]).any():
        truth = stats.get("true_log_hr", math.log(scenario.hazard_ratio))
        if scenario.treatment is None:
            out["log_hr"] = estimator_oc(stats["cox_loghr"], stats["cox_se"], truth,
                                         ci_prob=ci_prob)
    if scenario.landmark is not None and "true_log_hr" not in stats:
        s_c = float(survival(scenario.control, scenario.landmark))
        model_t = scenario.treatment
        s_t = (float(survival(model_t, scenario.landmark)) if model_t is not None
               else s_c ** scenario.hazard_ratio)
        out["landmark_treatment"] = estimator_oc(stats["km_treatment"],
                                                 np.sqrt(stats["km_treatment_var"]), s_t,
                                                 ci_prob=ci_prob)
        if scenario.design == "two_arm":
            out["landmark_control"] = estimator_oc(stats["km_control"],
                                                   np.sqrt(stats["km_control_var"]), s_c,
                                                   ci_prob=ci_prob)
    return out


def simulate_power(scenario: TrialScenario, analyses: Sequence, n_trials: int, seed: int, *,
                   scenario_index: int = 0, design_prior: DesignPrior | None = None,
                   workers: int | None = None, progress=None,
                   description: str = "Simulating trials") -> dict:
    """Simulate one scenario and summarise it: the core of ``neosim power --simulate N``.

    Returns a JSON-ready dict: ``power`` (per analysis: value and MC SE), ``events``,
    ``duration`` (mean, MC SE), ``reached``, estimator summaries, ``n_trials``, ``seconds`` and
    ``trials_per_second``. With a ``design_prior`` the success rate is the assurance.
    """
    t0 = time.perf_counter()
    stats = simulate_trials(scenario, analyses, n_trials, seed, scenario_index=scenario_index,
                            design_prior=design_prior, workers=workers, progress=progress,
                            description=description)
    return power_summary(stats, analyses, scenario, seed=seed,
                         seconds=time.perf_counter() - t0)


def simulate_trials(scenario: TrialScenario, analyses: Sequence, n_trials: int, seed: int, *,
                    scenario_index: int = 0, design_prior: DesignPrior | None = None,
                    workers: int | None = None, progress=None,
                    description: str = "Simulating trials") -> dict[str, np.ndarray]:
    """The per-trial statistics behind :func:`simulate_power` (analyses checked against the
    scenario; the Cox fit runs only if an analysis needs it). Shared with ``neosim.simulator``'s
    public entry point :func:`neosim.api.simulation.simulate`, so both give the same numbers."""
    check_analyses(analyses, scenario)
    if n_trials < 1:
        raise InputError("must be a positive number of trials", field="n_trials")
    return simulate(scenario, n_trials, seed, scenario_index=scenario_index,
                    design_prior=design_prior, cox=any(a.needs_cox for a in analyses),
                    workers=workers, progress=progress, description=description)


def power_summary(stats: dict[str, np.ndarray], analyses: Sequence, scenario: TrialScenario,
                  *, seed: int, seconds: float, ci_prob: float = 0.95) -> dict:
    """:func:`operating_characteristics` in the JSON-ready form of :func:`simulate_power`."""
    n_trials = int(stats["events"].size)
    oc = operating_characteristics(stats, analyses, scenario, ci_prob=ci_prob)
    oc["power"] = {k: {"value": v[0], "mc_se": v[1]} for k, v in oc.pop("success").items()}
    oc["seconds"] = seconds
    oc["trials_per_second"] = n_trials / seconds if seconds > 0 else float("inf")
    oc["seed"] = seed
    return oc


def smallest_meeting(values: Sequence[int], power: np.ndarray, mc_se: np.ndarray,
                     target: float, z: float = 1.959963984540054) -> dict:
    """Smallest grid value whose power reaches ``target``, with the MC uncertainty of that answer.

    ``value`` is the smallest grid value with estimated power ≥ target; ``lower`` the smallest
    whose power could reach the target within MC error (power + z·SE ≥ target) and ``upper`` the
    smallest that reaches it beyond MC error (power − z·SE ≥ target). ``None`` where none does.
    """
    values = list(values)
    order = np.argsort(values)

    def first(mask):
        hits = [values[i] for i in order if mask[i]]
        return int(hits[0]) if hits else None

    power, mc_se = np.asarray(power), np.asarray(mc_se)
    return {"target": target, "value": first(power >= target),
            "lower": first(power + z * mc_se >= target),
            "upper": first(power - z * mc_se >= target)}


def sample_size_search(make_scenario: Callable[[int], TrialScenario], n_grid: Sequence[int],
                       analysis, target: float, n_trials: int, seed: int, *,
                       design_prior: DesignPrior | None = None, workers: int | None = None,
                       progress=None) -> dict:
    """Smallest N of ``n_grid`` whose power (assurance with a ``design_prior``) meets ``target``.

    Scenario ``i`` of the grid (in the given order) is seeded with ``scenario_index=i``. Returns
    the per-N power with MC SE and :func:`smallest_meeting`'s answer.
    """
    if not n_grid:
        raise InputError("the grid of sample sizes is empty", field="n")
    if not 0 < target < 1:
        raise InputError(f"must lie in (0, 1) (got {target!r})", field="target")
    power, se = [], []
    for i, n in enumerate(n_grid):
        sc = make_scenario(int(n))
        res = simulate_power(sc, [analysis], n_trials, seed, scenario_index=i,
                             design_prior=design_prior, workers=workers, progress=progress)
        power.append(res["power"][analysis.name]["value"])
        se.append(res["power"][analysis.name]["mc_se"])
    return {"n": [int(n) for n in n_grid], "power": power, "mc_se": se,
            **smallest_meeting(n_grid, np.array(power), np.array(se), target)}
