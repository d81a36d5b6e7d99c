"""Config fuzz: thousands of configs that are bad by construction, each through the real CLI.

Bases: the resolved config of every file in ``experiments/`` (every kind; paths made absolute).
Mutations, seeded and deterministic: every numeric leaf set to nan, inf, -inf, +-1e308, a
5000-digit integer, just outside its range, or a value of the wrong type (string, bool, list,
table); every string and bool leaf given the wrong type; every list replaced by a scalar, given
an element of the wrong type, or made longer than its cap; every table given an unknown key or
replaced by a scalar; every required key deleted; keys renamed to old-style names. Every number
in a schema is bounded (``test_config_bounds.py``), so each of these is invalid by construction.

Each mutated file goes through ``neosim validate`` and ``neosim run FILE --out DIR`` in process
(``tests/badinput.py``) from a temporary working directory, and must get exit 2, one stderr line
naming the file and the field, no traceback, and nothing written. A mutation that ``validate``
accepts fails the test at once (and is never run).
"""

from __future__ import annotations

import math
import os
import random
import typing
from pathlib import Path

import pytest
import tomli_w
from pydantic import BaseModel

from .badinput import COUNTS, assert_bad_input, run_cli, tree
from .configwalk import (
    EXPERIMENTS,
    Path_,
    _members,
    base_config,
    delete_at,
    dotted,
    field_type,
    get_at,
    is_literal,
    is_number,
    leaf_bounds,
    leaves,
    required_keys,
    schema_of,
    set_at,
    tables,
)

#: generated bad configs per CI run (the slow test); the fast test checks a sample
QUOTA = 4000
PER_BASE = math.ceil(QUOTA / len(EXPERIMENTS))
FAST_PER_BASE = 15
BIG = "@@BIGINT@@"  # replaced by a 5000-digit integer in the TOML text
OLD_NAMES = {"draws": "samples", "n_trials": "trials", "kind": "type", "seed": "random_seed",
             "replicates": "n_replicates", "hazard_ratio": "hr", "targets": "target_n",
             "chains": "n_chains", "figure_formats": "formats", "ci_prob": "interval"}


def _wrong_types(value):
    """Values of another TOML type than ``value``."""
    pool = ["12", True, [1.0, 2.0], {"zz_value": 1}, 1, 2.5, "text"]
    kind = type(value)
    return [v for v in pool if not (type(v) is kind or (is_number(v) and is_number(value)
                                                        and not isinstance(value, bool)))]


def _max_length(schema, data, path) -> int | None:
    _, constraints = field_type(schema, data, path)
    caps = [getattr(c, "max_length", None) for c in constraints]
    caps = [c for c in caps if c is not None]
    return min(caps) if caps else None


def _is_model(schema, data, path) -> bool:
    tp, _ = field_type(schema, data, path) if path else (schema, [])
    origin = typing.get_origin(tp) or tp
    return isinstance(origin, type) and issubclass(origin, BaseModel)


def _admits_str(schema, data, path) -> bool:
    """True when the field at ``path`` (a table now) may also be a string (a prior file)."""
    if not isinstance(path[-1], str) or not _is_model(schema, data, path[:-1]):
        return False
    parent = field_type(schema, data, path[:-1])[0] if path[:-1] else schema
    info = (typing.get_origin(parent) or parent).model_fields[path[-1]]
    return any((typing.get_origin(m) or m) is str for m in _members(info.annotation))


def mutations(data: dict) -> list[tuple[str, Path_, dict]]:
    """Every deterministic mutation of ``data``: ``(what, path, mutated)``."""
    schema = schema_of(data)
    out: list[tuple[str, Path_, dict]] = []
    for path, value in leaves(data):
        if is_number(value) and not is_literal(schema, data, path):
            bad = [math.nan, math.inf, -math.inf, 1e308, -1e308, BIG]
            bad += leaf_bounds(schema, data, path).outside()
        elif isinstance(value, list):  # an empty list
            bad = ["x", 3, {"zz_value": 1}]
        else:
            bad = []
        bad += _wrong_types(value)
        out += [(f"{dotted(path)} = {v!r}"[:120], path, set_at(data, path, v)) for v in bad]
        if isinstance(value, str) and os.path.isabs(value) and Path(value).is_file():
            out.append((f"{dotted(path)} missing file", path,
                        set_at(data, path, value + ".missing")))
    for path in tables(data):
        node = get_at(data, path)
        if isinstance(node, dict):
            out.append((f"{dotted(path) or 'root'}: unknown key", (*path, "zz_unknown"),
                        set_at(data, (*path, "zz_unknown"), 1)))
            for key in node:
                old = OLD_NAMES.get(key, key + "_old")
                if old in node or (_is_model(schema, data, path) and old in typing.cast(
                        typing.Any, field_type(schema, data, path)[0] if path else schema
                        ).model_fields):
                    continue
                renamed = {(old if k == key else k): v for k, v in node.items()}
                out.append((f"{dotted((*path, key))} renamed {old}", (*path, key),
                            set_at(data, path, renamed) if path else renamed))
            if path:
                for v in (1, [1, 2]) if _admits_str(schema, data, path) else (1, "table",
                                                                               [1, 2]):
                    out.append((f"{dotted(path)} = {v!r}", path, set_at(data, path, v)))
        elif isinstance(node, list) and node:  # a list: longer than its cap, or a bad element
            cap = _max_length(schema, data, path)
            if cap is not None:
                out.append((f"{dotted(path)}: {cap + 1} entries", path,
                            set_at(data, path, (node * (cap // len(node) + 2))[:cap + 1])))
            out.append((f"{dotted(path)}: element of a wrong type", path,
                        set_at(data, path, [*node, "zz_element" if not isinstance(
                            node[0], str) else 7])))
    for path in required_keys(schema, data):
        out.append((f"{dotted(path)} deleted", path, delete_at(data, path)))
    return out


def sample(base: Path, count: int, seed: int, *, all_found: bool = False
           ) -> list[tuple[str, Path_, dict]]:
    """At least ``count`` mutations of ``base``: a seeded sample of ``count`` (every one with
    ``all_found``), topped up with out-of-range values of random magnitude if there are fewer."""
    data = base_config(base)
    found = mutations(data)
    rng = random.Random(seed)
    if len(found) >= count:
        return found if all_found else rng.sample(found, count)
    schema = schema_of(data)
    numeric = [p for p, v in leaves(data) if is_number(v) and not is_literal(schema, data, p)]
    extra = []
    while len(found) + len(extra) < count:
        path = rng.choice(numeric)
        b = leaf_bounds(schema, data, path)
        k = rng.randint(1, 300)
        v = (int(b.hi) + rng.randint(1, 10**k) if b.is_int else b.hi + 10.0 ** rng.uniform(-3, k)
             ) if rng.random() < 0.5 else (
            int(b.lo) - rng.randint(1, 10**k) if b.is_int else b.lo - 10.0 ** rng.uniform(-3, k))
        extra.append((f"{dotted(path)} = {v!r}"[:120], path, set_at(data, path, v)))
    return found + extra


def _write(path: Path, data: dict) -> None:
    text = tomli_w.dumps(data)
    path.write_text(text.replace(f'"{BIG}"', "9" * 5000), encoding="utf-8")


def _fuzz(base: Path, count: int, tmp_path: Path, monkeypatch, *, all_found=False) -> int:
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / f"{base.stem}.toml"
    accepted, checked = [], 0
    for what, path, data in sample(base, count, seed=sum(map(ord, base.stem)),
                                   all_found=all_found):
        _write(cfg, data)
        before = tree(tmp_path)
        outcome = run_cli(["validate", str(cfg)])
        if outcome.code == 0:
            accepted.append(what)
            continue
        top = str(path[0]) if path else ""
        # a missing input file is named itself (with the field of the config naming it)
        names = (str(cfg), *(str(v) for _, v in leaves(data) if isinstance(v, str)
                             and v.endswith(".missing")))
        line = assert_bad_input(outcome, names=names)
        assert top in line, f"{what}: the error does not name {top}: {line}"
        outcome = run_cli(["run", str(cfg), "--out", "out", "--quiet"])
        line = assert_bad_input(outcome, names=names)
        assert top in line, f"{what}: the error does not name {top}: {line}"
        assert tree(tmp_path) == before, f"{what}: something was written"
        checked += 1
    assert not accepted, f"{len(accepted)} mutations were accepted: {accepted[:20]}"
    COUNTS["configs"] += checked
    return checked


@pytest.mark.parametrize("base", EXPERIMENTS, ids=lambda p: p.stem)
def test_config_fuzz_sample(base, tmp_path, monkeypatch):
    assert _fuzz(base, FAST_PER_BASE, tmp_path, monkeypatch) == FAST_PER_BASE


@pytest.mark.slow
@pytest.mark.parametrize("base", EXPERIMENTS, ids=lambda p: p.stem)
def test_config_fuzz(base, tmp_path, monkeypatch):
    """Every mutation of every experiment file, at least PER_BASE each: QUOTA or more in all."""
    assert PER_BASE * len(EXPERIMENTS) >= QUOTA
    assert _fuzz(base, PER_BASE, tmp_path, monkeypatch, all_found=True) >= PER_BASE
