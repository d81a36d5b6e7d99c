"""Every shipped experiment (``experiments/*.toml``, found by glob so new files are covered)
produces its figures, their index, its data citations and a self-contained report.

Each file runs as a reduced copy: fewer draws and replicates, figures in PNG and SVG at a size
other than the default, and convergence thresholds loosened, but the same kind, data, models,
sensitivity analyses and figures. ``sbc_*`` files run with 20 replicates of short chains, so the
``sbc`` kind is covered too. Whether a reduced run passes its statistical checks is not asked
here (other tests check the statistics); what is checked is what a reader of the run sees.
"""

from __future__ import annotations

import html
import shutil
import tomllib
from pathlib import Path

import pytest
import tomli_w

from neosim import results
from neosim.experiments import kind_module
from neosim.experiments.runner import resume_run, run_experiment

from ..report_checks import assert_embeds, assert_self_contained, check_png, check_svg
from ..runfolders import assert_same_run

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.toml"))
WIDTH_IN, HEIGHT_IN, DPI = 6.5, 4.0, 80  # not the defaults, so a kind that ignores them fails


def _reduce(cfg: dict) -> dict:
    """The same experiment, lighter: only run sizes, thresholds and figure output change."""
    fields = kind_module(cfg["experiment"]["kind"]).Config.model_fields
    if "sampler" in fields:
        cfg.setdefault("sampler", {}).update(chains=2, draws=300, tune=300)
    if "diagnostics" in fields:
        cfg.setdefault("diagnostics", {}).update(ess_bulk_min=50.0, ess_tail_min=50.0)
    if "check" in fields:
        cfg.setdefault("check", {}).update(replicates=2000)
    if "sbc" in fields:
        cfg["sbc"].update(replicates=20, replicates_per_task=10, chains=2, draws=100, tune=100,
                          thin_to=99, bins=10)
    cfg.setdefault("output", {}).update(figure_formats=["png", "svg"], figure_width_in=WIDTH_IN,
                                        figure_height_in=HEIGHT_IN, dpi=DPI)
    return cfg


@pytest.fixture(scope="module")
def reduced(tmp_path_factory) -> Path:
    """Reduced copies of every experiment file, beside links to the repository's folders so
    relative paths in them (``../configs/...``, other experiment files) still resolve."""
    root = tmp_path_factory.mktemp("repo")
    for entry in ROOT.iterdir():
        if entry.is_dir() and not entry.name.startswith(".") and entry.name != "experiments":
            (root / entry.name).symlink_to(entry)
    (root / "experiments").mkdir()
    for path in EXPERIMENTS:
        cfg = _reduce(tomllib.loads(path.read_text(encoding="utf-8")))
        (root / "experiments" / path.name).write_text(tomli_w.dumps(cfg), encoding="utf-8")
    return root / "experiments"


def test_experiments_are_found():
    assert len(EXPERIMENTS) >= 7
    kinds = {tomllib.loads(p.read_text())["experiment"]["kind"] for p in EXPERIMENTS}
    assert {"subtype_frequencies", "sbc", "survival_design", "accrual", "evidence_pooling",
            "survival_aggregate", "survival_ipd"} <= kinds


@pytest.mark.parametrize("experiment", EXPERIMENTS, ids=[p.stem for p in EXPERIMENTS])
def test_experiment_report(experiment: Path, reduced: Path, tmp_path):
    run = tmp_path / "run"
    run_experiment(reduced / experiment.name, out=run, quiet=True, argv=["test"])
    assert results.is_complete(run)

    # figures: every file indexed with a caption, every indexed figure in both formats
    index = results.read_figure_index(run)["figures"]
    assert index, "no figure described in figures/index.json"
    stems = [f["stem"] for f in index]
    assert len(set(stems)) == len(stems)
    files = sorted(p for p in (run / "figures").iterdir()
                   if p.suffix in (".png", ".svg") and not p.name.startswith("."))
    assert {p.stem for p in files} == set(stems), "figures not in the index, or index entries " \
                                                  "without a file"
    for f in index:
        assert f["title"].strip(), f["stem"]
        assert len(f["caption"]) > 40 and f["caption"].rstrip().endswith("."), f["stem"]
        assert isinstance(f["synthetic"], bool)
        png, svg = run / "figures" / f"{f['stem']}.png", run / "figures" / f"{f['stem']}.svg"
        assert png.is_file() and svg.is_file(), f["stem"]
        w, h = check_png(png, width_in=WIDTH_IN, dpi=DPI)
        check_svg(svg, width_in=w, height_in=h)

    # data: at least one source, each with a citation
    data = results.read_json(run / "data.json")
    assert data["schema"] == results.DATA_SCHEMA and data["sources"]
    for src in data["sources"]:
        assert src["name"] and len(src["citation"].strip()) > 10, src
        assert isinstance(src.get("synthetic", False), bool)
    if any(f["synthetic"] for f in index):
        assert any(src.get("synthetic") for src in data["sources"]), \
            "a figure is marked synthetic but no data source is"

    # report: parses, loads nothing, embeds every figure, shows every caption and citation
    text = (run / "report.html").read_text(encoding="utf-8")
    assert_self_contained(text)
    assert_embeds(text, files)
    for f in index:
        assert html.escape(f["caption"]) in text, f["stem"]
    for src in data["sources"]:
        assert html.escape(src["citation"]) in text


#: kinds whose resume is checked at scale with SIGKILLs in test_kill_resume.py
KILL_TESTED = {"trial_simulation", "sbc", "subtype_frequencies"}


RESUMED = [p for p in EXPERIMENTS
           if tomllib.loads(p.read_text())["experiment"]["kind"] not in KILL_TESTED]


@pytest.mark.parametrize("experiment", RESUMED, ids=[p.stem for p in RESUMED])
def test_experiment_resumes_byte_identical(experiment: Path, reduced: Path, tmp_path):
    """Every other kind, stopped after its results (no report, no provenance) and resumed,
    writes the same bytes as its uninterrupted run (timing fields aside)."""
    run = tmp_path / "run"
    run_experiment(reduced / experiment.name, out=run, quiet=True, argv=["test"])
    saved = tmp_path / "saved" / "run"
    shutil.copytree(run, saved)
    for name in ("provenance.json", "report.html", "summary.csv", "diagnostics.json"):
        (run / name).unlink(missing_ok=True)
    resume_run(run, quiet=True, argv=["test", "resume"])
    assert_same_run(saved, run)
