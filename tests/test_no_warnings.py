"""A successful command prints nothing on stderr: no RuntimeWarning, UserWarning or log line.

Each command runs in its own interpreter, as a user runs it (warnings filters and logging handlers
as installed by the libraries), so a warning printed by numpy, SciPy, PyTensor, ArviZ or matplotlib
would show here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
IPD = ("patient_id,subtype,mll_status,age_at_diagnosis_days,sct,months_to_sct,months_to_event,"
       "event\nA1,ALL,rearranged,2,1,3,5,1\nA2,ALL,germline,9,1,4,10,0\n"
       "M1,AML,germline,20,1,5,50,1\nM2,AML,unknown,12,1,3,20,0\nM3,AML,unknown,1,1,2,4,1\n")
NO_DEATHS = ("patient_id,subtype,mll_status,age_at_diagnosis_days,sct,months_to_sct,"
             "months_to_event,event\nA1,ALL,rearranged,2,1,3,5,0\nM1,AML,germline,20,1,5,50,0\n")


def _neosim(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NEOSIM_", "PYTHONWARNINGS"))}
    env["PYTHONPATH"] = str(ROOT / "src")
    return subprocess.run([sys.executable, "-m", "neosim.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


DESIGN = [
    ["samplesize", "--hr", "0.5", "--control-median", "12"],
    ["samplesize", "--hr", "0.001", "--control-median", "0.01", "--alpha", "1e-8",
     "--power", "0.999999999", "--accrual-time", "1200", "--followup-months", "1200"],
    ["power", "--hr", "0.5", "--control-median", "12", "--subjects", "100", "--json"],
    pytest.param(["power", "--hr", "0.5", "--control-median", "12", "--subjects", "60",
                  "--simulate", "500", "--quiet"], marks=pytest.mark.slow),
    pytest.param(["power", "--hr", "1000", "--control-median", "0.01", "--subjects", "2",
                  "--simulate", "50", "--dropout-hazard", "100", "--quiet"],
                 marks=pytest.mark.slow),
    pytest.param(["accrual", str(ROOT / "experiments" / "consortium_accrual.toml")],
                 marks=pytest.mark.slow),
    ["pooling", "table"],
    ["pooling", "ess", str(ROOT / "configs" / "priors" / "map_neonatal_all_survival_24m.json")],
    ["survival", "check", "ipd.csv"],
    ["survival", "check", "no_deaths.csv"],
    ["data", "list"],
    ["data", "show", "jilsg2006"],
    pytest.param(["validate", str(ROOT / "experiments" / "trial_power.toml")],
                 marks=pytest.mark.slow),
]


def _id(args) -> str:
    return "-".join(a for a in args[:2] if not a.startswith("/")) + f"-{len(args)}"


@pytest.mark.parametrize("args", DESIGN, ids=_id)
def test_commands_print_no_warnings(args, tmp_path):
    (tmp_path / "ipd.csv").write_text(IPD)
    (tmp_path / "no_deaths.csv").write_text(NO_DEATHS)
    done = _neosim(args, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr[:2000]
    assert "nan" not in done.stdout.lower().split() and "inf" not in done.stdout.lower().split()


def test_a_small_run_prints_no_warnings(tmp_path):
    done = _neosim(["run", str(ROOT / "experiments" / "survival_design.toml"), "--out",
                    str(tmp_path / "run"), "--quiet"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr[:2000]
    report = _neosim(["report", str(tmp_path / "run")], tmp_path)
    assert report.returncode == 0 and report.stderr == "", report.stderr[:2000]


@pytest.mark.slow
def test_the_flagship_run_prints_no_warnings(tmp_path):
    done = _neosim(["run", str(ROOT / "experiments" / "jilsg_subtypes.toml"), "--out",
                    str(tmp_path / "run"), "--quiet"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr[:2000]
