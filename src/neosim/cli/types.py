"""Bounded command-line types: every number finite and in a stated range, every path checked.

click's ``FloatRange`` lets ``nan`` through (every comparison with NaN is false) and its ``Path``
lets a NUL byte reach ``os.stat`` (a ``ValueError``, not a usage error). These types refuse such
values with an :class:`~neosim.errors.InputError` located at ``command line`` and the flag (exit 2,
one line ``command line: --flag: message``). Light: click and the standard library only.
"""

from __future__ import annotations

import math
import re

import click

from neosim.errors import InputError
from neosim.inputs import check_path

_INT = re.compile(r"^[+-]?[0-9]{1,19}$")
_MAX_NUMBER_TEXT = 64


def _text(value: object, param, ctx, fail) -> str:
    text = str(value).strip()
    if "\x00" in text:
        fail("contains a NUL byte", param, ctx)
    if not text:
        fail("is empty", param, ctx)
    if len(text) > _MAX_NUMBER_TEXT:
        fail(f"is too long for a number ({len(text)} characters)", param, ctx)
    return text


def flag_name(param) -> str:
    """The name a user typed for ``param``: its longest option string, or the argument's name."""
    if param is None:
        return "value"
    if getattr(param, "opts", None) and param.param_type_name == "option":
        return max(param.opts, key=len)
    return param.human_readable_name


class _Fails:
    def fail(self, message, param=None, ctx=None):
        raise InputError(message, file="command line", field=flag_name(param))


def _range(lo: float, hi: float, lo_open: bool, hi_open: bool) -> str:
    return f"{'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"


class Real(_Fails, click.ParamType):
    """A finite float in ``[lo, hi]`` (either end open with ``lo_open`` / ``hi_open``)."""

    name = "number"

    def __init__(self, lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False):
        self.lo, self.hi, self.lo_open, self.hi_open = lo, hi, lo_open, hi_open

    def convert(self, value, param, ctx) -> float:
        if isinstance(value, float):
            x = value
        else:
            text = _text(value, param, ctx, self.fail)
            try:
                x = float(text)
            except ValueError:
                self.fail(f"{text!r} is not a number", param, ctx)
        if not math.isfinite(x):
            self.fail(f"must be a finite number (got {x})", param, ctx)
        below = x <= self.lo if self.lo_open else x < self.lo
        above = x >= self.hi if self.hi_open else x > self.hi
        if below or above:
            self.fail(f"{x:g} is outside {_range(self.lo, self.hi, self.lo_open, self.hi_open)}",
                      param, ctx)
        return x + 0.0  # -0.0 becomes 0.0


class Int(_Fails, click.ParamType):
    """A decimal integer in ``[lo, hi]`` (no exponent, at most 19 digits)."""

    name = "integer"

    def __init__(self, lo: int, hi: int):
        self.lo, self.hi = lo, hi

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            n = value
        else:
            text = _text(value, param, ctx, self.fail)
            if not _INT.match(text):
                self.fail(f"{text!r} is not a whole number", param, ctx)
            n = int(text)
        if not self.lo <= n <= self.hi:
            self.fail(f"{n} is outside [{self.lo:,}, {self.hi:,}]", param, ctx)
        return n


class InputPath(_Fails, click.Path):
    """``click.Path`` that first refuses a NUL byte, an over-long path or component."""

    def convert(self, value, param, ctx):
        try:
            check_path(value)
        except InputError as exc:
            self.fail(exc.message, param, ctx)
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            self.fail(exc.message, param, ctx)


def real_list(text: str | None, flag: str, *, lo: float, hi: float, max_items: int = 100,
              lo_open: bool = False) -> list[float] | None:
    """Comma-separated finite numbers in a range (``--accrual-time 0,6,18``), or ``None``."""
    if text is None:
        return None
    parts = [p for p in text.split(",") if p.strip()]
    if not parts:
        raise InputError("expected at least one number", file="command line", field=flag)
    if len(parts) > max_items:
        raise InputError(f"at most {max_items} numbers", file="command line", field=flag)
    kind = Real(lo, hi, lo_open=lo_open)
    out = []
    for p in parts:
        try:
            out.append(kind.convert(p, None, None))
        except InputError as exc:
            raise InputError(exc.message, file="command line", field=flag) from None
    return out
