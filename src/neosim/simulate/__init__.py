"""Vectorised trial simulation: power, type-I error, Bayesian operating characteristics without
MCMC per trial, assurance and sample-size search.

Layers (each a plain function over plain arrays):

* :mod:`~neosim.simulate.models` and :mod:`~neosim.simulate.scenario`: the input, in months;
* :mod:`~neosim.simulate.engine`: seeded blocks of trials → per-trial statistics
  (compiled kernels in :mod:`~neosim.simulate.kernels`);
* :mod:`~neosim.simulate.analyses`: decision rules on those statistics (frequentist and
  conjugate Bayesian); :mod:`~neosim.simulate.prior_io` puts prior files on their scales;
* :mod:`~neosim.simulate.oc`: operating characteristics with MC standard errors, assurance,
  sample-size search; :mod:`~neosim.simulate.validation`: the MCMC check of the fast path.

Importing this package is light (numpy only); numba, scipy and PyMC load when first used.

The package is also callable: ``neosim.simulate(design, ...)`` is
:func:`neosim.api.simulation.simulate` (the public entry point). Python binds a subpackage to the
parent's attribute of the same name on import, so the public function and this package share the
name ``neosim.simulate``; making the package callable keeps both meanings working.
"""

import sys
import types
from typing import Any

from neosim.simulate.models import (
    Accrual,
    Cure,
    Exponential,
    PiecewiseExponential,
    Weibull,
    survival,
)
from neosim.simulate.scenario import DesignPrior, TrialScenario

__all__ = [
    "Accrual", "Cure", "DesignPrior", "Exponential", "PiecewiseExponential", "TrialScenario",
    "Weibull", "survival",
]


class _CallablePackage(types.ModuleType):
    """This package's module type: calling it runs :func:`neosim.api.simulation.simulate`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from neosim.api.simulation import simulate

        return simulate(*args, **kwargs)

    @property
    def __signature__(self) -> Any:  # what help() and notebooks show for neosim.simulate(...)
        import inspect

        from neosim.api.simulation import simulate

        return inspect.signature(simulate)


sys.modules[__name__].__class__ = _CallablePackage
