"""``python -m neosim.cli``: the ``neosim`` command."""

from neosim.cli import console

console()
