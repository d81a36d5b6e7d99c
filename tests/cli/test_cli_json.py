"""``--json`` on the data, pooling and run commands: one JSON document on stdout, the same
numbers as the text output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
MAP = ROOT / "configs" / "priors" / "map_neonatal_all_survival_24m.json"


def neosim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neosim.cli", *args], capture_output=True,
                          text=True, env=ENV, cwd=ROOT)


def as_json(*args: str):
    out = neosim(*args, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_data_list_and_show():
    rows = as_json("data", "list")
    assert [r["name"] for r in rows] == ["jilsg2006"] and "Pediatr Blood Cancer" in rows[0][
        "citation"]
    show = as_json("data", "show", "jilsg2006")
    assert show["source"]["doi"] == "10.1002/pbc.20599"
    text = neosim("data", "show", "jilsg2006").stdout
    assert show["source"]["short"] in text


def test_pooling_table_and_ess_match_the_text():
    table = as_json("pooling", "table")
    text = neosim("pooling", "table").stdout
    assert table["figures"] and all(fid in text for fid in table["figures"])
    assert all(f["study"] in table["studies"] for f in table["figures"].values())
    ess = as_json("pooling", "ess", str(MAP))
    text = neosim("pooling", "ess", str(MAP)).stdout
    for key in ("ess_moment", "ess_elir_natural", "ess_elir_logit", "ess_morita"):
        assert f"{ess[key]:.2f}" in text


def test_run_prints_the_folder_and_headline(tmp_path):
    got = as_json("run", "experiments/survival_design.toml", "--out", str(tmp_path / "r"),
                  "--quiet")
    assert got["folder"] == str(tmp_path / "r") and got["passed"] is True
    assert any(line.startswith("schoenfeld") for line in got["headline"])
