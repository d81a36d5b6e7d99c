"""``report.html``: one self-contained page per run folder, built from the folder's files only.

The page shows the question (``experiment.title``/``question`` of ``config.toml``), the data and
their citation (``data.json``, or the ``data`` entry of ``provenance.json``), the diagnostics
verdict (``diagnostics.json``), the summary table (``summary.csv``) and every other table the kind
wrote (``*.csv``, ``*.json`` such as ``findings.json``), every figure under ``figures/`` with its
title and one-sentence caption (``figures/index.json``; figures it does not list get a fallback
caption), the resolved config and, when the run is complete, its provenance.

Everything is embedded: figures as base64 ``data:`` URIs, styles inline, no scripts, no fonts, and
a Content-Security-Policy that forbids the browser any request, so the file can be mailed and
opened offline. Nothing here knows an experiment kind: a kind shapes its report through the files
it writes and the figure index (:meth:`neosim.results.RunFolder.add_figure`).

Only the standard library is imported, so a report costs milliseconds, not the seconds of a
matplotlib or pandas import.
"""

from __future__ import annotations

import base64
import csv
import hashlib
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
.badge { display:inline-block; font-size:0.75em; font-weight:700; color:#fff;
         background:var(--bad); padding:1px 6px; border-radius:3px; vertical-align:middle; }
nav { font-size:0.9em; margin:8px 0 0; }
nav a { color:var(--accent); margin-right:14px; text-decoration:none; }
table { border-collapse:collapse; margin:8px 0 12px; font-size:0.88em; }
th, td { border-bottom:1px solid var(--line); padding:4px 10px; text-align:right;
         vertical-align:top; }
th { background:var(--bg-alt); font-weight:600; }
th:first-child, td:first-child { text-align:left; }
td.txt { text-align:left; }
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


def _read_text(path: Path) -> str | None:
    """A folder file's text, or None when it is no regular UTF-8 file under the size cap (a FIFO
    or device dropped into a folder never blocks or floods the report)."""
    try:
        return read_text(path, kind="run")
    except InputError:
        return None


def _read_json(path: Path) -> Any | None:
    text = _read_text(path)
    try:
        return None if text is None else json.loads(text)
    except (ValueError, RecursionError):
        return None


def _read_config(run_dir: Path) -> tuple[str | None, dict[str, Any]]:
    text = _read_text(run_dir / results.CONFIG)
    if text is None:
        return None, {}
    try:
        return text, tomllib.loads(text)
    except (ValueError, RecursionError):  # TOMLDecodeError, or an integer of thousands of digits
        return text, {}


def _read_csv(path: Path) -> list[list[str]]:
    text = _read_text(path)
    try:
        return [] if text is None else list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return []


# --------------------------------------------------------------------------------------------
# Rendering helpers
# --------------------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
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
    """A CSV cell: numbers reformatted like :func:`_fmt`, anything else as written."""
    try:
        number = float(text)
    except ValueError:
        return text
    if text.strip().lstrip("+-").isdigit():
        return text.strip()
    return _fmt(number)


def _is_scalar(v: Any) -> bool:
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


def _table(header: list[str], rows: list[list[Any]], *, raw: bool = True) -> str:
    """An HTML table; ``raw`` rows hold Python values, otherwise CSV text."""
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = []
    for row in rows:
        if raw:
            cells = "".join(_cell(_fmt(v), isinstance(v, int | float) and not isinstance(v, bool))
                            for v in row)
        else:
            cells = "".join(_cell(_fmt_text_cell(v), _is_number_text(v)) for v in row)
        body.append(f"<tr>{cells}</tr>")
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def _csv_table(rows: list[list[str]]) -> str:
    if not rows:
        return '<p class="muted">(empty or unreadable)</p>'
    header, body = rows[0], rows[1:]
    note = ""
    if len(body) > MAX_TABLE_ROWS:
        note = (f'<p class="muted">First {MAX_TABLE_ROWS} of {len(body)} rows; the file holds '
                "them all.</p>")
        body = body[:MAX_TABLE_ROWS]
    return _table(header, body, raw=False) + note


def _json_block(obj: Any, depth: int = 0) -> str:
    """Render parsed JSON as tables: records as rows, mappings as key/value pairs."""
    if _is_scalar(obj):
        return f"<p>{escape(_fmt(obj))}</p>"
    if isinstance(obj, list):
        if all(_is_scalar(v) for v in obj):
            return f"<p>{escape(', '.join(_fmt(v) for v in obj))}</p>"
        if all(isinstance(v, dict) and all(_is_scalar(x) for x in v.values()) for v in obj):
            cols = list(dict.fromkeys(k for v in obj for k in v))
            return _table(cols, [[v.get(c) for c in cols] for v in obj])
        return _pre(json.dumps(obj, indent=2))
    if not isinstance(obj, dict) or not obj:
        return _pre(json.dumps(obj, indent=2))
    values = list(obj.values())
    if all(_is_scalar(v) for v in values):
        return _table(["key", "value"], [[k, v] for k, v in obj.items()])
    if all(isinstance(v, dict) and v and all(_is_scalar(x) for x in v.values()) for v in values):
        cols = list(dict.fromkeys(k for v in values for k in v))
        return _table(["", *cols], [[k, *(v.get(c) for c in cols)] for k, v in obj.items()])
    if depth >= 3:
        return _pre(json.dumps(obj, indent=2))
    parts, scalars = [], []
    for k, v in obj.items():
        if _is_scalar(v):
            scalars.append([k, v])
        else:
            parts.append(f"<h4>{escape(_humanise(k))}</h4>{_json_block(v, depth + 1)}")
    head = _table(["key", "value"], scalars) if scalars else ""
    return head + "".join(parts)


def _pre(text: str) -> str:
    return f"<pre>{escape(text)}</pre>"


def _humanise(name: str) -> str:
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _data_uri(path: Path) -> str:
    mime = IMAGE_TYPES[path.suffix.lower()]
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------


def _header(run_dir: Path, cfg: dict[str, Any], diag: Any, prov: Any) -> str:
    exp = cfg.get("experiment", {}) if isinstance(cfg.get("experiment"), dict) else {}
    name = str(exp.get("name") or run_dir.name)
    title = str(exp.get("title") or name)
    kind = exp.get("kind")
    meta = [f"experiment <b>{escape(name)}</b>"]
    if kind:
        meta.append(f"kind <code>{escape(str(kind))}</code>")
    if "seed" in exp:
        meta.append(f"seed {escape(str(exp['seed']))}")
    meta.append(f"run folder <code>{escape(run_dir.name)}</code>")
    if isinstance(prov, dict) and prov.get("ended_utc"):
        meta.append(f"finished {escape(str(prov['ended_utc']))}")
    out = [f"<h1>{escape(title)}</h1>", f'<p class="meta">{" · ".join(meta)}</p>']
    if exp.get("question"):
        out.append(f'<p class="question"><b>Question.</b> {escape(str(exp["question"]))}</p>')
    out.append(_verdict(diag, prov))
    return "\n".join(out)


def _verdict(diag: Any, prov: Any) -> str:
    passed = diag.get("passed") if isinstance(diag, dict) else None
    if passed is None and isinstance(prov, dict):
        passed = prov.get("checks_passed")
    if passed is True:
        return '<div class="verdict ok">✓ All checks passed</div>'
    if passed is False:
        failed = []
        checks = diag.get("checks") if isinstance(diag, dict) else None
        if isinstance(checks, dict):
            failed = [k for k, c in checks.items() if isinstance(c, dict) and not c.get("passed")]
        what = f": {', '.join(failed)}" if failed else ""
        return (f'<div class="verdict bad">✗ Checks failed{escape(what)}: do not use these '
                "results before reading the diagnostics</div>")
    return '<div class="verdict none">No checks recorded for this run</div>'


def _data_section(run_dir: Path, prov: Any) -> str:
    data = _read_json(run_dir / results.DATA)
    sources = data.get("sources") if isinstance(data, dict) else None
    if sources is None and isinstance(prov, dict):
        sources = prov.get("data")
    if not isinstance(sources, list) or not sources:
        return ('<p class="muted">This run folder records no data source (no data.json). '
                "See the config below for what the run used.</p>")
    out = []
    for src in sources:
        if not isinstance(src, dict):
            continue
        label = escape(str(src.get("short") or src.get("name") or "data"))
        badge = ' <span class="badge">SYNTHETIC DATA</span>' if src.get("synthetic") else ""
        ids = []
        if src.get("doi"):
            ids.append(f"doi:{escape(str(src['doi']))}")
        if src.get("pmid"):
            ids.append(f"PMID {escape(str(src['pmid']))}")
        ids_html = f' <span class="muted">({"; ".join(ids)})</span>' if ids else ""
        desc = (f'<br><span class="muted">{escape(str(src["description"]))}</span>'
                if src.get("description") else "")
        out.append(f'<div class="source"><b>{label}</b>{badge}: <span class="cite">'
                   f'{escape(str(src.get("citation", "")))}</span>{ids_html}{desc}</div>')
    return "\n".join(out)


def _diagnostics_section(diag: Any, prov: Any) -> str:
    if diag is None:
        return '<p class="muted">No diagnostics.json in this run folder.</p>'
    if not isinstance(diag, dict):
        return _json_block(diag)
    out = []
    msg = prov.get("checks_message") if isinstance(prov, dict) else None
    if msg:
        out.append(f"<p>{escape(str(msg)[:1].upper() + str(msg)[1:])}.</p>")
    checks = diag.get("checks")
    nested = _nested_checks(diag)
    if (isinstance(checks, dict) and all(isinstance(c, dict) for c in checks.values())) or nested:
        named = list((checks or {}).items())
        if nested:  # one record per fit (e.g. per model): its checks, the fit named
            named += [(f"{fit}: {name}", c) for fit, record in nested[1].items()
                      for name, c in record["checks"].items()]
        rows = [[name, c.get("value"), c.get("rule", c.get("threshold")),
                 c.get("worst_parameter", ""), "PASS" if c.get("passed") else "FAIL"]
                for name, c in named]
        out.append(_table(["check", "value", "rule", "worst parameter", "result"], rows))
        skip = ("checks", "passed", nested[0] if nested else None)
        rest = {k: v for k, v in diag.items() if k not in skip}
        scalars = {k: v for k, v in rest.items() if _is_scalar(v)}
        if scalars:
            items = " · ".join(f"{escape(k.replace('_', ' '))} <b>{escape(_fmt(v))}</b>"
                               for k, v in scalars.items())
            out.append(f'<p class="muted">{items}</p>')
        others = {k: v for k, v in rest.items() if not _is_scalar(v)}
        if others:
            out.append(_json_block(others))
    else:
        out.append(_json_block(diag))
    return "\n".join(out)


def _nested_checks(diag: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """``(key, fits)`` when ``diag[key]`` maps fit names to records with their own ``checks``
    (a run of several models); ``None`` otherwise."""
    for key, value in diag.items():
        if (isinstance(value, dict) and value
                and all(isinstance(v, dict) and isinstance(v.get("checks"), dict)
                        and all(isinstance(c, dict) for c in v["checks"].values())
                        for v in value.values())):
            return key, value
    return None


def _tables_section(run_dir: Path) -> str:
    out = []
    summary = run_dir / results.SUMMARY
    if summary.is_file():
        out.append(f'<h3>Summary <span class="muted">({results.SUMMARY})</span></h3>')
        out.append(_csv_table(_read_csv(summary)))
    for path in sorted(run_dir.glob("*.csv")):
        if path.name != results.SUMMARY:
            out.append(f'<h3>{escape(_humanise(path.stem))} <span class="muted">'
                       f"({escape(path.name)})</span></h3>")
            out.append(_csv_table(_read_csv(path)))
    for path in sorted(run_dir.glob("*.json")):
        if path.name in OWN_SECTION:
            continue
        out.append(f'<h3>{escape(_humanise(path.stem))} <span class="muted">'
                   f"({escape(path.name)})</span></h3>")
        text = _read_text(path)
        if text is None:
            out.append('<p class="muted">(unreadable)</p>')
            continue
        if len(text) > MAX_JSON_CHARS:
            out.append(f'<p class="muted">{_size(len(text))} of JSON: too large to show; open '
                       "the file.</p>")
            continue
        try:
            out.append(_json_block(json.loads(text)))
        except (ValueError, RecursionError):
            out.append('<p class="muted">(not valid JSON)</p>')
    if not out:
        return '<p class="muted">No tables in this run folder.</p>'
    return "\n".join(out)


def _figures_section(run_dir: Path) -> str:
    fig_dir = run_dir / results.FIGURES
    files: dict[str, list[Path]] = {}
    if fig_dir.is_dir():
        for path in sorted(fig_dir.iterdir()):
            image = path.suffix.lower() in IMAGE_TYPES and not path.name.startswith(".")
            if image and path.is_file():
                files.setdefault(path.stem, []).append(path)
    index = {f["stem"]: f for f in results.read_figure_index(run_dir)["figures"]}
    order = [s for s in index if s in files] + sorted(s for s in files if s not in index)
    if not order:
        return '<p class="muted">No figures in this run folder.</p>'
    out = []
    for n, stem in enumerate(order, start=1):
        entry = index.get(stem, {})
        paths = sorted(files[stem], key=lambda p: DISPLAY_ORDER.index(p.suffix.lower())
                       if p.suffix.lower() in DISPLAY_ORDER else len(DISPLAY_ORDER))
        shown, others = paths[0], paths[1:]
        title = str(entry.get("title") or _humanise(stem))
        caption = str(entry.get("caption") or
                      f"Figure {stem} (no caption recorded for it in figures/index.json).")
        badge = ' <span class="badge">SYNTHETIC DATA</span>' if entry.get("synthetic") else ""
        links = [f"{escape(shown.name)}"]
        for p in others:
            links.append(f'<a download="{escape(p.name)}" href="{_data_uri(p)}">'
                         f"{escape(p.name)}</a>")
        out.append(
            f'<figure id="fig-{escape(stem)}"><h3>Figure {n}. {escape(title)}{badge}</h3>'
            f'<img src="{_data_uri(shown)}" alt="{escape(title)}">'
            f'<figcaption>{escape(caption)} <span class="files">[{" · ".join(links)}]</span>'
            "</figcaption></figure>")
    return "\n".join(out)


def _config_section(text: str | None) -> str:
    if text is None:
        return '<p class="muted">No config.toml in this run folder.</p>'
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return (f'<p class="muted">Every value explicit, defaults included; SHA-256 '
            f"<code>{digest}</code>. Rerun with <code>neosim run</code> on this file to reproduce "
            f"the run.</p>{_pre(text)}")


def _provenance_section(run_dir: Path, prov: Any) -> str:
    out = []
    if isinstance(prov, dict):
        keep = ["neosim_version", "config_sha256", "seed", "started_utc", "ended_utc",
                "wall_seconds", "python", "platform", "host_cores", "config_file"]
        out.append(_table(["", "value"], [[k, prov[k]] for k in keep if k in prov]))
        if isinstance(prov.get("timings_seconds"), dict):
            out.append("<h4>Timings (seconds)</h4>" + _json_block(prov["timings_seconds"]))
        if isinstance(prov.get("packages"), dict):
            out.append("<h4>Package versions</h4>" + _json_block(prov["packages"]))
    else:
        out.append('<p class="muted">provenance.json is written after this report, when the run '
                   "completes; it holds package versions, timings and the command line. Rebuild "
                   "this page with <code>neosim report DIR</code> to include it.</p>")
    rows = []
    for path in sorted(run_dir.rglob("*")):
        # run.json is this invocation's record (command line, times), not a result: left out so
        # a resumed run's report equals an uninterrupted one's
        if (path.is_file() and not path.name.startswith(".")
                and path.relative_to(run_dir).as_posix() not in (results.REPORT, "run.json")):
            rows.append([str(path.relative_to(run_dir)), _size(path.stat().st_size)])
    if rows:
        out.append("<h4>Files in the run folder</h4>" + _table(["file", "size"], rows))
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def build_report(run_dir: str | Path) -> str:
    """The HTML text of the report of ``run_dir`` (read from its files; nothing is written).

    Raises
    ------
    InputError
        If ``run_dir`` is not a folder holding at least a ``config.toml`` or a ``summary.csv``.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError("no such run folder", file=str(run_dir), field="DIR")
    if not any((run_dir / f).is_file() for f in (results.CONFIG, results.SUMMARY,
                                                  results.DIAGNOSTICS)):
        raise InputError("is not a neosim run folder (no config.toml, summary.csv or "
                         "diagnostics.json)", file=str(run_dir), field="DIR")
    cfg_text, cfg = _read_config(run_dir)
    diag = _read_json(run_dir / results.DIAGNOSTICS)
    prov = _read_json(run_dir / results.PROVENANCE)
    exp = cfg.get("experiment", {}) if isinstance(cfg.get("experiment"), dict) else {}
    title = str(exp.get("title") or exp.get("name") or run_dir.name)
    sections = [
        ("data", "Data", _data_section(run_dir, prov)),
        ("figures", "Figures", _figures_section(run_dir)),
        ("results", "Results", _tables_section(run_dir)),
        ("diagnostics", "Diagnostics", _diagnostics_section(diag, prov)),
        ("config", "Resolved config", _config_section(cfg_text)),
        ("provenance", "Provenance", _provenance_section(run_dir, prov)),
    ]
    nav = "".join(f'<a href="#{key}">{escape(name)}</a>' for key, name, _ in sections)
    body = "\n".join(f'<section id="{key}"><h2>{escape(name)}</h2>\n{html}</section>'
                     for key, name, html in sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="neosim {escape(_version(prov))}">
<title>{escape(title)}: neosim report</title>
<style>{CSS}</style>
</head>
<body>
<main>
{_header(run_dir, cfg, diag, prov)}
<nav>{nav}</nav>
{body}
<footer>Made by <code>neosim report</code> from the files of this run folder alone. The page is
self-contained: figures are embedded, and it loads nothing from the network.</footer>
</main>
</body>
</html>
"""


def _version(prov: Any) -> str:
    if isinstance(prov, dict) and prov.get("neosim_version"):
        return str(prov["neosim_version"])
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("neosim")
    except PackageNotFoundError:
        return "unknown"


def write_report(run_dir: str | Path) -> Path:
    """Build the report of ``run_dir`` and write it, atomically, as ``report.html`` there."""
    run_dir = Path(run_dir)
    return results.atomic_write_text(run_dir / results.REPORT, build_report(run_dir))
