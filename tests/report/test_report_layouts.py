"""Table layouts of report.html for designs, simulations and projections (issue 13): no empty
posterior columns, no ``41.89;41.89`` cells, whole subjects, no raw JSON dump. Checked on small
hand-made tables and on real run folders of the survival_design, accrual and trial_simulation
kinds (the last one is slow: it compiles the simulation kernels)."""

from __future__ import annotations

import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
import tomli_w

from neosim.experiments.runner import run_experiment
from neosim.report.tables import FOLD_ROWS, result_table

ROOT = Path(__file__).resolve().parents[2]
POSTERIOR = ("sd", "ess_bulk", "ess_tail", "r_hat", "mc_se")


class _Tables(HTMLParser):
    """Every ``<table>`` as ``(header, rows)`` of cell texts, and whether a ``<pre>`` occurs."""

    def __init__(self):
        super().__init__()
        self.tables: list[tuple[list[str], list[list[str]]]] = []
        self.pre = False
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(([], []))
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "pre":
            self.pre = True

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            header, rows = self.tables[-1]
            if not header:
                header.extend(self._row)
            else:
                rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _parse(html: str) -> _Tables:
    p = _Tables()
    p.feed(html)
    return p


def _results(run: Path) -> _Tables:
    text = (run / "report.html").read_text(encoding="utf-8")
    start = text.index('<section id="results">')
    return _parse(text[start:text.index("</section>", start)])


def _assert_value_layout(parsed: _Tables) -> None:
    """What a design, simulation or projection report must never show."""
    assert not parsed.pre, "raw JSON dumped in the results"
    for header, rows in parsed.tables:
        assert not set(POSTERIOR) & set(header), header
        for row in rows:
            for cell in row:
                assert not re.search(r"\d;\s*-?\d", cell), cell
        for j, name in enumerate(header):  # no column that is empty in every row
            assert any(row[j] not in ("", "—") for row in rows if j < len(row)), name


# ---- hand-made tables ----------------------------------------------------------------------


def test_fit_summary_keeps_every_posterior_column():
    rows = [["parameter", "mean", "sd", "ess_bulk", "r_hat"], ["p[A]", "0.5", "0.1", "900", "1"]]
    header, body = _parse(result_table(rows)).tables[0]
    assert header == rows[0] and body == [["p[A]", "0.5", "0.1", "900", "1"]]


def test_value_summary_drops_empty_columns_and_heads_mean_as_value():
    rows = [["parameter", "mean", "sd", "ci_lower", "ci_upper", "ci_level", "ess_bulk",
             "ess_tail", "r_hat"],
            ["subjects[schoenfeld]", "83.79561463", "", "", "", "", "", "", ""]]
    html = result_table(rows)
    header, body = _parse(html).tables[0]
    assert header == ["parameter", "value"] and body == [["subjects[schoenfeld]", "83.8"]]
    assert "unrounded" in html  # a fractional subject count is said to be one


def test_design_table_shows_whole_subjects_per_arm_and_common_columns_once():
    rows = [["method", "subjects", "subjects_per_arm", "subjects_ceil", "subjects_per_arm_ceil",
             "alpha"],
            ["schoenfeld", "83.79", "41.897;41.897", "84", "42;42", "0.025"],
            ["freedman", "90.58", "45.29;45.29", "92", "46;46", "0.025"]]
    html = result_table(rows)
    header, body = _parse(html).tables[0]
    assert header == ["method", "subjects", "subjects_per_arm"]
    assert body[0] == ["schoenfeld", "84 (83.79)", "42 + 42 (41.9 + 41.9)"]
    assert "All rows: alpha <b>0.025</b>" in html


def test_simulation_table_is_one_column_per_analysis_with_its_mc_se():
    rows = [["quantity", "subjects", "hazard_ratio", "analysis", "value", "mc_se", "events_mean"],
            ["power", "20", "1", "logrank", "0.029", "0.003752", "10"],
            ["power", "20", "1", "cox", "0.019", "0.003053", "10"],
            ["assurance", "20", "", "logrank", "0.1485", "0.007951", ""]]
    parsed = _parse(result_table(rows))
    (h1, b1), (h2, b2) = parsed.tables
    assert h1 == ["Subjects", "HR", "logrank", "cox", "Events (mean)"]
    assert b1 == [["20", "1", "0.0290 ± 0.0038", "0.0190 ± 0.0031", "10"]]
    assert h2 == ["Subjects", "logrank"] and b2 == [["20", "0.1485 ± 0.0080"]]


def test_long_tables_fold():
    rows = [["x", "y"]] + [[str(i), str(i * i)] for i in range(FOLD_ROWS + 1)]
    assert result_table(rows).startswith("<details>")
    assert not result_table(rows[:FOLD_ROWS + 1]).startswith("<details>")


# ---- real run folders ----------------------------------------------------------------------


def _run(tmp_path: Path, name: str, **update) -> Path:
    cfg = tomllib.loads((ROOT / "experiments" / f"{name}.toml").read_text(encoding="utf-8"))
    for table, values in update.items():
        cfg.setdefault(table, {}).update(values)
    (tmp_path / "experiments").mkdir()
    (tmp_path / "configs").symlink_to(ROOT / "configs")
    path = tmp_path / "experiments" / f"{name}.toml"
    path.write_text(tomli_w.dumps(cfg), encoding="utf-8")
    run_experiment(path, out=tmp_path / "run", quiet=True, argv=["test"])
    return tmp_path / "run"


def test_design_report_has_its_own_layout(tmp_path):
    run = _run(tmp_path, "survival_design")
    parsed = _results(run)
    _assert_value_layout(parsed)
    design = next(t for t in parsed.tables if "subjects_per_arm" in t[0])
    col = design[0].index("subjects")
    for row in design[1]:
        assert re.fullmatch(r"\d+ \(\d+\.\d+\)|\d+", row[col]), row[col]  # whole, exact beside
        assert re.fullmatch(r"\d+ \+ \d+( \(.*\))?", row[design[0].index("subjects_per_arm")])
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "All checks passed" not in html and "no checks apply" in html
    # planning assumptions are labelled as such, not as synthetic data
    assert "PLANNING ASSUMPTION" in html and "SYNTHETIC DATA" not in html


def test_accrual_report_puts_mc_se_beside_values_and_shows_tables_once(tmp_path):
    run = _run(tmp_path, "consortium_accrual")
    parsed = _results(run)
    _assert_value_layout(parsed)
    time_to_n = [t for t in parsed.tables if "target" in t[0]]
    assert len(time_to_n) == 1  # the CSV, not again from accrual.json
    assert "mean_months ± MC SE" in time_to_n[0][0]
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "PLANNING ASSUMPTION" in html and "SYNTHETIC DATA" not in html


@pytest.mark.slow
def test_simulation_report_has_its_own_layout(tmp_path):
    run = _run(tmp_path, "trial_power", simulation={"n_trials": 1024},
               grid={"subjects": [20, 40], "hazard_ratio": [1.0, 0.5]})
    parsed = _results(run)
    _assert_value_layout(parsed)
    power = next(t for t in parsed.tables if "logrank" in t[0])
    assert power[0][:2] == ["Subjects", "HR"] and len(power[1]) == 4
    assert all("±" in row[power[0].index("logrank")] for row in power[1])


def test_headings_keep_acronyms_in_capitals():
    from neosim.report.html import humanise

    assert humanise("mll_rearranged_fraction[ALL]") == "MLL rearranged fraction[ALL]"
    assert humanise("all_checks") == "All checks"  # an English word stays a word
    assert humanise("power_curve") == "Power curve"


def test_design_comparison_layout():
    """A design comparison (``quantity, grid…, design, value, mc_se, analytic``): one table per
    quantity, one column per design with ``value ± MC SE`` and the analytic value in brackets
    where it exists, no posterior columns."""
    rows = [["quantity", "hazard_ratio", "subjects", "design", "value", "mc_se", "analytic"],
            ["power", "0.5", "40", "fixed", "0.48425", "0.0079", "0.512345"],
            ["power", "0.5", "40", "bayesian", "0.416", "0.0078", ""],
            ["expected_duration_years", "0.5", "40", "fixed", "10.219", "0.031", "10.177"],
            ["expected_duration_years", "0.5", "40", "bayesian", "7.97", "0.035", ""]]
    parser = _Tables()
    parser.feed(result_table(rows))
    assert len(parser.tables) == 2
    header, body = parser.tables[0]
    assert header == ["HR", "Subjects", "Fixed", "Bayesian"]
    assert body == [["0.5", "40", "0.4843 ± 0.0079 (analytic 0.5123)", "0.4160 ± 0.0078"]]
    assert not any(c in h for h in header for c in POSTERIOR)
