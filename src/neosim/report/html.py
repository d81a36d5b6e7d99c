"""The building blocks of ``report.html``: tolerant readers of a run folder's files, value and
table formatting, the page's CSS and Content-Security-Policy. Standard library only.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import math
import tomllib
from html import escape
from pathlib import Path
from typing import Any

from neosim import results
from neosim.errors import InputError
from neosim.inputs import read_text

#: figure file suffixes the report embeds, with their MIME types
IMAGE_TYPES = {
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".gif": "image/gif", ".webp": "image/webp",
}
#: which format a figure is shown in when it exists in several (the others become downloads)
DISPLAY_ORDER = (".svg", ".png", ".webp", ".jpg", ".jpeg", ".gif")
#: JSON files with a section of their own (or internal), not shown as result tables
OWN_SECTION = {results.PROVENANCE, results.DIAGNOSTICS, results.DATA, "run.json"}
MAX_TABLE_ROWS = 500
MAX_JSON_CHARS = 200_000

CSS = """
:root { --fg:#1d232a; --muted:#5b6570; --line:#d8dde3; --ok:#1e7b34; --bad:#b00020;
        --accent:#1b6ca8; --bg-alt:#f5f7f9; }
* { box-sizing: border-box; }
body { margin:0; color:var(--fg); background:#fff; line-height:1.45;
       font:15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; }
main { max-width:1100px; margin:0 auto; padding:24px 32px 48px; }
h1 { font-size:1.6em; margin:0 0 4px; }
h2 { font-size:1.25em; margin:36px 0 10px; padding-bottom:4px;
     border-bottom:2px solid var(--line); }
h3 { font-size:1.05em; margin:22px 0 8px; }
.meta { color:var(--muted); font-size:0.9em; margin:0 0 14px; }
.question { font-size:1.08em; background:var(--bg-alt); border-left:4px solid var(--accent);
            padding:10px 14px; margin:14px 0; }
.verdict { display:inline-block; font-weight:600; padding:6px 12px; border-radius:4px;
           color:#fff; margin:6px 0; }
.verdict.ok { background:var(--ok); } .verdict.bad { background:var(--bad); }
.verdict.none { background:var(--muted); }
.verdict.warn { background:#8a5a00; }
.badge { display:inline-block; font-size:0.75em; font-weight:700; color:#fff;
         background:var(--bad); padding:1px 6px; border-radius:3px; vertical-align:middle; }
.badge.assumption { background:var(--muted); }
nav { font-size:0.9em; margin:8px 0 0; }
nav a { color:var(--accent); margin-right:14px; text-decoration:none; }
table { border-collapse:collapse; margin:8px 0 12px; font-size:0.88em; }
th, td { border-bottom:1px solid var(--line); padding:4px 10px; text-align:right;
         vertical-align:top; }
th { background:var(--bg-alt); font-weight:600; }
th:first-child, td:first-child { text-align:left; }
td.txt { text-align:left; }
td { white-space:nowrap; } td.txt { white-space:normal; max-width:28em; overflow-wrap:anywhere; }
table.kv td, table.kv th { text-align:left; }
details > summary { cursor:pointer; color:var(--accent); margin:6px 0; }
td.pass { color:var(--ok); font-weight:600; } td.fail { color:var(--bad); font-weight:600; }
.scroll { overflow-x:auto; }
figure { margin:18px 0 30px; }
figure img { max-width:100%; height:auto; border:1px solid var(--line); display:block; }
figcaption { color:var(--fg); font-size:0.92em; margin-top:6px; max-width:900px; }
figcaption .files { color:var(--muted); font-size:0.9em; }
figcaption a { color:var(--accent); }
pre { background:var(--bg-alt); border:1px solid var(--line); padding:10px 12px; font-size:0.82em;
      overflow-x:auto; white-space:pre; }
.source { margin:8px 0 14px; overflow-wrap:anywhere; }
.source .cite { font-size:1.0em; }
.muted { color:var(--muted); font-size:0.9em; }
footer { color:var(--muted); font-size:0.82em; margin-top:40px; border-top:1px solid var(--line);
         padding-top:8px; }
"""

#: the page may load nothing: images only from data: URIs, styles only inline
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
       "form-action 'none'")


# --------------------------------------------------------------------------------------------
# Reading the folder (tolerant: a report must be made from whatever is there)
# --------------------------------------------------------------------------------------------


def read_text_or_none(path: Path) -> str | None:
    """A folder file's text, or None when it is no regular UTF-8 file under the size cap (a FIFO
    or device dropped into a folder never blocks or floods the report)."""
    try:
        return read_text(path, kind="run")
    except InputError:
        return None


def read_json_or_none(path: Path) -> Any | None:
    text = read_text_or_none(path)
    try:
        return None if text is None else json.loads(text)
    except (ValueError, RecursionError):
        return None


def read_config(run_dir: Path) -> tuple[str | None, dict[str, Any]]:
    text = read_text_or_none(run_dir / results.CONFIG)
    if text is None:
        return None, {}
    try:
        return text, tomllib.loads(text)
    except (ValueError, RecursionError):  # TOMLDecodeError, or an integer of thousands of digits
        return text, {}


def read_csv_rows(path: Path) -> list[list[str]]:
    text = read_text_or_none(path)
    try:
        return [] if text is None else list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return []


# --------------------------------------------------------------------------------------------
# Rendering helpers
# --------------------------------------------------------------------------------------------


def fmt_value(value: Any) -> str:
    """A cell: floats to 4 significant digits, None as a dash, booleans as yes/no."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        if math.isinf(value):
            return "∞" if value > 0 else "−∞"
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.4g}"
    return str(value)


def _fmt_text_cell(text: str) -> str:
    """A CSV cell: numbers reformatted like :func:`fmt_value`, anything else as written."""
    try:
        number = float(text)
    except ValueError:
        return text
    if text.strip().lstrip("+-").isdigit():
        return text.strip()
    return fmt_value(number)


def is_scalar(v: Any) -> bool:
    return v is None or isinstance(v, str | int | float | bool)


def _cell(text: str, numeric: bool) -> str:
    if text in ("PASS", "FAIL"):
        return f'<td class="{"pass" if text == "PASS" else "fail"}">{text}</td>'
    cls = "" if numeric else ' class="txt"'
    return f"<td{cls}>{escape(text)}</td>"


def _is_number_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def html_table(header: list[str], rows: list[list[Any]], *, raw: bool = True) -> str:
    """An HTML table; ``raw`` rows hold Python values, otherwise CSV text."""
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = []
    for row in rows:
        if raw:
            cells = "".join(
                _cell(fmt_value(v), isinstance(v, int | float) and not isinstance(v, bool))
                for v in row)
        else:
            cells = "".join(_cell(_fmt_text_cell(v), _is_number_text(v)) for v in row)
        body.append(f"<tr>{cells}</tr>")
    kv = ' class="kv"' if len(header) == 2 and header[1] == "value" else ""  # left-aligned
    return (f'<div class="scroll"><table{kv}><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def json_block(obj: Any, depth: int = 0) -> str:
    """Render parsed JSON as tables: records as rows, mappings as key/value pairs."""
    if is_scalar(obj):
        return f"<p>{escape(fmt_value(obj))}</p>"
    if isinstance(obj, list):
        if all(is_scalar(v) for v in obj):
            return f"<p>{escape(', '.join(fmt_value(v) for v in obj))}</p>"
        obj = [_joined(v) for v in obj]
        if all(isinstance(v, dict) and all(is_scalar(x) for x in v.values()) for v in obj):
            cols = list(dict.fromkeys(k for v in obj for k in v))
            return html_table(cols, [[v.get(c) for c in cols] for v in obj])
        return pre_block(json.dumps(obj, indent=2))
    if not isinstance(obj, dict) or not obj:
        return pre_block(json.dumps(obj, indent=2))
    values = list(obj.values())
    if all(is_scalar(v) for v in values):
        return html_table(["key", "value"], [[k, v] for k, v in obj.items()])
    if all(isinstance(v, dict) and v and all(is_scalar(x) for x in v.values()) for v in values):
        cols = list(dict.fromkeys(k for v in values for k in v))
        return html_table(["", *cols], [[k, *(v.get(c) for c in cols)] for k, v in obj.items()])
    if depth >= 3:
        return pre_block(json.dumps(obj, indent=2))
    parts, scalars = [], []
    for k, v in obj.items():
        if is_scalar(v):
            scalars.append([k, v])
        else:
            parts.append(f"<h4>{escape(humanise(k))}</h4>{json_block(v, depth + 1)}")
    head = html_table(["key", "value"], scalars) if scalars else ""
    return head + "".join(parts)


def _joined(record: Any) -> Any:
    """A record whose lists of scalars (per-arm values) become one cell, ``a + b``."""
    if not isinstance(record, dict):
        return record
    return {k: " + ".join(fmt_value(x) for x in v)
            if isinstance(v, list) and v and all(is_scalar(x) for x in v) else v
            for k, v in record.items()}


def pre_block(text: str) -> str:
    return f"<pre>{escape(text)}</pre>"


#: words written in capitals whatever the key's case (gene names, subtypes, abbreviations)
#: ("all" and "map" are left alone: they are English words too)
ACRONYMS = {"mll": "MLL", "aml": "AML", "sct": "SCT", "km": "KM", "hr": "HR", "ess": "ESS",
            "elir": "ELIR", "mcmc": "MCMC", "loo": "LOO"}


def humanise(name: str) -> str:
    """A key as a heading: ``mll_rearranged_fraction[ALL]`` -> ``MLL rearranged fraction[ALL]``."""
    words = [ACRONYMS.get(w.lower(), w) for w in name.replace("_", " ").split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def data_uri(path: Path) -> str:
    mime = IMAGE_TYPES[path.suffix.lower()]
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def human_size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover
