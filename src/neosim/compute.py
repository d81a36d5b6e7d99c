"""Chunked execution: in-process or on dask.distributed, seeded by identity, checkpointed.

Work is a list of :class:`Task` objects, each with a ``key`` (its identity: scenario index, block
index, replicate index …) and picklable ``args``. A task function ``fn(task, seed)`` returns a dict
of numpy arrays and draws its randomness only from streams keyed by its identity
(:func:`neosim.seeds.rng`, e.g. ``seeds.rng(seed, *task.key)``), so every result is a function of
the run seed and the task's identity alone:
bit-identical whatever the backend, the number of workers, or the order of completion.

With a checkpoint folder, each finished task is saved atomically (``<key>.npz``: temporary file,
fsync, rename) with a digest tying it to its content, its task and the run's config hash; a
resumed run loads the saved tasks and computes only the missing ones. A file that exists under its
final name is complete by construction, and one that was damaged or edited afterwards fails its
digest and is recomputed (with a note), so nothing a later read could mistake for a result is
ever used.

The dask scheduler address is never part of a config: a scheduler runs code on neosim's behalf,
so only ``--scheduler`` or ``NEOSIM_SCHEDULER`` choose one, handed in through
:func:`use_scheduler`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from neosim.config import SCHEDULER_IN_CONFIG, FieldError, Strict
from neosim.fsutil import atomic_write_bytes

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


#: a dask scheduler address: tcp:// or tls://, host, port
SCHEDULER_ADDRESS = r"^(tcp|tls)://[A-Za-z0-9_.\-\[\]:]+:[0-9]{1,5}$"
#: the environment variable that may name a dask scheduler (like ``--scheduler``)
SCHEDULER_ENV = "NEOSIM_SCHEDULER"


class ComputeSection(Strict):
    """``[compute]``: where chunks run. Results do not depend on any of these settings.

    There is deliberately no scheduler address here: a dask scheduler and its workers run code
    whose results neosim unpickles, so only the person at the keyboard may name one
    (``--scheduler`` or ``NEOSIM_SCHEDULER``), never a file. ``backend = "dask"`` without an
    address starts a private ``LocalCluster``.
    """

    backend: Literal["inprocess", "dask"] = "inprocess"
    workers: Annotated[int, Field(ge=1, le=512)] = 2
    threads_per_worker: Annotated[int, Field(ge=1, le=64)] = 1

    @model_validator(mode="before")
    @classmethod
    def _no_scheduler(cls, data: Any) -> Any:
        if isinstance(data, dict) and "scheduler" in data:
            raise FieldError("scheduler", SCHEDULER_IN_CONFIG)
        return data


_SCHEDULER: ContextVar[str] = ContextVar("neosim_scheduler", default="")


@contextlib.contextmanager
def use_scheduler(address: str | None) -> Iterator[None]:
    """Run every :class:`Backend` inside this block on the dask scheduler at ``address``.

    The address is a runtime setting chosen on the command line or in the environment; it is not
    part of any config (results do not depend on it). ``None`` or ``""`` changes nothing.
    """
    token = _SCHEDULER.set(address or "")
    try:
        yield
    finally:
        _SCHEDULER.reset(token)


def check_scheduler(address: str, *, file: str, field: str) -> None:
    """Fail early (before any run folder exists) if ``address`` is malformed or unreachable.

    Parameters
    ----------
    address
        ``tcp://HOST:PORT`` (or ``tls://``) of a dask scheduler.
    file, field
        Where the address came from (``command line`` and ``--scheduler``, or ``environment``
        and ``NEOSIM_SCHEDULER``), for the one-line error.
    """
    import socket

    from neosim.errors import InputError

    if not re.fullmatch(SCHEDULER_ADDRESS, address):
        raise InputError("expected a dask scheduler address such as tcp://127.0.0.1:8786",
                         file=file, field=field)
    hostport = address.split("://", 1)[1]
    host, _, port = hostport.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=10):
            pass
    except (OSError, ValueError, OverflowError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"cannot reach the dask scheduler {address} ({why})", file=file,
                         field=field) from None


# --------------------------------------------------------------------------------------------
# Checkpoints
# --------------------------------------------------------------------------------------------

_DIGEST = "_neosim_digest"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so equal results give equal files


def _digest(tag: str, name: str, result: Result) -> np.ndarray:
    h = hashlib.sha256(f"neosim-checkpoint/1\0{tag}\0{name}".encode())
    for key in sorted(result):
        arr = np.ascontiguousarray(result[key])
        h.update(f"\0{key}\0{arr.dtype.str}\0{arr.shape}\0".encode())
        h.update(arr.tobytes())
    return np.frombuffer(h.digest(), dtype=np.uint8)


@dataclass
class Checkpoint:
    """Finished tasks saved as ``<folder>/<task name>.npz``, written atomically.

    Each file carries a SHA-256 digest of its arrays (names, dtypes, shapes, bytes), of the task's
    name and of ``tag`` (the run's config hash), so a checkpoint that is truncated, emptied, edited
    or written by another config is recognised, discarded (listed in ``discarded`` and reported
    through ``note``) and recomputed; it is never loaded and never crashes a resume.
    """

    folder: Path
    tag: str = ""
    discarded: list[str] = field(default_factory=list)
    note: Callable[[str], None] | None = None

    def path(self, task: Task) -> Path:
        return self.folder / f"{task.name}.npz"

    def load(self, task: Task) -> Result | None:
        path = self.path(task)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                out = {k: data[k] for k in data.files}  # reads every member: CRCs checked
            digest = out.pop(_DIGEST)
            if not out or not np.array_equal(digest, _digest(self.tag, task.name, out)):
                raise ValueError("digest mismatch")
        except Exception as exc:  # truncated, empty, not a zip, edited, another config's
            self._discard(path, exc)
            return None
        return out

    def _discard(self, path: Path, exc: Exception) -> None:
        path.unlink(missing_ok=True)
        self.discarded.append(path.name)
        if self.note is not None:
            why = " ".join(str(exc).split())[:80] or type(exc).__name__
            self.note(f"discarded unreadable checkpoint {path.name} ({why}); recomputing it")

    def remove_stale_temporaries(self) -> list[Path]:
        """Delete temporary files a killed run left behind (never a finished checkpoint)."""
        stale = sorted(self.folder.glob(".*.tmp-*"))
        for path in stale:
            path.unlink(missing_ok=True)
        return stale

    def save(self, task: Task, result: Result) -> None:
        arrays = {k: np.asarray(v) for k, v in result.items()}
        arrays[_DIGEST] = _digest(self.tag, task.name, arrays)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
            for key, arr in arrays.items():
                with zf.open(zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_TIME), "w",
                             force_zip64=True) as fh:
                    np.lib.format.write_array(fh, arr, allow_pickle=False)
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
    #: a dask scheduler address; ``None``: the one set by :func:`use_scheduler`, if any
    scheduler: str | None = None

    def map(self, fn: TaskFn, tasks: list[Task], seed: int) -> Iterator[tuple[Task, Result]]:
        scheduler = self.scheduler if self.scheduler is not None else _SCHEDULER.get()
        if self.settings.backend == "inprocess" and not scheduler:
            if self.threads <= 1 or len(tasks) <= 1:
                for task in tasks:
                    yield task, fn(task, seed)
                return
            from concurrent.futures import ThreadPoolExecutor, as_completed

            pool = ThreadPoolExecutor(max_workers=self.threads)
            try:
                futures = {pool.submit(fn, task, seed): task for task in tasks}
                for future in as_completed(futures):
                    yield futures[future], future.result()
            finally:  # a failure (e.g. disk full) stops the queued tasks instead of running them
                pool.shutdown(wait=True, cancel_futures=True)
            return
        with _dask_client(self.settings, scheduler) as client:
            from distributed import as_completed

            futures = {client.submit(fn, task, seed, pure=False, key=f"neosim-{task.name}-"
                                     f"{seed}-{id(fn)}"): task for task in tasks}
            for future in as_completed(futures):
                yield futures[future], future.result()


@contextlib.contextmanager
def _dask_client(settings: ComputeSection, scheduler: str) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    if scheduler:
        client = Client(scheduler, timeout="30s")
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
    if checkpoint and checkpoint.note is None and progress is not None:
        checkpoint.note = getattr(progress, "note", None)
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
    # closing: a failure stops the backend now (queued tasks cancelled, cluster shut down)
    with bar as advance, contextlib.closing(backend.map(fn, todo, seed)) as finished:
        advance(len(done))
        for task, result in finished:
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
