"""The sections of ``report.html`` (header and verdict, data, diagnostics, tables, figures,
config, provenance), each from the run folder's files. Standard library only.
"""

from __future__ import annotations

import hashlib
import json
from html import escape
from pathlib import Path
from typing import Any

from neosim import results
from neosim.report.html import (
    DISPLAY_ORDER,
    IMAGE_TYPES,
    MAX_JSON_CHARS,
    OWN_SECTION,
    data_uri,
    fmt_value,
    html_table,
    human_size,
    humanise,
    is_scalar,
    json_block,
    pre_block,
    read_csv_rows,
    read_json_or_none,
    read_text_or_none,
)
from neosim.report.tables import result_table

# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------


def page_header(run_dir: Path, cfg: dict[str, Any], diag: Any, prov: Any) -> str:
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
    out = [f"<h1>{escape(title)}</h1>", f'<p class="meta">{" · ".join(meta)}</p>']
    if exp.get("question"):
        out.append(f'<p class="question"><b>Question.</b> {escape(str(exp["question"]))}</p>')
    out.append(_verdict(diag, prov))
    return "\n".join(out)


def _verdict(diag: Any, prov: Any) -> str:
    passed = diag.get("passed") if isinstance(diag, dict) else None
    if passed is None and isinstance(prov, dict):
        passed = prov.get("checks_passed")
    warned = _warnings(diag) if passed is True else []
    if warned:
        return (f'<div class="verdict warn">⚠ Passed with warnings: {escape(", ".join(warned))}'
                " (see Diagnostics)</div>")
    if passed is True and diag is None:  # nothing was checked (a design, a projection)
        what = prov.get("checks_message") if isinstance(prov, dict) else None
        return ('<div class="verdict ok">✓ Completed'
                f'{": " + escape(str(what)) if what else ""} (no checks apply)</div>')
    if passed is True:
        return '<div class="verdict ok">✓ All checks passed</div>'
    if passed is False:
        failed = []
        checks = diag.get("checks") if isinstance(diag, dict) else None
        if isinstance(checks, dict):
            failed = [k for k, c in checks.items() if isinstance(c, dict) and not c.get("passed")
                      and c.get("severity") != "warning"]
        what = f": {', '.join(failed)}" if failed else ""
        return (f'<div class="verdict bad">✗ Checks failed{escape(what)}: do not use these '
                "results before reading the diagnostics</div>")
    return '<div class="verdict none">No checks recorded for this run</div>'


def _warnings(diag: Any) -> list[str]:
    """The warning checks that did not pass (``"severity": "warning"``), of the run or of each
    fit of a run of several models (``"fit: check"``); also when only ``status`` says so."""
    if not isinstance(diag, dict):
        return []
    named = list((diag.get("checks") or {}).items()) if isinstance(diag.get("checks"),
                                                                    dict) else []
    nested = _nested_checks(diag)
    if nested:
        named += [(f"{fit}: {name}", c) for fit, record in nested[1].items()
                  for name, c in record["checks"].items()]
    out = [name for name, c in named if isinstance(c, dict)
           and c.get("severity") == "warning" and not c.get("passed")]
    if not out and diag.get("status") == "passed with warnings":
        out = ["see the diagnostics"]
    return out


def _result(c: dict[str, Any]) -> str:
    if c.get("passed"):
        return "PASS"
    return "WARN" if c.get("severity") == "warning" else "FAIL"


def data_section(run_dir: Path, prov: Any) -> str:
    data = read_json_or_none(run_dir / results.DATA)
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
        badge = (' <span class="badge">SYNTHETIC DATA</span>' if src.get("synthetic") else
                 ' <span class="badge assumption">PLANNING ASSUMPTION</span>'
                 if src.get("assumption") else "")
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


def diagnostics_section(diag: Any, prov: Any) -> str:
    if diag is None:
        return ('<p class="muted">This run records no pass/fail checks (no diagnostics.json); '
                "Monte-Carlo errors, where there are any, stand beside the results.</p>")
    if not isinstance(diag, dict):
        return json_block(diag)
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
                 c.get("worst_parameter", ""), _result(c)]
                for name, c in named]
        out.append(html_table(["check", "value", "rule", "worst parameter", "result"], rows))
        skip = ("checks", "passed", "warnings", nested[0] if nested else None)
        rest = {k: v for k, v in diag.items() if k not in skip}
        scalars = {k: v for k, v in rest.items() if is_scalar(v)}
        if scalars:
            items = " · ".join(f"{escape(k.replace('_', ' '))} <b>{escape(fmt_value(v))}</b>"
                               for k, v in scalars.items())
            out.append(f'<p class="muted">{items}</p>')
        others = {k: v for k, v in rest.items() if not is_scalar(v)}
        if others:
            out.append(json_block(others))
    else:
        out.append(json_block(diag))
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


def tables_section(run_dir: Path) -> str:
    out = []
    summary = run_dir / results.SUMMARY
    if summary.is_file():
        out.append(f'<h3>Summary <span class="muted">({results.SUMMARY})</span></h3>')
        out.append(result_table(read_csv_rows(summary)))
    tables = sorted(run_dir.glob("*.csv"))
    for path in tables:
        if path.name != results.SUMMARY:
            out.append(f'<h3>{escape(humanise(path.stem))} <span class="muted">'
                       f"({escape(path.name)})</span></h3>")
            out.append(result_table(read_csv_rows(path)))
    for path in sorted(run_dir.glob("*.json")):
        if path.name in OWN_SECTION:
            continue
        if path.with_suffix(".csv") in tables:  # the same records: shown once, as that table
            out.append(_beside_csv(path))
            continue
        stems = {t.stem for t in tables}
        out.append(f'<h3>{escape(humanise(path.stem))} <span class="muted">'
                   f"({escape(path.name)})</span></h3>")
        text = read_text_or_none(path)
        if text is None:
            out.append('<p class="muted">(unreadable)</p>')
            continue
        if len(text) > MAX_JSON_CHARS:
            out.append(f'<p class="muted">{human_size(len(text))} of JSON: too large to show; open '
                       "the file.</p>")
            continue
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            out.append('<p class="muted">(not valid JSON)</p>')
            continue
        repeated = [k for k in data if k in stems] if isinstance(data, dict) else []
        if repeated:  # entries that are a CSV table of the folder are shown once, as that table
            data = {k: v for k, v in data.items() if k not in repeated}
        out.append(json_block(data) if data else "")
        if repeated:
            out.append(f'<p class="muted">{escape(", ".join(repeated))}: the tables '
                       f'{escape(", ".join(k + ".csv" for k in repeated))} above.</p>')
    if not out:
        return '<p class="muted">No tables in this run folder.</p>'
    return "\n".join(out)


def _beside_csv(path: Path) -> str:
    """A JSON file that repeats the CSV of its name: its scalar entries, and a pointer to the
    table for its records (no second copy of the same numbers)."""
    data = read_json_or_none(path)
    head = (f'<h3>{escape(humanise(path.stem))} <span class="muted">({escape(path.name)})'
            "</span></h3>")
    if not isinstance(data, dict):
        return head + (f'<p class="muted">The records of {escape(path.stem)}.csv above, '
                       "at full precision.</p>")
    scalars = [[k, v] for k, v in data.items() if is_scalar(v)]
    rest = [k for k, v in data.items() if not is_scalar(v)]
    body = html_table(["key", "value"], scalars) if scalars else ""
    if rest:
        body += (f'<p class="muted">{escape(", ".join(rest))}: the records of '
                 f"{escape(path.stem)}.csv above, at full precision.</p>")
    return head + body


def figures_section(run_dir: Path) -> str:
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
        title = str(entry.get("title") or humanise(stem))
        caption = str(entry.get("caption") or
                      f"Figure {stem} (no caption recorded for it in figures/index.json).")
        badge = ' <span class="badge">SYNTHETIC DATA</span>' if entry.get("synthetic") else ""
        links = [f"{escape(shown.name)}"]
        for p in others:
            links.append(f'<a download="{escape(p.name)}" href="{data_uri(p)}">'
                         f"{escape(p.name)}</a>")
        out.append(
            f'<figure id="fig-{escape(stem)}"><h3>Figure {n}. {escape(title)}{badge}</h3>'
            f'<img src="{data_uri(shown)}" alt="{escape(title)}">'
            f'<figcaption>{escape(caption)} <span class="files">[{" · ".join(links)}]</span>'
            "</figcaption></figure>")
    return "\n".join(out)


def config_section(text: str | None) -> str:
    if text is None:
        return '<p class="muted">No config.toml in this run folder.</p>'
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return (f'<p class="muted">Every value explicit, defaults included; SHA-256 '
            f"<code>{digest}</code>. Rerun with <code>neosim run</code> on this file to reproduce "
            f"the run.</p>{pre_block(text)}")


def provenance_section(run_dir: Path, prov: Any) -> str:
    out = []
    if isinstance(prov, dict):
        keep = ["neosim_version", "config_sha256", "seed", "experiment", "kind", "config_file",
                "python", "platform", "host_cores", "checks_passed", "checks_message",
                "synthetic_data"]
        out.append(html_table(["", "value"], [[k, prov[k]] for k in keep if k in prov]))
        if isinstance(prov.get("input_files"), dict) and prov["input_files"]:
            out.append("<h4>Input files (SHA-256)</h4>" + html_table(
                ["file", "sha256"], [[k, v] for k, v in prov["input_files"].items()]))
        if isinstance(prov.get("packages"), dict):
            out.append("<h4>Package versions</h4>" + json_block(prov["packages"]))
        out.append('<p class="muted">Times, timings and the command line of the run are in '
                   "<code>provenance.json</code>.</p>")
    else:
        out.append('<p class="muted">This run folder has no provenance.json: the run did not '
                   "complete (finish it with <code>neosim run --resume DIR</code>).</p>")
    rows = []
    for path in sorted(run_dir.rglob("*")):
        # run.json and provenance.json record this invocation (command line, times), not a
        # result: left out so that a resumed run's report equals an uninterrupted one's, and
        # the report written by the run equals one rebuilt by `neosim report`
        if (path.is_file() and not path.name.startswith(".")
                and path.relative_to(run_dir).as_posix() not in (
                    results.REPORT, "run.json", results.PROVENANCE)):
            rows.append([str(path.relative_to(run_dir)), human_size(path.stat().st_size)])
    if rows:
        out.append("<h4>Files in the run folder</h4>" + html_table(["file", "size"], rows))
    return "\n".join(out)
