"""Run a configured experiment end to end: validate, prepare, create the run folder, execute,
write the report, record provenance. Everything that can be wrong with the input is found before
the folder exists.

The run folder appears whole (``run.json`` with the config hash pinned, ``config.toml``,
``figures/``; see :func:`neosim.results.create_run_folder`). A failure after that is caught,
recorded in ``run.json`` (``status = "failed"``, the error, the time) and reported in one line
ending with how to resume; ``--resume`` refuses a folder whose ``config.toml`` or inputs changed,
removes temporary files a kill left, and finishes the run to the same bytes as an uninterrupted
one (timing and command-line fields aside).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neosim import results
from neosim.compute import SCHEDULER_ENV, check_scheduler, use_scheduler
from neosim.config import resolved_dict, resolved_toml
from neosim.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, InputError, NeosimError
from neosim.experiments import kind_module, load_experiment
from neosim.inputs import file_sha256, load_json, resolve_path
from neosim.progress import Progress
from neosim.report import write_report

RUN_STATE = "run.json"  # written with the folder: the config's origin and hash, for --resume
_STATE_KEYS = ("config_file", "config_sha256", "input_files")


class RunFailed(NeosimError):
    """A run failed after its folder existed (or while creating it); the message is one line."""

    def __init__(self, message: str, exit_code: int = EXIT_INTERNAL):
        self.exit_code = exit_code
        super().__init__(" ".join(message.split()))


@dataclass
class RunResult:
    """What :func:`run_experiment` returns: the folder and the kind's outcome."""

    path: Path
    passed: bool
    message: str
    headline: list[str]


def _scheduler(flag: str | None, cfg) -> tuple[str, str, str]:
    """The dask scheduler chosen at the keyboard: ``(address, file, field)`` or empty strings.

    Only ``--scheduler`` or the environment variable ``NEOSIM_SCHEDULER`` name one, never a config.
    """
    chunked = hasattr(cfg, "compute")
    if flag is not None:
        if not chunked:
            raise InputError(f"experiment kind {cfg.experiment.kind!r} runs in one process; no "
                             "scheduler to use", file="command line", field="--scheduler")
        return flag, "command line", "--scheduler"
    env = os.environ.get(SCHEDULER_ENV, "")
    if env and chunked:
        return env, "environment", SCHEDULER_ENV
    return "", "", ""


def run_experiment(
    path: str | Path,
    *,
    out: str | Path | None = None,
    seed: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
    argv: list[str] | None = None,
) -> RunResult:
    """Run the experiment in ``path`` into a new run folder and return its result.

    ``scheduler`` (or ``NEOSIM_SCHEDULER``) is the address of a dask scheduler to run chunks on;
    it is a runtime setting, not part of the resolved config or its hash.
    """
    source = str(path)
    cfg = load_experiment(path, seed=seed)
    address, where, flag = _scheduler(scheduler, cfg)
    module = kind_module(cfg.experiment.kind, file=source)
    prepared = module.prepare(cfg, source)
    if where:  # an address was given (an empty one too: that is a malformed address)
        check_scheduler(address, file=where, field=flag)
    inputs = input_files(cfg, source)
    text = resolved_toml(cfg)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()  # = config.config_hash(cfg)
    argv = list(argv if argv is not None else sys.argv)
    origin = str(Path(source).resolve())
    state = {"config_file": origin, "experiment": cfg.experiment.name,
             "kind": cfg.experiment.kind, "config_sha256": digest, "status": "running",
             "started_utc": results.utc_now(), "command_line": argv, "input_files": inputs}
    try:
        folder = results.create_run_folder(
            out, experiment_name=cfg.experiment.name, config_sha256=digest,
            seed=cfg.experiment.seed,
            files={RUN_STATE: json.dumps(state, indent=2) + "\n", results.CONFIG: text})
    except OSError as exc:
        message, code = _describe(exc)
        raise RunFailed(f"{message}; no run folder was created", code) from exc
    folder.started_utc = state["started_utc"]
    with results.folder_lock(folder.path):
        return _execute(module, cfg, prepared, folder, quiet=quiet, argv=argv, source=origin,
                        address=address, extra={"input_files": inputs})


def input_files(cfg, source: str) -> dict[str, str]:
    """SHA-256 of every file the resolved config names (paths relative to the experiment file).

    The config hash covers the paths; this covers what is in them (prior files, IPD, country
    tables, target experiments), so provenance pins the inputs and a resume can refuse changed
    ones.
    """
    found: dict[str, str] = {}

    def walk(value) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str) and 0 < len(value) < 4096 and value not in found:
            # regular files only, streamed (never a FIFO or device)
            digest = file_sha256(resolve_path(value, source))
            if digest is not None:
                found[value] = digest

    walk(resolved_dict(cfg))
    return found


def read_state(run_dir: Path) -> dict[str, Any]:
    """``run.json`` of a run folder, checked; anything missing or unreadable is one-line bad input.
    """
    path = run_dir / RUN_STATE
    if not os.path.lexists(path):
        raise InputError("is not a resumable run folder (run.json is missing)", file=str(run_dir),
                         field="--resume")
    try:  # the safe reader: a FIFO or device named run.json never blocks
        state = load_json(path, kind="run")
    except InputError as exc:
        raise InputError(f"run.json is unreadable ({exc.message})", file=str(run_dir),
                         field="--resume") from None
    missing = [k for k in _STATE_KEYS if not isinstance(state, dict) or k not in state]
    if missing:
        raise InputError(f"run.json lacks {', '.join(missing)} (not written by this neosim "
                         "version, or damaged); cannot resume safely", file=str(run_dir),
                         field="--resume")
    if not (isinstance(state["config_file"], str) and isinstance(state["config_sha256"], str)
            and isinstance(state["input_files"], dict)):
        raise InputError("run.json is damaged (wrong types)", file=str(run_dir), field="--resume")
    return state


def resume_run(run_dir: str | Path, *, quiet: bool = False, scheduler: str | None = None,
               argv: list[str] | None = None) -> RunResult:
    """Finish an interrupted or failed run in ``run_dir``: only the missing work is done.

    The resolved ``config.toml`` in the folder is the config (its seed included); it must hash to
    the value ``run.json`` pinned when the run started, and the input files it names must be
    unchanged. Kinds that checkpoint skip the chunks already persisted (a damaged checkpoint is
    recomputed), the others recompute; results are a function of the config and seed alone, so
    the outcome equals that of an uninterrupted run.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError("no such run folder", file=str(run_dir), field="--resume")
    with results.folder_lock(run_dir):  # one process at a time in a folder
        return _resume(run_dir, quiet=quiet, scheduler=scheduler, argv=argv)


def _resume(run_dir: Path, *, quiet: bool, scheduler: str | None,
            argv: list[str] | None) -> RunResult:
    where = str(run_dir)
    if results.is_complete(run_dir):
        raise InputError("run is already complete (provenance.json exists)", file=where,
                         field="--resume")
    state = read_state(run_dir)
    config_path = run_dir / results.CONFIG
    try:
        config_bytes = config_path.read_bytes()
    except FileNotFoundError:
        raise InputError("config.toml is missing; cannot resume", file=where,
                         field="--resume") from None
    except OSError as exc:
        raise InputError(f"config.toml is unreadable ({exc.strerror})", file=where,
                         field="--resume") from None
    if hashlib.sha256(config_bytes).hexdigest() != state["config_sha256"]:
        raise InputError("config.toml changed since the run started (its SHA-256 differs from "
                         "the one pinned in run.json); resuming would mix two configurations",
                         file=str(config_path), field="--resume")
    cfg = load_experiment(config_path)
    address, where_s, flag = _scheduler(scheduler, cfg)
    module = kind_module(cfg.experiment.kind, file=str(config_path))
    # Relative data paths in the config are relative to the original experiment file.
    origin = state["config_file"]
    prepared = module.prepare(cfg, origin)
    if where_s:
        check_scheduler(address, file=where_s, field=flag)
    inputs = input_files(cfg, origin)
    for name, digest in state["input_files"].items():
        if inputs.get(name) != digest:
            raise InputError(f"input file {name} changed (or vanished) since the run started; "
                             "resuming would mix results of two inputs", file=where,
                             field="--resume")
    folder = results.RunFolder(path=run_dir, config_sha256=state["config_sha256"],
                               seed=cfg.experiment.seed,
                               started_utc=str(state.get("started_utc") or ""))
    try:
        results.remove_temporaries(run_dir)
        results.remove_dead_partials(run_dir.parent)
        (run_dir / results.FIGURES).mkdir(exist_ok=True)
        _set_status(run_dir, state, "running")
    except OSError as exc:
        message, code = _describe(exc)
        raise RunFailed(f"{message}; run folder {run_dir} is incomplete, resume with: neosim run "
                        f"--resume {run_dir}", code) from exc
    return _execute(module, cfg, prepared, folder, quiet=quiet, argv=argv, source=origin,
                    address=address,
                    extra={"input_files": inputs, "resumed": True,
                           "first_started_utc": state.get("started_utc"),
                           "first_command_line": state.get("command_line")})


def _set_status(run_dir: Path, state: dict[str, Any], status: str, **fields: Any) -> None:
    """Rewrite ``run.json`` with a new ``status`` (dropping a former failure's fields)."""
    state = {k: v for k, v in state.items() if k not in ("status", "error", "failed_utc")}
    results.atomic_write_json(run_dir / RUN_STATE, {**state, "status": status, **fields})


def _disk_full(exc: BaseException | None) -> OSError | None:
    """The ENOSPC/EDQUOT error in ``exc`` or its causes (libraries may wrap it), if any."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _describe(exc: BaseException) -> tuple[str, int]:
    """One line saying what went wrong, and the exit status (2 bad input, 3 otherwise)."""
    if isinstance(exc, InputError):
        return str(exc), EXIT_BAD_INPUT
    full = _disk_full(exc)
    if full is not None:
        where = f" writing {Path(full.filename).name}" if full.filename else ""
        return f"no space left on device{where}", EXIT_INTERNAL
    text = " ".join(str(exc).split())[:300]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__, EXIT_INTERNAL


def _execute(module, cfg, prepared, folder, *, quiet, argv, source, address, extra) -> RunResult:
    state = read_state(folder.path)
    try:
        with use_scheduler(address), Progress(quiet=quiet) as progress:
            outcome = module.execute(prepared, folder, progress)
            command = list(argv if argv is not None else sys.argv)
            record = {
                "experiment": cfg.experiment.name,
                "kind": cfg.experiment.kind,
                "config_file": source,
                "checks_passed": outcome.passed,
                "checks_message": outcome.message,
                **extra,
                **({"discarded_checkpoints": sorted(folder.discarded_checkpoints)}
                   if folder.discarded_checkpoints else {}),
                **outcome.provenance,  # kind-specific, e.g. synthetic_data
            }
            with folder.timed("report"), progress.stage("Writing report.html"):
                # from the files alone, as `neosim report` would, plus the provenance record
                # that provenance.json will hold (written last): the report is complete
                write_report(folder.path,
                             provenance=folder.provenance_record(argv=command, extra=record))
        results.remove_temporaries(folder.path)
        _set_status(folder.path, state, "complete")
        folder.finish(argv=command, extra=record)
    except Exception as exc:
        message, code = _describe(exc)
        try:  # best effort: with the disk full even this may fail; the folder still lacks
            _set_status(folder.path, state, "failed", error=message,  # provenance.json
                        failed_utc=results.utc_now())
        except OSError:
            pass
        raise RunFailed(f"{message}; run folder {folder.path} is incomplete, resume with: "
                        f"neosim run --resume {folder.path}", code) from exc
    return RunResult(path=folder.path, passed=outcome.passed, message=outcome.message,
                     headline=outcome.headline)
