"""The exact predictive probability of success of the exponential-gamma model (numba).

Given the data of a look, the future events of the two arms are independent (independent priors,
exposures projected as in :mod:`neosim.simulator.predictive`), each a mixture of negative
binomials: with posterior component ``Ga(a, b)`` and future exposure ``ΔE``,
``P(Δd = n) = Γ(a + n)/(Γ(a) n!) pᵃ (1 - p)ⁿ`` with ``p = b/(b + ΔE)``, i.e.
``log P(0) = a log p`` and ``P(n + 1)/P(n) = (a + n)(1 - p)/(n + 1)``. The final posterior
probability ``P(HR < h | d_c + n, dₑ + m)`` decreases in ``m`` and increases in ``n`` (more
control events, fewer experimental ones), so success is ``m ≤ B(n)`` with a boundary ``B``
that never decreases in ``n``, and

``PPoS = Σₙ P_c(n) Fₑ(B(n))``  (``Fₑ`` the predictive CDF of the experimental arm).

The boundary is found by one staircase walk over ``(n, m)`` (``n`` up by one, then ``m`` up while
success holds), and along it every final probability comes from the previous one by the
recurrences of the regularised incomplete beta function at fixed ``x``:
``I_x(a + 1, b) = I_x(a, b) - xᵃ(1-x)ᵇ/(a B(a, b))`` and
``I_x(a, b + 1) = I_x(a, b) + xᵃ(1-x)ᵇ/(b B(a, b))``
(``x = h bₑ/(h bₑ + b_c)`` with the final rates, fixed per trial since the projected exposure
does not depend on the counts), mixture weights by ``Γ(s + 1) = sΓ(s)``. So a trial costs
O(range of the future counts) cheap steps after one incomplete beta per component pair (done
vectorised by SciPy before the walk): the sum is exact up to the tails cut at ``TAIL``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: predictive tail probability left out of each arm's sum
TAIL = 1e-12
#: at most this many future events per arm are enumerated
MAX_COUNT = 100_000


@njit(nogil=True, cache=True)
def _nb_pmf(w, a, b, dx, out):
    """Mixture-of-negative-binomials pmf of future counts into ``out``; returns its length.
    Each component runs in logs until its pmf is above ``exp(-700)``, then by products."""
    k = w.size
    q = np.empty(k)
    lq = np.empty(k)
    cur = np.empty(k)
    lin = np.zeros(k)
    linear = np.zeros(k, dtype=np.bool_)
    for j in range(k):
        q[j] = dx / (b[j] + dx)
        lq[j] = math.log(q[j]) if dx > 0 else -np.inf
        cur[j] = a[j] * math.log(b[j] / (b[j] + dx))
        if cur[j] > -700.0:
            lin[j] = math.exp(cur[j])
            linear[j] = True
    cum = 0.0
    for n in range(out.size):
        s = 0.0
        for j in range(k):
            s += w[j] * lin[j]
            if linear[j]:
                lin[j] *= (a[j] + n) / (n + 1.0) * q[j]
            else:
                cur[j] += math.log(a[j] + n) - math.log(n + 1.0) + lq[j]
                if cur[j] > -700.0:
                    lin[j] = math.exp(cur[j])
                    linear[j] = True
        out[n] = s
        cum += s
        if cum >= 1.0 - TAIL or dx <= 0 or (cum > 0.5 and s < 1e-18):  # rounding: a far tail
            return n + 1
    return out.size


@njit(nogil=True, cache=True)
def _prob(wc, we, ival):
    """Final posterior probability from the (normalised) weights and the incomplete betas."""
    p = 0.0
    for i in range(wc.size):
        for k in range(we.size):
            p += wc[i] * we[k] * ival[i, k]
    return p


@njit(nogil=True, cache=True)
def _scale(a, b, lx, l1x):
    """``xᵃ(1-x)ᵇ/B(a, b)`` from logs (where the running product has underflowed)."""
    return math.exp(a * lx + b * l1x - math.lgamma(a) - math.lgamma(b) + math.lgamma(a + b))


@njit(nogil=True, cache=True)
def _normalise(w):
    s = w.sum()
    for j in range(w.size):
        w[j] /= s


@njit(nogil=True, cache=True)
def ppos_gamma(gamma, post_c, post_e, dx_c, dx_e, fin_c, fin_e, lx, l1x, ival0, lscale0,
               lv0_c, lv0_e, out):
    """Exact PPoS per trial (see the module docstring). Per trial ``t``: ``post_c = (w, a, b)``
    posterior components now (``(3, trials, K)``), ``dx_c`` future exposure, ``fin_c = (a, B)``
    final shape at no future event and final rate per component, ``lx``/``l1x`` ``log x`` and
    ``log(1 - x)`` per pair, ``ival0`` ``I_x`` and ``lscale0`` ``log(xᵃ(1-x)ᵇ/B(a, b))`` at no
    future event, ``lv0_c`` final log weights (unnormalised) at no future event; the same for
    ``_e``. Every step of the walk is arithmetic: ``U = xᵃ(1-x)ᵇ/B(a, b)`` moves by
    ``U(a, b+1) = U (1-x)(a+b)/b`` and ``U(a+1, b) = U x (a+b)/a``."""
    nt = out.size
    kc, ke = post_c.shape[2], post_e.shape[2]
    pmf_c = np.empty(MAX_COUNT)
    pmf_e = np.empty(MAX_COUNT)
    wc = np.empty(kc)
    we = np.empty(ke)
    u = np.empty((kc, ke))
    for t in range(nt):
        nc = _nb_pmf(post_c[0, t], post_c[1, t], post_c[2, t], dx_c[t], pmf_c)
        ne = _nb_pmf(post_e[0, t], post_e[1, t], post_e[2, t], dx_e[t], pmf_e)
        cdf_e = np.cumsum(pmf_e[:ne])
        ival = ival0[t].copy()
        x = np.exp(lx[t])
        x1 = np.exp(l1x[t])
        for i in range(kc):
            wc[i] = math.exp(lv0_c[t, i] - lv0_c[t].max())
            for k in range(ke):
                u[i, k] = math.exp(lscale0[t, i, k])
        for k in range(ke):
            we[k] = math.exp(lv0_e[t, k] - lv0_e[t].max())
        _normalise(wc)
        _normalise(we)
        ac = fin_c[0, t].copy()   # control shape (the beta's b) per component
        ae = fin_e[0, t].copy()   # experimental shape (the beta's a)
        m = 0
        total = 0.0
        for n in range(nc):
            if n > 0:  # one more control event: b -> b + 1
                for i in range(kc):
                    for k in range(ke):
                        if u[i, k] < 1e-280:
                            u[i, k] = _scale(ae[k], ac[i], lx[t, i, k], l1x[t, i, k])
                        ival[i, k] += u[i, k] / ac[i]
                        u[i, k] *= x1[i, k] * (ae[k] + ac[i]) / ac[i]
                    wc[i] *= ac[i] / fin_c[1, t, i]
                    ac[i] += 1.0
                _normalise(wc)
            while m < ne and _prob(wc, we, ival) > gamma:  # m future experimental events
                for k in range(ke):
                    for i in range(kc):
                        if u[i, k] < 1e-280:
                            u[i, k] = _scale(ae[k], ac[i], lx[t, i, k], l1x[t, i, k])
                        ival[i, k] -= u[i, k] / ae[k]
                        u[i, k] *= x[i, k] * (ae[k] + ac[i]) / ae[k]
                    we[k] *= ae[k] / fin_e[1, t, k]
                    ae[k] += 1.0
                _normalise(we)
                m += 1
            if m > 0:  # success for 0 .. m - 1 future experimental events
                total += pmf_c[n] * cdf_e[m - 1]
        out[t] = min(max(total, 0.0), 1.0)
