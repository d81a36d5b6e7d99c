"""``neosim data list`` and ``neosim data show``: the packaged datasets and their citations."""

from __future__ import annotations

import click

from neosim.errors import InputError


@click.group()
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
