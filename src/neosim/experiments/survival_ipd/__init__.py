"""Experiment kind ``survival_ipd``: parametric post-SCT survival from patient-level data.

Fits each listed family of :mod:`neosim.models.survival` (exponential, Weibull, piecewise
exponential, mixture cure) to the IPD of a CSV file (schema in :mod:`neosim.survival.ipd`) or to
a synthetic cohort drawn from a stated model (:mod:`neosim.survival.synthetic`), timed from SCT
(landmark) or from diagnosis, in the data's time unit (``[data] time_unit``, :mod:`neosim.units`:
every time-valued setting and label is in it, and month-stated defaults are converted to it).
Reports S(t) bands, S at the listed times, median survival and the cure fraction; compares the
families by PSIS-LOO; draws the bands over the Kaplan–Meier curve; and can export a fit's
posterior as a versioned design-prior file (:mod:`neosim.priors`), always per month.

The kind is a package: :mod:`.schema` (``Config``, light imports), :mod:`.prepare` (``Prepared``,
``prepare``: every input checked before a run folder exists) and :mod:`.run` (``execute``).
"""

from neosim.experiments.survival_ipd.prepare import Prepared, prepare
from neosim.experiments.survival_ipd.run import execute, sbc_models, sbc_spec
from neosim.experiments.survival_ipd.schema import Config

__all__ = ["Config", "Prepared", "execute", "prepare", "sbc_models", "sbc_spec"]
