"""Published outcome figures (``schema = "published-outcomes/1"``): schema, loader, checks.

A table has ``[[studies]]`` (one bibliographic record per cohort) and ``[[figures]]`` (one row per
figure as printed: a survival proportion at a landmark with its SE or CI, or survivors among n at
an unknown follow-up). Unreported values are ``"unknown"`` in the file and ``None`` here; nothing
fills them in. Every load checks that the numbers are possible and consistent (proportions in
[0, 1], SE > 0, a CI that contains its estimate, survivors <= n, studies that exist) and reports the
first problem as an :class:`~neosim.errors.InputError` naming the file and the dotted field.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from neosim.config import Strict, validate
from neosim.errors import InputError

SCHEMA = "published-outcomes/1"
PACKAGED = "published_cohorts.toml"

Unknown = Literal["unknown"]
RowId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Real = Annotated[float, Field(allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]
#: the smallest standard error or CI width of a proportion taken as printed (a smaller one would
#: need tens of millions of patients, and its precision overflows the likelihood's weight)
MIN_SE = 1e-4


class Study(Strict):
    """Bibliographic record of one published cohort."""

    id: RowId
    short: str
    authors: str
    journal: str
    year: Annotated[int, Field(ge=1900, le=2100)]
    volume: str | Unknown = "unknown"
    pages: str | Unknown = "unknown"
    doi: str | Unknown = "unknown"
    pmid: int | Unknown = "unknown"
    title: str = ""
    period: str | Unknown = "unknown"
    country: str
    design: str
    population: str
    leukaemia: Literal["ALL", "AML", "mixed"]
    notes: list[str] = Field(default_factory=list)

    @property
    def citation(self) -> str:
        """``Authors. Journal Year;Volume:Pages. doi:…`` with unknown parts left out."""
        parts = f"{self.authors.rstrip('.')}. {self.journal} {self.year}"
        if self.volume != "unknown":
            parts += f";{self.volume}"
        if self.pages != "unknown":
            parts += f":{self.pages}"
        if self.doi != "unknown":
            parts += f". doi:{self.doi}"
        return parts + "."


class Figure(Strict):
    """One published figure: a landmark proportion (with SE or CI) or survivors among n."""

    id: RowId
    study: str
    subgroup: str
    measure: Literal["OS", "EFS"]
    as_published: str
    landmark_months: Annotated[float, Field(ge=0.1, le=1200.0, allow_inf_nan=False)] | Unknown
    estimate: Real | Unknown = "unknown"
    se: Real | Unknown = "unknown"
    ci_lower: Real | Unknown = "unknown"
    ci_upper: Real | Unknown = "unknown"
    ci_level: Real | Unknown = "unknown"
    n: Count | Unknown = "unknown"
    survivors: Count | Unknown = "unknown"
    evidence: Literal["A", "S", "D", "NV"]
    notes: list[str] = Field(default_factory=list)


class TableFile(Strict):
    schema_: Literal["published-outcomes/1"] = Field(alias="schema")
    studies: list[Study] = Field(min_length=1)
    figures: list[Figure] = Field(min_length=1)


def _known(value):
    return None if value == "unknown" else value


@dataclass(frozen=True)
class FigureRow:
    """A checked figure with unknowns as ``None`` and its study record attached."""

    id: str
    study: Study
    subgroup: str
    measure: str
    as_published: str
    landmark_months: float | None
    estimate: float | None
    se: float | None
    ci_lower: float | None
    ci_upper: float | None
    ci_level: float | None
    n: int | None
    survivors: int | None
    evidence: str
    notes: tuple[str, ...]

    @property
    def is_counts(self) -> bool:
        """True for a survivors-among-n figure without a published proportion."""
        return self.estimate is None


@dataclass(frozen=True)
class PublishedTable:
    """A validated table of published figures (see the module docstring)."""

    studies: dict[str, Study]
    figures: dict[str, FigureRow]
    file: str

    def figure(self, row_id: str, *, file: str | None = None, field: str | None = None
               ) -> FigureRow:
        """The figure ``row_id``; an unknown id is an :class:`InputError` listing known ids."""
        if row_id not in self.figures:
            known = ", ".join(self.figures)
            raise InputError(f"unknown figure {row_id!r} (known: {known})", file=file,
                             field=field)
        return self.figures[row_id]


def parse_table(data: dict, *, file: str) -> PublishedTable:
    """Validate raw TOML data as a published-outcomes table; problems are InputErrors."""
    parsed: TableFile = validate(TableFile, data, file=file)

    def fail(field: str, msg: str) -> None:
        raise InputError(msg, file=file, field=field)

    studies: dict[str, Study] = {}
    for i, s in enumerate(parsed.studies):
        if s.id in studies:
            fail(f"studies[{i}].id", f"duplicate study id {s.id!r}")
        studies[s.id] = s
    rows: dict[str, FigureRow] = {}
    for i, f in enumerate(parsed.figures):
        at = f"figures[{i}]"
        if f.id in rows:
            fail(f"{at}.id", f"duplicate figure id {f.id!r}")
        if f.study not in studies:
            fail(f"{at}.study", f"no study with id {f.study!r}")
        _check_figure(f, at, fail)
        rows[f.id] = FigureRow(
            id=f.id, study=studies[f.study], subgroup=f.subgroup, measure=f.measure,
            as_published=f.as_published, landmark_months=_known(f.landmark_months),
            estimate=_known(f.estimate), se=_known(f.se), ci_lower=_known(f.ci_lower),
            ci_upper=_known(f.ci_upper), ci_level=_known(f.ci_level), n=_known(f.n),
            survivors=_known(f.survivors), evidence=f.evidence, notes=tuple(f.notes))
    return PublishedTable(studies=studies, figures=rows, file=file)


def _check_figure(f: Figure, at: str, fail) -> None:
    """Impossible or inconsistent numbers in one figure row."""
    for name in ("estimate", "se", "ci_lower", "ci_upper"):
        v = getattr(f, name)
        if v != "unknown" and not 0.0 <= v <= 1.0:
            hint = " (write percentages as proportions, e.g. 0.2 for 20%)" if v > 1 else ""
            fail(f"{at}.{name}", f"proportion {v} is outside [0, 1]{hint}")
    if f.se != "unknown" and f.se < MIN_SE:
        fail(f"{at}.se", f"standard error must be at least {MIN_SE:g} (got {f.se})")
    ci = [f.ci_lower, f.ci_upper, f.ci_level]
    if any(v != "unknown" for v in ci):
        if any(v == "unknown" for v in ci):
            fail(f"{at}.ci_lower", "a CI needs ci_lower, ci_upper and ci_level together")
        if not 0.5 <= f.ci_level <= 0.999:
            fail(f"{at}.ci_level", f"must be in [0.5, 0.999] (got {f.ci_level})")
        if not f.ci_upper - f.ci_lower >= MIN_SE:
            fail(f"{at}.ci_upper", f"CI upper {f.ci_upper} is not above lower {f.ci_lower} by "
                                   f"at least {MIN_SE:g}")
        if f.estimate == "unknown":
            fail(f"{at}.estimate", "a CI was given without its estimate")
        if not f.ci_lower <= f.estimate <= f.ci_upper:
            fail(f"{at}.ci_lower", f"CI [{f.ci_lower}, {f.ci_upper}] does not contain the "
                                   f"estimate {f.estimate}")
    if f.se != "unknown" and f.estimate == "unknown":
        fail(f"{at}.estimate", "an SE was given without its estimate")
    if f.estimate == "unknown":
        if f.survivors == "unknown" or f.n == "unknown":
            fail(f"{at}.estimate", "a figure needs an estimate, or survivors and n")
    elif f.survivors != "unknown":
        fail(f"{at}.survivors", "give either a published estimate or survivors, not both")
    if f.survivors != "unknown" and f.n != "unknown" and f.survivors > f.n:
        fail(f"{at}.survivors", f"{f.survivors} survivors exceed n = {f.n}")
    if f.n != "unknown" and f.n == 0:
        fail(f"{at}.n", "n must be at least 1")


def packaged_table_path() -> Path:
    """Path of the packaged table of published cohorts."""
    return Path(str(files("neosim.data").joinpath(PACKAGED)))


def load_table(path: str | Path | None = None) -> PublishedTable:
    """Load and check a published-outcomes table (the packaged one when ``path`` is None)."""
    from neosim.config import load_toml

    path = packaged_table_path() if path is None else Path(path)
    return parse_table(load_toml(path, kind="table"), file=str(path))
