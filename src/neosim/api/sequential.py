"""Group-sequential boundaries: ``ns.group_sequential_design`` (rpact's
``getDesignGroupSequential`` with ``getDesignCharacteristics``).

Thin over :mod:`neosim.design.sequential`; SciPy loads when a design is computed.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

from neosim.config import validate
from neosim.design.sequential import GroupSequentialDesign, SequentialPlan

__all__ = ["GroupSequentialDesign", "SequentialPlan", "group_sequential_design"]


def group_sequential_design(information_rates: Sequence[float], spending: str = "obf", *,
                            alpha: float = 0.025, beta: float = 0.2, sided: int = 1,
                            gamma: float | None = None, delta: float | None = None,
                            user_alpha_spending: Sequence[float] | None = None,
                            futility: str | None = None, futility_gamma: float | None = None,
                            futility_cp: float | None = None,
                            futility_bounds: Sequence[float] | None = None,
                            binding_futility: bool = False) -> GroupSequentialDesign:
    """Boundaries and characteristics of a group-sequential design.

    Parameters
    ----------
    information_rates : sequence of float
        Information fractions of the looks (2 to 10, strictly increasing, the last 1); for a
        survival trial the fraction of the maximum number of events.
    spending : str
        ``"obf"`` or ``"pocock"`` (Lan-DeMets O'Brien-Fleming- or Pocock-type alpha spending,
        rpact asOF/asP), ``"kd"`` (Kim-DeMets, ``gamma``), ``"hsd"`` (Hwang-Shih-DeCani,
        ``gamma``), the classical ``"OF"``, ``"P"``, ``"WT"`` (Wang-Tsiatis, ``delta``), or
        ``"user"`` (``user_alpha_spending``).
    alpha : float
        Type-I error (for ``sided=2`` the total of both sides).
    beta : float
        Type-II error at the design's drift (power ``1 - beta``).
    sided : int
        1 or 2 (two-sided: symmetric bounds, no futility).
    gamma, delta : float, optional
        Parameter of ``kd``/``hsd`` and of ``WT``.
    user_alpha_spending : sequence of float, optional
        Cumulative alpha spent by each look (``spending="user"``, rpact asUser), at most
        ``alpha`` at the last.
    futility : str, optional
        Beta-spending futility family (``"obf"``, ``"pocock"``, ``"kd"``, ``"hsd"``; rpact
        bsOF, bsP, bsKD, bsHSD), with ``futility_gamma`` for kd/hsd.
    futility_cp : float, optional
        Stop for futility when conditional power under the design's drift is below this.
    futility_bounds : sequence of float, optional
        Given z-scale futility bounds, one per look but the last.
    binding_futility : bool
        Whether the critical values count on the futility stops.

    Returns
    -------
    GroupSequentialDesign
        Critical values (z), futility bounds, cumulative alpha spent, inflation factor, drift,
        rejection, futility and stopping probabilities per look, average sample numbers
        (relative to the fixed design); ``to_dict()`` for JSON.

    Raises
    ------
    neosim.errors.InputError
        Naming the argument (e.g. ``information_rates: must end at 1``).

    Examples
    --------
    >>> import neosim as ns
    >>> d = ns.group_sequential_design([0.4, 0.7, 1.0], "obf", alpha=0.025, beta=0.2)
    >>> [round(c, 4) for c in d.critical_values]
    [3.3569, 2.4445, 2.0005]
    >>> round(d.inflation_factor, 4), round(d.alpha_spent[-1], 6)
    (1.0153, 0.025)
    >>> f = ns.group_sequential_design([0.4, 0.7, 1.0], futility="obf", binding_futility=True)
    >>> [round(a, 4) for a in f.futility_bounds]
    [0.1108, 1.2121]
    """
    data = {"information_rates": [float(x) for x in _sequence(information_rates,
                                                               "information_rates")],
            "spending": spending, "gamma": gamma, "delta": delta,
            "user_alpha_spending": (None if user_alpha_spending is None
                                    else [float(x) for x in _sequence(user_alpha_spending,
                                                                      "user_alpha_spending")]),
            "futility": futility,
            "futility_gamma": futility_gamma, "futility_cp": futility_cp,
            "futility_bounds": (None if futility_bounds is None
                                else [float(x) for x in _sequence(futility_bounds,
                                                                  "futility_bounds")]),
            "binding_futility": binding_futility}
    data = {k: (float(v) if isinstance(v, int) and not isinstance(v, bool) else v)
            for k, v in data.items()}
    plan = validate(SequentialPlan, {k: v for k, v in data.items() if v is not None}, file="")
    return plan.boundaries(alpha, beta, sided)


def _sequence(value, name: str) -> list:
    from neosim.errors import InputError

    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        raise InputError(f"expected a sequence of numbers (got {type(value).__name__})",
                         field=name)
    out = list(value)
    if not all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in out):
        raise InputError("expected numbers", field=name)
    return out
