"""``neosim data list`` and ``neosim data show``: the packaged datasets and their citations."""

from __future__ import annotations

import json

import click

from neosim.errors import InputError


@click.group()
def data() -> None:
    """Packaged datasets and their citations."""


@data.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
def data_list(as_json: bool) -> None:
    """List the packaged datasets."""
    from neosim.data import DATASETS, load_dataset

    rows = []
    for name in sorted(DATASETS):
        c = load_dataset(name)
        rows.append({"name": name, "period": c.source.period, "country": c.source.country,
                     "citation": c.source.citation})
    if as_json:
        click.echo(json.dumps(rows))
        return
    for r in rows:
        click.echo(f"{r['name']:12s} {r['period']:10s} {r['country']:8s} {r['citation']}")


@data.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: the citation record and the counts.")
def data_show(name: str, as_json: bool) -> None:
    """Show one dataset: citation, counts, and what is not reported."""
    from neosim.data import load_dataset
    from neosim.data.show import render_cohort

    try:
        cohort = load_dataset(name)
    except InputError as exc:
        raise exc.at(file="command line", field="NAME") from None
    if as_json:
        click.echo(json.dumps({
            "name": cohort.name, "source": cohort.source.model_dump(mode="json"),
            "infants": cohort.infants.model_dump(mode="json"),
            "neonates": cohort.neonates.model_dump(mode="json"), "derived": cohort.derived}))
        return
    click.echo(render_cohort(cohort))
