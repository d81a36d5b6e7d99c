"""neosim: Bayesian statistics and trial planning for ultra-rare childhood leukaemia.

The public Python API is the names in ``__all__``, imported as ``import neosim as ns``::

    ns.TrialDesign, ns.sample_size, ns.power, ns.simulate, ns.accrual   # trial design
    ns.group_sequential_design, ns.SequentialPlan, ns.GroupSequentialDesign  # interim looks
    ns.bayesian_adaptive, ns.calibrate_thresholds                       # Bayesian adaptive
    ns.fit_proportions, ns.fit_survival, ns.pool, ns.ess                # Bayesian fits
    ns.kaplan_meier, ns.logrank                                         # nonparametric survival
    ns.Beta, ns.Gamma, ns.Normal, ns.LogNormal, ns.HalfNormal,          # priors (neosim.priors)
    ns.HalfStudentT, ns.Mixture, ns.parse_prior, ns.read_prior, ns.write_prior
    ns.run, ns.read_run, ns.read_simulation, ns.read_posterior          # configured experiments

Each name is loaded on first use (PEP 562), so ``import neosim`` stays light: the command line
never pays for PyMC, SciPy, ArviZ or matplotlib unless a command needs them. The code lives in
:mod:`neosim.api` (thin functions over the models, design and simulation modules); see
``ARCHITECTURE.md`` for the module map.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("neosim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

#: public name -> module that defines it (loaded on first attribute access)
_LAZY = {
    "TrialDesign": "neosim.design.spec",
    "sample_size": "neosim.api.design",
    "power": "neosim.api.design",
    "EventPower": "neosim.api.design",
    "accrual": "neosim.api.design",
    "group_sequential_design": "neosim.api.sequential",
    "SequentialPlan": "neosim.api.sequential",
    "GroupSequentialDesign": "neosim.api.sequential",
    "simulate": "neosim.api.simulation",
    "analyses": "neosim.api.simulation",
    "fit_proportions": "neosim.api.fit",
    "fit_survival": "neosim.api.fit",
    "pool": "neosim.api.pooling",
    "ess": "neosim.api.pooling",
    "Mixture": "neosim.priors",
    "Beta": "neosim.priors",
    "Gamma": "neosim.priors",
    "Normal": "neosim.priors",
    "LogNormal": "neosim.priors",
    "HalfNormal": "neosim.priors",
    "HalfStudentT": "neosim.priors",
    "parse_prior": "neosim.priors",
    "read_prior": "neosim.priors",
    "write_prior": "neosim.priors",
    "run": "neosim.api.runs",
    "read_run": "neosim.api.runs",
    "read_simulation": "neosim.api.runs",
    "kaplan_meier": "neosim.api.survival",
    "logrank": "neosim.api.survival",
    "read_posterior": "neosim.api.runs",
    "Run": "neosim.api.runs",
    "bayesian_adaptive": "neosim.api.adaptive",
    "calibrate_thresholds": "neosim.api.adaptive",
}

__all__ = [
    "Beta", "EventPower", "Gamma", "GroupSequentialDesign", "HalfNormal", "HalfStudentT",
    "LogNormal", "Mixture", "Normal", "Run", "SequentialPlan", "TrialDesign", "__version__",
    "accrual", "analyses", "bayesian_adaptive", "calibrate_thresholds", "ess", "fit_proportions",
    "fit_survival", "group_sequential_design", "kaplan_meier", "logrank", "parse_prior", "pool",
    "power", "read_posterior", "read_prior", "read_run", "read_simulation", "run", "sample_size",
    "simulate", "write_prior",
]

if TYPE_CHECKING:  # static checkers and IDEs see the real objects
    from neosim.api.adaptive import bayesian_adaptive, calibrate_thresholds
    from neosim.api.design import EventPower, accrual, power, sample_size
    from neosim.api.fit import fit_proportions, fit_survival
    from neosim.api.pooling import ess, pool
    from neosim.api.runs import Run, read_posterior, read_run, read_simulation, run
    from neosim.api.sequential import GroupSequentialDesign, SequentialPlan, group_sequential_design
    from neosim.api.simulation import analyses, simulate
    from neosim.api.survival import kaplan_meier, logrank
    from neosim.design.spec import TrialDesign
    from neosim.priors import (
        Beta,
        Gamma,
        HalfNormal,
        HalfStudentT,
        LogNormal,
        Mixture,
        Normal,
        parse_prior,
        read_prior,
        write_prior,
    )


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'neosim' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
