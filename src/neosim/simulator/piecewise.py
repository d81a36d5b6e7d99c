"""Piecewise-exponential hazards with conjugate gamma updates per piece and arm, at a look.

The follow-up time since entry is cut at ``c₁ < … < c_{P-1}`` (:class:`~neosim.simulator.
scenario.Looks` ``pieces``) into pieces ``[0, c₁), …, [c_{P-1}, ∞)``; the hazard of an arm is
``λ_p`` on piece ``p``. The likelihood of an arm factorises over the pieces,
``Πₚ λₚ^{dₚ} exp(-λₚ Eₚ)`` (``dₚ`` events and ``Eₚ`` exposure in piece ``p``, the look table's
``piece_events_*`` and ``piece_exposure_*``), so with independent gamma-mixture priors per piece
the posterior of each ``λₚ`` is the conjugate gamma mixture (one copy:
:func:`neosim.simulator.analyses.gamma_posterior`), independently over pieces and arms.

**The posterior probability used for stopping** is that the ratio of the cumulative hazards at a
``landmark`` time ``L`` (months of follow-up),

``Λₑ(L)/Λ_c(L) < margin`` with ``Λ(L) = Σₚ λₚ |[cₚ, cₚ₊₁) ∩ [0, L]|``

(equivalently, for a common ratio of the piece hazards, that ratio); ``direction = "upper"`` is
the complement event ``> margin`` (continuous posteriors). It is computed from ``draws``
vectorised posterior draws per trial (MC SE ``√(p(1-p)/draws)``), except that with a single piece
(or a landmark within the first piece) the ratio is ``λₑ/λ_c`` of the first piece and the exact
incomplete-beta sum of the exponential model is used
(:func:`neosim.simulator.predictive.gamma_probability`), identical to it bit for bit.
"""

from __future__ import annotations

import numpy as np

from neosim.errors import InputError
from neosim.priors import Mixture

#: posterior draws per trial of the piecewise posterior probability (default)
PIECEWISE_DRAWS = 20_000


def piece_lengths(cuts, landmark: float) -> np.ndarray:
    """Length of each piece within ``[0, landmark]``."""
    edges = np.concatenate([[0.0], np.asarray(cuts, float), [np.inf]])
    return np.clip(np.minimum(edges[1:], landmark) - edges[:-1], 0.0, None)


def piecewise_probability(control: Mixture, experimental: Mixture, cuts, landmark: float,
                          margin: float, look: dict, *, direction: str = "lower",
                          draws: int = PIECEWISE_DRAWS,
                          rng: np.random.Generator | None = None) -> np.ndarray:
    """Posterior probability that ``Λₑ(L)/Λ_c(L)`` is beyond ``margin`` (below it for
    ``direction = "lower"``) at one look for every trial (see the module docstring).

    ``look``: ``piece_events_control``, ``piece_exposure_control``, ``piece_events_experimental``,
    ``piece_exposure_experimental``, each ``(trials, pieces)``; the same gamma-mixture prior on
    every piece of an arm.

    Examples
    --------
    >>> vague = Mixture("gamma", [1.0], [0.1], [1.0])
    >>> look = {"piece_events_control": [[10.0, 8.0]], "piece_exposure_control": [[300., 200.]],
    ...         "piece_events_experimental": [[6.0, 5.0]],
    ...         "piece_exposure_experimental": [[320., 250.]]}
    >>> p = piecewise_probability(vague, vague, [6.0], 12.0, 1.0, look, draws=4000,
    ...                           rng=np.random.default_rng(1))
    >>> bool(0.8 < p[0] < 1.0)
    True
    """
    from neosim.simulator.analyses import gamma_posterior
    from neosim.simulator.predictive import _draw_gamma, gamma_probability

    if direction not in ("lower", "upper"):
        raise InputError(f"must be lower or upper (got {direction!r})", field="direction")
    if not (np.isfinite(landmark) and landmark > 0):
        raise InputError(f"must be positive months (got {landmark!r})", field="landmark")
    arrays = {k: np.asarray(look[k], float) for k in (
        "piece_events_control", "piece_exposure_control", "piece_events_experimental",
        "piece_exposure_experimental")}
    n_pieces = len(cuts) + 1
    if any(a.ndim != 2 or a.shape[1] != n_pieces for a in arrays.values()):
        raise InputError(f"piece arrays must be (trials, {n_pieces})", field="looks")
    w = piece_lengths(cuts, landmark)
    if np.count_nonzero(w) == 1:  # Λ ratio = λₑ/λ_c of the first piece: the exponential model
        p = gamma_probability(control, experimental, margin,
                              arrays["piece_events_control"][:, 0],
                              arrays["piece_exposure_control"][:, 0],
                              arrays["piece_events_experimental"][:, 0],
                              arrays["piece_exposure_experimental"][:, 0])
        return p if direction == "lower" else 1.0 - p
    rng = rng if rng is not None else np.random.default_rng(0)
    n = arrays["piece_events_control"].shape[0]
    below = np.empty(n)
    step = max(1, 4_000_000 // draws)  # trials per chunk: about 32 MB per arm
    for lo in range(0, n, step):
        rows = slice(lo, min(n, lo + step))
        cum = {}
        for arm, prior in (("control", control), ("experimental", experimental)):
            total = 0.0
            for p in np.flatnonzero(w):
                post = gamma_posterior(prior, arrays[f"piece_events_{arm}"][rows, p],
                                       arrays[f"piece_exposure_{arm}"][rows, p])
                total = total + w[p] * _draw_gamma(post, draws, rng)
            cum[arm] = total
        below[rows] = (cum["experimental"] < margin * cum["control"]).mean(axis=1)
    return below if direction == "lower" else 1.0 - below
