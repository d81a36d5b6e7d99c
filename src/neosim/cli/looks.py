"""The interim-look flags, defined once: ``--looks``, ``--spending``, ``--gamma``, ``--delta``
and the futility flags, mapped 1:1 onto the fields of
:class:`~neosim.design.sequential.SequentialPlan` (the ``[design.sequential]`` table).

``neosim samplesize`` and ``neosim power`` take them (:mod:`neosim.cli.design`); so can any
command that builds a plan (:func:`look_options`, :func:`sequential_plan`). Light: click and
:mod:`neosim.cli.types` at import; the plan's module (pydantic) loads when ``--looks`` is given.
"""

from __future__ import annotations

from typing import Any

import click

from neosim.cli.types import Real, real_list
from neosim.errors import InputError

CMD = "command line"
#: plan field -> the flag that sets it (errors name the flag)
FLAGS = {"information_rates": "--looks", "spending": "--spending", "gamma": "--gamma",
         "delta": "--delta", "futility": "--futility", "futility_gamma": "--futility-gamma",
         "futility_cp": "--futility-cp", "futility_bounds": "--futility-bounds",
         "binding_futility": "--binding-futility", "sided": "--sided", "alpha": "--alpha",
         "beta": "--power"}
SPENDING = ("obf", "pocock", "kd", "hsd", "OF", "P", "WT")
BETA_SPENDING = ("obf", "pocock", "kd", "hsd")


def look_options(fn):
    """Add the look flags to a click command (keys ``looks``, ``spending``, ``gamma``,
    ``delta``, ``futility``, ``futility_gamma``, ``futility_cp``, ``futility_bounds``,
    ``binding_futility``)."""
    opts = [
        click.option("--looks", default=None,
                     help="Interim looks: information rates (shares of the maximum events), "
                          "comma list, increasing, ending at 1 (e.g. 0.4,0.7,1; 2 to 10 looks)."),
        click.option("--spending", type=click.Choice(SPENDING), default=None,
                     help="Boundaries: obf or pocock (Lan-DeMets O'Brien-Fleming or "
                          "Pocock-type alpha spending, rpact asOF/asP; default obf), kd "
                          "(Kim-DeMets, --gamma), hsd (Hwang-Shih-DeCani, --gamma), or the "
                          "classical OF, P, WT (Wang-Tsiatis, --delta)."),
        click.option("--gamma", type=Real(-10.0, 8.0), default=None,
                     help="Parameter of kd (0.4 to 8) or hsd (-10 to 5) spending."),
        click.option("--delta", type=Real(-0.5, 1.0), default=None,
                     help="Wang-Tsiatis delta (spending WT)."),
        click.option("--futility", type=click.Choice(BETA_SPENDING), default=None,
                     help="Futility bounds by beta spending of this family (rpact bsOF, bsP, "
                          "bsKD, bsHSD; one-sided alpha-spending designs)."),
        click.option("--futility-gamma", type=Real(-10.0, 8.0), default=None,
                     help="Parameter of kd or hsd beta spending."),
        click.option("--futility-cp", type=Real(0.0, 1.0), default=None,
                     help="Stop for futility when the conditional power falls below this."),
        click.option("--futility-bounds", default=None,
                     help="Given z-scale futility bounds, one per look but the last (comma "
                          "list)."),
        click.option("--binding-futility", is_flag=True, default=False,
                     help="Binding futility: the critical values count on stopping there."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def flag_error(exc: InputError) -> InputError:
    """An input error of a plan or its boundaries (field ``futility_bounds``, ``sided``, ...)
    at the command line and the flag of its field."""
    base = (exc.field or "").removeprefix("sequential.").split(".")[0].split("[")[0]
    return InputError(exc.message, file=CMD, field=FLAGS.get(base, exc.field))


def sequential_plan(o: dict[str, Any]):
    """The :class:`~neosim.design.sequential.SequentialPlan` of the look flags in ``o``, or
    ``None`` without ``--looks`` (then any other look flag is an input error)."""
    names = [k for k in FLAGS if k not in ("information_rates", "sided", "alpha", "beta")]
    if o.get("looks") is None:
        given = [k for k in ("spending", "gamma", "delta", "futility", "futility_gamma",
                             "futility_cp", "futility_bounds") if o.get(k) is not None]
        if o.get("binding_futility"):
            given.append("binding_futility")
        if given:
            raise InputError("only applies with --looks", file=CMD, field=FLAGS[given[0]])
        return None
    from neosim.config import validate
    from neosim.design.sequential import SequentialPlan

    data: dict[str, Any] = {
        "information_rates": real_list(o["looks"], "--looks", lo=0.0, hi=1.0, lo_open=True,
                                       max_items=10),
        "futility_bounds": real_list(o.get("futility_bounds"), "--futility-bounds", lo=-8.0,
                                     hi=8.0, max_items=9),
    }
    for name in names:
        if name not in data and o.get(name) not in (None, False):
            data[name] = o[name]
    data = {k: v for k, v in data.items() if v is not None}
    try:
        return validate(SequentialPlan, data, file=CMD)
    except InputError as exc:
        raise flag_error(exc) from None


def sequential_text(r) -> str:
    """Human-readable lines of a :class:`~neosim.design.survival_sequential.
    SequentialSurvivalResult`."""
    b = r.boundaries
    tails = "two-sided" if b.sided == 2 else "one-sided"
    null = "" if r.theta_h0 == 1.0 else f" against {r.theta_h0:g}"
    size = "" if r.max_subjects is None else (f", {r.max_subjects:.2f} subjects "
                                               f"({r.max_subjects_ceil} rounded up)")
    lines = [f"{r.method}, {len(r.events_per_look)} looks ({b.spending}): at most "
             f"{r.max_events:.2f} events{size}; power {r.overall_power:.4f} at {tails} alpha "
             f"{b.alpha:g}, HR {r.hazard_ratio:g}{null}; inflation factor "
             f"{b.inflation_factor:.4f}"]
    for k, t in enumerate(b.information_rates):
        when = "" if r.analysis_times is None else (
            f", month {r.analysis_times[k]:.2f}, {r.subjects_per_look[k]:.2f} subjects")
        fut = "" if b.futility_bounds is None or k == len(b.information_rates) - 1 else \
            f", futility z {b.futility_bounds[k]:.4f}"
        lines.append(f"  look {k + 1}: information {t:.3f}, {r.events_per_look[k]:.2f} events"
                     f"{when}; critical z {b.critical_values[k]:.4f}{fut}; rejects with "
                     f"probability {r.rejection_per_look[k]:.4f}")
    tail = f"expected events: H0 {r.expected_events_h0:.2f}, H1 {r.expected_events_h1:.2f}"
    if r.expected_subjects_h1 is not None:
        tail += (f"; under H1 expected subjects {r.expected_subjects_h1:.2f}, expected study "
                 f"duration {r.study_duration_h1:.2f} months")
    return "\n".join([*lines, tail])
