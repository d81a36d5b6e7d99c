"""Bayesian adaptive designs of a :class:`TrialDesign`: posterior-probability efficacy and
predictive-probability futility at event-driven looks, simulated by the engine, with the
efficacy threshold optionally calibrated to a target type-I error.

Thin over :mod:`neosim.simulator.adaptive` (the rule, its OCs and the calibration) and the engine's
sequential simulation (:func:`neosim.simulator.engine.simulate` with
:class:`~neosim.simulator.sequential.Looks`): the trials at the design's hazard ratio are scenario
0 of ``seed``, the null trials of a calibration scenario 1 and the fresh null trials that check
it scenario 2, so the reported type-I error is not the one the threshold was fitted to.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from neosim.errors import InputError

if TYPE_CHECKING:
    from neosim.design.spec import TrialDesign
    from neosim.priors import Mixture
    from neosim.simulator.adaptive import BayesianAdaptive, Calibration

__all__ = ["BayesianAdaptiveResult", "bayesian_adaptive", "calibrate_thresholds"]


@dataclass(frozen=True)
class BayesianAdaptiveResult:
    """Operating characteristics of a Bayesian adaptive design (each with its MC SE).

    ``oc``: at the design's (or the given) hazard ratio; ``oc_h0``: at ``theta_h0`` on trials
    not used for calibration; ``calibration``: the calibrated threshold and its MC uncertainty
    (``None`` unless asked); ``rule``: the rule that was simulated.
    """

    oc: dict[str, Any]
    oc_h0: dict[str, Any]
    calibration: Calibration | None
    rule: BayesianAdaptive

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return {"oc": self.oc, "oc_h0": self.oc_h0, "efficacy": self.rule.efficacy,
                "futility": self.rule.futility,
                "calibration": None if self.calibration is None else self.calibration.to_dict()}


def _rule(design, model, control_prior, experimental_prior, log_hr_prior, margin, direction,
          efficacy, futility) -> BayesianAdaptive:
    from neosim.design.spec import TrialDesign
    from neosim.simulator.adaptive import BayesianAdaptive

    if not isinstance(design, TrialDesign):
        raise InputError(f"expected a neosim.TrialDesign (got {type(design).__name__})",
                         field="design")
    if design.endpoint != "survival" or design.groups != 2:
        raise InputError("Bayesian adaptive designs are simulated for two-arm survival designs",
                         field="design")
    if direction is None:
        if design.sided == 2:
            raise InputError("give the direction (lower or upper) of a two-sided design",
                             field="direction")
        direction = "upper" if design.hazard_ratio > design.theta_h0 else "lower"
    return BayesianAdaptive(model, control_prior, experimental_prior, log_hr_prior,
                            design.theta_h0 if margin is None else margin, direction, efficacy,
                            futility)


def _tables(design, look_events, n_trials, seed, subjects, hazard_ratio, scenario_index):
    from neosim.simulator import TrialScenario
    from neosim.simulator.engine import simulate
    from neosim.simulator.sequential import Looks

    if isinstance(n_trials, bool) or not isinstance(n_trials, int) \
            or not 100 <= n_trials <= 10_000_000:
        raise InputError(f"must be an integer in [100, 10^7] (got {n_trials!r})",
                         field="n_trials")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise InputError(f"must be a non-negative integer (got {seed!r})", field="seed")
    if subjects is None:
        if design.subjects is None:
            raise InputError("give subjects (the design has none)", field="subjects")
        subjects = math.ceil(design.subjects)
    if isinstance(subjects, bool) or not isinstance(subjects, int) or not 4 <= subjects <= 10_000:
        raise InputError(f"must be an integer in [4, 10000] (got {subjects!r})", field="subjects")
    if hazard_ratio is not None and not (isinstance(hazard_ratio, int | float)
                                         and math.isfinite(hazard_ratio)
                                         and 0.001 <= hazard_ratio <= 1000):
        raise InputError(f"must be a hazard ratio in [0.001, 1000] (got {hazard_ratio!r})",
                         field="hazard_ratio")
    events = list(look_events) if isinstance(look_events, Sequence) else None
    if (not events or len(events) < 2 or len(events) > 10
            or any(isinstance(e, bool) or not isinstance(e, int) for e in events)
            or any(b <= a for a, b in itertools.pairwise(events))
            or events[0] < 2 or events[-1] > subjects):
        raise InputError(f"must be 2 to 10 increasing event counts from 2 to the subjects "
                         f"({subjects}) (got {look_events!r})", field="look_events")
    scenario = TrialScenario.from_design(design, subjects=int(subjects), events=events[-1],
                                         hazard_ratio=hazard_ratio)
    return simulate(scenario, n_trials, seed, scenario_index=scenario_index,
                    looks=Looks(events=tuple(events), theta_h0=design.theta_h0))


def calibrate_thresholds(design: TrialDesign, look_events: Sequence[int], *,
                         target: float | None = None, model: str = "gamma",
                         control_prior: Mixture | None = None,
                         experimental_prior: Mixture | None = None,
                         log_hr_prior: Mixture | None = None, margin: float | None = None,
                         direction: str | None = None, futility: float | None = None,
                         n_trials: int = 10_000, seed: int = 1,
                         subjects: int | None = None) -> Calibration:
    """Calibrate the efficacy threshold of a Bayesian adaptive design to a type-I error.

    Simulates ``n_trials`` trials at the null hazard ratio ``design.theta_h0`` with looks at
    ``look_events`` and finds the posterior-probability threshold whose simulated type-I error
    is ``target`` (default the design's one-sided ``alpha``), with binding futility, from the
    sorted per-trial maxima of the posterior probability (no re-simulation per candidate);
    see :func:`neosim.simulator.adaptive.calibrate`.

    Parameters
    ----------
    design : TrialDesign
        A two-arm survival design with ``subjects``.
    look_events : sequence of int
        Cumulative events at each look (2 to 10 looks, the last is the final analysis).
    target : float, optional
        Target type-I error in (0, 1).
    model, control_prior, experimental_prior, log_hr_prior, margin, direction, futility
        The rule (:class:`neosim.simulator.adaptive.BayesianAdaptive`): ``"gamma"``
        (exponential hazards, gamma-mixture priors per arm) or ``"normal"`` (Cox log HR,
        normal-mixture prior); success is HR beyond ``margin`` (default ``theta_h0``) in
        ``direction`` (default the side of the design's hazard ratio); futility stops when
        the predictive probability of success is below ``futility``.
    n_trials, seed, subjects
        Simulation size (100 to 10^7), seed, subjects per trial (default the design's).

    Returns
    -------
    neosim.simulator.adaptive.Calibration
        ``threshold``, its ``threshold_mc_se`` and 95 % ``threshold_interval``, the
        ``type_i_error`` reached on the calibration trials, and the calibrated ``design``.

    Examples
    --------
    >>> import neosim as ns
    >>> d = ns.TrialDesign(hazard_ratio=0.7, control={"median_months": 12.0}, power=None,
    ...                    subjects=100, accrual_time=24.0, followup_months=12.0)
    >>> cal = ns.calibrate_thresholds(d, [28, 49, 70], target=0.025, model="normal",
    ...                               log_hr_prior=ns.Mixture("normal", [1.0], [0.0], [2.0]),
    ...                               n_trials=2000, seed=3)
    >>> cal.type_i_error, bool(0.97 < cal.threshold < 1), bool(cal.threshold_mc_se < 0.01)
    (0.025, True, True)
    >>> ns.calibrate_thresholds(d, [28, 49, 70], target=1.5)
    Traceback (most recent call last):
    ...
    neosim.errors.InputError: target: must lie in (0, 1) (got 1.5)
    """
    from neosim.simulator.adaptive import calibrate, check_probability

    if target is None:
        target = design.alpha / design.sided
    check_probability(target, "target")
    rule = _rule(design, model, control_prior, experimental_prior, log_hr_prior, margin,
                 direction, 0.975, futility)
    h0 = _tables(design, look_events, n_trials, seed, subjects, design.theta_h0, 1)
    return calibrate(rule, h0, target, seed=seed)


def bayesian_adaptive(design: TrialDesign, look_events: Sequence[int], *, model: str = "gamma",
                      control_prior: Mixture | None = None,
                      experimental_prior: Mixture | None = None,
                      log_hr_prior: Mixture | None = None, margin: float | None = None,
                      direction: str | None = None, efficacy: float = 0.975,
                      futility: float | None = None, calibrate_to: float | None = None,
                      n_trials: int = 10_000, seed: int = 1, subjects: int | None = None,
                      hazard_ratio: float | None = None) -> BayesianAdaptiveResult:
    """Simulated operating characteristics of a Bayesian adaptive design.

    At each look of ``look_events`` every simulated trial stops for efficacy when the posterior
    probability of success exceeds ``efficacy`` and, before the last look, for futility when
    the predictive probability of success at the final analysis is below ``futility``; both
    without MCMC (:mod:`neosim.simulator.adaptive`).

    Parameters
    ----------
    design, look_events, model, control_prior, experimental_prior, log_hr_prior, margin, \
direction, futility, n_trials, seed, subjects
        As in :func:`calibrate_thresholds`.
    efficacy : float
        Posterior-probability threshold in (0, 1) (replaced by the calibrated one when
        ``calibrate_to`` is given).
    calibrate_to : float, optional
        Target type-I error: calibrate the threshold first (:func:`calibrate_thresholds`).
    hazard_ratio : float, optional
        True hazard ratio of ``oc`` (default the design's).

    Returns
    -------
    BayesianAdaptiveResult
        ``oc`` and ``oc_h0`` (``success`` = power or type-I error, ``stop_efficacy`` and
        ``stop_futility`` per look, ``early_stop``, ``expected_events``,
        ``expected_subjects``, ``expected_duration`` in months, each with ``_mc_se``),
        ``calibration``, ``rule``, ``to_dict()``.

    Examples
    --------
    >>> import neosim as ns
    >>> d = ns.TrialDesign(hazard_ratio=0.7, control={"median_months": 12.0}, power=None,
    ...                    subjects=100, accrual_time=24.0, followup_months=12.0)
    >>> rate = 0.6931 / 12
    >>> r = ns.bayesian_adaptive(
    ...     d, [28, 49, 70], control_prior=ns.Mixture("gamma", [0.8, 0.2], [20.0, 1.0],
    ...                                               [20.0 / rate, 12.0]),
    ...     experimental_prior=ns.Mixture("gamma", [1.0], [0.1], [1.0]), futility=0.1,
    ...     calibrate_to=0.025, n_trials=2000, seed=3)
    >>> bool(r.oc["success"] > r.oc_h0["success"]), len(r.oc["stop_futility"])
    (True, 3)
    >>> ns.bayesian_adaptive(d, [28, 49, 70], model="normal", efficacy=1.2)
    Traceback (most recent call last):
    ...
    neosim.errors.InputError: efficacy: must lie in (0, 1) (got 1.2)
    """
    from dataclasses import replace

    rule = _rule(design, model, control_prior, experimental_prior, log_hr_prior, margin,
                 direction, efficacy, futility)
    cal = None
    if calibrate_to is not None:
        cal = calibrate_thresholds(design, look_events, target=calibrate_to, model=model,
                                   control_prior=control_prior,
                                   experimental_prior=experimental_prior,
                                   log_hr_prior=log_hr_prior, margin=rule.margin,
                                   direction=rule.direction, futility=futility,
                                   n_trials=n_trials, seed=seed, subjects=subjects)
        rule = replace(rule, efficacy=cal.threshold)
    h1 = _tables(design, look_events, n_trials, seed, subjects, hazard_ratio, 0)
    h0 = _tables(design, look_events, n_trials, seed, subjects, design.theta_h0, 2)
    return BayesianAdaptiveResult(oc=rule.operating_characteristics(h1, seed),
                                  oc_h0=rule.operating_characteristics(h0, seed),
                                  calibration=cal, rule=rule)
