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
"""

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
