"""Experiment kind ``survival_design``: analytic sample size, power or study duration of a
two-arm survival design (:mod:`neosim.design.survival`), for one or more methods, from a file.

``solve = "sample_size"`` needs ``design.power``; ``"power"`` needs ``design.subjects``;
``"duration"`` needs ``design.power`` and ``design.subjects`` and reads
``design.accrual_intensity`` as subjects per month.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Self

from pydantic import Field, model_validator

from neosim.config import ExperimentConfig, FieldError, OutputSection
from neosim.design.spec import TrialDesign
from neosim.errors import InputError
from neosim.experiments import Outcome

MethodName = Literal["schoenfeld", "freedman", "lachin-foulkes"]


class Config(ExperimentConfig):
    design: TrialDesign
    methods: list[MethodName] = Field(default_factory=lambda: ["schoenfeld"], min_length=1,
                                      max_length=3)
    solve: Literal["sample_size", "power", "duration"] = "sample_size"
    output: OutputSection = OutputSection()

    @model_validator(mode="after")
    def _check(self) -> Self:
        if len(set(self.methods)) != len(self.methods):
            raise FieldError("methods", "lists a method twice")
        return self


@dataclass
class Prepared:
    cfg: Config




def prepare(cfg: Config, source_file: str) -> Prepared:
    d = cfg.design
    if d.endpoint != "survival":
        raise InputError("survival_design needs design.endpoint = 'survival'", file=source_file,
                         field="design.endpoint")
    if cfg.solve in ("sample_size", "duration") and d.power is None:
        raise InputError(f"solve = '{cfg.solve}' needs design.power", file=source_file,
                         field="design.power")
    if cfg.solve in ("power", "duration") and d.subjects is None:
        raise InputError(f"solve = '{cfg.solve}' needs design.subjects", file=source_file,
                         field="design.subjects")
    from neosim import budget

    # closed forms: a fixed baseline, a power curve of 30 points per method over the pieces
    try:
        if d.groups != 2:
            raise InputError("the analytic formulas compare two groups: simulate a single-arm "
                             "design (trial_simulation)", field="groups")
        if d.sequential is not None:
            raise InputError("this kind plans one analysis: size a design with looks with "
                             "neosim samplesize --looks or ns.sample_size", field="sequential")
        if d.theta_h0 != 1.0 and "freedman" in cfg.methods:
            raise InputError("freedman tests theta_h0 = 1 only (as rpact): drop it from "
                             "methods for a shifted null", field="theta_h0")
        if d.open_ended and cfg.solve != "duration":
            raise InputError("give the end of accrual as the last accrual_time (absolute "
                             "intensities without an end are for solve = 'duration')",
                             field="accrual_time")
        pieces = len(d.accrual_intensity) + len(d.control.pieces()[0])
    except InputError as exc:
        raise InputError(exc.message, file=source_file, field=f"design.{exc.field}") from None
    budget.check(budget.Estimate(budget.BASE_NUMPY, 1e-5 * 31 * len(cfg.methods) * pieces,
                                 ("design",)), cfg.output, file=source_file)
    return Prepared(cfg=cfg)


def compute(prep: Prepared) -> list:
    from neosim.design import survival

    d, out = prep.cfg.design, []
    for m in prep.cfg.methods:
        if prep.cfg.solve == "sample_size":
            out.append(survival.sample_size(d, m))
        elif prep.cfg.solve == "power":
            out.append(survival.power(d, m))
        else:
            out.append(survival.duration_for_subjects(d, d.subjects, m))
    return out


def power_curve(prep: Prepared, results: list, points: int = 30) -> list[dict]:
    """Power and expected events of each method over a grid of total subjects (0 to twice the
    largest solved or given number), the rest of the design as solved.

    With ``solve = "duration"`` accrual runs at the stated subjects per month until the subjects
    are enrolled and follow-up is each method's solved follow-up, so every method's curve passes
    through its solution; otherwise accrual durations and follow-up are the design's.
    """
    from neosim.design import survival

    d = prep.cfg.design
    top = 2.0 * max([r.subjects for r in results] + ([d.subjects] if d.subjects else []))
    grid = [top * (i + 1) / points for i in range(points)]  # excludes 0 subjects
    rows = [{"subjects": n} for n in grid]
    for r in results:
        for row, n in zip(rows, grid, strict=True):
            design = d
            if prep.cfg.solve == "duration":
                acc, inten = survival.absolute_accrual(d, n)
                design = d.model_copy(update={
                    "accrual_time": _starts_and_end(acc), "accrual_intensity": list(inten),
                    "accrual_intensity_type": "relative",
                    "followup_months": r.followup_months})
            res = survival.power(design, r.method, subjects=n)
            row[f"power[{r.method}]"] = res.power
            row[f"events[{r.method}]"] = res.events
    return rows


def _starts_and_end(durations) -> list[float]:
    """rpact's ``accrualTime`` (start points and the end) of consecutive piece durations."""
    out = [0.0]
    for d in durations:
        out.append(out[-1] + float(d))
    return out


def _data_source(prep: Prepared) -> dict:
    """The design's inputs are planning assumptions, recorded as a synthetic source."""
    d = prep.cfg.design

    def words(model) -> str:
        return ", ".join(f"{k.replace('_', ' ')} {v}"
                         for k, v in model.model_dump(exclude_none=True).items())

    return {"name": "planning_assumptions", "short": "Planning assumptions", "synthetic": True,
            "citation": "Planning assumptions of this config (not data): hazard ratio "
                        f"{d.hazard_ratio:g}; control survival: {words(d.control)}; accrual "
                        f"start points {d.accrual_time} months at {d.accrual_intensity_type} "
                        f"intensities {d.accrual_intensity}; follow-up "
                        f"{d.followup_months:g} months; "
                        f"dropout: {words(d.dropout)}",
            "description": f"alpha {d.alpha:g} ({d.sided}-sided), allocation "
                           f"{d.allocation_ratio:g}:1"}


def execute(prep: Prepared, folder, progress) -> Outcome:
    import math

    import pandas as pd

    from neosim.plots import design_power
    from neosim.results import atomic_write_text

    with folder.timed("compute"), progress.stage("Computing the design"):
        results = compute(prep)
        curve = power_curve(prep, results)
    with folder.timed("write"), progress.stage("Writing results"):
        rows = [r.to_dict() for r in results]
        folder.write_json("design.json", {"solve": prep.cfg.solve, "results": rows})
        flat = [{k: (";".join(map(str, v)) if isinstance(v, list) else v) for k, v in r.items()}
                for r in rows]
        atomic_write_text(folder.file("design.csv"),
                          pd.DataFrame(flat).to_csv(index=False, float_format="%.10g"))
        nan = math.nan
        summary = pd.DataFrame([
            {"parameter": f"{q}[{r.method}]", "mean": getattr(r, q), "sd": nan, "ci_lower": nan,
             "ci_upper": nan, "ci_level": nan, "ess_bulk": nan, "ess_tail": nan, "r_hat": nan}
            for r in results for q in ("events", "subjects", "power", "study_duration_months")
        ])
        folder.write_summary(summary)
        atomic_write_text(folder.file("power_curve.csv"),
                          pd.DataFrame(curve).to_csv(index=False, float_format="%.6g"))
        folder.write_data_sources([_data_source(prep)])
    with folder.timed("figures"), progress.stage("Drawing figures"):
        d = prep.cfg.design
        caption = (f"Planning assumptions, not data: HR {d.hazard_ratio:g}, one analysis at "
                   f"alpha {d.alpha:g} ({d.sided}-sided), allocation {d.allocation_ratio:g}:1"
                   f"; see data.json for the survival, accrual and dropout assumed.")
        solved = [{"method": r.method, "subjects": r.subjects, "events": r.events,
                   "power": r.power} for r in results]
        for fmt in prep.cfg.output.figure_formats:
            design_power.plot_power_curves(curve, solved, folder.figure("power_curve", fmt),
                                           caption=caption, style=prep.cfg.output,
                                           target_power=None if prep.cfg.solve == "power"
                                           else d.power)
        folder.add_figure(
            "power_curve", title="Power against subjects and events",
            caption="Power of the log-rank comparison by method against the total number of "
                    "subjects (left) and of events (right), with each method's solution marked "
                    "(dot) and the target power dashed: the curves show how much power is "
                    "lost with fewer patients.")
    headline = [
        f"{r.method}: {r.events_ceil} events ({r.events:.2f}), {r.subjects_ceil} subjects "
        f"({r.subjects:.2f}), power {r.power:.4f}, study duration "
        f"{r.study_duration_months:.2f} months" for r in results]
    return Outcome(passed=True, message="analytic design computed", headline=headline)
