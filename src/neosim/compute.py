"""Chunked execution: in-process or on dask.distributed, seeded by identity, checkpointed.

Work is a list of :class:`Task` objects, each with a ``key`` (its identity: scenario index, block
index, replicate index …) and picklable ``args``. A task function ``fn(task, seed)`` returns a dict
of numpy arrays and draws its randomness only from :func:`task_rng` (``SeedSequence(entropy=seed,
spawn_key=key)``), so every result is a function of the run seed and the task's identity alone:
bit-identical whatever the backend, the number of workers, or the order of completion.

With a checkpoint folder, each finished task is saved atomically (``<key>.npz``: temporary file,
fsync, rename); a resumed run loads the saved tasks and computes only the missing ones. A file that
exists under its final name is complete by construction, so a run killed at any moment leaves
nothing a later read could mistake for a result.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from neosim.config import Strict

Result = dict[str, np.ndarray]
TaskFn = Callable[["Task", int], Result]


@dataclass(frozen=True)
class Task:
    """One unit of work: ``key`` is its identity (a tuple of non-negative ints)."""

    key: tuple[int, ...]
    args: Any = None

    @property
    def name(self) -> str:
        return "task-" + "-".join(str(k) for k in self.key)


def task_seed_sequence(seed: int, key: tuple[int, ...]) -> np.random.SeedSequence:
    """The seed sequence of a task: keyed by the run seed and the task identity only."""
    return np.random.SeedSequence(entropy=seed, spawn_key=tuple(int(k) for k in key))


def task_rng(seed: int, key: tuple[int, ...]) -> np.random.Generator:
    """A numpy generator for the task ``key`` of a run with ``seed``."""
    return np.random.default_rng(task_seed_sequence(seed, key))


def task_int_seed(seed: int, key: tuple[int, ...]) -> int:
    """A 63-bit integer seed for libraries that take one (e.g. a sampler), keyed like
    :func:`task_rng` but drawn from a distinct child stream."""
    child = np.random.SeedSequence(entropy=seed, spawn_key=(*map(int, key), 2**31))
    return int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


#: a dask scheduler address: tcp:// or tls://, host, port (or empty: start a LocalCluster)
SCHEDULER_ADDRESS = r"^$|^(tcp|tls)://[A-Za-z0-9_.\-\[\]:]+:[0-9]{1,5}$"


class ComputeSection(Strict):
    """``[compute]``: where chunks run. Results do not depend on any of these settings."""

    backend: Literal["inprocess", "dask"] = "inprocess"
    workers: Annotated[int, Field(ge=1, le=512)] = 2
    threads_per_worker: Annotated[int, Field(ge=1, le=64)] = 1
    #: "tcp://host:port" of an existing dask scheduler; empty: start a LocalCluster
    scheduler: Annotated[str, Field(pattern=SCHEDULER_ADDRESS)] = ""


def check_scheduler(settings: ComputeSection, *, file: str) -> None:
    """Fail early (before any run folder exists) if a named dask scheduler cannot be reached."""
    import socket

    from neosim.errors import InputError

    if settings.backend != "dask" or not settings.scheduler:
        return
    hostport = settings.scheduler.split("://", 1)[1]
    host, _, port = hostport.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=10):
            pass
    except OSError as exc:
        raise InputError(f"cannot reach the dask scheduler {settings.scheduler} "
                         f"({exc.strerror or exc})", file=file, field="compute.scheduler") from None


# --------------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------------


@dataclass
class Checkpoint:
    """Finished tasks saved as ``<folder>/<task name>.npz``, written atomically."""

    folder: Path

    def path(self, task: Task) -> Path:
        return self.folder / f"{task.name}.npz"

    def load(self, task: Task) -> Result | None:
        path = self.path(task)
        if not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}

    def remove_stale_temporaries(self) -> list[Path]:
        """Delete temporary files a killed run left behind (never a finished checkpoint)."""
        stale = sorted(self.folder.glob(".task-*.npz.tmp-*"))
        for path in stale:
            path.unlink(missing_ok=True)
        return stale

    def save(self, task: Task, result: Result) -> None:
        from neosim.results import atomic_write_bytes

        buf = io.BytesIO()
        np.savez(buf, **{k: np.asarray(v) for k, v in result.items()})
        atomic_write_bytes(self.path(task), buf.getvalue())


# --------------------------------------------------------------------------------------------
# Backends
# --------------------------------------------------------------------------------------------


@dataclass
class Backend:
    """Runs tasks and yields ``(task, result)`` in completion order."""

    settings: ComputeSection = field(default_factory=ComputeSection)
    #: in-process only: run tasks on this many threads (for kernels that release the GIL)
    threads: int = 1

    def map(self, fn: TaskFn, tasks: list[Task], seed: int) -> Iterator[tuple[Task, Result]]:
        if self.settings.backend == "inprocess":
            if self.threads <= 1 or len(tasks) <= 1:
                for task in tasks:
                    yield task, fn(task, seed)
                return
            from concurrent.futures import ThreadPoolExecutor, as_completed

            with ThreadPoolExecutor(max_workers=self.threads) as pool:
                futures = {pool.submit(fn, task, seed): task for task in tasks}
                for future in as_completed(futures):
                    yield futures[future], future.result()
            return
        with _dask_client(self.settings) as client:
            from distributed import as_completed

            futures = {client.submit(fn, task, seed, pure=False, key=f"neosim-{task.name}-"
                                     f"{seed}-{id(fn)}"): task for task in tasks}
            for future in as_completed(futures):
                yield futures[future], future.result()


@contextlib.contextmanager
def _dask_client(settings: ComputeSection) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    if settings.scheduler:
        client = Client(settings.scheduler, timeout="30s")
        try:
            yield client
        finally:
            client.close()
        return
    with LocalCluster(n_workers=settings.workers, threads_per_worker=settings.threads_per_worker,
                      processes=True, dashboard_address=None, silence_logs=40) as cluster, \
            Client(cluster) as client:
        yield client


def run_tasks(
    fn: TaskFn,
    tasks: list[Task],
    seed: int,
    *,
    backend: Backend | None = None,
    checkpoint: Checkpoint | None = None,
    progress: Any = None,
    description: str = "Running",
) -> dict[tuple[int, ...], Result]:
    """Run ``tasks`` (skipping those already checkpointed) and return results keyed by task key.

    The returned dict is ordered by task key, not by completion, so downstream reductions are
    deterministic.
    """
    backend = backend or Backend()
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError("task keys must be unique")
    done: dict[tuple[int, ...], Result] = {}
    todo = []
    for task in tasks:
        saved = checkpoint.load(task) if checkpoint else None
        if saved is None:
            todo.append(task)
        else:
            done[task.key] = saved
    if checkpoint:
        checkpoint.folder.mkdir(parents=True, exist_ok=True)
        checkpoint.remove_stale_temporaries()
    bar = progress.bar(description, total=len(tasks)) if progress else contextlib.nullcontext(
        lambda n=1: None)
    with bar as advance:
        advance(len(done))
        for task, result in backend.map(fn, todo, seed):
            if checkpoint:
                checkpoint.save(task, result)
            done[task.key] = result
            advance(1)
    return {k: done[k] for k in sorted(done)}


def stack_results(results: dict[tuple[int, ...], Result]) -> Result:
    """Concatenate per-task arrays along axis 0, in key order."""
    parts = list(results.values())
    if not parts:
        return {}
    return {name: np.concatenate([np.atleast_1d(p[name]) for p in parts]) for name in parts[0]}
