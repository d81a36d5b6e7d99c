"""SBC workload: dask LocalCluster with 2 worker processes vs in-process, same run, same bits.

Run: ``.venv/bin/python benchmarks/bench_sbc_distributed.py [REPLICATES]``. Both runs use the
shipped calibration of the flagship model (``experiments/sbc_subtype_frequencies.toml``) with the
replicate count given (default 200); the script checks that the ranks are identical and prints the
wall times and their ratio (expect close to 2x on 2 cores for fit-bound work; each worker process
compiles the model once, which is part of the measured time).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

from neosim.experiments.runner import run_experiment

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    replicates = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    work = Path(tempfile.mkdtemp(prefix="neosim-sbc-bench-"))
    text = (ROOT / "experiments" / "sbc_subtype_frequencies.toml").read_text()
    text = text.replace('target = "jilsg_subtypes.toml"',
                        f'target = "{ROOT / "experiments" / "jilsg_subtypes.toml"}"')
    text = text.replace("replicates = 200", f"replicates = {replicates}")
    timings = {}
    for backend in ("inprocess", "dask"):
        cfg = work / f"{backend}.toml"
        cfg.write_text(text.replace('backend = "inprocess"',
                                    f'backend = "{backend}"\nworkers = 2'))
        t0 = time.perf_counter()
        run_experiment(cfg, out=work / backend, quiet=True, argv=["bench"])
        timings[backend] = time.perf_counter() - t0
    ranks = [xr.open_dataset(work / b / "simulation.nc", engine="h5netcdf")["rank"].values
             for b in ("inprocess", "dask")]
    same = np.array_equal(*ranks)
    print(f"SBC, {replicates} refits of the flagship model")
    print(f"  in-process:                 {timings['inprocess']:7.1f} s")
    print(f"  dask LocalCluster, 2 procs: {timings['dask']:7.1f} s")
    print(f"  speed-up in-process / dask: {timings['inprocess'] / timings['dask']:.2f}x "
          f"(identical ranks: {same})")


if __name__ == "__main__":
    main()
