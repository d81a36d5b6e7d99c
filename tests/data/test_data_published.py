"""The packaged table of published cohorts: pinned figures, unknowns kept, bad rows refused."""

from __future__ import annotations

import copy

import pytest

from neosim.config import load_toml
from neosim.data.published import load_table, packaged_table_path, parse_table
from neosim.errors import InputError


@pytest.fixture(scope="module")
def raw():
    return load_toml(packaged_table_path())


def test_packaged_figures_as_published():
    t = load_table()
    f = t.figures
    # van der Linden et al., Blood 2009;114(18):3764-8: 2-y EFS and survival 20% (SE 9.1%), n=30
    assert (f["interfant99_congenital_os24"].estimate, f["interfant99_congenital_os24"].se,
            f["interfant99_congenital_os24"].n) == (0.20, 0.091, 30)
    assert f["interfant99_congenital_efs24"].measure == "EFS"
    # Alfaar et al., Cancer Med 2017;6(7):1817-26: 5-y OS 39.1% (95% CI 28.3-49.9)
    a = f["alfaar2017_os60"]
    assert (a.estimate, a.ci_lower, a.ci_upper, a.ci_level, a.landmark_months) == (
        0.391, 0.283, 0.499, 0.95, 60.0)
    # Dreyer et al., Pediatr Blood Cancer 2015: age <=90 days 5-y EFS 15.5 +/- 10.1%
    assert (f["cog_p9407_efs60"].estimate, f["cog_p9407_efs60"].se) == (0.155, 0.101)
    # Bresters et al., Br J Haematol 2002: OS at 24 months 23%, 117 patients
    assert (f["bresters2002_os24"].estimate, f["bresters2002_os24"].n) == (0.23, 117)
    # Zhang et al., J Int Med Res 2019: 2-y OS 44.2%, 59 cases
    assert (f["zhang2019_os24"].estimate, f["zhang2019_os24"].n) == (0.442, 59)
    # Ishii et al., Pediatr Blood Cancer 2006: 4 survivors among 11 neonates (3 of 8 ALL)
    j = f["jilsg2006_survivors"]
    assert (j.survivors, j.n, j.is_counts) == (4, 11, True)
    assert (f["jilsg2006_all_survivors"].survivors, f["jilsg2006_all_survivors"].n) == (3, 8)


def test_unknowns_stay_unknown():
    f = load_table().figures
    assert f["bresters2002_os24"].se is None and f["bresters2002_os24"].ci_lower is None
    assert f["zhang2019_os24"].se is None
    assert f["cog_p9407_efs60"].n is None
    assert f["alfaar2017_os60"].n is None and f["alfaar2017_os60"].se is None
    assert f["jilsg2006_survivors"].landmark_months is None
    assert f["jilsg2006_survivors"].estimate is None
    assert load_table().studies["cog_p9407"].doi == "unknown"


def test_every_study_has_a_citation_and_grade():
    t = load_table()
    for f in t.figures.values():
        assert f.evidence in {"A", "S", "D", "NV"}
        assert f.study.journal and f.study.year and f.study.citation.endswith(".")


def _with(raw, index: int, **changes):
    data = copy.deepcopy(raw)
    data["figures"][index].update(changes)
    return data


def _index(raw, fid):
    return next(i for i, f in enumerate(raw["figures"]) if f["id"] == fid)


@pytest.mark.parametrize(("fid", "changes", "field", "words"), [
    ("alfaar2017_os60", {"estimate": 0.60}, "ci_lower", "does not contain the estimate"),
    ("alfaar2017_os60", {"ci_lower": 0.5, "ci_upper": 0.3}, "ci_upper", "not above"),
    ("interfant99_congenital_os24", {"se": 0.0}, "se", "must be at least 0.0001"),
    ("interfant99_congenital_os24", {"se": 5e-324}, "se", "must be at least 0.0001"),
    ("interfant99_congenital_os24", {"se": -0.05}, "se", "outside [0, 1]"),
    ("interfant99_congenital_os24", {"estimate": 20.0}, "estimate", "outside [0, 1]"),
    ("interfant99_congenital_os24", {"estimate": -0.1}, "estimate", "outside [0, 1]"),
    ("interfant99_congenital_os24", {"measure": "DFS"}, "measure", "OS"),
    ("jilsg2006_survivors", {"survivors": 12}, "survivors", "exceed"),
    ("zhang2019_os24", {"study": "nowhere"}, "study", "no study"),
    ("alfaar2017_os60", {"ci_level": "unknown"}, "ci_lower", "together"),
    ("bresters2002_os24", {"estimate": "unknown", "n": "unknown"}, "estimate", "needs"),
    ("bresters2002_os24", {"typo": 1}, "typo", "unknown key"),
])
def test_bad_rows_get_the_error_contract(raw, fid, changes, field, words):
    i = _index(raw, fid)
    with pytest.raises(InputError) as exc:
        parse_table(_with(raw, i, **changes), file="table.toml")
    err = exc.value
    assert err.file == "table.toml"
    assert err.field == f"figures[{i}].{field}"
    assert words in err.message
    assert "\n" not in str(err)


def test_duplicate_ids_refused(raw):
    data = copy.deepcopy(raw)
    data["figures"].append(copy.deepcopy(data["figures"][0]))
    with pytest.raises(InputError, match="duplicate figure id"):
        parse_table(data, file="t.toml")
