"""``neosim report DIR``: rebuild the self-contained ``report.html`` of a run folder."""

from __future__ import annotations

import click

from neosim.cli.types import InputPath


@click.command("report")
@click.argument("run_dir", metavar="DIR", type=InputPath(file_okay=False))
def report(run_dir: str) -> None:
    """Rebuild DIR/report.html from the files of the run folder DIR."""
    from neosim.report import write_report

    path = write_report(run_dir)
    click.echo(f"report: {path}")
