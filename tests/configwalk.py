"""Walk experiment configs and their schemas: numeric leaves, the range each accepts, edits.

Shared by the bounds tests (every accepted extreme runs or is refused cleanly) and the config
fuzz (every mutation that is bad by construction gets the bad-input contract). A base config is
the *resolved* config of a shipped experiment (every default explicit), with the paths it names
made absolute so that a copy runs from any folder.
"""

from __future__ import annotations

import copy
import math
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from neosim.config import resolved_dict
from neosim.experiments import load_experiment, schema_for_kind

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.toml"))

Path_ = tuple[str | int, ...]


def base_config(path: Path) -> dict[str, Any]:
    """The resolved config of ``path`` with every path it names made absolute."""
    data = resolved_dict(load_experiment(path))

    def fix(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: fix(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        if isinstance(value, str) and 0 < len(value) < 200 and "\n" not in value:
            try:
                if (path.parent / value).is_file():
                    return str((path.parent / value).resolve())
            except OSError:
                pass
        return value

    return fix(data)


def schema_of(data: dict[str, Any]) -> type[BaseModel]:
    return schema_for_kind(data["experiment"]["kind"])


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def leaves(data: Any, prefix: Path_ = ()) -> list[tuple[Path_, Any]]:
    """Every leaf ``(path, value)`` of a nested dict/list."""
    if isinstance(data, dict):
        return [x for k, v in data.items() for x in leaves(v, (*prefix, k))]
    if isinstance(data, list) and data:
        return [x for i, v in enumerate(data) for x in leaves(v, (*prefix, i))]
    return [(prefix, data)]


def tables(data: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every table (dict) path, the root included."""
    out = []
    if isinstance(data, dict):
        out.append(prefix)
        for k, v in data.items():
            out += tables(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += tables(v, (*prefix, i))
    return out


def get_at(data: Any, path: Path_) -> Any:
    for p in path:
        data = data[p]
    return data


def set_at(data: dict, path: Path_, value: Any) -> dict:
    """A deep copy of ``data`` with the leaf at ``path`` replaced."""
    out = copy.deepcopy(data)
    get_at(out, path[:-1])[path[-1]] = value
    return out


def delete_at(data: dict, path: Path_) -> dict:
    out = copy.deepcopy(data)
    del get_at(out, path[:-1])[path[-1]]
    return out


def dotted(path: Path_) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else ("." if out else "") + p
    return out


# --------------------------------------------------------------------------------------------
# Schema side: the type and constraints behind a path
# --------------------------------------------------------------------------------------------


@dataclass
class Bounds:
    """The accepted range of a numeric leaf."""

    is_int: bool
    lo: float | None = None
    lo_open: bool = False
    hi: float | None = None
    hi_open: bool = False

    def extremes(self) -> list[float | int]:
        """Smallest and largest accepted values and a few in between."""
        lo, hi = self.lo, self.hi
        if self.is_int:
            lo = int(lo) + (1 if self.lo_open else 0)
            hi = int(hi) - (1 if self.hi_open else 0)
            mids = {lo + (hi - lo) // 1000, (lo + hi) // 2} if hi > lo else set()
            return sorted({lo, hi, *mids})
        lo = math.nextafter(lo, math.inf) if self.lo_open else float(lo)
        hi = math.nextafter(hi, -math.inf) if self.hi_open else float(hi)
        mids = {0.5 * (lo + hi)}
        if lo > 0:
            mids.add(math.sqrt(lo * hi))
        return sorted({lo, hi, *mids})

    def outside(self) -> list[float | int]:
        """Values just outside the range (each bad by construction)."""
        out = []
        if self.is_int:
            out += [int(self.lo) - (0 if self.lo_open else 1), int(self.hi) + (0 if self.hi_open
                                                                               else 1)]
        else:
            out.append(self.lo if self.lo_open else math.nextafter(self.lo, -math.inf))
            out.append(self.hi if self.hi_open else math.nextafter(self.hi, math.inf))
            out += [self.lo - abs(self.lo) - 1.0, self.hi * 10.0 + 1.0]
        return out


def _unwrap(tp: Any, meta: list) -> tuple[Any, list]:
    while typing.get_origin(tp) is typing.Annotated:
        args = typing.get_args(tp)
        tp, meta = args[0], [*meta, *args[1:]]
    return tp, meta


def _members(tp: Any) -> list[Any]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return [m for m in typing.get_args(tp) if m is not type(None)]
    return [tp]


def _constraints(meta: list) -> list:
    out = []
    for m in meta:
        if isinstance(m, FieldInfo):
            out += _constraints(list(m.metadata))
        else:
            out.append(m)
    return out


def _pick(tp: Any, sample: Any) -> Any:
    """The member of a union that ``sample`` (the data at this level) belongs to."""
    members = _members(tp)
    if isinstance(sample, dict) and "family" in sample:  # a prior union: its family tag picks
        for m in members:
            base, _ = _unwrap(m, [])
            if (isinstance(base, type) and issubclass(base, BaseModel) and "family" in
                    base.model_fields and base.model_fields["family"].default == sample["family"]):
                return m
    for m in members:
        base, _ = _unwrap(m, [])
        origin = typing.get_origin(base) or base
        if isinstance(sample, dict) and (origin is dict or (isinstance(origin, type) and issubclass(
                origin, BaseModel))):
            return m
        if isinstance(sample, list) and origin is list:
            return m
        if is_number(sample) and origin in (int, float):
            return m
        if isinstance(sample, str) and origin is str:
            return m
    return members[0]


def field_type(schema: type[BaseModel], data: dict, path: Path_) -> tuple[Any, list]:
    """The (unwrapped) type and the constraints of the value at ``path`` of ``data``."""
    tp, meta = schema, []
    node: Any = data
    for p in path:
        tp, meta = _unwrap(tp, meta)
        tp, meta = _unwrap(_pick(tp, node), meta)
        origin = typing.get_origin(tp) or tp
        if isinstance(origin, type) and issubclass(origin, BaseModel):
            info = origin.model_fields[p]
            tp, meta = info.annotation, list(info.metadata)
        elif origin is list:
            tp, meta = typing.get_args(tp)[0], []
        elif origin is dict:
            tp, meta = typing.get_args(tp)[1], []
        else:
            raise KeyError(f"cannot descend into {tp} at {p!r}")
        node = node[p]
    tp, meta = _unwrap(tp, meta)
    tp, meta = _unwrap(_pick(tp, node), meta)
    return tp, _constraints(meta)


def is_literal(schema: type[BaseModel], data: dict, path: Path_) -> bool:
    """True when the leaf is one of a fixed set of values (``Literal``), not a range."""
    return typing.get_origin(field_type(schema, data, path)[0]) is typing.Literal


def bounds_of(tp: Any, constraints: list) -> Bounds:
    b = Bounds(is_int=tp is int)
    for c in constraints:
        if isinstance(c, at.Ge):
            b.lo, b.lo_open = c.ge, False
        elif isinstance(c, at.Gt):
            b.lo, b.lo_open = c.gt, True
        elif isinstance(c, at.Le):
            b.hi, b.hi_open = c.le, False
        elif isinstance(c, at.Lt):
            b.hi, b.hi_open = c.lt, True
        elif isinstance(c, at.Interval):
            for name in ("ge", "gt", "le", "lt"):
                if getattr(c, name) is not None:
                    return bounds_of(tp, [*constraints, getattr(at, name.capitalize())(
                        getattr(c, name))])
    return b


def leaf_bounds(schema: type[BaseModel], data: dict, path: Path_) -> Bounds:
    tp, constraints = field_type(schema, data, path)
    return bounds_of(tp, constraints)


def required_keys(schema: type[BaseModel], data: dict) -> list[Path_]:
    """Paths of keys of ``data`` that its schema requires."""
    out = []
    for table in tables(data):
        try:
            tp, _ = field_type(schema, data, table) if table else (schema, [])
        except KeyError:
            continue
        origin = typing.get_origin(tp) or tp
        if isinstance(origin, type) and issubclass(origin, BaseModel):
            node = get_at(data, table)
            out += [(*table, k) for k, f in origin.model_fields.items()
                    if f.is_required() and k in node]
    return out
