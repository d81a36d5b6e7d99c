"""Experiment kind ``trial_simulation``: operating characteristics of survival trials by simulation.

Simulates every point of a grid of sample sizes × true hazard ratios (scenario ``i`` of the grid,
in row-major order n × HR, is seeded with ``scenario_index = i``), evaluates every configured
analysis on the same trials, optionally the assurance over a design prior (scenario indices after
the grid) and the smallest N reaching a target power/assurance, and writes ``simulation.nc``,
``summary.csv``, ``findings.json`` and power/assurance curves.

The control arm may be "informed by pooled evidence": ``trial.control.prior`` names a prior file
whose central value sets the true control hazard (a beta mixture on ``survival_probability_<T>m``:
``λ = -log(E[S])/T``; a gamma mixture or hazard draws: their mean), the same file can be the
control prior of a Bayesian analysis (borrowing) and the design prior of the assurance.

The kind is a package: :mod:`.schema` (``Config``, light), :mod:`.prepare` (``Prepared``,
``prepare``) and :mod:`.run` (``execute``).
"""

from neosim.experiments.trial_simulation.prepare import Prepared, prepare
from neosim.experiments.trial_simulation.run import execute
from neosim.experiments.trial_simulation.schema import Config

__all__ = ["Config", "Prepared", "execute", "prepare"]
