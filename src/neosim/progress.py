"""Progress display on stderr (rich); silent with ``--quiet``.

Work reports progress through a :class:`Progress` object so the same code runs quietly in tests,
with bars in a terminal, and with plain one-line stage messages when stderr is not a terminal.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator


class Progress:
    """Stage and bar reporting. ``Progress(quiet=True)`` does nothing."""

    #: widest description shown beside a bar, so that a bar line fits 80 columns
    DESCRIPTION_WIDTH = 34

    def __init__(self, *, quiet: bool = False, console=None):
        self.quiet = quiet
        self._rich = None
        if not quiet and (console is not None or sys.stderr.isatty()):
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import (
                Progress as RichProgress,
            )

            self._rich = RichProgress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=16),
                MofNCompleteColumn(), TimeElapsedColumn(),
                console=console or Console(stderr=True), transient=False,
            )

    def __enter__(self) -> Progress:
        if self._rich is not None:
            self._rich.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._rich is not None:
            self._rich.stop()

    def _fit(self, description: str) -> str:
        """The description cut to :attr:`DESCRIPTION_WIDTH` characters (with an ellipsis)."""
        w = self.DESCRIPTION_WIDTH
        return description if len(description) <= w else description[: w - 1] + "…"

    def note(self, text: str) -> None:
        """One line worth knowing about (e.g. a discarded checkpoint); nothing when quiet."""
        if self.quiet:
            return
        if self._rich is not None:
            self._rich.console.print(f"neosim: {text}", markup=False, highlight=False)
        else:
            print(f"neosim: {text}", file=sys.stderr, flush=True)

    @contextlib.contextmanager
    def stage(self, description: str) -> Iterator[None]:
        """Show one stage of work (a spinner, or a plain line when not a terminal)."""
        if self.quiet:
            yield
            return
        if self._rich is None:
            t0 = time.perf_counter()
            print(f"neosim: {description} ...", file=sys.stderr, flush=True)
            yield
            print(f"neosim: {description} done ({time.perf_counter() - t0:.1f} s)",
                  file=sys.stderr, flush=True)
            return
        task = self._rich.add_task(self._fit(description), total=1)
        try:
            yield
        finally:
            self._rich.update(task, completed=1)

    @contextlib.contextmanager
    def bar(self, description: str, total: int) -> Iterator[callable]:
        """A progress bar over ``total`` units; yields ``advance(n=1)``."""
        if self.quiet or self._rich is None:
            with self.stage(description):
                yield lambda n=1: None
            return
        task = self._rich.add_task(self._fit(description), total=total)
        yield lambda n=1: self._rich.advance(task, n)
