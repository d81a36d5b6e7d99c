"""Every number a config holds is finite and inside a range the maths survives.

Two proofs: (1) every int and float field of every schema has both bounds (a static walk of the
schemas), and (2) for every shipped experiment, each numeric leaf of its resolved config set to
its smallest and largest accepted values (and a few in between) validates and prepares, or is
refused with an :class:`InputError` (exit 2) — never another exception — and an accepted config's
resolved TOML validates again. Real runs of the risky extremes are in ``test_bounds_runs.py``.
"""

from __future__ import annotations

import tomllib
import types
import typing

import pytest
from pydantic import BaseModel

from neosim import config
from neosim.config import resolved_toml
from neosim.design.spec import TrialDesign
from neosim.errors import InputError
from neosim.experiments import KINDS, kind_module, schema_for_kind
from neosim.experiments.accrual import CountryFile
from neosim.priors import PriorFile

from .configwalk import (
    EXPERIMENTS,
    _constraints,
    _members,
    _unwrap,
    base_config,
    bounds_of,
    dotted,
    is_literal,
    is_number,
    leaf_bounds,
    leaves,
    schema_of,
    set_at,
)

SCHEMAS = {**{k: schema_for_kind(k) for k in KINDS}, "TrialDesign": TrialDesign,
           "PriorFile": PriorFile, "CountryFile": CountryFile}


def _numeric_fields(tp, meta, where, seen):
    """Yield ``(where, type, constraints)`` for every int/float reachable from ``tp``."""
    tp, meta = _unwrap(tp, meta)
    members = _members(tp)
    if len(members) > 1:
        for m in members:
            yield from _numeric_fields(m, meta, where, seen)
        return
    tp = members[0]
    tp, meta = _unwrap(tp, meta)
    origin = typing.get_origin(tp) or tp
    if origin in (int, float):
        yield where, origin, _constraints(meta)
    elif origin in (list, dict):
        args = typing.get_args(tp)
        if origin is list and not any(getattr(c, "max_length", None) for c in _constraints(
                meta)):
            yield where, list, []
        yield from _numeric_fields(args[-1], [], f"{where}[]", seen)
    elif isinstance(origin, type) and issubclass(origin, BaseModel) and origin not in seen:
        seen = seen | {origin}
        for name, info in origin.model_fields.items():
            yield from _numeric_fields(info.annotation, list(info.metadata), f"{where}.{name}",
                                       seen)
    elif origin in (typing.Literal, str, bool, type(None), types.NoneType):
        return


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_number_has_a_range_and_every_list_a_cap(name):
    unbounded = []
    for where, tp, constraints in _numeric_fields(SCHEMAS[name], [], name, frozenset()):
        if tp is list:
            unbounded.append(f"{where}: list without max_length")
            continue
        b = bounds_of(tp, constraints)
        if b.lo is None or b.hi is None:
            unbounded.append(f"{where}: {tp.__name__} in [{b.lo}, {b.hi}]")
    assert not unbounded, "\n".join(unbounded)


def _extreme_cases(path):
    data = base_config(path)
    schema = schema_of(data)
    for leaf, value in leaves(data):
        if not is_number(value) or is_literal(schema, data, leaf):
            continue
        for x in leaf_bounds(schema, data, leaf).extremes():
            yield leaf, x, set_at(data, leaf, x)


def _check(path, leaf, x, data) -> str | None:
    """None when ``data`` validates and prepares or is refused as bad input; else the failure."""
    file = str(path)
    schema = schema_of(data)
    try:
        cfg = config.validate(schema, data, file=file)
        kind_module(cfg.experiment.kind).prepare(cfg, file)
        config.validate(schema, tomllib.loads(resolved_toml(cfg)), file=file)
    except InputError as exc:
        if "\n" in str(exc) or file not in str(exc):
            return f"{dotted(leaf)} = {x!r}: error line does not name the file: {exc}"
        return None
    except Exception as exc:
        return f"{dotted(leaf)} = {x!r}: {type(exc).__name__}: {exc}"[:300]
    return None


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_each_leaf_at_its_extremes_validates_and_prepares_or_is_refused(path):
    failures, cases = [], 0
    for leaf, x, data in _extreme_cases(path):
        cases += 1
        failure = _check(path, leaf, x, data)
        if failure:
            failures.append(failure)
    assert cases > 10
    assert not failures, f"{len(failures)} of {cases}:\n" + "\n".join(failures)
