"""Experiment kind ``accrual``: how many countries and years it takes to enrol N patients.

Countries come from tables in ``configs/countries/`` (annual live births with year, source and
evidence code); each site adds planning assumptions (participation fraction, activation month,
ramp-up). The incidence per million live births is a number, posterior draws from a prior file
(``neosim-prior/1``, kind ``draws``), or a Gamma posterior from a registry count and its birth
exposure, with unread birth counts given as explicit intervals. Enrolment is a Poisson process
(:mod:`neosim.design.accrual`); the run reports the time to enrol each target N and the number
enrolled by each date (median, 80 % and 95 % bands), checks the bands against simulation, and,
with a ``[tradeoff]`` table, the subjects a survival design needs for each accrual duration and
the probability that the consortium enrols them in time.

The kind is a package: :mod:`.schema` (``Config``, light imports), :mod:`.prepare` (``Prepared``,
``prepare``: every input checked before a run folder exists) and :mod:`.run` (``execute``).
"""

from neosim.experiments.accrual.prepare import Prepared, prepare
from neosim.experiments.accrual.run import compute, execute, project, simulation_check
from neosim.experiments.accrual.schema import Config, CountryFile, CountryTable

__all__ = ["Config", "CountryFile", "CountryTable", "Prepared", "compute", "execute", "prepare",
           "project", "simulation_check"]
