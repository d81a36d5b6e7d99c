"""``neosim survival check``: validates an IPD file and describes it; bad files exit 2."""

from __future__ import annotations

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
