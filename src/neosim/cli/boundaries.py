"""``neosim boundaries``: group-sequential boundaries and rpact's design characteristics.

The flags map 1:1 onto :class:`neosim.design.sequential.SequentialPlan` (``--looks`` is
``information_rates``); :func:`boundary_options` and :func:`plan_from_flags` are shared with the
commands that take looks. Light at import (click only); SciPy loads when the design is computed.
"""

from __future__ import annotations

import json

import click

from neosim.cli.types import Int, Real, real_list
from neosim.errors import InputError

CMD = "command line"
#: plan field -> the flag that sets it (to name the flag in error messages)
FLAGS = {
    "information_rates": "--looks", "spending": "--spending", "gamma": "--gamma",
    "delta": "--delta", "user_alpha_spending": "--user-alpha-spending",
    "futility": "--futility", "futility_gamma": "--futility-gamma",
    "futility_cp": "--futility-cp", "futility_bounds": "--futility-bounds",
    "binding_futility": "--binding-futility", "alpha": "--alpha", "beta": "--beta",
    "sided": "--sided",
}


def boundary_options(fn):
    """The boundary flags (``--looks`` .. ``--binding-futility``), for any command with looks."""
    opts = [
        click.option("--looks", default=None,
                     help="Information rates of the looks, comma list ending at 1 "
                          "(e.g. 0.4,0.7,1; 2 to 10 looks)."),
        click.option("--spending", type=click.Choice(["obf", "pocock", "kd", "hsd", "OF", "P",
                                                      "WT", "user"]), default=None,
                     help="obf (default)/pocock: Lan-DeMets O'Brien-Fleming/Pocock-type alpha "
                          "spending (rpact asOF/asP); kd: Kim-DeMets (--gamma); hsd: "
                          "Hwang-Shih-DeCani (--gamma); OF, P, WT: classical boundaries (WT: "
                          "--delta); user: --user-alpha-spending."),
        click.option("--gamma", type=Real(-10.0, 8.0),
                     help="Spending parameter: kd in [0.4, 8], hsd in [-10, 5]."),
        click.option("--delta", type=Real(-0.5, 1.0), help="Wang-Tsiatis delta (--spending WT)."),
        click.option("--user-alpha-spending", default=None,
                     help="Cumulative alpha spent by each look, comma list ending at --alpha "
                          "(--spending user; rpact asUser)."),
        click.option("--futility", type=click.Choice(["obf", "pocock", "kd", "hsd"]),
                     default=None, help="Beta-spending futility family (rpact bsOF, bsP, bsKD, "
                                        "bsHSD); one-sided alpha-spending designs."),
        click.option("--futility-gamma", type=Real(-10.0, 8.0),
                     help="Parameter of --futility kd or hsd."),
        click.option("--futility-cp", type=Real(0.0, 1.0, lo_open=True, hi_open=True),
                     help="Stop for futility when conditional power under the design's drift "
                          "is below this threshold."),
        click.option("--futility-bounds", default=None,
                     help="Given z-scale futility bounds, comma list, one per look but the "
                          "last."),
        click.option("--binding-futility", is_flag=True,
                     help="Critical values count on the futility stops (default: non-binding)."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def _flag(field: str | None) -> str | None:
    if not field:
        return None
    return FLAGS.get(field.split("[")[0].split(".")[0], field)


def plan_from_flags(o: dict):
    """The :class:`SequentialPlan` of the boundary flags in ``o`` (None without ``--looks``);
    bad input is an :class:`InputError` at the command line naming the flag."""
    from neosim.config import validate
    from neosim.design.sequential import MAX_LOOKS, SequentialPlan

    if o.get("looks") is None:
        others = [f for f in ("spending", "gamma", "delta", "user_alpha_spending", "futility",
                              "futility_gamma", "futility_cp", "futility_bounds")
                  if o.get(f) is not None]
        if others or o.get("binding_futility"):
            name = FLAGS[others[0] if others else "binding_futility"]
            raise InputError("needs --looks", file=CMD, field=name)
        return None
    data = {
        "information_rates": real_list(o["looks"], "--looks", lo=0.0, hi=1.0, lo_open=True,
                                       max_items=MAX_LOOKS),
        "spending": o.get("spending") or "obf",
        "gamma": o.get("gamma"), "delta": o.get("delta"),
        "user_alpha_spending": real_list(o.get("user_alpha_spending"), "--user-alpha-spending",
                                         lo=0.0, hi=0.5, max_items=MAX_LOOKS),
        "futility": o.get("futility"),
        "futility_gamma": o.get("futility_gamma"), "futility_cp": o.get("futility_cp"),
        "futility_bounds": real_list(o.get("futility_bounds"), "--futility-bounds", lo=-8.0,
                                     hi=8.0, max_items=MAX_LOOKS - 1),
        "binding_futility": bool(o.get("binding_futility")),
    }
    try:
        return validate(SequentialPlan, {k: v for k, v in data.items() if v is not None},
                        file=CMD)
    except InputError as exc:
        raise InputError(exc.message, file=CMD, field=_flag(exc.field)) from None


def compute(plan, alpha: float, beta: float, sided: int):
    """``plan.boundaries`` with its errors located at the flags."""
    try:
        return plan.boundaries(alpha, beta, sided)
    except InputError as exc:
        raise InputError(exc.message, file=CMD, field=_flag(exc.field)) from None


def _cell(x: float | None, fmt: str = ".4f") -> str:
    return "" if x is None else format(x, fmt)


def render(d) -> str:
    """A readable table of a :class:`GroupSequentialDesign`."""
    side = "one-sided" if d.sided == 1 else "two-sided"
    fut = ""
    if d.futility_bounds is not None:
        fut = f", {'binding' if d.binding_futility else 'non-binding'} futility"
    lines = [f"Group-sequential design: {d.spending} boundaries, {side} alpha {d.alpha:g}, "
             f"power {1 - d.beta:g}{fut}",
             f"{'look':>4} {'info':>6} {'critical z':>10} {'futility z':>10} {'alpha spent':>11} "
             f"{'reject H1':>9} {'futile H1':>9} {'stop H0':>8} {'stop H1':>8}"]
    k_max = len(d.information_rates)
    for k in range(k_max):
        last = k == k_max - 1
        fb = None if d.futility_bounds is None or last else d.futility_bounds[k]
        ff = None if d.futility_bounds is None or last else d.futility_probabilities_h1[k]
        s0 = None if last else d.stopping_probabilities_h0[k]
        s1 = None if last else d.stopping_probabilities_h1[k]
        lines.append(f"{k + 1:>4} {d.information_rates[k]:>6.3f} {d.critical_values[k]:>10.4f} "
                     f"{_cell(fb):>10} {d.alpha_spent[k]:>11.6f} "
                     f"{d.rejection_probabilities_h1[k]:>9.4f} {_cell(ff):>9} {_cell(s0):>8} "
                     f"{_cell(s1):>8}")
    lines.append(f"inflation factor {d.inflation_factor:.4f}; drift {d.drift:.4f} (rpact shift "
                 f"{d.shift:.4f}, fixed design {d.n_fixed:.4f})")
    lines.append(f"average sample number / fixed: H0 {d.average_sample_number_h0:.4f}, "
                 f"H01 {d.average_sample_number_h01:.4f}, H1 {d.average_sample_number_h1:.4f}")
    return "\n".join(lines)


@click.command()
@boundary_options
@click.option("--alpha", type=Real(1e-6, 0.5, hi_open=True), default=0.025, show_default=True,
              help="Type I error (total of both sides when --sided 2).")
@click.option("--beta", type=Real(1e-4, 1.0, hi_open=True), default=0.2, show_default=True,
              help="Type II error at the design's drift (power 1 - beta).")
@click.option("--sided", type=Int(1, 2), default=1, show_default=True,
              help="1 or 2 (two-sided: symmetric bounds, no futility).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def boundaries(as_json: bool, alpha: float, beta: float, sided: int, **o) -> None:
    """Group-sequential boundaries (z scale), alpha spent and design characteristics."""
    if o.get("looks") is None:
        raise InputError("give --looks (information rates ending at 1, e.g. 0.4,0.7,1)",
                         file=CMD, field="--looks")
    plan = plan_from_flags(o)
    design = compute(plan, alpha, beta, sided)
    if as_json:
        click.echo(json.dumps(design.to_dict(), allow_nan=False))
    else:
        click.echo(render(design))
