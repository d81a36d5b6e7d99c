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


@data.command("template")
@click.option("--out", type=click.Path(dir_okay=False),
              help="Write the template to this new file (never overwritten) instead of stdout.")
def data_template(out: str | None) -> None:
    """A starting cohort file for your own counts (schema: docs/cohort_schema.md)."""
    import os
    from importlib.resources import files
    from pathlib import Path

    text = files("neosim.data").joinpath("cohort_template.toml").read_text(encoding="utf-8")
    if out is None:
        click.echo(text, nl=False)
        return
    from neosim import fsutil

    target = Path(out)
    if target.exists() or target.is_symlink():
        raise InputError("exists: neosim never overwrites a file; choose a new name",
                         file="command line", field="--out")
    if not target.parent.is_dir():
        raise InputError("its folder does not exist", file="command line", field="--out")
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        fsutil.rename_noreplace(tmp, target)
    except FileExistsError:
        raise InputError("exists: neosim never overwrites a file; choose a new name",
                         file="command line", field="--out") from None
    finally:
        tmp.unlink(missing_ok=True)
    click.echo(f"wrote {target}: replace every PLACEHOLDER with your counts")
