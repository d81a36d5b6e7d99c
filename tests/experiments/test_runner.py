"""The runner: input files pinned by hash in provenance, and a resume refuses changed inputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from neosim import results
from neosim.errors import InputError
from neosim.experiments.runner import resume_run, run_experiment

ROOT = Path(__file__).resolve().parents[2]
PRIOR = ROOT / "configs" / "priors" / "map_neonatal_all_survival_24m.json"


def _experiment(tmp_path: Path) -> Path:
    shutil.copy(PRIOR, tmp_path / "prior.json")
    path = tmp_path / "sim.toml"
    path.write_text("""
[experiment]
name = "runner_test"
kind = "trial_simulation"
seed = 3

[design]
groups = 2
accrual_time = [0.0, 24.0]
[design.analysis]
events_fraction = 0.5
[design.control]
model = "exponential"
prior = "prior.json"

[grid]
subjects = [30]
hazard_ratio = [0.6]

[[analyses]]
kind = "logrank"
alpha = 0.025

[simulation]
n_trials = 2048
""")
    return path


def test_provenance_pins_input_files_and_resume_refuses_changes(tmp_path):
    cfg = _experiment(tmp_path)
    run = run_experiment(cfg, out=tmp_path / "run", quiet=True, argv=["pytest"])
    prov = results.read_json(run.path / "provenance.json")
    assert set(prov["input_files"]) == {"prior.json"}
    assert len(prov["input_files"]["prior.json"]) == 64
    # pretend the run was interrupted, then change the prior file it read
    (run.path / "provenance.json").unlink()
    data = json.loads((tmp_path / "prior.json").read_text())
    data["description"] += " (edited)"
    (tmp_path / "prior.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match=r"prior\.json changed"):
        resume_run(run.path, quiet=True)
    assert not (run.path / "provenance.json").exists()


def test_resume_with_unchanged_inputs_records_that_it_resumed(tmp_path):
    cfg = _experiment(tmp_path)
    run = run_experiment(cfg, out=tmp_path / "run", quiet=True, argv=["pytest", "first"])
    summary = (run.path / "summary.csv").read_bytes()
    (run.path / "provenance.json").unlink()
    (run.path / "summary.csv").unlink()
    resumed = resume_run(run.path, quiet=True, argv=["pytest", "resume"])
    prov = results.read_json(resumed.path / "provenance.json")
    assert prov["resumed"] is True and prov["first_command_line"] == ["pytest", "first"]
    assert (run.path / "summary.csv").read_bytes() == summary


def test_unreachable_scheduler_is_bad_input_before_any_folder(tmp_path):
    cfg = _experiment(tmp_path)
    with pytest.raises(InputError, match="cannot reach the dask scheduler"):
        run_experiment(cfg, out=tmp_path / "run", scheduler="tcp://127.0.0.1:1", quiet=True)
    assert not (tmp_path / "run").exists()
