"""Binary-endpoint designs: exact designs against independent brute-force enumeration."""

from __future__ import annotations

from fractions import Fraction
from math import comb

import numpy as np
import pytest

from neosim.design import binary as B


def tail_ge(n: int, c: int, p: Fraction) -> Fraction:
    """P(X >= c) for X ~ Binomial(n, p), in exact rational arithmetic."""
    return sum((comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(c, n + 1)), Fraction(0))


def brute_single_arm(p0: Fraction, p1: Fraction, alpha: Fraction, power: Fraction):
    for n in range(1, 200):
        for c in range(n + 2):
            if tail_ge(n, c, p0) <= alpha:
                if tail_ge(n, c, p1) >= power:
                    return n, c
                break  # larger c only lowers power
    raise AssertionError("no design")


@pytest.mark.parametrize("p0, p1, alpha, power", [
    ("1/5", "2/5", "1/20", "4/5"),
    ("1/10", "3/10", "1/20", "4/5"),
    ("1/5", "1/2", "1/40", "9/10"),
])
def test_single_arm_matches_enumeration(p0, p1, alpha, power):
    p0, p1, alpha, power = (Fraction(x) for x in (p0, p1, alpha, power))
    n, c = brute_single_arm(p0, p1, alpha, power)
    d = B.single_arm_exact(float(p0), float(p1), float(alpha), float(power))
    assert (d.n, d.critical) == (n, c)
    assert d.alpha_attained == pytest.approx(float(tail_ge(n, c, p0)), rel=1e-12)
    assert d.power_attained == pytest.approx(float(tail_ge(n, c, p1)), rel=1e-12)


def test_single_arm_lower_direction_mirrors_upper():
    up = B.single_arm_exact(0.2, 0.4, 0.05, 0.8)
    down = B.single_arm_exact(0.8, 0.6, 0.05, 0.8)
    assert (down.n, down.critical) == (up.n, up.n - up.critical)
    assert down.power_attained == pytest.approx(up.power_attained, rel=1e-12)


def test_two_arm_normal_matches_rpact():
    # rpact 3.3.4 getSampleSizeRates(alpha=.025, sided=1, beta=.2, pi1=.4, pi2=.2,
    #   allocationRatioPlanned=2): nFixed 186.503076775296, nFixed1 124.335384516864
    #   (tests/reference/rpact_cases.R, case B1)
    d = B.two_arm_normal(0.4, 0.2, 0.025, 0.8, allocation_ratio=2.0)
    assert abs(d.subjects / 186.503076775296 - 1) < 1e-6
    assert abs(d.n_experimental / 124.335384516864 - 1) < 1e-6


def test_fisher_region_matches_scipy_enumeration():
    from scipy.stats import fisher_exact

    n1, n2, level = 9, 7, 0.05
    region = B.fisher_reject(n1, n2, level)
    for x1 in range(n1 + 1):
        for x2 in range(n2 + 1):
            p = fisher_exact([[x1, x2], [n1 - x1, n2 - x2]], alternative="greater").pvalue
            assert region[x1, x2] == (p <= level)


def test_fisher_power_by_enumeration():
    n1, n2, level, p1, p2 = 9, 7, 0.05, 0.7, 0.3
    region = B.fisher_reject(n1, n2, level)
    brute = sum(comb(n1, a) * p1**a * (1 - p1) ** (n1 - a) * comb(n2, b) * p2**b
                * (1 - p2) ** (n2 - b)
                for a in range(n1 + 1) for b in range(n2 + 1) if region[a, b])
    assert B.exact_power(n1, n2, p1, p2, level, "fisher")[0] == pytest.approx(brute, rel=1e-12)


def test_barnard_pvalues_match_scipy():
    from scipy.stats import barnard_exact

    pv = B.barnard_pvalues(8, 6)
    for x1, x2 in [(6, 1), (7, 2), (5, 3), (8, 0)]:
        ref = barnard_exact([[x1, x2], [8 - x1, 6 - x2]], alternative="greater",
                            pooled=True).pvalue
        assert pv[x1, x2] == pytest.approx(ref, rel=1e-5, abs=1e-8)


def test_exact_two_arm_is_smallest_and_valid():
    d = B.two_arm_exact(0.6, 0.3, 0.025, 0.8, test="fisher")
    assert d.power_attained >= 0.8 and d.alpha_attained <= 0.025
    m = int(d.n_control) - 1
    assert B.exact_power(m, m, 0.6, 0.3, 0.025, "fisher")[0] < 0.8
    barnard = B.two_arm_exact(0.6, 0.3, 0.025, 0.8, test="barnard")
    assert barnard.subjects <= d.subjects  # Barnard is uniformly at least as powerful here
    assert np.isfinite(barnard.power_attained)
