"""Defaults that several modules share, in one place (interval conventions, thresholds)."""

from __future__ import annotations

#: Default credible-interval probability. Pinned here because arviz 1.x defaults to 0.89.
CI_PROB = 0.95
#: Default interval kind: equal-tailed ("eti"); "hdi" is the alternative.
CI_KIND = "eti"

#: Convergence gate defaults.
R_HAT_MAX = 1.01
ESS_BULK_MIN = 400.0
ESS_TAIL_MIN = 400.0
MAX_DIVERGENCES = 0
#: Warning-level checks of the gate (they never fail a run; the verdict reads "passed with
#: warnings"): rank uniformity (bins of each chain's rank histogram, as the rank plots draw
#: them; family-wise significance level of the chi-square tests) and PSIS-LOO Pareto k-hat
#: (Vehtari et al. 2024: above 0.7 the importance-sampling estimate is unreliable).
RANK_BINS = 20
RANK_UNIFORMITY_ALPHA = 0.01
PARETO_K_MAX = 0.7

#: Columns of ``summary.csv`` for fits, in order (the run-folder contract).
SUMMARY_COLUMNS = (
    "parameter",
    "mean",
    "median",
    "sd",
    "ci_lower",
    "ci_upper",
    "ci_level",
    "mcse_mean",
    "ess_bulk",
    "ess_tail",
    "r_hat",
)
