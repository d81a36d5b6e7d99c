"""The one reader of every file a user names: bounded, non-blocking, and parsed without escapes.

Every loader of a user's file (experiment and cohort TOML, published tables, country tables, prior
JSON, IPD CSV, SBC targets) reads it through :func:`read_text`, which

* refuses a path with a NUL byte, longer than :data:`MAX_PATH` bytes, or with a component longer
  than :data:`MAX_NAME` bytes;
* opens the file with ``O_NONBLOCK`` (a FIFO never blocks) and checks with ``fstat`` that it is a
  regular file (FIFOs, devices such as ``/dev/zero``, sockets and directories are refused);
* reads at most the cap of its kind (:data:`CAPS`: 1 MiB for configs and tables, 64 MiB for
  prior files, IPD and the files of a run folder that ``neosim report`` reads), naming the cap
  when a file is larger;
* decodes UTF-8 (a leading byte-order mark is dropped) and refuses NUL characters.

:func:`parse_toml` and :func:`parse_json` turn every parser failure into the one-line
:class:`~neosim.errors.InputError` (a 5000-digit integer, nesting deeper than :data:`MAX_DEPTH`,
``NaN``/``Infinity``, duplicate JSON keys, a non-object top level) and check that every number is
finite and every integer fits in 64 bits (the TOML specification's range). Standard library only.
"""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from neosim.errors import InputError, PathError

MiB = 1024 * 1024
#: size cap (bytes) per kind of input file
CAPS: dict[str, int] = {"config": 1 * MiB, "table": 1 * MiB, "prior": 64 * MiB,
                        "ipd": 64 * MiB, "run": 64 * MiB}
#: longest accepted path and path component, in bytes (Linux PATH_MAX and NAME_MAX)
MAX_PATH = 4095
MAX_NAME = 255
#: deepest nesting of arrays and tables accepted in a TOML or JSON input
MAX_DEPTH = 32
_INT64 = 2**63
_WHAT = {"config": "TOML file", "table": "TOML file", "prior": "prior file",
         "ipd": "IPD file", "run": "run-folder file"}


def _mib(n: int) -> str:
    return f"{n / MiB:g} MiB"


def resolve_path(path: str | Path, config_file: str | Path) -> Path:
    """A path named in a config: as written when absolute, else relative to the folder of the
    config file that names it (never to the working directory).

    Examples
    --------
    >>> str(resolve_path("../priors/p.json", "experiments/a.toml"))
    'experiments/../priors/p.json'
    >>> str(resolve_path("/data/p.json", "experiments/a.toml"))
    '/data/p.json'
    """
    p = Path(path)
    return p if p.is_absolute() else Path(config_file).parent / p


def check_path(path: str | Path, *, field: str | None = None) -> str:
    """Refuse a path no file can have (NUL byte, over-long path or component); return it as text.

    Parameters
    ----------
    path
        The path as the user gave it.
    field
        Where the path came from (a flag or a config field), for the message.
    """
    text = os.fspath(path)
    if not text:
        raise PathError("empty path", field=field)
    if "\x00" in text:
        raise PathError("path contains a NUL byte", file=text, field=field)
    raw = os.fsencode(text)
    if len(raw) > MAX_PATH:
        raise PathError(f"path is longer than {MAX_PATH} bytes", file=text, field=field)
    if any(len(part) > MAX_NAME for part in raw.split(b"/")):
        raise PathError(f"a path component is longer than {MAX_NAME} bytes", file=text,
                         field=field)
    return text


def _open_regular(path: str | Path, kind: str) -> tuple[int, str]:
    """Open ``path`` read-only and non-blocking; refuse anything but a regular file."""
    file = check_path(path)
    what = _WHAT.get(kind, "file")

    def refuse(mode: int) -> InputError:
        name = ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        return PathError(f"is {name}, expected a {what} (a regular file)", file=file)

    try:  # refuse special files before opening them (opening a device can have effects) ...
        mode = os.stat(file).st_mode
        if not stat.S_ISREG(mode):
            raise refuse(mode)
        fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise PathError(f"{what} not found", file=file) from None
    except OSError as exc:
        why = "a symbolic link loop" if exc.errno == errno.ELOOP else exc.strerror or "error"
        raise PathError(f"cannot read file ({why})", file=file) from None
    try:  # ... and check again what was opened (it may have been swapped in between)
        mode = os.fstat(fd).st_mode
    except OSError as exc:
        os.close(fd)
        raise PathError(f"cannot read file ({exc.strerror})", file=file) from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise refuse(mode)
    return fd, file


def read_bytes(path: str | Path, *, kind: str) -> bytes:
    """The bytes of the regular file ``path``, at most ``CAPS[kind]`` of them.

    Raises
    ------
    InputError
        For a bad path, a missing or special file, or a file over the cap (the cap is named).
    """
    cap = CAPS[kind]
    fd, file = _open_regular(path, kind)
    try:
        with os.fdopen(fd, "rb", closefd=True) as fh:
            data = fh.read(cap + 1)
    except OSError as exc:
        raise PathError(f"cannot read file ({exc.strerror})", file=file) from None
    if len(data) > cap:
        raise PathError(f"file is larger than the {_mib(cap)} limit for a "
                         f"{_WHAT.get(kind, 'file')}", file=file)
    return data


def read_text(path: str | Path, *, kind: str) -> str:
    """:func:`read_bytes` decoded as UTF-8 (a byte-order mark dropped, NUL refused)."""
    data = read_bytes(path, kind=kind)
    file = os.fspath(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", file=file) from None
    if "\x00" in text:
        raise InputError(f"contains a NUL character (at character {text.index(chr(0))}); "
                         "not a text file", file=file)
    return text


def file_sha256(path: str | Path) -> str | None:
    """SHA-256 of a regular file (streamed), or ``None`` when ``path`` names no regular file."""
    try:
        fd, _ = _open_regular(path, "config")
    except InputError:
        return None
    h = hashlib.sha256()
    try:
        with os.fdopen(fd, "rb", closefd=True) as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def check_values(data: Any, *, file: str) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH`, integers beyond 64 bits, non-finite floats."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                raise InputError(f"nested deeper than {MAX_DEPTH} levels", file=file,
                                 field=where or None)
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for k, v in items:
                sub = f"{where}[{k}]" if isinstance(k, int) else (f"{where}.{k}" if where else k)
                stack.append((v, sub, depth + 1))
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int) and not -_INT64 <= value < _INT64:
            raise InputError("integer out of the 64-bit range", file=file, field=where or None)
        elif isinstance(value, float) and not math.isfinite(value):
            raise InputError(f"not a finite number (got {value})", file=file, field=where or None)


def parse_toml(text: str, *, file: str) -> dict[str, Any]:
    """Parse TOML ``text``; every failure (syntax, huge integer, deep nesting) is an InputError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"malformed TOML: {exc}", file=file) from None
    except ValueError:  # int() of thousands of digits
        raise InputError("malformed TOML: an integer of thousands of digits (out of the 64-bit "
                         "range)", file=file, field=_long_integer_field(text)) from None
    except RecursionError:
        raise InputError(f"malformed TOML: nested deeper than {MAX_DEPTH} levels",
                         file=file) from None
    check_values(data, file=file)
    return data


_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\".]+)\s*=")
_LONG_INT = re.compile(r"[0-9_]{4300,}")


def _long_integer_field(text: str) -> str | None:
    """The dotted key (its table and the key of its line, or of the array it continues) of the
    first integer of 4300+ digits, if any: the parser itself does not say where it was."""
    table, key = "", ""
    for line in text.splitlines():
        if m := _TABLE.match(line):
            table, key = m.group(1).replace('"', ""), ""
            continue
        if m := _KEY.match(line):
            key = m.group(1).replace('"', "")
        if _LONG_INT.search(line):
            return ".".join(p for p in (table, key) if p) or None
    return None


def load_toml(path: str | Path, *, kind: str = "config") -> dict[str, Any]:
    """Read (:func:`read_text`) and parse (:func:`parse_toml`) a TOML file."""
    return parse_toml(read_text(path, kind=kind), file=os.fspath(path))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number neosim accepts")


def _int(text: str) -> int:
    if len(text.lstrip("-")) > 19:
        raise ValueError(f"integer of {len(text)} digits out of the 64-bit range")
    return int(text)


def _float(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):
        raise ValueError(f"number {text[:30]} overflows")
    return x


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k[:60]!r}")
        out[k] = v
    return out


def parse_json(text: str, *, file: str) -> dict[str, Any]:
    """Parse a JSON object; NaN/Infinity, duplicate keys, huge numbers, deep nesting and a
    non-object top level are each a one-line InputError naming ``file``."""
    try:
        data = json.loads(text, parse_constant=_no_constant, parse_int=_int,
                          parse_float=_float, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc}", file=file) from None
    except ValueError as exc:
        raise InputError(f"malformed JSON: {exc}", file=file) from None
    except RecursionError:
        raise InputError(f"malformed JSON: nested deeper than {MAX_DEPTH} levels",
                         file=file) from None
    if not isinstance(data, dict):
        raise InputError(f"expected a JSON object at the top level (got {type(data).__name__})",
                         file=file)
    check_values(data, file=file)
    return data


def load_json(path: str | Path, *, kind: str = "prior") -> dict[str, Any]:
    """Read (:func:`read_text`) and parse (:func:`parse_json`) a JSON object file."""
    return parse_json(read_text(path, kind=kind), file=os.fspath(path))
