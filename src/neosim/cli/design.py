"""Trial-design commands: ``neosim samplesize`` and ``neosim power``.

Flags follow rpact's vocabulary where it has one. Everything heavy is imported inside the
commands; ``samplesize`` and ``power`` use only the standard library, pydantic and the design
modules (no PyMC, ArviZ, SciPy or matplotlib), so they answer in well under a second.
"""

from __future__ import annotations

import contextlib
import json
import math

import click

from neosim.cli import boundaries
from neosim.cli.types import Int, Real, real_list
from neosim.errors import InputError

#: design field -> the flag that sets it (to name the flag in error messages)
_FLAGS = {
    "hazard_ratio": "--hr", "theta_h0": "--theta-h0", "alpha": "--alpha", "sided": "--sided",
    "power": "--power",
    "allocation_ratio": "--allocation", "control.median_months": "--control-median",
    "control.hazard_per_month": "--control-hazard", "accrual_time": "--accrual-time",
    "accrual_intensity": "--accrual-intensity",
    "accrual_intensity_type": "--accrual-intensity-type", "followup_months": "--followup-months",
    "dropout.hazard_per_month": "--dropout-hazard", "dropout.rate": "--dropout-rate",
    "dropout.time_months": "--dropout-time", "subjects": "--subjects", "method": "--method",
    "events": "--events", **boundaries.FLAGS, "beta": "--power",
}
CMD = "command line"
SURVIVAL_METHODS = ("schoenfeld", "freedman", "lachin-foulkes")
BINARY_METHODS = ("normal", "fisher", "barnard", "exact")
#: the flags every analytic answer depends on (named when an answer is not a finite number)
_DRIVERS = ("--hr", "--theta-h0", "--alpha", "--power", "--subjects", "--allocation",
            "--control-median",
            "--control-hazard", "--accrual-time", "--followup-months", "--dropout-hazard",
            "--dropout-rate")
#: bounds of the design flags: months up to a century, hazards per month up to 100, a hazard
#: ratio within [1e-3, 1e3], levels and powers far enough from 0 and 1 for the normal quantile
MONTHS = 1200.0
MIN_MONTHS = 0.01  # config.Months: the design object's bounds, so a flag and its field agree
MAX_SUBJECTS = 10_000_000.0
MAX_HAZARD = 100.0


def _allocation(text: str) -> float:
    bad = InputError(f"expected EXPERIMENTAL:CONTROL such as 2:1, with a ratio in [0.01, 100] "
                     f"(got {text[:40]!r})", file=CMD, field="--allocation")
    parts = text.split(":")
    if len(parts) > 2 or len(text) > 80:
        raise bad
    kind = Real(1e-6, 1e6, lo_open=False)
    try:
        e, *c = (kind.convert(x, None, None) for x in parts)
    except InputError:
        raise bad from None
    ratio = e / c[0] if c else e
    if not 0.01 <= ratio <= 100.0:
        raise bad
    return ratio


def check_finite(record: dict, flags: tuple[str, ...] = _DRIVERS) -> dict:
    """Refuse an answer holding a non-finite number: an input error naming the flags behind it."""
    def bad(value) -> bool:
        if isinstance(value, dict):
            return any(bad(v) for v in value.values())
        if isinstance(value, list | tuple):
            return any(bad(v) for v in value)
        return isinstance(value, float) and not math.isfinite(value)

    culprit = next((k for k, v in record.items() if bad(v)), None)
    if culprit is not None:
        raise InputError(f"the design gives no finite {culprit}; change {', '.join(flags)}",
                         file=CMD, field=flags[0])
    return record


def _design(o: dict, *, need_power: bool):
    from neosim.config import validate
    from neosim.design.spec import TrialDesign

    if o["hr"] is None:
        raise InputError("give --hr (the hazard ratio to detect)", file=CMD, field="--hr")
    if o["method"] is None:
        o = {**o, "method": "schoenfeld"}
    elif o["method"] not in SURVIVAL_METHODS:
        raise InputError(f"{o['method']} is a method for a binary endpoint (survival: "
                         f"{', '.join(SURVIVAL_METHODS)})", file=CMD, field="--method")
    if o["control_median"] is not None and o["control_hazard"] is not None:
        raise InputError("give --control-median or --control-hazard, not both", file=CMD,
                         field="--control-median")
    if o["dropout_hazard"] is not None and o["dropout_rate"] is not None:
        raise InputError("give --dropout-hazard or --dropout-rate, not both", file=CMD,
                         field="--dropout-hazard")
    if (o["dropout_rate"] is None) != (o["dropout_time"] is None):
        raise InputError("--dropout-rate and --dropout-time go together", file=CMD,
                         field="--dropout-rate")
    if o["control_median"] is None and o["control_hazard"] is None:
        raise InputError("give --control-median or --control-hazard (the control arm's "
                         "survival)", file=CMD, field="--control-median")
    control = ({"hazard_per_month": o["control_hazard"]} if o["control_hazard"] is not None
               else {"median_months": o["control_median"]})
    dropout: dict = {}
    if o["dropout_hazard"] is not None:
        dropout = {"hazard_per_month": o["dropout_hazard"]}
    elif o["dropout_rate"] is not None:
        dropout = {"rate": o["dropout_rate"], "time_months": o["dropout_time"]}
    accrual = real_list(o["accrual_time"], "--accrual-time", lo=0.0, hi=MONTHS)
    if len(accrual) == 1:  # rpact: a single value is the end of accrual
        if accrual[0] < MIN_MONTHS:
            raise InputError(f"the end of accrual must be at least {MIN_MONTHS:g} months",
                             file=CMD, field="--accrual-time")
        accrual = [0.0, accrual[0]]
    intensity = (real_list(o["accrual_intensity"], "--accrual-intensity", lo=1e-6, hi=1e6)
                 or [1.0] * (len(accrual) - 1))
    if o["power"] is not None and o["power"] <= o["alpha"] / o["sided"]:
        raise InputError("must exceed the one-sided level alpha / sided", file=CMD,
                         field="--power")
    data = {
        "hazard_ratio": o["hr"], "theta_h0": o["theta_h0"], "alpha": o["alpha"],
        "sided": o["sided"],
        "power": o["power"] if (need_power or o["subjects"] is None) else None,
        "allocation_ratio": _allocation(o["allocation"]), "control": control,
        "accrual_time": accrual, "accrual_intensity": intensity,
        "accrual_intensity_type": o["accrual_intensity_type"],
        "followup_months": o["followup_months"], "dropout": dropout, "subjects": o["subjects"],
        "sequential": boundaries.plan_from_flags(o),
    }
    try:
        return validate(TrialDesign, data, file=CMD)
    except InputError as exc:
        flag = _FLAGS.get(exc.field or "", exc.field)
        if exc.field and exc.field.startswith("accrual_time"):
            flag = "--accrual-time"
        if exc.field and exc.field.startswith("sequential."):
            flag = _FLAGS.get(exc.field.split(".")[1].split("[")[0], flag)
        if not exc.field:  # a check across fields: name the flag of the field it mentions first
            named = sorted((exc.message.find(k.split(".")[-1]), f) for k, f in _FLAGS.items()
                           if k.split(".")[-1] in exc.message)
            flag = named[0][1] if named else None
        raise InputError(exc.message, file=CMD, field=flag) from None


@contextlib.contextmanager
def _flags_named():
    """Re-locate an input error of a calculation at the command line and the flag of its
    field."""
    try:
        yield
    except InputError as exc:
        if exc.file:
            raise
        raise InputError(exc.message, file=CMD,
                         field=_FLAGS.get(exc.field or "", exc.field)) from None


def _design_options(fn):
    opts = [
        click.option("--method", type=click.Choice([*SURVIVAL_METHODS, *BINARY_METHODS]),
                     default=None, help="Survival: schoenfeld (default), freedman, "
                                        "lachin-foulkes. Binary: normal (default), fisher, "
                                        "barnard; one group: exact (default)."),
        click.option("--hr", type=Real(1e-3, 1e3),
                     help="Hazard ratio experimental/control under the alternative (survival)."),
        click.option("--theta-h0", type=Real(1e-3, 1e3), default=1.0, show_default=True,
                     help="Hazard ratio under the null (rpact thetaH0): above 1 for "
                          "non-inferiority; one-sided only."),
        click.option("--alpha", type=Real(1e-8, 0.5), default=0.025, show_default=True,
                     help="Type I error (total; split over both tails when --sided 2)."),
        click.option("--sided", type=Int(1, 2), default=1, show_default=True,
                     help="1: one-sided test at --alpha; 2: two-sided, --alpha / 2 per tail."),
        click.option("--power", type=Real(1e-6, 1 - 1e-9), default=0.8, show_default=True,
                     help="Target power the sample size is solved for."),
        click.option("--allocation", default="1:1", show_default=True,
                     help="Allocation ratio EXPERIMENTAL:CONTROL (or one number)."),
        click.option("--control-median", type=Real(MIN_MONTHS, MONTHS),
                     help="Control median survival (months)."),
        click.option("--control-hazard", type=Real(1e-6, MAX_HAZARD),
                     help="Control hazard per month."),
        click.option("--accrual-time", default="12", show_default=True,
                     help="End of accrual in months, or rpact's accrualTime: the start points "
                          "of the pieces from 0 (comma list), ending with the end of accrual."),
        click.option("--accrual-intensity", default=None,
                     help="Accrual intensity per piece (comma list; default equal)."),
        click.option("--accrual-intensity-type", type=click.Choice(["relative", "absolute"]),
                     default="relative", show_default=True,
                     help="relative: weights scaled to the subjects; absolute: subjects per "
                          "month until the subjects are in (then accrual-time may omit the end)."),
        click.option("--followup-months", type=Real(0.0, MONTHS), default=12.0,
                     show_default=True, help="Minimum follow-up after the end of accrual."),
        click.option("--dropout-hazard", type=Real(0.0, MAX_HAZARD),
                     help="Dropout hazard per month (both arms)."),
        click.option("--dropout-rate", type=Real(0.0, 0.999),
                     help="Probability of dropout by --dropout-time (rpact dropoutRate)."),
        click.option("--dropout-time", type=Real(MIN_MONTHS, MONTHS),
                     help="Months at which --dropout-rate holds."),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def sequential_text(r) -> str:
    """Lines of a :class:`~neosim.design.survival_sequential.SequentialSurvivalResult`: the
    maximum size and power, one line per look, the expected events, subjects and duration."""
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


def _emit(result, as_json: bool) -> None:
    check_finite(result.to_dict())
    if as_json:
        click.echo(json.dumps(result.to_dict(), allow_nan=False))
        return
    if hasattr(result, "boundaries"):
        click.echo(sequential_text(result))
        return
    r = result
    tails = "two-sided" if r.sided == 2 else "one-sided"
    e, c = r.subjects_per_arm_ceil
    click.echo(
        f"{r.method}: {r.events_ceil} events ({r.events:.2f}), {r.subjects_ceil} subjects "
        f"({r.subjects:.2f}; {e} experimental + {c} control) for power {r.power:.4f} "
        f"(rounded-up design: {r.power_ceil:.4f}) at {tails} alpha {r.alpha:g}, "
        f"HR {r.hazard_ratio:g}; "
        f"study duration {r.study_duration_months:.2f} months "
        f"(accrual {r.accrual_duration_months:.2f} + follow-up {r.followup_months:.2f})")


@click.command("samplesize")
@_design_options
@boundaries.boundary_options
@click.option("--subjects", type=Real(2.0, MAX_SUBJECTS),
              help="Total subjects: solve for power instead.")
@click.option("--endpoint", type=click.Choice(["survival", "binary"]), default="survival",
              show_default=True, help="binary: compare proportions (e.g. 2-year survival).")
@click.option("--groups", type=Int(1, 2), default=2, show_default=True,
              help="2: randomised; 1: one arm against the historical --control-proportion.")
@click.option("--control-proportion", type=Real(1e-6, 1 - 1e-6),
              help="Binary: success proportion of the control (or historical) arm.")
@click.option("--experimental-proportion", type=Real(1e-6, 1 - 1e-6),
              help="Binary: success proportion of the experimental arm under the alternative.")
def samplesize(**o) -> None:
    """Events and subjects for a two-arm survival comparison (or power with --subjects), or the
    size of a binary design (--endpoint binary)."""
    from neosim.api import design as api_design

    if o["endpoint"] == "binary":
        from neosim.cli.binary import binary_samplesize

        if o["theta_h0"] != 1.0 or boundaries.plan_from_flags(o) is not None:
            raise InputError("applies to a survival endpoint only", file=CMD,
                             field="--theta-h0" if o["looks"] is None else "--looks")
        click.echo(binary_samplesize(o, _allocation(o["allocation"])))
        return
    for flag in ("groups", "control_proportion", "experimental_proportion"):
        if o[flag] not in (None, 2):
            raise InputError("applies to --endpoint binary only", file=CMD,
                             field="--" + flag.replace("_", "-"))
    o = {**o, "method": o["method"] or "schoenfeld"}
    design = _design(o, need_power=False)
    with _flags_named():
        if design.subjects is not None:
            result = api_design.power(design, method=o["method"])
        else:
            result = api_design.sample_size(design, o["method"])
    _emit(result, o["as_json"])


@click.command("power")
@_design_options
@boundaries.boundary_options
@click.option("--subjects", type=Real(2.0, MAX_SUBJECTS), required=True,
              help="Total number of subjects.")
@click.option("--simulate", "n_trials", type=Int(1, 10_000_000),
              help="Also simulate this many trials of the design (log-rank power with MC SE).")
@click.option("--seed", type=Int(0, 2**63 - 1), default=1, show_default=True,
              help="Seed of the simulation.")
@click.option("--events", type=Int(1, 10_000_000),
              help="Simulation: analyse when this many events occurred (event-driven); with "
                   "--looks also analytic: the maximum events (the last look).")
@click.option("--workers", type=Int(0, 256), default=0,
              help="Simulation threads (0: every core).")
@click.option("--quiet", "-q", is_flag=True, help="Simulation: no progress bar on stderr.")
def power(**o) -> None:
    """Power of a two-arm survival comparison with a given number of subjects (analytic, and
    by simulation of the same design with --simulate N). With --looks, --power (default 0.8) is
    the power the boundaries are planned for (beta-spending and conditional-power futility)."""
    from neosim.api import design as api_design

    source = click.get_current_context().get_parameter_source("power")
    planned = source is not None and source.name != "DEFAULT"
    if planned and o["looks"] is None:
        raise InputError("neosim power solves for the power; a target power is for neosim "
                         "samplesize (or, with --looks, the power the futility bounds are "
                         "planned for)", file=CMD, field="--power")
    o = {**o, "power": o["power"] if planned else None, "method": o["method"] or "schoenfeld"}
    design = _design(o, need_power=planned)
    with _flags_named():
        analytic = api_design.power(design, method=o["method"], events=(
            o["events"] if design.sequential is not None else None))
    if o["n_trials"] is None:
        if o["events"] is not None and design.sequential is None:
            raise InputError("only applies with --simulate or --looks", file=CMD,
                             field="--events")
        _emit(analytic, o["as_json"])
        return
    from neosim.cli import simulate as cli_sim

    if design.theta_h0 != 1.0 and design.sequential is None:
        raise InputError("the simulated one-analysis log-rank test has no shifted null (give "
                         "--looks, or analytic power only)", file=CMD, field="--theta-h0")
    result = cli_sim.simulate_design(design, n_trials=o["n_trials"], seed=o["seed"],
                                     events=o["events"], workers=o["workers"] or None,
                                     progress=not o["quiet"])
    reference = analytic.to_dict()
    if o["events"] is not None and o["method"] != "lachin-foulkes":
        # compare like with like: the analytic power at the simulated event count (its own
        # keys only; the calendar design's subjects and durations do not apply)
        with _flags_named():
            reference = api_design.power(design, events=o["events"],
                                         method=o["method"]).to_dict()
    record = cli_sim.simulation_record(result, reference, events=o["events"])
    check_finite({k: v for k, v in record.items()
                  if k not in ("trials_per_second", "seconds", "events_target")},
                 ("--subjects", "--events", "--simulate", *_DRIVERS))
    click.echo(cli_sim.emit(record, as_json=o["as_json"]))
