"""Analytic trial design: sample size, power and consortium accrual of a :class:`TrialDesign`.

Thin over :mod:`neosim.design.survival` (Schoenfeld, Freedman, Lachin–Foulkes),
:mod:`neosim.design.binary` (two proportions) and the ``accrual`` experiment kind. Light: the
survival calculations use the standard library only.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neosim.design.spec import TrialDesign
from neosim.errors import InputError

if TYPE_CHECKING:
    from neosim.design.binary import SingleArmDesign, TwoArmDesign
    from neosim.design.survival import SurvivalResult
    from neosim.design.survival_sequential import SequentialSurvivalResult

SURVIVAL_METHODS = ("schoenfeld", "freedman", "lachin-foulkes")
BINARY_METHODS = ("normal", "fisher", "barnard")

__all__ = ["EventPower", "TrialDesign", "accrual", "power", "sample_size"]


@dataclass(frozen=True)
class EventPower:
    """Power of a survival comparison at a fixed number of events (no accrual model needed).

    Attributes
    ----------
    method : str
        ``"schoenfeld"`` or ``"freedman"``.
    events : float
        Number of events at the analysis.
    power : float
        Power of the log-rank test at that number of events.
    hazard_ratio, alpha, sided, allocation_ratio, theta_h0
        The design's values.
    """

    method: str
    events: float
    power: float
    hazard_ratio: float
    alpha: float
    sided: int
    allocation_ratio: float
    theta_h0: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)

    def __repr__(self) -> str:
        return (f"EventPower({self.method}: power {self.power:.4f} at {self.events:g} events, "
                f"HR {self.hazard_ratio:g}, alpha {self.alpha:g} {self.sided}-sided, "
                f"allocation {self.allocation_ratio:g})")


def _check(design: Any, methods: tuple[str, ...], method: str) -> None:
    if not isinstance(design, TrialDesign):
        raise InputError(f"expected a neosim.TrialDesign (got {type(design).__name__})",
                         field="design")
    if method not in methods:
        raise InputError(f"unknown method {method!r} for a {design.endpoint} endpoint (known: "
                         f"{', '.join(methods)})", field="method")


def _sequential_survival(design: TrialDesign) -> bool:
    """Whether ``design`` has looks; looks are analysed for survival designs only."""
    if design.sequential is None:
        return False
    if design.endpoint != "survival":
        raise InputError("interim looks (sequential) are analysed for survival designs only",
                         field="sequential")
    return True


def sample_size(design: TrialDesign, method: str | None = None
                ) -> SurvivalResult | SequentialSurvivalResult | TwoArmDesign | SingleArmDesign:
    """Sample size of ``design`` for its target power.

    Parameters
    ----------
    design : TrialDesign
        A survival design (events and subjects with the accrual and follow-up given; accrual
        intensities are relative) or a binary one (two proportions).
    method : str, optional
        Survival: ``"schoenfeld"`` (default), ``"freedman"`` or ``"lachin-foulkes"``.
        Binary, two groups: ``"normal"`` (default), ``"fisher"`` or ``"barnard"`` (exact
        tests); one group (``groups = 1``, against the historical ``control_proportion``):
        ``"exact"`` (the exact binomial test at level ``alpha / sided``).

    Returns
    -------
    SurvivalResult, SequentialSurvivalResult or TwoArmDesign
        Frozen result with unrounded and rounded-up sizes and ``to_dict()``. With interim
        looks (``design.sequential``): the maximum events and subjects, the events, calendar
        time and subjects of each look, expected events under H0, H01 and H1, and the
        boundaries (rpact ``getSampleSizeSurvival(design = ...)``).

    Examples
    --------
    >>> import neosim as ns
    >>> d = ns.TrialDesign(hazard_ratio=0.5, control={"median_months": 12.0},
    ...                    accrual_time=12.0, followup_months=12.0, power=0.8)
    >>> r = ns.sample_size(d)
    >>> r.events_ceil, r.subjects_ceil
    (66, 126)
    >>> r
    SurvivalResult(schoenfeld: 66 events (65.35), 126 subjects (125.45; 63 + 63), power 0.8000, HR 0.5, alpha 0.025 1-sided, study 24 months)
    >>> b = ns.TrialDesign(endpoint="binary", control_proportion=0.3,
    ...                    experimental_proportion=0.5)
    >>> ns.sample_size(b).subjects_ceil
    186
    >>> one = ns.TrialDesign(endpoint="binary", groups=1, control_proportion=0.2,
    ...                      experimental_proportion=0.45, alpha=0.05)
    >>> r = ns.sample_size(one)
    >>> r.n, r.critical
    (21, 8)
    >>> s = ns.TrialDesign(hazard_ratio=0.5, control={"median_months": 12.0},
    ...                    accrual_time=12.0, followup_months=12.0, power=0.8,
    ...                    sequential={"information_rates": [0.5, 1.0], "spending": "obf"})
    >>> r = ns.sample_size(s)
    >>> round(r.max_events, 2), round(r.max_subjects, 2), [round(t, 2) for t in r.analysis_times]
    (65.59, 125.92, [13.36, 24.0])
    """  # noqa: E501
    if isinstance(design, TrialDesign) and _sequential_survival(design):
        method = method or "schoenfeld"
        _check(design, SURVIVAL_METHODS, method)
        from neosim.design import survival_sequential

        return survival_sequential.sample_size(design, method)
    if getattr(design, "endpoint", None) == "binary":
        from neosim.design import binary

        if design.groups == 1:  # one arm against the historical control_proportion
            method = method or "exact"
            _check(design, ("exact",), method)
            return binary.single_arm_exact(design.control_proportion,
                                           design.experimental_proportion,
                                           design.alpha / design.sided, design.power)
        method = method or "normal"
        _check(design, BINARY_METHODS, method)

        args = (design.experimental_proportion, design.control_proportion, design.alpha,
                design.power)
        kw = {"sided": design.sided, "allocation_ratio": design.allocation_ratio}
        if method == "normal":
            return binary.two_arm_normal(*args, **kw)
        return binary.two_arm_exact(*args, **kw, test=method)  # type: ignore[arg-type]
    method = method or "schoenfeld"
    _check(design, SURVIVAL_METHODS, method)
    from neosim.design import survival

    return survival.sample_size(design, method)  # type: ignore[arg-type]


def power(design: TrialDesign, *, subjects: float | None = None, events: float | None = None,
          method: str = "schoenfeld"
          ) -> SurvivalResult | EventPower | SequentialSurvivalResult:
    """Power of a survival design for a number of subjects, or at a number of events.

    Parameters
    ----------
    design : TrialDesign
        A survival design.
    subjects : float, optional
        Total subjects (default ``design.subjects``); the event probability comes from the
        design's accrual, follow-up, dropout and control survival.
    events : float, optional
        Events at the analysis instead (``"schoenfeld"`` or ``"freedman"``): no accrual model.
        With interim looks: the maximum events (rpact ``maxNumberOfEvents``), with or without
        subjects.
    method : str
        ``"schoenfeld"`` (default), ``"freedman"`` or ``"lachin-foulkes"`` (subjects only).

    Returns
    -------
    SurvivalResult, EventPower or SequentialSurvivalResult
        Frozen result with ``to_dict()``; with interim looks (``design.sequential``) overall and
        per-look rejection and futility probabilities, look times and expected events (rpact
        ``getPowerSurvival(design = ...)``).

    Examples
    --------
    >>> import neosim as ns
    >>> d = ns.TrialDesign(hazard_ratio=0.7, control={"median_months": 12.0}, power=None,
    ...                    subjects=300, accrual_time=24.0, followup_months=12.0)
    >>> round(ns.power(d).power, 4)
    0.7137
    >>> ns.power(d, events=150)
    EventPower(schoenfeld: power 0.5887 at 150 events, HR 0.7, alpha 0.025 1-sided, allocation 1)
    """
    _check(design, SURVIVAL_METHODS, method)
    if design.endpoint != "survival":
        raise InputError("power is computed for survival designs", field="design.endpoint")
    if events is not None and not (isinstance(events, int | float) and math.isfinite(events)
                                   and 1 <= events <= 1e7):
        raise InputError(f"must be a number of events in [1, 1e7] (got {events!r})",
                         field="events")
    if subjects is not None and not (isinstance(subjects, int | float)
                                     and math.isfinite(subjects) and 2 <= subjects <= 1e7):
        raise InputError(f"must be a number of subjects in [2, 1e7] (got {subjects!r})",
                         field="subjects")
    if _sequential_survival(design):
        from neosim.design import survival_sequential

        return survival_sequential.power(design, method, subjects, events)
    from neosim.design import survival

    if events is not None:
        if subjects is not None:
            raise InputError("give subjects or events, not both", field="events")
        if method == "lachin-foulkes":
            raise InputError("power at a number of events uses schoenfeld or freedman",
                             field="method")
        pw = survival.power_for_events(events, design.hazard_ratio, design.alpha,
                                       sided=design.sided,
                                       allocation_ratio=design.allocation_ratio, method=method,
                                       theta_h0=design.theta_h0)
        return EventPower(method, float(events), pw, design.hazard_ratio, design.alpha,
                          design.sided, design.allocation_ratio, design.theta_h0)
    return survival.power(design, method, subjects)  # type: ignore[arg-type]


def accrual(experiment: str | Path, *, seed: int | None = None,
            mc_se: float | None = None) -> dict[str, Any]:
    """Consortium accrual projection of an ``accrual`` experiment file (writes nothing).

    The same numbers as ``neosim accrual EXPERIMENT --json``: time to enrol each target number of
    patients and patients enrolled by each date (means and quantiles ``q0025`` … ``q0975``,
    mixed over the incidence's uncertainty), and the sample-size/accrual-duration trade-off.

    Parameters
    ----------
    experiment : str or Path
        A TOML experiment of kind ``accrual`` (sites, incidence, recruitment targets).
    seed : int, optional
        Overrides ``experiment.seed`` (the incidence draws).
    mc_se : float, optional
        Target Monte-Carlo standard error of the probabilities (overrides
        ``incidence.mc_se_target``): incidence draws are raised until the largest is below it.

    Returns
    -------
    dict
        ``incidence`` (a label), ``time_to_n``, ``count_by_date`` and ``tradeoff`` (lists of
        records, each probability with its Monte-Carlo SE), and ``monte_carlo`` (draws used,
        largest MC SE, target).

    Examples
    --------
    >>> import neosim as ns
    >>> p = ns.accrual("experiments/consortium_accrual.toml")
    >>> sorted(p)
    ['count_by_date', 'incidence', 'monte_carlo', 'time_to_n', 'tradeoff']
    >>> row = p["time_to_n"][0]
    >>> row["q0025"] < row["q0500"] < row["q0975"]
    True
    """
    from neosim.experiments.accrual import project

    return project(experiment, seed=seed, mc_se=mc_se)["json"]
