"""One home each: seeds, the sampler and config paths are derived in one module only."""

from __future__ import annotations

import ast
from pathlib import Path

import neosim

SRC = Path(neosim.__file__).parent


def _homes(predicate) -> set[str]:
    """The modules (relative paths) whose code has a node for which ``predicate`` holds."""
    found = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(predicate(node) for node in ast.walk(tree)):
            found.add(path.relative_to(SRC).as_posix())
    return found


def _calls(name: str):
    def predicate(node) -> bool:
        return isinstance(node, ast.Call) and (
            (isinstance(node.func, ast.Attribute) and node.func.attr == name)
            or (isinstance(node.func, ast.Name) and node.func.id == name))
    return predicate


def _imports_nutpie(node) -> bool:
    if isinstance(node, ast.Import):
        return any(a.name.split(".")[0] == "nutpie" for a in node.names)
    return isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "nutpie"


def test_only_seeds_builds_a_seed_sequence():
    assert _homes(_calls("SeedSequence")) == {"seeds.py"}
    assert _homes(_calls("generate_state")) == {"seeds.py"}


def test_only_sampling_calls_nutpie():
    assert _homes(_imports_nutpie) == {"sampling.py"}
    # sampling.py hands models to nutpie itself (no pm.sample(nuts_sampler=...)); no other
    # module may sample through PyMC either
    assert _homes(lambda n: isinstance(n, ast.keyword) and n.arg == "nuts_sampler") <= {
        "sampling.py"}


def test_only_inputs_resolves_config_paths():
    assert _homes(_calls("is_absolute")) == {"inputs.py"}
