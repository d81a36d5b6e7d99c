"""Experiment kinds: the registry that maps ``experiment.kind`` in a config to its module.

Each kind module defines ``Config`` (its pydantic schema, importing nothing heavy) and
``execute(cfg, folder, progress, source_file)``. Only the names below can be run: a config cannot
import or execute anything else.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

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
