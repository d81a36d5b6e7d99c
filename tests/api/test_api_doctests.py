"""The Examples of the public API's docstrings run as doctests (from the repository root, where
the examples find ``experiments/``), and every public name documents itself with one."""

from __future__ import annotations

import doctest
import importlib
import inspect
from pathlib import Path

import pytest

import neosim as ns

ROOT = Path(__file__).resolve().parents[2]
MODULES = ["neosim.api.design", "neosim.api.sequential", "neosim.api.simulation", "neosim.api.fit",
           "neosim.api.pooling", "neosim.api.runs", "neosim.priors.dists", "neosim.priors.mixture",
           "neosim.priors.files", "neosim.priors.spec", "neosim.api.adaptive"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, monkeypatch):
    monkeypatch.chdir(ROOT)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_every_public_function_has_numpydoc_sections_and_an_example():
    for name in ns.__all__:
        obj = getattr(ns, name)
        if not inspect.isfunction(obj):
            continue
        doc = inspect.getdoc(obj) or ""
        for section in ("Parameters", "Returns", "Examples"):
            assert f"{section}\n---" in doc, f"ns.{name} lacks {section}"
        assert obj.__annotations__.get("return") is not None, f"ns.{name} lacks a return hint"


def test_the_readme_python_api_snippet_runs(monkeypatch):
    import re

    monkeypatch.chdir(ROOT)
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Python API.*?```python\n(.*?)```", text, re.S)
    assert block is not None, "README lost its Python API snippet"
    exec(compile(block.group(1), "README.md", "exec"), {})  # our own README, read from disk
