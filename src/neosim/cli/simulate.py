"""``neosim power ... --simulate N``: power of the analytic design by simulation.

The design flags are those of ``neosim power`` (:mod:`neosim.cli.design`); the same
:class:`~neosim.design.spec.TrialDesign` becomes a :class:`~neosim.simulator.TrialScenario`
(:meth:`~neosim.simulator.TrialScenario.from_design`), so analytic and simulated power describe one
design. Imports stay light: numpy/numba load only when a simulation runs.
"""

from __future__ import annotations

import json
from typing import Any

from neosim.errors import InputError

CMD = "command line"
#: scenario field -> the flag that sets it (to name the flag in errors)
FLAGS = {"n": "--subjects", "hazard_ratio": "--hr", "events": "--events",
         "dropout": "--dropout-hazard", "dropout_rate": "--dropout-hazard"}


#: what the simulated test rejects, in words (JSON ``rejects``)
REJECTS = {"lower": "one-sided, for HR < 1", "upper": "one-sided, for HR > 1",
           "two-sided": "two-sided, alpha / 2 per tail"}


def simulate_design(design: Any, *, n_trials: int, seed: int, events: int | None,
                    workers: int | None = None, progress: bool = False) -> dict[str, Any]:
    """Simulate ``design`` through the public :func:`neosim.simulator` at its ``subjects``
    (rounded up) with its default analysis, the one-sided log-rank test at the design's level
    (α/2 per tail when two-sided); returns the JSON-ready numbers and their MC errors."""
    import time

    from neosim.api.simulation import simulate

    if not 0 <= seed < 2**63:
        raise InputError("must be in [0, 2**63)", file=CMD, field="--seed")
    t0 = time.perf_counter()
    try:
        ds = simulate(design, n_trials=n_trials, seed=seed, events=events, workers=workers,
                      progress=progress)
    except InputError as exc:
        field = {"n_trials": "--simulate", "subjects": "--subjects", "seed": "--seed"}.get(
            exc.field or "", FLAGS.get(exc.field or "", exc.field))
        raise InputError(exc.message, file=CMD, field=field) from None
    seconds = time.perf_counter() - t0
    (name,) = ds["analysis"].values.tolist()
    direction = json.loads(ds.attrs["directions"])[name]
    return {"analysis": name, "direction": direction, "power": float(ds["power"].item()),
            "power_mc_se": float(ds["power_mc_se"].item()),
            "events": (float(ds["events_mean"]), float(ds["events_mc_se"])),
            "duration": (float(ds["duration_mean"]), float(ds["duration_mc_se"])),
            "reached": (float(ds["reached"]), float(ds["reached_mc_se"])),
            "n_trials": int(ds.attrs["n_trials"]), "seed": int(ds.attrs["seed"]),
            "seconds": round(seconds, 4),
            "trials_per_second": round(n_trials / seconds, 1) if seconds > 0 else None}


def simulation_record(result: dict[str, Any], analytic: dict[str, Any], *,
                      events: int | None) -> dict[str, Any]:
    """One JSON-ready object: the simulated operating characteristics and the analytic answer."""
    return {
        "method": "simulation", "analysis": result["analysis"],
        "rejects": REJECTS[result["direction"]], "power": result["power"],
        "power_mc_se": result["power_mc_se"],
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
    what = "type-I error" if rec["analytic"].get("hazard_ratio") == 1 else "power"
    timing = (f"at {rec['events_target']} events" if rec["events_target"] is not None
              else "at the planned study duration")
    reached = rec["analysis_reached_fraction"]
    if rec["events_target"] is not None and reached < 1.0:
        timing += (f", reached in {reached:.1%} of trials; the others were analysed after "
                   "their last event")
    return "\n".join([
        f"simulated {what} ({rec['analysis']} {rec['rejects']}, analysis {timing}): "
        f"{rec['power']:.4f} "
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
