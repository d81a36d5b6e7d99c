"""``neosim power ... --simulate N``: power of the analytic design by simulation.

The design flags are those of ``neosim power`` (:mod:`neosim.cli.design`); the same
:class:`~neosim.design.spec.TrialDesign` becomes a :class:`~neosim.simulate.TrialScenario`
(:meth:`~neosim.simulate.TrialScenario.from_design`), so analytic and simulated power describe one
design. Imports stay light: numpy/numba load only when a simulation runs.
"""

from __future__ import annotations

import json
import math
from typing import Any

from neosim.errors import InputError

CMD = "command line"
#: scenario field -> the flag that sets it (to name the flag in errors)
FLAGS = {"n": "--subjects", "hazard_ratio": "--hr", "events": "--events",
         "dropout": "--dropout-hazard", "dropout_rate": "--dropout-hazard"}


def simulate_design(design: Any, *, n_trials: int, seed: int, events: int | None,
                    workers: int | None = None) -> dict[str, Any]:
    """Simulate ``design`` at its ``subjects`` (rounded up) with the one-sided log-rank test at
    the design's level (α/2 per tail when two-sided); returns :func:`simulate_power`'s dict."""
    from neosim.simulate import TrialScenario
    from neosim.simulate.analyses import LogRank
    from neosim.simulate.oc import simulate_power

    if not 1 <= n_trials <= 10_000_000:
        raise InputError("must be between 1 and 10,000,000 trials (the statistics of every trial "
                         "are kept in memory)", file=CMD, field="--simulate")
    if design.subjects > 10_000:
        raise InputError("simulation takes at most 10,000 subjects per trial", file=CMD,
                         field="--subjects")
    if not 0 <= seed < 2**63:
        raise InputError("must be in [0, 2**63)", file=CMD, field="--seed")
    try:
        scenario = TrialScenario.from_design(design, subjects=math.ceil(design.subjects),
                                             events=events)
        level = design.alpha / design.sided
        return simulate_power(scenario, [LogRank(level)], n_trials, seed, workers=workers)
    except InputError as exc:
        raise InputError(exc.message, file=CMD, field=FLAGS.get(exc.field or "", exc.field)) \
            from None


def simulation_record(result: dict[str, Any], analytic: dict[str, Any], *,
                      events: int | None) -> dict[str, Any]:
    """One JSON-ready object: the simulated operating characteristics and the analytic answer."""
    (name, p), = result["power"].items()
    return {
        "method": "simulation", "analysis": name, "power": p["value"], "power_mc_se": p["mc_se"],
        "events_mean": result["events"][0], "events_mc_se": result["events"][1],
        "study_duration_months_mean": result["duration"][0],
        "study_duration_months_mc_se": result["duration"][1],
        "analysis_reached_fraction": result["reached"][0],
        "events_target": events, "n_trials": result["n_trials"], "seed": result["seed"],
        "trials_per_second": result["trials_per_second"], "seconds": result["seconds"],
        "analytic": analytic,
    }


def simulation_text(rec: dict[str, Any]) -> str:
    """Human-readable lines of :func:`simulation_record`."""
    timing = (f"at {rec['events_target']} events" if rec["events_target"] is not None
              else "at the planned study duration")
    return "\n".join([
        f"simulated power ({rec['analysis']}, analysis {timing}): {rec['power']:.4f} "
        f"(MC SE {rec['power_mc_se']:.4f}); analytic {rec['analytic']['method']}: "
        f"{rec['analytic']['power']:.4f}",
        f"mean events {rec['events_mean']:.2f} (MC SE {rec['events_mc_se']:.2f}); mean study "
        f"duration {rec['study_duration_months_mean']:.2f} months (MC SE "
        f"{rec['study_duration_months_mc_se']:.2f})",
        f"{rec['n_trials']} trials, seed {rec['seed']}, {rec['trials_per_second']:,.0f} "
        "trials/s",
    ])


def emit(rec: dict[str, Any], *, as_json: bool) -> str:
    return json.dumps(rec, default=float) if as_json else simulation_text(rec)
