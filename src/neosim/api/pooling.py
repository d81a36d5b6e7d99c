"""Random-effects pooling of study proportions with its MAP prior, and effective sample size.

Thin over :mod:`neosim.models.pooling` (the hierarchical logit-normal model and its
meta-analytic-predictive draws), :mod:`neosim.models.mixfit` (beta mixtures fitted to draws) and
:mod:`neosim.models.ess`: the pieces the ``evidence_pooling`` experiment kind runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from neosim.errors import InputError
from neosim.priors import Mixture

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["Mixture", "ess", "pool"]


def pool(studies: Mapping[str, tuple[int, int]], *, seed: int, mu_prior: tuple[float, float] = (
        0.0, 2.0), tau_prior: Any = "half_normal", tau_scale: float = 1.0, tau_nu: float = 3.0,
         map_replicates: int = 10, draws: int = 1000, tune: int = 1000, chains: int = 4,
         cores: int | None = None, target_accept: float = 0.9) -> xr.DataTree:
    """Pool study proportions ``k / n`` with a random-effects model and draw its MAP prior.

    ``logit p_i = mu + tau z_i`` with ``mu ~ Normal(*mu_prior)`` and ``tau`` half-normal (or
    half-t); each study contributes its exact binomial likelihood. The meta-analytic-predictive
    (MAP) prior of a new study's proportion is ``expit(mu + tau e)``, ``e ~ Normal(0, 1)``.

    Parameters
    ----------
    studies : mapping
        ``{study: (k, n)}``: e.g. survivors ``k`` of ``n`` patients.
    seed : int
        Seed of the sampler and (as ``SeedSequence(seed, spawn_key=(1,))``) of the MAP draws.
    mu_prior : (float, float)
        Mean and SD of the population logit.
    tau_prior, tau_scale, tau_nu
        ``"half_normal"`` (scale) or ``"half_t"`` (``nu``, scale) prior of the between-study SD,
        or the prior object itself (``ns.HalfNormal(1.0)``, ``ns.HalfStudentT(3, 1)``).
    map_replicates : int
        MAP draws per posterior draw.
    draws, tune, chains, cores, target_accept
        Sampler settings.

    Returns
    -------
    xarray.DataTree
        The fit (``mu``, ``tau``, ``study_survival`` on dimension ``study``,
        ``map_survival_mean``) and a child ``map_predictive`` with ``map_survival`` (chain,
        draw, replicate). Fit a robust beta mixture to the draws with
        :func:`neosim.models.mixfit.auto_fit`, then :func:`ess`.

    Examples
    --------
    >>> import neosim as ns
    >>> dt = ns.pool({"A": (30, 50), "B": (20, 40), "C": (45, 60)}, seed=4, draws=300,
    ...              tune=300, chains=2)
    >>> m = dt["map_predictive"]["map_survival"]
    >>> m.dims
    ('chain', 'draw', 'replicate')
    >>> bool(0.4 < float(m.mean()) < 0.8)
    True
    """
    import xarray as xr

    from neosim import sampling
    from neosim.api.fit import _positive, _seed, _settings
    from neosim.models import pooling
    from neosim.models.evidence import StudyLikelihood
    from neosim.priors import HalfNormal, HalfStudentT, Normal

    if not isinstance(studies, Mapping) or not 1 <= len(studies) <= 1000:
        raise InputError("must be a mapping of 1 to 1000 studies to (k, n)", field="studies")
    likelihoods = []
    for name, pair in studies.items():
        where = f"studies[{name!r}]"
        if (not isinstance(name, str) or not name or not isinstance(pair, tuple | list)
                or len(pair) != 2 or any(isinstance(x, bool) or not isinstance(x, int)
                                         for x in pair)
                or not 0 <= pair[0] <= pair[1] or not 1 <= pair[1] <= 10**9):
            raise InputError(f"must be a named pair of integers 0 <= k <= n (got {pair!r})",
                             field=where)
        likelihoods.append(StudyLikelihood(figure_id=name, study_id=name, label=name,
                                           kind="binomial", k=float(pair[0]),
                                           n=float(pair[1])))
    if isinstance(tau_prior, HalfNormal | HalfStudentT):  # a prior object: used as it is
        tau = tau_prior
    elif tau_prior in ("half_normal", "half_t"):
        scale = _positive(tau_scale, "tau_scale")
        tau = (HalfNormal(scale) if tau_prior == "half_normal"
               else HalfStudentT(_positive(tau_nu, "tau_nu"), scale))
    else:
        raise InputError(f"must be 'half_normal', 'half_t' or a HalfNormal/HalfStudentT prior "
                         f"(got {tau_prior!r})", field="tau_prior")
    if (not isinstance(mu_prior, tuple | list) or len(mu_prior) != 2
            or not all(isinstance(x, int | float) and math.isfinite(x) for x in mu_prior)
            or abs(mu_prior[0]) > 100):
        raise InputError(f"must be (mean, sd) of the logit (got {mu_prior!r})",
                         field="mu_prior")
    mu = Normal(float(mu_prior[0]), _positive(mu_prior[1], "mu_prior[1]"))
    if isinstance(map_replicates, bool) or not isinstance(map_replicates, int) or not (
            1 <= map_replicates <= 1000):
        raise InputError("must be an integer in [1, 1000]", field="map_replicates")
    settings = _settings(draws, tune, chains, cores, target_accept)
    seed = _seed(seed)
    model = pooling.build_model(likelihoods, mu_prior=mu, tau_prior=tau)
    dt = sampling.sample(model, settings, seed)
    post = dt["posterior"]
    draws_ = pooling.map_predictive(post, map_replicates, seed)
    shaped = draws_.reshape(post.sizes["chain"], post.sizes["draw"], map_replicates)
    dt["map_predictive"] = xr.DataTree(xr.Dataset(
        {"map_survival": (("chain", "draw", "replicate"), shaped)}))
    return dt


def ess(prior: Any, method: str = "elir", *, sigma: float | None = None,
        scale: str = "natural") -> float:
    """Effective sample size of a beta, gamma or normal prior or mixture of them.

    Parameters
    ----------
    prior : Mixture or Beta, Gamma, Normal
        E.g. ``ns.Mixture("beta", [0.8, 0.2], [12, 1], [8, 1])`` or ``ns.Beta(12, 8)``.
    method : str
        ``"elir"`` (expected local-information ratio, Neuenschwander et al. 2020; default),
        ``"moment"`` (moment matching) or ``"morita"`` (Morita, Thall and Müller 2008, at the
        prior mean; beta and gamma).
    sigma : float, optional
        Unit standard deviation (normal mixtures only).
    scale : str
        Scale of the ELIR: ``"natural"`` (the probability or hazard, as RBesT; default) or
        ``"logit"`` (logit of a probability, log of a hazard). A single component gives the
        same ESS on both; a mixture does not.

    Returns
    -------
    float
        Patients (beta), person-time (gamma) or observations of SD ``sigma`` (normal).

    Examples
    --------
    >>> import neosim as ns
    >>> round(ns.ess(ns.Beta(12.0, 8.0)), 6)   # Beta(a, b): a + b
    20.0
    >>> robust = ns.Mixture("beta", [0.8, 0.2], [12.0, 1.0], [8.0, 1.0])
    >>> ns.ess(robust, "elir") < 20.0
    True
    >>> round(ns.ess(robust, scale="logit") - ns.ess(robust), 6)   # Beta(1, 1) part: 0.2 x 2
    0.4
    """
    from neosim.models import ess as ess_module
    from neosim.priors import Beta, Gamma, Normal

    if isinstance(prior, Beta | Gamma | Normal):
        prior = Mixture.of([prior])
    if not isinstance(prior, Mixture):
        raise InputError(f"expected a neosim.Mixture or a Beta, Gamma or Normal prior (got "
                         f"{type(prior).__name__})", field="prior")
    if scale not in ("natural", "logit"):
        raise InputError(f"unknown scale {scale!r} (known: natural, logit)", field="scale")
    if method == "elir":
        return float(ess_module.ess_elir(prior, sigma=sigma, scale=scale))
    if method == "moment":
        return float(ess_module.ess_moment(prior, sigma=sigma))
    if method == "morita":
        if prior.family == "normal":
            raise InputError("Morita's ESS is implemented for beta and gamma priors",
                             field="method")
        return float(ess_module.ess_morita(prior))
    raise InputError(f"unknown method {method!r} (known: elir, moment, morita)", field="method")
