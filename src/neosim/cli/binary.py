"""``neosim samplesize --endpoint binary``: the size of a binary design (two proportions, or one
arm against a historical proportion) from the same :class:`~neosim.design.spec.TrialDesign` as
the survival commands, through :func:`neosim.sample_size`."""

from __future__ import annotations

import json
from typing import Any

from neosim.errors import InputError

CMD = "command line"
#: design field -> the flag that sets it (to name the flag in errors)
FLAGS = {"control_proportion": "--control-proportion",
         "experimental_proportion": "--experimental-proportion", "alpha": "--alpha",
         "power": "--power", "sided": "--sided", "groups": "--groups",
         "allocation_ratio": "--allocation", "method": "--method",
         "p1": "--experimental-proportion", "p0": "--control-proportion"}
#: survival flags a binary design does not read
_SURVIVAL_ONLY = ("hr", "control_median", "control_hazard", "dropout_hazard", "dropout_rate",
                  "dropout_time", "subjects", "accrual_intensity")


def binary_samplesize(o: dict[str, Any], allocation_ratio: float) -> str:
    """The answer of ``neosim samplesize --endpoint binary`` (text, or JSON with ``--json``)."""
    from neosim.api.design import sample_size
    from neosim.config import validate
    from neosim.design.spec import TrialDesign

    for key in _SURVIVAL_ONLY:
        if o.get(key) is not None:
            raise InputError("does not apply to a binary endpoint", file=CMD,
                             field="--" + key.replace("_", "-"))
    for key in ("control_proportion", "experimental_proportion"):
        if o[key] is None:
            raise InputError("a binary design needs it", file=CMD,
                             field="--" + key.replace("_", "-"))
    if o["groups"] == 1 and o["allocation"] not in ("1:1", "1"):
        raise InputError("a single-arm design has no allocation", file=CMD, field="--allocation")
    data = {"endpoint": "binary", "groups": o["groups"], "alpha": o["alpha"],
            "sided": o["sided"], "power": o["power"], "allocation_ratio": allocation_ratio,
            "control_proportion": o["control_proportion"],
            "experimental_proportion": o["experimental_proportion"]}
    try:
        design = validate(TrialDesign, data, file=CMD)
        result = sample_size(design, o["method"])
    except InputError as exc:
        field = exc.field if exc.file == CMD and (exc.field or "").startswith("--") else \
            FLAGS.get(exc.field or "", "--experimental-proportion")
        raise InputError(exc.message, file=CMD, field=field) from None
    record = result.to_dict()
    if o["as_json"]:
        return json.dumps(record, allow_nan=False)
    tails = "two-sided" if design.sided == 2 else "one-sided"
    if design.groups == 1:
        sign = ">=" if record["direction"] == "greater" else "<="
        return (f"exact single-arm: {record['n']} subjects; reject when successes {sign} "
                f"{record['critical']}; size {record['alpha_attained']:.4f}, power "
                f"{record['power_attained']:.4f} (p {record['p1']:g} vs historical "
                f"{record['p0']:g}, {tails} alpha {design.alpha:g})")
    e, c = record["subjects_per_arm_ceil"]
    return (f"{record['method']}: {record['subjects_ceil']} subjects ({e} experimental + {c} "
            f"control) for p {record['p_experimental']:g} vs {record['p_control']:g}, power "
            f"{record['power_attained']:.4f} at {tails} alpha {design.alpha:g}")
