"""Simulated group-sequential trials of a :class:`TrialDesign`: the sequential branch of
:func:`neosim.simulate <neosim.api.simulation.simulate>`.

The design's plan (``design.sequential``, a :class:`neosim.design.sequential.SequentialPlan`, or
the ``sequential`` keyword) gives the boundaries at the design's ``alpha``/``sided`` (and
``beta = 1 - power``, rpact's 0.2 when power is solved for); the looks are event-driven at
``ceil(rate × max events)`` cumulative events, where the maximum is ``events``, else the
design's event-driven analysis, else the expected events of the design at its planned study
duration (rounded up, the analytic ``events_ceil``). The engine analyses every trial at every
look (:mod:`neosim.simulator.sequential`) and each per-look operating characteristic is returned
with its MC SE beside the exact value of the same boundaries at the simulated hazard ratio's
drift (:func:`neosim.design.sequential.sequential_probabilities`, information rates = the looks'
event fractions, drift ``log(HR/θ₀) √(D p (1 - p))`` in the design's direction).
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from neosim.errors import InputError

#: trials x looks held at once (14 float64 arrays of this size: 2.4 GB)
MAX_TRIAL_LOOKS = 21_000_000

if TYPE_CHECKING:
    import xarray as xr

    from neosim.design.spec import TrialDesign


def design_direction(design: TrialDesign) -> str:
    """Rejection region of the design: two-sided, or the side of its hazard ratio relative to
    the null ``theta_h0`` (HR below it, or equal: benefit, the lower side)."""
    if design.sided == 2:
        return "two-sided"
    return "upper" if design.hazard_ratio > getattr(design, "theta_h0", 1.0) else "lower"


def max_events(design: TrialDesign, subjects: int, events: int | None) -> int:
    """Events at the last look (see the module docstring)."""
    if events is not None:
        return int(events)
    planned = design.analysis.events_for(int(subjects))
    if planned is not None:
        return int(planned)
    from neosim.design.survival import power

    return int(min(subjects, power(design, subjects=float(subjects)).events_ceil))


def shifted_fixed_test(design: TrialDesign, subjects: int, events: int | None):
    """``(looks, rule)`` of a fixed design with a shifted null (``theta_h0`` other than 1): one
    look at the design's analysis (``events``, its event-driven analysis, or its calendar time)
    tested at ``z_(1-alpha)`` in the design's direction."""
    from statistics import NormalDist

    from neosim.simulator.sequential import Looks, StoppingRule

    theta_h0 = float(design.theta_h0)
    planned = events if events is not None else design.analysis.events_for(int(subjects))
    if planned is not None:
        looks = Looks(events=(int(planned),), theta_h0=theta_h0)
    else:
        timing = design.analysis
        months = (timing.calendar_months if timing.calendar_months is not None
                  else float(sum(design.accrual_pieces(subjects)[0])) + design.followup_months)
        looks = Looks(times=(float(months),), theta_h0=theta_h0)
    z = NormalDist().inv_cdf(1.0 - design.alpha / design.sided)
    return looks, StoppingRule((z,), direction=design_direction(design))


def analytic_per_look(rule, looks, hazard_ratio: float, allocation: float):
    """Exact ``(rejection, futility)`` per look of ``rule`` at the drift of ``hazard_ratio``
    (event-driven looks only; ``None`` for calendar looks)."""
    if looks.events is None:
        return None
    from neosim.design.sequential import sequential_probabilities

    d_max = looks.events[-1]
    rates = [d / d_max for d in looks.events]
    drift = math.log(hazard_ratio / looks.theta_h0) * math.sqrt(
        d_max * allocation * (1.0 - allocation))
    drift = {"lower": -drift, "upper": drift, "two-sided": abs(drift)}[rule.direction]
    up, low = sequential_probabilities(rule.critical_values, rule.futility_bounds, rates, drift,
                                       sided=2 if rule.direction == "two-sided" else 1)
    if rule.direction == "two-sided":
        return [float(u + v) for u, v in zip(up, low, strict=True)], [0.0] * len(up)
    return [float(u) for u in up], [float(v) for v in low]


def simulate_sequential(design: TrialDesign, *, plan, looks, rule, statistic: str,
                        n_trials: int, seed: int, subjects: int, events: int | None,
                        hazard_ratio: float | None, keep_trials: bool, workers: int | None,
                        progress: bool) -> xr.Dataset:
    """The sequential branch of :func:`neosim.api.simulation.simulate` (arguments checked)."""
    import numpy as np
    import xarray as xr

    from neosim.progress import Progress
    from neosim.simulator import TrialScenario
    from neosim.simulator.engine import BLOCK, simulate
    from neosim.simulator.sequential import Looks, StoppingRule, sequential_oc, stop_trials

    theta_h0 = float(getattr(design, "theta_h0", 1.0))
    gsd = None
    if rule is None:
        if plan is None:
            raise InputError("give the looks' stopping rule (or a design with a sequential "
                             "plan)", field="rule")
        beta = 1.0 - design.power if design.power is not None else 0.2
        gsd = plan.boundaries(design.alpha, beta, design.sided)
        rule = StoppingRule(gsd.critical_values, gsd.futility_bounds,
                            direction=design_direction(design), statistic=statistic)
    if looks is None:
        if plan is None:
            raise InputError("give the looks (or a design with a sequential plan)", field="looks")
        looks = Looks.from_rates(plan.information_rates, max_events(design, subjects, events),
                                 theta_h0=theta_h0)
    if n_trials * looks.n_looks > MAX_TRIAL_LOOKS:
        raise InputError(f"a sequential simulation holds (trials x looks) arrays in memory: at "
                         f"most {MAX_TRIAL_LOOKS:,} trial-looks (got {n_trials:,} x "
                         f"{looks.n_looks})", field="n_trials")
    if len(rule.critical_values) != looks.n_looks:
        raise InputError(f"{len(rule.critical_values)} critical values for {looks.n_looks} "
                         "looks", field="rule")
    scenario = TrialScenario.from_design(
        design, subjects=int(subjects), hazard_ratio=hazard_ratio,
        events=looks.events[-1] if looks.events is not None else None)
    looks.check(scenario)
    with Progress(quiet=not progress) as bar:
        stats = simulate(scenario, int(n_trials), int(seed), looks=looks,
                         cox=rule.statistic == "cox", workers=workers,
                         progress=bar if progress else None,
                         description=f"Simulating {n_trials:,} sequential trials")
    oc = sequential_oc(stats, rule, looks.theta_h0)
    exact = analytic_per_look(rule, looks, scenario.hazard_ratio,
                              scenario.n_treatment / scenario.n)
    n_looks = looks.n_looks
    data: dict[str, Any] = {}
    for key in ("rejection_per_look", "futility_per_look", "look_time", "look_events",
                "look_subjects", "look_reached"):
        name = key if key.endswith("per_look") or key == "look_reached" else f"{key}_mean"
        data[name] = ("look", [v[0] for v in oc[key]])
        data[f"{name}_mc_se"] = ("look", [v[1] for v in oc[key]])
    for key in ("overall_rejection", "early_stop", "early_efficacy", "early_futility",
                "expected_events", "expected_subjects", "expected_duration"):
        data[key] = ((), oc[key][0])
        data[f"{key}_mc_se"] = ((), oc[key][1])
    data["power"], data["power_mc_se"] = data["overall_rejection"], data["overall_rejection_mc_se"]
    data["critical_values"] = ("look", list(rule.critical_values))
    data["futility_bounds"] = ("look", [*rule.futility_bounds, math.nan]
                               if rule.futility_bounds is not None else [math.nan] * n_looks)
    if exact is not None:
        data["rejection_per_look_analytic"] = ("look", exact[0])
        data["futility_per_look_analytic"] = ("look", exact[1])
        data["overall_rejection_analytic"] = ((), float(sum(exact[0])))
    if keep_trials:
        look, reason = stop_trials(stats, rule, looks.theta_h0)
        data.update({k: (("trial", "look"), v) if v.ndim == 2 else ("trial", v)
                     for k, v in stats.items()})
        data["stop_look"] = ("trial", look)
        data["stop_reason"] = ("trial", reason)
    ds = xr.Dataset(data, coords={"look": np.arange(1, n_looks + 1)})
    ds["overall_rejection"].attrs["long_name"] = ("probability of rejecting H0 at some look "
                                                  "(power, or type-I error under H0)")
    ds["expected_duration"].attrs["units"] = "months"
    ds.attrs.update({
        "n_trials": int(n_trials), "seed": int(seed), "subjects": int(subjects),
        "sequential": 1, "statistic": rule.statistic, "direction": rule.direction,
        "theta_h0": looks.theta_h0, "hazard_ratio": scenario.hazard_ratio, "block_size": BLOCK,
        "look_events": json.dumps(list(looks.events) if looks.events is not None else None),
        "look_times": json.dumps(list(looks.times) if looks.times is not None else None),
        "boundaries": json.dumps(gsd.to_dict() if gsd is not None else None),
        "design": json.dumps(design.model_dump(mode="json"))})
    return ds
