"""Vectorised trial simulation: power, type-I error, Bayesian operating characteristics without
MCMC per trial, assurance and sample-size search.

Layers (each a plain function over plain arrays):

* :mod:`~neosim.simulator.models` and :mod:`~neosim.simulator.scenario`: the input, in months;
* :mod:`~neosim.simulator.engine`: seeded blocks of trials → per-trial statistics
  (compiled kernels in :mod:`~neosim.simulator.kernels`);
* :mod:`~neosim.simulator.analyses`: decision rules on those statistics (frequentist and
  conjugate Bayesian); :mod:`~neosim.simulator.prior_io` puts prior files on their scales;
* :mod:`~neosim.simulator.sequential`: group-sequential looks (per-look statistics from
  :mod:`~neosim.simulator.seq_kernels`), stopping rules and their operating characteristics;
* :mod:`~neosim.simulator.oc`: operating characteristics with MC standard errors, assurance,
  sample-size search; :mod:`~neosim.simulator.validation`: the MCMC check of the fast path.

Importing this package is light (numpy only); numba, scipy and PyMC load when first used.
"""

from neosim.simulator.models import (
    Accrual,
    Cure,
    Exponential,
    PiecewiseExponential,
    Weibull,
    survival,
)
from neosim.simulator.scenario import DesignPrior, Looks, TrialScenario

__all__ = [
    "Accrual", "Cure", "DesignPrior", "Exponential", "Looks", "PiecewiseExponential",
    "TrialScenario", "Weibull", "survival",
]
