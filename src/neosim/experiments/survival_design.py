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

from neosim.config import ExperimentConfig, OutputSection
from neosim.design.spec import TrialDesign
from neosim.errors import InputError

MethodName = Literal["schoenfeld", "freedman", "lachin-foulkes"]


class Config(ExperimentConfig):
    design: TrialDesign
    methods: list[MethodName] = Field(default_factory=lambda: ["schoenfeld"], min_length=1)
    solve: Literal["sample_size", "power", "duration"] = "sample_size"
    output: OutputSection = OutputSection()

    @model_validator(mode="after")
    def _check(self) -> Self:
        if len(set(self.methods)) != len(self.methods):
            raise ValueError("methods lists a method twice")
        return self


@dataclass
class Prepared:
    cfg: Config


@dataclass
class Outcome:
    passed: bool
    message: str
    headline: list[str]


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


def execute(prep: Prepared, folder, progress) -> Outcome:
    import math

    import pandas as pd

    from neosim.results import atomic_write_text

    with folder.timed("compute"), progress.stage("Computing the design"):
        results = compute(prep)
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
    headline = [
        f"{r.method}: {r.events_ceil} events ({r.events:.2f}), {r.subjects_ceil} subjects "
        f"({r.subjects:.2f}), power {r.power:.4f}, study duration "
        f"{r.study_duration_months:.2f} months" for r in results]
    return Outcome(passed=True, message="analytic design computed", headline=headline)
