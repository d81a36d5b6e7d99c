"""Bayesian adaptive operating characteristics against per-trial MCMC, in the same run.

Fast path: 10^4 trials x 3 looks of the acceptance design (100 patients, HR 0.7, 1 % dropout a
month, looks at 28/49/70 events) simulated by the engine, then at every look the posterior
probability P(HR < 1 | data) (exponential-gamma model, robust MAP-like control prior) and, at the
interim looks, the predictive probability of success at the final analysis (exact sum over the
future counts); efficacy and futility stopping; OCs with MC SEs. Timed: the whole OC computation
(posterior + predictive + decisions; the simulation is timed apart), per trial-look. The normal
log-HR model (closed-form predictive) is timed too. Baseline: ONE MCMC fit of the same posterior
(PyMC model compiled once, nutpie, 4 chains x 1000 draws after 1000 tuning steps, compile
excluded) per trial-look, which is the
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
from neosim.simulator.engine import simulate
from neosim.simulator.sequential import Looks
from neosim.simulator.validation import validate_against_mcmc

RATE = DESIGN.control.rate
CONTROL = Mixture("gamma", [0.8, 0.2], [20.0, 1.0], [20.0 / RATE, 12.0])
EXPERIMENTAL = Mixture("gamma", [1.0], [0.1], [1.0])
RULE = BayesianAdaptive("gamma", CONTROL, EXPERIMENTAL, efficacy=0.99, futility=0.1)
NORMAL = BayesianAdaptive("normal", log_hr_prior=Mixture("normal", [1.0], [0.0], [2.0]),
                          efficacy=0.99, futility=0.1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=10_000)
    ap.add_argument("--mcmc", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    looks, sim_s = timed(simulate, DESIGN, args.trials, args.seed,
                         looks=Looks(events=(28, 49, 70)))
    for rule in (RULE, NORMAL):  # import scipy, load the compiled kernel
        rule.operating_characteristics({k: v[:256] for k, v in looks.items()})
    oc, fast_s = timed(RULE.operating_characteristics, looks, args.seed)
    oc_n, normal_s = timed(NORMAL.operating_characteristics, looks, args.seed)
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
        "simulation_seconds": sim_s,
        "fast_seconds_total": fast_s,
        "fast_seconds_per_trial_look": per_trial_look,
        "power": oc["success"], "power_mc_se": oc["success_mc_se"],
        "expected_events": oc["expected_events"],
        "normal_model_seconds_per_trial_look": normal_s / (args.trials * 3),
        "normal_model_power": oc_n["success"],
        "mcmc_seconds_per_fit": check["seconds_per_fit"],
        "mcmc_compile_seconds_once": check["compile_seconds"],
        "ratio_mcmc_fit_vs_fast_trial_look": check["seconds_per_fit"] / per_trial_look,
        "ratio_mcmc_fit_vs_normal_trial_look": check["seconds_per_fit"] * args.trials * 3
        / normal_s,
        "mcmc_max_abs_diff_4000_draws": check["max_abs_diff"],
    }, indent=2, default=float))
    assert math.isfinite(check["seconds_per_fit"])


if __name__ == "__main__":
    main()
