"""report.html from a hand-made run folder: generic over kinds, self-contained, tolerant."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from neosim import results
from neosim.cli import main
from neosim.config import OutputSection
from neosim.errors import InputError
from neosim.plots.style import figure
from neosim.report import build_report, write_report

from ..report_checks import assert_embeds, assert_self_contained, check_png, check_svg

STYLE = OutputSection(figure_width_in=4.0, figure_height_in=3.0, dpi=50)


def _draw(path, *, synthetic=False):
    with figure(path, STYLE, caption="Data: made up for a test", synthetic=synthetic) as (_, ax):
        ax[0, 0].plot([0, 1, 2], [1, 3, 2], lw=3)
        ax[0, 0].set_xlabel("x")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A run folder of a kind the report has never heard of (drawn once per module)."""
    tmp = tmp_path_factory.mktemp("report")
    f = results.create_run_folder(tmp / "run", experiment_name="odd", config_sha256="0" * 64,
                                  seed=1)
    f.write_config('[experiment]\nname = "odd"\nkind = "not_a_kind_yet"\n'
                   'title = "A <b>bold</b> title"\nquestion = "Does x & y hold?"\nseed = 1\n')
    f.write_json("diagnostics.json", {"passed": False, "mc_se_max": 0.01,
                                      "checks": {"mc_error": {"value": 0.02, "threshold": 0.01,
                                                              "rule": "max 0.01",
                                                              "passed": False}}})
    results.atomic_write_text(f.file("operating_characteristics.csv"),
                              "n,power,mc_se\n10,0.5123456,0.01\n20,0.8,0.009\n")
    f.write_json("findings.json", {"by_arm": {"a": {"rate": 0.1, "n": 5}, "b": {"rate": 0.2}},
                                   "note": "plain", "list": [1, 2, 3]})
    f.write_data_sources([{"name": "sim", "citation": "Simulated cohort (no publication)",
                           "synthetic": True}])
    for fmt in ("png", "svg"):
        _draw(f.figure("power_curve", fmt), synthetic=True)
    _draw(f.figure("unlisted_extra", "png"))
    f.add_figure("power_curve", title="Power against N", caption="Power with MC bands.",
                 synthetic=True)
    return f


@pytest.fixture
def folder(pristine, tmp_path):
    """A fresh copy of the pristine folder, for tests that change it."""
    path = tmp_path / "run"
    shutil.copytree(pristine.path, path)
    return dataclasses.replace(pristine, path=path)


def test_report_of_an_unknown_kind_shows_everything_and_stays_self_contained(folder):
    path = write_report(folder.path)
    text = path.read_text(encoding="utf-8")
    assert_self_contained(text)
    figs = sorted((folder.path / "figures").glob("*.*g"))
    assert {p.name for p in figs} == {"power_curve.png", "power_curve.svg", "unlisted_extra.png"}
    assert_embeds(text, figs)
    assert "A &lt;b&gt;bold&lt;/b&gt; title" in text  # escaped, not markup
    assert "Does x &amp; y hold?" in text
    assert "Checks failed" in text and "mc_error" in text
    assert "Simulated cohort (no publication)" in text and "SYNTHETIC DATA" in text
    assert "0.5123" in text and "0.5123456" not in text  # numbers to 4 significant digits
    assert "Power with MC bands." in text
    # a figure missing from figures/index.json still appears, with a fallback caption
    assert "Unlisted extra" in text and "no caption recorded" in text
    assert text.index("Power against N") < text.index("Unlisted extra")
    assert "not_a_kind_yet" in text
    assert "has no provenance.json: the run did not complete" in text


def test_report_after_the_run_completes_includes_provenance(folder):
    folder.finish(argv=["neosim", "run", "x.toml"])
    text = build_report(folder.path)
    assert_self_contained(text)
    assert "Package versions" in text and folder.config_sha256 in text
    assert "Simulated cohort" in text  # provenance carries the data sources too
    prov = results.read_json(folder.path / "provenance.json")
    assert prov["data"][0]["name"] == "sim"


def test_checks_of_several_fits_form_one_table(folder):
    check = {"value": 1.002, "threshold": 1.01, "rule": "max 1.01", "passed": True,
             "worst_parameter": "theta[A]"}
    bad = {**check, "value": 1.2, "passed": False}
    folder.write_json("diagnostics.json", {
        "passed": False, "max_r_hat": 1.2,
        "models": {"weibull": {"passed": True, "checks": {"r_hat": check}},
                   "cure": {"passed": False, "checks": {"r_hat": bad}}}})
    text = build_report(folder.path)
    assert_self_contained(text)
    section = text[text.index('<section id="diagnostics">'):]
    section = section[:section.index("</section>")]
    assert section.count("<table>") == 1  # one table, the fit named in each row
    assert "weibull: r_hat" in section and "cure: r_hat" in section
    assert section.count("PASS") == 1 and section.count("FAIL") == 1
    assert "max r hat" in section


def test_report_is_rewritten_atomically(folder):
    first = write_report(folder.path)
    again = write_report(folder.path)
    assert again == first and not list(folder.path.glob(".report.html.tmp-*"))


def test_figures_of_configured_size(folder):
    w, h = check_png(folder.figure("power_curve", "png"), width_in=4.0, dpi=50)
    assert h == STYLE.figure_height_in
    check_svg(folder.figure("power_curve", "svg"), width_in=w, height_in=h)


def test_add_figure_keeps_order_and_replaces(folder):
    folder.add_figure("b", title="B", caption="b.")
    folder.add_figure("power_curve", title="New title", caption="c.")
    stems = [f["stem"] for f in results.read_figure_index(folder.path)["figures"]]
    assert stems == ["power_curve", "b"]
    assert results.read_figure_index(folder.path)["figures"][0]["title"] == "New title"


def test_damaged_files_do_not_stop_the_report(folder):
    (folder.path / "figures" / "index.json").write_text("{not json")
    (folder.path / "findings.json").write_text("[1, 2")
    (folder.path / "diagnostics.json").write_text("null")
    text = build_report(folder.path)
    assert_self_contained(text)
    assert "Power curve" in text and "not valid JSON" in text


def test_data_sources_need_a_citation(folder):
    with pytest.raises(ValueError, match="citation"):
        folder.write_data_sources([{"name": "x"}])


def test_not_a_run_folder(tmp_path):
    with pytest.raises(InputError, match="not a neosim run folder"):
        build_report(tmp_path)
    with pytest.raises(InputError, match="no such run folder"):
        build_report(tmp_path / "missing")


def test_cli_report(folder, capsys):
    main(["report", str(folder.path)])
    assert (folder.path / "report.html").is_file()
    assert "report.html" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["report", str(folder.path / "nope")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such run folder" in err


def test_index_json_is_plain_json(folder):
    index = json.loads((folder.path / "figures" / "index.json").read_text())
    assert index["schema"] == "neosim-figures/1"
    assert index["figures"][0] == {"stem": "power_curve", "title": "Power against N",
                                   "caption": "Power with MC bands.", "synthetic": True}
