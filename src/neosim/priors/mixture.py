"""Mixtures of conjugate priors (beta, gamma or normal components), vectorised: the prior of a
proportion, a hazard or a log hazard ratio borrowed from a fit, and of every conjugate update.

A mixture is built from parameter arrays (``Mixture("beta", weights, a, b)``, what the EM fits
and the conjugate updates produce), from components (``Mixture.of([Beta(12, 8), Beta(1, 1)],
[0.8, 0.2])``) or from a prior file (:func:`mixture_of`); :meth:`Mixture.components` gives the
components back as :mod:`neosim.priors.dists` objects and :meth:`Mixture.to_file` a prior file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from neosim.errors import InputError
from neosim.priors.dists import Beta, Distribution, Gamma, Normal
from neosim.priors.files import PriorFile

#: the conjugate families a mixture holds, with their component class
COMPONENT = {"beta": Beta, "gamma": Gamma, "normal": Normal}


class Mixture:
    """A mixture of conjugate densities (beta, gamma or normal) with vectorised operations.

    Parameters
    ----------
    family : str
        ``"beta"``, ``"gamma"`` (shape ``a``, rate ``b``) or ``"normal"`` (mean, sd).
    weights : array_like
        Component weights (summing to 1).
    p1, p2 : array_like
        Per component: ``a`` and ``b`` (beta, gamma) or mean and sd (normal).

    Examples
    --------
    >>> import numpy as np
    >>> import neosim as ns
    >>> robust = ns.Mixture("beta", [0.8, 0.2], [12.0, 1.0], [8.0, 1.0])
    >>> round(robust.mean(), 4)   # 0.8 * 12/20 + 0.2 * 1/2
    0.58
    >>> robust.sample(3, np.random.default_rng(0)).shape
    (3,)
    >>> robust.label()
    '0.8 Beta(12, 8) + 0.2 Beta(1, 1)'
    >>> round(float(robust.quantile(robust.cdf(0.3))), 9)   # by bisection on the CDF
    0.3
    >>> ns.Mixture.of([ns.Beta(12, 8), ns.Beta(1, 1)], [0.8, 0.2]).label() == robust.label()
    True
    """

    def __init__(self, family: str, weights, p1, p2):
        if family not in COMPONENT:
            raise ValueError(f"a mixture's family is one of {', '.join(COMPONENT)} "
                             f"(got {family!r})")
        self.family = family
        self.weights = np.asarray(weights, dtype=float)
        self.p1 = np.asarray(p1, dtype=float)  # a (beta/gamma) or mean (normal)
        self.p2 = np.asarray(p2, dtype=float)  # b (beta: beta, gamma: rate) or sd (normal)
        if not (self.weights.shape == self.p1.shape == self.p2.shape) or self.weights.ndim != 1:
            raise ValueError("weights and parameters must be 1-d arrays of equal length")
        if abs(self.weights.sum() - 1.0) > 1e-6:
            raise ValueError("mixture weights must sum to 1")

    @classmethod
    def of(cls, components: Sequence[Distribution], weights=None) -> Mixture:
        """The mixture of ``components`` (all beta, all gamma or all normal) with ``weights``
        (default: a single component of weight 1)."""
        components = list(components)
        families = {c.family for c in components}
        if len(families) != 1 or not families <= set(COMPONENT):
            raise ValueError("a mixture's components are all beta, all gamma or all normal")
        weights = [1.0] * len(components) if weights is None and len(components) == 1 \
            else weights
        pars = np.array([list(c.params().values()) for c in components], dtype=float)
        return cls(families.pop(), weights, pars[:, 0], pars[:, 1])

    @property
    def components(self) -> list[Distribution]:
        """The components as prior objects (:class:`Beta`, :class:`Gamma` or :class:`Normal`)."""
        return [COMPONENT[self.family](float(x), float(y))
                for x, y in zip(self.p1, self.p2, strict=True)]

    def label(self) -> str:
        """``"0.8 Beta(12, 8) + 0.2 Beta(1, 1)"``; a single component is its own label."""
        parts = [c.label() for c in self.components]
        if len(parts) == 1:
            return parts[0]
        return " + ".join(f"{w:.3g} {p}" for w, p in zip(self.weights, parts, strict=True))

    def __repr__(self) -> str:
        return f"Mixture({self.label()})"

    def _dists(self):
        from scipy import stats

        if self.family == "beta":
            return stats.beta(self.p1, self.p2)
        if self.family == "gamma":
            return stats.gamma(self.p1, scale=1.0 / self.p2)
        return stats.norm(self.p1, self.p2)

    def pdf(self, x):
        x = np.asarray(x, dtype=float)
        return np.sum(self.weights * self._dists().pdf(x[..., None]), axis=-1)

    def logpdf(self, x):
        from scipy.special import logsumexp

        x = np.asarray(x, dtype=float)
        return logsumexp(np.log(self.weights) + self._dists().logpdf(x[..., None]), axis=-1)

    def cdf(self, x):
        x = np.asarray(x, dtype=float)
        return np.sum(self.weights * self._dists().cdf(x[..., None]), axis=-1)

    def mean(self) -> float:
        return float(np.sum(self.weights * self._dists().mean()))

    def variance(self) -> float:
        """Variance (law of total variance)."""
        a, b, w = self.p1, self.p2, self.weights
        if self.family == "beta":
            m = a / (a + b)
            v = a * b / ((a + b) ** 2 * (a + b + 1))
        elif self.family == "gamma":
            m, v = a / b, a / b**2
        else:
            m, v = a, b**2
        mean = float(np.sum(w * m))
        return float(np.sum(w * (v + (m - mean) ** 2)))

    def quantile(self, q, *, tol: float = 1e-12) -> np.ndarray:
        """Quantiles by bisection on the CDF (bracketed by the support, or 50 SDs around the
        mean, widened until it holds ``q``)."""
        probs = np.asarray(q, dtype=float)
        if self.family == "beta":
            lo, hi = np.zeros_like(probs), np.ones_like(probs)
        else:
            m = self.mean()
            sd = np.sqrt(self.variance())
            lo = np.full_like(probs, 0.0 if self.family == "gamma" else m - 50 * sd)
            hi = np.full_like(probs, m + 50 * sd)
            while np.any(self.cdf(hi) < probs):
                hi = np.where(self.cdf(hi) < probs, 2 * hi - lo, hi)
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            below = self.cdf(mid) < probs
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
            if np.max(hi - lo) < tol:
                break
        return 0.5 * (lo + hi)

    def sample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        """Draws: the component indices first (``rng.choice``), then one draw of each."""
        idx = rng.choice(len(self.weights), size=size, p=self.weights)
        if self.family == "beta":
            return rng.beta(self.p1[idx], self.p2[idx])
        if self.family == "gamma":
            return rng.gamma(self.p1[idx], 1.0 / self.p2[idx])
        return rng.normal(self.p1[idx], self.p2[idx])

    def pymc(self, name: str, dims: str | tuple[str, ...] | None = None, **kw: Any):
        """The PyMC variable ``name`` (inside a model context): the component itself when there
        is one, else ``pm.NormalMixture`` or ``pm.Mixture`` of the components."""
        import pymc as pm

        if self.weights.size == 1:
            return self.components[0].pymc(name, dims=dims, **kw)
        if self.family == "normal":
            return pm.NormalMixture(name, w=self.weights, mu=self.p1, sigma=self.p2, dims=dims,
                                    **kw)
        dist = getattr(pm, COMPONENT[self.family]._pymc).dist(
            alpha=self.p1, beta=self.p2, shape=(self.weights.size,))
        return pm.Mixture(name, w=self.weights, comp_dists=dist, dims=dims, **kw)

    def to_components(self) -> list[dict[str, float]]:
        keys = ("mean", "sd") if self.family == "normal" else ("a", "b")
        return [{"weight": float(w), keys[0]: float(x), keys[1]: float(y)}
                for w, x, y in zip(self.weights, self.p1, self.p2, strict=True)]

    def to_file(self, name: str, quantity: str, **fields: Any) -> PriorFile:
        """A mixture prior file (``neosim-prior/1``) of this mixture; ``fields`` are the other
        fields of :class:`PriorFile` (``description``, ``source``, ...)."""
        return PriorFile(name=name, quantity=quantity, kind="mixture", family=self.family,
                         components=self.to_components(), **fields)


def mixture_of(prior: PriorFile) -> Mixture:
    """The :class:`Mixture` described by a mixture prior file."""
    if prior.kind != "mixture":
        raise InputError(f"prior {prior.name!r} holds draws, not a mixture", field="kind")
    keys = ("mean", "sd") if prior.family == "normal" else ("a", "b")
    return Mixture(prior.family, [c.weight for c in prior.components],
                   [getattr(c, keys[0]) for c in prior.components],
                   [getattr(c, keys[1]) for c in prior.components])
