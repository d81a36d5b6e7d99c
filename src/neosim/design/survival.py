"""Analytic sample size and power for a two-arm survival comparison (log-rank / Cox).

Three methods, all for a fixed design with one analysis:

``schoenfeld``
    Required events ``D = (z_a + z_b)^2 (1 + r)^2 / (r log(HR)^2)`` (Schoenfeld 1981; rpact's
    default ``typeOfComputation = "Schoenfeld"``, gsDesign ``nEvents``), subjects ``D / P(event)``.
``freedman``
    ``D = (z_a + z_b)^2 (1 + r HR)^2 / (r (1 - HR)^2)`` (Freedman 1982; rpact's ``"Freedman"``).
``lachin-foulkes``
    Subjects from the null and alternative variances of the log hazard ratio estimated from the
    expected events per arm, the null hazard being the allocation-weighted average hazard
    (Lachin & Foulkes 1986; gsDesign ``nSurv``'s default method).

``r`` is the allocation ratio experimental:control, ``z_a = z(1 - alpha / sided)`` and
``z_b = z(power)``. A shifted null ``theta_h0`` (rpact ``thetaH0``, gsDesign ``hr0``; one-sided)
replaces ``log(HR)`` by ``log(HR / theta_h0)`` (Schoenfeld, as rpact; Lachin–Foulkes, as gsDesign,
whose null hazards are then ``(1 + r HR) / (1 + r theta_h0)`` times the control's, and
``theta_h0`` times that in the experimental arm); Freedman is for ``theta_h0 = 1`` only (rpact
and gsDesign refuse it too). The probability that a subject's event is observed by the analysis
is exact (closed form) under piecewise-uniform accrual, piecewise-exponential survival and
exponential dropout as a competing risk. Unrounded values and values rounded up per arm are both
reported.

Only the standard library is used (``statistics.NormalDist``), so the command line stays fast.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import Literal

from neosim.design.spec import TrialDesign
from neosim.errors import InputError

Method = Literal["schoenfeld", "freedman", "lachin-foulkes"]
METHODS: tuple[str, ...] = ("schoenfeld", "freedman", "lachin-foulkes")
_N = NormalDist()


def z_alpha(alpha: float, sided: int) -> float:
    """Critical value ``z(1 - alpha / sided)``."""
    return _N.inv_cdf(1.0 - alpha / sided)


def ceil_count(x: float) -> int:
    """Round a count up, ignoring floating-point dust just above an integer."""
    return math.ceil(x - 1e-9 * max(1.0, abs(x)))


def arms_in_ratio(subjects: float, allocation_ratio: float) -> tuple[int, int]:
    """Whole arm sizes ``(experimental, control)`` in exactly the allocation ratio, enrolling at
    least ``subjects``: the smallest number of whole randomisation blocks (a ratio of 2 is blocks
    of 2 + 1; 1.5 of 3 + 2). Rounding each arm up instead breaks the ratio (1:2 gave 285 + 569).
    A ratio that is no fraction with a denominator up to 100 rounds each arm up."""
    from fractions import Fraction

    ratio = Fraction(allocation_ratio).limit_denominator(100)
    e, c = ratio.numerator, ratio.denominator
    if abs(e / c - allocation_ratio) > 1e-9 * allocation_ratio:
        q = allocation_ratio / (1.0 + allocation_ratio)
        return ceil_count(subjects * q), ceil_count(subjects * (1.0 - q))
    blocks = ceil_count(subjects / (e + c))
    return blocks * e, blocks * c


# -- events ----------------------------------------------------------------------------------


def _check_null(theta_h0: float, method: str) -> None:
    if theta_h0 != 1.0 and method == "freedman":
        raise InputError("freedman tests theta_h0 = 1 only (as rpact): use schoenfeld or "
                         "lachin-foulkes for a shifted null", field="theta_h0")


def required_events(hazard_ratio: float, alpha: float, power: float, *, sided: int = 1,
                    allocation_ratio: float = 1.0, method: Method = "schoenfeld",
                    theta_h0: float = 1.0) -> float:
    """Unrounded number of events for ``power`` at two-sided/one-sided level ``alpha``.

    Only the event-driven methods (Schoenfeld, Freedman) have a number of events that does not
    depend on accrual and follow-up; Lachin–Foulkes events come from :func:`sample_size`.
    """
    _check_null(theta_h0, method)
    z = z_alpha(alpha, sided) + _N.inv_cdf(power)
    r = allocation_ratio
    if method == "schoenfeld":
        return z * z * (1.0 + r) ** 2 / (r * math.log(hazard_ratio / theta_h0) ** 2)
    if method == "freedman":
        return z * z * (1.0 + r * hazard_ratio) ** 2 / (r * (1.0 - hazard_ratio) ** 2)
    raise ValueError(f"required_events has no closed form for method {method!r}")


def power_for_events(events: float, hazard_ratio: float, alpha: float, *, sided: int = 1,
                     allocation_ratio: float = 1.0, method: Method = "schoenfeld",
                     theta_h0: float = 1.0) -> float:
    """Power of the log-rank test with ``events`` events (both tails counted when two-sided)."""
    return _two_tail_power(abs(drift_per_event(hazard_ratio, allocation_ratio, method, theta_h0))
                           * math.sqrt(events), 1.0, alpha, sided)


def drift_per_event(hazard_ratio: float, allocation_ratio: float, method: str,
                    theta_h0: float = 1.0) -> float:
    """rpact's ``theta`` of ``getPowerSurvival``: the mean of the log-rank z statistic per
    square root of an event (negative when the hazard ratio is below ``theta_h0``)."""
    _check_null(theta_h0, method)
    r = allocation_ratio
    if method == "schoenfeld":
        return math.sqrt(r) / (1.0 + r) * math.log(hazard_ratio / theta_h0)
    if method == "freedman":
        return math.sqrt(r) * (hazard_ratio - 1.0) / (1.0 + r * hazard_ratio)
    raise ValueError(f"no drift per event for method {method!r}")


def _two_tail_power(drift: float, null_sd: float, alpha: float, sided: int,
                    alt_sd: float = 1.0) -> float:
    za = z_alpha(alpha, sided) * null_sd
    p = _N.cdf((drift - za) / alt_sd)
    if sided == 2:
        p += _N.cdf((-drift - za) / alt_sd)
    return p


# -- probability of an observed event -------------------------------------------------------


def _incidence_and_integral(starts, hazards, dropout: float, t: float) -> tuple[float, float]:
    """Cumulative incidence ``F(t)`` of the event (dropout competing) and ``G(t) = ∫_0^t F``."""
    f = g = 0.0
    surv = 1.0
    n = len(starts)
    for j in range(n):
        s = starts[j]
        if t <= s:
            break
        end = starts[j + 1] if j + 1 < n else math.inf
        dt = min(t, end) - s
        k = hazards[j] + dropout
        if k > 0.0:
            one_minus_e = -math.expm1(-k * dt)
            frac = hazards[j] / k
            g += f * dt + surv * frac * (dt - one_minus_e / k)
            f += surv * frac * one_minus_e
            surv *= 1.0 - one_minus_e
        else:
            g += f * dt
    return f, g


def event_probability(starts, hazards, dropout: float, accrual_months, accrual_intensity,
                      analysis_time: float) -> float:
    """Probability that a subject's event is observed by ``analysis_time``.

    Entry is piecewise uniform (piece ``k`` lasts ``accrual_months[k]`` with relative intensity
    ``accrual_intensity[k]``), survival is piecewise exponential (``hazards`` from ``starts``),
    dropout is exponential with hazard ``dropout``; all per month. Exact, no quadrature.
    """
    weights = [a * d for a, d in zip(accrual_intensity, accrual_months, strict=True)]
    total = sum(weights)
    out = 0.0
    entry = 0.0
    for w, d in zip(weights, accrual_months, strict=True):
        if w > 0.0:
            hi = _incidence_and_integral(starts, hazards, dropout, max(analysis_time - entry, 0.0))
            lo = _incidence_and_integral(starts, hazards, dropout,
                                         max(analysis_time - entry - d, 0.0))
            out += w / total * (hi[1] - lo[1]) / d
        entry += d
    return out


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurvivalResult:
    """Sample size / power of a survival design: unrounded and rounded-up values side by side.

    ``subjects_per_arm`` and ``subjects_per_arm_ceil`` are ``(experimental, control)``;
    ``power_ceil`` is the power attained by the rounded-up design (same duration).
    """

    method: str
    events: float
    subjects: float
    subjects_per_arm: tuple[float, float]
    events_ceil: int
    subjects_ceil: int
    subjects_per_arm_ceil: tuple[int, int]
    power: float
    power_ceil: float
    alpha: float
    sided: int
    hazard_ratio: float
    theta_h0: float
    allocation_ratio: float
    accrual_duration_months: float
    followup_months: float
    study_duration_months: float
    event_probability: float
    event_probability_per_arm: tuple[float, float]

    def to_dict(self) -> dict:
        """Plain JSON-ready dict (tuples as lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def __repr__(self) -> str:
        e, c = self.subjects_per_arm_ceil
        return (f"SurvivalResult({self.method}: {self.events_ceil} events ({self.events:.2f}), "
                f"{self.subjects_ceil} subjects ({self.subjects:.2f}; {e} + {c}), "
                f"power {self.power:.4f}, HR {self.hazard_ratio:g}, alpha {self.alpha:g} "
                f"{self.sided}-sided, study {self.study_duration_months:g} months)")


def _arm_probabilities(design: TrialDesign, accrual_months, intensity, followup: float,
                       hazard_scale: tuple[float, float] | None = None) -> tuple[float, float]:
    """Event probabilities ``(experimental, control)`` at the end of accrual plus ``followup``;
    ``hazard_scale`` overrides arm hazards as multiples of the control hazard (used for the
    Lachin–Foulkes null)."""
    return arm_event_probabilities(design, accrual_months, intensity,
                                   sum(accrual_months) + followup, hazard_scale)


def arm_event_probabilities(design: TrialDesign, accrual_months, intensity, t: float,
                            hazard_scale: tuple[float, float] | None = None
                            ) -> tuple[float, float]:
    """Probabilities ``(experimental, control)`` that a subject of the trial has entered and had
    an observed event by calendar time ``t`` (any ``t``, also before the end of accrual)."""
    starts, control = design.control.pieces()
    eta_e, eta_c = design.dropout.hazards()
    scale = hazard_scale or (design.hazard_ratio, 1.0)
    pe = event_probability(starts, [scale[0] * h for h in control], eta_e, accrual_months,
                           intensity, t)
    pc = event_probability(starts, [scale[1] * h for h in control], eta_c, accrual_months,
                           intensity, t)
    return pe, pc


def _lf_variances(design: TrialDesign, accrual_months, intensity, followup: float):
    """Per-subject variances of log(HR) under H0 and H1 (Lachin–Foulkes)."""
    r = design.allocation_ratio
    qe = design.experimental_fraction
    qc = 1.0 - qe
    pe1, pc1 = _arm_probabilities(design, accrual_months, intensity, followup)
    h0 = (1.0 + design.hazard_ratio * r) / (1.0 + design.theta_h0 * r)  # gsDesign's lambdaC0
    pe0, pc0 = _arm_probabilities(design, accrual_months, intensity, followup,
                                  (h0 * design.theta_h0, h0))
    v1 = 1.0 / (qe * pe1) + 1.0 / (qc * pc1)
    v0 = 1.0 / (qe * pe0) + 1.0 / (qc * pc0)
    return v0, v1, (pe1, pc1)


def _power_for_subjects(design: TrialDesign, method: str, subjects: float, accrual_months,
                        intensity, followup: float) -> tuple[float, float, tuple[float, float]]:
    """``(power, expected events, arm probabilities)`` for ``subjects`` in total."""
    qe = design.experimental_fraction
    if method == "lachin-foulkes":
        v0, v1, probs = _lf_variances(design, accrual_months, intensity, followup)
        drift = abs(math.log(design.hazard_ratio / design.theta_h0)) * math.sqrt(subjects)
        pw = _two_tail_power(drift, math.sqrt(v0), design.alpha, design.sided, math.sqrt(v1))
    else:
        probs = _arm_probabilities(design, accrual_months, intensity, followup)
        events = subjects * (qe * probs[0] + (1.0 - qe) * probs[1])
        pw = power_for_events(events, design.hazard_ratio, design.alpha, sided=design.sided,
                              allocation_ratio=design.allocation_ratio, method=method,
                              theta_h0=design.theta_h0)
    events = subjects * (qe * probs[0] + (1.0 - qe) * probs[1])
    return pw, events, probs


def _result(design: TrialDesign, method: str, subjects: float, events: float, power: float,
            accrual_months, intensity, followup: float, probs) -> SurvivalResult:
    qe = design.experimental_fraction
    per_arm = (subjects * qe, subjects * (1.0 - qe))
    per_arm_ceil = arms_in_ratio(subjects, design.allocation_ratio)
    n_ceil = per_arm_ceil[0] + per_arm_ceil[1]
    events_ceil = ceil_count(events)
    if method == "lachin-foulkes":
        power_ceil = _power_for_subjects(design, method, n_ceil, accrual_months, intensity,
                                         followup)[0]
    else:
        power_ceil = power_for_events(events_ceil, design.hazard_ratio, design.alpha,
                                      sided=design.sided, allocation_ratio=design.allocation_ratio,
                                      method=method, theta_h0=design.theta_h0)
    p_all = qe * probs[0] + (1.0 - qe) * probs[1]
    accrual = float(sum(accrual_months))
    return SurvivalResult(
        method=method, events=events, subjects=subjects, subjects_per_arm=per_arm,
        events_ceil=events_ceil, subjects_ceil=n_ceil, subjects_per_arm_ceil=per_arm_ceil,
        power=power, power_ceil=power_ceil, alpha=design.alpha, sided=design.sided,
        hazard_ratio=design.hazard_ratio, theta_h0=design.theta_h0,
        allocation_ratio=design.allocation_ratio, accrual_duration_months=accrual,
        followup_months=followup, study_duration_months=accrual + followup, event_probability=p_all,
        event_probability_per_arm=(probs[0], probs[1]),
    )


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise InputError(f"unknown method {method!r} (known: {', '.join(METHODS)})",
                         field="method")


# -- public calculations ---------------------------------------------------------------------


def sample_size(design: TrialDesign, method: Method = "schoenfeld") -> SurvivalResult:
    """Events and subjects for ``design.power`` with the accrual durations and follow-up given.

    The accrual intensities are taken as relative; the subjects solved for fix their scale.
    """
    _check_method(method)
    if design.power is None:
        raise InputError("power is required to solve for the sample size", field="power")
    if design.hazard_ratio == design.theta_h0:
        raise InputError(f"no sample size detects a hazard ratio of {design.theta_h0:g} (the "
                         "null's): give the effect to power for (its power is alpha at any "
                         "size)", field="hazard_ratio")
    acc, inten, fu = design.accrual_months, design.accrual_intensity, design.followup_months
    qe = design.experimental_fraction
    if method == "lachin-foulkes":
        v0, v1, probs = _lf_variances(design, acc, inten, fu)
        za = z_alpha(design.alpha, design.sided)
        zb = _N.inv_cdf(design.power)
        subjects = ((za * math.sqrt(v0) + zb * math.sqrt(v1))
                    / math.log(design.hazard_ratio / design.theta_h0)) ** 2
        events = subjects * (qe * probs[0] + (1.0 - qe) * probs[1])
    else:
        events = required_events(design.hazard_ratio, design.alpha, design.power,
                                 sided=design.sided, allocation_ratio=design.allocation_ratio,
                                 method=method, theta_h0=design.theta_h0)
        probs = _arm_probabilities(design, acc, inten, fu)
        subjects = events / (qe * probs[0] + (1.0 - qe) * probs[1])
    return _result(design, method, subjects, events, design.power, acc, inten, fu, probs)


def power(design: TrialDesign, method: Method = "schoenfeld",
          subjects: float | None = None) -> SurvivalResult:
    """Power for ``subjects`` (default ``design.subjects``) with the durations given."""
    _check_method(method)
    n = design.subjects if subjects is None else subjects
    if n is None:
        raise InputError("subjects is required to solve for power", field="subjects")
    if design.accrual_intensity_type == "relative":
        acc, inten = design.accrual_months, design.accrual_intensity
    else:  # subjects per month until the subjects are in
        acc, inten = design.accrual_pieces(n)
    fu = design.followup_months
    pw, events, probs = _power_for_subjects(design, method, n, acc, inten, fu)
    return _result(design, method, float(n), events, pw, acc, inten, fu, probs)


def absolute_accrual(design: TrialDesign, subjects: float):
    """``(durations, subjects per month)`` enrolling ``subjects`` at the design's intensities
    read as subjects per month (the last piece extended, or pieces cut short)."""
    return design.model_copy(update={"accrual_intensity_type": "absolute"}).accrual_pieces(
        subjects)


def duration_for_subjects(design: TrialDesign, subjects: float,
                          method: Method = "schoenfeld") -> SurvivalResult:
    """Follow-up (and so study duration) at which ``subjects`` reach ``design.power``.

    ``design.accrual_intensity`` is read as subjects per month; accrual lasts until ``subjects``
    are enrolled (rpact: ``getSampleSizeSurvival`` with ``maxNumberOfSubjects`` and absolute
    ``accrualIntensity``, which solves ``followUpTime``).
    """
    _check_method(method)
    if design.power is None:
        raise InputError("power is required to solve for the study duration", field="power")
    acc, inten = absolute_accrual(design, subjects)

    def shortfall(fu: float) -> float:
        return _power_for_subjects(design, method, subjects, acc, inten, fu)[0] - design.power

    lo, hi = 0.0, 1.0
    if shortfall(lo) >= 0.0:
        hi = 0.0
    else:
        while shortfall(hi) < 0.0:
            hi *= 2.0
            if hi > 1e5:
                raise InputError(f"{subjects:g} subjects cannot reach power {design.power:g} at "
                                 "any follow-up (too few subjects for the dropout and hazards)",
                                 field="subjects")
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
            if shortfall(mid) < 0.0:
                lo = mid
            else:
                hi = mid
    pw, events, probs = _power_for_subjects(design, method, subjects, acc, inten, hi)
    return _result(design, method, float(subjects), events, pw, acc, inten, hi, probs)
