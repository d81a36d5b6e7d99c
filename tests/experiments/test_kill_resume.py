"""Acceptance: SIGKILLs at seeded random points (a delay after start, or after K checkpoint files)
across three kinds (a simulation, an SBC run, a fit), some of them hitting ``--resume`` itself.
After every kill the ``--out`` path holds either nothing or a whole folder (``run.json`` pinning
the hash of ``config.toml``); every folder, finished by ``--resume`` (or by a new run when the kill
came before the folder existed), is byte-identical to the uninterrupted run apart from the timing
fields of :mod:`tests.runfolders` and holds no temporary file; an edited ``config.toml`` is
refused."""

from __future__ import annotations

import hashlib
import json
import random
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from ..conftest import FLAGSHIP
from ..runfolders import KILLS, assert_same_run, temporaries
from .test_distributed import _sbc_config, _sim_config, _start_and_kill

pytestmark = pytest.mark.slow

SEED = 20261201
#: SIGKILLs per kind (the fit recompiles its model in every process: ~10 s each, so few)
KILLS_PER_KIND = {"simulation": 8, "sbc": 6, "fit": 6}


def _fit_config(root: Path) -> Path:
    """The flagship fit with fewer draws (it recomputes from scratch on resume)."""
    root.mkdir(parents=True, exist_ok=True)
    text = FLAGSHIP.read_text()
    text = re.sub(r"\[sampler\][^\[]*", "[sampler]\nchains = 2\ndraws = 200\ntune = 200\n\n",
                  text)
    path = root / "fit.toml"
    path.write_text(text)
    return path


def _config(kind: str, root: Path) -> Path:
    if kind == "simulation":
        return _sim_config(root, n_trials=50_000)
    if kind == "sbc":
        return _sbc_config(root, replicates=20, per_task=2)
    return _fit_config(root)


def _neosim(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neosim.cli", *argv, "--quiet"],
                          capture_output=True, text=True, timeout=600)


def _assert_whole_or_absent(out: Path) -> None:
    """A kill leaves nothing at ``--out`` or a folder whose metadata is complete."""
    if not out.exists():
        return
    state = json.loads((out / "run.json").read_text())
    digest = hashlib.sha256((out / "config.toml").read_bytes()).hexdigest()
    assert state["config_sha256"] == digest and (out / "figures").is_dir()


def _command(cfg: Path, out: Path) -> list[str]:
    """A new run while nothing is at ``out`` (a kill before the folder existed), else a resume."""
    if out.exists():
        return ["run", "--resume", str(out), "--quiet"]
    return ["run", str(cfg), "--out", str(out), "--quiet"]


def _kill_point(rng: random.Random, out: Path, seconds: float, chunks: int) -> dict:
    """A seeded kill point: while the folder is being built (its hidden partial name appears),
    after K more checkpoint files (kinds that checkpoint), or a delay of a random fraction of
    the uninterrupted run time."""
    u = rng.random()
    if not out.exists() and u < 0.25:
        return {"when": lambda: any(out.parent.glob(f".{out.name}.partial-*"))}
    have = len(list((out / "chunks").glob("task-*.npz"))) if out.exists() else 0
    if chunks and u < 0.6 and chunks - have >= 2:
        return {"after_chunks": have + rng.randint(1, chunks - have - 1)}
    return {"delay": rng.uniform(0.05, 0.9) * seconds}


@pytest.mark.parametrize("kind", list(KILLS_PER_KIND))
def test_sigkills_at_random_points_resume_byte_identical(tmp_path, kind):
    rng = random.Random(f"{SEED}-{kind}")
    cfg = _config(kind, tmp_path / "cfg")
    ref = tmp_path / "ref" / "run"
    t0 = time.monotonic()
    done = _neosim(["run", str(cfg), "--out", str(ref)])
    seconds = time.monotonic() - t0
    assert done.returncode in (0, 1), done.stderr  # 1: a reduced fit may miss its ESS gate
    chunks = len(list((ref / "chunks").glob("task-*.npz")))
    kills = episodes = 0
    where: Counter[str] = Counter()
    logs = tmp_path / "logs"
    logs.mkdir()
    while kills < KILLS_PER_KIND[kind]:
        episodes += 1
        assert episodes <= 3 * KILLS_PER_KIND[kind], f"only {kills} kills landed"
        out = tmp_path / f"episode-{episodes}" / "run"
        # one to three kills per folder: the second and third hit a resume
        for _ in range(min(rng.randint(1, 3), KILLS_PER_KIND[kind] - kills)):
            if (out / "provenance.json").exists():  # the last kill came after the run finished
                break
            command = _command(cfg, out)
            log = logs / f"{kills}.txt"
            code = _start_and_kill(command, out, log=log,
                                   **_kill_point(rng, out, seconds, chunks))
            if code is not None:  # finished before the kill point
                assert code in (0, 1), f"{command}: exit {code}: {log.read_text()}"
                break
            kills += 1
            hit = "resume" if "--resume" in command else "run"
            where[f"{hit}, folder {'left' if out.exists() else 'absent'}"] += 1
            where["partial left"] += any(out.parent.glob(f".{out.name}.partial-*"))
            _assert_whole_or_absent(out)
        if not (out / "provenance.json").exists():
            final = _neosim(_command(cfg, out)[:-1])
            assert final.returncode in (0, 1), final.stderr
        assert temporaries(out) == []
        assert sorted(p.name for p in out.parent.iterdir()) == ["run"]  # no partial left
        assert_same_run(ref, out)
    KILLS[kind] += kills
    print(f"{kind}: {kills} SIGKILLs in {episodes} folders ({dict(where)}), all resumed "
          "byte-identical")


def test_edited_config_of_a_killed_run_is_refused(tmp_path):
    cfg = _config("simulation", tmp_path / "cfg")
    out = tmp_path / "run"
    assert _start_and_kill(["run", str(cfg), "--out", str(out), "--quiet"], out,
                           after_chunks=3) is None
    KILLS["simulation"] += 1
    conf = out / "config.toml"
    conf.write_text(conf.read_text().replace("seed = 23", "seed = 24"))
    res = _neosim(["run", "--resume", str(out)])
    assert res.returncode == 2, res.stderr
    assert len(res.stderr.splitlines()) == 1
    assert "config.toml changed since the run started" in res.stderr
    assert not (out / "provenance.json").exists()
