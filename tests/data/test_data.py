"""Packaged JILSG 2006 cohort: figures reproduced, unknowns kept unknown, bad files rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from neosim.data import DATASETS, load_cohort, load_dataset
from neosim.data.show import render_cohort
from neosim.errors import InputError


def test_jilsg_published_frequencies_are_reproduced():
    # Ishii et al., Pediatr Blood Cancer 2006;47:268-72 (abstract): 6.9% (8/116) of infant ALL and
    # 7.3% (3/41) of infant AML were neonatal; MLL rearranged in all eight neonatal ALL.
    c = load_dataset("jilsg2006")
    labels, k, n = c.neonatal_fraction_counts()
    assert labels == ["ALL", "AML"]
    assert (k, n) == ([8, 3], [116, 41])
    assert round(100 * k[0] / n[0], 1) == 6.9
    assert round(100 * k[1] / n[1], 1) == 7.3
    assert c.mll_counts("ALL") == (8, 8)
    assert c.infants.total == 162 and c.neonates.total == 11


def test_jilsg_unknowns_stay_unknown():
    c = load_dataset("jilsg2006")
    aml = c.neonates.by_subtype["AML"]
    assert aml.mll_reported == 1 and aml.mll_rearranged == 0  # one germline; two not stated
    assert aml.transplanted == "unknown"
    assert c.neonates.by_subtype["ALL"].transplanted == "unknown"
    assert c.neonates.follow_up_months == "unknown"
    assert aml.fab == {"M5a": 3}
    assert (c.neonates.by_subtype["ALL"].survivors, aml.survivors) == (3, 1)
    assert "infants.by_subtype.other" in c.derived


def test_citation_is_complete():
    s = load_dataset("jilsg2006").source
    assert s.doi == "10.1002/pbc.20599"
    assert "Pediatr Blood Cancer 2006;47(3):268-72" in s.citation
    assert s.pmid == 16333820


def test_render_shows_citation_and_unknowns():
    text = render_cohort(load_dataset("jilsg2006"))
    assert "10.1002/pbc.20599" in text and "unknown" in text and "8/8" in text


def test_every_registered_dataset_loads():
    for name in DATASETS:
        assert load_dataset(name).name == name


def test_unknown_dataset_name():
    with pytest.raises(InputError, match="unknown dataset"):
        load_dataset("nope")


BASE = """
schema = "subtype-cohort/1"
[source]
name = "t"
short = "t"
title = "t"
authors = "a"
citation = "c"
period = "p"
country = "c"
population = "p"
neonatal_definition = "d"
evidence = "e"
[infants]
total = 10
[infants.by_subtype]
ALL = 6
AML = 4
[neonates]
total = 3
[neonates.by_subtype.ALL]
cases = 2
mll_reported = 2
mll_rearranged = 2
[neonates.by_subtype.AML]
cases = 1
"""


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("total = 10", "total = 11", "infants.total"),
        ("total = 3", "total = 4", "neonates.total"),
        ("cases = 2", "cases = 7", "neonates.by_subtype.ALL.cases"),
        ("mll_rearranged = 2", "mll_rearranged = 3", "neonates.by_subtype.ALL.mll_rearranged"),
        ("mll_reported = 2", "mll_reported = -1", "neonates.by_subtype.ALL.mll_reported"),
        ("cases = 1", "cases = 1\nsurvivors = 2", "neonates.by_subtype.AML.survivors"),
        ("cases = 1", "cases = 1\ntransplanted = 0\nsurvivors_after_sct = 1",
         "neonates.by_subtype.AML.survivors_after_sct"),
        ("cases = 1", "cases = 1\nfab = { M5a = 2 }", "neonates.by_subtype.AML.fab"),
        ("[neonates.by_subtype.AML]", "[neonates.by_subtype.MPAL]", "neonates.by_subtype.MPAL"),
        ("cases = 1", "cases = 1.0", "neonates.by_subtype.AML.cases"),
        ('country = "c"', 'country = "c"\nextra = 1', "source.extra"),
    ],
)
def test_impossible_counts_are_rejected(tmp_path, old, new, field):
    path = tmp_path / "cohort.toml"
    path.write_text(BASE.replace(old, new, 1))
    with pytest.raises(InputError) as info:
        load_cohort(path)
    assert info.value.file == str(path)
    assert info.value.field == field, str(info.value)
    assert "\n" not in str(info.value)


def test_base_cohort_is_valid(tmp_path):
    path = tmp_path / "cohort.toml"
    path.write_text(BASE)
    assert load_cohort(path).neonatal_fraction_counts() == (["ALL", "AML"], [2, 1], [6, 4])


def test_cli_data_list_and_show(capsys):
    from neosim.cli import main

    for args in (["data", "list"], ["data", "show", "jilsg2006"]):
        try:
            main(args)
        except SystemExit as exc:
            assert exc.code in (None, 0)
    out = capsys.readouterr().out
    assert "jilsg2006" in out and "Pediatr Blood Cancer 2006;47(3):268-72" in out
    assert "transplanted" in out and "unknown" in out


def test_the_template_is_a_valid_user_supplied_cohort_and_runs(tmp_path):
    """`neosim data template` writes a file that loads as user-supplied counts (no citation
    needed), runs the flagship kind once its MLL model is switched off (the template does not
    know MLL status), and is never written over an existing file."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {"PYTHONPATH": str(root / "src"), "PATH": "/usr/bin:/bin"}
    out = tmp_path / "mine.toml"
    cmd = [sys.executable, "-m", "neosim.cli", "data", "template", "--out", str(out)]
    assert subprocess.run(cmd, env=env, capture_output=True).returncode == 0
    cohort = load_cohort(out)
    assert cohort.source.user_supplied and cohort.data_source()["user_supplied"]
    assert "user-supplied" in cohort.source.cite
    again = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert again.returncode == 2 and "--out" in again.stderr
    # the MLL model on counts without MLL status: the error says how to switch it off
    exp = (root / "experiments" / "jilsg_subtypes.toml").read_text().replace(
        'dataset = "jilsg2006"', 'file = "mine.toml"')
    (tmp_path / "exp.toml").write_text(exp)
    from neosim.experiments import load_experiment
    from neosim.experiments import subtype_frequencies as kind

    with pytest.raises(InputError) as exc:
        kind.prepare(load_experiment(tmp_path / "exp.toml"), str(tmp_path / "exp.toml"))
    assert "enabled = false" in exc.value.message
    (tmp_path / "exp.toml").write_text(exp.replace('subtypes = ["ALL"]\n',
                                                   'subtypes = ["ALL"]\nenabled = false\n'))
    prep = kind.prepare(load_experiment(tmp_path / "exp.toml"), str(tmp_path / "exp.toml"))
    assert [name for name, *_ in prep.parts] == ["neonatal_fraction", "neonatal_composition"]


def test_every_problem_of_a_cohort_is_reported_at_once(tmp_path):
    text = (Path(__file__).resolve().parents[2] / "src" / "neosim" / "data" /
            "cohort_template.toml").read_text()
    bad = (text.replace("ALL = 20 ", "ALL = -1 ").replace("AML = 10 ", 'AML = "ten" ')
           .replace("total = 3 ", "total = 5 ").replace("user_supplied = true", "bogus = 1"))
    path = tmp_path / "bad.toml"
    path.write_text(bad)
    with pytest.raises(InputError) as exc:
        load_cohort(path)
    msg = str(exc.value)
    assert "\n" not in msg and "more problems" in msg
    for field in ("infants.by_subtype.ALL", "infants.by_subtype.AML", "source.bogus"):
        assert field in msg, field
    # a published cohort without its citation: every missing bibliographic field, at once
    path.write_text(text.replace("user_supplied = true", "user_supplied = false"))
    with pytest.raises(InputError) as exc:
        load_cohort(path)
    assert exc.value.field == "source.title" and "source.citation" in str(exc.value)
