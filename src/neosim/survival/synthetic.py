"""Synthetic IPD: cohorts drawn from a stated survival model and a seed, for examples and tests.

Each patient gets a subtype, an age at diagnosis (days, uniform on the neonatal period), an MLL
status, and an administrative censoring time (from diagnosis, uniform on ``follow_up``). A
patient planned for SCT (probability ``sct_probability``) is transplanted at a time uniform on
``time_to_sct`` if still alive and in follow-up then; before that (and for life when not
transplanted) death comes at hazard ``pre_sct_hazard``. After SCT, survival follows ``family``
with the ``truth`` parameters of the patient's subtype. Every time, rate and time-valued truth
is in ``time_unit`` (:mod:`neosim.units`), and so are the cohort's times.
Patients who die or are censored before their SCT are recorded as not transplanted.

Everything made from these cohorts is marked synthetic (``IPD.synthetic``); the draws depend on
the seed alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neosim import seeds
from neosim.models.survival import Family, draw_times
from neosim.survival.ipd import IPD
from neosim.units import unit_name


@dataclass(frozen=True)
class CohortSpec:
    """The model a synthetic cohort is drawn from (see the module docstring)."""

    n: int
    subtypes: tuple[str, ...]
    subtype_weights: tuple[float, ...]
    family: Family
    truth: dict[str, np.ndarray]
    sct_probability: float = 0.6
    time_to_sct: tuple[float, float] = (3.0, 6.0)
    pre_sct_hazard: float = 0.05
    follow_up: tuple[float, float] = (24.0, 96.0)
    mll_rearranged_probability: tuple[float, ...] = ()
    neonatal_age_days: tuple[float, float] = (0.0, 28.0)
    time_unit: str = "months"

    def describe(self) -> str:
        """One line stating the generating model (for captions and provenance)."""
        parts = []
        for name, value in self.truth.items():
            v = np.asarray(value)
            name = unit_name(name, self.time_unit)
            if v.ndim == 0:
                parts.append(f"{name}={float(v):.3g}")
            else:
                parts.append(f"{name}=" + ", ".join(
                    f"{s}: {_fmt(x)}" for s, x in zip(self.subtypes, v, strict=True)))
        cuts = getattr(self.family, "cuts", ())
        parts += [f"cuts {_fmt(cuts)}"] if len(cuts) else []
        return (f"{self.n} patients drawn from a {self.family.name} model after SCT "
                f"({'; '.join(parts)}; times in {self.time_unit})")


def _fmt(x) -> str:
    """A number as ``30``, a vector as ``[0.02, 0.01]`` (3 significant digits)."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 0:
        return f"{float(x):.3g}"
    return "[" + ", ".join(f"{v:.3g}" for v in x.ravel()) + "]"


def draw_cohort(spec: CohortSpec, seed: int | np.random.SeedSequence) -> IPD:
    """Draw one synthetic cohort from ``spec``; equal seeds give equal cohorts."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else seeds.sequence(seed)
    rng = np.random.default_rng(ss)
    n = spec.n
    w = np.asarray(spec.subtype_weights, float)
    sub = rng.choice(len(spec.subtypes), size=n, p=w / w.sum())
    age = rng.uniform(*spec.neonatal_age_days, size=n)
    p_mll = (np.asarray(spec.mll_rearranged_probability, float)
             if spec.mll_rearranged_probability else np.full(len(spec.subtypes), 0.5))
    mll = np.where(rng.uniform(size=n) < p_mll[sub], "rearranged", "germline")
    censor = rng.uniform(*spec.follow_up, size=n)
    planned = rng.uniform(size=n) < spec.sct_probability
    t_sct = rng.uniform(*spec.time_to_sct, size=n)
    if spec.pre_sct_hazard > 0:
        early_death = rng.exponential(1.0 / spec.pre_sct_hazard, size=n)
    else:
        early_death = np.full(n, np.inf)
    after = draw_times(spec.family, spec.truth, sub, rng)
    transplanted = planned & (early_death > t_sct) & (censor > t_sct)
    death = np.where(transplanted, t_sct + after, early_death)
    event = (death <= censor).astype("int64")
    observed = np.minimum(death, censor)
    width = len(str(n))
    return IPD(
        patient_id=tuple(f"S{i + 1:0{width}d}" for i in range(n)),
        subtype=tuple(spec.subtypes[i] for i in sub),
        mll_status=tuple(str(m) for m in mll),
        age_at_diagnosis_days=age,
        sct=transplanted.astype("int64"),
        time_to_sct=np.where(transplanted, t_sct, np.nan),
        time_to_event=observed,
        event=event,
        source=f"synthetic: {spec.describe()}",
        synthetic=True,
        time_unit=spec.time_unit,
    )
