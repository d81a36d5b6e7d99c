"""What every parametric survival family is: :class:`SurvivalFamily`.

A family instance is either *unbound* (its structure only, e.g. the cut points of a piecewise
model: what the fitting code needs, with the parameters passed as a dict ``p``) or *bound* to one
set of parameter values (what the simulator needs: ``Weibull(1.3, 15.0)``); every method taking
``p=None`` uses the bound values when ``p`` is omitted.

Two groups of maths, both defined once per family:

* ``log_hazard(t, p, xp)`` and ``log_survival(t, p, xp)``, written against an array namespace
  ``xp`` (``numpy`` or ``pytensor.tensor``): the likelihood, the posterior curves, the quantiles.
* ``cumulative_hazard(t)`` and ``inverse_cumulative_hazard(h)`` (numpy, on a bound family): the
  simulator's event times ``T = Λ⁻¹(E / HR)`` with ``E ~ Exp(1)``.

This module imports numpy only; PyMC loads inside :meth:`SurvivalFamily.pymc_parameters`. A
family takes the prior of each parameter from a :class:`neosim.models.survival.Priors` (one
:mod:`neosim.priors` object each): its ``sample`` gives the numpy prior draws (SBC, synthetic
truths) and its ``pymc`` the PyMC variable, so each prior is written once.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from neosim.errors import InputError

if TYPE_CHECKING:  # the family module itself stays numpy-only
    from neosim.priors import Distribution


def check_positive(value: Any, field: str) -> None:
    """Raise :class:`InputError` at ``field`` unless ``value`` is a positive finite number."""
    if not (isinstance(value, int | float | np.floating | np.integer) and not isinstance(
            value, bool) and math.isfinite(value) and value > 0):
        raise InputError(f"must be a positive finite number (got {value!r})", field=field)


class SurvivalFamily:
    """Base class of the survival families (see the module docstring).

    Subclasses set ``name``, ``parameters`` (posterior variable names, in the order of prior
    draws), ``shared`` (parameters common to all subtypes), and define ``log_hazard``,
    ``log_survival``, ``cumulative_hazard``, ``inverse_cumulative_hazard``, ``values`` (the
    bound parameters as a dict) and ``prior(name, priors)``.
    """

    name: ClassVar[str]
    parameters: tuple[str, ...] = ()
    shared: tuple[str, ...] = ()
    #: exponential-type families whose Gamma-prior hazards have exact conjugate posteriors
    conjugate: ClassVar[bool] = False
    #: constructor argument → key of the design's control table (``[design.control]``)
    config_keys: ClassVar[dict[str, str]] = {}

    # ---- structure ----------------------------------------------------------------------------
    @classmethod
    def for_fitting(cls, cuts=(), *, shape_per_subtype: bool = False) -> SurvivalFamily:
        """An unbound family for fitting (``cuts`` matter to the piecewise family only;
        ``shape_per_subtype`` to the families with a shape, which the subtypes share unless it is
        set)."""
        return cls()

    @property
    def bound(self) -> bool:
        """Whether this instance carries parameter values."""
        return all(v is not None for v in self.values().values())

    def values(self) -> dict[str, Any]:
        raise NotImplementedError

    def bind(self, p: dict[str, Any]) -> SurvivalFamily:
        """This family bound to the scalar values ``p`` (e.g. one posterior or prior draw), ready
        for the simulator."""
        return replace(self, **{k: p[k] for k in self.parameters})

    def _p(self, p):
        if p is not None:
            return p
        if not self.bound:
            raise ValueError(f"the {self.name} family has no parameter values bound")
        return self.values()

    def interval_axis(self, name: str) -> bool:
        """Whether parameter ``name`` carries a trailing interval axis (piecewise hazards)."""
        return False

    def dims(self, name: str) -> tuple[str, ...]:
        """Dimensions of a parameter in the posterior."""
        if name in self.shared:
            return ()
        return ("subtype", "interval") if self.interval_axis(name) else ("subtype",)

    def coords(self) -> dict[str, list[str]]:
        """Model coordinates besides ``subtype``."""
        return {}

    def describe(self) -> str:
        """One line naming the family and its bound values."""
        vals = ", ".join(f"{k}={v}" for k, v in self.values().items())
        return f"{self.name}({vals})"

    # ---- maths every family defines ---------------------------------------------------------
    def log_hazard(self, t, p=None, xp=np):
        raise NotImplementedError

    def log_survival(self, t, p=None, xp=np):
        raise NotImplementedError

    def cumulative_hazard(self, t):
        raise NotImplementedError

    def inverse_cumulative_hazard(self, h):
        raise NotImplementedError

    def prior(self, name: str, priors: Any) -> Distribution:
        raise NotImplementedError

    # ---- derived, the same for every family ---------------------------------------------------
    def log_likelihood(self, t, event, p=None, xp=np):
        """Right-censored log-likelihood of each patient: ``event * log h(t) + log S(t)``."""
        p = self._p(p)
        return event * self.log_hazard(t, p, xp) + self.log_survival(t, p, xp)

    def survival(self, t, p=None) -> np.ndarray:
        """``S(t)``: from the bound values ``exp(-Λ(t))``, else ``exp(log S(t))`` of ``p``."""
        if p is None:
            return np.exp(-self.cumulative_hazard(t))
        with np.errstate(divide="ignore"):
            return np.exp(self.log_survival(np.asarray(t, float), p, np))

    def _leading_shape(self, p: dict) -> tuple[int, ...]:
        shapes = [np.shape(v)[:-1] if self.interval_axis(k) else np.shape(v)
                  for k, v in p.items()]
        return np.broadcast_shapes(*shapes)

    def time_at_survival(self, u, p=None, *, lo: float = 1e-6, hi: float = 1e6) -> np.ndarray:
        """The time ``t`` with ``S(t) = u`` for each draw (``inf`` when ``S`` never falls to
        ``u``): bisection on ``log t`` in ``[lo, hi]`` months, for any family (64 halvings)."""
        p = self._p(p)
        u = np.asarray(u, float)
        lead = self._leading_shape(p)
        shape = np.broadcast_shapes(u.shape, lead)
        p = {k: np.broadcast_to(v, shape + np.shape(v)[len(lead):])
             for k, v in ((k, np.asarray(v, float)) for k, v in p.items())}
        log_u = np.log(np.broadcast_to(u, shape))
        a = np.full(shape, np.log(lo))
        b = np.full(shape, np.log(hi))
        never = self.log_survival(np.exp(b), p, np) > log_u
        for _ in range(64):
            m = 0.5 * (a + b)
            above = self.log_survival(np.exp(m), p, np) > log_u
            a = np.where(above, m, a)
            b = np.where(above, b, m)
        return np.where(never, np.inf, np.exp(0.5 * (a + b)))

    def quantile(self, q, p=None) -> np.ndarray:
        """The ``q``-quantile of the event time (``S(t) = 1 - q``; ``inf`` if never reached)."""
        return self.time_at_survival(1.0 - np.asarray(q, float), p)

    def median(self, p=None) -> np.ndarray:
        """Median event time (``inf`` when ``S`` never falls to one half)."""
        return self.time_at_survival(0.5, p)

    def random(self, rng: np.random.Generator, size=None, p=None) -> np.ndarray:
        """Random event times (months; ``inf`` for the cured): ``S⁻¹(U)``, ``U ~ Uniform(0, 1)``.

        ``size`` defaults to the parameters' broadcast shape (one time per patient when ``p``
        holds per-patient values)."""
        p = self._p(p)
        shape = self._leading_shape(p) if size is None else size
        return self.time_at_survival(rng.uniform(size=shape), p)

    def event_probability(self, t, dropout_hazard: float = 0.0, p=None):
        """``P(event observed by t)`` under exponential dropout (``dropout_hazard`` per month):
        ``1 - S(t)`` without dropout; families with a closed form under dropout override this,
        the others raise ``NotImplementedError``."""
        if dropout_hazard:
            raise NotImplementedError(f"no closed form for the {self.name} family with dropout")
        return 1.0 - self.survival(t, p)

    # ---- priors: numpy draws and PyMC variables from one prior object per parameter -------
    def param_shape(self, name: str, n_subtypes: int) -> tuple[int, ...]:
        if name in self.shared:
            return ()
        return (n_subtypes,)

    def prior_draw(self, priors: Any, n_subtypes: int,
                   rng: np.random.Generator) -> dict[str, np.ndarray]:
        """One draw of every parameter from its prior (shared ones scalar, others per subtype)."""
        return {name: self.prior(name, priors).sample(self.param_shape(name, n_subtypes), rng)
                for name in self.parameters}

    def pymc_parameters(self, priors: Any) -> dict[str, Any]:
        """The PyMC variables of the parameters (call inside a model with a ``subtype``
        coordinate and :meth:`coords`)."""
        return {name: self.prior(name, priors).pymc(name, self.dims(name))
                for name in self.parameters}
