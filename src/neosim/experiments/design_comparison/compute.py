"""The statistics of the ``design_comparison`` kind (no files written).

Every grid point simulates one set of trials (split evenly over the incidence strata of
``[accrual]``, each with its consortium accrual) with the look table of the sequential engine
(:func:`neosim.simulator.engine.simulate` with ``looks``: per trial and look the log-rank z, the
Cox estimate, events, subjects and calendar time). The three designs read the same trials:

* **fixed**: one log-rank test at the last look (``D(n)`` events) at level ``alpha``;
* **group_sequential**: the ``[design.sequential]`` plan's boundaries
  (:meth:`neosim.design.sequential.SequentialPlan.boundaries`) applied look by look
  (:func:`neosim.simulator.sequential.stop_trials`);
* **bayesian**: :class:`neosim.simulator.adaptive.BayesianAdaptive` (posterior probability for
  efficacy, predictive probability for futility), its efficacy threshold calibrated on separate
  null trials (:func:`neosim.simulator.adaptive.calibrate`) when asked. The calibration counts
  its futility stops as binding, so the calibrated design spends its whole alpha; a
  group-sequential plan with non-binding futility spends less in simulation (compare the
  type-I error rows before the power rows).

Each simulated figure comes with its Monte-Carlo SE; the fixed and group-sequential designs get
analytic values beside them: crossing probabilities by the exact recursion at the looks' event
fractions and the drift ``log(HR/θ₀) √(D p (1-p))``, look times where the expected events reach
each look (:func:`neosim.design.survival_sequential.time_of_events`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from neosim import seeds
from neosim.experiments.design_comparison.prepare import Point, Prepared

DESIGNS = ("fixed", "group_sequential", "bayesian")
#: quantities of the comparison table, in its order
QUANTITIES = ("power", "expected_subjects", "expected_events", "expected_duration_years",
              "early_stop", "early_efficacy", "early_futility")
#: scenario index of the null calibration run of the ``j``-th subjects value
CALIBRATION_INDEX = 100_000
#: scenario indices per grid point (one per incidence stratum; the schema allows 50)
STRATA_KEYS = 64


def direction(prep: Prepared) -> str:
    d = prep.design
    return "lower" if d.hazard_ratio < d.theta_h0 else "upper"


def _shares(n_trials: int, k: int) -> list[int]:
    """``n_trials`` split as evenly as whole trials allow over ``k`` strata."""
    return [n_trials * (j + 1) // k - n_trials * j // k for j in range(k)]


def simulate(prep: Prepared, subjects: int, hazard_ratio: float, look_events, n_trials: int,
             index: int) -> dict[str, np.ndarray]:
    """The look table of ``n_trials`` trials, split evenly over the incidence strata (blocks
    keyed by the grid point's ``index`` and the stratum)."""
    from neosim.simulator.engine import simulate as engine
    from neosim.simulator.scenario import Looks, TrialScenario

    looks = Looks(events=tuple(look_events), theta_h0=prep.design.theta_h0)
    parts = []
    for j, (design, n) in enumerate(zip(prep.strata, _shares(n_trials, len(prep.strata)),
                                        strict=True)):
        if n == 0:
            continue
        scenario = TrialScenario.from_design(design, subjects=subjects,
                                             hazard_ratio=hazard_ratio, events=looks.events[-1])
        parts.append(engine(scenario, n, prep.cfg.experiment.seed,
                            scenario_index=index * STRATA_KEYS + j, cox=True, looks=looks))
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def bayes_rule(prep: Prepared, efficacy: float | None = None):
    from neosim.priors import Mixture
    from neosim.simulator.adaptive import BayesianAdaptive

    b = prep.cfg.bayesian
    return BayesianAdaptive(model="normal", log_hr_prior=Mixture.of([b.log_hr_prior]),
                            margin=prep.design.theta_h0, direction=direction(prep),
                            efficacy=b.efficacy if efficacy is None else efficacy,
                            futility=b.futility)


def calibrate(prep: Prepared) -> dict[int, Any]:
    """Per subjects value: the Bayesian rule (calibrated on its own null trials when asked) and
    the calibration record (``None`` without calibration)."""
    from neosim.simulator.adaptive import calibrate as search

    b = prep.cfg.bayesian
    target = b.target_type_i_error if b.target_type_i_error is not None else prep.design.alpha
    out = {}
    for j, (n, looks) in enumerate(prep.calibration.items()):
        rule = bayes_rule(prep)
        if not b.calibrate:
            out[n] = (rule, None)
            continue
        table = simulate(prep, n, prep.design.theta_h0, looks, b.calibration_trials,
                         CALIBRATION_INDEX + j)
        cal = search(rule, table, target, seed=seeds.int_seed(prep.cfg.experiment.seed, 3, j),
                     binding_futility=True)
        out[n] = (cal.design, cal)
    return out


def _summary(look, eff, fut, table, n_looks: int) -> dict[str, tuple[float, float]]:
    """Operating characteristics of stopping decisions, each ``(value, MC SE)``."""
    from neosim.simulator.oc import mean_se, proportion
    from neosim.simulator.sequential import at_stop

    early = look < n_looks - 1
    events = table["events_control"] + table["events_experimental"]
    out = {"power": proportion(eff), "early_stop": proportion(early & (eff | fut)),
           "early_efficacy": proportion(early & eff), "early_futility": proportion(early & fut),
           "expected_subjects": mean_se(at_stop(table["look_subjects"], look)),
           "expected_events": mean_se(at_stop(events, look))}
    months, se = mean_se(at_stop(table["look_time"], look))
    out["expected_duration_years"] = (months / 12.0, se / 12.0)
    for k in range(n_looks):
        out[f"efficacy_{k}"] = proportion(eff & (look == k))
        out[f"futility_{k}"] = proportion(fut & (look == k))
    return out


def simulated(prep: Prepared, point: Point, table, bayes) -> dict[str, dict]:
    """Every design's simulated operating characteristics at one grid point."""
    from neosim.design.survival import z_alpha
    from neosim.simulator.sequential import StoppingRule, stop_trials

    d, k = prep.design, len(point.look_events)
    gsd = boundaries(prep)
    rule = StoppingRule(gsd.critical_values, gsd.futility_bounds, direction=direction(prep))
    z_last = rule.z(table, d.theta_h0)[:, -1]
    with np.errstate(invalid="ignore"):
        fixed_eff = z_last >= z_alpha(d.alpha, d.sided)
    out = {"fixed": _summary(np.full(z_last.shape, k - 1), fixed_eff,
                             np.zeros_like(fixed_eff), table, k)}
    look, reason = stop_trials(table, rule, d.theta_h0)
    out["group_sequential"] = _summary(look, reason == 1, reason == 2, table, k)
    look, eff, fut, _, _ = bayes.decisions(
        table, seeds.int_seed(prep.cfg.experiment.seed, 4, point.index))
    out["bayesian"] = _summary(look, eff, fut, table, k)
    return out


def boundaries(prep: Prepared):
    d = prep.design
    return d.sequential.boundaries(d.alpha, 1.0 - (d.power or 0.8), d.sided)


def _allocation(prep: Prepared, n: int) -> float:
    from neosim.simulator.scenario import TrialScenario

    s = TrialScenario.from_design(prep.design, subjects=n, events=2)
    return s.n_treatment / s.n


def drift(prep: Prepared, hazard_ratio: float, events: float, n: int) -> float:
    """Expected log-rank z at ``events`` events on the design's side (positive: benefit)."""
    p = _allocation(prep, n)
    z = math.log(hazard_ratio / prep.design.theta_h0) * math.sqrt(events * p * (1.0 - p))
    return -z if direction(prep) == "lower" else z


def analytic(prep: Prepared, point: Point) -> dict[str, dict[str, float]]:
    """Analytic crossing probabilities (the exact recursion on the log-rank statistic's normal
    approximation) and expected sizes of the fixed and group-sequential designs at the looks'
    event fractions (see the module docstring)."""
    from neosim.design.sequential import sequential_probabilities
    from neosim.design.survival import z_alpha
    from neosim.design.survival_sequential import enrolled, time_of_events

    n, events = point.subjects, point.look_events
    n_trials = prep.cfg.simulation.n_trials
    times, subjects = np.zeros(len(events)), np.zeros(len(events))
    for stratum, share in zip(prep.strata, _shares(n_trials, len(prep.strata)), strict=True):
        design = stratum.model_copy(update={"hazard_ratio": point.hazard_ratio})
        acc, inten = design.accrual_pieces(n)
        t = [time_of_events(design, n, e, acc, inten) for e in events]
        times += np.array(t) * share / n_trials
        subjects += np.array([enrolled(acc, inten, n, x) for x in t]) * share / n_trials
    times, subjects = [float(x) for x in times], [float(x) for x in subjects]
    d_max = events[-1]
    theta = drift(prep, point.hazard_ratio, d_max, n)
    fixed = sequential_probabilities([z_alpha(prep.design.alpha, 1)], None, [1.0], theta)
    out = {"fixed": {"power": float(fixed.upper[0]), "expected_subjects": subjects[-1],
                     "expected_events": float(d_max), "expected_duration_years": times[-1] / 12,
                     "early_stop": 0.0, "early_efficacy": 0.0, "early_futility": 0.0}}
    gsd = boundaries(prep)
    rates = [e / d_max for e in events]
    c = sequential_probabilities(gsd.critical_values, gsd.futility_bounds, rates, theta)
    up, low = [float(x) for x in c.upper], [float(x) for x in c.lower]
    stop = [u + lo for u, lo in zip(up[:-1], low[:-1], strict=True)]
    stop.append(1.0 - sum(stop))
    gs = {"power": sum(up), "early_efficacy": sum(up[:-1]), "early_futility": sum(low[:-1]),
          "early_stop": sum(stop[:-1]),
          "expected_subjects": float(np.dot(stop, subjects)),
          "expected_events": float(np.dot(stop, events)),
          "expected_duration_years": float(np.dot(stop, times)) / 12.0}
    for k in range(len(events)):
        gs[f"efficacy_{k}"], gs[f"futility_{k}"] = up[k], low[k] if k < len(events) - 1 else 0.0
    out["group_sequential"] = gs
    out["fixed"].update({f"efficacy_{k}": 0.0 for k in range(len(events) - 1)})
    out["fixed"][f"efficacy_{len(events) - 1}"] = out["fixed"]["power"]
    return out


def bayes_bounds(prep: Prepared, rule, look_events, n: int) -> list[tuple[float, float]]:
    """The z-scale (design's side) efficacy and futility bounds the Bayesian rule implies at
    each look when the Cox SE is its expected value ``1/√(D p (1-p))``: the smallest z whose
    posterior probability exceeds the threshold, the largest whose predictive probability is
    below the futility threshold, on a grid of z from -6 to 8 in steps of 0.005 (``nan``: none
    on the grid)."""
    from neosim.simulator.predictive import posterior_probability, predictive_probability

    p, log0 = _allocation(prep, n), math.log(prep.design.theta_h0)
    sign = -1.0 if direction(prep) == "lower" else 1.0
    z = np.linspace(-6.0, 8.0, 2801)
    out = []
    for k, events in enumerate(look_events):
        se = 1.0 / math.sqrt(events * p * (1.0 - p))
        look = {"cox_log_hr": log0 + sign * z * se, "cox_se": np.full(z.shape, se),
                "events_control": np.full(z.shape, events / 2.0),
                "events_experimental": np.full(z.shape, events / 2.0)}
        post = posterior_probability("normal", rule.direction, rule.margin, look,
                                     log_hr_prior=rule.log_hr_prior)
        hit = np.flatnonzero(post > rule.efficacy)
        eff = float(z[hit[0]]) if hit.size else math.nan
        fut = math.nan
        if rule.futility is not None and k < len(look_events) - 1:
            pred = predictive_probability("normal", rule.direction, rule.margin, rule.efficacy,
                                          look, float(look_events[-1]),
                                          log_hr_prior=rule.log_hr_prior)
            low = np.flatnonzero(pred < rule.futility)
            fut = float(z[low[-1]]) if low.size else math.nan
        out.append((eff, fut))
    return out


def to_hazard_ratio(prep: Prepared, z: float, events: float, n: int) -> float:
    """The hazard ratio whose expected z at ``events`` events is ``z`` (design's side)."""
    if not math.isfinite(z):
        return math.nan
    p = _allocation(prep, n)
    sign = -1.0 if direction(prep) == "lower" else 1.0
    return prep.design.theta_h0 * math.exp(sign * z / math.sqrt(events * p * (1.0 - p)))
