"""Exact crossing probabilities of a group-sequential z-statistic (numerical integration).

The z-statistics ``Z_1 .. Z_K`` of a group-sequential test at information rates
``t_1 < .. < t_K = 1`` are multivariate normal with ``E[Z_k] = drift * sqrt(t_k)`` and
``cov(Z_j, Z_k) = sqrt(t_j / t_k)`` (j <= k): the canonical joint distribution of Jennison and
Turnbull (2000, ch. 3). ``drift`` is the expected z-statistic at full information (rpact's
``sqrt(shift)``). The probabilities of first leaving the continuation region ``(lower_k,
upper_k)`` upwards or downwards at each look follow from the recursion of Armitage, McPherson
and Rowe (1969) as Jennison and Turnbull (2000, ch. 19) compute it: the sub-density of ``Z_k``
on the continuation region is carried on a quadrature grid from look to look, and the crossing
probability at the next look integrates that sub-density against the exact normal tail of the
increment (so the only approximation is the quadrature of a smooth integrand, here composite
Gauss-Legendre on panels narrower than the increments' standard deviations).

numpy and SciPy only, vectorised over the grid; imported lazily by
:mod:`neosim.design.sequential`.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

#: the grid covers the mean of Z_k +- this many standard deviations (its marginal SD is 1)
SPAN = 8.5
#: Gauss-Legendre panels: nodes per panel, widest panel, and panel width per standard deviation
#: of the narrower of the increments into and out of a look (8 nodes over 2.5 SD integrate the
#: smooth sub-density to about 1e-10, relative)
NODES = 8
MAX_PANEL = 0.6
PANEL_SD = 2.5
#: the most panels at one look (looks at least 0.01 apart need at most about 150)
MAX_PANELS = 300

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GL_X, _GL_W = np.polynomial.legendre.leggauss(NODES)


def gauss_grid(lo: float, hi: float, panel: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of composite Gauss-Legendre on ``[lo, hi]``, panels at most ``panel``
    wide (one zero-weight node when the interval is empty)."""
    if not hi > lo:
        return np.zeros(1), np.zeros(1)
    n = min(MAX_PANELS, max(1, math.ceil((hi - lo) / panel)))
    edges = np.linspace(lo, hi, n + 1)
    half = 0.5 * np.diff(edges)[:, None]
    mid = 0.5 * (edges[1:] + edges[:-1])[:, None]
    return (mid + half * _GL_X).ravel(), (half * _GL_W).ravel()


class Walker:
    """The sub-density of ``Z_k`` on the continuation region, carried from look to look.

    ``Walker(t, drift)`` starts before the first look; :meth:`cross` gives the probabilities of
    leaving at the next look above ``upper`` and below ``lower`` (either may be infinite) without
    moving, :meth:`advance` moves to the next look with continuation region ``(lower, upper)``.
    Root-finders call :meth:`cross` many times per look, each call costing one pass over the grid.
    """

    def __init__(self, information_rates, drift: float):
        self.t = np.asarray(information_rates, dtype=float)
        self.drift = float(drift)
        self.k = 0  # the next look (0-based)
        self.z = np.zeros(1)  # Z_0 = 0 with probability 1 (no look yet)
        self.f = np.ones(1)  # weighted sub-density on the grid (weights folded in)

    def _increment(self) -> tuple[np.ndarray, float]:
        k, t = self.k, self.t
        if k == 0:
            return self.z + self.drift * math.sqrt(t[0]), 1.0
        dt = t[k] - t[k - 1]
        mean = self.z * math.sqrt(t[k - 1] / t[k]) + self.drift * dt / math.sqrt(t[k])
        return mean, math.sqrt(dt / t[k])

    def cross(self, upper: float, lower: float = -math.inf) -> tuple[float, float]:
        """P(first exit at the next look above ``upper``), P(... below ``lower``)."""
        mean, sd = self._increment()
        up = float(self.f @ ndtr((mean - upper) / sd)) if upper < math.inf else 0.0
        low = float(self.f @ ndtr((lower - mean) / sd)) if lower > -math.inf else 0.0
        return up, low

    def advance(self, upper: float, lower: float = -math.inf) -> None:
        """Move to the next look, keeping the paths that continue in ``(lower, upper)``."""
        mean, sd = self._increment()
        k = self.k
        centre = self.drift * math.sqrt(self.t[k])
        lo, hi = max(lower, centre - SPAN), min(upper, centre + SPAN)
        if k + 1 < len(self.t):
            next_sd = math.sqrt((self.t[k + 1] - self.t[k]) / self.t[k + 1])
        else:
            next_sd = 1.0
        z, w = gauss_grid(lo, hi, min(MAX_PANEL, PANEL_SD * min(sd, next_sd)))
        u = (z[:, None] - mean[None, :]) / sd
        dens = (np.exp(-0.5 * u * u) @ self.f) * (_INV_SQRT_2PI / sd)
        self.z, self.f, self.k = z, w * dens, k + 1


def crossing_probabilities(upper, lower, information_rates, drift: float
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Per-look probabilities of first crossing ``upper`` (above) and ``lower`` (below).

    ``upper`` and ``lower`` hold one bound per look (``inf`` / ``-inf`` for none); the
    continuation region at look k is ``(lower[k], upper[k])``.
    """
    t = np.asarray(information_rates, dtype=float)
    walker = Walker(t, drift)
    ups, lows = np.zeros(len(t)), np.zeros(len(t))
    for k in range(len(t)):
        ups[k], lows[k] = walker.cross(float(upper[k]), float(lower[k]))
        if k + 1 < len(t):
            walker.advance(float(upper[k]), float(lower[k]))
    return ups, lows
