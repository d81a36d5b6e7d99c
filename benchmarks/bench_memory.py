"""Peak memory of a 10^6-trial run (the acceptance design, log-rank and Cox).

Peak resident memory of this process (``ru_maxrss``) is printed before the run (interpreter,
numpy, numba, scipy loaded and kernels compiled) and after it; the run keeps 16 float64 statistics
per trial (about 128 MB for 10^6 trials) plus the blocks in flight. Usage::

    PYTHONPATH=src python benchmarks/bench_memory.py [--trials 1000000]
"""

from __future__ import annotations

import argparse
import json
import resource

from _common import DESIGN
from neosim.simulator.analyses import CoxWald, LogRank
from neosim.simulator.oc import simulate_power


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=1_000_000)
    args = ap.parse_args()
    simulate_power(DESIGN, [LogRank(), CoxWald()], 2048, 1)
    before = peak_mib()
    res = simulate_power(DESIGN, [LogRank(), CoxWald()], args.trials, 1)
    after = peak_mib()
    print(json.dumps({"trials": args.trials, "peak_rss_mib_before": before,
                      "peak_rss_mib_after": after, "under_1_gib": after < 1024,
                      "trials_per_second_with_cox": res["trials_per_second"],
                      "power": res["power"]}, indent=2))


if __name__ == "__main__":
    main()
