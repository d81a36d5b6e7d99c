"""Simulated group-sequential trials: looks, stopping rules and their operating characteristics.

The engine (:func:`neosim.simulator.engine.simulate` with ``looks=``) draws exactly the patients
of the fixed design (same seed, same blocks) and analyses each trial at every look from one pass
(:mod:`neosim.simulator.seq_kernels`). It returns the **per-look sufficient statistics**, each a
float array of shape ``(trials, looks)``; these names are the interface other analyses (the
Bayesian adaptive rules) read:

``look_time``
    calendar cut-off of the look, months after the trial opens (event-driven looks: the time of
    the look's target event);
``look_reached``
    1 if the look's event target was reached, 0 if the trial ran out of patients at risk or hit
    ``max_duration`` first (the look is then held at the end of data);
``look_subjects``
    patients enrolled by the cut-off;
``events_control``, ``events_experimental``
    events observed by the cut-off per arm (experimental = treatment);
``exposure_control``, ``exposure_experimental``
    total follow-up in months by the cut-off per arm (the exponential likelihood's exposure);
``logrank_z``
    cumulative log-rank statistic ``(O₁ - E₁(θ₀))/√V(θ₀)`` of the experimental arm against the
    shifted null ``θ₀`` (negative favours the experimental arm when ``θ₀ = 1``);
``cox_log_hr``, ``cox_se``
    Efron Cox estimate of the log hazard ratio experimental/control and its SE (``nan`` when the
    Cox fit is off or has no maximum); the Wald statistic is ``(cox_log_hr - log θ₀)/cox_se``.

With a design prior the per-trial truths ``true_log_hr`` / ``true_control_rate`` come along
(1-d). :func:`stop_trials` applies efficacy and futility bounds on the z scale per trial;
:func:`sequential_oc` summarises with Monte-Carlo standard errors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neosim.errors import InputError
from neosim.simulator.analyses import DIRECTIONS
from neosim.simulator.oc import mean_se, proportion
from neosim.simulator.scenario import MAX_LOOKS, Looks

__all__ = ["Looks", "StoppingRule", "at_stop", "sequential_oc", "stop_trials"]

@dataclass(frozen=True)
class StoppingRule:
    """Efficacy ``critical_values`` (z, one per look) and optional ``futility_bounds`` (z, one per
    look but the last) on the scale of the design's direction (rpact's): ``"lower"`` (benefit,
    HR < θ₀) reads ``-z``, ``"upper"`` reads ``z``, ``"two-sided"`` reads ``|z|``. A trial stops
    for efficacy at the first look whose statistic is ``>=`` its critical value, for futility at
    the first earlier look whose statistic is ``<=`` its futility bound (rpact
    ``getSimulationSurvival``); ``statistic`` is ``"logrank"`` or ``"cox"`` (Wald)."""

    critical_values: tuple[float, ...]
    futility_bounds: tuple[float, ...] | None = None
    direction: str = "lower"
    statistic: str = "logrank"

    def __post_init__(self) -> None:
        crit = tuple(float(c) for c in self.critical_values)
        object.__setattr__(self, "critical_values", crit)
        if not 1 <= len(crit) <= MAX_LOOKS or not all(math.isfinite(c) for c in crit):
            raise InputError(f"give 1 to {MAX_LOOKS} finite critical values",
                             field="critical_values")
        if self.direction not in DIRECTIONS:
            raise InputError(f"must be one of {', '.join(DIRECTIONS)} (got {self.direction!r})",
                             field="direction")
        if self.statistic not in ("logrank", "cox"):
            raise InputError(f"must be 'logrank' or 'cox' (got {self.statistic!r})",
                             field="statistic")
        if self.futility_bounds is not None:
            fut = tuple(float(f) for f in self.futility_bounds)
            object.__setattr__(self, "futility_bounds", fut)
            if len(fut) != len(crit) - 1:
                raise InputError(f"give one futility bound per look but the last ({len(crit) - 1})",
                                 field="futility_bounds")
            if any(not math.isfinite(f) or f > c for f, c in zip(fut, crit, strict=False)):
                raise InputError("futility bounds must be finite and not above the critical "
                                 "values", field="futility_bounds")

    def z(self, stats: dict[str, np.ndarray], theta_h0: float = 1.0) -> np.ndarray:
        """The test statistic per trial and look, on the direction's scale."""
        if self.statistic == "logrank":
            z = stats["logrank_z"]
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                z = (stats["cox_log_hr"] - math.log(theta_h0)) / stats["cox_se"]
        if self.direction == "lower":
            return -z
        return np.abs(z) if self.direction == "two-sided" else z


def stop_trials(stats: dict[str, np.ndarray], rule: StoppingRule, theta_h0: float = 1.0):
    """Apply ``rule`` to every trial: ``(stop_look, reason)``, 0-based look at which each trial
    stops and why (1 efficacy, 2 futility, 0 neither: the last look without rejection, or a look
    whose event target was never reached, where the trial ends with that look's test).

    A ``nan`` statistic (no events) neither rejects nor stops for futility.
    """
    s = rule.z(stats, theta_h0)
    n_trials, n_looks = s.shape
    if n_looks != len(rule.critical_values):
        raise InputError(f"{len(rule.critical_values)} critical values for {n_looks} looks",
                         field="critical_values")
    with np.errstate(invalid="ignore"):
        eff = s >= np.asarray(rule.critical_values)[None, :]
        fut = np.zeros_like(eff)
        if rule.futility_bounds is not None:
            fut[:, :-1] = s[:, :-1] <= np.asarray(rule.futility_bounds)[None, :]
    fut &= ~eff
    final = eff | fut | (stats["look_reached"] == 0)
    final[:, -1] = True
    look = np.argmax(final, axis=1)
    rows = np.arange(n_trials)
    reason = np.where(eff[rows, look], 1, np.where(fut[rows, look], 2, 0)).astype(np.int8)
    return look, reason


def at_stop(values: np.ndarray, look: np.ndarray) -> np.ndarray:
    """Each trial's value at its stopping look."""
    return values[np.arange(values.shape[0]), look]


def sequential_oc(stats: dict[str, np.ndarray], rule: StoppingRule,
                  theta_h0: float = 1.0) -> dict:
    """Operating characteristics of simulated sequential trials, each ``(value, MC SE)``.

    ``rejection_per_look``, ``futility_per_look`` (share of trials stopping at each look for
    that reason), ``overall_rejection`` (power, or type-I error under H0), ``early_stop``
    (efficacy or futility before the last look), ``early_efficacy``, ``early_futility``,
    ``expected_events``, ``expected_subjects``, ``expected_duration`` (months; means at the
    stopping look), and per look the mean cut-off ``look_time``, ``look_events`` and
    ``look_subjects`` of every trial (as if none stopped) and ``look_reached``.
    """
    look, reason = stop_trials(stats, rule, theta_h0)
    n_trials, n_looks = stats["logrank_z"].shape
    events = stats["events_control"] + stats["events_experimental"]
    per = {"rejection_per_look": [], "futility_per_look": [], "look_time": [],
           "look_events": [], "look_subjects": [], "look_reached": []}
    for k in range(n_looks):
        per["rejection_per_look"].append(proportion((look == k) & (reason == 1)))
        per["futility_per_look"].append(proportion((look == k) & (reason == 2)))
        per["look_time"].append(mean_se(stats["look_time"][:, k]))
        per["look_events"].append(mean_se(events[:, k]))
        per["look_subjects"].append(mean_se(stats["look_subjects"][:, k]))
        per["look_reached"].append(proportion(stats["look_reached"][:, k] == 1))
    early = look < n_looks - 1
    return {
        "n_trials": int(n_trials), "n_looks": int(n_looks), **per,
        "overall_rejection": proportion(reason == 1),
        "early_stop": proportion(early & (reason > 0)),
        "early_efficacy": proportion(early & (reason == 1)),
        "early_futility": proportion(early & (reason == 2)),
        "expected_events": mean_se(at_stop(events, look)),
        "expected_subjects": mean_se(at_stop(stats["look_subjects"], look)),
        "expected_duration": mean_se(at_stop(stats["look_time"], look)),
    }
