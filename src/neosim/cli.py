"""The ``neosim`` command line. Thin: parse, call, map errors to exit statuses.

Exit statuses: 0 success; 1 the run finished but a requested check failed; 2 bad input (one line on
stderr naming the file and the field); 3 an internal error (rerun with ``--debug`` for the
traceback). Heavy libraries (PyMC, ArviZ) are imported only by the commands that need them.
"""

from __future__ import annotations

import sys

import click

from neosim.cli_types import InputPath, Int
from neosim.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    MAX_FIELD,
    MAX_FILE,
    MAX_MESSAGE,
    InputError,
    NeosimError,
    printable,
    shorten,
)

#: longest error line: a message, a file and a field at their limits, and their separators
MAX_LINE = MAX_MESSAGE + MAX_FILE + MAX_FIELD + 4


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="neosim", prog_name="neosim")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """neosim: statistics and trial planning for ultra-rare childhood leukaemia."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@cli.command()
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
def run(experiment: str | None, out: str | None, seed: int | None, resume_dir: str | None,
        scheduler: str | None, quiet: bool) -> None:
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
    for line in result.headline:
        click.echo(line)
    click.echo(f"run folder: {result.path}")
    if not result.passed:
        click.echo(f"neosim: {result.message} (see {result.path / 'diagnostics.json'})", err=True)
        sys.exit(1)


@cli.command()
@click.argument("experiment", type=InputPath(dir_okay=False))
def validate(experiment: str) -> None:
    """Check EXPERIMENT and print the resolved config; runs nothing."""
    from neosim.config import config_hash, load_experiment, resolved_toml
    from neosim.experiments import kind_module

    cfg = load_experiment(experiment)
    kind_module(cfg.experiment.kind).prepare(cfg, experiment)
    click.echo(resolved_toml(cfg), nl=False)
    click.echo(f"# config sha256: {config_hash(cfg)}")


@cli.group()
def data() -> None:
    """Packaged datasets and their citations."""


@data.command("list")
def data_list() -> None:
    """List the packaged datasets."""
    from neosim.data import DATASETS, load_dataset

    for name in sorted(DATASETS):
        c = load_dataset(name)
        click.echo(f"{name:12s} {c.source.period:10s} {c.source.country:8s} {c.source.citation}")


@data.command("show")
@click.argument("name")
def data_show(name: str) -> None:
    """Show one dataset: citation, counts, and what is not reported."""
    from neosim.data import load_dataset
    from neosim.data.show import render_cohort

    try:
        cohort = load_dataset(name)
    except InputError as exc:
        raise exc.at(file="command line", field="NAME") from None
    click.echo(render_cohort(cohort))


# Commands of other areas live in their own modules and are registered here, one line each.
# (imports of those modules must stay light: no PyMC/ArviZ at import time)
from neosim import cli_design, cli_pooling, cli_report, cli_survival  # noqa: E402

cli.add_command(cli_design.samplesize)
cli.add_command(cli_design.power)
cli.add_command(cli_design.accrual)
cli.add_command(cli_report.report)
cli.add_command(cli_pooling.pooling)
cli.add_command(cli_survival.survival)


def _line(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` as one printable line of at most ``limit`` characters."""
    return shorten(printable(" ".join(str(text).split())), limit) or ""


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``neosim`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="neosim", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("neosim: aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:
        cmd = exc.ctx.command_path if exc.ctx else "neosim"
        msg = exc.format_message()
        if "\n" in msg:  # a group called without its command prints its whole help
            group = exc.ctx.command if exc.ctx else None
            names = sorted(getattr(group, "commands", {}))
            msg = (f"missing command (one of: {', '.join(names)}; see {cmd} --help)" if names
                   else " ".join(msg.split()))
        click.echo(f"{_line(cmd, 80)}: command line: {_line(msg)}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except click.ClickException as exc:
        click.echo(f"neosim: {_line(exc.format_message())}", err=True)
        sys.exit(exc.exit_code)
    except NeosimError as exc:
        if debug:
            raise
        click.echo(f"neosim: {_line(str(exc), MAX_LINE)}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("neosim: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # last line of defence: one line, no traceback
        if debug:
            raise
        msg = _line(str(exc))
        click.echo(f"neosim: internal error: {type(exc).__name__}: {msg} (rerun with --debug)",
                   err=True)
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":  # pragma: no cover
    main()
