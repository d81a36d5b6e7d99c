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
    (α/2 per tail when two-sided); returns the JSON-ready numbers and their MC errors. A design
    with a sequential plan (``design.sequential``) is simulated look by look with the plan's
    boundaries (``events``: the events at the last look); the result then has a
    ``sequential`` entry (per-look rejection and futility with MC SE and analytic values)."""
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
    if ds.attrs.get("sequential"):
        return _sequential_result(ds, seconds)
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


#: per-look numbers of a sequential simulation (JSON keys, with ``_mc_se`` where simulated)
LOOK_KEYS = ("rejection_per_look", "futility_per_look", "look_time_mean", "look_events_mean",
             "look_subjects_mean", "look_reached")
SUMMARY_KEYS = ("overall_rejection", "early_stop", "early_efficacy", "early_futility",
                "expected_events", "expected_subjects", "expected_duration")


def _sequential_result(ds: Any, seconds: float) -> dict[str, Any]:
    """The JSON-ready numbers of a sequential :func:`neosim.simulate` dataset."""
    seq: dict[str, Any] = {"look_events": json.loads(ds.attrs["look_events"]),
                           "look_times": json.loads(ds.attrs["look_times"]),
                           "theta_h0": float(ds.attrs["theta_h0"]),
                           "hazard_ratio": float(ds.attrs["hazard_ratio"]),
                           "statistic": ds.attrs["statistic"],
                           "critical_values": ds["critical_values"].values.tolist()}
    fut = ds["futility_bounds"].values[:-1]
    seq["futility_bounds"] = None if all(v != v for v in fut) else fut.tolist()
    for key in LOOK_KEYS:
        seq[key] = ds[key].values.tolist()
        seq[f"{key}_mc_se"] = ds[f"{key}_mc_se"].values.tolist()
    for key in SUMMARY_KEYS:
        seq[key] = float(ds[key])
        seq[f"{key}_mc_se"] = float(ds[f"{key}_mc_se"])
    for key in ("rejection_per_look_analytic", "futility_per_look_analytic"):
        seq[key] = ds[key].values.tolist() if key in ds else None
    seq["overall_rejection_analytic"] = (float(ds["overall_rejection_analytic"])
                                      if "overall_rejection_analytic" in ds else None)
    n_trials = int(ds.attrs["n_trials"])
    return {"analysis": ds.attrs["statistic"], "direction": ds.attrs["direction"],
            "power": seq["overall_rejection"], "power_mc_se": seq["overall_rejection_mc_se"],
            "events": (seq["expected_events"], seq["expected_events_mc_se"]),
            "duration": (seq["expected_duration"], seq["expected_duration_mc_se"]),
            "reached": (seq["look_reached"][-1], seq["look_reached_mc_se"][-1]),
            "n_trials": n_trials, "seed": int(ds.attrs["seed"]), "seconds": round(seconds, 4),
            "trials_per_second": round(n_trials / seconds, 1) if seconds > 0 else None,
            "sequential": seq}


def simulation_record(result: dict[str, Any], analytic: dict[str, Any], *,
                      events: int | None) -> dict[str, Any]:
    """One JSON-ready object: the simulated operating characteristics and the analytic answer
    (a sequential simulation adds ``sequential``: looks, boundaries, per-look rejection and
    futility with MC SE beside the analytic values (the exact recursion at Schoenfeld's drift)
    at the simulated hazard ratio, expected events,
    subjects and duration)."""
    if "sequential" in result:
        seq = result["sequential"]
        rejects = REJECTS[result["direction"]]
        if seq["theta_h0"] != 1.0:  # one-sided: a shifted null
            rejects = rejects.replace("HR < 1", f"HR < {seq['theta_h0']:g}").replace(
                "HR > 1", f"HR > {seq['theta_h0']:g}")
        return {"method": "simulation", "analysis": result["analysis"],
                "rejects": rejects, "power": result["power"],
                "power_mc_se": result["power_mc_se"],
                "events_mean": result["events"][0], "events_mc_se": result["events"][1],
                "study_duration_months_mean": result["duration"][0],
                "study_duration_months_mc_se": result["duration"][1],
                "analysis_reached_fraction": result["reached"][0],
                "events_target": events, "n_trials": result["n_trials"],
                "seed": result["seed"], "trials_per_second": result["trials_per_second"],
                "seconds": result["seconds"], "sequential": seq, "analytic": analytic}
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


def sequential_text(rec: dict[str, Any]) -> str:
    """Human-readable lines of a sequential :func:`simulation_record`: one row per look."""
    seq = rec["sequential"]
    what = "type-I error" if seq["hazard_ratio"] == seq["theta_h0"] else "power"
    n_looks = len(seq["critical_values"])
    when = (f"{'/'.join(str(d) for d in seq['look_events'])} events"
            if seq["look_events"] is not None else
            f"{'/'.join(f'{t:g}' for t in seq['look_times'])} months")
    when = ("looks at " if n_looks > 1 else "analysis at ") + when
    exact = seq["overall_rejection_analytic"]
    kind = "group-sequential " if n_looks > 1 else ""
    lines = [f"simulated {kind}{what} ({rec['analysis']} {rec['rejects']}, {when}"
             + (f", theta_h0 {seq['theta_h0']:g}" if seq["theta_h0"] != 1 else "") + "): "
             f"{rec['power']:.4f} (MC SE {rec['power_mc_se']:.4f})"
             + (f"; analytic {exact:.4f} (normal approximation)" if exact is not None else ""),
             f"{'look':>4} {'events':>7} {'months':>7} {'critical':>8} {'futility':>8} "
             f"{'reject':>7} {'MC SE':>7} {'analyt.':>7} {'futile':>7} {'MC SE':>7} {'analyt.':>7}"]
    fut = seq["futility_bounds"]
    for k in range(n_looks):
        ex_r = seq["rejection_per_look_analytic"]
        ex_f = seq["futility_per_look_analytic"]
        lines.append(
            f"{k + 1:>4} {seq['look_events_mean'][k]:>7.1f} {seq['look_time_mean'][k]:>7.2f} "
            f"{seq['critical_values'][k]:>8.4f} "
            f"{(f'{fut[k]:.4f}' if fut is not None and k < n_looks - 1 else '-'):>8} "
            f"{seq['rejection_per_look'][k]:>7.4f} {seq['rejection_per_look_mc_se'][k]:>7.4f} "
            f"{(f'{ex_r[k]:.4f}' if ex_r is not None else '-'):>7} "
            f"{seq['futility_per_look'][k]:>7.4f} {seq['futility_per_look_mc_se'][k]:>7.4f} "
            f"{(f'{ex_f[k]:.4f}' if ex_f is not None else '-'):>7}")
    lines += [
        f"expected events {seq['expected_events']:.2f} (MC SE "
        f"{seq['expected_events_mc_se']:.2f}), subjects {seq['expected_subjects']:.2f} (MC SE "
        f"{seq['expected_subjects_mc_se']:.2f}), study duration "
        f"{seq['expected_duration']:.2f} months (MC SE {seq['expected_duration_mc_se']:.2f})",
        f"early stop {seq['early_stop']:.4f} (MC SE {seq['early_stop_mc_se']:.4f}): efficacy "
        f"{seq['early_efficacy']:.4f}, futility {seq['early_futility']:.4f}",
        f"{rec['n_trials']} trials, seed {rec['seed']}, {rec['trials_per_second']:,.0f} "
        "trials/s",
    ]
    return "\n".join(lines)


def simulation_text(rec: dict[str, Any]) -> str:
    """Human-readable lines of :func:`simulation_record`."""
    if "sequential" in rec:
        return sequential_text(rec)
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
