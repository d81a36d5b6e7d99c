"""Bayesian adaptive designs: stopping on posterior and predictive probabilities at every look,
operating characteristics with MC standard errors, and calibration of the efficacy threshold to
a target type-I error.

A :class:`BayesianAdaptive` rule reads a look table (:mod:`neosim.simulator.lookdata`: per-trial,
per-look events, exposures, Cox estimates) and, at look ``k`` of every trial still running:

1. **efficacy**: stop and declare success when the posterior probability that the hazard ratio
   lies beyond ``margin`` (below it for ``direction = "lower"``, above for ``"upper"``) exceeds
   ``efficacy``; at the last look this is the final analysis's success rule;
2. **futility** (looks before the last, when ``futility`` is set): stop when the predictive
   probability of success at the final analysis (:mod:`neosim.simulator.predictive`) is below
   ``futility``.

Efficacy is checked first (the first stop wins). Nothing is fitted per trial: every probability
is a conjugate closed form or a vectorised draw, for all trials at once.

**Calibration** (:func:`calibrate`): under the null (trials simulated at ``HR = θ₀``) a trial
rejects iff ``Mᵢ = maxₖ pᵢₖ > γ``, the maximum of its posterior probabilities over the looks it
reaches (with binding futility: the looks up to its futility stop, which depends on ``γ`` only
through the predictive probability; that is iterated to a fixed point). So the type-I error is a
step function of ``γ`` read off the sorted ``Mᵢ``: ``γ`` is put midway between the order
statistics that leave ``r = round(n α)`` trials above it, with no re-simulation per candidate.
Its MC uncertainty maps the binomial 95 % interval of the count of rejections, ``r ± 1.96
√(n α(1-α))``, through the same order statistics (``threshold_interval``; ``threshold_mc_se`` is
a quarter of its width).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from neosim import seeds
from neosim.errors import InputError
from neosim.priors import Mixture
from neosim.simulator.lookdata import normalise
from neosim.simulator.oc import mean_se, proportion
from neosim.simulator.predictive import posterior_probability, predictive_probability

MODELS = ("gamma", "normal")


def check_probability(value, field: str) -> None:
    """Raise :class:`InputError` naming ``field`` unless ``value`` is a number in (0, 1)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise InputError(f"must lie in (0, 1) (got {value!r})", field=field)


@dataclass(frozen=True, eq=False)
class BayesianAdaptive:
    """Posterior-probability efficacy and predictive-probability futility at every look.

    ``model`` ``"gamma"`` needs ``control_prior`` and ``experimental_prior`` (gamma mixtures on
    the hazard per month, e.g. a robust MAP prior on control); ``"normal"`` needs
    ``log_hr_prior`` (a normal mixture on log HR). ``final_events``: events of the final
    analysis (default: per trial, those of the table's last look, i.e. the planned number for
    event-driven looks). ``draws``: the gamma model's predictive probability by that many
    vectorised posterior-predictive draws per trial instead of the exact sum (default).
    """

    model: str = "gamma"
    control_prior: Mixture | None = None
    experimental_prior: Mixture | None = None
    log_hr_prior: Mixture | None = None
    margin: float = 1.0
    direction: str = "lower"
    efficacy: float = 0.975
    futility: float | None = None
    final_events: float | None = None
    draws: int | None = None

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise InputError(f"must be one of {', '.join(MODELS)} (got {self.model!r})",
                             field="model")
        if self.direction not in ("lower", "upper"):
            raise InputError(f"must be lower or upper (got {self.direction!r})",
                             field="direction")
        check_probability(self.efficacy, "efficacy")
        if self.futility is not None:
            check_probability(self.futility, "futility")
        if not (isinstance(self.margin, int | float) and math.isfinite(self.margin)
                and 0 < self.margin <= 100):
            raise InputError(f"must be a hazard ratio in (0, 100] (got {self.margin!r})",
                             field="margin")
        if self.final_events is not None and not (math.isfinite(self.final_events)
                                                  and 1 <= self.final_events <= 1e6):
            raise InputError("must lie in [1, 10^6]", field="final_events")
        if self.draws is not None and not (isinstance(self.draws, int)
                                           and 16 <= self.draws <= 100_000):
            raise InputError("must be an integer in [16, 100000]", field="draws")
        need = (("control_prior", "experimental_prior") if self.model == "gamma"
                else ("log_hr_prior",))
        family = "gamma" if self.model == "gamma" else "normal"
        for f in need:
            prior = getattr(self, f)
            if not isinstance(prior, Mixture) or prior.family != family:
                raise InputError(f"must be a {family} mixture for the {self.model} model",
                                 field=f)

    @property
    def keys(self) -> tuple[str, ...]:
        base = ("look_time", "look_subjects", "events_control", "events_experimental")
        if self.model == "gamma":
            return (*base, "exposure_control", "exposure_experimental")
        return (*base, "cox_log_hr", "cox_se")

    def _priors(self) -> dict:
        return {"control": self.control_prior, "experimental": self.experimental_prior,
                "log_hr_prior": self.log_hr_prior}

    def posterior(self, looks: dict) -> np.ndarray:
        """Posterior probability of success, ``(trials, looks)``."""
        t = normalise(looks, self.keys)
        cols = [posterior_probability(self.model, self.direction, self.margin,
                                      {k: v[:, j] for k, v in t.items()}, **self._priors())
                for j in range(t["look_time"].shape[1])]
        return np.stack(cols, axis=1)

    def _final(self, t: dict) -> np.ndarray:
        last = t["events_control"][:, -1] + t["events_experimental"][:, -1]
        return last if self.final_events is None else np.full(last.shape, self.final_events)

    def predictive(self, looks: dict, seed: int = 0, *, efficacy: float | None = None,
                   active: np.ndarray | None = None) -> np.ndarray:
        """Predictive probability of success at the final analysis, ``(trials, looks - 1)``
        (looks before the last; ``nan`` where ``active`` is False). Draws (gamma model) from
        ``seeds.rng(seed, look)``."""
        t = normalise(looks, self.keys)
        gamma = self.efficacy if efficacy is None else efficacy
        final = self._final(t)
        n, n_looks = t["look_time"].shape
        out = np.full((n, n_looks - 1), np.nan)
        for j in range(n_looks - 1):
            rows = np.arange(n) if active is None else np.flatnonzero(active[:, j])
            if rows.size == 0:
                continue
            look = {k: v[rows, j] for k, v in t.items()}
            out[rows, j] = predictive_probability(
                self.model, self.direction, self.margin, gamma, look, final[rows],
                draws=self.draws, rng=seeds.rng(seed, j), **self._priors())
        return out

    def decisions(self, looks: dict, seed: int = 0, *, efficacy: float | None = None,
                  post: np.ndarray | None = None):
        """Per trial: the look at which it stops (0-based), and whether for efficacy or
        futility. Returns ``(stop_look, efficacy, futility, post, pred)``."""
        gamma = self.efficacy if efficacy is None else efficacy
        post = self.posterior(looks) if post is None else post
        n, n_looks = post.shape
        eff = np.nan_to_num(post, nan=0.0) > gamma
        pred = np.full((n, n_looks - 1), np.nan)
        fut = np.zeros((n, n_looks), dtype=bool)
        if self.futility is not None and n_looks > 1:
            # predictive probabilities only where a trial is still running and not stopping
            running = np.ones(n, dtype=bool)
            for j in range(n_looks - 1):
                active = np.zeros((n, n_looks - 1), dtype=bool)
                active[:, j] = running & ~eff[:, j]
                pred[:, j] = self.predictive(looks, seed, efficacy=gamma, active=active)[:, j]
                fut[:, j] = active[:, j] & (np.nan_to_num(pred[:, j], nan=1.0) < self.futility)
                running &= ~(eff[:, j] | fut[:, j])
        stop = eff | fut
        stop[:, -1] = True
        look = np.argmax(stop, axis=1)
        rows = np.arange(n)
        return look, eff[rows, look], fut[rows, look], post, pred

    def operating_characteristics(self, looks: dict, seed: int = 0) -> dict:
        """Success probability (power or type-I error), stopping per look and reason, expected
        events, subjects and duration, each with its MC SE."""
        t = normalise(looks, self.keys)
        look, eff, fut, _, _ = self.decisions(t, seed)
        n, n_looks = t["look_time"].shape
        rows = np.arange(n)
        out = {"n_trials": n, "looks": n_looks}
        out["success"], out["success_mc_se"] = proportion(eff)
        early = look < n_looks - 1
        out["early_stop"], out["early_stop_mc_se"] = proportion(early)
        for reason, hit in (("efficacy", eff), ("futility", fut)):
            per = [proportion(hit & (look == j)) for j in range(n_looks)]
            out[f"stop_{reason}"] = [p for p, _ in per]
            out[f"stop_{reason}_mc_se"] = [s for _, s in per]
        events = t["events_control"] + t["events_experimental"]
        for name, arr in (("events", events), ("subjects", t["look_subjects"]),
                          ("duration", t["look_time"])):
            out[f"expected_{name}"], out[f"expected_{name}_mc_se"] = mean_se(arr[rows, look])
        return out


@dataclass(frozen=True)
class Calibration:
    """A calibrated efficacy threshold and its Monte-Carlo uncertainty."""

    threshold: float
    threshold_mc_se: float
    threshold_interval: tuple[float, float]
    target: float
    type_i_error: float
    type_i_error_mc_se: float
    n_trials: int
    iterations: int
    design: BayesianAdaptive

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("threshold", "threshold_mc_se",
                                              "threshold_interval", "target", "type_i_error",
                                              "type_i_error_mc_se", "n_trials", "iterations")}


def _threshold(m: np.ndarray, r: float) -> float:
    """A threshold leaving ``round(r)`` of the values ``m`` strictly above it."""
    s = np.sort(m)
    n = s.size
    k = int(np.clip(round(r), 0, n))
    if k == 0:
        return float(np.nextafter(s[-1], 1.0)) if s[-1] < 1 else 1.0 - 1e-16
    if k == n:
        return float(s[0]) * 0.5
    return 0.5 * (float(s[n - k - 1]) + float(s[n - k]))


def calibrate(design: BayesianAdaptive, looks_h0: dict, target: float = 0.025, *,
              seed: int = 0, binding_futility: bool = True, max_iter: int = 8) -> Calibration:
    """The efficacy threshold whose simulated type-I error on ``looks_h0`` (trials at the null
    hazard ratio) is ``target`` (see the module docstring)."""
    check_probability(target, "target")
    t = normalise(looks_h0, design.keys)
    post = np.nan_to_num(design.posterior(t), nan=0.0)
    n, n_looks = post.shape
    gamma, it = design.efficacy, 0
    use_fut = binding_futility and design.futility is not None and n_looks > 1
    reach = np.full(n, n_looks - 1)
    seen: set[float] = set()
    while True:
        mask = np.arange(n_looks)[None, :] <= reach[:, None]
        m = np.where(mask, post, 0.0).max(axis=1)
        new = _threshold(m, target * n)
        it += 1
        if not use_fut or new in seen or it >= max_iter:
            gamma = new
            break
        seen.add(new)
        gamma = new
        look, _, fut, _, _ = design.decisions(t, seed, efficacy=gamma, post=post)
        reach = np.where(fut, look, n_looks - 1)
    if use_fut:  # the futility stops of the threshold chosen, so the figures below agree with it
        look, _, fut, _, _ = design.decisions(t, seed, efficacy=gamma, post=post)
        reach = np.where(fut, look, n_looks - 1)
        m = np.where(np.arange(n_looks)[None, :] <= reach[:, None], post, 0.0).max(axis=1)
    half = 1.959963984540054 * math.sqrt(n * target * (1 - target))
    lo, hi = _threshold(m, target * n + half), _threshold(m, target * n - half)
    final = replace(design, efficacy=min(max(gamma, 1e-12), 1 - 1e-16))
    p, se = proportion(m > gamma)
    return Calibration(threshold=final.efficacy, threshold_mc_se=(hi - lo) / 4.0,
                       threshold_interval=(lo, hi), target=target, type_i_error=p,
                       type_i_error_mc_se=se, n_trials=n, iterations=it, design=final)
