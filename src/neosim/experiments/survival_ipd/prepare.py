"""``prepare`` of the ``survival_ipd`` kind: the IPD read and checked (or the synthetic cohort
drawn), families and priors built, the pre-flight budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neosim import seeds
from neosim.errors import InputError
from neosim.experiments.survival_ipd.schema import (
    Config,
    DataSection,
)
from neosim.inputs import resolve_path
from neosim.units import neutral_name


@dataclass
class Prepared:
    cfg: Config
    ipd: Any
    data: Any  # SurvivalData
    families: list
    priors: Any
    description: str
    spec: Any = None


def prepare(cfg: Config, source_file: str) -> Prepared:
    """Load or draw the IPD, build the landmark data; every problem is an InputError."""
    import numpy as np

    from neosim.models import survival as sv
    from neosim.survival.ipd import landmark, load_ipd

    d = cfg.data
    spec = None
    if d.file:
        path = resolve_path(d.file, source_file)
        try:
            ipd = load_ipd(path, d.time_unit)
        except InputError as exc:
            raise exc.at(field="data.file") from None
        description = f"IPD file {path.name}"
    else:
        from neosim.survival.synthetic import draw_cohort

        spec = _synthetic_spec(d, source_file)
        seed = seeds.sequence(cfg.experiment.seed, 1)
        ipd = draw_cohort(spec, seed)
        description = f"synthetic cohort: {spec.describe()}"
    data = landmark(ipd, d.subtypes, origin=d.time_origin, file=source_file)
    families = [sv.make_family(f, cfg.models.cuts,
                               shape_per_subtype=cfg.models.shape == "per_subtype")
                for f in cfg.models.families]
    priors = cfg.models.priors.in_unit(d.time_unit)  # the defaults are already converted
    from neosim import budget

    # every family's fit is held (for LOO): parameters, S at the months, and one pointwise
    # log-likelihood per patient per draw; S(t) curves are a transient of curve_points
    n_obs, k, s = int(np.asarray(data.time).size), len(d.subtypes), cfg.sampler
    per_draw = n_obs + 3 * k + len(cfg.models.cuts) * k + k * (len(cfg.report.times) + 2)
    curves = 3 * budget.F8 * s.chains * s.draws * k * cfg.report.curve_points
    est = budget.for_sampler_kind(
        s, per_draw, fits=len(families), kept_fits=len(families), data_size=n_obs,
        extra_bytes=curves,
        extra_drivers=("data.synthetic.n" if d.synthetic is not None else "data.file",
                       "models.families", "report.curve_points"))
    budget.check(est, cfg.output, file=source_file)
    return Prepared(cfg, ipd, data, families, priors, description, spec)


def _synthetic_spec(d: DataSection, source_file: str):
    import numpy as np

    from neosim.models import survival as sv
    from neosim.survival.synthetic import CohortSpec

    syn = d.synthetic
    at = "data.synthetic"
    k = len(d.subtypes)
    try:
        family = sv.make_family(syn.family, syn.cuts)
    except ValueError as exc:
        raise InputError(str(exc), file=source_file, field=f"{at}.cuts") from None
    truth = {}
    for name in family.parameters:
        key = neutral_name(name)  # hazard_per_month is [data.synthetic.truth] hazard
        value = getattr(syn.truth, key, None)
        field_ = f"{at}.truth.{key}"
        if value is None:
            raise InputError(f"the {family.name} model needs {key}", file=source_file,
                             field=field_)
        arr = np.asarray(value, float)
        want = family.param_shape(name, k)
        if arr.shape != want:
            raise InputError(f"expected shape {want} (subtypes {', '.join(d.subtypes)}), got "
                             f"{arr.shape}", file=source_file, field=field_)
        truth[name] = arr
    for name in type(syn.truth).model_fields:
        if (name not in map(neutral_name, family.parameters)
                and getattr(syn.truth, name) is not None):
            raise InputError(f"not a parameter of the {family.name} model", file=source_file,
                             field=f"{at}.truth.{name}")
    for name in ("subtype_weights", "mll_rearranged_probability"):
        if getattr(syn, name) and len(getattr(syn, name)) != k:
            raise InputError(f"needs one value per subtype ({k})", file=source_file,
                             field=f"{at}.{name}")
    for name in ("time_to_sct", "follow_up"):
        lo, hi = getattr(syn, name)
        if lo > hi:
            raise InputError("the lower end exceeds the upper end", file=source_file,
                             field=f"{at}.{name}")
    return CohortSpec(
        n=syn.n, subtypes=tuple(d.subtypes),
        subtype_weights=tuple(syn.subtype_weights or [1.0] * k), family=family, truth=truth,
        sct_probability=syn.sct_probability, time_to_sct=tuple(syn.time_to_sct),
        pre_sct_hazard=syn.pre_sct_hazard, follow_up=tuple(syn.follow_up),
        mll_rearranged_probability=tuple(syn.mll_rearranged_probability),
        time_unit=d.time_unit)
