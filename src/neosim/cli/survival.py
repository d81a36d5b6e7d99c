"""``neosim survival``: check a patient-level (IPD) file and describe it nonparametrically.

Light at import (click and numpy); the log-rank test imports SciPy when it runs.
"""

from __future__ import annotations

import click

from neosim.cli.types import InputPath, Real, real_list
from neosim.config import MONTHS_MAX
from neosim.survival.nonparametric import CONF_TYPE, CONF_TYPES
from neosim.units import UNITS


@click.group()
def survival() -> None:
    """Patient-level survival data (schema: docs/ipd_schema.md)."""


@survival.command("check")
@click.argument("ipd_file", type=InputPath(dir_okay=False))
@click.option("--subtypes", default="", help="Comma-separated subtypes (default: all in file).")
@click.option("--origin", type=click.Choice(["sct", "diagnosis"]), default="sct",
              show_default=True, help="Time origin: SCT (landmark) or diagnosis.")
@click.option("--time-unit", type=click.Choice(UNITS), default="months", show_default=True,
              help="Unit of the file's times (time_to_event, time_to_sct), of --times and of "
                   "the output; a month is 30.4375 days.")
@click.option("--times", "times_text", default=None, metavar="T1,T2,...",
              help="Also print S(t) with its confidence interval and the number at risk at "
                   "these times (in --time-unit), e.g. 6,12,24.")
@click.option("--conf-type", type=click.Choice(CONF_TYPES), default=CONF_TYPE,
              show_default=True,
              help="Scale of the Kaplan–Meier confidence intervals (R survfit's conf.type).")
@click.option("--ci-prob", type=Real(0.5, 0.999), default=0.95, show_default=True,
              help="Probability of the confidence intervals.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def check(ipd_file: str, subtypes: str, origin: str, time_unit: str, times_text: str | None,
          conf_type: str, ci_prob: float, as_json: bool) -> None:
    """Validate IPD_FILE, then print counts, Kaplan–Meier medians with their confidence
    intervals, S(t) at chosen times and the log-rank test.

    Kaplan–Meier conventions are R ``survival``'s: pointwise intervals on the ``log`` scale by
    default (``survfit``), the median's interval where the band's limits reach 0.5, and on a flat
    step at exactly 0.5 the median is the midpoint of the step (``quantile.survfit``).
    """
    import json

    from neosim.errors import InputError
    from neosim.survival.ipd import landmark, load_ipd
    from neosim.units import from_months

    times = real_list(times_text, "--times", lo=0.0, hi=from_months(MONTHS_MAX, time_unit),
                      max_items=50)
    ipd = load_ipd(ipd_file, time_unit, unit_field="--time-unit")
    labels = [s for s in subtypes.split(",") if s] or list(dict.fromkeys(ipd.subtype))
    if len(set(labels)) != len(labels):
        raise InputError("names a subtype twice", file="command line", field="--subtypes")
    try:
        data = landmark(ipd, labels, origin=origin, file="command line")
    except InputError as exc:
        raise InputError(exc.message, file="command line", field="--subtypes") from None
    record = describe(data, labels, times or [], ci_prob, conf_type, time_unit)
    record = {"file": ipd_file, "patients_valid": ipd.n, "transplanted": int(ipd.sct.sum()),
              "origin": origin, **record}
    if as_json:
        click.echo(json.dumps(record, allow_nan=False))
        return
    for line in _lines(record):
        click.echo(line)


def describe(data, labels: list[str], times: list[float], ci_prob: float,
             conf_type: str, time_unit: str = "months") -> dict:
    """Counts, Kaplan–Meier median with its interval and S(t) at ``times`` per subtype, and the
    log-rank test: a JSON-ready dict (``None`` where not reached or not estimable); times in
    ``time_unit``, as the data's."""
    import math

    import numpy as np

    from neosim.survival.nonparametric import kaplan_meier, logrank

    def num(x) -> float | None:
        return float(x) if math.isfinite(x) else None

    groups = []
    for i, sub in enumerate(labels):
        mine = data.subtype_index == i
        row: dict = {"subtype": sub, "patients": int(mine.sum()),
                     "deaths": int(data.event[mine].sum())}
        if mine.any():
            km = kaplan_meier(data.time[mine], data.event[mine])
            med, lo, hi = km.median(ci_prob, conf_type)
            row |= {"median": num(med), "median_lower": num(lo), "median_upper": num(hi)}
            at = km.at_times(times, ci_prob, conf_type)
            row["at_times"] = [
                {"time": float(t), "at_risk": int(at["at_risk"][j]),
                 "survival": num(at["survival"][j]), "lower": num(at["lower"][j]),
                 "upper": num(at["upper"][j])} for j, t in enumerate(times)]
        groups.append(row)
    out = {"analysed": len(data.time), "ci_prob": ci_prob, "conf_type": conf_type,
           "time_unit": time_unit, "subtypes": groups, "logrank": None}
    if np.unique(data.subtype_index).size >= 2:
        lr = logrank(data.time, data.event, np.asarray(labels)[data.subtype_index])
        out["logrank"] = {"groups": list(lr.groups), "statistic": num(lr.statistic),
                          "df": lr.df, "p_value": num(lr.p_value)}
    return out


def _lines(r: dict) -> list[str]:
    def t(x) -> str:
        return "NR" if x is None else f"{x:.1f}"

    def p(x) -> str:
        return "—" if x is None else f"{x:.3f}"

    level = f"{100 * r['ci_prob']:g}% CI ({r['conf_type']})"
    unit = r["time_unit"]
    head = f"KM median ({unit})"
    out = [f"{r['file']}: {r['patients_valid']} patients valid; {r['transplanted']} transplanted",
           f"time from {r['origin']} in {unit}: {r['analysed']} patients analysed",
           f"  {'subtype':8s} {'patients':>8s} {'deaths':>6s} {head:>19s}  {level}"]
    for g in r["subtypes"]:
        if not g["patients"]:
            out.append(f"  {g['subtype']:8s} {0:8d}")
            continue
        median = "not reached" if g["median"] is None else f"{g['median']:.1f}"
        out.append(f"  {g['subtype']:8s} {g['patients']:8d} {g['deaths']:6d} {median:>19s}"
                   f"  {t(g['median_lower'])}–{t(g['median_upper'])}")
    if any(g.get("at_times") for g in r["subtypes"]):
        out.append(f"S(t), {level}; NR = not reached, — = after the last observed time:")
        out.append(f"  {'subtype':8s} {unit:>7s} {'at risk':>7s} {'S(t)':>6s}  interval")
        for g in r["subtypes"]:
            for a in g.get("at_times", []):
                band = ("—" if a["survival"] is None else f"{p(a['lower'])}–{p(a['upper'])}")
                out.append(f"  {g['subtype']:8s} {a['time']:7g} {a['at_risk']:7d} "
                           f"{p(a['survival']):>6s}  {band}")
    lr = r["logrank"]
    if lr is not None:
        if lr["statistic"] is None or lr["p_value"] is None:
            out.append(f"log-rank ({', '.join(lr['groups'])}): not defined (no deaths to compare)")
        else:
            out.append(f"log-rank ({', '.join(lr['groups'])}): chi2 = {lr['statistic']:.3f} on "
                       f"{lr['df']} df, p = {lr['p_value']:.4g}")
    return out
