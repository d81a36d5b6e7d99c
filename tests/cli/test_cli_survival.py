"""``neosim survival check``: validates an IPD file and describes it; bad files exit 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from neosim.cli import main

HEADER = ("patient_id,subtype,mll_status,age_at_diagnosis_days,sct,months_to_sct,"
          "months_to_event,event")


def test_check_prints_counts_medians_and_logrank(tmp_path, capsys):
    rows = ["A1,ALL,rearranged,2,1,3,5,1", "A2,ALL,rearranged,9,1,4,10,1",
            "A3,ALL,germline,1,1,4,30,0", "M1,AML,germline,20,1,5,50,0",
            "M2,AML,unknown,12,1,3,20,1", "M3,AML,germline,12,0,,1,1"]
    path = tmp_path / "ipd.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    main(["survival", "check", str(path)])
    out = capsys.readouterr().out
    assert "6 patients valid; 5 transplanted" in out
    assert "5 patients analysed" in out
    assert "ALL             3      2                 6.0" in out  # deaths at 2 and 6 after SCT
    assert "log-rank (ALL, AML)" in out


def test_check_prints_r_medians_intervals_and_survival_at_times(tmp_path, capsys):
    # tests/reference/survival_cases.R, KM5 and KM6: R's survfit/quantile/summary on these groups
    rows = ["A1,ALL,rearranged,2,1,3,5,1", "A2,ALL,rearranged,9,1,4,10,1",
            "A3,ALL,germline,1,1,4,30,0", "M1,AML,germline,20,1,5,50,0",
            "M2,AML,unknown,12,1,3,20,1"]
    path = tmp_path / "ipd.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    main(["survival", "check", str(path), "--times", "1,6,12,60", "--json"])
    record = json.loads(capsys.readouterr().out)
    all_, aml = record["subtypes"]
    # S = 0.5 from 17 to the last time 45 (censored): R prints 17 (quantile() would give 31)
    assert (aml["median"], aml["median_lower"], aml["median_upper"]) == (17.0, 17.0, None)
    assert (all_["median"], all_["median_lower"], all_["median_upper"]) == (6.0, 2.0, None)
    assert record["conf_type"] == "log" and record["ci_prob"] == 0.95
    at = all_["at_times"]
    assert [a["at_risk"] for a in at] == [3, 2, 1, 0]
    assert at[1]["survival"] == pytest.approx(1 / 3)
    assert at[1]["lower"] == pytest.approx(0.0672783908519223, rel=1e-9)  # R: 0.0673
    assert (at[1]["upper"], at[3]["survival"]) == (1.0, None)
    main(["survival", "check", str(path), "--times", "6"])
    out = capsys.readouterr().out
    assert "AML             2      1                17.0  17.0–NR" in out
    assert "  ALL            6       2  0.333  0.067–1.000" in out


def test_check_bad_times_exit_2(tmp_path, capsys):
    path = tmp_path / "ipd.csv"
    path.write_text(f"{HEADER}\nA1,ALL,rearranged,2,1,3,5,1\n")
    with pytest.raises(SystemExit) as info:
        main(["survival", "check", str(path), "--times", "6,nan"])
    assert info.value.code == 2
    assert "--times" in capsys.readouterr().err


def test_check_bad_file_exits_2(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(f"{HEADER}\nA1,ALL,rearranged,2,1,3,5,3\n")
    with pytest.raises(SystemExit) as info:
        main(["survival", "check", str(path)])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err == f"neosim: {path}: line 2.event: must be 0 or 1 (got '3')"


def test_cli_import_stays_light():
    code = ("import sys, neosim.cli; "
            "print(any(m in sys.modules for m in ('pymc', 'scipy', 'arviz')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
