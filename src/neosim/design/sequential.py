"""Group-sequential designs: the plan (``[design.sequential]``, the ``neosim boundaries``
flags) and its boundaries with rpact's design characteristics.

:class:`SequentialPlan` says when the looks are (information rates) and how the boundaries are
made (spending family or classical boundary, futility rule); ``plan.boundaries(alpha, beta,
sided)`` computes a :class:`GroupSequentialDesign`: z-scale critical values and futility
bounds, cumulative alpha spent, and what rpact's ``getDesignCharacteristics`` reports.
:func:`sequential_probabilities` gives the exact per-look crossing probabilities of given
bounds at a given drift (for power at given events).

Light to import (pydantic and the standard library): the numerical work lives in
:mod:`neosim.design.spending` and :mod:`neosim.design.recursion` (numpy, SciPy), loaded on
first use.

Scales. ``drift`` is the expected z-statistic at full information under H1 (for a log-rank
test with D events, allocation r, ``|log HR| sqrt(D r) / (1 + r)``); rpact's ``shift`` is its
square, the maximum information in units of the effect, and the inflation factor is
``shift / n_fixed`` with ``n_fixed = (z_{1-alpha/sided} + z_{1-beta}) ** 2``. Average sample
numbers are rpact's: expected information relative to the fixed design's, under H0, under
half the drift (``h01``) and under H1. Two-sided designs have symmetric bounds ``+-c`` and, as
rpact without ``twoSidedPower``, power counts the upper side only.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass
from typing import Annotated, Any, Literal, NamedTuple, Self

from pydantic import Field, model_validator

from neosim.config import FieldError, Probability, Strict
from neosim.errors import InputError

#: the most looks of a plan (rpact's kMax limit is 20; ours is the issue's 10)
MAX_LOOKS = 10
#: rpact's validated ranges of the spending parameters
GAMMA_RANGE = {"kd": (0.4, 8.0), "hsd": (-10.0, 5.0)}
DELTA_RANGE = (-0.5, 1.0)
#: alpha spending families (rpact asOF, asP, asKD, asHSD, asUser); the rest of ``spending`` are
#: the classical boundaries OF, P and WT
SPENDING_FAMILIES = ("obf", "pocock", "kd", "hsd", "user")
ALPHA_RANGE = (1e-6, 0.5)
BETA_MIN = 1e-4

#: the smallest information rate and the smallest step between looks: the recursion's grid
#: resolves an increment of SD sqrt(0.01) = 0.1 with 12 steps (at most 2,400 grid intervals)
MIN_RATE = 0.01
Rate = Annotated[float, Field(ge=MIN_RATE, le=1.0, allow_inf_nan=False)]
Gamma = Annotated[float, Field(ge=-10.0, le=8.0, allow_inf_nan=False)]
ZBound = Annotated[float, Field(ge=-8.0, le=8.0, allow_inf_nan=False)]
Spent = Annotated[float, Field(ge=0.0, le=ALPHA_RANGE[1], allow_inf_nan=False)]


class SequentialPlan(Strict):
    """Looks and boundary rules of a group-sequential design (``[design.sequential]``).

    Attributes
    ----------
    information_rates : list of float
        2 to 10 information fractions, strictly increasing, the last 1 (at least 0.01 and at
        least 0.01 apart).
    spending : str
        ``obf``/``pocock`` (Lan-DeMets O'Brien-Fleming/Pocock-type alpha spending, rpact
        asOF/asP), ``kd`` (Kim-DeMets ``alpha t^gamma``, asKD, gamma in [0.4, 8]), ``hsd``
        (Hwang-Shih-DeCani, asHSD, gamma in [-10, 5]), or the classical ``OF``, ``P``,
        ``WT`` (Wang-Tsiatis with ``delta`` in [-0.5, 1]), or ``user`` (rpact asUser: the
        cumulative alpha spent by each look in ``user_alpha_spending``, at most alpha).
    gamma, delta : float, optional
        The parameter of ``kd``/``hsd`` and of ``WT`` (required there, refused elsewhere).
    futility : str, optional
        Beta-spending futility family (``obf``, ``pocock``, ``kd``, ``hsd``: rpact's
        typeBetaSpending bsOF, bsP, bsKD, bsHSD) with ``futility_gamma`` for kd/hsd; one-sided
        alpha-spending designs only.
    futility_cp : float, optional
        Stop for futility when the conditional power under the design's drift falls below
        this threshold (see :func:`neosim.design.spending.conditional_power_futility`).
    futility_bounds : list of float, optional
        Given z-scale futility bounds, one per look but the last.
    binding_futility : bool
        Whether the critical values count on stopping at the futility bounds (binding) or
        ignore them (non-binding: the type-I error holds whatever the futility decisions).
    """

    information_rates: Annotated[list[Rate], Field(min_length=2, max_length=MAX_LOOKS)]
    spending: Literal["obf", "pocock", "kd", "hsd", "OF", "P", "WT", "user"] = "obf"
    gamma: Gamma | None = None
    user_alpha_spending: Annotated[list[Spent], Field(min_length=2, max_length=MAX_LOOKS)] \
        | None = None
    delta: Annotated[float, Field(ge=DELTA_RANGE[0], le=DELTA_RANGE[1],
                                  allow_inf_nan=False)] | None = None
    futility: Literal["obf", "pocock", "kd", "hsd"] | None = None
    futility_gamma: Gamma | None = None
    futility_cp: Probability | None = None
    futility_bounds: Annotated[list[ZBound], Field(min_length=1, max_length=MAX_LOOKS - 1)] | None \
        = None
    binding_futility: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        rates = self.information_rates
        if any(b <= a for a, b in itertools.pairwise(rates)):
            raise FieldError("information_rates", "must be strictly increasing")
        if any(b - a < MIN_RATE - 1e-12 for a, b in itertools.pairwise(rates)):
            raise FieldError("information_rates", f"looks must be at least {MIN_RATE:g} apart")
        if rates[-1] != 1.0:
            raise FieldError("information_rates", f"must end at 1 (got {rates[-1]:g})")
        _parameter("gamma", self.gamma, self.spending)
        spent = self.user_alpha_spending
        if (spent is None) != (self.spending != "user"):
            raise FieldError("user_alpha_spending", "goes with spending user (and only there)")
        if spent is not None and len(spent) != len(rates):
            raise FieldError("user_alpha_spending", f"needs {len(rates)} values, one per look "
                             f"(got {len(spent)})")
        if spent is not None and any(b < a for a, b in itertools.pairwise(spent)):
            raise FieldError("user_alpha_spending", "must not decrease (cumulative alpha)")
        if spent is not None and not spent[-1] > 0:
            raise FieldError("user_alpha_spending", "must spend some alpha by the last look")
        if self.spending == "WT" and self.delta is None:
            raise FieldError("delta", "spending WT needs delta")
        if self.spending != "WT" and self.delta is not None:
            raise FieldError("delta", f"is for spending WT only (spending is {self.spending})")
        _parameter("futility_gamma", self.futility_gamma, self.futility)
        rules = [n for n in ("futility", "futility_cp", "futility_bounds")
                 if getattr(self, n) is not None]
        if len(rules) > 1:
            raise FieldError(rules[1], f"give one futility rule (got {' and '.join(rules)})")
        if self.futility is not None and self.spending not in SPENDING_FAMILIES:
            raise FieldError("futility", "beta-spending futility needs an alpha-spending family "
                             f"(obf, pocock, kd, hsd, user; spending is {self.spending})")
        if self.futility_bounds is not None and len(self.futility_bounds) != len(rates) - 1:
            raise FieldError("futility_bounds", f"needs {len(rates) - 1} value(s), one per look "
                             f"but the last (got {len(self.futility_bounds)})")
        if self.binding_futility and not rules:
            raise FieldError("binding_futility", "needs a futility rule")
        return self

    def boundaries(self, alpha: float, beta: float, sided: int) -> GroupSequentialDesign:
        """Critical values, futility bounds and characteristics at level ``alpha`` (for
        ``sided`` 2 the total of both sides) and power ``1 - beta``."""
        from neosim.design.spending import compute_design

        _check_levels(alpha, beta, sided)
        if sided == 2 and any(getattr(self, n) is not None
                              for n in ("futility", "futility_cp", "futility_bounds")):
            raise InputError("futility bounds are for one-sided designs (sided is 2)",
                             field="futility")
        return GroupSequentialDesign(**compute_design(self, alpha, beta, sided))


def _parameter(field: str, value: float | None, family: str | None) -> None:
    if family in GAMMA_RANGE:
        lo, hi = GAMMA_RANGE[family]
        if value is None:
            raise FieldError(field, f"family {family} needs {field}")
        if not lo <= value <= hi:
            raise FieldError(field, f"{value:g} is outside [{lo:g}, {hi:g}] for family {family}")
    elif value is not None:
        raise FieldError(field, f"is for families kd and hsd only (family is {family})")


def _check_levels(alpha: Any, beta: Any, sided: Any) -> None:
    if sided not in (1, 2) or isinstance(sided, bool):
        raise InputError(f"must be 1 or 2 (got {sided!r})", field="sided")
    for name, value, lo, hi in (("alpha", alpha, *ALPHA_RANGE), ("beta", beta, BETA_MIN, 1.0)):
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value) or not lo <= value < hi:
            raise InputError(f"must be a number in [{lo:g}, {hi:g}) (got {value!r})", field=name)
    if alpha + beta >= 1.0:
        raise InputError(f"alpha + beta must be below 1 (got {alpha:g} + {beta:g})", field="beta")


@dataclass(frozen=True)
class GroupSequentialDesign:
    """A group-sequential design's boundaries and rpact's design characteristics.

    Tuples with one value per look unless said otherwise. ``critical_values`` are z-scale
    efficacy bounds (two-sided: reject when ``|Z_k| >= c_k``); ``futility_bounds`` one per look
    but the last (None without futility); ``alpha_spent`` cumulative, under H0 with the actual
    bounds (futility counted when binding); ``stage_levels`` the one-sided nominal level
    ``1 - Phi(c_k)``. Characteristics (rpact getDesignCharacteristics): ``n_fixed``,
    ``shift`` (rpact shift), ``drift`` (``sqrt(shift)``, the expected z at full information
    under H1), ``inflation_factor`` (``shift / n_fixed``), ``power`` (cumulative),
    ``rejection_probabilities_h1`` and ``futility_probabilities_h1`` per look (futility: K - 1),
    ``stopping_probabilities_h0``/``_h1`` (early stopping, looks 1..K-1: rejection on either
    side or futility), ``average_sample_number_h0``/``_h01``/``_h1``.
    """

    information_rates: tuple[float, ...]
    alpha: float
    beta: float
    sided: int
    spending: str
    critical_values: tuple[float, ...]
    futility_bounds: tuple[float, ...] | None
    binding_futility: bool
    alpha_spent: tuple[float, ...]
    stage_levels: tuple[float, ...]
    n_fixed: float
    shift: float
    drift: float
    inflation_factor: float
    power: tuple[float, ...]
    rejection_probabilities_h1: tuple[float, ...]
    futility_probabilities_h1: tuple[float, ...]
    stopping_probabilities_h0: tuple[float, ...]
    stopping_probabilities_h1: tuple[float, ...]
    average_sample_number_h0: float
    average_sample_number_h01: float
    average_sample_number_h1: float

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (the keys of ``neosim boundaries --json``)."""
        out = asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


class Crossings(NamedTuple):
    """Per-look first-crossing probabilities: ``upper`` (efficacy) and ``lower`` (futility;
    for ``sided`` 2 the lower rejection ``Z_k <= -c_k``; 0 at the last one-sided look)."""

    upper: Any
    lower: Any


def sequential_probabilities(critical_values, futility_bounds, information_rates, drift: float,
                             sided: int = 1) -> Crossings:
    """Exact per-look crossing probabilities of given bounds at a given drift.

    Parameters
    ----------
    critical_values : sequence of float
        z-scale efficacy bounds, one per look.
    futility_bounds : sequence of float or None
        z-scale futility bounds, one per look but the last (one-sided only), or None.
    information_rates : sequence of float
        Information rates of the looks, increasing, the last 1.
    drift : float
        Expected z-statistic at full information (0 under H0).
    sided : int
        2 for symmetric two-sided bounds ``+-c_k``.

    Returns
    -------
    Crossings
        numpy arrays ``upper`` and ``lower``.
    """
    import numpy as np

    from neosim.design.recursion import crossing_probabilities

    crit = np.asarray(critical_values, dtype=float)
    if sided == 2:
        lower = -crit
    elif futility_bounds is None:
        lower = np.full(len(crit), -np.inf)
    else:
        lower = np.append(np.asarray(futility_bounds, dtype=float), -np.inf)
    up, low = crossing_probabilities(crit, lower, information_rates, drift)
    if sided == 1:
        low[-1] = 0.0
    return Crossings(up, low)
