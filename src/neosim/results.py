"""The one module that writes and reads run folders.

Every file is written atomically (a temporary file in the same folder, fsynced, renamed over its
final name, the folder fsynced): a reader never sees a half-written file and a killed run leaves
only temporary files named so (``.*.tmp-*``; a resume removes them). A run folder appears whole:
built under a hidden name beside its target, then renamed without replacing anything, so an
existing folder is never overwritten. ``provenance.json`` is written last: it marks a complete run.

Layout of a run folder (the contract)::

    run.json           origin, config_sha256, input-file hashes, status (written with the folder)
    config.toml        resolved config
    provenance.json    versions, hash, seed, command line, timings (written last)
    posterior.nc       fits: xarray.DataTree (h5netcdf)
    simulation.nc      simulations: xarray.Dataset
    summary.csv        one row per reported quantity
    diagnostics.json   convergence checks
    data.json          where the data came from: citations (written by the kind)
    figures/           plots, and figures/index.json: title, caption and synthetic flag per figure
    chunks/            checkpoints of chunked kinds (compute.Checkpoint)
    report.html        self-contained report (written just before provenance)
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import platform
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from neosim.errors import InputError
from neosim.fsutil import (
    _fsync_dir,
    atomic_path,
    atomic_write_bytes,
    folder_lock,
    remove_dead_partials,
    remove_temporaries,
    rename_noreplace,
)

__all__ = ["atomic_path", "atomic_write_bytes", "folder_lock", "remove_dead_partials",
           "remove_temporaries"]  # re-exported: the primitives live in fsutil, below compute

PROVENANCE = "provenance.json"
CONFIG = "config.toml"
POSTERIOR = "posterior.nc"
SIMULATION = "simulation.nc"
SUMMARY = "summary.csv"
DIAGNOSTICS = "diagnostics.json"
FIGURES = "figures"
FIGURE_INDEX = "index.json"  # inside FIGURES
FIGURE_INDEX_SCHEMA = "neosim-figures/1"
DATA = "data.json"
DATA_SCHEMA = "neosim-data/1"
REPORT = "report.html"

#: netCDF attributes that record times, not results: never written (see RunFolder.write_netcdf)
TIMING_ATTRS = frozenset({"created_at", "sampling_time"})

#: Packages whose versions every provenance record lists (read from metadata, not imported).
TRACKED_PACKAGES = (
    "neosim", "numpy", "scipy", "pandas", "pymc", "pytensor", "nutpie", "arviz", "arviz-base",
    "arviz-stats", "arviz-plots", "xarray", "h5netcdf", "h5py", "matplotlib", "pydantic", "click",
    "rich", "dask", "distributed",
)


# --------------------------------------------------------------------------------------------
# Atomic writes
# --------------------------------------------------------------------------------------------


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically and durably."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> Path:
    """Write ``obj`` as indented JSON (NaN written as null) atomically."""
    return atomic_write_text(path, json.dumps(_json_safe(obj), indent=2) + "\n")


def _json_safe(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars
        obj = obj.item()
    if isinstance(obj, float) and obj != obj:  # NaN
        return None
    return obj


# --------------------------------------------------------------------------------------------
# Run folders
# --------------------------------------------------------------------------------------------


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape a result (``"absent"`` if not installed)."""
    out = {}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out


@dataclass
class RunFolder:
    """A run folder being written. Create it with :func:`create_run_folder`."""

    path: Path
    config_sha256: str
    seed: int
    started: float = field(default_factory=time.time)
    #: when the run first started (run.json), equal on every resume: the creation time of files
    #: that record one (prior files), so a resumed run writes the same bytes
    started_utc: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    data_sources: list[dict[str, Any]] | None = None
    #: checkpoint files found unreadable (or of another config) and recomputed, for provenance
    discarded_checkpoints: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.started_utc = self.started_utc or _iso(self.started)

    def checkpoint(self, name: str = "chunks") -> Any:
        """The :class:`neosim.compute.Checkpoint` folder ``<run>/<name>``, tied to this run's
        config hash (a checkpoint of another config is never loaded)."""
        from neosim.compute import Checkpoint  # numpy: only chunked kinds pay for it

        return Checkpoint(self.path / name, tag=self.config_sha256,
                          discarded=self.discarded_checkpoints)

    def file(self, name: str) -> Path:
        """Path of a file inside the run folder."""
        return self.path / name

    def figure(self, stem: str, fmt: str = "png") -> Path:
        """Path of a figure file ``figures/<stem>.<fmt>``."""
        return self.path / FIGURES / f"{stem}.{fmt}"

    def add_figure(self, stem: str, *, title: str, caption: str, synthetic: bool = False) -> None:
        """Describe the figure ``figures/<stem>.*`` in ``figures/index.json`` for the report.

        Call it once per figure (whatever its formats), after drawing it. Entries keep the order of
        their first registration, which is the order the report shows them in; registering a stem
        again replaces its entry.

        Parameters
        ----------
        stem
            File name of the figure without suffix, as given to :meth:`figure`.
        title
            A short heading (a few words).
        caption
            One sentence saying what the figure shows and how to read it.
        synthetic
            True when the figure shows synthetic (simulated or made-up) data.
        """
        index_path = self.path / FIGURES / FIGURE_INDEX
        index = read_figure_index(self.path)
        entry = {"title": title, "caption": caption, "synthetic": bool(synthetic)}
        figures = [f for f in index["figures"] if f.get("stem") != stem]
        position = next((i for i, f in enumerate(index["figures"]) if f.get("stem") == stem),
                        len(figures))
        figures.insert(position, {"stem": stem, **entry})
        atomic_write_json(index_path, {"schema": FIGURE_INDEX_SCHEMA, "figures": figures})

    def write_data_sources(self, sources: list[dict[str, Any]]) -> None:
        """Record where the data came from in ``data.json`` (and later in the provenance).

        Each source is a dict with at least ``name`` and ``citation``; optional keys are
        ``short``, ``doi``, ``pmid``, ``description`` and ``synthetic`` (bool). Synthetic data
        (simulated cohorts, assumed scenarios) are sources too: say so with ``synthetic=True``.
        """
        for i, src in enumerate(sources):
            missing = {"name", "citation"} - set(src)
            if missing:
                raise ValueError(f"data source {i} lacks {sorted(missing)}")
        self.data_sources = list(sources)
        atomic_write_json(self.file(DATA), {"schema": DATA_SCHEMA, "sources": self.data_sources})

    @contextlib.contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Record the wall time of a stage into the provenance timings."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - t0

    def write_config(self, toml_text: str) -> None:
        atomic_write_text(self.file(CONFIG), toml_text)

    def write_json(self, name: str, obj: Any) -> None:
        atomic_write_json(self.file(name), obj)

    def write_summary(self, frame: Any) -> None:
        """Write a pandas DataFrame as ``summary.csv`` (full precision, no index)."""
        atomic_write_text(self.file(SUMMARY), frame.to_csv(index=False, float_format="%.10g"))

    def write_netcdf(self, name: str, obj: Any, attrs: dict[str, Any] | None = None) -> None:
        """Write an ``xarray.DataTree`` or ``Dataset`` with h5netcdf, atomically.

        Attributes that record when the file was made (:data:`TIMING_ATTRS`, e.g. ArviZ's
        ``created_at`` and ``sampling_time``) are removed from every group, so a rerun or a
        resumed run writes the same bytes; sampling times go to the provenance timings.
        """
        if attrs:
            obj.attrs.update(attrs)
        for node in (list(obj.subtree) if hasattr(obj, "subtree") else [obj]):
            kept = {k: v for k, v in node.attrs.items() if k not in TIMING_ATTRS}
            if len(kept) != len(node.attrs):
                spent = node.attrs.get("sampling_time")
                if isinstance(spent, int | float):
                    self.timings["sampling"] = self.timings.get("sampling", 0.0) + float(spent)
                node.attrs = kept
        with atomic_path(self.file(name)) as tmp:
            obj.to_netcdf(tmp, engine="h5netcdf")

    def finish(self, *, argv: list[str], extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """Write ``provenance.json`` (last, marking the run complete) and return it."""
        record = self.provenance_record(argv=argv, extra=extra)
        atomic_write_json(self.file(PROVENANCE), record)
        return record

    def provenance_record(self, *, argv: list[str], extra: dict | None = None) -> dict[str, Any]:
        """The record :meth:`finish` writes, as of now (the report shows it before then)."""
        ended = time.time()
        return {
            "neosim_version": package_versions()["neosim"],
            "config_sha256": self.config_sha256,
            "seed": self.seed,
            "command_line": argv,
            "started_utc": _iso(self.started),
            "ended_utc": _iso(ended),
            "wall_seconds": round(ended - self.started, 4),
            "timings_seconds": {k: round(v, 4) for k, v in self.timings.items()},
            "python": sys.version.split()[0], "platform": platform.platform(),
            "host_cores": os.cpu_count(),
            "packages": package_versions(),
            **({"data": self.data_sources} if self.data_sources is not None else {}),
            **(extra or {}),
        }


def utc_now() -> str:
    """The current time, ISO 8601 in UTC (seconds)."""
    return _iso(time.time())


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds")


def default_run_dir(experiment_name: str, config_sha256: str, root: str | Path = "runs") -> Path:
    """``runs/<experiment>/<UTC timestamp>-<short hash>`` (a suffix is added on collision)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(root) / experiment_name / f"{stamp}-{config_sha256[:8]}"


def _write_durably(path: Path, data: bytes) -> None:
    with open(path, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def create_run_folder(
    out: str | Path | None, *, experiment_name: str, config_sha256: str, seed: int,
    files: dict[str, str | bytes] | None = None,
) -> RunFolder:
    """Create a new run folder holding ``files`` (e.g. ``run.json``, ``config.toml``) and
    ``figures/``; it appears whole or not at all, and never replaces an existing folder.

    The folder is built under a hidden name beside its target (``.NAME.partial-<pid>-<hex>``),
    its files written and fsynced, then renamed to the final name without replacing anything
    (:func:`neosim.fsutil.rename_noreplace`). A kill before the rename leaves no folder at the
    final name (``--out`` can be used again) and a hidden leftover that the next run in that
    parent removes.

    With ``out=None`` the folder is ``runs/<experiment>/<timestamp>-<hash>`` (with ``-2``, ``-3`` …
    appended if that exists). With an explicit ``out``, the folder must not exist yet.
    """
    if out is not None:
        path = Path(out)
        if path.exists() or path.is_symlink():
            raise InputError(
                "already exists; a run never overwrites another (choose a new folder)",
                file=str(path), field="--out",
            )
        candidates = [path]
    else:
        base = default_run_dir(experiment_name, config_sha256)
        candidates = [base, *(base.with_name(f"{base.name}-{i}") for i in range(2, 1000))]
    parent = candidates[0].parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create folder ({exc.strerror})", file=str(parent),
                         field="--out" if out is not None else None) from None
    remove_dead_partials(parent)
    # (the name is cut so that a final name near the file-name limit still fits)
    partial = parent / f".{candidates[0].name[:100]}.partial-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        partial.mkdir()
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise  # the runner reports a full disk (exit 3), not bad input
        raise InputError(f"cannot create folder ({exc.strerror})", file=str(candidates[0]),
                         field="--out" if out is not None else None) from None
    try:
        (partial / FIGURES).mkdir()
        for name, content in (files or {}).items():
            _write_durably(partial / name,
                           content.encode("utf-8") if isinstance(content, str) else content)
        _fsync_dir(partial / FIGURES)
        _fsync_dir(partial)
        for path in candidates:
            try:
                rename_noreplace(partial, path)
                break
            except FileExistsError:
                if out is not None:
                    raise InputError("already exists; a run never overwrites another (choose "
                                     "a new folder)", file=str(path), field="--out") from None
        else:  # pragma: no cover - a thousand runs in one second
            raise InputError("cannot find a free run folder name", file=str(candidates[0]))
        _fsync_dir(parent)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return RunFolder(path=path, config_sha256=config_sha256, seed=seed)


def is_complete(path: str | Path) -> bool:
    """A run folder is complete once its provenance record exists."""
    return (Path(path) / PROVENANCE).is_file()


def read_json(path: str | Path) -> Any:
    """Read a JSON file written by this module."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_posterior(run_dir: str | Path) -> Any:
    """Open ``posterior.nc`` of a run folder as an ``xarray.DataTree`` (loaded into memory)."""
    import xarray as xr

    with xr.open_datatree(Path(run_dir) / POSTERIOR, engine="h5netcdf") as dt:
        return dt.load()


def read_simulation(run_dir: str | Path) -> Any:
    """Open ``simulation.nc`` of a run folder as an ``xarray.Dataset`` (loaded into memory)."""
    import xarray as xr

    with xr.open_dataset(Path(run_dir) / SIMULATION, engine="h5netcdf") as ds:
        return ds.load()


def read_summary(run_dir: str | Path) -> Any:
    """Read ``summary.csv`` of a run folder as a pandas DataFrame."""
    import pandas as pd

    return pd.read_csv(Path(run_dir) / SUMMARY)


def read_figure_index(run_dir: str | Path) -> dict[str, Any]:
    """``figures/index.json`` of a run folder (an empty index if there is none or it is unreadable).

    The report must work for any folder, so a damaged index is treated as absent rather than
    failing: figures then get fallback captions.
    """
    path = Path(run_dir) / FIGURES / FIGURE_INDEX
    try:
        index = read_json(path)
    except (OSError, ValueError):
        return {"schema": FIGURE_INDEX_SCHEMA, "figures": []}
    figures = index.get("figures") if isinstance(index, dict) else None
    if not isinstance(figures, list):
        figures = []
    figures = [f for f in figures if isinstance(f, dict) and isinstance(f.get("stem"), str)]
    return {"schema": FIGURE_INDEX_SCHEMA, "figures": figures}
