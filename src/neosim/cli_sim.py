"""``neosim simulate``: power of a two-arm (or single-arm) survival design by simulation.

The simulation core of ``neosim power ... --simulate N``: the flags here describe the same design
as the analytic command (sample size, hazard ratio, control median, accrual, dropout, events);
:func:`report` is what both print. Imports stay light: numpy/numba/scipy load when it runs.
"""

from __future__ import annotations

import json
import math

import click

from neosim.errors import InputError

#: scenario field -> the flag that sets it (to name the flag in errors)
FLAGS = {"n": "--n", "hazard_ratio": "--hr", "events": "--events", "rate": "--control-median",
         "dropout_rate": "--dropout", "allocation": "--allocation", "duration": "--accrual-months",
         "analysis_time": "--analysis-time", "alpha": "--alpha"}


def build_scenario(*, n: int, hr: float, control_median: float, accrual_months: float,
                   dropout: float, allocation: float, events: int | None,
                   analysis_time: float | None, single_arm: bool):
    """The :class:`~neosim.simulate.TrialScenario` of the command-line flags."""
    from neosim.simulate import Accrual, Exponential, TrialScenario

    try:
        if not control_median > 0:
            raise InputError("must be positive", field="rate")
        return TrialScenario(
            n=n, control=Exponential(math.log(2) / control_median),
            accrual=Accrual.uniform(n, accrual_months), hazard_ratio=hr,
            design="single_arm" if single_arm else "two_arm", allocation=allocation,
            dropout_rate=dropout, events=events, analysis_time=analysis_time)
    except InputError as exc:
        raise InputError(exc.message, file="command line",
                         field=FLAGS.get(exc.field or "", exc.field)) from None


def report(result: dict, *, as_json: bool) -> str:
    """Text (or JSON) of a :func:`neosim.simulate.oc.simulate_power` result."""
    if as_json:
        return json.dumps(result, indent=2, default=float)
    lines = []
    for name, p in result["power"].items():
        lines.append(f"simulated power ({name}): {p['value']:.4f} (MC SE {p['mc_se']:.4f})")
    ev, ev_se = result["events"]
    du, du_se = result["duration"]
    lines.append(f"mean events: {ev:.2f} (MC SE {ev_se:.2f}); mean study duration: "
                 f"{du:.2f} months (MC SE {du_se:.2f}); analysis as planned in "
                 f"{100 * result['reached'][0]:.1f} % of trials")
    lines.append(f"{result['n_trials']} trials, seed {result['seed']}, "
                 f"{result['trials_per_second']:,.0f} trials/s")
    return "\n".join(lines)


@click.command("simulate")
@click.option("--n", "n", type=int, required=True, help="Patients (both arms).")
@click.option("--hr", type=float, required=True, help="True hazard ratio treatment/control.")
@click.option("--control-median", type=float, required=True, help="Control median (months).")
@click.option("--accrual-months", type=float, required=True, help="Uniform accrual duration.")
@click.option("--dropout", type=float, default=0.0, show_default=True,
              help="Dropout hazard per month.")
@click.option("--allocation", type=float, default=0.5, show_default=True,
              help="Fraction randomised to treatment.")
@click.option("--events", type=int, help="Event-driven analysis at this many events.")
@click.option("--analysis-time", type=float, help="Calendar-time analysis (months).")
@click.option("--alpha", type=float, default=0.025, show_default=True, help="One-sided level.")
@click.option("--single-arm", is_flag=True, help="Single arm vs the control as historical.")
@click.option("--simulate", "n_trials", type=int, default=10_000, show_default=True,
              help="Trials to simulate.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--workers", type=int, default=0, help="Threads (0: every core).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def simulate(n, hr, control_median, accrual_months, dropout, allocation, events, analysis_time,
             alpha, single_arm, n_trials, seed, workers, as_json) -> None:
    """Power of a survival design by simulation (log-rank; one-sample test if --single-arm)."""
    from neosim.simulate.analyses import LogRank, OneSampleLogRank
    from neosim.simulate.oc import simulate_power

    if n_trials < 1:
        raise InputError("must be positive", file="command line", field="--simulate")
    if not 0 <= seed < 2**63:
        raise InputError("must be in [0, 2**63)", file="command line", field="--seed")
    if events is None and analysis_time is None:
        raise InputError("give --events or --analysis-time", file="command line",
                         field="--events")
    sc = build_scenario(n=n, hr=hr, control_median=control_median,
                        accrual_months=accrual_months, dropout=dropout, allocation=allocation,
                        events=events, analysis_time=analysis_time, single_arm=single_arm)
    try:
        rule = OneSampleLogRank(alpha) if single_arm else LogRank(alpha)
        result = simulate_power(sc, [rule], n_trials, seed, workers=workers or None)
    except InputError as exc:
        raise InputError(exc.message, file="command line",
                         field=FLAGS.get(exc.field or "", exc.field)) from None
    click.echo(report(result, as_json=as_json))
