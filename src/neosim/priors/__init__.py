"""Priors, defined once: the distributions (:mod:`~neosim.priors.dists`: one pydantic model per
family that builds its PyMC variable, samples in numpy, gives pdf/cdf/quantile/mean and labels
itself), their validation from a TOML/JSON table (:mod:`~neosim.priors.spec`), their mixtures
(:mod:`~neosim.priors.mixture`) and the ``neosim-prior/1`` files that carry them between fits
and designs (:mod:`~neosim.priors.files`).

Every config prior section and every model takes its priors from here; no other module defines
a prior distribution. Light to import (numpy and pydantic; SciPy and PyMC load inside methods).
"""

from neosim.priors.dists import (
    Beta,
    Distribution,
    Gamma,
    HalfNormal,
    HalfStudentT,
    LogNormal,
    Normal,
)
from neosim.priors.files import SCHEMA, Component, PriorFile, Source, read_prior, write_prior
from neosim.priors.mixture import Mixture, mixture_of
from neosim.priors.spec import FAMILIES, MixtureTable, Prior, bounded, one_of, parse_prior

__all__ = ["FAMILIES", "SCHEMA", "Beta", "Component", "Distribution", "Gamma", "HalfNormal",
           "HalfStudentT", "LogNormal", "Mixture", "MixtureTable", "Normal", "Prior", "PriorFile",
           "Source", "bounded", "mixture_of", "one_of", "parse_prior", "read_prior",
           "write_prior"]
