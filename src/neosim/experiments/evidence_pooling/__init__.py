"""Experiment kind ``evidence_pooling``: pool published cohorts into a MAP prior.

Steps: published figures (packaged table or a file of the same schema) are turned into study
likelihoods on the logit scale with every assumption stated (:mod:`neosim.models.evidence`); the
hierarchical random-effects model is fitted with NUTS (:mod:`neosim.models.pooling`) and checked
against a deterministic numerical integration of the same model
(:mod:`neosim.models.pooling_quadrature`); the MAP prior of a new cohort is drawn, approximated by a
beta mixture fitted by EM with the number of components chosen by AIC/BIC, checked against the
draws' quantiles, robustified with a vague component, and saved as a prior file
(``priors/<name>.json``, plus ``priors/<name>_nonrobust.json``); effective sample sizes (moment
and ELIR) are reported; leave-one-study-out and prior-on-τ (and optionally time-conversion)
sensitivity runs use the numerical integration.

The kind is a package: :mod:`.schema` (``Config``, light imports), :mod:`.prepare` (``Prepared``,
``prepare``: every input checked before a run folder exists) and :mod:`.run` (``execute``).
"""

from neosim.experiments.evidence_pooling.prepare import Prepared, prepare
from neosim.experiments.evidence_pooling.run import execute, sbc_spec
from neosim.experiments.evidence_pooling.schema import Config

__all__ = ["Config", "Prepared", "execute", "prepare", "sbc_spec"]
