"""``neosim accrual EXPERIMENT``: the projection of an ``accrual`` experiment, printed (no run
folder)."""

from __future__ import annotations

import json

import click

from neosim.cli.design import check_finite
from neosim.cli.types import InputPath, Int, Real
from neosim.errors import InputError


@click.command("accrual")
@click.argument("experiment", type=InputPath(dir_okay=False))
@click.option("--seed", type=Int(0, 2**63 - 1), help="Override experiment.seed.")
@click.option("--json", "as_json", is_flag=True, help="Print the projection as one JSON object.")
@click.option("--mc-se", "mc_se", type=Real(1e-5, 0.5), default=None,
              help="Target Monte-Carlo standard error of the printed probabilities: incidence "
                   "draws from counts are raised until the largest MC SE is below it "
                   "(overrides incidence.mc_se_target).")
def accrual(experiment: str, seed: int | None, as_json: bool, mc_se: float | None) -> None:
    """Project consortium accrual from EXPERIMENT (an `accrual` experiment); writes nothing.

    Probabilities are means over the incidence draws; each is printed with its Monte-Carlo
    standard error, and the last line gives the largest one."""
    from neosim.experiments.accrual import project

    tables = project(experiment, seed=seed, mc_se=mc_se)
    try:
        check_finite(tables["json"])
    except InputError as exc:
        raise InputError(f"{exc.message.split(';')[0]}; check the recruitment, sites and "
                         "tradeoff tables", file=experiment) from None
    if as_json:
        click.echo(json.dumps(tables["json"]))
    else:
        for line in tables["headline"]:
            click.echo(line)
