"""One home each: seeds, the sampler, config paths and prior distributions are derived in one
module (or package) only."""

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


def _defines(names: set[str]):
    return lambda n: isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name in names


def test_only_priors_defines_prior_distributions():
    """A prior distribution (its PyMC variable, numpy draws, density) is written in
    ``neosim/priors`` only; models and config sections use its objects."""
    assert _homes(_defines({"pymc", "pdf", "logpdf", "cdf", "ppf", "Distribution", "Mixture"})) \
        <= {"priors/dists.py", "priors/mixture.py"}
    pm_priors = {"Beta", "Gamma", "LogNormal", "HalfNormal", "HalfStudentT", "HalfCauchy",
                 "NormalMixture", "Mixture"}
    assert _homes(lambda n: isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                  and isinstance(n.func.value, ast.Name) and n.func.value.id == "pm"
                  and n.func.attr in pm_priors) <= {"priors/mixture.py"}
    draws = set().union(*(_homes(_calls(f)) for f in ("beta", "gamma", "standard_t",
                                                       "lognormal")))
    # the accrual kind draws a gamma *posterior* of incidence (counts and births), not a prior
    assert draws == {"priors/dists.py", "priors/mixture.py", "experiments/accrual/prepare.py"}
