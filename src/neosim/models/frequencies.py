"""Subtype-frequency models: binomial proportions with Beta priors.

Three components, each a function that adds its variables to the current ``pm.Model``:

``neonatal_fraction``
    the neonatal fraction of infant leukaemia by subtype, ``k_s ~ Binomial(n_s, p_s)``, with the
    posterior of the difference and the ratio of the first two subtypes;
``neonatal_composition``
    the share of each of two subtypes among the neonatal cases, ``k_1 ~ Binomial(k_1 + k_2, θ)``;
``mll_rate``
    the MLL-rearranged fraction among neonates of one subtype whose MLL status is reported.

All use Beta priors (a :class:`neosim.priors.Beta` object per component: its ``pymc`` builds the
variable and its ``sample`` the SBC prior draws), so each has an exact conjugate posterior
(:func:`conjugate_posteriors`) against which the MCMC fit is checked. Observed counts enter
through ``pm.Data`` so one compiled model can be refitted to new counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neosim.priors import Beta

# (variable name in the posterior, coordinate) -> Beta(a, b) parameters
Conjugate = dict[str, tuple[float, float]]


@dataclass(frozen=True)
class BinomialData:
    """Counts for a set of binomial proportions: ``k[i]`` successes out of ``n[i]``."""

    labels: tuple[str, ...]
    k: tuple[int, ...]
    n: tuple[int, ...]

    def __post_init__(self):
        if not (len(self.labels) == len(self.k) == len(self.n)) or not self.labels:
            raise ValueError("labels, k and n must have the same non-zero length")
        for k, n in zip(self.k, self.n, strict=True):
            if not 0 <= k <= n:
                raise ValueError(f"impossible count {k} of {n}")


def add_proportions(data: BinomialData, prior: Beta, *, name: str = "proportion",
                    dim: str = "group", observed: str = "cases") -> None:
    """Independent binomial proportions ``k_g ~ Binomial(n_g, p_g)``, ``p_g ~ prior``.

    Adds ``name`` (dim ``dim``), the observed counts ``observed`` (with ``pm.Data``
    ``{name}_n`` and ``{name}_k``) and, with two or more groups, ``{name}_difference`` (first
    minus second) and ``{name}_ratio`` (first over second) to the model on the context stack.
    """
    import pymc as pm

    model = pm.modelcontext(None)
    model.add_coord(dim, list(data.labels))
    n = pm.Data(f"{name}_n", np.asarray(data.n, dtype="int64"), dims=dim)
    k = pm.Data(f"{name}_k", np.asarray(data.k, dtype="int64"), dims=dim)
    p = prior.pymc(name, dims=dim)
    pm.Binomial(observed, n=n, p=p, observed=k, dims=dim)
    if len(data.labels) >= 2:
        pm.Deterministic(f"{name}_difference", p[0] - p[1])
        pm.Deterministic(f"{name}_ratio", p[0] / p[1])


#: the contrasts :func:`add_proportions` reports between its first two groups: variable suffix ->
#: the operator that names their direction in ``summary.csv`` (``x_difference[ALL-AML]``)
CONTRASTS = {"_difference": "-", "_ratio": "/"}


def contrast_label(posterior, name: str) -> str | None:
    """The summary name of a contrast variable with its direction, or ``None`` for any other.

    ``name`` is ``{base}_difference`` (first minus second group of ``base``'s one dimension) or
    ``{base}_ratio`` (first over second), scalar in ``posterior``; the label names the groups,
    e.g. ``neonatal_fraction_difference[ALL-AML]`` or ``neonatal_fraction_ratio[ALL/AML]``.
    """
    for suffix, op in CONTRASTS.items():
        base = name.removesuffix(suffix)
        if base == name or base not in posterior or name not in posterior:
            continue
        dims = [d for d in posterior[base].dims if d not in ("chain", "draw")]
        extra = [d for d in posterior[name].dims if d not in ("chain", "draw")]
        if len(dims) == 1 and not extra and dims[0] in posterior[base].coords:
            groups = [str(g) for g in posterior[base].coords[dims[0]].values]
            if len(groups) >= 2:
                return f"{name}[{groups[0]}{op}{groups[1]}]"
    return None


def add_neonatal_fraction(data: BinomialData, prior: Beta) -> None:
    """Neonatal fraction by subtype, with difference and ratio of the first two subtypes.

    Adds ``neonatal_fraction`` (dim ``subtype``) and, with two or more subtypes,
    ``neonatal_fraction_difference`` (first minus second) and ``neonatal_fraction_ratio``
    (first over second) to the model on the context stack (:func:`add_proportions`).
    """
    add_proportions(data, prior, name="neonatal_fraction", dim="subtype",
                    observed="neonatal_cases")


def add_neonatal_composition(data: BinomialData, prior: Beta) -> None:
    """Share of the first of two subtypes among neonatal cases.

    ``data.labels`` are the two subtypes, ``data.k`` their case counts and ``data.n`` the total
    of both, repeated (so each share is ``k / n``). Adds ``neonatal_share`` (dim
    ``neonatal_subtype``) as a deterministic pair (θ, 1 − θ) of the Beta-distributed
    ``neonatal_share_first``.
    """
    import pymc as pm

    model = pm.modelcontext(None)
    model.add_coord("neonatal_subtype", list(data.labels))
    n = pm.Data("neonatal_share_n", np.asarray(data.n[0], dtype="int64"))
    k = pm.Data("neonatal_share_k", np.asarray(data.k[0], dtype="int64"))
    theta = prior.pymc("neonatal_share_first")
    pm.Binomial("neonatal_first_subtype_cases", n=n, p=theta, observed=k)
    pm.Deterministic("neonatal_share", pm.math.stack([theta, 1.0 - theta]),
                     dims="neonatal_subtype")


def add_mll_rate(data: BinomialData, prior: Beta) -> None:
    """MLL-rearranged fraction among neonates of each listed subtype with reported status.

    Adds ``mll_rearranged_fraction`` (dim ``mll_subtype``).
    """
    import pymc as pm

    model = pm.modelcontext(None)
    model.add_coord("mll_subtype", list(data.labels))
    n = pm.Data("mll_reported_n", np.asarray(data.n, dtype="int64"), dims="mll_subtype")
    k = pm.Data("mll_rearranged_k", np.asarray(data.k, dtype="int64"), dims="mll_subtype")
    p = prior.pymc("mll_rearranged_fraction", dims="mll_subtype")
    pm.Binomial("mll_rearranged_cases", n=n, p=p, observed=k, dims="mll_subtype")


def beta_posterior(k: int, n: int, prior: Beta) -> tuple[float, float]:
    """Exact Beta posterior parameters of a binomial proportion under a Beta prior."""
    return prior.alpha + k, prior.beta + n - k


def conjugate_posteriors(
    component: str, data: BinomialData, prior: Beta
) -> dict[str, tuple[float, float]]:
    """Exact Beta posteriors of every proportion a component reports, keyed by summary name.

    The summary name is ``variable[coordinate]`` as in ``summary.csv``; for the composition the
    second share is ``1 - θ`` and so Beta(b', a') of the first's Beta(a', b').
    """
    out = {}
    if component == "neonatal_fraction":
        for lab, k, n in zip(data.labels, data.k, data.n, strict=True):
            out[f"neonatal_fraction[{lab}]"] = beta_posterior(k, n, prior)
    elif component == "neonatal_composition":
        a, b = beta_posterior(data.k[0], data.n[0], prior)
        out[f"neonatal_share[{data.labels[0]}]"] = (a, b)
        out[f"neonatal_share[{data.labels[1]}]"] = (b, a)
    elif component == "mll_rate":
        for lab, k, n in zip(data.labels, data.k, data.n, strict=True):
            out[f"mll_rearranged_fraction[{lab}]"] = beta_posterior(k, n, prior)
    else:
        raise KeyError(component)
    return out


#: Registry of components: name -> builder (configs can only name these).
COMPONENTS = {
    "neonatal_fraction": add_neonatal_fraction,
    "neonatal_composition": add_neonatal_composition,
    "mll_rate": add_mll_rate,
}

#: Variables each component reports in ``summary.csv`` (in order).
REPORTED = {
    "neonatal_fraction": ["neonatal_fraction", "neonatal_fraction_difference",
                          "neonatal_fraction_ratio"],
    "neonatal_composition": ["neonatal_share"],
    "mll_rate": ["mll_rearranged_fraction"],
}


def build_model(parts: list[tuple[str, BinomialData, Beta]]):
    """Build one ``pm.Model`` from components ``(name, data, prior)``.

    The components have disjoint parameters and likelihoods, so fitting them jointly gives the
    same posterior as fitting each alone, with one compilation instead of several.
    """
    import pymc as pm

    with pm.Model() as model:
        for name, data, prior in parts:
            COMPONENTS[name](data, prior)
    return model


def sbc_draw(parts: list[tuple[str, BinomialData, Beta]], rng: np.random.Generator):
    """Draw parameters from the priors of ``parts`` (the objects :func:`build_model` gives PyMC)
    and counts of the same shape as their data.

    Returns ``(truth, data)`` for :mod:`neosim.calibration`: ``truth`` keyed by the free
    posterior variables, ``data`` keyed by the ``pm.Data`` names of the observed counts.
    """
    truth, data = {}, {}
    for name, d, prior in parts:
        n = np.asarray(d.n, dtype="int64")
        if name == "neonatal_fraction":
            p = prior.sample(len(d.labels), rng)
            truth["neonatal_fraction"], data["neonatal_fraction_k"] = p, rng.binomial(n, p)
        elif name == "neonatal_composition":
            theta = prior.sample(None, rng)
            truth["neonatal_share_first"] = np.float64(theta)
            data["neonatal_share_k"] = np.int64(rng.binomial(n[0], theta))
        elif name == "mll_rate":
            p = prior.sample(len(d.labels), rng)
            truth["mll_rearranged_fraction"], data["mll_rearranged_k"] = p, rng.binomial(n, p)
    return truth, data


#: free parameters of each component (what calibration ranks)
FREE = {
    "neonatal_fraction": "neonatal_fraction",
    "neonatal_composition": "neonatal_share_first",
    "mll_rate": "mll_rearranged_fraction",
}
