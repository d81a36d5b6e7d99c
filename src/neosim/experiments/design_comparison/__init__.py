"""Experiment kind ``design_comparison``: a fixed, a group-sequential and a Bayesian adaptive
design of one ``[design]``, compared on one grid of hazard ratios and subjects under the
consortium accrual of an ``accrual`` experiment.

For every grid point the same simulated trials are analysed by the three designs: power (the
type-I error at ``theta_h0``, added to the grid), expected subjects, events and duration in
years, the probability of stopping early (for efficacy, for futility) and stopping by look,
each with its Monte-Carlo SE and, for the fixed and group-sequential designs, the analytic
value beside it. The kind is a package: :mod:`.schema` (``Config``), :mod:`.prepare`
(``Prepared``, ``prepare``), :mod:`.compute` (the statistics) and :mod:`.run` (``execute``).
"""

from neosim.experiments.design_comparison.prepare import Prepared, prepare
from neosim.experiments.design_comparison.run import compute, execute
from neosim.experiments.design_comparison.schema import Config

__all__ = ["Config", "Prepared", "compute", "execute", "prepare"]
