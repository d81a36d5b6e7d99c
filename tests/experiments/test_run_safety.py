"""Run folders under attack: a config cannot choose a dask scheduler, folders appear whole, a
resume refuses a changed run, survives debris and damaged checkpoints, late failures and a full
disk leave a folder marked incomplete that resumes to the identical result."""

from __future__ import annotations

import errno
import io
import json
import os
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from neosim import fsutil, results
from neosim.errors import InputError
from neosim.experiments import runner
from neosim.experiments.runner import resume_run, run_experiment

from ..badinput import assert_bad_input, run_cli
from ..runfolders import assert_same_run, temporaries
from .test_distributed import _sim_config

RESUME_HINT = "resume with: neosim run --resume"


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    """A small simulation config (6 scenarios, 6 checkpointed chunks) and its reference run."""
    root = tmp_path_factory.mktemp("sim")
    cfg = _sim_config(root / "cfg", n_trials=4096)
    ref = run_experiment(cfg, out=root / "ref" / "run", quiet=True, argv=["pytest"])
    return cfg, ref.path


def _kill_like(run_dir: Path, keep_chunks: int = 2) -> None:
    """Make a finished run look like one killed midway (no report, no provenance, chunks left)."""
    for name in ("provenance.json", "report.html", "simulation.nc", "summary.csv"):
        (run_dir / name).unlink(missing_ok=True)
    for f in sorted((run_dir / "chunks").glob("task-*.npz"))[keep_chunks:]:
        f.unlink()


def _copy_of_run(cfg: Path, parent: Path) -> Path:
    return run_experiment(cfg, out=parent / "run", quiet=True, argv=["pytest"]).path


# --------------------------------------------------------------------------------------------
# The scheduler comes from the keyboard only
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:{port}", ""])
def test_config_naming_a_scheduler_is_refused_before_any_connection(tmp_path, address):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        cfg = _sim_config(tmp_path / "cfg", n_trials=1024, backend="dask")
        cfg.write_text(cfg.read_text() + f'scheduler = "{address.format(port=port)}"\n')
        out = run_cli(["run", str(cfg), "--out", str(tmp_path / "run")])
        line = assert_bad_input(out, names=(str(cfg),))
        assert "compute.scheduler" in line
        assert "pass --scheduler tcp://HOST:PORT or set NEOSIM_SCHEDULER" in line
        assert not (tmp_path / "run").exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["cfg"]
        listener.settimeout(0.5)
        with pytest.raises(TimeoutError):  # nobody knocked
            listener.accept()
        # `neosim validate` refuses it too
        assert "compute.scheduler" in assert_bad_input(run_cli(["validate", str(cfg)]))


def test_scheduler_from_environment_is_checked_and_not_hashed(tmp_path, monkeypatch, sim):
    cfg, ref = sim
    monkeypatch.setenv("NEOSIM_SCHEDULER", "tcp://127.0.0.1:1")
    out = run_cli(["run", str(cfg), "--out", str(tmp_path / "run")])
    line = assert_bad_input(out, names=("NEOSIM_SCHEDULER",))
    assert "cannot reach the dask scheduler" in line and not (tmp_path / "run").exists()
    monkeypatch.setenv("NEOSIM_SCHEDULER", "not-an-address")
    assert "NEOSIM_SCHEDULER" in assert_bad_input(run_cli(["run", str(cfg)]))
    # the flag wins over the environment, and is not part of the config or its hash
    with pytest.raises(InputError, match="--scheduler"):
        run_experiment(cfg, out=tmp_path / "r", scheduler="tcp://127.0.0.1:1", quiet=True)
    monkeypatch.delenv("NEOSIM_SCHEDULER")
    text = (ref / "config.toml").read_text()
    assert "scheduler" not in text
    assert json.loads((ref / "run.json").read_text())["config_sha256"] == \
        results.read_json(ref / "provenance.json")["config_sha256"]


# --------------------------------------------------------------------------------------------
# Folders appear whole and never replace one another
# --------------------------------------------------------------------------------------------


def test_run_folder_appears_with_its_metadata(sim):
    _, ref = sim
    state = json.loads((ref / "run.json").read_text())
    assert state["status"] == "complete"
    import hashlib

    assert state["config_sha256"] == hashlib.sha256((ref / "config.toml").read_bytes()).hexdigest()
    assert not temporaries(ref) and not list(ref.parent.glob(".*partial*"))


@pytest.mark.parametrize("fallback", [False, True])
def test_no_replace_rename_never_replaces_a_folder(tmp_path, monkeypatch, fallback):
    if fallback:  # as on a system without renameat2
        monkeypatch.setattr(fsutil.ctypes, "CDLL", lambda *a, **k: (_ for _ in ()).throw(
            OSError("no libc")))
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_text("new")
    full = tmp_path / "full"
    full.mkdir()
    (full / "g").write_text("old")
    empty = tmp_path / "empty"
    empty.mkdir()
    for dst in (full, empty):
        with pytest.raises(FileExistsError):
            fsutil.rename_noreplace(src, dst)
    assert (full / "g").read_text() == "old" and not list(empty.iterdir())
    fsutil.rename_noreplace(src, tmp_path / "new")
    assert (tmp_path / "new" / "f").read_text() == "new" and not src.exists()


def test_dead_partial_folders_are_removed_live_ones_kept(tmp_path, sim):
    cfg, _ = sim
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        parent = tmp_path / "runs"
        parent.mkdir()
        stale = parent / f".run.partial-{dead.pid}-0123abcd"
        busy = parent / f".other.partial-{alive.pid}-0123abcd"
        mine = parent / f".notes.partial-{dead.pid}-0123abcd"  # a user's folder: not ours
        for p in (stale, busy, mine):
            (p / "figures").mkdir(parents=True)
        (stale / "run.json").write_text("{")
        (mine / "notes.txt").write_text("keep me")
        run_experiment(cfg, out=parent / "run", quiet=True, argv=["pytest"])
        assert not stale.exists() and busy.exists() and mine.exists()
    finally:
        alive.kill()
        alive.wait()


def test_failure_while_creating_leaves_nothing(tmp_path, monkeypatch, sim):
    cfg, _ = sim

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(results, "_write_durably", full)
    out = run_cli(["run", str(cfg), "--out", str(tmp_path / "run"), "-q"])
    assert out.code == 3 and len(out.stderr.splitlines()) == 1, out.stderr
    assert "no space left on device" in out.stderr and "Traceback" not in out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no folder, no partial
    monkeypatch.undo()
    assert run_cli(["run", str(cfg), "--out", str(tmp_path / "run"), "-q"]).code == 0


# --------------------------------------------------------------------------------------------
# Resume refuses a changed or broken folder
# --------------------------------------------------------------------------------------------


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("edit", ["seed", "n_trials", "comment"])
def test_resume_refuses_an_edited_config(tmp_path, sim, edit):
    cfg, _ = sim
    run = _copy_of_run(cfg, tmp_path)
    _kill_like(run)
    before = sorted(p.name for p in run.rglob("*"))
    conf = run / "config.toml"
    if edit == "seed":
        _edit(conf, "seed = 23", "seed = 24")
    elif edit == "n_trials":
        _edit(conf, "n_trials = 4096", "n_trials = 2048")
    else:
        conf.write_text(conf.read_text() + "# a comment\n")
    line = assert_bad_input(run_cli(["run", "--resume", str(run)]), names=("config.toml",))
    assert "config.toml changed since the run started" in line
    assert sorted(p.name for p in run.rglob("*")) == before


@pytest.mark.parametrize("damage", ["no run.json", "run.json not JSON", "run.json a list",
                                    "run.json without hash", "no config.toml",
                                    "config.toml a folder", "no folder"])
def test_resume_of_a_broken_folder_is_one_line(tmp_path, sim, damage):
    cfg, _ = sim
    run = _copy_of_run(cfg, tmp_path)
    _kill_like(run)
    state = run / "run.json"
    if damage == "no run.json":
        state.unlink()
    elif damage == "run.json not JSON":
        state.write_bytes(state.read_bytes()[:40])
    elif damage == "run.json a list":
        state.write_text("[1, 2]")
    elif damage == "run.json without hash":
        data = json.loads(state.read_text())
        del data["config_sha256"]
        state.write_text(json.dumps(data))
    elif damage == "no config.toml":
        (run / "config.toml").unlink()
    elif damage == "config.toml a folder":
        (run / "config.toml").unlink()
        (run / "config.toml").mkdir()
    else:
        run = tmp_path / "nowhere"
    assert_bad_input(run_cli(["run", "--resume", str(run)]), names=(str(run),))


def test_a_second_process_in_a_working_folder_is_refused(tmp_path, sim):
    """While one process holds the folder (a run or a resume), a resume gets one line and
    changes nothing; when the holder ends, the resume proceeds."""
    from neosim import results

    cfg, ref = sim
    run = _copy_of_run(cfg, tmp_path)
    _kill_like(run)
    before = {p.name: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    with results.folder_lock(run):
        line = assert_bad_input(run_cli(["run", "--resume", str(run)]), names=(str(run),))
        assert "another neosim process is working in this run folder" in line
        assert {p.name: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before
    assert run_cli(["run", "--resume", str(run), "-q"]).code == 0
    assert (run / "simulation.nc").read_bytes() == (ref / "simulation.nc").read_bytes()


# --------------------------------------------------------------------------------------------
# Debris and damaged checkpoints
# --------------------------------------------------------------------------------------------


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "not a zip":
        path.write_bytes(b"this is not a checkpoint\n" * 10)
    elif how == "missing arrays":
        path.write_bytes(_npz({k: v for k, v in list(arrays.items())[1:]}))
    elif how == "wrong shapes":
        path.write_bytes(_npz({k: v[:1] for k, v in arrays.items()}))
    elif how == "bit flip":
        buf = bytearray(data)
        buf[len(buf) // 2] ^= 0x01
        path.write_bytes(bytes(buf))
    elif how == "another config":  # a valid checkpoint of another run, same task name
        from neosim.compute import Checkpoint, Task

        name = path.stem.removeprefix("task-")
        key = tuple(int(k) for k in name.split("-"))
        arrays.pop("_neosim_digest")
        other = Checkpoint(path.parent, tag="0" * 64)
        other.save(Task(key), {k: v + 1 if v.dtype.kind in "fi" else v for k, v in arrays.items()})
    else:
        raise AssertionError(how)
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # the original was a valid zip
        assert z.testzip() is None


DAMAGES = ["truncated", "empty", "not a zip", "missing arrays", "wrong shapes", "bit flip",
           "another config"]


@pytest.mark.parametrize("how", DAMAGES)
def test_damaged_checkpoint_is_discarded_and_recomputed(tmp_path, sim, how):
    cfg, ref = sim
    run = _copy_of_run(cfg, tmp_path)
    _kill_like(run, keep_chunks=6)
    victim = sorted((run / "chunks").glob("task-*.npz"))[3]
    _damage(victim, how)
    out = run_cli(["run", "--resume", str(run)])
    assert out.code == 0, out.stderr
    assert f"discarded unreadable checkpoint {victim.name}" in out.stderr
    assert "Traceback" not in out.stderr
    prov = results.read_json(run / "provenance.json")
    assert prov["discarded_checkpoints"] == [victim.name]
    assert_same_run(ref, run)


def test_resume_removes_every_temporary_file(tmp_path, sim):
    cfg, ref = sim
    run = _copy_of_run(cfg, tmp_path)
    _kill_like(run)
    for rel in (".summary.csv.tmp-1-dead", ".run.json.tmp-99-beef", "figures/.power.png.tmp-1-a",
                "chunks/.task-0-0.npz.tmp-7-b"):
        (run / rel).write_bytes(b"half")
    assert len(temporaries(run)) == 4
    resume_run(run, quiet=True, argv=["pytest"])
    assert temporaries(run) == []
    assert_same_run(ref, run)


# --------------------------------------------------------------------------------------------
# Late failures and a full disk
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("error", "code"), [
    (RuntimeError("the sampler fell over"), 3),
    (InputError("value breaks the maths", file="x.toml", field="trial.hr"), 2),
    (ZeroDivisionError("division by zero"), 3),
])
def test_failure_after_the_folder_exists_is_recorded_and_resumable(tmp_path, monkeypatch, sim,
                                                                   error, code):
    cfg, ref = sim

    def broken(run_dir, provenance=None):
        raise error

    monkeypatch.setattr(runner, "write_report", broken)
    out = run_cli(["run", str(cfg), "--out", str(tmp_path / "run"), "-q"])
    run = tmp_path / "run"
    assert out.code == code, out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].endswith(f"{RESUME_HINT} {run}"), out.stderr
    assert "Traceback" not in out.stderr
    state = json.loads((run / "run.json").read_text())
    assert state["status"] == "failed" and str(error).split()[0] in state["error"]
    assert "failed_utc" in state and not (run / "provenance.json").exists()
    monkeypatch.undo()
    assert run_cli(["run", "--resume", str(run), "-q"]).code == 0
    assert json.loads((run / "run.json").read_text())["status"] == "complete"
    assert_same_run(ref, run)


@pytest.mark.parametrize("after", [0, 2, 5, 9, 14])
def test_disk_full_injected_gives_one_line_and_resumes(tmp_path, monkeypatch, sim, after):
    """ENOSPC from the atomic writer after ``after`` durable writes inside the run folder."""
    cfg, ref = sim
    calls = {"n": 0}
    real_fsync = os.fsync

    def fsync(fd):
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    real_create = results.create_run_folder

    def create(*args, **kwargs):  # the disk fills once the folder exists
        folder = real_create(*args, **kwargs)
        monkeypatch.setattr(os, "fsync", fsync)
        return folder

    monkeypatch.setattr(results, "create_run_folder", create)
    run = tmp_path / "run"
    out = run_cli(["run", str(cfg), "--out", str(run), "-q"])
    monkeypatch.undo()
    assert out.code == 3, out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and "no space left on device" in lines[0], out.stderr
    assert lines[0].endswith(f"{RESUME_HINT} {run}") and "Traceback" not in out.stderr
    assert not (run / "provenance.json").exists() and temporaries(run) == []
    assert run_cli(["run", "--resume", str(run), "-q"]).code == 0
    assert_same_run(ref, run)


def _can_mount_tmpfs(where: Path) -> bool:
    if os.geteuid() != 0:
        return False
    where.mkdir()
    ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(where)],
                        capture_output=True).returncode == 0
    if not ok:
        where.rmdir()
    return ok


def test_disk_full_on_a_small_tmpfs(tmp_path, sim):
    """A real full file system (a tmpfs; needs root, skipped otherwise): one line, exit 3, and
    once a ballast file is deleted the folder resumes in place to the identical result."""
    cfg, ref = sim
    mnt = tmp_path / "mnt"
    if not _can_mount_tmpfs(mnt):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        st = os.statvfs(mnt)
        ballast = mnt / "ballast"
        ballast.write_bytes(b"\0" * (st.f_bavail * st.f_frsize - 1_300_000))  # ~2.5 chunks left
        run = mnt / "run"
        argv = [sys.executable, "-m", "neosim.cli", "run"]
        proc = subprocess.run([*argv, str(cfg), "--out", str(run), "--quiet"],
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 3, proc.stderr
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and "no space left on device" in lines[0], proc.stderr
        assert lines[0].endswith(f"{RESUME_HINT} {run}")
        assert temporaries(run) == [] and not (run / "provenance.json").exists()
        ballast.unlink()  # space is back
        proc = subprocess.run([*argv, "--resume", str(run), "--quiet"], capture_output=True,
                              text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert_same_run(ref, run)
    finally:
        subprocess.run(["umount", str(mnt)], check=False)
