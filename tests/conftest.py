"""Shared fixtures: the flagship experiment is fitted once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "experiments" / "jilsg_subtypes.toml"


@pytest.fixture(scope="session")
def flagship_run(tmp_path_factory):
    """Run folder of the flagship experiment, exactly as configured (one fit per session)."""
    from neosim.experiments.runner import run_experiment

    out = tmp_path_factory.mktemp("flagship") / "run"
    result = run_experiment(FLAGSHIP, out=out, quiet=True, argv=["pytest"])
    return result


def write_config(path: Path, text: str) -> Path:
    """Write a TOML config for a test and return its path."""
    path.write_text(text, encoding="utf-8")
    return path


def pytest_terminal_summary(terminalreporter):
    """Print how many generated bad inputs the fuzz tests checked and how many SIGKILLs the
    kill-and-resume tests survived (the issue asks for both counts)."""
    from .badinput import COUNTS
    from .runfolders import KILLS

    if KILLS:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(KILLS.items()))
        terminalreporter.write_line(
            f"kill-and-resume: {sum(KILLS.values())} SIGKILLs survived, each folder resumed "
            f"byte-identical to the uninterrupted run ({parts})")
    if COUNTS:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(COUNTS.items()))
        terminalreporter.write_line(
            f"bad-input fuzz: {sum(COUNTS.values())} generated inputs, each exit 2 with one "
            f"line naming its file or flag ({parts})")
