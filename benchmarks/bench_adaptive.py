"""Bayesian adaptive operating characteristics against per-trial MCMC, in the same run.

Fast path: 10^4 simulated trials x 3 looks (100 patients, looks at 28/49/70 events, HR 0.7),
at every look the posterior probability P(HR < 1 | data) (exponential-gamma model, robust
MAP-like control prior) and, at the interim looks, the predictive probability of success at the
final analysis (256 posterior-predictive draws per trial); efficacy and futility stopping; OCs
with MC SEs. Timed: the whole OC computation (posterior + predictive + decisions), per
trial-look. Baseline: ONE MCMC fit of the same posterior (PyMC model compiled once, nutpie,
4 chains x 1000 draws after 1000 tuning steps, compile excluded) per trial-look, which is the
best case of per-trial MCMC (a predictive probability by MCMC needs that fit and more). Prints
the ratio. Usage::

    PYTHONPATH=src python benchmarks/bench_adaptive.py [--trials 10000] [--mcmc 3]
"""

from __future__ import annotations

import argparse
import json
import math

from _common import DESIGN, timed
from neosim.priors import Mixture
from neosim.simulator.adaptive import BayesianAdaptive
from neosim.simulator.analyses import BayesHazardRatio
from neosim.simulator.lookdata import exponential_looks
from neosim.simulator.validation import validate_against_mcmc

RATE = DESIGN.control.rate
CONTROL = Mixture("gamma", [0.8, 0.2], [20.0, 1.0], [20.0 / RATE, 12.0])
EXPERIMENTAL = Mixture("gamma", [1.0], [0.1], [1.0])
RULE = BayesianAdaptive("gamma", CONTROL, EXPERIMENTAL, efficacy=0.99, futility=0.1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=10_000)
    ap.add_argument("--mcmc", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    looks = exponential_looks(args.trials, 100, [28, 49, 70], hazard_ratio=0.7,
                              control_rate=RATE, accrual_months=24, seed=args.seed)
    RULE.operating_characteristics({k: v[:256] for k, v in looks.items()})  # import scipy
    oc, fast_s = timed(RULE.operating_characteristics, looks, args.seed)
    per_trial_look = fast_s / (args.trials * 3)
    first = {"events_control": looks["events_control"][:, 0],
             "events_treatment": looks["events_experimental"][:, 0],
             "exposure_control": looks["exposure_control"][:, 0],
             "exposure_treatment": looks["exposure_experimental"][:, 0]}
    check = validate_against_mcmc(first, BayesHazardRatio(CONTROL, EXPERIMENTAL),
                                  range(args.mcmc), draws=1000, tune=1000, chains=4,
                                  seed=args.seed)
    print(json.dumps({
        "design": "100 patients, looks at 28/49/70 events, HR 0.7, P(HR<1) > 0.99, PPoS < 0.1",
        "trials": args.trials, "looks": 3,
        "fast_seconds_total": fast_s,
        "fast_seconds_per_trial_look": per_trial_look,
        "power": oc["success"], "power_mc_se": oc["success_mc_se"],
        "expected_events": oc["expected_events"],
        "mcmc_seconds_per_fit": check["seconds_per_fit"],
        "mcmc_compile_seconds_once": check["compile_seconds"],
        "ratio_mcmc_fit_vs_fast_trial_look": check["seconds_per_fit"] / per_trial_look,
    }, indent=2, default=float))
    assert math.isfinite(check["seconds_per_fit"])


if __name__ == "__main__":
    main()
