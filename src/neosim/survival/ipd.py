"""Individual patient data (IPD): the CSV schema, its validation, and the post-SCT landmark.

Schema ``neosim-ipd/1``: a UTF-8 CSV file with a header row naming its columns (in any order),
one row per patient; blank lines and lines starting with ``#`` are ignored. Only
``patient_id``, ``time_to_event`` and ``event`` are required; the others are optional (a
missing ``subtype`` puts everyone in one group ``all``, and ``arm`` may name the group column
instead; a missing ``mll_status`` is ``unknown``, a missing age is not known, a missing ``sct``
is 0 for every patient):

=========================  ===========================================================
column                     meaning
=========================  ===========================================================
``patient_id``             unique, non-empty identifier
``subtype``                subtype label, e.g. ``ALL`` or ``AML`` (letters, digits, ``_-``)
``mll_status``             ``rearranged``, ``germline`` or ``unknown``
``age_at_diagnosis_days``  age at diagnosis in days (>= 0; empty: not known)
``sct``                    1 if the patient received a stem-cell transplant, else 0
``time_to_sct``            time from diagnosis to SCT (>= 0); empty when ``sct`` is 0
``time_to_event``          time from diagnosis to death or last follow-up (> 0)
``event``                  1 if the patient died at ``time_to_event``, 0 if alive (censored)
=========================  ===========================================================

Times are in the file's time unit (``time_unit``: days, weeks, months or years, default months;
:mod:`neosim.units`). A time column may instead carry its unit in its name,
``<unit>_to_event`` and ``<unit>_to_sct`` (``months_to_event``, ``days_to_sct``): such a column
must name the time unit the file is read in, otherwise the file is refused (a month column read
as days would be off by a factor of 30).

Rules checked on load (each failure is an :class:`~neosim.errors.InputError` naming the file,
line and column): the file is parsed by the ``csv`` module (quoted fields may hold commas and
newlines); the required columns present and no unknown ones; ids unique (at most 64 printable
characters); numbers plain decimals and finite; times non-negative and at most
:data:`MAX_MONTHS` months (in the unit); times to death or last follow-up at least
:data:`MIN_MONTHS` months; ages at most :data:`MAX_AGE_DAYS`; at most :data:`MAX_PATIENTS`
rows; ``sct`` and ``event`` are 0 or 1; ``time_to_sct`` given exactly when ``sct`` is 1; the SCT
happens strictly before death or last follow-up (``time_to_sct < time_to_event``, at least
:data:`MIN_MONTHS` months apart): a patient who died before (or without) a transplant is not
transplanted.

Post-SCT survival is measured from the SCT (a landmark analysis): only patients with ``sct = 1``
enter, with time ``time_to_event - time_to_sct``. See ``docs/ipd_schema.md``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from neosim import units
from neosim.errors import InputError

SCHEMA = "neosim-ipd/1"
COLUMNS = ("patient_id", "subtype", "mll_status", "age_at_diagnosis_days", "sct",
           "time_to_sct", "time_to_event", "event")
REQUIRED = ("patient_id", "time_to_event", "event")
#: the value an optional column takes when the file has no such column
DEFAULTS = {"subtype": "all", "mll_status": "unknown", "age_at_diagnosis_days": "",
            "sct": "0", "time_to_sct": ""}
#: another name a column may have in the header
ALIASES = {"arm": "subtype"}
MLL_STATUSES = ("rearranged", "germline", "unknown")
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,31}$")
#: bounds the maths survives: at most this many patients, times up to a century (MAX_MONTHS
#: months, in any unit), ages up to 120 years, and no time step shorter than MIN_MONTHS months
#: (about 2.6 seconds)
MAX_PATIENTS = 1_000_000
MAX_MONTHS = 1200.0
MAX_AGE_DAYS = 120 * 366.0
MIN_MONTHS = 1e-6


@dataclass(frozen=True)
class IPD:
    """Validated patient-level data (one entry per patient, in file order).

    Times are in ``time_unit``; ``time_to_sct`` is NaN for patients without SCT. ``synthetic``
    marks data drawn by :mod:`neosim.survival.synthetic`; ``source`` says where the data came
    from.
    """

    patient_id: tuple[str, ...]
    subtype: tuple[str, ...]
    mll_status: tuple[str, ...]
    age_at_diagnosis_days: np.ndarray
    sct: np.ndarray
    time_to_sct: np.ndarray
    time_to_event: np.ndarray
    event: np.ndarray
    source: str
    synthetic: bool = False
    time_unit: str = "months"

    @property
    def n(self) -> int:
        return len(self.patient_id)

    def to_csv(self) -> str:
        """The data as CSV text in the schema, the time columns named by their unit
        (``months_to_event``): round-trips through :func:`parse_ipd` with ``time_unit``."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([c.replace("time_", f"{self.time_unit}_") for c in COLUMNS])
        for i in range(self.n):
            sct = int(self.sct[i])
            age = float(self.age_at_diagnosis_days[i])
            w.writerow([self.patient_id[i], self.subtype[i], self.mll_status[i],
                        repr(age) if math.isfinite(age) else "", sct,
                        repr(float(self.time_to_sct[i])) if sct else "",
                        repr(float(self.time_to_event[i])), int(self.event[i])])
        return buf.getvalue()


def load_ipd(path: str | Path, time_unit: str = "months", *,
             unit_field: str = "data.time_unit") -> IPD:
    """Read and validate an IPD CSV file with times in ``time_unit`` (see the module docstring
    for the schema); ``unit_field`` is the setting a unit mismatch tells the user to change."""
    from neosim.inputs import read_text

    text = read_text(path, kind="ipd")  # regular file under its cap, UTF-8 (BOM dropped)
    return parse_ipd(text, file=str(path), time_unit=time_unit, unit_field=unit_field)


def _time_column(raw: str, unit: str, file: str, unit_field: str) -> str:
    """The schema column of header name ``raw``: ``<unit>_to_event`` is ``time_to_event`` when
    ``<unit>`` is the time unit read, and an error naming the fix when it is another unit."""
    for u in units.UNITS:
        for what in ("event", "sct"):
            if raw == f"{u}_to_{what}":
                if u != unit:
                    raise InputError(
                        f"the column is a time in {u} but the file is read in {unit}: rename "
                        f"it time_to_{what} (or {unit}_to_{what}) if its times are in {unit}, "
                        + (f"or pass {unit_field} {u}" if unit_field.startswith("--")
                           else f"or set {unit_field} = \"{u}\""), file=file, field=raw)
                return f"time_to_{what}"
    return raw


def _records(text: str, file: str):
    """``(line, fields)`` of every CSV record of ``text`` (the ``csv`` module: quoted commas and
    newlines, strict quoting), skipping blank records and comment lines that start a record."""
    state = {"start": True, "line": 0, "first": 0}

    def lines():
        for n, raw in enumerate(io.StringIO(text, newline=""), start=1):
            if state["start"] and (not raw.strip() or raw.lstrip().startswith("#")):
                continue
            if state["start"]:
                state["first"] = n
            state["start"] = False
            state["line"] = n
            yield raw

    reader = csv.reader(lines(), strict=True)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(f"malformed CSV: {exc}", file=file,
                             field=f"line {state['first'] or state['line']}") from None
        state["start"] = True
        yield state["first"], row


def parse_ipd(text: str, *, file: str, synthetic: bool = False, time_unit: str = "months",
              unit_field: str = "data.time_unit") -> IPD:
    """Validate IPD CSV ``text`` (times in ``time_unit``); every problem is an
    :class:`InputError` naming line and column (the column as the header spells it)."""
    unit = time_unit
    t_min, t_max = units.from_months(MIN_MONTHS, unit), units.from_months(MAX_MONTHS, unit)
    records = list(_records(text, file))
    if not records:
        raise InputError("empty IPD file (expected a header row)", file=file)
    lines = [(line, None) for line, _ in records]
    rows = [row for _, row in records]
    raw_header = [h.strip() for h in rows[0]]
    header = [_time_column(ALIASES.get(h, h), unit, file, unit_field) for h in raw_header]
    head_line = lines[0][0]
    missing = [col for col in REQUIRED if col not in header]
    if missing:
        raise InputError("required column is missing (required: "
                         f"{', '.join(REQUIRED)}, the time in {unit}, also spelled "
                         f"{unit}_to_event; missing: {', '.join(missing)})", file=file,
                         field=missing[0])
    for raw, col in zip(raw_header, header, strict=True):
        if col not in COLUMNS:
            raise InputError(f"unknown column (known: {', '.join(COLUMNS)}; arm may name "
                             f"the subtype column, {unit}_to_event and {unit}_to_sct the time "
                             "columns)", file=file, field=raw or f"line {head_line}")
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise InputError("column appears twice" + (" (arm is subtype)" if dup == "subtype"
                                                    and "arm" in raw_header else "")
                         + (f" ({unit}_{dup[5:]} is {dup})" if dup.startswith("time_") else ""),
                         file=file, field=dup)
    if len(rows) == 1:
        raise InputError("no patients (only a header row)", file=file)
    if len(rows) - 1 > MAX_PATIENTS:
        raise InputError(f"more than {MAX_PATIENTS:,} patients", file=file)

    pos = {c: header.index(c) for c in COLUMNS if c in header}
    spelled = {c: raw_header[pos[c]] if c in pos else c for c in COLUMNS}
    cols: dict[str, list] = {c: [] for c in COLUMNS}
    seen: dict[str, int] = {}
    for (line, _), row in zip(lines[1:], rows[1:], strict=True):
        if len(row) != len(header):
            raise InputError(f"has {len(row)} fields, the header has {len(header)}",
                             file=file, field=f"line {line}")

        def fail(col: str, msg: str, line=line) -> None:
            raise InputError(msg, file=file, field=f"line {line}.{spelled.get(col, col)}")

        cell = {c: row[pos[c]].strip() if c in pos else DEFAULTS[c] for c in COLUMNS}
        pid = cell["patient_id"]
        if not pid:
            fail("patient_id", "empty patient id")
        if not pid.isprintable() or len(pid) > 64:
            fail("patient_id", "patient id must be at most 64 printable characters")
        if pid in seen:
            fail("patient_id", f"duplicate patient id {pid!r} (first on line {seen[pid]})")
        seen[pid] = line
        if not _LABEL.match(cell["subtype"]):
            fail("subtype", f"not a subtype label (got {cell['subtype']!r})")
        if cell["mll_status"] not in MLL_STATUSES:
            fail("mll_status", f"must be one of {', '.join(MLL_STATUSES)} "
                               f"(got {cell['mll_status']!r})")
        age = (math.nan if cell["age_at_diagnosis_days"] == ""  # not known
               else _number(cell["age_at_diagnosis_days"], fail, "age_at_diagnosis_days"))
        if age < 0:
            fail("age_at_diagnosis_days", f"negative age ({age:g} days)")
        if age > MAX_AGE_DAYS:
            fail("age_at_diagnosis_days", f"age of {age:g} days exceeds {MAX_AGE_DAYS:g}")
        sct = _flag(cell["sct"], fail, "sct")
        event = _flag(cell["event"], fail, "event")
        t_event = _number(cell["time_to_event"], fail, "time_to_event")
        if t_event < 0:
            fail("time_to_event", f"negative time ({t_event:g} {unit})")
        if t_event == 0:
            fail("time_to_event", "time to death or last follow-up must be positive")
        if not t_min <= t_event <= t_max:
            fail("time_to_event", f"time of {t_event:g} {unit} outside [{t_min:g}, "
                                  f"{t_max:g}] {unit}")
        if sct:
            if cell["time_to_sct"] == "":
                fail("time_to_sct", "missing although sct is 1")
            t_sct = _number(cell["time_to_sct"], fail, "time_to_sct")
            if t_sct < 0:
                fail("time_to_sct", f"negative time ({t_sct:g} {unit})")
            if t_sct > t_max:
                fail("time_to_sct", f"time of {t_sct:g} {unit} exceeds {t_max:g} {unit}")
            if t_sct >= t_event or t_event - t_sct < t_min:
                what = "death" if event else "last follow-up"
                fail("time_to_sct", f"SCT at {t_sct:g} {unit} is not before {what} at "
                                    f"{t_event:g} {unit} (a patient who died before SCT is "
                                    "not transplanted: set sct to 0)")
        else:
            if cell["time_to_sct"] != "":
                fail("time_to_sct", "must be empty when sct is 0")
            t_sct = math.nan
        for c, v in (("patient_id", pid), ("subtype", cell["subtype"]),
                     ("mll_status", cell["mll_status"]), ("age_at_diagnosis_days", age),
                     ("sct", sct), ("time_to_sct", t_sct), ("time_to_event", t_event),
                     ("event", event)):
            cols[c].append(v)
    return IPD(
        patient_id=tuple(cols["patient_id"]), subtype=tuple(cols["subtype"]),
        mll_status=tuple(cols["mll_status"]),
        age_at_diagnosis_days=np.asarray(cols["age_at_diagnosis_days"], float),
        sct=np.asarray(cols["sct"], "int64"),
        time_to_sct=np.asarray(cols["time_to_sct"], float),
        time_to_event=np.asarray(cols["time_to_event"], float),
        event=np.asarray(cols["event"], "int64"), source=file, synthetic=synthetic,
        time_unit=unit,
    )


_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$", re.ASCII)


def _number(text: str, fail, col: str) -> float:
    if text.strip().lower().lstrip("+-") in ("inf", "infinity", "nan"):
        fail(col, f"not a finite number (got {text!r})")
    if not _DECIMAL.match(text.strip()):  # float() would also take "1_0" or " 0x1p3"
        fail(col, f"not a number (got {text!r})")
    try:
        x = float(text)
    except ValueError:
        fail(col, f"not a number (got {text!r})")
    if not math.isfinite(x):
        fail(col, f"not a finite number (got {text!r})")
    return x


def _flag(text: str, fail, col: str) -> int:
    if text not in ("0", "1"):
        fail(col, f"must be 0 or 1 (got {text!r})")
    return int(text)


def landmark(ipd: IPD, subtypes: list[str] | tuple[str, ...], *, origin: str = "sct",
             file: str | None = None):
    """Survival data of the patients of ``subtypes``, timed from ``origin``.

    ``origin = "sct"`` (post-transplant landmark): only transplanted patients, time from SCT to
    death or last follow-up. ``origin = "diagnosis"``: every patient, time from diagnosis.
    Times stay in the IPD's unit. Returns a :class:`~neosim.models.survival.SurvivalData`.
    """
    from neosim.models.survival import SurvivalData

    sub = np.asarray(ipd.subtype, dtype=object)
    keep = np.isin(sub, list(subtypes))
    if origin == "sct":
        keep &= ipd.sct == 1
        time = ipd.time_to_event - np.where(ipd.sct == 1, ipd.time_to_sct, 0.0)
    elif origin == "diagnosis":
        time = ipd.time_to_event
    else:
        raise ValueError(f"unknown time origin {origin!r}")
    if origin == "sct" and not np.any(ipd.sct == 1):
        raise InputError("no patient was transplanted (sct = 1), so there is no post-SCT "
                         "landmark: analyse from diagnosis (--origin diagnosis, or "
                         "data.time_origin = \"diagnosis\")", file=file or ipd.source,
                         field="data.time_origin")
    if not np.any(keep):
        who = "transplanted patients" if origin == "sct" else "patients"
        raise InputError(f"no {who} of subtypes {', '.join(subtypes)} in the data",
                         file=file or ipd.source, field="data.subtypes")
    missing = [s for s in subtypes if not np.any(keep & (sub == s))]
    if missing:
        who = "transplanted patients" if origin == "sct" else "patients"
        raise InputError(f"subtype {missing[0]!r} has no {who} in {ipd.source} (its parameters "
                         "would come from the prior alone)", file=file or ipd.source,
                         field="data.subtypes")
    index = {s: i for i, s in enumerate(subtypes)}
    return SurvivalData(time=time[keep], event=ipd.event[keep],
                        subtype_index=np.array([index[s] for s in sub[keep]], "int64"),
                        subtypes=tuple(subtypes))
