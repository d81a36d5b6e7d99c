"""Simulated operating characteristics of a :class:`TrialDesign`, as an ``xarray.Dataset``.

Thin over :mod:`neosim.simulator`: the design becomes a
:class:`~neosim.simulator.TrialScenario` (:meth:`~neosim.simulator.TrialScenario.from_design`), the
vectorised engine draws the trials (:func:`neosim.simulator.oc.simulate_trials`, seeded blocks of
1024 trials, bit-identical for any number of threads) and :func:`neosim.simulator.oc.power_summary`
gives every number its Monte-Carlo standard error: the numbers of ``neosim power --simulate``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from neosim.design.spec import TrialDesign
from neosim.errors import InputError
from neosim.simulator import analyses

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["analyses", "simulate"]

MAX_TRIALS = 10_000_000
MAX_SUBJECTS = 10_000


def simulate(design: TrialDesign, analyses: Sequence[Any] | None = None, *,
             n_trials: int = 10_000, seed: int = 1, subjects: int | None = None,
             events: int | None = None, hazard_ratio: float | None = None,
             keep_trials: bool = False, workers: int | None = None,
             progress: bool = False, sequential: Any = None, looks: Any = None,
             rule: Any = None, statistic: str = "logrank") -> xr.Dataset:
    """Simulate ``n_trials`` trials of a survival design and summarise each analysis.

    A design with a sequential plan (``design.sequential``, or the ``sequential`` keyword), or
    explicit ``looks`` and ``rule``, is simulated as a group-sequential trial: see
    :mod:`neosim.api.sequential_simulation` and the sequential parameters below. So is a fixed
    design with a shifted null (``theta_h0`` other than 1, default analysis): one look, rpact's
    shifted log-rank statistic.

    Parameters
    ----------
    design : TrialDesign
        The design: groups, allocation, control survival (any family; a control given by a
        prior file is read by the ``trial_simulation`` kind, not here), hazard ratio, accrual
        (relative intensities scaled to ``subjects``), dropout per arm, and the analysis timing
        of ``design.analysis`` (by default at the end of accrual plus follow-up).
    analyses : sequence, optional
        Decision rules from :mod:`neosim.analyses <neosim.simulator.analyses>` (``LogRank``,
        ``CoxWald``, ``BayesHazardRatio``, ``BayesLogHR``, ``BayesLandmark``); default the
        log-rank test at the design's ``alpha`` in the design's direction: two-sided when
        ``sided = 2`` (``alpha / 2`` per tail), else on the side of the design's hazard ratio
        (HR > 1: the upper side; HR <= 1: benefit, the lower side), whatever true
        ``hazard_ratio`` is simulated.
    n_trials : int
        Trials to simulate (1 to 10^7).
    seed : int
        Seed; trials come in blocks keyed ``SeedSequence(seed, (0, block))``.
    subjects : int, optional
        Subjects per trial (default ``design.subjects`` rounded up; at most 10,000).
    events : int, optional
        Event-driven analysis at this many events (overrides ``design.analysis``).
    hazard_ratio : float, optional
        True hazard ratio when it differs from the design's (e.g. ``1.0`` for the type-I error).
    keep_trials : bool
        Also return the per-trial statistics (dimension ``trial``).
    workers : int, optional
        Threads (default: every core); the numbers do not depend on it.
    progress : bool
        Show a progress bar over the trials on stderr.
    sequential : neosim.design.sequential.SequentialPlan, optional
        Simulate this group-sequential plan (overrides ``design.sequential``).
    looks : neosim.simulator.sequential.Looks, optional
        Explicit looks (cumulative events or calendar months, and ``theta_h0``) instead of the
        plan's information rates.
    rule : neosim.simulator.sequential.StoppingRule, optional
        Explicit z-scale critical values and futility bounds instead of the plan's boundaries.
    statistic : str
        Sequential test statistic, ``"logrank"`` (rpact's) or ``"cox"`` (Wald).

    Returns
    -------
    xarray.Dataset
        ``power`` and ``power_mc_se`` (dimension ``analysis``); ``events_mean``,
        ``events_mc_se``, ``duration_mean``, ``duration_mc_se`` (months) and ``reached``,
        ``reached_mc_se`` (share of trials whose analysis was reached); with ``keep_trials``
        also ``events``, ``duration``, ``logrank_z`` … per trial. Attributes: ``n_trials``,
        ``seed``, ``subjects``, ``block_size`` and the design as JSON (``design``).
        Sequential: dimension ``look``; ``rejection_per_look``, ``futility_per_look`` (share
        of trials stopping there for that reason), ``look_time_mean``, ``look_events_mean``,
        ``look_subjects_mean``, ``look_reached`` per look; ``overall_rejection`` (also as
        ``power``), ``early_stop``, ``early_efficacy``, ``early_futility``,
        ``expected_events``, ``expected_subjects``, ``expected_duration``; each with
        ``_mc_se``; the analytic values (the exact recursion at Schoenfeld's drift, a normal
        approximation) ``rejection_per_look_analytic``, ``futility_per_look_analytic``,
        ``overall_rejection_analytic``; ``critical_values``, ``futility_bounds``; with
        ``keep_trials`` the per-look statistics (``trial``, ``look``) and ``stop_look``,
        ``stop_reason`` (1 efficacy, 2 futility, 0 neither).

    Examples
    --------
    >>> import neosim as ns
    >>> d = ns.TrialDesign(hazard_ratio=0.6, control={"median_months": 12.0}, power=None,
    ...                    subjects=200, accrual_time=12.0, followup_months=12.0)
    >>> ds = ns.simulate(d, n_trials=2000, seed=3)
    >>> ds["power"].sel(analysis="logrank").item()
    0.762
    >>> round(ds["power_mc_se"].sel(analysis="logrank").item(), 4)
    0.0095
    >>> null = ns.simulate(d, [ns.analyses.LogRank(0.025)], n_trials=2000, seed=3,
    ...                    hazard_ratio=1.0)
    >>> bool(null["power"].item() < 0.05)
    True

    A group-sequential design (an interim look at half the events, O'Brien-Fleming-type
    spending): rejection per look with the exact values beside.

    >>> gs = ns.TrialDesign(hazard_ratio=0.6, control={"median_months": 12.0}, power=None,
    ...                     subjects=200, accrual_time=12.0, followup_months=12.0,
    ...                     sequential={"information_rates": [0.5, 1.0]})
    >>> seq = ns.simulate(gs, n_trials=2000, seed=3)
    >>> seq.attrs["look_events"]
    '[55, 110]'
    >>> seq["rejection_per_look"].values.round(3).tolist()
    [0.13, 0.629]
    >>> seq["rejection_per_look_analytic"].values.round(3).tolist()
    [0.143, 0.62]
    """
    import numpy as np
    import xarray as xr

    from neosim.simulator import TrialScenario
    from neosim.simulator.engine import BLOCK
    from neosim.simulator.oc import power_summary, simulate_trials

    if not isinstance(design, TrialDesign):
        raise InputError(f"expected a neosim.TrialDesign (got {type(design).__name__})",
                         field="design")
    if design.endpoint != "survival":
        raise InputError("the simulator runs survival designs", field="design.endpoint")
    _check_int(n_trials, "n_trials", 1, MAX_TRIALS)
    _check_int(seed, "seed", 0, 2**63 - 1)
    if subjects is None:
        if design.subjects is None:
            raise InputError("give subjects (or a design with subjects)", field="subjects")
        subjects = math.ceil(design.subjects)
    _check_int(subjects, "subjects", 2, MAX_SUBJECTS)
    plan = sequential if sequential is not None else getattr(design, "sequential", None)
    if (plan is None and looks is None and rule is None
            and getattr(design, "theta_h0", 1.0) != 1.0):
        if analyses is not None:
            raise InputError("a shifted null (theta_h0) is simulated with the default log-rank "
                             "test only; give no analyses", field="analyses")
        # the fixed test of a shifted null is the one-look sequential test (rpact's statistic)
        from neosim.api.sequential_simulation import shifted_fixed_test

        looks, rule = shifted_fixed_test(design, int(subjects), events)
    if plan is not None or looks is not None or rule is not None:
        if analyses is not None:
            raise InputError("a sequential simulation applies its stopping rule; give no "
                             "analyses", field="analyses")
        if statistic not in ("logrank", "cox"):
            raise InputError(f"must be 'logrank' or 'cox' (got {statistic!r})",
                             field="statistic")
        from neosim.api.sequential_simulation import simulate_sequential

        return simulate_sequential(design, plan=plan, looks=looks, rule=rule,
                                   statistic=statistic, n_trials=n_trials, seed=seed,
                                   subjects=int(subjects), events=events,
                                   hazard_ratio=hazard_ratio, keep_trials=keep_trials,
                                   workers=workers, progress=progress)
    if analyses is None:
        from neosim.simulator.analyses import LogRank, direction_of

        analyses = [LogRank(design.alpha,
                            direction=direction_of(design.hazard_ratio, design.sided))]
    analyses = list(analyses)
    if not analyses:
        raise InputError("give at least one analysis", field="analyses")
    scenario = TrialScenario.from_design(design, subjects=int(subjects), events=events,
                                         hazard_ratio=hazard_ratio)
    from neosim.progress import Progress

    with Progress(quiet=not progress) as bar:
        stats = simulate_trials(scenario, analyses, int(n_trials), int(seed), workers=workers,
                                progress=bar if progress else None,
                                description=f"Simulating {n_trials:,} trials")
    oc = power_summary(stats, analyses, scenario, seed=int(seed), seconds=float("nan"))
    names = [a.name for a in analyses]
    data: dict[str, Any] = {
        "power": ("analysis", [oc["power"][k]["value"] for k in names]),
        "power_mc_se": ("analysis", [oc["power"][k]["mc_se"] for k in names]),
    }
    for key, name in (("events", "events"), ("duration", "duration"), ("reached", "reached")):
        data[f"{name}_mean" if key != "reached" else name] = ((), oc[key][0])
        data[f"{name}_mc_se"] = ((), oc[key][1])
    if keep_trials:
        data.update({k: ("trial", np.asarray(v)) for k, v in stats.items()})
        data["success"] = (("analysis", "trial"), np.stack([a.success(stats) for a in analyses]))
    ds = xr.Dataset(data, coords={"analysis": names})
    ds["power"].attrs["long_name"] = "probability of success (power, or type-I error under HR 1)"
    ds["duration_mean"].attrs["units"] = "months"
    ds.attrs.update({"n_trials": int(n_trials), "seed": int(seed), "subjects": int(subjects),
                     "events_target": -1 if events is None else int(events),
                     "hazard_ratio": scenario.hazard_ratio, "block_size": BLOCK,
                     "directions": json.dumps({a.name: getattr(a, "direction", "lower")
                                               for a in analyses}),
                     "design": json.dumps(design.model_dump(mode="json"))})
    return ds


def _check_int(value: Any, field: str, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InputError(f"must be an integer in [{lo:,}, {hi:,}] (got {value!r})", field=field)
