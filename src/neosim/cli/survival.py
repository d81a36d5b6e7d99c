"""``neosim survival``: check a patient-level (IPD) file and describe it nonparametrically.

Light at import (click only); the work imports numpy/scipy when it runs.
"""

from __future__ import annotations

import click

from neosim.cli.types import InputPath


@click.group()
def survival() -> None:
    """Patient-level survival data (schema: docs/ipd_schema.md)."""


@survival.command("check")
@click.argument("ipd_file", type=InputPath(dir_okay=False))
@click.option("--subtypes", default="", help="Comma-separated subtypes (default: all in file).")
@click.option("--origin", type=click.Choice(["sct", "diagnosis"]), default="sct",
              show_default=True, help="Time origin: SCT (landmark) or diagnosis.")
def check(ipd_file: str, subtypes: str, origin: str) -> None:
    """Validate IPD_FILE, then print counts, Kaplan–Meier medians and the log-rank test."""
    import math

    import numpy as np

    from neosim.errors import InputError
    from neosim.survival.ipd import landmark, load_ipd
    from neosim.survival.nonparametric import kaplan_meier, logrank

    ipd = load_ipd(ipd_file)
    labels = [s for s in subtypes.split(",") if s] or list(dict.fromkeys(ipd.subtype))
    if len(set(labels)) != len(labels):
        raise InputError("names a subtype twice", file="command line", field="--subtypes")
    try:
        data = landmark(ipd, labels, origin=origin, file="command line")
    except InputError as exc:
        raise InputError(exc.message, file="command line", field="--subtypes") from None
    click.echo(f"{ipd_file}: {ipd.n} patients valid; {int(ipd.sct.sum())} transplanted")
    click.echo(f"time from {origin}: {len(data.time)} patients analysed")
    click.echo(f"  {'subtype':8s} {'patients':>8s} {'deaths':>6s} {'KM median (months)':>19s}")
    for i, sub in enumerate(labels):
        mine = data.subtype_index == i
        if not mine.any():
            click.echo(f"  {sub:8s} {0:8d}")
            continue
        km = kaplan_meier(data.time[mine], data.event[mine])
        below = np.flatnonzero(km.survival <= 0.5)
        median = f"{km.time[below[0]]:.1f}" if below.size else "not reached"
        click.echo(f"  {sub:8s} {int(mine.sum()):8d} {int(data.event[mine].sum()):6d} "
                   f"{median:>19s}")
    present = np.unique(data.subtype_index)
    if present.size >= 2:
        lr = logrank(data.time, data.event, np.asarray(labels)[data.subtype_index])
        if not (math.isfinite(lr.statistic) and math.isfinite(lr.p_value)):
            click.echo(f"log-rank ({', '.join(lr.groups)}): not defined (no deaths to compare)")
            return
        click.echo(f"log-rank ({', '.join(lr.groups)}): chi2 = {lr.statistic:.3f} on {lr.df} df,"
                   f" p = {lr.p_value:.4g}")
