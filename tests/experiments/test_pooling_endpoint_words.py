"""Pooling headlines, captions and axes name the endpoint actually pooled (issue 13): overall or
event-free survival at the landmark, both, or, for a table of survivors among n at an unknown
follow-up, the binary "alive at last follow-up", never "survival"."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomli_w

from neosim import results
from neosim.data import published
from neosim.experiments import kind_module, load_experiment
from neosim.experiments.evidence_pooling.prepare import pooled_endpoint

ROOT = Path(__file__).resolve().parents[2]
EXPERIMENT = ROOT / "experiments" / "international_pooling.toml"
PACKAGED = Path(published.__file__).with_name("published_cohorts.toml")


def _binary_experiment(tmp_path: Path) -> Path:
    """The shipped experiment on a table of two cohorts, each reporting survivors among n at an
    unknown follow-up (a binary endpoint)."""
    table = tomllib.loads(PACKAGED.read_text(encoding="utf-8"))
    studies = table["studies"][:2]
    table["studies"] = studies
    table["figures"] = [
        {"id": f"{s['id']}_alive", "study": s["id"], "subgroup": "neonatal ALL",
         "measure": "OS", "as_published": f"{k} alive of {n}", "landmark_months": "unknown",
         "survivors": k, "n": n, "evidence": "A"}
        for s, (k, n) in zip(studies, [(3, 8), (7, 20)], strict=True)]
    (tmp_path / "binary_table.toml").write_text(tomli_w.dumps(table), encoding="utf-8")
    cfg = tomllib.loads(EXPERIMENT.read_text(encoding="utf-8"))
    cfg["data"] = {"table": "binary_table.toml", "figures": [f["id"] for f in table["figures"]]}
    cfg["conversion"]["unknown_follow_up"] = "as_landmark"
    cfg["sensitivity"]["time_conversions"] = []
    cfg["prior_file"]["quantity"] = "alive_at_last_follow_up"
    path = tmp_path / "binary.toml"
    path.write_text(tomli_w.dumps(cfg), encoding="utf-8")
    return path


def _prepared(path: Path):
    return kind_module("evidence_pooling").prepare(load_experiment(path), str(path))


def test_shipped_table_pools_os_and_efs_and_says_so():
    prep = _prepared(EXPERIMENT)
    ep = pooled_endpoint(prep.rows, prep.cfg.conversion.landmark_months)
    assert ep.long == "24-month survival (OS or EFS)" and ep.short == "24-month OS/EFS"
    assert not ep.binary
    os_only = pooled_endpoint([r for r in prep.rows if r.measure == "OS"], 24.0)
    assert os_only.long == "24-month overall survival" and os_only.short == "24-month OS"


def test_binary_table_is_named_as_a_proportion_not_survival(tmp_path):
    prep = _prepared(_binary_experiment(tmp_path))
    ep = pooled_endpoint(prep.rows, prep.cfg.conversion.landmark_months)
    assert ep.binary
    assert ep.long == "proportion alive at last follow-up (binary)"
    assert "survival" not in ep.long + ep.short and "month" not in ep.long + ep.short


@pytest.mark.slow
def test_binary_pooling_run_words_headline_and_captions_by_its_endpoint(tmp_path):
    from neosim.experiments.runner import run_experiment

    cfg = tomllib.loads(_binary_experiment(tmp_path).read_text(encoding="utf-8"))
    cfg["sampler"].update(chains=2, draws=300, tune=300)
    cfg["diagnostics"].update(ess_bulk_min=50.0, ess_tail_min=50.0)
    path = tmp_path / "small.toml"
    path.write_text(tomli_w.dumps(cfg), encoding="utf-8")
    res = run_experiment(path, out=tmp_path / "run", quiet=True, argv=["test"])
    map_line = next(line for line in res.headline if line.startswith("MAP "))
    assert map_line.startswith("MAP alive at last follow-up, new cohort")
    for fig in results.read_figure_index(res.path)["figures"]:
        assert "survival" not in fig["caption"].lower(), fig["stem"]
    assert "alive at last follow-up" in " ".join(
        f["caption"] for f in results.read_figure_index(res.path)["figures"])
