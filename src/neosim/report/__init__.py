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

Modules: :mod:`.html` (readers, formatting, CSS), :mod:`.sections` (one function per section),
:mod:`.tables` (the layout of each result table, chosen from its columns);
this module assembles the page.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from neosim import results
from neosim.errors import InputError
from neosim.report.html import (
    CSP,
    CSS,
    read_config,
    read_json_or_none,
)
from neosim.report.sections import (
    config_section,
    data_section,
    diagnostics_section,
    figures_section,
    page_header,
    provenance_section,
    tables_section,
)

# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def build_report(run_dir: str | Path, provenance: dict[str, Any] | None = None) -> str:
    """The HTML text of the report of ``run_dir`` (read from its files; nothing is written).

    ``provenance`` is the record ``provenance.json`` will hold, for a report written at the end
    of a run before that file exists (the runner); by default the file is read. The report shows
    what provenance says about the run's reproducibility (versions, hashes, seed, platform,
    packages, data), not its times or command line (those stay in ``provenance.json``), so a
    run's report, a rebuilt one and a resumed run's are the same page.

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
    cfg_text, cfg = read_config(run_dir)
    diag = read_json_or_none(run_dir / results.DIAGNOSTICS)
    prov = provenance if provenance is not None else read_json_or_none(
        run_dir / results.PROVENANCE)
    exp = cfg.get("experiment", {}) if isinstance(cfg.get("experiment"), dict) else {}
    title = str(exp.get("title") or exp.get("name") or run_dir.name)
    sections = [
        ("data", "Data", data_section(run_dir, prov)),
        ("figures", "Figures", figures_section(run_dir)),
        ("results", "Results", tables_section(run_dir)),
        ("diagnostics", "Diagnostics", diagnostics_section(diag, prov)),
        ("config", "Resolved config", config_section(cfg_text)),
        ("provenance", "Provenance", provenance_section(run_dir, prov)),
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
{page_header(run_dir, cfg, diag, prov)}
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


def write_report(run_dir: str | Path, provenance: dict[str, Any] | None = None) -> Path:
    """Build the report of ``run_dir`` and write it, atomically, as ``report.html`` there
    (``provenance``: see :func:`build_report`)."""
    run_dir = Path(run_dir)
    return results.atomic_write_text(run_dir / results.REPORT,
                                     build_report(run_dir, provenance))
