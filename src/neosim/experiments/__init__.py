"""Experiment kinds: the registry that maps ``experiment.kind`` in a config to its module.

Each kind (a module, or a package ``<kind>/`` with ``schema.py``, ``prepare.py`` and ``run.py``)
exposes:

* ``Config``: its pydantic schema (importing nothing heavy);
* ``prepare(cfg, source_file) -> Prepared``: loads and checks every input (``InputError``) and
  ends with the pre-flight budget, before any run folder exists;
* ``execute(prepared, folder, progress) -> Outcome``: writes the run folder's files;
* optionally ``sbc_spec(prepared[, model])`` and ``sbc_models(prepared)`` for the ``sbc`` kind.

Only the names in :data:`KINDS` can be run: a config cannot import or execute anything else.
:func:`load_experiment` reads a file and validates it with its kind's schema.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from neosim.config import SCHEDULER_IN_CONFIG, ExperimentConfig, load_toml, validate
from neosim.errors import InputError


@dataclass
class Outcome:
    """What a kind's ``execute`` reports back: whether its checks passed, a one-line message,
    the lines to print, and optional extra fields for ``provenance.json``."""

    passed: bool
    message: str
    headline: list[str]
    provenance: dict[str, Any] = field(default_factory=dict)


#: kind name -> module (relative to this package)
KINDS: dict[str, str] = {
    "subtype_frequencies": "subtype_frequencies",
    "sbc": "sbc",
    "accrual": "accrual",
    "survival_design": "survival_design",
    "evidence_pooling": "evidence_pooling",
    "survival_aggregate": "survival_aggregate",
    "survival_ipd": "survival_ipd",
    "trial_simulation": "trial_simulation",
    "design_comparison": "design_comparison",
}


def kind_module(kind: object, *, file: str | None = None) -> ModuleType:
    """The module implementing an experiment kind."""
    if not isinstance(kind, str) or kind not in KINDS:
        known = ", ".join(sorted(KINDS))
        raise InputError(f"unknown experiment kind {kind!r} (known: {known})", file=file,
                         field="experiment.kind")
    return importlib.import_module(f"neosim.experiments.{KINDS[kind]}")


def schema_for_kind(kind: object, *, file: str | None = None):
    """The pydantic schema of an experiment kind."""
    return kind_module(kind, file=file).Config


def load_experiment(path: str | Path, *, seed: int | None = None) -> ExperimentConfig:
    """Load and validate an experiment file with the schema of its ``experiment.kind``.

    ``seed`` overrides ``experiment.seed``. A config may not name a dask scheduler
    (``compute.scheduler``): that is refused first, whatever else is wrong with the file, since a
    scheduler runs code on neosim's behalf (``--scheduler`` and ``NEOSIM_SCHEDULER`` choose one).

    Raises
    ------
    InputError
        For anything wrong with the file, naming the file and the field.
    """
    file = str(path)
    data = load_toml(path)
    compute = data.get("compute")
    if isinstance(compute, dict) and "scheduler" in compute:
        raise InputError(SCHEDULER_IN_CONFIG, file=file, field="compute.scheduler")
    section = data.get("experiment")
    if not isinstance(section, dict):
        raise InputError("required table [experiment] is missing", file=file, field="experiment")
    kind = section.get("kind")
    if kind is None:
        raise InputError("required key is missing", file=file, field="experiment.kind")
    schema = schema_for_kind(kind, file=file)
    if seed is not None:
        if not 0 <= seed < 2**63:
            raise InputError("seed must be in [0, 2**63)", file="command line", field="--seed")
        data = {**data, "experiment": {**section, "seed": seed}}
    return validate(schema, data, file=file)
