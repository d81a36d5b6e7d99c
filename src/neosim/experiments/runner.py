"""Run a configured experiment end to end: validate, prepare, create the run folder, execute,
write the report, record provenance. Everything that can be wrong with the input is found before
the folder exists.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from neosim import results
from neosim.compute import check_scheduler
from neosim.config import config_hash, load_experiment, resolved_dict, resolved_toml
from neosim.errors import InputError
from neosim.experiments import kind_module
from neosim.progress import Progress
from neosim.report import write_report

RUN_STATE = "run.json"  # written first: where the config came from, so --resume can continue


@dataclass
class RunResult:
    """What :func:`run_experiment` returns: the folder and the kind's outcome."""

    path: Path
    passed: bool
    message: str
    headline: list[str]


def run_experiment(
    path: str | Path,
    *,
    out: str | Path | None = None,
    seed: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
    argv: list[str] | None = None,
) -> RunResult:
    """Run the experiment in ``path`` into a new run folder and return its result."""
    source = str(path)
    cfg = load_experiment(path, seed=seed, scheduler=scheduler)
    module = kind_module(cfg.experiment.kind, file=source)
    prepared = module.prepare(cfg, source)
    if hasattr(cfg, "compute"):
        check_scheduler(cfg.compute, file=source)
    inputs = input_files(cfg, source)
    digest = config_hash(cfg)
    folder = results.create_run_folder(out, experiment_name=cfg.experiment.name,
                                       config_sha256=digest, seed=cfg.experiment.seed)
    argv = list(argv if argv is not None else sys.argv)
    folder.write_json(RUN_STATE, {"config_file": str(Path(source).resolve()),
                                  "experiment": cfg.experiment.name, "kind": cfg.experiment.kind,
                                  "started_utc": results.utc_now(), "command_line": argv,
                                  "input_files": inputs})
    folder.write_config(resolved_toml(cfg))
    return _execute(module, cfg, prepared, folder, quiet=quiet, argv=argv, source=source,
                    extra={"input_files": inputs})


def input_files(cfg, source: str) -> dict[str, str]:
    """SHA-256 of every file the resolved config names (paths relative to the experiment file).

    The config hash covers the paths; this covers what is in them (prior files, IPD, country
    tables, target experiments), so provenance pins the inputs and a resume can refuse changed
    ones.
    """
    from neosim.inputs import file_sha256

    base = Path(source).parent
    found: dict[str, str] = {}

    def walk(value) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str) and 0 < len(value) < 4096 and value not in found:
            path = Path(value) if Path(value).is_absolute() else base / value
            digest = file_sha256(path)  # regular files only, streamed (never a FIFO or device)
            if digest is not None:
                found[value] = digest

    walk(resolved_dict(cfg))
    return found


def resume_run(run_dir: str | Path, *, quiet: bool = False, scheduler: str | None = None,
               argv: list[str] | None = None) -> RunResult:
    """Finish an interrupted run in ``run_dir``: only the missing work is done.

    The resolved ``config.toml`` in the folder is the config (its seed included); kinds that
    checkpoint skip the chunks already persisted, the others recompute, and since results are a
    function of the config and seed alone the outcome equals that of an uninterrupted run.
    """
    run_dir = Path(run_dir)
    if not (run_dir / results.CONFIG).is_file():
        raise InputError("is not a neosim run folder (no config.toml)", file=str(run_dir),
                         field="--resume")
    if results.is_complete(run_dir):
        raise InputError("run is already complete (provenance.json exists)", file=str(run_dir),
                         field="--resume")
    state = results.read_json(run_dir / RUN_STATE) if (run_dir / RUN_STATE).is_file() else {}
    cfg = load_experiment(run_dir / results.CONFIG, scheduler=scheduler)
    module = kind_module(cfg.experiment.kind, file=str(run_dir / results.CONFIG))
    # Relative data paths in the config are relative to the original experiment file.
    origin = state.get("config_file", str(run_dir / results.CONFIG))
    prepared = module.prepare(cfg, origin)
    if hasattr(cfg, "compute"):
        check_scheduler(cfg.compute, file=str(run_dir / results.CONFIG))
    inputs = input_files(cfg, origin)
    for name, digest in state.get("input_files", {}).items():
        if inputs.get(name) != digest:
            raise InputError(f"input file {name} changed (or vanished) since the run started; "
                             "resuming would mix results of two inputs", file=str(run_dir),
                             field="--resume")
    folder = results.RunFolder(path=run_dir, config_sha256=config_hash(cfg),
                               seed=cfg.experiment.seed)
    (run_dir / results.FIGURES).mkdir(exist_ok=True)
    return _execute(module, cfg, prepared, folder, quiet=quiet, argv=argv, source=origin,
                    extra={"input_files": inputs, "resumed": True,
                           "first_started_utc": state.get("started_utc"),
                           "first_command_line": state.get("command_line")})


def _execute(module, cfg, prepared, folder, *, quiet, argv, source, extra) -> RunResult:
    with Progress(quiet=quiet) as progress:
        outcome = module.execute(prepared, folder, progress)
        with folder.timed("report"), progress.stage("Writing report.html"):
            write_report(folder.path)  # from the files alone, as `neosim report` would
    folder.finish(
        argv=list(argv if argv is not None else sys.argv),
        extra={
            "experiment": cfg.experiment.name,
            "kind": cfg.experiment.kind,
            "config_file": source,
            "checks_passed": outcome.passed,
            "checks_message": outcome.message,
            **extra,
            **outcome.provenance,  # kind-specific, e.g. synthetic_data
        },
    )
    return RunResult(path=folder.path, passed=outcome.passed, message=outcome.message,
                     headline=outcome.headline)
