"""Table layouts of ``report.html`` for the result tables of a run folder, chosen from the
table's columns (not from the experiment kind). Standard library only.

* **Fits** (``summary.csv`` with posterior columns): every column, as written.
* **Values without a posterior** (designs, accrual: ``summary.csv`` whose ``sd``, ``ess_bulk``,
  ``r_hat`` … are empty): columns empty in every row are left out, and ``mean`` is headed
  ``value`` when the row has no spread or interval; unrounded subjects or events get a note.
* **Designs** (a column ``X`` beside ``X_ceil``): one column ``X`` holding the whole number
  ``X_ceil`` with the unrounded ``X`` in brackets; per-arm values (written ``a;b``) read
  ``a + b``; columns equal in every row are said once above the table.
* **Simulations** (columns ``quantity``, ``analysis``, ``value``, ``mc_se``): one table per
  quantity, one row per grid point, one column per analysis holding ``value ± MC SE``, then the
  grid point's other columns (mean events, duration) once.
* **Design comparisons** (columns ``quantity``, ``design``, ``value``, ``mc_se``,
  ``analytic``): one table per quantity, one row per grid point, one column per design holding
  ``value ± MC SE`` with the analytic value in brackets where the design has one.
* Any table longer than :data:`FOLD_ROWS` rows is folded into a ``<details>`` element (no
  script needed), so a curve of 200 points does not bury the rest of the page.
"""

from __future__ import annotations

import math
from html import escape

from neosim.report.html import MAX_TABLE_ROWS, fmt_value, html_table, humanise

#: tables longer than this are folded (shown on a click)
FOLD_ROWS = 25
#: columns of a posterior summary that a table without a posterior leaves empty
POSTERIOR_COLUMNS = ("sd", "ess_bulk", "ess_tail", "r_hat")
#: quantities counted in whole units (subjects, events): shown rounded up
WHOLE_PREFIXES = ("subjects", "events")
SIMULATION_COLUMNS = ("quantity", "analysis", "value", "mc_se")
#: a design comparison: simulated values by design with the analytic value where one exists
COMPARISON_COLUMNS = ("quantity", "design", "value", "mc_se", "analytic")


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _fmt(text: str) -> str:
    """A cell: numbers to 4 significant digits, ``a;b`` lists as ``a + b``."""
    if ";" in text and all(_number(p) is not None for p in text.split(";")):
        return " + ".join(_fmt(p) for p in text.split(";"))
    value = _number(text)
    if value is None:
        return text
    if text.strip().lstrip("+-").isdigit():
        return text.strip()
    return fmt_value(value)


def _numeric(text: str) -> bool:
    """Right-aligned: a number, a list of numbers, or a number with its error or bracket."""
    first = text.split()[0].split(";")[0] if text.strip() else ""
    return _number(first) is not None


def _table(header: list[str], rows: list[list[str]]) -> str:
    """Formatted cells (already text) into an HTML table."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" if _numeric(c) or c == "—" else
                         f'<td class="txt">{escape(c)}</td>' for c in row) + "</tr>"
        for row in rows)
    return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def _fold(html: str, n_rows: int) -> str:
    if n_rows <= FOLD_ROWS:
        return html
    return f"<details><summary>{n_rows} rows (show the table)</summary>{html}</details>"


def result_table(rows: list[list[str]]) -> str:
    """The HTML of a CSV table (``rows[0]`` its header) in the layout its columns call for."""
    if not rows:
        return '<p class="muted">(empty or unreadable)</p>'
    header, body = rows[0], [r + [""] * (len(rows[0]) - len(r)) for r in rows[1:]]
    note = ""
    if len(body) > MAX_TABLE_ROWS:
        note = (f'<p class="muted">First {MAX_TABLE_ROWS} of {len(body)} rows; the file holds '
                "them all.</p>")
        body = body[:MAX_TABLE_ROWS]
    if all(c in header for c in SIMULATION_COLUMNS):
        return simulation_tables(header, body) + note
    if all(c in header for c in COMPARISON_COLUMNS):
        return comparison_tables(header, body) + note
    has_posterior = any(r[header.index(c)].strip() for c in POSTERIOR_COLUMNS
                        if c in header for r in body)
    if "r_hat" in header and has_posterior:
        return _fold(html_table(header, body, raw=False), len(body)) + note
    design = [h for h in header if f"{h}_ceil" in header]
    header, body = _design_columns(header, body)
    header, body = _with_mc_se(header, body)
    keep = [j for j in range(len(header)) if any(r[j].strip() for r in body)] or \
        list(range(len(header)))
    header, body = [header[j] for j in keep], [[r[j] for j in keep] for r in body]
    if "mean" in header and not {"sd", "ci_lower", "ci_upper"} & set(header):
        header = ["value" if h == "mean" else h for h in header]
    common = ""
    if design and len(body) > 1:  # what every row shares is said once, above the table
        same = [j for j in range(1, len(header)) if len({r[j] for r in body}) == 1]
        common = " · ".join(f"{escape(header[j].replace('_', ' '))} <b>{escape(_fmt(body[0][j]))}"
                            "</b>" for j in same)
        common = f'<p class="muted">All rows: {common}</p>' if common else ""
        keep = [j for j in range(len(header)) if j not in same]
        header, body = [header[j] for j in keep], [[r[j] for j in keep] for r in body]
    cells = [[_fmt(c) if c.strip() else "—" for c in r] for r in body]
    if design:
        whole = " and ".join(h for h in ("subjects", "events") if h in design)
        power = ", power at those whole numbers" if "power" in design else ""
        note = (f'<p class="muted">Whole numbers: {whole} rounded up (subjects in whole '
                f"randomisation blocks){power}; the unrounded solution in brackets.</p>" + note)
    elif any(r[0].split("[", 1)[0].startswith(WHOLE_PREFIXES) and _number(c) is not None
             and _number(c) != int(_number(c)) for r in body for c in r[1:]):
        note = ('<p class="muted">Subjects and events in this table are unrounded solutions; '
                "round them up (a design table, where the run writes one, gives the whole "
                "numbers).</p>" + note)
    return common + _fold(_table(header, cells), len(body)) + note


def _design_columns(header: list[str], body: list[list[str]]):
    """Merge each ``X``/``X_ceil`` pair into ``X``: the whole number, the exact in brackets."""
    pairs = {h: header.index(f"{h}_ceil") for h in header if f"{h}_ceil" in header}
    if not pairs:
        return header, body
    out_header = [h for h in header if not (h.endswith("_ceil") and h[:-5] in pairs)]
    out = []
    for r in body:
        cells = dict(zip(header, r, strict=True))
        row = []
        for h in out_header:
            if h in pairs and cells[f"{h}_ceil"].strip():
                whole, exact = _fmt(cells[f"{h}_ceil"]), _fmt(cells[h])
                row.append(whole if whole == exact else f"{whole} ({exact})")
            else:
                row.append(cells[h])
        out.append(row)
    return out_header, out


def _pm(value: str, se: str) -> str:
    """``value ± se`` with the SE to 2 significant digits and the value to the same decimals
    (``0.0290 ± 0.0038``); the value alone when there is no SE."""
    v, e = _number(value), _number(se)
    if v is None or e is None or e <= 0:
        return _fmt(value) if value.strip() else "—"
    decimals = max(0, 1 - math.floor(math.log10(e)))
    if decimals > 6:  # a tiny probability: significant digits, not a row of zeros
        return f"{fmt_value(v)} ± {e:.2g}"
    return f"{v:.{decimals}f} ± {e:.{decimals}f}"


def _with_mc_se(header: list[str], body: list[list[str]]):
    """Put each Monte-Carlo SE beside its value: a column ``X_mc_se`` into ``X``, a bare
    ``mc_se`` into the first ``mean…`` column (``36.49 ± 0.0062``)."""
    target = {h: h[:-6] for h in header if h.endswith("_mc_se") and h[:-6] in header}
    if "mc_se" in header:
        first = next((h for h in header if h.startswith("mean")), None)
        if first:
            target["mc_se"] = first
    if not target:
        return header, body
    col = {h: i for i, h in enumerate(header)}
    into = {v: k for k, v in target.items()}
    out_header = [h for h in header if h not in target]
    out = [[_pm(r[col[h]], r[col[into[h]]]) if h in into and r[col[h]].strip()
            else r[col[h]] for h in out_header] for r in body]
    return [f"{h} ± MC SE" if h in into else h for h in out_header], out


def simulation_tables(header: list[str], body: list[list[str]]) -> str:
    """One table per ``quantity``: rows are grid points, columns the analyses (``value ± MC
    SE``), then the grid point's other columns where one value holds for all its analyses."""
    col = {h: i for i, h in enumerate(header)}
    grid = header[col["quantity"] + 1:col["analysis"]]
    extra = header[col["mc_se"] + 1:]
    out = []
    for quantity in dict.fromkeys(r[col["quantity"]] for r in body):
        mine = [r for r in body if r[col["quantity"]] == quantity]
        axes = [g for g in grid if any(r[col[g]].strip() for r in mine)]
        analyses = list(dict.fromkeys(r[col["analysis"]] for r in mine))
        points: dict[tuple, dict[str, list[str]]] = {}
        for r in mine:
            points.setdefault(tuple(r[col[g]] for g in axes), {})[r[col["analysis"]]] = r
        shown = [e for e in extra if any(r[col[e]].strip() for r in mine) and all(
            len({r[col[e]] for r in by.values()}) == 1 for by in points.values())]
        rows = []
        for key, by in points.items():
            cells = [_fmt(k) for k in key]
            for a in analyses:
                r = by.get(a)
                cells.append("—" if r is None else _pm(r[col["value"]], r[col["mc_se"]]))
            first = next(iter(by.values()))
            cells += [_fmt(first[col[e]]) if first[col[e]].strip() else "—" for e in shown]
            rows.append(cells)
        head = [humanise(a) if a != "hazard_ratio" else "HR" for a in axes] + analyses + \
            [humanise(e.replace("_mean", "")) + " (mean)" if e.endswith("_mean")
             else humanise(e) for e in shown]
        out.append(f"<h4>{escape(humanise(quantity))} <span class=\"muted\">(value ± "
                   "Monte-Carlo SE, by analysis)</span></h4>"
                   + _fold(_table(head, rows), len(rows)))
    return "\n".join(out)


def comparison_tables(header: list[str], body: list[list[str]]) -> str:
    """One table per ``quantity``: rows are grid points (the columns between ``quantity`` and
    ``design``), one column per design holding ``value ± MC SE`` and, where the design has one,
    the analytic value in brackets (``0.446 ± 0.008 (analytic 0.462)``)."""
    col = {h: i for i, h in enumerate(header)}
    grid = header[col["quantity"] + 1:col["design"]]
    out = []
    for quantity in dict.fromkeys(r[col["quantity"]] for r in body):
        mine = [r for r in body if r[col["quantity"]] == quantity]
        designs = list(dict.fromkeys(r[col["design"]] for r in mine))
        points: dict[tuple, dict[str, list[str]]] = {}
        for r in mine:
            points.setdefault(tuple(r[col[g]] for g in grid), {})[r[col["design"]]] = r
        rows = []
        for key, by in points.items():
            cells = [_fmt(k) for k in key]
            for d in designs:
                r = by.get(d)
                if r is None:
                    cells.append("—")
                    continue
                cell = _pm(r[col["value"]], r[col["mc_se"]])
                exact = _number(r[col["analytic"]])
                cells.append(cell if exact is None else f"{cell} (analytic {fmt_value(exact)})")
            rows.append(cells)
        head = [("HR" if g == "hazard_ratio" else humanise(g)) for g in grid] + \
            [humanise(d) for d in designs]
        out.append(f"<h4>{escape(humanise(quantity))} <span class=\"muted\">(simulated value ± "
                   "Monte-Carlo SE; the analytic value in brackets where one exists)</span></h4>"
                   + _fold(_table(head, rows), len(rows)))
    return "\n".join(out)
