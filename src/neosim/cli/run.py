"""``neosim run`` (an experiment into a new run folder, or ``--resume``) and ``neosim validate``."""

from __future__ import annotations

import click

from neosim.cli.types import InputPath, Int
from neosim.errors import CheckFailed, InputError


@click.command()
@click.argument("experiment", required=False, type=InputPath(dir_okay=False))
@click.option("--out", type=InputPath(file_okay=False),
              help="Run folder to create (must not exist).")
@click.option("--seed", type=Int(0, 2**63 - 1), help="Override experiment.seed.")
@click.option("--resume", "resume_dir", type=InputPath(file_okay=False),
              help="Finish the interrupted run in this folder.")
@click.option("--scheduler", help="Run chunks on this dask scheduler (tcp://HOST:PORT; or set "
              "NEOSIM_SCHEDULER). A scheduler runs code on your behalf: only the command line "
              "or the environment may name one, never a config.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output on stderr.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: the folder, whether its checks passed, the "
                   "message and the headline lines.")
def run(experiment: str | None, out: str | None, seed: int | None, resume_dir: str | None,
        scheduler: str | None, quiet: bool, as_json: bool) -> None:
    """Run EXPERIMENT (a TOML file) into a new run folder."""
    from neosim.experiments.runner import resume_run, run_experiment

    if resume_dir:
        if experiment or out or seed is not None:
            raise InputError("--resume takes no EXPERIMENT, --out or --seed", file="command line",
                             field="--resume")
        result = resume_run(resume_dir, quiet=quiet, scheduler=scheduler)
    else:
        if not experiment:
            raise InputError("missing EXPERIMENT file (or --resume DIR)", file="command line",
                             field="EXPERIMENT")
        result = run_experiment(experiment, out=out, seed=seed, scheduler=scheduler, quiet=quiet)
    if as_json:
        import json

        click.echo(json.dumps({"folder": str(result.path), "passed": bool(result.passed),
                               "message": result.message, "headline": list(result.headline)}))
    else:
        for line in result.headline:
            click.echo(line)
        click.echo(f"run folder: {result.path}")
    if not result.passed:
        # the run folder is complete; a check the user asked for (e.g. convergence) failed: exit 1
        raise CheckFailed(f"{result.message} (see {result.path / 'diagnostics.json'})")


@click.command()
@click.argument("experiment", type=InputPath(dir_okay=False))
def validate(experiment: str) -> None:
    """Check EXPERIMENT and print the resolved config; runs nothing."""
    from neosim.config import config_hash, resolved_toml
    from neosim.experiments import kind_module, load_experiment

    cfg = load_experiment(experiment)
    kind_module(cfg.experiment.kind).prepare(cfg, experiment)
    click.echo(resolved_toml(cfg), nl=False)
    click.echo(f"# config sha256: {config_hash(cfg)}")
