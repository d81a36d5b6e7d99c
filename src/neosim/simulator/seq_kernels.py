"""Compiled kernels of sequential trials: the log-rank and Cox statistics at every look of a trial
from one pass per look over orders sorted once.

A look at calendar cut-off ``c`` observes patient ``i`` (entered at ``eᵢ``) for
``yᵢ(c) = min(uᵢ, c - eᵢ)`` with ``uᵢ = min(Tᵢ, Dᵢ)`` (time to event, time to dropout), and an
event when ``Tᵢ ≤ Dᵢ`` and ``eᵢ + Tᵢ ≤ c`` (the rule of :func:`neosim.simulator.kernels.observe`).
So the risk set at follow-up time ``t`` is every enrolled patient with ``uᵢ ≥ t`` **and**
``c - eᵢ ≥ t``: both conditions drop patients monotonically as ``t`` grows, one in the order of
``u`` and one in the order of decreasing entry. Both orders are sorted once per trial (numpy
``argsort`` of whole blocks); each look then walks its event times in increasing order with two
pointers that remove patients from the risk set (a flag stops a patient leaving twice): O(n) per
look, no sort per look. Ties are grouped by exact equality of observed times, as in
:mod:`neosim.simulator.kernels`; with ``theta_h0 = 1`` every look computes bit for bit the
expression of the fixed-design kernel, so the last look of a one-look plan equals the fixed
engine's statistic.

The shifted null ``θ₀`` (rpact ``thetaH0``, hazard ratio treatment/control under H0) enters the
log-rank statistic as rpact's ``getSimulationSurvival`` does: an event at a time with ``n₁``
treated and ``n₀`` control patients at risk expects ``θ₀n₁/(θ₀n₁ + n₀)`` treated events with
variance ``θ₀n₁n₀/(θ₀n₁ + n₀)²`` (times ``(n - d)/(n - 1)`` for ``d`` tied events). The Cox
estimate is not shifted here: the Wald statistic is ``(β̂ - log θ₀)/SE``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from neosim.simulator.kernels import _cox, event_calendar, event_cutoffs

#: Per-look arrays the kernel fills, each ``(trials, looks)``, in this order.
LOOK_STATS = (
    "look_time",              # calendar cut-off of the look (months from the trial's start)
    "look_reached",           # 1 if the look's event target was reached (calendar looks: 1)
    "look_subjects",          # patients enrolled by the cut-off
    "events_control",
    "events_experimental",
    "exposure_control",       # total follow-up (months) at the cut-off, control arm
    "exposure_experimental",
    "logrank_z",              # (O₁ - E₁(θ₀)) / √V(θ₀), experimental arm; < 0 favours it
    "cox_log_hr",             # Efron Cox log HR experimental vs control (nan if not fitted)
    "cox_se",
)


@njit(nogil=True, cache=True, inline="always")
def _up(x, resolution):
    return np.ceil(x / resolution) * resolution if resolution > 0.0 else x


@njit(nogil=True, cache=True, error_model="numpy")
def look_statistics(entry, tev, tdrop, has_dropout, n_treat, cutoff, resolution, theta_h0,
                    do_cox, u, order_u, order_e, out):
    """Fill ``out[s, b, k]`` (statistic ``s`` of :data:`LOOK_STATS` but the first two) for every
    trial ``b`` and look ``k`` at the cut-offs ``cutoff[b, k]``.

    ``u`` is each patient's ``min(T, D)`` rounded up to ``resolution``; ``order_u`` and
    ``order_e`` are the per-trial argsorts of ``u`` and of the entry times. Treatment occupies
    the first ``n_treat`` slots.
    """
    n_trials, n = entry.shape
    n_looks = cutoff.shape[1]
    gone = np.empty(n, dtype=np.bool_)
    gn0 = np.empty(n)
    gn1 = np.empty(n)
    gd0 = np.empty(n)
    gd1 = np.empty(n)
    shifted = theta_h0 != 1.0
    for b in range(n_trials):
        for lk in range(n_looks):
            c = cutoff[b, lk]
            nr = 0
            nr1 = 0
            x0 = 0.0
            x1 = 0.0
            for i in range(n):
                e = entry[b, i]
                if e <= c:
                    gone[i] = False
                    treated = i < n_treat
                    nr += 1
                    nr1 += treated
                    t = tev[b, i]
                    dr = tdrop[b, i] if has_dropout else np.inf
                    # as kernels.observe: the event time, else censored at the cut-off or dropout
                    y = _up(t if (t <= dr) & (e + t <= c) else min(c - e, dr), resolution)
                    if treated:
                        x1 += y
                    else:
                        x0 += y
                else:
                    gone[i] = True
            out[0, b, lk] = nr
            out[3, b, lk] = x0
            out[4, b, lk] = x1
            q = n - 1  # entry order, latest first: the first to leave by administrative censoring
            while q >= 0 and gone[order_e[b, q]]:
                q -= 1
            p = 0
            j = 0
            o1 = 0.0
            e1 = 0.0
            v = 0.0
            tot0 = 0.0
            k = 0
            while j < n:
                i = order_u[b, j]
                ev = entry[b, i] + tev[b, i] <= c and (not has_dropout or tev[b, i] <= tdrop[b, i])
                if not ev:
                    j += 1
                    continue
                t = u[b, i]
                while p < n and u[b, order_u[b, p]] < t:  # observed (event or dropout) before t
                    ip = order_u[b, p]
                    if not gone[ip]:
                        gone[ip] = True
                        nr -= 1
                        nr1 -= ip < n_treat
                    p += 1
                while q >= 0 and _up(c - entry[b, order_e[b, q]], resolution) < t:  # censored
                    iq = order_e[b, q]
                    # an event of this look leaves at its event time (the u pointer), even when
                    # c - e rounds below it (the look's last event has e + T == c exactly)
                    if not gone[iq] and not (entry[b, iq] + tev[b, iq] <= c and (
                            not has_dropout or tev[b, iq] <= tdrop[b, iq])):
                        gone[iq] = True
                        nr -= 1
                        nr1 -= iq < n_treat
                    q -= 1
                d = 0
                d1 = 0
                while j < n and u[b, order_u[b, j]] == t:
                    i2 = order_u[b, j]
                    if entry[b, i2] + tev[b, i2] <= c and (not has_dropout
                                                           or tev[b, i2] <= tdrop[b, i2]):
                        d += 1
                        d1 += i2 < n_treat
                    j += 1
                d0 = d - d1
                n1 = nr1
                n0 = nr - nr1
                if shifted:
                    den = theta_h0 * n1 + n0
                    e1 += d * theta_h0 * n1 / den
                    if nr > 1:
                        v += d * theta_h0 * n1 * n0 / (den * den) * (nr - d) / (nr - 1.0)
                else:  # the fixed-design kernel's expression, bit for bit
                    f = n1 / nr
                    e1 += d * f
                    if nr > 1:
                        v += d * f * (1.0 - f) * (nr - d) / (nr - 1.0)
                o1 += d1
                tot0 += d0
                gn0[k] = n0
                gn1[k] = n1
                gd0[k] = d0
                gd1[k] = d1
                k += 1
            out[1, b, lk] = tot0
            out[2, b, lk] = o1
            out[5, b, lk] = (o1 - e1) / np.sqrt(v) if v > 0.0 else np.nan
            if do_cox and k > 0:
                beta, se = _cox(k, gn0, gn1, gd0, gd1)
            else:
                beta, se = np.nan, np.nan
            out[6, b, lk] = beta
            out[7, b, lk] = se


def sequential_statistics(entry, tev, tdrop, n_treat, look_events, look_times, max_duration,
                          resolution, theta_h0, do_cox):
    """The per-look statistics of every trial (row) of a block.

    Parameters
    ----------
    entry, tev, tdrop
        As :func:`neosim.simulator.kernels.trial_statistics` (``tdrop`` ``None``: no dropout).
    look_events : sequence of int or None
        Cumulative event targets of event-driven looks (a look whose target is never reached is
        held at the trial's end of data, after its last event and last entry, and
        ``look_reached`` is 0), or ``None`` for calendar looks at ``look_times``.
    max_duration : float
        Latest calendar time of any look (``inf``: none); a look capped there is not reached.
    resolution, theta_h0, do_cox
        Time rounding (0: continuous), the hazard ratio under H0, fit the Cox model.

    Returns
    -------
    dict
        One ``(B, looks)`` float array per name of :data:`LOOK_STATS`.
    """
    n_trials = entry.shape[0]
    has_dropout = tdrop is not None
    drop = tdrop if has_dropout else entry
    if look_events is not None:
        n_looks = len(look_events)
        cal = np.empty_like(entry)
        last_entry = np.empty(n_trials)
        event_calendar(entry, tev, drop, has_dropout, cal, last_entry)
        cal.sort(axis=1)
        cutoff = np.empty((n_trials, n_looks))
        reached = np.empty((n_trials, n_looks))
        c = np.empty(n_trials)
        r = np.empty(n_trials)
        for k, d in enumerate(look_events):
            event_cutoffs(cal, last_entry, int(d), max_duration, c, r)
            cutoff[:, k] = c
            reached[:, k] = r
        del cal
    else:
        times = np.minimum(np.asarray(look_times, float), max_duration)
        cutoff = np.broadcast_to(times, (n_trials, times.size)).copy()
        reached = np.broadcast_to(np.asarray(look_times, float) <= max_duration,
                                  cutoff.shape).astype(float)
    u = np.minimum(tev, tdrop) if has_dropout else tev.copy()
    if resolution > 0:
        u = np.ceil(u / resolution) * resolution
    order_u = np.argsort(u, axis=1)
    order_e = np.argsort(entry, axis=1)
    out = np.empty((len(LOOK_STATS) - 2, n_trials, cutoff.shape[1]))
    look_statistics(entry, tev, drop, has_dropout, int(n_treat), cutoff, float(resolution),
                    float(theta_h0), bool(do_cox), u, order_u, order_e, out)
    result = {"look_time": cutoff, "look_reached": reached}
    for s, name in enumerate(LOOK_STATS[2:]):
        result[name] = out[s]
    return result
