"""Schema and validation of a published subtype cohort (``schema = "subtype-cohort/1"``).

Counts that a paper did not report are written ``"unknown"`` in the file and kept as ``None`` here;
no code fills them in. Consistency checks (k <= n, totals add up) run on every load.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Literal

from pydantic import Field

from neosim.config import Strict
from neosim.errors import InputError

#: a count of patients (bounded: no cohort of this disease comes near ten million)
Count = Annotated[int, Field(ge=0, le=10_000_000)]
MaybeCount = Count | Literal["unknown"]


#: the bibliographic fields a published cohort must fill in (user-supplied data need none)
PUBLISHED_FIELDS = ("title", "authors", "citation", "period", "country", "population",
                    "neonatal_definition", "evidence")


class Source(Strict):
    """Where the numbers come from: a published cohort's bibliographic record, or a label for
    the user's own counts (``user_supplied = true``: then only ``name`` is needed)."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]{0,63}$")]
    user_supplied: bool = False
    short: str = ""
    title: str = ""
    authors: str = ""
    citation: str = ""
    doi: str = ""
    pmid: int | None = None
    period: str = ""
    country: str = ""
    population: str = ""
    neonatal_definition: str = ""
    evidence: str = ""
    notes: list[str] = Field(default_factory=list)

    def missing(self) -> list[str]:
        """Bibliographic fields a published cohort lacks (none for user-supplied data)."""
        if self.user_supplied:
            return []
        return [k for k in PUBLISHED_FIELDS if not getattr(self, k).strip()]

    @property
    def label(self) -> str:
        """Short label for captions and tables."""
        return self.short or self.name

    @property
    def cite(self) -> str:
        """The citation, or for user-supplied data the label marked as such."""
        return self.citation or f"{self.name} (user-supplied counts)"


class InfantCounts(Strict):
    total: Count
    by_subtype: dict[str, Count]


class NeonatalSubtype(Strict):
    """Neonatal cases of one subtype. ``"unknown"`` means not reported."""

    cases: Count
    fab: dict[str, Count] = Field(default_factory=dict)
    mll_reported: MaybeCount = "unknown"
    mll_rearranged: MaybeCount = "unknown"
    survivors: MaybeCount = "unknown"
    survivors_after_sct: MaybeCount = "unknown"
    transplanted: MaybeCount = "unknown"


class NeonatalCounts(Strict):
    total: Count
    follow_up_months: (Annotated[float, Field(gt=0.0, le=1200.0, allow_inf_nan=False)]
                       | Literal["unknown"]) = "unknown"
    by_subtype: dict[str, NeonatalSubtype]


class CohortFile(Strict):
    schema_: Literal["subtype-cohort/1"] = Field(alias="schema")
    source: Source
    derived: list[str] = Field(default_factory=list)
    infants: InfantCounts
    neonates: NeonatalCounts


class Cohort:
    """A validated subtype cohort.

    Attributes
    ----------
    source
        The citation record.
    infants
        Counts of all infants by subtype.
    neonates
        Neonatal counts by subtype (``"unknown"`` where not reported).
    file
        Where it was loaded from.
    """

    def __init__(self, parsed: CohortFile, file: str):
        self.source = parsed.source
        self.infants = parsed.infants
        self.neonates = parsed.neonates
        self.derived = list(parsed.derived)
        self.file = file

    @property
    def name(self) -> str:
        return self.source.name

    def data_source(self) -> dict[str, Any]:
        """The citation record of this cohort, as ``RunFolder.write_data_sources`` takes it."""
        src = self.source
        if src.user_supplied:
            return {"name": src.name, "short": src.label, "citation": src.cite, "doi": "",
                    "pmid": None, "synthetic": False, "user_supplied": True,
                    "description": f"User-supplied counts ({self.file})."}
        return {
            "name": src.name, "short": src.short, "citation": src.citation, "doi": src.doi,
            "pmid": src.pmid, "synthetic": False,
            "description": f"{src.population}; {src.country}, {src.period}; neonatal = "
                           f"{src.neonatal_definition}. Evidence: {src.evidence}.",
        }

    @property
    def neonatal_subtypes(self) -> list[str]:
        """Subtypes with neonatal cases, in file order."""
        return list(self.neonates.by_subtype)

    def neonatal_fraction_counts(
        self, subtypes: list[str] | None = None
    ) -> tuple[list[str], list[int], list[int]]:
        """Neonatal cases ``k`` among all infants ``n`` of each subtype."""
        subtypes = subtypes or self.neonatal_subtypes
        self._require(subtypes)
        k = [self.neonates.by_subtype[s].cases for s in subtypes]
        n = [self.infants.by_subtype[s] for s in subtypes]
        return subtypes, k, n

    def composition_counts(self, subtypes: list[str] | None = None) -> tuple[list[str], list[int]]:
        """Neonatal cases by subtype (the composition of the neonatal cases)."""
        subtypes = subtypes or self.neonatal_subtypes
        self._require(subtypes)
        return subtypes, [self.neonates.by_subtype[s].cases for s in subtypes]

    def mll_counts(self, subtype: str = "ALL") -> tuple[int, int]:
        """MLL-rearranged ``k`` among neonates of ``subtype`` whose MLL status is reported."""
        self._require([subtype])
        sub = self.neonates.by_subtype[subtype]
        if sub.mll_reported == "unknown" or sub.mll_rearranged == "unknown":
            raise InputError(f"MLL status of neonatal {subtype} is not reported in this dataset "
                             "(give mll_reported and mll_rearranged, or switch the model off "
                             "with [models.mll_rate] enabled = false)",
                             file=self.file, field=f"neonates.by_subtype.{subtype}.mll_reported")
        return sub.mll_rearranged, sub.mll_reported

    def _require(self, subtypes: list[str]) -> None:
        for s in subtypes:
            if s not in self.neonates.by_subtype:
                known = ", ".join(self.neonatal_subtypes)
                raise InputError(f"subtype {s!r} has no neonatal counts (known: {known})",
                                 file=self.file, field="subtypes")


def _schema_problems(exc) -> list[tuple[str, str]]:
    """Every problem of a pydantic validation error as ``(field, message)``."""
    from neosim.config import input_error_from_validation

    out, seen = [], set()
    for err in exc.errors(include_url=False):
        one = input_error_from_validation(type(exc).from_exception_data(exc.title, [err]),
                                          file="")
        key = (one.field or "", one.message)
        if key not in seen:
            seen.add(key)
            out.append(key)
    return out


def _raise_all(problems: list[tuple[str, str]], file: str) -> None:
    """One error reporting every problem (the first names the field)."""
    if not problems:
        return
    (field, msg), rest = problems[0], problems[1:]
    if rest:
        shown = "; ".join(f"{f}: {m}" for f, m in rest[:8])
        more = f"; and {len(rest) - 8} more" if len(rest) > 8 else ""
        msg = f"{msg} (and {len(rest)} more problem{'s' if len(rest) > 1 else ''}: {shown}{more})"
    raise InputError(msg, file=file, field=field or None)


def parse_cohort(data: dict, *, file: str) -> Cohort:
    """Validate raw TOML data as a cohort; every problem, of the schema and of consistency, is
    reported at once in one :class:`InputError`."""
    from pydantic import ValidationError

    try:
        parsed: CohortFile = CohortFile.model_validate(data)
    except ValidationError as exc:
        _raise_all(_schema_problems(exc), file)
    problems: list[tuple[str, str]] = [
        (f"source.{k}", "a published cohort needs it (or set source.user_supplied = true for "
                        "your own counts)") for k in parsed.source.missing()]

    def fail(field: str, msg: str) -> None:
        problems.append((field, msg))

    inf = parsed.infants
    if sum(inf.by_subtype.values()) != inf.total:
        fail("infants.total", f"{inf.total} does not equal the sum over subtypes "
                              f"({sum(inf.by_subtype.values())})")
    neo = parsed.neonates
    for name, sub in neo.by_subtype.items():
        at = f"neonates.by_subtype.{name}"
        if name not in inf.by_subtype:
            fail(at, f"subtype {name!r} is missing from infants.by_subtype")
        elif sub.cases > inf.by_subtype[name]:
            fail(f"{at}.cases", f"{sub.cases} neonates exceed {inf.by_subtype[name]} infants "
                                f"with {name}")
        if sum(sub.fab.values()) > sub.cases:
            fail(f"{at}.fab", "FAB counts exceed the number of cases")
        _ordered(fail, at, [("mll_rearranged", sub.mll_rearranged),
                            ("mll_reported", sub.mll_reported), ("cases", sub.cases)])
        _ordered(fail, at, [("survivors_after_sct", sub.survivors_after_sct),
                            ("survivors", sub.survivors), ("cases", sub.cases)])
        _ordered(fail, at, [("survivors_after_sct", sub.survivors_after_sct),
                            ("transplanted", sub.transplanted), ("cases", sub.cases)])
    if neo.total > inf.total:
        fail("neonates.total", f"{neo.total} neonates exceed {inf.total} infants")
    if sum(s.cases for s in neo.by_subtype.values()) != neo.total:
        fail("neonates.total", f"{neo.total} does not equal the sum of neonatal cases over "
                               "subtypes")
    for path in parsed.derived:
        if not _has_path(data, path):
            fail("derived", f"names {path!r}, which is not in the file")
    _raise_all(problems, file)
    return Cohort(parsed, file)


def _ordered(fail, at: str, chain: list[tuple[str, int | str]]) -> None:
    """Check known counts in ``chain`` are non-decreasing (e.g. k <= reported <= cases)."""
    known = [(n, v) for n, v in chain if v != "unknown"]
    for (n1, v1), (n2, v2) in itertools.pairwise(known):
        if v1 > v2:
            fail(f"{at}.{n1}", f"{n1} ({v1}) exceeds {n2} ({v2})")


def _has_path(data: dict, dotted: str) -> bool:
    node = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True
