"""Configuration: load TOML files, validate them with pydantic, resolve defaults, hash the result.

Every experiment file is a TOML document with an ``[experiment]`` table whose ``kind`` selects a
schema from the registry in :mod:`neosim.experiments` (whose ``load_experiment`` reads a
file; this module sits below it and knows no kind). All schemas forbid unknown keys and use
strict types, so a typo or a string where a number belongs is reported, never guessed at. Nothing in
a config is ever executed or imported: names (models, datasets, kinds) are looked up in registries.
"""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from neosim import constants
from neosim.errors import InputError

# --------------------------------------------------------------------------------------------
# Loading and error reporting
# --------------------------------------------------------------------------------------------


def load_toml(path: str | Path, *, kind: str = "config") -> dict[str, Any]:
    """Read a TOML file, turning every failure into a one-line :class:`InputError`.

    The file is read by :func:`neosim.inputs.read_text` (regular files only, under the size cap
    of ``kind``: ``"config"`` or ``"table"``) and parsed by :func:`neosim.inputs.parse_toml`.
    """
    from neosim import inputs

    return inputs.load_toml(path, kind=kind)


def format_location(loc: tuple[str | int, ...]) -> str:
    """Render a pydantic error location as ``section.key[index]``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class FieldError(ValueError):
    """Raise inside a model validator to blame a field below the model (dotted ``field``)."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


#: why a config may not name a dask scheduler, and what to do instead (one line); refused by
#: ``[compute]`` (:class:`neosim.compute.ComputeSection`) and first of all by
#: :func:`neosim.experiments.load_experiment`
SCHEDULER_IN_CONFIG = ("a config may not choose a dask scheduler (a scheduler runs code on your "
                       "behalf): pass --scheduler tcp://HOST:PORT or set NEOSIM_SCHEDULER")

_UNION_TAG = re.compile(
    r"^(constrained-)?(int|float|str|bool|list|dict|tuple|none)$|[\[(]|^function-"
)


def _clean_loc(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Drop pydantic's union-member tags (``constrained-int``, ``literal['unknown']`` …)."""
    return tuple(p for p in loc if not (isinstance(p, str) and _UNION_TAG.search(p)))


def input_error_from_validation(exc: ValidationError, *, file: str, prefix: str = "") -> InputError:
    """Condense a pydantic :class:`ValidationError` into one line naming file and field."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = _clean_loc(first["loc"])
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, FieldError):
        loc = (*loc, *cause.field.split("."))
    if "discriminator" in first.get("ctx", {}):  # a tagged union's bad or missing tag: its key
        loc = (*loc, str(first["ctx"]["discriminator"]).strip("'"))
    field = format_location(loc)
    if prefix:
        field = f"{prefix}.{field}" if field else prefix
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        msg = "unknown key"
    elif first["type"] == "missing":
        msg = "required key is missing"
    msg = str(cause) if isinstance(cause, FieldError) else msg.removeprefix("Value error, ")
    # a FieldError's input is the whole table it was raised in: not worth echoing
    if ("input" in first and first["type"] not in ("missing", "extra_forbidden")
            and not isinstance(cause, FieldError)):
        shown = repr(first["input"])
        if len(shown) <= 40:
            msg += f" (got {shown})"
    more = len({_clean_loc(e["loc"]) for e in errors}) - 1
    if more > 0:
        msg += f"; and {more} more problem{'s' if more > 1 else ''}"
    return InputError(msg, file=file, field=field or None)


def validate(model: type[BaseModel], data: Any, *, file: str, prefix: str = "") -> Any:
    """Validate ``data`` against ``model``; bad input becomes a one-line :class:`InputError`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise input_error_from_validation(exc, file=file, prefix=prefix) from None


# --------------------------------------------------------------------------------------------
# Shared schema pieces
# --------------------------------------------------------------------------------------------


class Strict(BaseModel):
    """Base for every config section: unknown keys are errors, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# Numbers. Every float a config holds is finite and inside a range the maths survives in float64
# (no exp() overflow, no division by a denormal, no grid that outgrows memory); every int has a
# range and every list a length cap. The bounds are generous for neonatal trials and documented
# here once; a value outside them is bad input (exit 2) before any run folder exists.

Probability = Annotated[float, Field(gt=0.0, lt=1.0, allow_inf_nan=False)]
PositiveFloat = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
NonNegativeFloat = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Seed = Annotated[int, Field(ge=0, lt=2**63)]

#: a century: no accrual, follow-up or landmark plans past it; keeps month grids and
#: ``exp(-hazard * t)`` finite
MONTHS_MAX = 1200.0
#: durations and times in months: at least about 7 hours (no division by a denormal), at most
#: :data:`MONTHS_MAX`
Months = Annotated[float, Field(ge=0.01, le=MONTHS_MAX, allow_inf_nan=False)]
#: a time in months that may be 0 (activation month, ramp-up, follow-up), at most MONTHS_MAX
MonthsOrZero = Annotated[float, Field(ge=0.0, le=MONTHS_MAX, allow_inf_nan=False)]
#: event or dropout hazards per month: 1e-6 (a median of 57,000 years) to 100 (a median of
#: 5 hours); hazard x months stays below 1.2e5, so survival and event probabilities are finite
Hazard = Annotated[float, Field(ge=1e-6, le=100.0, allow_inf_nan=False)]
#: a hazard per month that may be 0 (no dropout, an event-free piece), at most 100
HazardOrZero = Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)]
#: hazard ratios (and other ratios of rates) from 1e-3 to 1e3: log HR within +-6.9
Ratio = Annotated[float, Field(ge=1e-3, le=1e3, allow_inf_nan=False)]
#: shape or rate parameters of prior distributions (Beta alpha/beta, Gamma shape/rate), 1e-3
#: to 1e6: smaller ones put the prior's mass on denormals and make samplers fail; larger ones
#: are point masses in all but name
PriorShape = Annotated[float, Field(ge=1e-3, le=1e6, allow_inf_nan=False)]
#: standard deviations and scales of priors on log or logit scales, 1e-3 to 1e3
PriorScale = Annotated[float, Field(ge=1e-3, le=1e3, allow_inf_nan=False)]
#: locations (means) of priors on log or logit scales, -1e3 to 1e3
PriorLocation = Annotated[float, Field(ge=-1e3, le=1e3, allow_inf_nan=False)]
#: counts of patients, cases or events in a config: 0 to 10^9
Count = Annotated[int, Field(ge=0, le=10**9)]
#: the most entries a list of numbers in a config may hold (grids, pieces, weights)
MAX_LIST = 1000
Name = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]{0,63}$")]


class ExperimentSection(Strict):
    """The ``[experiment]`` table every experiment file starts with."""

    name: Name
    kind: str
    title: str = ""
    question: str = ""
    seed: Seed = 20060901


class SamplerSection(Strict):
    """NUTS settings (sampled with nutpie through PyMC)."""

    backend: Literal["nutpie"] = "nutpie"
    #: at least 2: R-hat, the convergence gate, is undefined for one chain
    chains: Annotated[int, Field(ge=2, le=64)] = 4
    draws: Annotated[int, Field(ge=10, le=1_000_000)] = 1000
    tune: Annotated[int, Field(ge=10, le=1_000_000)] = 1000
    target_accept: Annotated[float, Field(ge=0.5, lt=1.0)] = 0.8
    cores: Annotated[int, Field(ge=1, le=256)] = 2


class DiagnosticsSection(Strict):
    """Convergence gate thresholds; a failed gate makes ``neosim run`` exit with status 1. The
    rank-uniformity and Pareto k-hat checks are warnings: the verdict reads "passed with
    warnings" and the run exits 0."""

    r_hat_max: Annotated[float, Field(ge=1.0, le=100.0, allow_inf_nan=False)] = constants.R_HAT_MAX
    ess_bulk_min: Annotated[float, Field(ge=0.0, le=1e9, allow_inf_nan=False)] = \
        constants.ESS_BULK_MIN
    ess_tail_min: Annotated[float, Field(ge=0.0, le=1e9, allow_inf_nan=False)] = \
        constants.ESS_TAIL_MIN
    max_divergences: Annotated[int, Field(ge=0, le=10**9)] = constants.MAX_DIVERGENCES
    #: warnings (never a failed gate): bins of each chain's rank histogram, the family-wise
    #: level of the chi-square tests of their uniformity, and the largest PSIS-LOO Pareto k-hat
    #: accepted where a run computes a LOO
    rank_bins: Annotated[int, Field(ge=2, le=1000)] = constants.RANK_BINS
    rank_uniformity_alpha: Annotated[float, Field(ge=1e-12, le=0.5, allow_inf_nan=False)] = \
        constants.RANK_UNIFORMITY_ALPHA
    pareto_k_max: Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)] = \
        constants.PARETO_K_MAX


class OutputSection(Strict):
    """What a run reports and how figures are written."""

    ci_prob: Probability = constants.CI_PROB
    ci_kind: Literal["eti", "hdi"] = constants.CI_KIND
    figure_formats: list[Literal["png", "svg"]] = Field(default_factory=lambda: ["png"],
                                                        max_length=2)
    figure_width_in: Annotated[float, Field(ge=2.0, le=30.0)] = 7.0
    figure_height_in: Annotated[float, Field(ge=2.0, le=30.0)] = 4.5
    dpi: Annotated[int, Field(ge=50, le=600)] = 120
    #: trace and rank plots of a fit: drawn when a convergence check fails or warns
    #: (``"flagged"``; the checks themselves always run) or on every run (``"always"``)
    diagnostic_figures: Literal["flagged", "always"] = "flagged"
    #: refuse a run whose pre-flight estimate of peak memory exceeds this (GiB); the default
    #: suits a 2-core laptop with 24 GiB (see :mod:`neosim.budget`)
    memory_budget_gib: Annotated[float, Field(ge=0.25, le=4096.0, allow_inf_nan=False)] = 4.0
    #: refuse a run whose rough pre-flight estimate of its duration exceeds this (hours)
    time_budget_hours: Annotated[float, Field(ge=0.001, le=10_000.0, allow_inf_nan=False)] = 48.0

    @model_validator(mode="after")
    def _formats_nonempty(self) -> Self:
        if not self.figure_formats:
            raise FieldError("figure_formats", "must name at least one format")
        if len(set(self.figure_formats)) != len(self.figure_formats):
            raise FieldError("figure_formats", "lists a format twice")
        return self


class ExperimentConfig(Strict):
    """Base of every experiment kind's schema."""

    experiment: ExperimentSection


# --------------------------------------------------------------------------------------------
# Resolution and hashing
# --------------------------------------------------------------------------------------------


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def resolved_dict(cfg: BaseModel) -> dict[str, Any]:
    """The resolved config (defaults merged in, every value explicit) as plain data."""
    return _drop_none(cfg.model_dump(mode="json"))


def resolved_toml(cfg: BaseModel) -> str:
    """The resolved config as TOML text: what ``config.toml`` in a run folder holds."""
    return tomli_w.dumps(resolved_dict(cfg))


def config_hash(cfg: BaseModel) -> str:
    """SHA-256 of the canonical resolved TOML (keys in schema order, defaults explicit)."""
    return hashlib.sha256(resolved_toml(cfg).encode("utf-8")).hexdigest()
