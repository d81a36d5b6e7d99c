"""neosim: Bayesian statistics and trial planning for ultra-rare childhood leukaemia.

The package is organised so that experiments (configured runs) stay apart from models (PyMC
builders), trial design, simulation and plots; see ``ARCHITECTURE.md`` for the module map.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("neosim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["__version__"]
