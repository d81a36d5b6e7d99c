"""Experiment kind ``sbc``: simulation-based calibration of another experiment's model.

``[sbc] target`` names an experiment file (relative to this one); its kind must provide
``sbc_spec(prepared)``. A kind whose experiments fit several models (``survival_ipd``: one per
family) also provides ``sbc_models(prepared)``, and ``[sbc] model`` picks one of them
(``sbc_spec(prepared, model)``); it may be left out when the target fits only one.

Parameters are drawn from that experiment's priors, data of the same shape are simulated, the
model is refitted, and the ranks of the true values among the posterior draws are tested for
uniformity. Replicates run in chunks on the configured backend (in-process or
dask.distributed) and are checkpointed, so ``neosim run --resume`` continues an interrupted run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import Field, model_validator

from neosim import seeds
from neosim.compute import ComputeSection
from neosim.config import ExperimentConfig, FieldError, OutputSection, Probability, Strict
from neosim.errors import InputError
from neosim.experiments import Outcome


class SBCSection(Strict):
    """What to calibrate and how hard."""

    target: str
    model: str = ""  # which of the target's models, when its kind fits several
    replicates: Annotated[int, Field(ge=10, le=100_000)] = 200
    replicates_per_task: Annotated[int, Field(ge=1, le=10_000)] = 10
    chains: Annotated[int, Field(ge=1, le=16)] = 2
    draws: Annotated[int, Field(ge=20, le=100_000)] = 500
    tune: Annotated[int, Field(ge=20, le=100_000)] = 500
    thin_to: Annotated[int, Field(ge=9, le=10_000)] = 99
    # the target's sampler setting, to calibrate the fit as it is run; unset: nutpie's default
    target_accept: Annotated[float, Field(gt=0.0, lt=1.0)] | None = None
    bins: Annotated[int, Field(ge=2, le=1000)] = 20
    alpha: Probability = 0.01

    @model_validator(mode="after")
    def _check(self) -> Self:
        if (self.thin_to + 1) % self.bins:
            raise FieldError("bins", f"must divide thin_to + 1 = {self.thin_to + 1}")
        if self.thin_to > self.chains * self.draws:
            raise FieldError("thin_to", "exceeds the number of posterior draws (chains x draws)")
        return self


class Config(ExperimentConfig):
    sbc: SBCSection
    compute: ComputeSection = ComputeSection()
    output: OutputSection = OutputSection()


@dataclass
class Prepared:
    cfg: Config
    spec: Any
    target: Path


def prepare(cfg: Config, source_file: str) -> Prepared:
    """Load the target experiment and its calibration spec."""
    from neosim.experiments import kind_module, load_experiment
    from neosim.inputs import check_path, resolve_path

    target = resolve_path(cfg.sbc.target, source_file)
    try:
        check_path(target)
    except InputError as exc:
        raise InputError(exc.message, file=source_file, field="sbc.target") from None
    if not target.is_file():  # a FIFO or device is no target either (and is never opened)
        raise InputError(f"target experiment not found (or not a regular file): {target}",
                         file=source_file, field="sbc.target")
    tcfg = load_experiment(target)
    module = kind_module(tcfg.experiment.kind, file=str(target))
    if not hasattr(module, "sbc_spec"):
        raise InputError(f"experiment kind {tcfg.experiment.kind!r} has no calibration spec",
                         file=source_file, field="sbc.target")
    tprep = module.prepare(tcfg, str(target))
    choices = tuple(module.sbc_models(tprep)) if hasattr(module, "sbc_models") else ()
    model = cfg.sbc.model
    if model and model not in choices:
        why = (f"{model!r} is not a model of {target.name} (known: {', '.join(choices)})"
               if choices else f"experiment kind {tcfg.experiment.kind!r} has one model: "
               "leave sbc.model out")
        raise InputError(why, file=source_file, field="sbc.model")
    if not model and len(choices) > 1:
        raise InputError(f"{target.name} fits several models: name one of {', '.join(choices)}",
                         file=source_file, field="sbc.model")
    spec = module.sbc_spec(tprep, model or choices[0]) if choices else module.sbc_spec(tprep)
    from neosim import budget

    budget.check(_estimate(cfg, spec), cfg.output, file=source_file)
    return Prepared(cfg=cfg, spec=spec, target=target)


def _estimate(cfg: Config, spec):
    """One refit per replicate (in each dask worker process, or one at a time in process) and
    the ranks and truths of every replicate."""
    import numpy as np

    from neosim import budget

    s, c = cfg.sbc, cfg.compute
    truth, _ = spec.draw(spec.build_args, seeds.rng(0))
    size = sum(int(np.size(v)) for v in truth.values())
    fit_mem, fit_sec = budget.sampler(s.chains, s.draws, s.tune, size + 10)
    parallel = c.workers * c.threads_per_worker if c.backend == "dask" else 1
    processes = c.workers if c.backend == "dask" else 0
    kept = 4 * budget.F8 * s.replicates * (2 * size + 2)
    memory = budget.BASE_PYMC * (1 + processes) + parallel * fit_mem + kept
    seconds = budget.COMPILE_SECONDS * (1 + processes) + s.replicates * fit_sec / parallel
    workers = ("compute.workers", "compute.threads_per_worker") if c.backend == "dask" else ()
    drivers = budget.ranked({("sbc.draws", "sbc.chains", *workers): parallel * fit_mem,
                             ("sbc.replicates",): kept})
    return budget.Estimate(memory, seconds, drivers,
                           ("sbc.replicates", "sbc.draws", "sbc.tune", "sbc.chains", *workers))




def execute(prep: Prepared, folder, progress) -> Outcome:
    import numpy as np
    import pandas as pd
    import xarray as xr

    from neosim import calibration, compute

    cfg, s = prep.cfg, prep.cfg.sbc
    settings = calibration.SBCSettings(chains=s.chains, draws=s.draws, tune=s.tune,
                                       thin_to=s.thin_to, target_accept=s.target_accept)
    replicates = list(range(s.replicates))
    tasks = [compute.Task(key=(i,), args=(prep.spec, settings,
                                          replicates[j:j + s.replicates_per_task]))
             for i, j in enumerate(range(0, s.replicates, s.replicates_per_task))]
    with folder.timed("calibrate"):
        parts = compute.run_tasks(
            calibration.sbc_task, tasks, cfg.experiment.seed,
            backend=compute.Backend(cfg.compute),
            checkpoint=folder.checkpoint(), progress=progress,
            description=f"SBC of {prep.spec.name}: {s.replicates} refits")
    res = compute.stack_results(parts)
    truth0, _ = prep.spec.draw(prep.spec.build_args, seeds.rng(cfg.experiment.seed, 0))
    labels = calibration.parameter_labels(prep.spec, truth0)
    chi2, p = calibration.uniformity(res["rank"], s.thin_to, s.bins)
    # One test per model at level alpha: Bonferroni over its k parameters (min p >= alpha / k),
    # so a calibrated model fails with probability <= alpha, not about k * alpha.
    level = s.alpha / len(p)
    passed_each = p >= level
    with folder.timed("write"):
        ds = xr.Dataset(
            {"rank": (("replicate", "parameter"), res["rank"]),
             "truth": (("replicate", "parameter"), res["truth"]),
             "divergences": (("replicate",), res["divergences"]),
             "chi2": (("parameter",), chi2), "p_value": (("parameter",), p)},
            coords={"replicate": res["replicate"], "parameter": labels},
            attrs={"model": prep.spec.name, "thin_to": s.thin_to, "bins": s.bins,
                   "target": cfg.sbc.target})  # as configured: equal on --resume
        folder.write_netcdf("simulation.nc", ds, {"neosim_config_sha256": folder.config_sha256,
                                                  "neosim_seed": folder.seed})
        table = pd.DataFrame({"parameter": labels, "chi2": chi2, "p_value": p, "bins": s.bins,
                              "replicates": s.replicates, "passed": passed_each})
        from neosim.results import atomic_write_text

        atomic_write_text(folder.file("sbc_summary.csv"),
                          table.to_csv(index=False, float_format="%.10g"))
        folder.write_json("diagnostics.json", {
            "passed": bool(passed_each.all()),
            "test": f"chi-square uniformity of ranks in {s.bins} bins; the model is tested at "
                    f"level {s.alpha} (Bonferroni: each of its {len(p)} parameters at "
                    f"{level:.4g})",
            "level": s.alpha,
            "min_p_value": float(p.min()),
            "divergent_transitions": int(res["divergences"].sum()),
            "parameters": {lab: {"chi2": float(c), "p_value": float(q), "passed": bool(ok)}
                           for lab, c, q, ok in zip(labels, chi2, p, passed_each, strict=True)},
        })
    with folder.timed("figures"):
        from neosim.plots.sbc import plot_sbc_ranks

        ranks = {lab: res["rank"][:, j] for j, lab in enumerate(labels)}
        caption = (f"Simulation-based calibration of {prep.spec.name} ({s.replicates} simulated "
                   f"data sets from the priors of {prep.target.name}); ranks of the true values "
                   f"among {s.thin_to} posterior draws.")
        for fmt in cfg.output.figure_formats:
            plot_sbc_ranks(ranks, folder.figure("sbc_ranks", fmt), n_ranks=s.thin_to + 1,
                           bins=s.bins, caption=caption, style=cfg.output)
        folder.add_figure("sbc_ranks", title="SBC rank histograms", caption=(
            "If the model is calibrated, each histogram is flat: bars outside the grey band "
            "are unusual under uniform ranks."), synthetic=True)
        folder.write_data_sources([{
            "name": f"sbc:{prep.spec.name}", "synthetic": True,
            "citation": f"Simulated from the priors of {cfg.sbc.target} "
                        f"(seed {cfg.experiment.seed})",
        }])
    headline = [f"{lab:34s} chi2 {c:7.2f}  p {q:.3f}  {'ok' if ok else 'NOT UNIFORM'}"
                for lab, c, q, ok in zip(labels, chi2, p, passed_each, strict=True)]
    ok = bool(np.all(passed_each))
    msg = "ranks are uniform" if ok else "calibration check failed: ranks not uniform for " + \
        ", ".join(lab for lab, good in zip(labels, passed_each, strict=True) if not good)
    return Outcome(passed=ok, message=msg, headline=headline)
