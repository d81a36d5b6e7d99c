"""The ``neosim`` command line. Thin: parse, call, map errors to exit statuses.

Exit statuses: 0 success; 1 the run finished but a requested check failed; 2 bad input (one line on
stderr naming the file and the field); 3 an internal error (rerun with ``--debug`` for the
traceback). Heavy libraries (PyMC, ArviZ) are imported only by the commands that need them.
"""

from __future__ import annotations

import sys

import click

from neosim.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    MAX_FIELD,
    MAX_FILE,
    MAX_MESSAGE,
    CheckFailed,
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


# Each command lives in the module of its area and is registered here, one line each.
# (imports of those modules must stay light: no PyMC/ArviZ/SciPy/matplotlib at import time)
from neosim.cli import accrual as _accrual  # noqa: E402
from neosim.cli import boundaries as _boundaries  # noqa: E402
from neosim.cli import data as _data  # noqa: E402
from neosim.cli import design as _design  # noqa: E402
from neosim.cli import pooling as _pooling  # noqa: E402
from neosim.cli import report as _report  # noqa: E402
from neosim.cli import run as _run  # noqa: E402
from neosim.cli import survival as _survival  # noqa: E402

cli.add_command(_run.run)
cli.add_command(_run.validate)
cli.add_command(_data.data)
cli.add_command(_design.samplesize)
cli.add_command(_design.power)
cli.add_command(_boundaries.boundaries)
cli.add_command(_accrual.accrual)
cli.add_command(_report.report)
cli.add_command(_pooling.pooling)
cli.add_command(_survival.survival)


def _line(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` as one printable line of at most ``limit`` characters."""
    return shorten(printable(" ".join(str(text).split())), limit) or ""


def console() -> None:
    """Entry point of the ``neosim`` console script: :func:`main`, then a quick exit.

    A run leaves millions of objects (PyTensor graphs, figures, ArviZ trees) for the garbage
    collector; collecting them at interpreter exit took 1.4 s of a 5 s flagship run. Every file
    is written and closed by then, so the objects are moved out of the collector's reach
    (:func:`gc.freeze`) and the process ends without that final sweep.
    """
    try:
        main()
    finally:
        import gc

        gc.freeze()


def main(argv: list[str] | None = None) -> None:
    """Run the ``neosim`` command line with ``argv`` (default: ``sys.argv[1:]``)."""
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
        if debug and not isinstance(exc, CheckFailed):  # a failed check is a result, not a bug
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

