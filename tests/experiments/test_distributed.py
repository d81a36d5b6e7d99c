"""Scale-out acceptance: a real dask scheduler with two workers on 127.0.0.1 gives the same bits
as the in-process run; a run killed with SIGKILL resumes to exactly the uninterrupted result."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from neosim.experiments.runner import resume_run, run_experiment

from ..conftest import FLAGSHIP
from ..runfolders import assert_same_run

pytestmark = pytest.mark.slow

DASK = Path(sys.executable).with_name("dask")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_cluster(tmp_path):
    """``dask scheduler`` and two ``dask worker`` processes on loopback; stopped afterwards."""
    if not DASK.exists():
        pytest.skip("dask command line not installed next to this Python")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    log = open(tmp_path / "dask.log", "w")
    procs = [subprocess.Popen([str(DASK), "scheduler", "--host", "127.0.0.1", "--port",
                               str(port), "--no-dashboard"], stdout=log, stderr=log, env=env)]
    try:
        _wait_for_port(port, procs[0])
        for i in range(2):
            procs.append(subprocess.Popen(
                [str(DASK), "worker", address, "--nworkers", "1", "--nthreads", "1",
                 "--no-dashboard", "--name", f"w{i}", "--local-directory", str(tmp_path / f"w{i}")],
                stdout=log, stderr=log, env=env))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        log.close()


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError("dask scheduler exited")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError("dask scheduler did not start")


def _sbc_config(tmp_path: Path, replicates: int = 24, per_task: int = 4) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "sbc.toml"
    path.write_text(f"""
[experiment]
name = "sbc_test"
kind = "sbc"
seed = 17

[sbc]
target = "{FLAGSHIP}"
replicates = {replicates}
replicates_per_task = {per_task}
chains = 2
draws = 200
tune = 200
thin_to = 99
bins = 10
""")
    return path


def _sim_config(tmp_path: Path, n_trials: int = 20_000, backend: str = "inprocess") -> Path:
    """A small two-arm grid (2 sizes x 3 hazard ratios) of the trial simulator."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "sim.toml"
    path.write_text(f"""
[experiment]
name = "sim_test"
kind = "trial_simulation"
seed = 23

[design]
groups = 2
dropout = {{ hazard_per_month = 0.005 }}
landmark_months = 24.0
accrual_time = [0.0, 24.0]
[design.analysis]
events_fraction = 0.6
[design.control]
model = "exponential"
median_months = 12.0

[grid]
subjects = [40, 100]
hazard_ratio = [1.0, 0.7, 0.5]

[[analyses]]
kind = "logrank"
alpha = 0.025
[[analyses]]
kind = "cox"
alpha = 0.025

[simulation]
n_trials = {n_trials}

[compute]
backend = "{backend}"
""")
    return path


def _sim(run_dir: Path) -> xr.Dataset:
    with xr.open_dataset(run_dir / "simulation.nc", engine="h5netcdf") as ds:
        return ds.load()


def _ranks(run_dir: Path) -> xr.Dataset:
    with xr.open_dataset(run_dir / "simulation.nc", engine="h5netcdf") as ds:
        return ds.load()


def test_simulation_and_sbc_on_dask_scheduler_are_bit_identical(tmp_path, dask_cluster):
    sim = _sim_config(tmp_path / "sim")
    local = run_experiment(sim, out=tmp_path / "sim-local", quiet=True, argv=["pytest"])
    remote = run_experiment(sim, out=tmp_path / "sim-remote", scheduler=dask_cluster,
                            quiet=True, argv=["pytest"])
    a, b = _sim(local.path), _sim(remote.path)
    for var in ("power", "power_mc_se", "events_mean", "duration_mean"):
        np.testing.assert_array_equal(a[var].values, b[var].values)
    assert (local.path / "summary.csv").read_bytes() == (remote.path / "summary.csv").read_bytes()

    cfg = _sbc_config(tmp_path)
    local = run_experiment(cfg, out=tmp_path / "local", quiet=True, argv=["pytest"])
    remote = run_experiment(cfg, out=tmp_path / "remote", scheduler=dask_cluster, quiet=True,
                            argv=["pytest"])
    a, b = _ranks(local.path), _ranks(remote.path)
    np.testing.assert_array_equal(a["rank"].values, b["rank"].values)
    np.testing.assert_array_equal(a["truth"].values, b["truth"].values)


def test_sbc_chunk_size_does_not_change_results(tmp_path):
    a = run_experiment(_sbc_config(tmp_path / "a", per_task=4), out=tmp_path / "ra", quiet=True)
    b = run_experiment(_sbc_config(tmp_path / "b", per_task=24), out=tmp_path / "rb", quiet=True)
    np.testing.assert_array_equal(_ranks(a.path)["rank"].values, _ranks(b.path)["rank"].values)


def _start_and_kill(argv: list[str], out: Path, *, after_chunks: int | None = None,
                    delay: float | None = None, when: Callable[[], bool] | None = None,
                    timeout: float = 300, log: Path | None = None) -> int | None:
    """Run ``neosim argv`` in a subprocess and SIGKILL it once ``out/chunks`` holds
    ``after_chunks`` checkpoint files, ``delay`` seconds have passed, or ``when()`` is true,
    whichever comes first.

    Returns None if the process was killed, else its exit status (it finished first). Its
    stderr goes to ``log`` if given.
    """
    err = open(log, "wb") if log is not None else subprocess.DEVNULL
    try:
        proc = subprocess.Popen([sys.executable, "-m", "neosim.cli", *argv],
                                stdout=subprocess.DEVNULL, stderr=err)
    finally:
        if log is not None:
            err.close()
    chunks = out / "chunks"
    t0 = time.monotonic()
    try:
        while proc.poll() is None:
            elapsed = time.monotonic() - t0
            if delay is not None and elapsed >= delay:
                break
            if after_chunks is not None and chunks.is_dir() and \
                    len(list(chunks.glob("task-*.npz"))) >= after_chunks:
                break
            if when is not None and when():
                break
            if elapsed > timeout:
                raise TimeoutError(f"neosim {argv} still running after {timeout} s")
            time.sleep(0.01)
        if proc.poll() is not None:
            return proc.returncode
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _run_and_kill(cfg: Path, out: Path, kill_after: int) -> Path:
    """Start ``neosim run`` in a subprocess, SIGKILL it once ``kill_after`` chunks are saved,
    and return the checkpoint folder."""
    code = _start_and_kill(["run", str(cfg), "--out", str(out), "--quiet"], out,
                           after_chunks=kill_after, timeout=240)
    assert code is None, "run finished before it could be killed"
    return out / "chunks"


def test_sigkill_then_resume_equals_uninterrupted(tmp_path):
    cfg = _sbc_config(tmp_path, replicates=30, per_task=3)
    reference = run_experiment(cfg, out=tmp_path / "ref" / "run", quiet=True)
    for kill_after in (1, 6):
        out = tmp_path / f"killed-{kill_after}" / "run"
        chunks = _run_and_kill(cfg, out, kill_after)
        assert not (out / "provenance.json").exists()
        for f in chunks.glob("task-*.npz"):  # every finished-looking file is complete
            with np.load(f) as data:
                assert set(data.files) == {"replicate", "rank", "truth", "divergences",
                                           "_neosim_digest"}
        resumed = resume_run(out, quiet=True)
        assert resumed.path == out
        a, b = _ranks(reference.path), _ranks(out)
        np.testing.assert_array_equal(a["rank"].values, b["rank"].values)
        assert not list(chunks.glob(".task-*"))
        assert (out / "provenance.json").is_file()
        assert_same_run(reference.path, out)


def test_simulation_sigkill_at_several_points_then_resume(tmp_path):
    cfg = _sim_config(tmp_path, n_trials=200_000)
    reference = run_experiment(cfg, out=tmp_path / "ref" / "run", quiet=True)
    for kill_after in (1, 20, 60):
        out = tmp_path / f"killed-{kill_after}" / "run"
        chunks = _run_and_kill(cfg, out, kill_after)
        assert not (out / "provenance.json").exists() and not (out / "simulation.nc").exists()
        done = list(chunks.glob("task-*.npz"))
        for f in done:  # a file under its final name is complete
            with np.load(f) as data:
                assert "events" in data.files and data["events"].size > 0
        resumed = resume_run(out, quiet=True)
        assert resumed.path == out
        a, b = _sim(reference.path), _sim(out)
        np.testing.assert_array_equal(a["power"].values, b["power"].values)
        np.testing.assert_array_equal(a["events_mean"].values, b["events_mean"].values)
        assert (reference.path / "summary.csv").read_bytes() == (out / "summary.csv").read_bytes()
        assert not list(chunks.glob(".task-*"))
        assert_same_run(reference.path, out)


def test_shipped_sbc_experiment_is_uniform(tmp_path):
    """The shipped calibration (200 replicates) passes its uniformity test at the 1 % level."""
    root = FLAGSHIP.parent
    result = run_experiment(root / "sbc_subtype_frequencies.toml", out=tmp_path / "sbc",
                            quiet=True)
    assert result.passed, result.message
