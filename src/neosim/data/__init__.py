"""Packaged datasets: published cohorts with their citations, validated on load.

Datasets are looked up by name in :data:`DATASETS` (a fixed registry: no config can name a file
inside the package that is not listed here). :func:`load_cohort` also reads a user's own file of
the same schema.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from neosim.data.cohort import Cohort, parse_cohort
from neosim.errors import InputError

#: name -> file inside this package
DATASETS: dict[str, str] = {
    "jilsg2006": "jilsg2006.toml",
}


def dataset_path(name: str) -> Path:
    """Path of a packaged dataset file."""
    if name not in DATASETS:
        known = ", ".join(sorted(DATASETS))
        raise InputError(f"unknown dataset {name!r} (known: {known})")
    return Path(str(files("neosim.data").joinpath(DATASETS[name])))


def load_dataset(name: str) -> Cohort:
    """Load and validate a packaged dataset by name."""
    return load_cohort(dataset_path(name))


def load_cohort(path: str | Path) -> Cohort:
    """Load and validate a subtype-cohort TOML file (packaged or the user's own)."""
    from neosim.config import load_toml

    return parse_cohort(load_toml(path, kind="table"), file=str(path))


__all__ = ["DATASETS", "Cohort", "dataset_path", "load_cohort", "load_dataset"]
