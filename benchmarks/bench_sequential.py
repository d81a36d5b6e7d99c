"""3-look sequential log-rank simulation: neosim's engine against rpact's getSimulationSurvival.

Both simulate the 100-patient design (``_common.DESIGN``) with looks at 28, 49 and 70 events
and rpact's O'Brien-Fleming-type alpha-spending bounds (kMax = 3, one-sided 2.5 %); rpact runs in
an ``Rscript`` subprocess and times only its ``getSimulationSurvival`` call (R's start-up and
package loading excluded). Prints trials per second of each, their overall rejection with MC SE,
and the ratios of wall time (each thread count) and of CPU time per trial (one thread; steady when
other processes share the cores), measured in this run; without R and rpact it says the baseline
is missing.
Usage::

    PYTHONPATH=src python benchmarks/bench_sequential.py [--trials 1000000] [--baseline 20000]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import time

from _common import DESIGN, timed
from neosim.simulator.engine import default_workers, simulate
from neosim.simulator.sequential import Looks, StoppingRule, sequential_oc

EVENTS = (28, 49, 70)
#: rpact getDesignGroupSequential(kMax = 3, alpha = 0.025, informationRates = c(.4, .7, 1),
#: typeOfDesign = "asOF")$criticalValues (tests/reference/rpact_simulation_sequential.R)
CRITICAL = (3.356869356, 2.444542281, 2.000539072)

R_SCRIPT = """
suppressMessages(library(rpact))
d <- getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1,
  informationRates = c(0.4, 0.7, 1), typeOfDesign = "asOF")
t0 <- proc.time()
s <- suppressWarnings(getSimulationSurvival(d, directionUpper = FALSE, median2 = 12,
  hazardRatio = 0.7, accrualTime = c(0, 24), maxNumberOfSubjects = 100,
  dropoutRate1 = 1 - exp(-0.12), dropoutRate2 = 1 - exp(-0.12), dropoutTime = 12,
  plannedEvents = c(28, 49, 70), maxNumberOfIterations = {n}, seed = {seed}))
t <- proc.time() - t0
cat(t[["elapsed"]], t[["user.self"]] + t[["sys.self"]], s$overallReject, "\\n")
"""


def rpact(n: int, seed: int) -> dict | None:
    """rpact's seconds and overall rejection for ``n`` iterations, or None without R/rpact."""
    if shutil.which("Rscript") is None:
        return None
    proc = subprocess.run(["Rscript", "-e", R_SCRIPT.format(n=n, seed=seed)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return None
    seconds, cpu, power = (float(x) for x in proc.stdout.split()[-3:])
    return {"trials_per_second": n / seconds, "seconds": seconds,
            "cpu_us_per_trial": cpu / n * 1e6, "overall_rejection": power,
            "mc_se": math.sqrt(power * (1 - power) / n)}


def neosim_run(n: int, seed: int, workers: int) -> dict:
    looks, rule = Looks(events=EVENTS), StoppingRule(CRITICAL)
    cpu = time.process_time()
    stats, seconds = timed(simulate, DESIGN, n, seed, looks=looks, cox=False, workers=workers)
    cpu = time.process_time() - cpu
    power, se = sequential_oc(stats, rule)["overall_rejection"]
    return {"trials_per_second": n / seconds, "seconds": seconds,
            "cpu_us_per_trial": cpu / n * 1e6, "overall_rejection": power, "mc_se": se}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=1_000_000)
    ap.add_argument("--baseline", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    neosim_run(2048, args.seed, 1)  # load the compiled kernels
    rows = {f"neosim_{w}_threads": neosim_run(args.trials, args.seed, w)
            for w in sorted({1, default_workers()})}
    base = rpact(args.baseline, args.seed)
    out = {"design": "100 patients, looks at 28/49/70 events, OBF-type alpha spending, log-rank",
           **rows}
    if base is None:
        out["rpact"] = "baseline missing: Rscript with rpact is not available"
    else:
        out["rpact_getSimulationSurvival"] = base
        for name, row in rows.items():
            out[f"ratio_{name}_vs_rpact"] = row["trials_per_second"] / base["trials_per_second"]
        # CPU time per trial: the ratio of work done, steady when other processes share the cores
        out["cpu_ratio_1_thread_vs_rpact"] = (base["cpu_us_per_trial"]
                                             / rows["neosim_1_threads"]["cpu_us_per_trial"])
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
