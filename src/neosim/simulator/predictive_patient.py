"""The patient-level predictive probability of success of the exponential-gamma model.

At an interim look the future of an exponential trial depends only on, per arm, the patients at
risk (their residual event and dropout times are exponential again: no memory), the patients
still to enrol (their number is known, their entry times follow the design's accrual given that
they had not entered by the look), the dropout hazards, and the rule of the final analysis (at
the ``final_events``-th event, held at the end of data or at ``max_duration`` if never reached,
exactly as the engine's event-driven looks; or at the calendar time ``final_time``). A
:class:`FutureTrial` holds that design; the look table gives the rest
(:mod:`neosim.simulator.sequential`: ``at_risk_*``, ``subjects_*``, ``look_time``).

The **predictive probability of success** is computed as its definition reads: ``draws``
draws of the hazards ``(λ_c, λₑ)`` per trial from the posterior (the conjugate gamma mixtures),
for each draw the rest of the trial simulated exit by exit and entry by entry in calendar order
(numba, :func:`simulate_rest`), then the final analysis's own rule
``P(HR < h | final data) > γ`` on the final events and exposures. The PPoS is the share of
draws that succeed: its MC SE is ``√(p(1-p)/draws)`` (at most ``0.5/√draws``: 0.044 for the
default 128 draws, 0.027 where ``p`` is near a futility threshold of 0.1). Unlike the
projection (:func:`neosim.simulator.predictive.gamma_predictive`, information proportional to
events), the final exposure is random with the data, and a trial that runs out of patients or
time ends where the engine would end it.

The random numbers of the simulation come from a xoshiro256+ generator (inline in the numba
kernel, several times faster than numba's Mersenne twister) seeded once per call from ``rng``,
so a call is reproducible from its ``rng``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from neosim.errors import InputError

#: posterior draws per trial-look of the patient-level predictive probability (default)
PATIENT_DRAWS = 128
#: the look-table columns the patient-level predictive probability reads
KEYS = ("look_time", "events_control", "events_experimental", "exposure_control",
        "exposure_experimental", "at_risk_control", "at_risk_experimental", "subjects_control",
        "subjects_experimental")


@dataclass(frozen=True, eq=False)
class FutureTrial:
    """What the design says about the rest of a trial: arm sizes, accrual, dropout, final rule.

    ``accrual_cum`` (cumulative share of patients, 0 to 1, non-decreasing) and ``accrual_times``
    (months) are the knots of the piecewise-linear accrual CDF (entries i.i.d. from it, as the
    engine draws them); ``dropout_control``/``dropout_experimental`` exponential hazards per
    month; exactly one of ``final_events`` and ``final_time``; ``max_duration`` caps it.

    Examples
    --------
    >>> f = FutureTrial.uniform(50, 50, accrual_months=24, final_events=70)
    >>> f.entry_share(12.0)
    0.5
    """

    n_control: int
    n_experimental: int
    accrual_cum: tuple[float, ...]
    accrual_times: tuple[float, ...]
    dropout_control: float = 0.0
    dropout_experimental: float = 0.0
    final_events: int | None = None
    final_time: float | None = None
    max_duration: float = math.inf

    def __post_init__(self) -> None:
        for f in ("n_control", "n_experimental"):
            v = getattr(self, f)
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or not 1 <= v <= 10**6:
                raise InputError(f"must be an integer in [1, 10^6] (got {v!r})", field=f)
        c, t = np.asarray(self.accrual_cum, float), np.asarray(self.accrual_times, float)
        if (c.ndim != 1 or c.shape != t.shape or c.size < 2 or not np.all(np.isfinite(t))
                or np.any(np.diff(c) < 0) or np.any(np.diff(t) <= 0) or c[0] != 0
                or c[-1] != 1 or t[0] < 0):
            raise InputError("must be knots (share from 0 to 1, increasing months)",
                             field="accrual_cum")
        for f in ("dropout_control", "dropout_experimental"):
            v = getattr(self, f)
            if not (math.isfinite(v) and 0 <= v <= 10):
                raise InputError(f"must lie in [0, 10] per month (got {v!r})", field=f)
        if (self.final_events is None) == (self.final_time is None):
            raise InputError("give exactly one of final_events and final_time",
                             field="final_events")
        if self.final_events is not None and not (
                1 <= self.final_events <= self.n_control + self.n_experimental):
            raise InputError("must lie between 1 and the subjects", field="final_events")
        if self.final_time is not None and not (math.isfinite(self.final_time)
                                                and self.final_time > 0):
            raise InputError("must be positive finite months", field="final_time")
        if not self.max_duration > 0:
            raise InputError("must be positive months", field="max_duration")

    @classmethod
    def uniform(cls, n_control: int, n_experimental: int, *, accrual_months: float,
                **kwargs) -> FutureTrial:
        """Uniform accrual over ``accrual_months`` (as :func:`~neosim.simulator.lookdata.
        exponential_looks`)."""
        return cls(n_control, n_experimental, (0.0, 1.0), (0.0, float(accrual_months)), **kwargs)

    @classmethod
    def from_scenario(cls, scenario, looks) -> FutureTrial:
        """The rest of a trial simulated by the engine from ``scenario`` with ``looks``
        (:class:`~neosim.simulator.scenario.Looks`; the final analysis is the last look)."""
        n = int(scenario.n)
        cum, times = scenario.accrual.knots(n)
        keep = np.concatenate([np.diff(cum) > 0, [True]])  # as the engine: no pause knots
        cum, times = cum[keep], times[keep]
        end = float(np.interp(float(n), cum, times))  # when the n-th patient would enter
        inside = cum < n
        cum, times = np.append(cum[inside] / n, 1.0), np.append(times[inside], end)
        drop_t, drop_c = scenario.dropout_rates
        return cls(n - scenario.n_treatment, scenario.n_treatment,
                   tuple(float(c) for c in cum), tuple(float(t) for t in times), drop_c, drop_t,
                   final_events=None if looks.events is None else looks.events[-1],
                   final_time=None if looks.times is None else looks.times[-1],
                   max_duration=(math.inf if scenario.max_duration is None
                                 else float(scenario.max_duration)))

    def entry_share(self, t):
        """Share of patients enrolled by calendar time ``t`` under the accrual (the CDF)."""
        out = np.interp(t, self.accrual_times, self.accrual_cum)
        return float(out) if np.ndim(out) == 0 else out


@njit(nogil=True, cache=True)
def _entry(u, cum, times):
    """Calendar entry time at accrual share ``u`` (inverse of the piecewise-linear CDF)."""
    j = 0
    last = cum.size - 1
    while j < last - 1 and u > cum[j + 1]:
        j += 1
    return times[j] + (u - cum[j]) * (times[j + 1] - times[j]) / (cum[j + 1] - cum[j])


@njit(nogil=True, cache=True)
def _seed(seed):
    """xoshiro256+ state from an integer seed (by splitmix64)."""
    s = np.empty(4, dtype=np.uint64)
    x = np.uint64(seed)
    for i in range(4):
        x += np.uint64(0x9E3779B97F4A7C15)
        z = x
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        s[i] = z ^ (z >> np.uint64(31))
    return s


@njit(nogil=True, cache=True, inline="always")
def _uniform(s):
    """A uniform on (0, 1] from the xoshiro256+ generator ``s`` (53 high bits)."""
    result = s[0] + s[3]
    t = s[1] << np.uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = (s[3] << np.uint64(45)) | (s[3] >> np.uint64(19))
    return ((result >> np.uint64(11)) + np.uint64(1)) * (1.0 / 9007199254740992.0)


@njit(nogil=True, cache=True, inline="always")
def _exponential(s):
    return -math.log(_uniform(s))


@njit(nogil=True, cache=True)
def _sorted_entries(n, share_k, cum, times, out, rs):
    """``n`` sorted entry times from the accrual given entry after share ``share_k`` (sorted
    uniforms by normalised exponential spacings, then the inverse CDF)."""
    total = 0.0
    for i in range(n + 1):
        total += _exponential(rs)
        if i < n:
            out[i] = total
    for i in range(n):
        out[i] = _entry(share_k + (1.0 - share_k) * out[i] / total, cum, times)


@njit(nogil=True, cache=True)
def simulate_rest(lam, t_k, need, counts, share_k, cum, times, drop, final_time, max_duration,
                  seed, out):
    """Simulate the rest of every trial for every posterior draw, in calendar order.

    ``lam`` ``(2, trials, draws)`` hazards (control, experimental); per trial ``t_k`` look time,
    ``need`` events still to come before the final analysis (``-1``: calendar final at
    ``final_time``), ``counts`` ``(trials, 4)`` at risk control, experimental, still to enrol
    control, experimental, ``share_k`` accrual share by ``t_k``; ``drop`` the two dropout
    hazards. Fills ``out`` ``(4, trials, draws)``: future events control, exposure control,
    events experimental, exposure experimental.

    The state is the number at risk per arm: the next exit (event or dropout, either arm) comes
    after an exponential time at the total rate, unless the next entry comes first (then the
    exit clock restarts: no memory); exposure grows by the number at risk times the time
    passed. The final analysis is at the ``need``-th event, at ``final_time``, at
    ``max_duration``, or when nobody is left at risk or to enrol (the end of data).
    """
    rs = _seed(seed)
    n_trials, n_draws = lam.shape[1], lam.shape[2]
    size = int(max(counts[:, 2].max(), counts[:, 3].max())) if n_trials else 0
    ent = np.empty((2, size + 1))
    for b in range(n_trials):
        stop = final_time if need[b] < 0 else max_duration
        stop = min(stop, max_duration)
        n0, n1 = int(counts[b, 2]), int(counts[b, 3])
        for m in range(n_draws):
            _sorted_entries(n0, share_k[b], cum, times, ent[0], rs)
            _sorted_entries(n1, share_k[b], cum, times, ent[1], rs)
            ent[0, n0] = np.inf
            ent[1, n1] = np.inf
            i0 = i1 = 0
            r0, r1 = counts[b, 0], counts[b, 1]
            lc, le = lam[0, b, m], lam[1, b, m]
            t = t_k[b]
            ev0 = ev1 = ex0 = ex1 = 0.0
            left = need[b]
            while left != 0:
                a = 0 if ent[0, i0] <= ent[1, i1] else 1
                t_in = ent[0, i0] if a == 0 else ent[1, i1]
                rate = r0 * (lc + drop[0]) + r1 * (le + drop[1])
                t_out = t + _exponential(rs) / rate if rate > 0 else np.inf
                t_next = min(t_in, t_out)
                if t_next == np.inf:
                    break  # the end of data: nobody at risk, nobody to enrol
                if t_next >= stop:
                    ex0 += r0 * (stop - t)
                    ex1 += r1 * (stop - t)
                    break
                ex0 += r0 * (t_next - t)
                ex1 += r1 * (t_next - t)
                t = t_next
                if t_in <= t_out:
                    if a == 0:
                        r0 += 1
                        i0 += 1
                    else:
                        r1 += 1
                        i1 += 1
                    continue
                u = _uniform(rs) * rate
                if u < r0 * lc:
                    ev0 += 1
                    r0 -= 1
                    left -= 1
                elif u < r0 * (lc + drop[0]):
                    r0 -= 1
                elif u < r0 * (lc + drop[0]) + r1 * le:
                    ev1 += 1
                    r1 -= 1
                    left -= 1
                else:
                    r1 -= 1
            out[0, b, m], out[1, b, m], out[2, b, m], out[3, b, m] = ev0, ex0, ev1, ex1


def final_data(future: FutureTrial, look: dict, lam_c: np.ndarray, lam_e: np.ndarray,
               rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Final events and exposures per arm, ``(trials, draws)``, of the rest of each trial
    simulated under the hazards ``lam_c``, ``lam_e`` ``(trials, draws)``."""
    for key in KEYS:
        if key not in look:
            raise InputError("is missing from the look table (needed by the patient-level "
                             "predictive probability)", field=f"looks.{key}")
    t_k = np.ascontiguousarray(look["look_time"], dtype=float)
    d = look["events_control"] + look["events_experimental"]
    if future.final_events is not None:
        need = np.maximum(future.final_events - d, 0).astype(np.int64)
    else:
        need = np.where(t_k < future.final_time, -1, 0).astype(np.int64)
    counts = np.stack([look["at_risk_control"], look["at_risk_experimental"],
                       future.n_control - look["subjects_control"],
                       future.n_experimental - look["subjects_experimental"]], axis=1)
    if np.any(counts < 0):
        raise InputError("has more subjects than the future trial's arms", field="looks")
    counts = np.ascontiguousarray(np.rint(counts))
    out = np.empty((4, *lam_c.shape))
    simulate_rest(np.ascontiguousarray(np.stack([lam_c, lam_e])), t_k, np.ascontiguousarray(need),
                  counts, np.asarray(future.entry_share(t_k), float).reshape(-1),
                  np.asarray(future.accrual_cum, float), np.asarray(future.accrual_times, float),
                  np.array([future.dropout_control, future.dropout_experimental]),
                  float(future.final_time or 0.0), float(future.max_duration),
                  int(rng.integers(2**31 - 1)), out)
    return {"events_control": look["events_control"][:, None] + out[0],
            "exposure_control": look["exposure_control"][:, None] + out[1],
            "events_experimental": look["events_experimental"][:, None] + out[2],
            "exposure_experimental": look["exposure_experimental"][:, None] + out[3]}


def final_probabilities(control, experimental, margin: float, direction: str, look: dict,
                        future: FutureTrial, draws: int,
                        rng: np.random.Generator) -> np.ndarray:
    """The final analysis's posterior probability of success for ``draws`` simulated futures of
    every trial, ``(trials, draws)`` (``look``: 1-d arrays of the look table's keys). The PPoS
    at threshold ``γ`` is the share above ``γ``: one set of futures serves every ``γ``."""
    from neosim.simulator.analyses import gamma_posterior
    from neosim.simulator.predictive import _draw_gamma, posterior_probability

    lam = [_draw_gamma(gamma_posterior(prior, np.asarray(look[f"events_{arm}"], float),
                                       np.asarray(look[f"exposure_{arm}"], float)), draws, rng)
           for prior, arm in ((control, "control"), (experimental, "experimental"))]
    fin = final_data(future, look, lam[0], lam[1], rng)
    p = posterior_probability("gamma", direction, margin, {k: v.ravel() for k, v in fin.items()},
                              control=control, experimental=experimental)
    return p.reshape(lam[0].shape)


def patient_predictive(control, experimental, margin: float, direction: str, gamma: float,
                       look: dict, future: FutureTrial, draws: int,
                       rng: np.random.Generator) -> np.ndarray:
    """Patient-level PPoS of the gamma model at one look for every trial (``look``: 1-d arrays
    of the look table's keys), see the module docstring.

    Examples
    --------
    >>> from neosim.priors import Mixture
    >>> f = FutureTrial.uniform(50, 50, accrual_months=24, final_events=70)
    >>> look = {"look_time": [14.0], "events_control": [16], "events_experimental": [12],
    ...         "exposure_control": [320.0], "exposure_experimental": [350.0],
    ...         "at_risk_control": [13], "at_risk_experimental": [17],
    ...         "subjects_control": [29], "subjects_experimental": [29]}
    >>> look = {k: np.asarray(v, float) for k, v in look.items()}
    >>> vague = Mixture("gamma", [1.0], [0.1], [1.0])
    >>> p = patient_predictive(vague, vague, 1.0, "lower", 0.95, look, f, 2000,
    ...                        np.random.default_rng(1))
    >>> bool(0.0 < p[0] < 1.0)
    True
    """
    return (final_probabilities(control, experimental, margin, direction, look, future, draws,
                                rng) > gamma).mean(axis=1)
