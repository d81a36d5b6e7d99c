"""Log-normal family: ``log T ~ Normal(log m, σ)`` with median ``lognormal_median_months`` m (by
subtype) and log-scale SD ``lognormal_sigma`` σ (shared by the subtypes), i.e. scipy's
``lognorm(s=σ, scale=m)``; with ``z = (log t - log m) / σ``:
``log S = log Φ(-z)`` and ``log h = log φ(z) - log(σ t) - log S``.

Its hazard rises then falls (a peak of early deaths after SCT, then a long plateau), which none
of the other families draws. Priors reuse the shared scale and shape entries of
:class:`~neosim.models.survival.Priors`: ``m ~ scale`` and ``σ ~ shape`` (both
log-normal priors). In a simulator config
(``[design.control]``) it is ``model = "lognormal"`` with ``median_months`` and ``shape`` (σ).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from neosim.models.families.base import SurvivalFamily, check_positive

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _log_upper_tail(z, xp):
    """``log Φ(-z)``, stable in both tails (numpy: SciPy's ``log_ndtr``; PyTensor: PyMC's)."""
    if xp is np:
        from scipy.special import log_ndtr

        return log_ndtr(-z)
    from pymc.distributions.dist_math import normal_lccdf

    return normal_lccdf(0.0, 1.0, z)


@dataclass(frozen=True)
class LogNormal(SurvivalFamily):
    """Log-normal event times; ``LogNormal(24.0, 1.2)`` (median 24 months, σ 1.2) is bound."""

    lognormal_median_months: float | None = None
    lognormal_sigma: float | None = None
    #: one sigma per subtype instead of one shared by all
    shape_per_subtype: bool = field(default=False, kw_only=True)

    name = "lognormal"
    parameters = ("lognormal_median_months", "lognormal_sigma")

    @property
    def shared(self) -> tuple[str, ...]:  # type: ignore[override]
        return () if self.shape_per_subtype else ("lognormal_sigma",)

    @classmethod
    def for_fitting(cls, cuts=(), *, shape_per_subtype: bool = False) -> LogNormal:
        return cls(shape_per_subtype=shape_per_subtype)
    config_keys: ClassVar[dict[str, str]] = {
        "lognormal_median_months": "median_months", "lognormal_sigma": "shape"}

    def __post_init__(self) -> None:
        for name in self.parameters:
            if getattr(self, name) is not None:
                check_positive(getattr(self, name), name)

    def values(self):
        return {"lognormal_median_months": self.lognormal_median_months,
                "lognormal_sigma": self.lognormal_sigma}

    @staticmethod
    def _z(t, p, xp):
        return (xp.log(t) - xp.log(p["lognormal_median_months"])) / p["lognormal_sigma"]

    def log_survival(self, t, p=None, xp=np):
        p = self._p(p)
        return _log_upper_tail(self._z(t, p, xp), xp)

    def log_hazard(self, t, p=None, xp=np):
        p = self._p(p)
        z = self._z(t, p, xp)
        return (-0.5 * z * z - _LOG_SQRT_2PI - xp.log(p["lognormal_sigma"]) - xp.log(t)
                - _log_upper_tail(z, xp))

    def cumulative_hazard(self, t):
        with np.errstate(divide="ignore"):
            return -self.log_survival(np.asarray(t, dtype=float))

    def inverse_cumulative_hazard(self, h):
        return self.time_at_survival(np.exp(-np.asarray(h, dtype=float)))

    def time_at_survival(self, u, p=None, **_):
        """Exactly: ``t = m exp(-σ Φ⁻¹(u))`` (``inf`` at ``u = 0``)."""
        from scipy.special import ndtri

        p = self._p(p)
        m = np.asarray(p["lognormal_median_months"], float)
        s = np.asarray(p["lognormal_sigma"], float)
        with np.errstate(over="ignore"):
            return m * np.exp(-s * ndtri(np.asarray(u, float)))

    def prior(self, name, priors):
        if name == "lognormal_sigma":
            return priors.shape
        return priors.scale
