"""The parametric survival families, each defined once, and their registry :data:`FAMILIES`.

One class per family (one module each) serves fitting (log hazard and log survival for numpy and
PyTensor alike, its PyMC parameters and priors), simulation (cumulative hazard and its inverse on
a bound instance), SBC (prior draws, random event times), reporting (survival, quantiles) and
analytic event probabilities where a closed form exists; see :mod:`.base`. Adding a family is one
module plus one entry here. Importing this package is light (numpy only), so the simulator and
the config schemas use it without PyMC.
"""

from __future__ import annotations

from neosim.models.families.base import SurvivalFamily
from neosim.models.families.cure import Cure
from neosim.models.families.exponential import Exponential
from neosim.models.families.lognormal import LogNormal
from neosim.models.families.piecewise import PiecewiseExponential
from neosim.models.families.weibull import Weibull

#: family name (as configs spell it) → class. The only place a name selects a family.
FAMILIES: dict[str, type[SurvivalFamily]] = {
    "exponential": Exponential,
    "weibull": Weibull,
    "piecewise": PiecewiseExponential,
    "cure": Cure,
    "lognormal": LogNormal,
}


def make_family(name: str, cuts=(), *, shape_per_subtype: bool = False) -> SurvivalFamily:
    """The unbound family called ``name``, for fitting (``cuts`` in months, piecewise only;
    ``shape_per_subtype``: one Weibull/log-normal shape per subtype instead of one shared, for
    the families that have one, and ignored by the others)."""
    try:
        cls = FAMILIES[name]
    except KeyError:
        raise KeyError(f"unknown survival family {name!r} (known: {', '.join(FAMILIES)})") \
            from None
    return cls.for_fitting(cuts, shape_per_subtype=shape_per_subtype)


__all__ = ["FAMILIES", "Cure", "Exponential", "LogNormal", "PiecewiseExponential",
           "SurvivalFamily", "Weibull", "make_family"]
