"""The prior distributions: one frozen pydantic model per family, written once for PyMC, numpy
and SciPy.

Each class validates from a TOML or JSON table (``family`` selects the class in a
:data:`Prior` union; parameters take PyMC's names and the spellings neosim's configs and prior
files have always used: ``a``/``b`` for beta and gamma, ``shape``/``rate`` for gamma,
``mean``/``sd`` for normal, ``scale`` for the half families), and gives

* ``pymc(name, dims=...)``: its PyMC variable (inside a model context),
* ``sample(size, rng)``: numpy draws in a fixed order of random numbers (the order neosim's
  SBC and prior draws have always used, so seeded results do not move),
* ``pdf``, ``logpdf``, ``cdf``, ``quantile``, ``mean()`` (SciPy, imported inside the methods:
  this module is light enough for the command line) and ``label()`` (``"Beta(1, 1)"``).

:mod:`neosim.priors.spec` validates a table into one of these classes (``parse_prior``, the
``Prior`` union, ``one_of``) and narrows their bounds for a config section (``bounded``).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import AliasChoices, Field, model_validator

from neosim.config import Strict

#: generic bounds: shapes and rates in [1e-8, 1e15] (tight gamma fits to hazard draws have rates
#: near 1e8), locations within ±1e3, scales in [1e-6, 1e3], Student-t degrees of freedom in
#: [1e-3, 1e6]; config sections narrow them with :func:`bounded`
Shape = Annotated[float, Field(ge=1e-8, le=1e15, allow_inf_nan=False)]
Location = Annotated[float, Field(ge=-1e3, le=1e3, allow_inf_nan=False)]
Scale = Annotated[float, Field(ge=1e-6, le=1e3, allow_inf_nan=False)]
Dof = Annotated[float, Field(ge=1e-3, le=1e6, allow_inf_nan=False)]


def _alias(*names: str) -> Any:
    return Field(validation_alias=AliasChoices(*names))


def _g(x: float) -> str:
    return f"{x:.4g}"


class Distribution(Strict):
    """Base of the prior distributions (see the module docstring); positional arguments follow
    PyMC's order, e.g. ``Beta(12, 8)``, ``Gamma(1, 24)``, ``Normal(0, 2)``."""

    family: str
    _params: ClassVar[tuple[str, ...]] = ()
    _pymc: ClassVar[str] = ""

    def __init__(self, *args: float, **kw: Any):
        if len(args) > len(self._params):
            raise TypeError(f"{type(self).__name__} takes at most {len(self._params)} "
                            "positional arguments")
        for name, value in zip(self._params, args, strict=False):
            if name in kw:
                raise TypeError(f"{type(self).__name__} got {name} twice")
            kw[name] = value
        super().__init__(**kw)

    def params(self) -> dict[str, float]:
        """The parameters under PyMC's names."""
        return {k: getattr(self, k) for k in self._params}

    def label(self) -> str:
        """A short human label, e.g. ``"Beta(1, 1)"``."""
        return f"{self._pymc}({', '.join(_g(v) for v in self.params().values())})"

    def __str__(self) -> str:
        return self.label()

    def pymc(self, name: str, dims: str | tuple[str, ...] | None = None, **kw: Any):
        """The PyMC random variable ``name`` of this prior (call inside a model context);
        ``kw`` go to the PyMC constructor and may replace a parameter by a tensor, e.g. a
        ``pm.Data`` scale that refits change without recompiling."""
        import pymc as pm

        return getattr(pm, self._pymc)(name, **{**self.params(), **kw}, dims=dims)

    def sample(self, size: int | tuple[int, ...] | None, rng: np.random.Generator) -> Any:
        """Draws (numpy) in this family's fixed order of random numbers."""
        raise NotImplementedError

    def _scipy(self):
        raise NotImplementedError

    def pdf(self, x) -> np.ndarray:
        return self._scipy().pdf(np.asarray(x, dtype=float))

    def logpdf(self, x) -> np.ndarray:
        return self._scipy().logpdf(np.asarray(x, dtype=float))

    def cdf(self, x) -> np.ndarray:
        return self._scipy().cdf(np.asarray(x, dtype=float))

    def quantile(self, q) -> np.ndarray:
        """The inverse of :meth:`cdf` (SciPy's ``ppf``)."""
        return self._scipy().ppf(np.asarray(q, dtype=float))

    def mean(self) -> float:
        raise NotImplementedError


class Beta(Distribution):
    """``Beta(alpha, beta)`` (also spelled ``a``, ``b``).

    Examples
    --------
    >>> import numpy as np
    >>> import neosim as ns
    >>> p = ns.Beta(12, 8)
    >>> p.label(), p.mean()
    ('Beta(12, 8)', 0.6)
    >>> float(p.quantile(p.cdf(0.55)))   # doctest: +ELLIPSIS
    0.55...
    >>> p == ns.parse_prior({"family": "beta", "a": 12.0, "b": 8.0})
    True
    """

    family: Literal["beta"] = "beta"
    alpha: Annotated[Shape, _alias("alpha", "a")] = 1.0
    beta: Annotated[Shape, _alias("beta", "b")] = 1.0
    _params = ("alpha", "beta")
    _pymc = "Beta"

    def sample(self, size, rng):
        return rng.beta(self.alpha, self.beta, size=size)

    def _scipy(self):
        from scipy import stats

        return stats.beta(self.alpha, self.beta)

    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)


class Gamma(Distribution):
    """``Gamma(alpha, beta)``: shape ``alpha`` (``a``, ``shape``) and rate ``beta`` (``b``,
    ``rate``).

    Examples
    --------
    >>> import neosim as ns
    >>> ns.Gamma(shape=1.0, rate=24.0).label()
    'Gamma(1, 24)'
    """

    family: Literal["gamma"] = "gamma"
    alpha: Annotated[Shape, _alias("alpha", "a", "shape")]
    beta: Annotated[Shape, _alias("beta", "b", "rate")]
    _params = ("alpha", "beta")
    _pymc = "Gamma"

    def sample(self, size, rng):
        return rng.gamma(self.alpha, 1.0 / self.beta, size=size)

    def _scipy(self):
        from scipy import stats

        return stats.gamma(self.alpha, scale=1.0 / self.beta)

    def mean(self) -> float:
        return self.alpha / self.beta


class Normal(Distribution):
    """``Normal(mu, sigma)`` (also spelled ``mean``, ``sd``)."""

    family: Literal["normal"] = "normal"
    mu: Annotated[Location, _alias("mu", "mean")] = 0.0
    sigma: Annotated[Scale, _alias("sigma", "sd")] = 1.0
    _params = ("mu", "sigma")
    _pymc = "Normal"

    def sample(self, size, rng):
        return rng.normal(self.mu, self.sigma, size)

    def _scipy(self):
        from scipy import stats

        return stats.norm(self.mu, self.sigma)

    def mean(self) -> float:
        return self.mu


class LogNormal(Distribution):
    """``LogNormal(mu, sigma)`` of ``log x ~ Normal(mu, sigma)``; ``median = exp(mu)`` may be
    given instead of ``mu``. Draws are ``exp(mu) * exp(Normal(0, sigma))``.

    Examples
    --------
    >>> import neosim as ns
    >>> ns.LogNormal(median=36.0, sigma=1.5).label()
    'LogNormal(3.584, 1.5)'
    """

    family: Literal["lognormal"] = "lognormal"
    mu: Location = 0.0
    sigma: Annotated[Scale, _alias("sigma", "sd_log")] = 1.0
    _params = ("mu", "sigma")
    _pymc = "LogNormal"

    @model_validator(mode="before")
    @classmethod
    def _median(cls, data: Any) -> Any:
        if isinstance(data, dict) and "median" in data:
            data = dict(data)
            median = data.pop("median")
            if "mu" in data:
                raise ValueError("give mu or median, not both")
            if not (isinstance(median, int | float) and not isinstance(median, bool)
                    and math.isfinite(median) and median > 0):
                raise ValueError(f"median must be a positive finite number (got {median!r})")
            data["mu"] = math.log(median)
        return data

    @property
    def median(self) -> float:
        return math.exp(self.mu)

    def pymc(self, name: str, dims: str | tuple[str, ...] | None = None, **kw: Any):
        # mu as a float64 scalar (np.log of the median), as neosim's log-normal priors have always
        # been built; PyTensor makes a Python float that is exact in float32 (mu = 0) a float32
        # constant, which moves the posterior (the other parameters go in as Python floats, as
        # they always did)
        return super().pymc(name, dims, **{"mu": np.float64(self.mu), **kw})

    def sample(self, size, rng):
        return self.median * np.exp(rng.normal(0.0, self.sigma, size))

    def _scipy(self):
        from scipy import stats

        return stats.lognorm(self.sigma, scale=self.median)

    def mean(self) -> float:
        return math.exp(self.mu + 0.5 * self.sigma**2)


class _Half(Distribution):
    """The half families: ``|X| * sigma`` for a standard normal or Student-t ``X``."""

    def _standard(self):
        raise NotImplementedError

    def pdf(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        d = 2.0 * self._standard().pdf(x / self.sigma) / self.sigma
        return np.where(x >= 0, d, 0.0)

    def logpdf(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        d = np.log(2.0 / self.sigma) + self._standard().logpdf(x / self.sigma)
        return np.where(x >= 0, d, -np.inf)

    def cdf(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.where(x >= 0, 2.0 * self._standard().cdf(x / self.sigma) - 1.0, 0.0)

    def quantile(self, q) -> np.ndarray:
        return self.sigma * self._standard().ppf(0.5 + 0.5 * np.asarray(q, dtype=float))


class HalfNormal(_Half):
    """``HalfNormal(sigma)`` (also spelled ``scale`` or ``sd``), as a prior on τ."""

    family: Literal["half_normal"] = "half_normal"
    sigma: Annotated[Scale, _alias("sigma", "scale", "sd")] = 1.0
    _params = ("sigma",)
    _pymc = "HalfNormal"

    def _standard(self):
        from scipy import stats

        return stats.norm

    def sample(self, size, rng):
        return self.sigma * np.abs(rng.standard_normal(size))

    def mean(self) -> float:
        return self.sigma * math.sqrt(2.0 / math.pi)


class HalfStudentT(_Half):
    """``HalfStudentT(nu, sigma)`` (``family = "half_t"``; ``sigma`` also spelled ``scale``);
    ``nu = 1`` is the half-Cauchy.

    Examples
    --------
    >>> import neosim as ns
    >>> ns.HalfStudentT(3, 1).label()
    'HalfStudentT(3, 1)'
    """

    family: Literal["half_t"] = "half_t"
    nu: Dof = 3.0
    sigma: Annotated[Scale, _alias("sigma", "scale")] = 1.0
    _params = ("nu", "sigma")
    _pymc = "HalfStudentT"

    def _standard(self):
        from scipy import stats

        return stats.t(self.nu)

    def sample(self, size, rng):
        return self.sigma * np.abs(rng.standard_t(self.nu, size))

    def mean(self) -> float:
        if self.nu <= 1.0:
            return math.inf
        log_c = (math.lgamma(0.5 * (self.nu + 1)) - math.lgamma(0.5 * self.nu)
                 + 0.5 * math.log(self.nu / math.pi) - math.log(0.5 * (self.nu - 1)))
        return self.sigma * math.exp(log_c)
