"""The bad-input contract, checked in process so that thousands of generated inputs stay cheap.

Every bad input (a config, a referenced file, a command-line flag) must give exit status 2, exactly
one line on stderr that names the file (or ``command line``) and the field or flag, no traceback,
no hang, and nothing written. :func:`run_cli` runs ``neosim`` in this process with a time limit;
:func:`assert_bad_input` checks the contract; :data:`COUNTS` tallies the generated inputs per fuzz
area and ``conftest.pytest_terminal_summary`` prints the total.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from neosim.cli import main

#: generated bad inputs checked in this test session, by fuzz area
COUNTS: Counter[str] = Counter()


class Hang(Exception):
    """Raised inside :func:`run_cli` when a command runs past its time limit."""


@dataclass(frozen=True)
class CliOutcome:
    """What one in-process ``neosim`` call gave."""

    argv: tuple[str, ...]
    code: int
    stdout: str
    stderr: str


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def _raise(signum, frame):
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_cli(argv: list[str], *, timeout: float = 20.0) -> CliOutcome:
    """Run ``neosim argv`` in this process; a run past ``timeout`` seconds raises :class:`Hang`."""
    out, err = io.StringIO(), io.StringIO()
    code: int | None = 0
    with _time_limit(timeout), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(argv))
        except SystemExit as exc:
            code = exc.code
    return CliOutcome(tuple(argv), 0 if code is None else int(code), out.getvalue(),
                      err.getvalue())


def tree(root: Path) -> set[str]:
    """Every path below ``root`` (relative), to show that a refused input wrote nothing."""
    return {str(p.relative_to(root)) for p in Path(root).rglob("*")}


def assert_bad_input(outcome: CliOutcome, *, names: tuple[str, ...] = ()) -> str:
    """Check the bad-input contract for one call and return its stderr line.

    ``names``: strings of which at least one must appear in the line (the file, ``command line``,
    a flag).
    """
    where = f"neosim {' '.join(outcome.argv)[:300]}"
    assert outcome.code == 2, f"{where}: exit {outcome.code}, stderr {outcome.stderr[:500]!r}"
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, f"{where}: {len(lines)} stderr lines: {outcome.stderr[:800]!r}"
    line = lines[0]
    assert "Traceback" not in line and "internal error" not in line, f"{where}: {line}"
    assert len(line) <= 600, f"{where}: error line of {len(line)} characters"
    if names:
        assert any(n in line for n in names), f"{where}: names none of {names}: {line}"
    return line


def environment_is_clean() -> bool:
    """True when no NEOSIM_* variable could change what a command does."""
    return not any(k.startswith("NEOSIM_") for k in os.environ)
