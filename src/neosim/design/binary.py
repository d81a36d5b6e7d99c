"""Sample sizes for a binary endpoint (for example 2-year survival as a proportion).

* :func:`single_arm_exact`: one arm against a historical rate ``p0``; the smallest ``n`` and
  critical count ``c`` whose exact binomial test has size at most ``alpha`` and power at least the
  target under ``p1``, with the exact size and power attained.
* :func:`two_arm_normal`: two arms, normal approximation with the pooled variance under H0 and the
  unpooled variance under H1 (rpact ``getSampleSizeRates``, ``normalApproximation = TRUE``).
* :func:`two_arm_exact`: two arms, exact power of Fisher's conditional test or of Barnard's
  unconditional test (Z-pooled statistic, supremum over the nuisance proportion), by enumerating
  every pair of outcomes; the smallest sizes reaching the target power.

Two-sided levels are applied as ``alpha / 2`` in the tail of the alternative (the other tail's
contribution to power is ignored, as is usual for exact designs).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from statistics import NormalDist

import numpy as np

from neosim.errors import InputError

_N = NormalDist()


@dataclass(frozen=True)
class SingleArmDesign:
    """Exact single-arm design: reject H0 when ``X >= critical`` (or ``<=`` when ``p1 < p0``)."""

    n: int
    critical: int
    direction: str
    alpha_attained: float
    power_attained: float
    p0: float
    p1: float
    alpha: float
    power: float

    def to_dict(self) -> dict:
        return asdict(self)


def _check_p(**ps: float) -> None:
    for name, p in ps.items():
        if not 0.0 < p < 1.0:
            raise InputError(f"must lie in (0, 1) (got {p!r})", field=name)


def single_arm_exact(p0: float, p1: float, alpha: float = 0.05, power: float = 0.8,
                     n_max: int = 2000) -> SingleArmDesign:
    """Smallest exact one-sample binomial design (one-sided level ``alpha``)."""
    from scipy.stats import binom

    _check_p(p0=p0, p1=p1, alpha=alpha, power=power)
    if p0 == p1:
        raise InputError("p1 must differ from p0", field="p1")
    greater = p1 > p0
    for n in range(1, n_max + 1):
        k = np.arange(n + 2)
        if greater:
            size = binom.sf(k - 1, n, p0)            # P(X >= k)
            ok = np.nonzero(size <= alpha)[0]
            if ok.size == 0:
                continue
            c = int(ok[0])
            a, pw = float(size[c]), float(binom.sf(c - 1, n, p1))
        else:
            size = binom.cdf(k, n, p0)               # P(X <= k)
            ok = np.nonzero(size[: n + 1] <= alpha)[0]
            if ok.size == 0:
                continue
            c = int(ok[-1])
            a, pw = float(size[c]), float(binom.cdf(c, n, p1))
        if pw >= power:
            return SingleArmDesign(n=n, critical=c, direction="greater" if greater else "less",
                                   alpha_attained=a, power_attained=pw, p0=p0, p1=p1,
                                   alpha=alpha, power=power)
    raise InputError(f"no design with n <= {n_max} reaches power {power}", field="power")


@dataclass(frozen=True)
class TwoArmDesign:
    """Two-arm sizes: ``n_experimental`` and ``n_control`` (unrounded for the normal method)."""

    method: str
    n_experimental: float
    n_control: float
    subjects: float
    subjects_per_arm_ceil: tuple[int, int]
    subjects_ceil: int
    power_attained: float
    alpha_attained: float | None
    p_experimental: float
    p_control: float
    alpha: float
    sided: int
    power: float

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def __repr__(self) -> str:
        e, c = self.subjects_per_arm_ceil
        return (f"TwoArmDesign({self.method}: {self.subjects_ceil} subjects ({e} + {c}), "
                f"p {self.p_experimental:g} vs {self.p_control:g}, power attained "
                f"{self.power_attained:.4f}, alpha {self.alpha:g} {self.sided}-sided)")


def two_arm_normal(p_experimental: float, p_control: float, alpha: float = 0.025,
                   power: float = 0.8, *, sided: int = 1,
                   allocation_ratio: float = 1.0) -> TwoArmDesign:
    """Normal-approximation sizes for comparing two proportions (``r = n_exp / n_control``)."""
    _check_p(p_experimental=p_experimental, p_control=p_control, power=power)
    p1, p2, r = p_experimental, p_control, allocation_ratio
    pbar = (r * p1 + p2) / (1.0 + r)
    za = _N.inv_cdf(1.0 - alpha / sided)
    zb = _N.inv_cdf(power)
    n2 = (za * math.sqrt(pbar * (1 - pbar) * (1 + 1 / r))
          + zb * math.sqrt(p1 * (1 - p1) / r + p2 * (1 - p2))) ** 2 / (p1 - p2) ** 2
    n1 = r * n2
    ceil = (math.ceil(n1 - 1e-9), math.ceil(n2 - 1e-9))
    return TwoArmDesign(method="normal", n_experimental=n1, n_control=n2, subjects=n1 + n2,
                        subjects_per_arm_ceil=ceil, subjects_ceil=sum(ceil), power_attained=power,
                        alpha_attained=None, p_experimental=p1, p_control=p2, alpha=alpha,
                        sided=sided, power=power)


def fisher_reject(n1: int, n2: int, level: float, greater: bool = True) -> np.ndarray:
    """Rejection region ``(n1 + 1, n2 + 1)`` of Fisher's one-sided exact test at ``level``
    (experimental successes ``x1`` large when ``greater``)."""
    from scipy.stats import hypergeom

    x1 = np.arange(n1 + 1)[:, None]
    x2 = np.arange(n2 + 1)[None, :]
    k = x1 + x2
    if greater:
        p = hypergeom.sf(x1 - 1, n1 + n2, k, n1)
    else:
        p = hypergeom.cdf(x1, n1 + n2, k, n1)
    return p <= level * (1 + 1e-12)


def _z_pooled(n1: int, n2: int) -> np.ndarray:
    x1 = np.arange(n1 + 1)[:, None]
    x2 = np.arange(n2 + 1)[None, :]
    p1, p2 = x1 / n1, x2 / n2
    pbar = (x1 + x2) / (n1 + n2)
    var = pbar * (1 - pbar) * (1 / n1 + 1 / n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var > 0, (p1 - p2) / np.sqrt(np.where(var > 0, var, 1.0)), 0.0)
    return z


def barnard_pvalues(n1: int, n2: int, greater: bool = True, grid: int = 2001) -> np.ndarray:
    """One-sided p-values of Barnard's test (Z-pooled ordering) for every table, as the
    maximum over a grid of ``grid`` nuisance proportions in (0, 1)."""
    from scipy.stats import binom

    z = _z_pooled(n1, n2)
    if not greater:
        z = -z
    flat = z.ravel()
    order = np.argsort(-flat, kind="stable")
    zs = flat[order]
    # index of the last table tied with each position (T >= t_obs includes all ties)
    last = np.searchsorted(-zs, -zs, side="right") - 1
    pis = (np.arange(1, grid + 1) - 0.5) / grid
    pv = np.zeros(flat.size)
    for chunk in np.array_split(pis, max(1, grid // 200)):
        f1 = binom.pmf(np.arange(n1 + 1)[None, :], n1, chunk[:, None])
        f2 = binom.pmf(np.arange(n2 + 1)[None, :], n2, chunk[:, None])
        prob = (f1[:, :, None] * f2[:, None, :]).reshape(len(chunk), -1)[:, order]
        cum = np.cumsum(prob, axis=1)[:, last]
        pv = np.maximum(pv, cum.max(axis=0))
    out = np.empty_like(pv)
    out[order] = pv
    return np.minimum(out, 1.0).reshape(z.shape)


def exact_power(n1: int, n2: int, p_experimental: float, p_control: float, level: float,
                test: str = "fisher") -> tuple[float, float]:
    """``(power, size)`` of the one-sided exact test: power under the alternative and the
    maximum rejection probability over common proportions (size, on a grid for Barnard)."""
    from scipy.stats import binom

    greater = p_experimental > p_control
    if test == "fisher":
        reject = fisher_reject(n1, n2, level, greater)
    elif test == "barnard":
        reject = barnard_pvalues(n1, n2, greater) <= level * (1 + 1e-12)
    else:
        raise InputError(f"unknown exact test {test!r} (known: fisher, barnard)", field="test")
    f1 = binom.pmf(np.arange(n1 + 1), n1, p_experimental)
    f2 = binom.pmf(np.arange(n2 + 1), n2, p_control)
    pw = float(f1 @ reject @ f2)
    pis = np.linspace(0.001, 0.999, 999)
    g1 = binom.pmf(np.arange(n1 + 1)[None, :], n1, pis[:, None])
    g2 = binom.pmf(np.arange(n2 + 1)[None, :], n2, pis[:, None])
    size = float(np.einsum("pi,ij,pj->p", g1, reject.astype(float), g2).max())
    return pw, size


def two_arm_exact(p_experimental: float, p_control: float, alpha: float = 0.025,
                  power: float = 0.8, *, sided: int = 1, allocation_ratio: float = 1.0,
                  test: str = "fisher", n_max: int = 1000) -> TwoArmDesign:
    """Smallest sizes (control ``m``, experimental ``ceil(r m)``) whose exact test reaches
    ``power``; the search starts below the normal-approximation size."""
    approx = two_arm_normal(p_experimental, p_control, alpha, power, sided=sided,
                            allocation_ratio=allocation_ratio)
    level = alpha / sided
    start = max(2, int(approx.n_control * 0.8))
    for m in range(start, n_max + 1):
        n1 = max(1, math.ceil(allocation_ratio * m - 1e-9))
        pw, size = exact_power(n1, m, p_experimental, p_control, level, test)
        if pw >= power:
            return TwoArmDesign(method=test, n_experimental=float(n1), n_control=float(m),
                                subjects=float(n1 + m), subjects_per_arm_ceil=(n1, m),
                                subjects_ceil=n1 + m, power_attained=pw, alpha_attained=size,
                                p_experimental=p_experimental, p_control=p_control, alpha=alpha,
                                sided=sided, power=power)
    raise InputError(f"no design with n <= {n_max} per arm reaches power {power}", field="power")
