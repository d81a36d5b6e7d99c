"""``neosim pooling table`` and ``neosim pooling ess``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neosim.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_table_lists_every_figure(capsys):
    main(["pooling", "table"])
    out = capsys.readouterr().out
    for fid in ("jilsg2006_survivors", "interfant99_congenital_os24", "alfaar2017_os60",
                "cog_p9407_efs60", "bresters2002_os24", "zhang2019_os24"):
        assert fid in out
    assert "doi:10.1182/blood-2009-02-204214" in out


def test_ess_of_a_single_beta(tmp_path, capsys):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({
        "schema": "neosim-prior/1", "name": "b", "quantity": "p", "kind": "mixture",
        "family": "beta", "components": [{"weight": 1.0, "a": 3.0, "b": 7.0}]}))
    main(["pooling", "ess", str(path)])
    out = capsys.readouterr().out
    for label in ("ESS moment", "ESS ELIR (probability scale, as RBesT)",
                  "ESS ELIR (logit scale)", "ESS Morita (at the mean)"):
        line = next(x for x in out.splitlines() if x.startswith(label))
        assert line.endswith("10.00 patients"), line


def test_ess_of_a_missing_file_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["pooling", "ess", str(tmp_path / "none.json")])
    assert exc.value.code == 2
    assert "prior file not found" in capsys.readouterr().err


def test_ess_of_the_committed_prior(capsys):
    main(["pooling", "ess", str(ROOT / "configs/priors/map_neonatal_all_survival_24m.json")])
    assert "survival_probability_24m" in capsys.readouterr().out
