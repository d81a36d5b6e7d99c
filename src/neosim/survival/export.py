"""Export of a ``survival_ipd`` fit as design-prior files (``priors/`` of the run folder): the
posterior draws of the export family, and for the exponential family a gamma mixture per
subtype fitted to the hazard draws. Trial designs work in months, so the files are always per
month: a fit to data in days, weeks or years is converted (:func:`neosim.units.value_in_months`)
and the description says so."""

from __future__ import annotations

import numpy as np

from neosim import units
from neosim.models import survival as sv


def posterior_draw_table(dt, family: sv.Family, max_draws: int,
                         unit: str = "months") -> dict[str, list[float]]:
    """Evenly thinned draws of the family's parameters, keyed ``name[subtype(, interval)]``,
    converted from the fit's time ``unit`` to months (hazards per month, scales in months)."""
    post = dt["posterior"]
    total = post.sizes["chain"] * post.sizes["draw"]
    keep = np.unique(np.linspace(0, total - 1, min(max_draws, total)).round().astype(int))
    out = {}
    labels = None  # piecewise intervals named by their bounds in months
    if getattr(family, "cuts", ()) and unit != "months":
        in_months = [float(units.to_months(c, unit)) for c in family.cuts]
        labels = sv.make_family(family.name, in_months).coords()["interval"]
    for name in family.parameters:
        da = post[name].stack(sample=("chain", "draw")).transpose("sample", ...)
        values = units.value_in_months(name, da.values[keep], unit)
        if name in family.shared:
            out[name] = values.tolist()
            continue
        for i, sub in enumerate(da.coords["subtype"].values):
            if family.interval_axis(name):
                for j, lab in enumerate(labels or da.coords["interval"].values):
                    out[f"{name}[{sub}, {lab}]"] = values[:, i, j].tolist()
            else:
                out[f"{name}[{sub}]"] = values[:, i].tolist()
    return out


def fit_gamma_mixture(x: np.ndarray, components: int):
    """Maximum-likelihood mixture of ``components`` gamma densities for positive draws ``x``."""
    from scipy import optimize, stats
    from scipy.special import logsumexp

    from neosim.priors import Mixture

    x = np.asarray(x, float)
    parts = np.array_split(np.sort(x), components)
    start = []
    for part in parts:  # moment matching on quantile slices
        m, v = part.mean(), max(part.var(), 1e-12 * part.mean() ** 2)
        start += [np.log(m * m / v), np.log(m / v)]
    start += [0.0] * (components - 1)

    def unpack(theta):
        a = np.exp(theta[0:2 * components:2])
        b = np.exp(theta[1:2 * components:2])
        logits = np.concatenate([theta[2 * components:], [0.0]])
        return a, b, logits - logsumexp(logits)

    def nll(theta):
        a, b, logw = unpack(theta)
        dens = stats.gamma.logpdf(x[:, None], a, scale=1.0 / b) + logw
        return -np.sum(logsumexp(dens, axis=1))

    res = optimize.minimize(nll, np.asarray(start), method="Nelder-Mead" if components == 1
                            else "L-BFGS-B")
    a, b, logw = unpack(res.x)
    return Mixture("gamma", np.exp(logw) / np.exp(logw).sum(), a, b)


def export_priors(dt, prep, folder) -> list:
    """Write the export family's posterior as design-prior files under ``priors/``.

    Always a ``draws`` file (``<name>-v<version>.json``) of the parameters; for the exponential
    family also one gamma-mixture file per subtype (``<name>.hazard_<subtype>-v<version>.json``)
    fitted by maximum likelihood to the hazard draws, unless the fit leaves the range a prior
    file holds (degenerate draws of a stuck fit; the convergence gate reports it). Returns the
    paths written.
    """
    from scipy import stats

    from neosim.priors import Component, PriorFile, Source, write_prior

    cfg = prep.cfg
    e = cfg.export
    family = next(f for f in prep.families if f.name == e.family)
    source = Source(experiment=cfg.experiment.name, config_sha256=folder.config_sha256,
                    run_folder=str(folder.path), data=prep.description,
                    synthetic=bool(prep.ipd.synthetic))
    origin = "post-SCT" if cfg.data.time_origin == "sct" else "post-diagnosis"
    unit = cfg.data.time_unit
    draws = posterior_draw_table(dt, family, e.max_draws, unit)
    paths = []
    quantity = "hazard_per_month" if family.name == "exponential" else f"{family.name}_parameters"
    cuts = [float(units.to_months(c, unit)) for c in getattr(family, "cuts", ())]
    desc = (f"Posterior draws of the {family.name} {origin} survival model (time in months"
            + ("" if unit == "months" else
               f", converted from the data's {unit} at {units.DAYS_PER_MONTH:g} days a month")
            + (f"; piecewise cuts {cuts} months" if cuts else "")
            + ")"
            + (" fitted to SYNTHETIC data" if prep.ipd.synthetic else ""))
    prior = PriorFile(name=e.name, version=e.version, description=desc, quantity=quantity,
                      kind="draws", draws=draws, source=source,
                      created_utc=folder.started_utc)  # equal on --resume
    paths.append(write_prior(folder.file(f"priors/{e.name}-v{e.version}.json"), prior))
    if family.name == "exponential" and e.gamma_mixture_components:
        for sub in dt["posterior"].coords["subtype"].values:
            x = np.asarray(draws[f"hazard_per_month[{sub}]"])
            mix = fit_gamma_mixture(x, e.gamma_mixture_components)
            ks = stats.kstest(x, mix.cdf).statistic
            name = f"{e.name}.hazard_{sub}"
            if not all(1e-6 <= c[k] <= 1e12 for c in mix.to_components() for k in ("a", "b")):
                continue  # degenerate draws (a stuck fit): no mixture a prior file can hold
            pf = PriorFile(name=name, version=e.version, quantity=f"hazard_per_month[{sub}]",
                           kind="mixture", family="gamma",
                           components=[Component(**c) for c in mix.to_components()],
                           description=desc.replace("Posterior draws", "Gamma mixture fitted "
                                                    "(maximum likelihood) to the posterior")
                           + f"; Kolmogorov-Smirnov distance to the draws {ks:.3f}",
                           source=source, created_utc=folder.started_utc)
            paths.append(write_prior(folder.file(f"priors/{name}-v{e.version}.json"), pf))
    return [p.relative_to(folder.path) for p in paths]
