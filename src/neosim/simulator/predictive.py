"""Posterior and predictive probabilities at an interim look, for all trials at once, no MCMC.

Two models of the hazard ratio ``HR = λₑ/λ_c`` (``θ = log HR``), both through the conjugate
updates of :mod:`neosim.simulator.analyses` (one copy):

* ``"gamma"``: exponential hazards per arm with gamma-mixture priors; the data of an arm at a look
  are its events ``d`` and exposure ``E``; ``P(HR < h)`` is a sum of regularised incomplete beta
  functions (:func:`~neosim.simulator.analyses.prob_ratio_below`).
* ``"normal"``: the Cox estimate ``θ̂`` with SE ``s`` as a normal likelihood, a normal-mixture
  prior on ``θ`` (:func:`~neosim.simulator.analyses.normal_posterior`).

The direction ``"upper"`` (success is ``HR > h``) is the direction ``"lower"`` with the arms
swapped and ``1/h`` (gamma), or with ``θ``, its prior and its estimates negated (normal).

**Predictive probability of success** (PPoS): the probability, under the posterior predictive
distribution of the data still to come, that the final analysis declares success by its rule
``P(HR < h | all data) > γ``. The remaining trial is projected by the **information
proportional to events** assumption: the final analysis has ``D`` events in all
(``final_events``), so from a look with ``dₖ`` events the exposure of each arm and the
information ``1/s²`` grow by the factor ``D/dₖ``. Then

* normal model, closed form: with ``Iₖ = 1/sₖ²``, ``I = Iₖ D/dₖ`` and ``ΔI = I - Iₖ``, the final
  estimate is ``θ̂ = (Iₖθ̂ₖ + ΔI θ̂_Δ)/I`` with ``θ̂_Δ | θ ~ N(θ, 1/ΔI)``. The final posterior
  probability decreases in ``θ̂`` (the normal likelihood has a monotone likelihood ratio), so
  success is ``θ̂ < c`` with ``c`` found by bisection for all trials at once, and the PPoS is
  ``Σⱼ wⱼ Φ((u - mⱼ)/√(vⱼ + 1/ΔI))`` with ``u = (cI - Iₖθ̂ₖ)/ΔI`` over the posterior
  components ``(wⱼ, mⱼ, vⱼ)``.
* gamma model: future events ``Δd ~ Poisson(λ ΔE)`` per arm, summed exactly over both arms'
  counts by :func:`gamma_predictive_exact` (:mod:`neosim.simulator.predictive_kernels`), or by
  vectorised draws (:func:`gamma_predictive`: ``draws`` posterior draws of ``(λ_c, λₑ)`` per
  trial, Poisson future events, the exact final posterior probability of each; the PPoS is the
  share of draws that succeed, MC SE ``√(p(1-p)/draws)``).

The projection is an approximation of the patient-level future (see the README's figures).
"""

from __future__ import annotations

import math

import numpy as np

from neosim.priors import Mixture
from neosim.simulator.analyses import (
    gamma_posterior,
    normal_posterior,
    prob_normal_below,
    prob_ratio_below,
)


def _flip(prior: Mixture) -> Mixture:
    return Mixture("normal", prior.weights, -prior.p1, prior.p2)


def _orient(model, direction, margin, control, experimental, log_hr_prior):
    """The ``"lower"`` problem equivalent to ``direction``: priors and margin."""
    if direction == "lower":
        return margin, control, experimental, log_hr_prior
    if model == "gamma":
        return 1.0 / margin, experimental, control, log_hr_prior
    return 1.0 / margin, control, experimental, _flip(log_hr_prior)


def gamma_probability(control: Mixture, experimental: Mixture, margin: float, dc, ec, de, ee):
    """``P(λₑ/λ_c < margin | data)`` for 1-d arrays of events and exposures per arm."""
    post_e = gamma_posterior(experimental, de, ee)
    post_c = gamma_posterior(control, dc, ec)
    return prob_ratio_below(post_e, post_c, margin)


def normal_probability(prior: Mixture, margin: float, estimate, se):
    """``P(θ < log margin | θ̂, s)``; ``nan`` where the estimate or its SE is not finite."""
    estimate, se = np.asarray(estimate, float), np.asarray(se, float)
    ok = np.isfinite(estimate) & np.isfinite(se) & (se > 0)
    p = prob_normal_below(normal_posterior(prior, np.where(ok, estimate, 0.0),
                                           np.where(ok, se, 1.0)), math.log(margin))
    return np.where(ok, p, np.nan)


def posterior_probability(model: str, direction: str, margin: float, look: dict, *,
                          control=None, experimental=None, log_hr_prior=None) -> np.ndarray:
    """Posterior probability of success (``HR`` beyond ``margin`` in ``direction``) at one look
    (``look``: 1-d arrays of the look table's keys)."""
    h, pc, pe, pn = _orient(model, direction, margin, control, experimental, log_hr_prior)
    if model == "gamma":
        if direction == "lower":
            return gamma_probability(pc, pe, h, look["events_control"], look["exposure_control"],
                                     look["events_experimental"], look["exposure_experimental"])
        return gamma_probability(pc, pe, h, look["events_experimental"],
                                 look["exposure_experimental"], look["events_control"],
                                 look["exposure_control"])
    sign = 1.0 if direction == "lower" else -1.0
    return normal_probability(pn, h, sign * look["cox_log_hr"], look["cox_se"])


def _normal_cut(prior: Mixture, log_margin: float, se: np.ndarray, gamma: float) -> np.ndarray:
    """Per trial, the final estimate ``c`` at which ``P(θ < log_margin | θ̂ = c, se) = gamma``."""
    width = 40.0 * (se + prior.p2.max()) + np.abs(prior.p1).max() + abs(log_margin)
    lo, hi = np.full(se.shape, log_margin) - width, np.full(se.shape, log_margin) + width
    for _ in range(64):  # probability decreases in the estimate
        mid = 0.5 * (lo + hi)
        above = prob_normal_below(normal_posterior(prior, mid, se), log_margin) > gamma
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return 0.5 * (lo + hi)


def normal_predictive(prior: Mixture, margin: float, gamma: float, estimate, se, events,
                      final_events) -> np.ndarray:
    """PPoS of the normal model (closed form, see the module docstring), ``direction`` lower."""
    from scipy.special import ndtr

    estimate, se = np.asarray(estimate, float), np.asarray(se, float)
    ok = np.isfinite(estimate) & np.isfinite(se) & (se > 0) & (events > 0)
    est, s = np.where(ok, estimate, 0.0), np.where(ok, se, 1.0)
    frac = np.clip(np.where(ok, events, 1.0) / final_events, 1e-12, 1.0)
    ik = 1.0 / s ** 2
    i_final = ik / frac
    di = np.maximum(i_final - ik, 1e-300)
    c = _normal_cut(prior, math.log(margin), 1.0 / np.sqrt(i_final), gamma)
    w, m, sd = normal_posterior(prior, est, s)
    u = ((c * i_final - ik * est) / di)[:, None]
    pp = np.sum(w * ndtr((u - m) / np.sqrt(sd ** 2 + 1.0 / di[:, None])), axis=1)
    done = frac >= 1.0  # nothing to come: success is decided by the data at hand
    final = prob_normal_below(normal_posterior(prior, est, s), math.log(margin)) > gamma
    return np.where(ok, np.where(done, final.astype(float), pp), np.nan)


def _draw_gamma(post, draws: int, rng: np.random.Generator) -> np.ndarray:
    """``draws`` draws per trial from a gamma-mixture posterior ``(w, a, b)``, shape
    ``(trials, draws)``."""
    w, a, b = post
    if w.shape[1] == 1:
        j = np.zeros((w.shape[0], draws), dtype=int)
    else:
        u = rng.random((w.shape[0], draws))
        j = np.minimum((u[:, :, None] > np.cumsum(w, axis=1)[:, None, :]).sum(axis=2),
                       w.shape[1] - 1)
    aa = np.take_along_axis(a, j, axis=1)
    bb = np.take_along_axis(b, j, axis=1)
    return rng.standard_gamma(aa) / bb


def gamma_predictive(control: Mixture, experimental: Mixture, margin: float, gamma: float,
                     dc, ec, de, ee, final_events, draws: int,
                     rng: np.random.Generator) -> np.ndarray:
    """PPoS of the gamma model by ``draws`` vectorised posterior-predictive draws per trial
    (see the module docstring), ``direction`` lower. Order of random numbers: control
    component/hazard draws, experimental ones, control Poisson counts, experimental ones."""
    dc, ec, de, ee = (np.asarray(v, float) for v in (dc, ec, de, ee))
    d = dc + de
    grow = np.maximum(final_events / np.maximum(d, 1.0) - 1.0, 0.0)
    lam_c = _draw_gamma(gamma_posterior(control, dc, ec), draws, rng)
    lam_e = _draw_gamma(gamma_posterior(experimental, de, ee), draws, rng)
    xc, xe = (ec * grow)[:, None], (ee * grow)[:, None]
    fc = dc[:, None] + rng.poisson(lam_c * xc)
    fe = de[:, None] + rng.poisson(lam_e * xe)
    n = d.size
    p = gamma_probability(control, experimental, margin, fc.ravel(),
                          np.repeat(ec * (1 + grow), draws), fe.ravel(),
                          np.repeat(ee * (1 + grow), draws)).reshape(n, draws)
    return (p > gamma).mean(axis=1)


def gamma_predictive_exact(control: Mixture, experimental: Mixture, margin: float, gamma: float,
                           dc, ec, de, ee, final_events) -> np.ndarray:
    """PPoS of the gamma model, exact: the sum over the future counts of both arms by one
    staircase walk per trial (:mod:`neosim.simulator.predictive_kernels`), ``direction`` lower."""
    from scipy.special import betainc, gammaln

    from neosim.simulator.predictive_kernels import ppos_gamma

    dc, ec, de, ee = (np.asarray(v, float) for v in (dc, ec, de, ee))
    grow = np.maximum(final_events / np.maximum(dc + de, 1.0) - 1.0, 0.0)
    post_c, post_e = gamma_posterior(control, dc, ec), gamma_posterior(experimental, de, ee)
    fin_rate_c = control.p2[None, :] + (ec * (1 + grow))[:, None]
    fin_rate_e = experimental.p2[None, :] + (ee * (1 + grow))[:, None]
    bc, be = fin_rate_c[:, :, None], margin * fin_rate_e[:, None, :]
    lx, l1x = np.log(be / (be + bc)), np.log(bc / (be + bc))
    sc, se = post_c[1][:, :, None], post_e[1][:, None, :]  # shapes at no future event
    ival0 = betainc(se, sc, be / (be + bc))
    lscale0 = se * lx + sc * l1x - (gammaln(se) + gammaln(sc) - gammaln(se + sc))

    def lv0(prior, shape, rate):
        return (np.log(prior.weights) + prior.p1 * np.log(prior.p2) - gammaln(prior.p1))[None, :] \
            + gammaln(shape) - shape * np.log(rate)

    out = np.empty(dc.size)
    ppos_gamma(float(gamma), np.ascontiguousarray(np.stack(post_c)),
               np.ascontiguousarray(np.stack(post_e)), ec * grow, ee * grow,
               np.ascontiguousarray(np.stack([post_c[1], fin_rate_c])),
               np.ascontiguousarray(np.stack([post_e[1], fin_rate_e])),
               np.ascontiguousarray(lx), np.ascontiguousarray(l1x), ival0, lscale0,
               lv0(control, post_c[1], fin_rate_c), lv0(experimental, post_e[1], fin_rate_e), out)
    return out


def predictive_probability(model: str, direction: str, margin: float, gamma: float, look: dict,
                           final_events, *, control=None, experimental=None, log_hr_prior=None,
                           draws: int | None = None,
                           rng: np.random.Generator | None = None) -> np.ndarray:
    """PPoS at one look for every trial (``look``: 1-d arrays of the look table's keys;
    ``final_events``: scalar or per-trial events of the final analysis). The gamma model sums
    exactly unless ``draws`` asks for vectorised posterior-predictive draws (from ``rng``)."""
    h, pc, pe, pn = _orient(model, direction, margin, control, experimental, log_hr_prior)
    events = look["events_control"] + look["events_experimental"]
    final_events = np.broadcast_to(np.asarray(final_events, float), events.shape)
    if model == "gamma":
        arms = (("control", "experimental") if direction == "lower"
                else ("experimental", "control"))
        a, b = arms
        if draws is None:
            return gamma_predictive_exact(pc, pe, h, gamma, look[f"events_{a}"],
                                          look[f"exposure_{a}"], look[f"events_{b}"],
                                          look[f"exposure_{b}"], final_events)
        return gamma_predictive(pc, pe, h, gamma, look[f"events_{a}"], look[f"exposure_{a}"],
                                look[f"events_{b}"], look[f"exposure_{b}"], final_events, draws,
                                rng if rng is not None else np.random.default_rng(0))
    sign = 1.0 if direction == "lower" else -1.0
    return normal_predictive(pn, h, gamma, sign * look["cox_log_hr"], look["cox_se"], events,
                             final_events)
