"""Log-rank power by simulation: neosim's engine against a lifelines per-trial loop.

Both simulate the same design (``_common.DESIGN``: 100 patients, event-driven at 70 events) and
compute the same one-sided log-rank decision; the baseline draws each trial with numpy and calls
``lifelines.statistics.logrank_test``. Prints trials per second of each and their ratio, measured
in this run. Usage::

    PYTHONPATH=src python benchmarks/bench_logrank.py [--trials 1000000] [--baseline 300]
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np

from _common import DESIGN, timed
from neosim.simulator.analyses import LogRank
from neosim.simulator.engine import default_workers
from neosim.simulator.oc import simulate_power


def lifelines_loop(n_trials: int, seed: int) -> float:
    """Power by a per-trial loop: numpy draws, lifelines log-rank test (chi-square), direction
    of the effect from the crude event rates."""
    from lifelines.statistics import logrank_test

    rng = np.random.default_rng(seed)
    sc, z = DESIGN, 1.959963984540054
    arm = sc.arm
    rate = np.where(arm == 1, sc.control.rate * sc.hazard_ratio, sc.control.rate)
    hits = 0
    for _ in range(n_trials):
        entry = rng.uniform(0, 24, sc.n)
        tev = rng.exponential(1 / rate)
        tdrop = rng.exponential(1 / sc.dropout_rate, sc.n)
        happens = tev <= tdrop
        cutoff = np.sort(np.where(happens, entry + tev, np.inf))[sc.events - 1]
        enrolled = entry <= cutoff
        event = happens & (entry + tev <= cutoff)
        y = np.where(event, tev, np.minimum(tdrop, cutoff - entry))
        t, c = enrolled & (arm == 1), enrolled & (arm == 0)
        res = logrank_test(y[t], y[c], event[t], event[c])
        benefit = event[t].sum() / y[t].sum() < event[c].sum() / y[c].sum()
        hits += bool(res.test_statistic > z * z and benefit)
    return hits / n_trials


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=1_000_000)
    ap.add_argument("--baseline", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    simulate_power(DESIGN, [LogRank()], 2048, args.seed)  # load the compiled kernels
    rows = {}
    for workers in sorted({1, default_workers()}):
        res = simulate_power(DESIGN, [LogRank()], args.trials, args.seed, workers=workers)
        rows[f"neosim_{workers}_threads"] = {"trials_per_second": res["trials_per_second"],
                                             "power": res["power"]["logrank"]}
    power, seconds = timed(lifelines_loop, args.baseline, args.seed)
    base = args.baseline / seconds
    best = max(r["trials_per_second"] for r in rows.values())
    print(json.dumps({"design": "100 patients, event-driven at 70 events, log-rank",
                      **rows,
                      "lifelines_loop": {"trials_per_second": base, "power": power,
                                         "power_mc_se": math.sqrt(power * (1 - power)
                                                                  / args.baseline)},
                      "ratio_best_vs_lifelines": best / base}, indent=2))


if __name__ == "__main__":
    main()
