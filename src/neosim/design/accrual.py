"""Consortium accrual: how long a Poisson recruitment takes to enrol N patients, and how many it
enrols by a date.

Country ``c`` contributes patients at the rate (per month)::

    mu_c(t) = incidence [per 10^6 births] * 1e-6 * births_c / 12 * participation_c
              * eligible * ramp_c(t)

where ``ramp_c`` rises linearly from 0 at the activation month to 1 after the ramp-up months (a
step if the ramp-up is 0). Given the incidence, enrolment is a Poisson process with cumulative
intensity ``Lambda(t) = incidence * L1(t)`` (``L1``: the intensity per unit incidence, exact and
piecewise quadratic). Hence ``N(t) ~ Poisson(Lambda(t))`` and ``P(T_N <= t) = P(N(t) >= N)``, the
regularised lower incomplete gamma function ``P(N, Lambda(t))``. An uncertain incidence (posterior
draws) makes both a mixture over the draws, computed exactly draw by draw.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

#: Quantile levels reported: median and the 80 % and 95 % central bands.
BAND_LEVELS = (0.025, 0.10, 0.25, 0.5, 0.75, 0.90, 0.975)


@dataclass(frozen=True)
class Site:
    """One participating country (all rates per month, times in months from consortium start)."""

    name: str
    annual_births: float
    participation: float = 1.0
    activation_month: float = 0.0
    ramp_up_months: float = 0.0

    def births_per_month(self) -> float:
        return self.annual_births / 12.0 * self.participation


def _ramp_integral(t: np.ndarray, start: float, ramp: float) -> np.ndarray:
    """``∫_0^t ramp(u) du`` for a linear ramp from ``start`` over ``ramp`` months (vectorised)."""
    x = np.clip(np.asarray(t, dtype=float) - start, 0.0, None)
    if ramp <= 0.0:
        return x
    return np.where(x < ramp, x * x / (2.0 * ramp), x - ramp / 2.0)


def _ramp_inverse(y: np.ndarray, start: float, ramp: float) -> np.ndarray:
    """Inverse of :func:`_ramp_integral` for ``y > 0``."""
    y = np.asarray(y, dtype=float)
    if ramp <= 0.0:
        return start + y
    return start + np.where(y < ramp / 2.0, np.sqrt(2.0 * ramp * y), y + ramp / 2.0)


class Consortium:
    """A set of sites with a common eligible fraction; rates per unit incidence (per 10^6)."""

    def __init__(self, sites: list[Site], eligible_fraction: float = 1.0):
        if not sites:
            raise ValueError("a consortium needs at least one site")
        self.sites = list(sites)
        self.eligible_fraction = float(eligible_fraction)
        self._w = np.array([s.births_per_month() * 1e-6 * self.eligible_fraction
                            for s in self.sites])

    def unit_intensity(self, t) -> np.ndarray:
        """``L1(t)``: expected patients by month ``t`` per unit incidence (per 10^6 births)."""
        t = np.asarray(t, dtype=float)
        out = np.zeros_like(t)
        for w, s in zip(self._w, self.sites, strict=True):
            out = out + w * _ramp_integral(t, s.activation_month, s.ramp_up_months)
        return out

    def unit_rate(self, t) -> np.ndarray:
        """Patients per month at month ``t`` per unit incidence."""
        t = np.asarray(t, dtype=float)
        out = np.zeros_like(t)
        for w, s in zip(self._w, self.sites, strict=True):
            x = t - s.activation_month
            ramp = np.ones_like(x) if s.ramp_up_months <= 0 else np.clip(x / s.ramp_up_months,
                                                                         0.0, 1.0)
            out = out + w * np.where(x >= 0.0, ramp, 0.0)
        return out

    def piece_rates(self, edges) -> np.ndarray:
        """Mean patients per month per unit incidence over each interval between consecutive
        ``edges`` (months): ``(L1(b) - L1(a)) / (b - a)``. Times the incidence, the expected
        accrual rate of each piece: the one definition of the consortium's monthly rate used by
        the ``accrual`` trade-off and the ``design_comparison`` kind."""
        edges = np.asarray(edges, dtype=float)
        return np.diff(self.unit_intensity(edges)) / np.diff(edges)

    def inverse_unit_intensity(self, y) -> np.ndarray:
        """The month at which ``L1`` reaches ``y`` (vectorised bisection; exact for one site)."""
        y = np.asarray(y, dtype=float)
        if len(self.sites) == 1:
            s = self.sites[0]
            return _ramp_inverse(y / self._w[0], s.activation_month, s.ramp_up_months)
        lo = np.zeros_like(y)
        hi = np.full_like(y, max(s.activation_month + s.ramp_up_months for s in self.sites) + 1.0)
        while np.any(self.unit_intensity(hi) < y):
            hi = np.where(self.unit_intensity(hi) < y, hi * 2.0, hi)
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            below = self.unit_intensity(mid) < y
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
        return 0.5 * (lo + hi)


@dataclass(frozen=True)
class Projection:
    """Distribution of time to N and of N by date; quantiles at :data:`BAND_LEVELS`."""

    targets: np.ndarray            # (k,) patient counts N
    time_quantiles: np.ndarray     # (k, levels) months
    time_mean: np.ndarray          # (k,) months
    dates: np.ndarray              # (m,) months
    count_quantiles: np.ndarray    # (m, levels) patients
    count_mean: np.ndarray         # (m,)
    levels: tuple[float, ...] = BAND_LEVELS


def time_to_n_cdf(consortium: Consortium, incidence: np.ndarray, n: int, t) -> np.ndarray:
    """``P(T_N <= t)``, mixed over the incidence draws (an array; a number is one draw)."""
    from scipy.special import gammainc

    lam = np.atleast_1d(np.asarray(incidence, dtype=float))
    mu = np.multiply.outer(np.atleast_1d(consortium.unit_intensity(t)), lam)
    return gammainc(n, mu).mean(axis=-1)


def time_to_n_quantiles(consortium: Consortium, incidence, n: int,
                        levels=BAND_LEVELS) -> np.ndarray:
    """Quantiles of the months to enrol ``n`` patients (exact up to bisection precision)."""
    from scipy.special import gammaincinv

    lam = np.atleast_1d(np.asarray(incidence, dtype=float))
    levels = np.asarray(levels, dtype=float)
    if lam.size == 1:  # closed form: L1(T) = Gamma(n, 1) quantile / incidence
        return consortium.inverse_unit_intensity(gammaincinv(n, levels) / lam[0])
    # Mixture: bracket with the draws' own quantiles, then bisect the mixture CDF.
    per_draw = gammaincinv(n, levels[:, None]) / lam[None, :]
    lo = consortium.inverse_unit_intensity(per_draw.min(axis=1))
    hi = consortium.inverse_unit_intensity(per_draw.max(axis=1))
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        below = time_to_n_cdf(consortium, lam, n, mid) < levels
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def time_to_n_mean(consortium: Consortium, incidence, n: int, nodes: int = 48) -> float:
    """``E[T_N] = ∫_0^∞ P(N(t) < N) dt``, averaged over the incidence draws.

    Up to the month ``t*`` when every site is fully ramped up, the integrand
    ``Q(N, incidence * L1(t))`` is smooth between activation and ramp-end months and is
    integrated by Gauss–Legendre (``nodes`` per piece). After ``t*`` the intensity grows
    linearly, and ``∫ Q(N, u) du = u Q(N, u) - N Q(N + 1, u)`` gives the tail exactly.
    """
    from scipy.special import gammaincc

    lam = np.atleast_1d(np.asarray(incidence, dtype=float))
    marks = {0.0}
    for s in consortium.sites:
        marks.update((s.activation_month, s.activation_month + s.ramp_up_months))
    marks = np.array(sorted(marks))
    t_star = marks[-1]
    x, w = np.polynomial.legendre.leggauss(nodes)
    total = np.zeros_like(lam)
    for a, b in itertools.pairwise(marks):
        t = 0.5 * (a + b) + 0.5 * (b - a) * x
        q = gammaincc(n, np.multiply.outer(consortium.unit_intensity(t), lam))
        total += 0.5 * (b - a) * (w[:, None] * q).sum(axis=0)
    rate = float(consortium.unit_rate(np.array([t_star]))[0])
    u0 = lam * float(consortium.unit_intensity(np.array([t_star]))[0])
    total += (n * gammaincc(n + 1, u0) - u0 * gammaincc(n, u0)) / (lam * rate)
    return float(total.mean())


def count_by_date_quantiles(consortium: Consortium, incidence, dates,
                            levels=BAND_LEVELS) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles and means of the number enrolled by each date (mixture of Poissons)."""
    from scipy.stats import poisson

    lam = np.atleast_1d(np.asarray(incidence, dtype=float))
    dates = np.atleast_1d(np.asarray(dates, dtype=float))
    mu = np.multiply.outer(consortium.unit_intensity(dates), lam)  # (m, draws)
    top = int(poisson.ppf(1.0 - 1e-12, mu.max())) + 2 if mu.max() > 0 else 2
    ks = np.arange(top + 1)
    out = np.zeros((dates.size, len(levels)))
    for i in range(dates.size):
        cdf = poisson.cdf(ks[:, None], mu[i][None, :]).mean(axis=1)
        # smallest k with CDF(k) >= level (the usual discrete quantile)
        out[i] = np.searchsorted(cdf, np.asarray(levels) - 1e-12, side="left")
    return out, mu.mean(axis=1)


def project(consortium: Consortium, incidence, targets, dates,
            levels=BAND_LEVELS) -> Projection:
    """Time-to-N and N-by-date distributions for the given targets and dates."""
    targets = np.asarray(targets, dtype=int)
    tq = np.array([time_to_n_quantiles(consortium, incidence, int(n), levels) for n in targets])
    tm = np.array([time_to_n_mean(consortium, incidence, int(n)) for n in targets])
    cq, cm = count_by_date_quantiles(consortium, incidence, dates, levels)
    return Projection(targets=targets, time_quantiles=tq, time_mean=tm,
                      dates=np.asarray(dates, dtype=float), count_quantiles=cq, count_mean=cm,
                      levels=tuple(levels))


def simulate_arrivals(consortium: Consortium, incidence, n: int, replicates: int,
                      rng: np.random.Generator) -> np.ndarray:
    """Simulated months at which the ``n``-th patient enrols, one per replicate.

    Each replicate draws an incidence from ``incidence`` (with replacement), then ``n``
    unit-exponential gaps on the cumulative-intensity scale (the time-change construction of a
    Poisson process), mapped back to months. Used to check the analytic bands.
    """
    lam = np.atleast_1d(np.asarray(incidence, dtype=float))
    chosen = lam[rng.integers(0, lam.size, size=replicates)]
    gaps = rng.exponential(size=(replicates, n))
    return consortium.inverse_unit_intensity(gaps.sum(axis=1) / chosen)


def simulate_counts(consortium: Consortium, incidence, dates, replicates: int,
                    rng: np.random.Generator) -> np.ndarray:
    """Simulated numbers enrolled by each date, ``(replicates, dates)``, via Poisson increments."""
    lam = np.atleast_1d(np.asarray(incidence, dtype=float))
    chosen = lam[rng.integers(0, lam.size, size=replicates)]
    dates = np.asarray(dates, dtype=float)
    cum = consortium.unit_intensity(dates)
    inc = np.diff(np.concatenate([[0.0], cum]))
    return np.cumsum(rng.poisson(np.multiply.outer(chosen, inc)), axis=1)
