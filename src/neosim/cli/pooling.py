"""``neosim pooling``: the table of published cohorts and the ESS of a prior file.

Light at import time (click only); the work imports what it needs inside each command.
"""

from __future__ import annotations

import json
import math

import click

from neosim.cli.types import InputPath, Real


@click.group()
def pooling() -> None:
    """Published cohorts for evidence synthesis, and prior effective sample sizes."""


@pooling.command("table")
@click.option("--file", "path", type=InputPath(dir_okay=False),
              help="A table of the same schema instead of the packaged one.")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object: the studies and the figures (unknowns as null).")
def table(path: str | None, as_json: bool) -> None:
    """List the published figures: id, measure, landmark, value as printed, evidence, study."""
    import dataclasses

    from neosim.data.published import load_table

    t = load_table(path)
    if as_json:
        figures = {fid: {**{k: v for k, v in dataclasses.asdict(f).items() if k != "study"},
                         "study": f.study.id, "notes": list(f.notes)}
                   for fid, f in t.figures.items()}
        click.echo(json.dumps({"file": t.file, "figures": figures, "studies": {
            sid: s.model_dump(mode="json") for sid, s in t.studies.items()}}, allow_nan=False))
        return
    click.echo(f"# {t.file}")
    for fid, f in t.figures.items():
        landmark = "unknown" if f.landmark_months is None else f"{f.landmark_months:g} mo"
        click.echo(f"{fid:30s} {f.measure:4s} {landmark:8s} {f.evidence:2s} "
                   f"{f.study.short}: {f.as_published}")
    click.echo("")
    for s in t.studies.values():
        click.echo(f"[{s.id}] {s.citation}")


@pooling.command("ess")
@click.argument("prior_file", type=InputPath(dir_okay=False))
@click.option("--sigma", type=Real(1e-6, 1e6), help="Unit SD (normal mixtures only).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def ess(prior_file: str, sigma: float | None, as_json: bool) -> None:
    """Effective sample size of a mixture PRIOR_FILE: moment matching, ELIR on the natural scale
    (as RBesT) and on the logit (log) scale, and Morita's method."""
    from neosim.errors import InputError
    from neosim.models.ess import ess_elir, ess_moment, ess_morita
    from neosim.priors import mixture_of, read_prior

    prior = read_prior(prior_file)
    try:
        mix = mixture_of(prior)
    except InputError as exc:
        raise exc.at(file=prior_file) from None
    if mix.family == "normal" and (sigma is None or sigma <= 0):
        raise InputError("a normal mixture needs --sigma > 0", file="command line",
                         field="--sigma")
    unit = {"beta": "patients", "gamma": "units of exposure",
            "normal": "observations"}[mix.family]
    scale = {"beta": ("probability", "logit"), "gamma": ("hazard", "log hazard"),
             "normal": ("", "")}[mix.family]
    values = {"mean": mix.mean(), "ESS moment": ess_moment(mix, sigma=sigma)}
    if mix.family == "normal":
        values["ESS ELIR"] = ess_elir(mix, sigma=sigma)
    else:
        values[f"ESS ELIR ({scale[0]} scale, as RBesT)"] = ess_elir(mix, scale="natural")
        values[f"ESS ELIR ({scale[1]} scale)"] = ess_elir(mix, scale="logit")
        values["ESS Morita (at the mean)"] = ess_morita(mix)
    for what, v in values.items():
        if not math.isfinite(v):
            raise InputError(f"the prior has no finite {what} (components too extreme)",
                             file=prior_file, field="components")
    if as_json:
        keys = {"mean": "mean", "ESS moment": "ess_moment", "ESS ELIR": "ess_elir",
                "ESS Morita (at the mean)": "ess_morita"}
        record = {"name": prior.name, "quantity": prior.quantity, "family": mix.family,
                  "components": int(mix.weights.size), "unit": unit}
        for what, v in values.items():
            key = keys.get(what) or ("ess_elir_natural" if "RBesT" in what
                                     else "ess_elir_logit")
            record[key] = v
        click.echo(json.dumps(record))
        return
    click.echo(f"{prior.name} ({prior.quantity}, {mix.family} mixture of {mix.weights.size})")
    width = max(len(k) for k in values)
    for what, v in values.items():
        click.echo(f"{what:<{width}}  " + (f"{v:.4f}" if what == "mean" else f"{v:.2f} {unit}"))
