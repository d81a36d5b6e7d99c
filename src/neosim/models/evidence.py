"""From published summaries to study likelihoods on the logit scale.

A published survival proportion ``p`` with its standard error (or a CI) becomes, for the
hierarchical model, either

``logit_normal``
    ``y = logit(p') ~ Normal(θ, s)`` with ``s = se'/(p'(1 - p'))`` (delta method), or
``effective_binomial``
    ``k ~ Binomial(n, expit(θ))`` with the effective counts ``n = p'(1 - p')/se'^2`` and
    ``k = p' n`` (not integers in general: the binomial kernel is used as a likelihood),

where ``p'`` and ``se'`` are the figure moved to the common landmark ``t0`` (below). Survivors
among ``n`` (a figure without a published proportion) always enter as an exact binomial.

Every bridge over something a paper did not report is a setting, and each one used is recorded
as a sentence in :attr:`StudyLikelihood.assumptions`:

* an SE from a CI: ``(upper - lower) / (2 z)`` for a Wald interval on the proportion scale
  (``ci_scale = "proportion"``) or on the logit scale (``"logit"``);
* a missing SE with a published n (``missing_se = "binomial_n"``): ``sqrt(p(1 - p)/n)``, which
  assumes nobody was censored before the landmark and so understates the SE;
* survivors at an unknown follow-up (``unknown_follow_up = "as_landmark"``) taken as survival at
  ``t0``;
* a different landmark ``t`` (``time_conversion``): ``"plateau"`` takes ``S(t0) = S(t)`` (no
  deaths between the two times), ``"exponential"`` takes ``S(t0) = S(t)^(t0/t)`` with
  ``se' = (t0/t) S(t)^(t0/t - 1) se`` (delta method); ``"require_same"`` refuses the figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Literal

from neosim.data.published import FigureRow
from neosim.errors import InputError

Likelihood = Literal["logit_normal", "effective_binomial"]
TimeConversion = Literal["plateau", "exponential", "require_same"]


@dataclass(frozen=True)
class ConversionSettings:
    """How published figures become likelihoods (the experiment's ``[conversion]`` table)."""

    landmark_months: float = 24.0
    likelihood: Likelihood = "logit_normal"
    time_conversion: TimeConversion = "require_same"
    measures: tuple[str, ...] = ("OS",)
    missing_se: Literal["binomial_n", "error"] = "error"
    unknown_follow_up: Literal["as_landmark", "error"] = "error"
    ci_scale: Literal["proportion", "logit"] = "proportion"


@dataclass(frozen=True)
class StudyLikelihood:
    """One study's likelihood for its logit survival ``θ`` at the common landmark.

    ``kind == "normal"``: ``y ~ Normal(θ, s)``; ``kind == "binomial"``: kernel
    ``k log expit(θ) + (n - k) log expit(-θ)``. ``p_obs`` and ``p_lower``/``p_upper`` are the
    figure at the landmark and its 95 % Wald interval on the logit scale (for plots).
    """

    figure_id: str
    study_id: str
    label: str
    kind: Literal["normal", "binomial"]
    y: float = math.nan
    s: float = math.nan
    k: float = math.nan
    n: float = math.nan
    p_obs: float = math.nan
    p_lower: float = math.nan
    p_upper: float = math.nan
    assumptions: tuple[str, ...] = field(default_factory=tuple)


def logit(p: float) -> float:
    return math.log(p / (1.0 - p))


def expit(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _wald(y: float, s: float) -> tuple[float, float]:
    z = NormalDist().inv_cdf(0.975)
    return expit(y - z * s), expit(y + z * s)


def convert(row: FigureRow, settings: ConversionSettings, *, file: str | None = None,
            field: str | None = None) -> StudyLikelihood:
    """The likelihood of one published figure under ``settings``.

    Raises
    ------
    InputError
        When the figure cannot be used under these settings (its measure is not pooled, its SE,
        n or follow-up is unknown and the settings do not allow a bridge, its landmark differs
        under ``require_same``, or its proportion is 0 or 1). The message names the figure.
    """
    def fail(msg: str):
        raise InputError(f"figure {row.id!r}: {msg}", file=file, field=field)

    t0 = settings.landmark_months
    notes: list[str] = []
    if row.measure not in settings.measures:
        fail(f"measure {row.measure} is not among the pooled measures "
             f"{list(settings.measures)}")
    if row.measure != settings.measures[0]:
        notes.append(f"{row.measure} pooled with {settings.measures[0]} as one survival "
                     f"quantity")
    label = f"{row.study.short}: {row.as_published}"

    if row.is_counts:
        if row.landmark_months is None:
            if settings.unknown_follow_up != "as_landmark":
                fail("survivors at an unknown follow-up; set conversion.unknown_follow_up = "
                     "'as_landmark' to use them as survival at the landmark, or leave the "
                     "figure out")
            notes.append(f"{row.survivors} survivors of {row.n} at an unknown follow-up taken "
                         f"as survival at {t0:g} months")
        elif row.landmark_months != t0:
            notes.append(_time_note(row.landmark_months, t0, settings.time_conversion, fail))
            if settings.time_conversion == "exponential":
                fail("exponential time conversion of survivor counts is not defined")
        k, n = float(row.survivors), float(row.n)
        y = logit((k + 0.5) / (n + 1.0))
        s = math.sqrt(1.0 / (k + 0.5) + 1.0 / (n - k + 0.5))
        lo, hi = _wald(y, s)
        return StudyLikelihood(row.id, row.study.id, label, "binomial", k=k, n=n, p_obs=k / n,
                               p_lower=lo, p_upper=hi, assumptions=tuple(notes))

    p = row.estimate
    if not 0.0 < p < 1.0:
        fail(f"estimate {p} has no logit; give survivors and n instead")
    if row.se is not None:
        se = row.se
    elif row.ci_lower is not None:
        z = NormalDist().inv_cdf(0.5 + row.ci_level / 2.0)
        if settings.ci_scale == "proportion":
            se = (row.ci_upper - row.ci_lower) / (2.0 * z)
            notes.append(f"SE {se:.4f} from the {row.ci_level:.0%} CI read as a Wald interval "
                         f"on the proportion scale")
        else:
            if row.ci_lower <= 0.0 or row.ci_upper >= 1.0:
                fail("a CI reaching 0 or 1 has no logit-scale width")
            se = (logit(row.ci_upper) - logit(row.ci_lower)) / (2.0 * z) * p * (1.0 - p)
            notes.append(f"SE from the {row.ci_level:.0%} CI read as a Wald interval on the "
                         f"logit scale")
    elif row.n is not None and settings.missing_se == "binomial_n":
        se = math.sqrt(p * (1.0 - p) / row.n)
        notes.append(f"no SE published: binomial SE {se:.4f} from n = {row.n} (assumes no "
                     f"censoring before the landmark, so it understates the SE)")
    elif row.n is not None:
        fail("no SE or CI published; set conversion.missing_se = 'binomial_n' to use a "
             "binomial SE from n, or leave the figure out")
    else:
        fail("neither SE, CI nor n published; the figure cannot be weighted")

    t = row.landmark_months
    if t is None:
        fail("the landmark time is unknown")
    if t != t0:
        notes.append(_time_note(t, t0, settings.time_conversion, fail))
        if settings.time_conversion == "exponential":
            r = t0 / t
            p, se = p**r, r * p ** (r - 1.0) * se
    y = logit(p)
    s = se / (p * (1.0 - p))
    lo, hi = _wald(y, s)
    common = dict(p_obs=p, p_lower=lo, p_upper=hi, assumptions=tuple(notes))
    if settings.likelihood == "logit_normal":
        return StudyLikelihood(row.id, row.study.id, label, "normal", y=y, s=s, **common)
    n_eff = p * (1.0 - p) / se**2
    notes_b = (*notes, f"effective binomial counts {p * n_eff:.2f} of {n_eff:.2f}")
    return StudyLikelihood(row.id, row.study.id, label, "binomial", k=p * n_eff, n=n_eff,
                           **{**common, "assumptions": notes_b})


def _time_note(t: float, t0: float, how: str, fail) -> str:
    if how == "require_same":
        fail(f"landmark {t:g} months differs from {t0:g}; set conversion.time_conversion to "
             f"'plateau' or 'exponential', or leave the figure out")
    if how == "plateau":
        return (f"{t:g}-month figure used at {t0:g} months (plateau: no deaths between "
                f"{min(t, t0):g} and {max(t, t0):g} months)")
    return f"{t:g}-month figure moved to {t0:g} months assuming exponential survival"


def convert_all(rows: list[FigureRow], settings: ConversionSettings, *, file: str | None = None,
                field: str | None = None) -> list[StudyLikelihood]:
    """Convert figures, refusing two figures of the same study (they are not independent)."""
    seen: dict[str, str] = {}
    out = []
    for i, row in enumerate(rows):
        at = f"{field}[{i}]" if field else None
        if row.study.id in seen:
            raise InputError(f"figures {seen[row.study.id]!r} and {row.id!r} come from the same "
                             f"study {row.study.id!r}; pool one figure per study", file=file,
                             field=at)
        seen[row.study.id] = row.id
        out.append(convert(row, settings, file=file, field=at))
    return out
