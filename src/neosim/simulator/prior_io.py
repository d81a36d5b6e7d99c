"""Priors of the simulator, read from prior files (:mod:`neosim.priors`) and put on its scales.

Analysis priors must be conjugate mixtures (no MCMC per trial): gamma mixtures on a hazard per
month, normal mixtures on a log hazard ratio. A beta mixture on a survival probability
``survival_probability_<T>m`` (e.g. the pooled MAP prior of 2-year survival) is accepted as a prior
on the constant control hazard ``λ = -log(S)/T``: each Beta(a, b) component becomes the gamma
with the same mean and variance of ``λ``, using ``E[-log S] = ψ(a+b) - ψ(a)`` and
``Var[-log S] = ψ'(a) - ψ'(a+b)``; this is exact when ``b = 1`` (then ``-log S ~ Exp(a)``, so the
uniform robust component Beta(1, 1) maps exactly to Exp(T)) and a two-moment match otherwise.

Design priors (assurance) may also be ``draws`` (e.g. ``hazard_per_month[ALL]`` exported by the
survival fit); a beta mixture on ``S(T)`` is then sampled and transformed exactly.
"""

from __future__ import annotations

import re

import numpy as np

from neosim.errors import InputError
from neosim.priors import Mixture, PriorFile, mixture_of

_SURVIVAL = re.compile(r"^survival_probability_(\d+(?:\.\d+)?)m$")


def survival_horizon(quantity: str) -> float | None:
    """``T`` (months) of a ``survival_probability_<T>m`` quantity, else ``None``."""
    m = _SURVIVAL.match(quantity)
    return float(m.group(1)) if m else None


def beta_survival_to_gamma_hazard(mix: Mixture, horizon: float) -> Mixture:
    """Moment-matched gamma mixture of ``λ = -log(S)/horizon`` for a beta mixture on ``S``."""
    from scipy.special import polygamma, psi

    a, b = mix.p1, mix.p2
    m = psi(a + b) - psi(a)
    v = polygamma(1, a) - polygamma(1, a + b)
    return Mixture("gamma", mix.weights, m * m / v, m * horizon / v)


def hazard_prior(prior: PriorFile, *, file: str | None = None) -> Mixture:
    """An analysis prior on a hazard per month (gamma mixture), from a prior file."""
    if prior.kind != "mixture":
        raise InputError("an analysis prior must be a mixture (draws serve as design priors)",
                         file=file, field="kind")
    mix = mixture_of(prior)
    horizon = survival_horizon(prior.quantity)
    if prior.family == "beta" and horizon is not None:
        return beta_survival_to_gamma_hazard(mix, horizon)
    if prior.family == "gamma" and "hazard" in prior.quantity:
        return mix
    raise InputError(f"cannot use a {prior.family} prior on {prior.quantity!r} as a hazard "
                     "prior (need a gamma mixture on a hazard per month or a beta mixture on "
                     "survival_probability_<T>m)", file=file, field="quantity")


def log_hr_prior(prior: PriorFile, *, file: str | None = None) -> Mixture:
    """An analysis prior on the log hazard ratio (normal mixture), from a prior file."""
    if prior.kind != "mixture" or prior.family != "normal":
        raise InputError("a log-HR prior must be a normal mixture", file=file, field="family")
    return mixture_of(prior)


class SurvivalToHazard:
    """Samples ``λ = -log(S)/horizon`` with ``S`` from a beta mixture (exact transform)."""

    def __init__(self, mix: Mixture, horizon: float):
        self.mix, self.horizon = mix, horizon

    def sample(self, size: int, rng: np.random.Generator) -> np.ndarray:
        s = self.mix.sample(size, rng)
        return -np.log(np.clip(s, 1e-300, 1.0)) / self.horizon


def design_rate_prior(prior: PriorFile, *, key: str = "", file: str | None = None):
    """A design prior on the true control hazard per month: draws, a gamma mixture, or a beta
    mixture on ``survival_probability_<T>m`` transformed exactly."""
    if prior.kind == "draws":
        keys = list(prior.draws)
        if not key:
            hazard_keys = [k for k in keys if k.startswith("hazard")]
            if len(keys) == 1:
                key = keys[0]
            elif len(hazard_keys) == 1:
                key = hazard_keys[0]
            else:
                raise InputError(f"name the draws to use (one of {', '.join(keys)})", file=file,
                                 field="draws")
        if key not in prior.draws:
            raise InputError(f"no draws named {key!r} (has {', '.join(keys)})", file=file,
                             field="draws")
        values = np.asarray(prior.draws[key], float)
        if np.any(values <= 0):
            raise InputError(f"draws {key!r} must be positive hazards", file=file, field="draws")
        return values
    mix = mixture_of(prior)
    horizon = survival_horizon(prior.quantity)
    if prior.family == "beta" and horizon is not None:
        return SurvivalToHazard(mix, horizon)
    if prior.family == "gamma" and "hazard" in prior.quantity:
        return mix
    raise InputError(f"cannot use a {prior.family} prior on {prior.quantity!r} as a hazard "
                     "design prior", file=file, field="quantity")
