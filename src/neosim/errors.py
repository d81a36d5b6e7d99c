"""The project's error types.

Two kinds of failure reach a user, and the command line maps each to its own exit status:

* :class:`InputError` (exit status 2): something the user gave us is wrong (a config, a data file,
  a command-line value). Its message is one line naming the file and the field.
* :class:`CheckFailed` (exit status 1): the work finished, but a check the user asked for (for
  example the convergence gate) did not hold.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3

#: longest message, file and field shown in an error line (longer ones are cut with an ellipsis
#: in the middle); a whole line stays under 600 characters
MAX_MESSAGE = 340
MAX_FILE = 140
MAX_FIELD = 80


class NeosimError(Exception):
    """Base class of every error neosim raises on purpose."""

    exit_code = EXIT_INTERNAL


class InputError(NeosimError):
    """Bad input: a malformed file, an unknown key, a wrong type or an impossible value.

    Parameters
    ----------
    message
        What is wrong, in one sentence without a trailing full stop.
    file
        The file the bad value came from (or ``"command line"``), if any.
    field
        The dotted path of the offending field inside that file, if any.
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None):
        self.message = shorten(printable(" ".join(str(message).split())), MAX_MESSAGE)
        self.file = shorten(printable(file), MAX_FILE)
        self.field = shorten(printable(field), MAX_FIELD)
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [p for p in (self.file, self.field) if p]
        return ": ".join([*parts, self.message])

    def at(self, *, file: str | None = None, field: str | None = None) -> InputError:
        """Return a copy located at ``file`` / ``field`` where this error does not say yet.

        An error that already names its file keeps its own location (a field is a place in a
        file: the field of another file would mislead).
        """
        if self.file:
            return InputError(self.message, file=self.file, field=self.field)
        return InputError(self.message, file=file, field=self.field or field)


class PathError(InputError):
    """Bad input about a named file as a whole: a bad path, a missing, special, unreadable or
    oversized file. The mistake is where the file was named, so :meth:`at` moves the error to
    that place (the config file and its field) and keeps the path in the message.
    """

    def at(self, *, file: str | None = None, field: str | None = None) -> InputError:
        if file is None:
            return InputError(self.message, file=self.file, field=self.field or field)
        message = f"{self.file}: {self.message}" if self.file else self.message
        return InputError(message, file=file, field=field or self.field)


def shorten(text: str | None, limit: int) -> str | None:
    """``text`` cut to at most ``limit`` characters, its middle replaced by an ellipsis."""
    if text is None or len(text) <= limit:
        return text
    head = (limit - 1) * 2 // 3
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


def printable(text: str | None) -> str | None:
    """Escape control characters (a key named "a\nb" must not break the one-line contract)."""
    if text is None:
        return None
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in text)


class CheckFailed(NeosimError):
    """The run completed but a requested check (e.g. convergence) failed."""

    exit_code = EXIT_CHECK_FAILED
