"""``execute`` of the ``trial_simulation`` kind: simulate the grid and the assurance scenarios in
checkpointed chunks, summarise operating characteristics, write results and figures."""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import TYPE_CHECKING

from neosim.experiments import Outcome

if TYPE_CHECKING:
    from neosim.experiments.trial_simulation.prepare import Prepared


def execute(prep: Prepared, folder, progress) -> Outcome:
    """Simulate the grid (and assurance), summarise, write results and figures."""
    import time

    import numpy as np

    from neosim.simulator.engine import BLOCK
    from neosim.simulator.oc import smallest_meeting

    cfg = prep.cfg
    sim = cfg.simulation
    n_trials, seed = sim.n_trials, cfg.experiment.seed
    axes = cfg.grid.axes(cfg.design)
    names = [a.name for a in prep.analyses]
    shape = tuple(len(v) for v in axes.values())
    power = np.full((*shape, len(names)), np.nan)
    power_se = np.full_like(power, np.nan)
    per_scenario = {k: np.full(shape, np.nan) for k in (
        "events_mean", "events_mc_se", "duration_mean", "duration_mc_se", "reached",
        "log_hr_bias", "log_hr_bias_mc_se", "log_hr_rmse", "log_hr_rmse_mc_se",
        "log_hr_coverage", "log_hr_coverage_mc_se")}
    jobs = [(i, sc, None, _label(axes, index))
            for i, (index, sc) in enumerate(prep.scenarios)]
    offset = len(prep.scenarios)
    jobs += [(offset + i, sc, prep.design_prior, f"assurance, subjects = {sc.n}")
             for i, (_index, sc) in enumerate(prep.assurance_scenarios)]
    t0 = time.perf_counter()
    with folder.timed("simulate"):
        results = _run_jobs(prep, jobs, folder, progress)
        seconds = time.perf_counter() - t0
        for (index, _sc), res in zip(prep.scenarios, results, strict=False):
            for k, name in enumerate(names):
                power[(*index, k)] = res["power"][name]["value"]
                power_se[(*index, k)] = res["power"][name]["mc_se"]
            _fill(per_scenario, index, res)
        assurance = assurance_se = None
        if prep.design_prior is not None:
            no_hr = shape[:1] + shape[2:]
            assurance = np.full((*no_hr, len(names)), np.nan)
            assurance_se = np.full_like(assurance, np.nan)
            for (index, _sc), res in zip(prep.assurance_scenarios, results[offset:],
                                         strict=True):
                for k, name in enumerate(names):
                    assurance[(*index, k)] = res["power"][name]["value"]
                    assurance_se[(*index, k)] = res["power"][name]["mc_se"]
    total_trials = n_trials * len(jobs)

    search = None
    grid_n = axes["subjects"]
    z = NormalDist().inv_cdf(0.5 + cfg.output.ci_prob / 2)  # MC bands at [output] ci_prob
    if cfg.search is not None:  # the grid is subjects x hazard_ratio here (schema)
        k = names.index(cfg.search.analysis)
        if cfg.search.hazard_ratio is not None:
            j = axes["hazard_ratio"].index(cfg.search.hazard_ratio)
            search = smallest_meeting(grid_n, power[:, j, k], power_se[:, j, k],
                                      cfg.search.target, z=z)
            search["quantity"] = f"power at HR {cfg.search.hazard_ratio:g}"
        else:
            search = smallest_meeting(grid_n, assurance[:, k], assurance_se[:, k],
                                      cfg.search.target, z=z)
            search["quantity"] = "assurance"
        search["analysis"] = cfg.search.analysis

    with folder.timed("write"), progress.stage("Writing results"):
        ds = _dataset(prep, power, power_se, per_scenario, assurance, assurance_se)
        ds.attrs.update({"neosim_config_sha256": folder.config_sha256, "neosim_seed": seed,
                         "n_trials": n_trials, "block_size": BLOCK,
                         "control_source": prep.sources.get("control_truth", "config")})
        folder.write_netcdf("simulation.nc", ds)
        folder.write_summary(_summary(prep, power, power_se, per_scenario, assurance,
                                      assurance_se))
        folder.write_json("findings.json", {
            "search": search, "sources": prep.sources, "n_trials_per_scenario": n_trials,
            "total_trials": total_trials})  # timings go to provenance: results stay identical
    with folder.timed("figures"), progress.stage("Drawing figures"):
        from neosim.plots import power as power_plot

        caption = _caption(prep)
        band = f"{cfg.output.ci_prob:.0%}"
        for fmt in cfg.output.figure_formats:
            power_plot.plot_power_curves(ds, folder.figure("power_curves", fmt),
                                         caption=caption, style=cfg.output,
                                         synthetic=prep.synthetic)
            if assurance is not None:
                power_plot.plot_assurance(ds, folder.figure("assurance", fmt), caption=caption,
                                          style=cfg.output, synthetic=prep.synthetic)
        folder.add_figure("power_curves", title="Power and type-I error by sample size",
                          caption="Probability of success of each analysis against the number "
                                  "of subjects, one line per true hazard ratio (HR 1: type-I "
                                  f"error) and other grid point, with {band} Monte-Carlo "
                                  "bands.",
                          synthetic=prep.synthetic)
        if assurance is not None:
            folder.add_figure("assurance", title="Assurance by sample size",
                              caption="Probability of success averaged over the design prior "
                                      "of the true effect and control hazard, against the "
                                      f"number of subjects, with {band} Monte-Carlo bands.",
                              synthetic=prep.synthetic)
        folder.write_data_sources(prep.data_sources)
    return Outcome(True, "simulation finished", _headline(prep, power, power_se, search,
                                                          total_trials, seconds),
                   provenance={"simulation_seconds": round(seconds, 4), "trials_per_second":
                               round(total_trials / seconds, 1) if seconds > 0 else None})


def _run_jobs(prep: Prepared, jobs: list, folder, progress) -> list[dict]:
    """Simulate every (scenario index, scenario, design prior, label) job in chunks of whole
    blocks on the configured backend, checkpointing each chunk; summarise each scenario."""
    from neosim import compute
    from neosim.simulator.engine import chunk_task, chunks_of, default_workers
    from neosim.simulator.oc import power_summary

    cfg = prep.cfg
    n_trials, seed = cfg.simulation.n_trials, cfg.experiment.seed
    tasks = []
    for index, sc, design_prior, _label in jobs:
        usable = [a for a in prep.analyses if sc.design in a.designs]
        cox = any(a.needs_cox for a in usable)
        tasks += [compute.Task(key=(index, chunk.start),
                               args=(sc, index, chunk, n_trials, design_prior, cox))
                  for chunk in chunks_of(n_trials)]
    backend = compute.Backend(cfg.compute, threads=cfg.simulation.workers or default_workers())
    results = compute.run_tasks(
        chunk_task, tasks, seed, backend=backend,
        checkpoint=folder.checkpoint(), progress=progress,
        description=f"Simulating {len(jobs)} scenarios x {n_trials} trials")
    out = []
    for index, sc, _design_prior, _label in jobs:
        stats = compute.stack_results({k: v for k, v in results.items() if k[0] == index})
        usable = [a for a in prep.analyses if sc.design in a.designs]
        out.append(power_summary(stats, usable, sc, seed=seed, seconds=float("nan"),
                                 ci_prob=cfg.output.ci_prob))
    return out


def _label(axes: dict, index: tuple[int, ...]) -> str:
    return ", ".join(f"{'HR' if k == 'hazard_ratio' else k} = {axes[k][i]:g}"
                     if isinstance(axes[k][i], int | float) else f"{k} = {axes[k][i]}"
                     for k, i in zip(axes, index, strict=True))


def _fill(out: dict, index: tuple[int, ...], res: dict) -> None:
    out["events_mean"][index], out["events_mc_se"][index] = res["events"]
    out["duration_mean"][index], out["duration_mc_se"][index] = res["duration"]
    out["reached"][index] = res["reached"][0]
    if "log_hr" in res:
        for key in ("bias", "bias_mc_se", "rmse", "rmse_mc_se", "coverage", "coverage_mc_se"):
            out[f"log_hr_{key}"][index] = res["log_hr"].get(key, math.nan)


def _dataset(prep, power, power_se, per_scenario, assurance, assurance_se):
    import xarray as xr

    cfg = prep.cfg
    axes = cfg.grid.axes(cfg.design)
    dims = tuple(axes)
    coords = {**axes, "analysis": [a.name for a in prep.analyses]}
    data = {"power": ((*dims, "analysis"), power),
            "power_mc_se": ((*dims, "analysis"), power_se)}
    data.update({k: (dims, v) for k, v in per_scenario.items()})
    if assurance is not None:
        no_hr = tuple(d for d in dims if d != "hazard_ratio")
        data["assurance"] = ((*no_hr, "analysis"), assurance)
        data["assurance_mc_se"] = ((*no_hr, "analysis"), assurance_se)
    ds = xr.Dataset(data, coords=coords)
    ds["power"].attrs["description"] = ("success rate of each analysis (type-I error where "
                                        "hazard_ratio = 1)")
    return ds


def _summary(prep, power, power_se, per_scenario, assurance, assurance_se):
    import numpy as np
    import pandas as pd

    cfg = prep.cfg
    axes = cfg.grid.axes(cfg.design)
    rows = []
    for index in np.ndindex(*power.shape[:-1]):
        point = {k: axes[k][i] for k, i in zip(axes, index, strict=True)}
        for k, a in enumerate(prep.analyses):
            rows.append({"quantity": "power", **point, "analysis": a.name,
                         "value": power[(*index, k)], "mc_se": power_se[(*index, k)],
                         "events_mean": per_scenario["events_mean"][index],
                         "duration_mean": per_scenario["duration_mean"][index]})
    if assurance is not None:
        keys = [k for k in axes if k != "hazard_ratio"]
        for index in np.ndindex(*assurance.shape[:-1]):
            point = {k: axes[k][i] for k, i in zip(keys, index, strict=True)}
            for k, a in enumerate(prep.analyses):
                rows.append({"quantity": "assurance", **point, "hazard_ratio": float("nan"),
                             "analysis": a.name, "value": assurance[(*index, k)],
                             "mc_se": assurance_se[(*index, k)], "events_mean": float("nan"),
                             "duration_mean": float("nan")})
    return pd.DataFrame(rows)


def _caption(prep) -> str:
    d = prep.cfg.design
    control = prep.sources.get("control_truth",
                               f"{d.control.family_name} control from the config")
    kind = "two-arm" if d.groups == 2 else "single-arm"
    return (f"Simulated {kind} trials, {prep.cfg.simulation.n_trials} per point, "
            f"{prep.cfg.output.ci_prob:.0%} Monte-Carlo bands. Control: {control}.")


def _headline(prep, power, power_se, search, total_trials, seconds) -> list[str]:
    import numpy as np

    cfg = prep.cfg
    axes = cfg.grid.axes(cfg.design)
    lines = []
    for rest in np.ndindex(*power.shape[1:-1]):  # every point but subjects
        label = ", ".join(f"{'HR' if k == 'hazard_ratio' else k} {axes[k][i]:<5g}"
                          if isinstance(axes[k][i], int | float) else f"{k} {axes[k][i]}"
                          for k, i in zip(list(axes)[1:], rest, strict=True))
        for k, a in enumerate(prep.analyses):
            vals = "  ".join(f"n={n}: {power[(i, *rest, k)]:.3f}±{power_se[(i, *rest, k)]:.3f}"
                             for i, n in enumerate(axes["subjects"]))
            lines.append(f"{label} {a.name:20s} {vals}")
    if search is not None:
        def show(v):
            return "none in the grid" if v is None else str(v)
        lines.append(f"smallest n with {search['quantity']} >= {search['target']:g} "
                     f"({search['analysis']}): {show(search['value'])} (within MC error: "
                     f"{show(search['lower'])} to {show(search['upper'])})")
    lines.append(f"{total_trials} trials in {seconds:.1f} s "
                 f"({total_trials / max(seconds, 1e-9):,.0f} trials/s)")
    return lines
