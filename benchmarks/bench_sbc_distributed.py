"""SBC workload on dask.distributed (LocalCluster, 2 worker processes) vs in-process.

Run: ``.venv/bin/python benchmarks/bench_sbc_distributed.py [REPLICATES]``.

1. End to end: ``neosim run`` of the shipped calibration of the flagship model
   (``experiments/sbc_subtype_frequencies.toml``, REPLICATES refits, default 200) on each backend;
   checks that the ranks are identical and prints wall times and their ratio. This includes the
   fixed costs: starting the cluster, importing PyMC and compiling the model once per worker.
2. Fit-bound throughput: the same SBC tasks (20 refits each) on warm backends (model compiled,
   workers started), 16 tasks each, timed in this process; the ratio is the speed-up of the
   refits themselves (expect close to 2x on 2 cores).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr

from neosim import calibration, compute
from neosim.experiments import kind_module, load_experiment
from neosim.experiments.runner import run_experiment

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "experiments" / "jilsg_subtypes.toml"


def end_to_end(replicates: int, work: Path) -> dict[str, float]:
    text = (ROOT / "experiments" / "sbc_subtype_frequencies.toml").read_text()
    text = text.replace('target = "jilsg_subtypes.toml"', f'target = "{FLAGSHIP}"')
    text = text.replace("replicates = 200", f"replicates = {replicates}")
    out = {}
    for backend in ("inprocess", "dask"):
        cfg = work / f"{backend}.toml"
        cfg.write_text(text.replace('backend = "inprocess"',
                                    f'backend = "{backend}"\nworkers = 2'))
        t0 = time.perf_counter()
        run_experiment(cfg, out=work / backend, quiet=True, argv=["bench"])
        out[backend] = time.perf_counter() - t0
    ranks = [xr.open_dataset(work / b / "simulation.nc", engine="h5netcdf")["rank"].values
             for b in ("inprocess", "dask")]
    out["identical"] = float(np.array_equal(*ranks))
    return out


def throughput(n_tasks: int = 16) -> dict[str, float]:
    from distributed import Client, LocalCluster

    cfg = load_experiment(FLAGSHIP)
    module = kind_module(cfg.experiment.kind)
    spec = module.sbc_spec(module.prepare(cfg, str(FLAGSHIP)))
    settings = calibration.SBCSettings(chains=2, draws=500, tune=500, thin_to=99)

    def task(i: int) -> compute.Task:
        return compute.Task(key=(i,), args=(spec, settings, list(range(20 * i, 20 * i + 20))))

    calibration.sbc_task(task(0), 5)  # compile in this process
    t0 = time.perf_counter()
    for i in range(1, n_tasks + 1):
        calibration.sbc_task(task(i), 5)
    serial = time.perf_counter() - t0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=40) as cluster, Client(cluster) as c:
        workers = list(c.scheduler_info()["workers"])
        c.gather([c.submit(calibration.sbc_task, task(0), 5, pure=False, workers=[w])
                  for w in workers])  # compile once on each worker
        t0 = time.perf_counter()
        c.gather([c.submit(calibration.sbc_task, task(i), 5, pure=False)
                  for i in range(1, n_tasks + 1)])
        distributed = time.perf_counter() - t0
    return {"inprocess": serial, "dask": distributed, "refits": 20 * n_tasks}


def main() -> None:
    replicates = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    work = Path(tempfile.mkdtemp(prefix="neosim-sbc-bench-"))
    e = end_to_end(replicates, work)
    print(f"end to end, {replicates} refits: in-process {e['inprocess']:.1f} s, dask LocalCluster "
          f"(2 worker processes) {e['dask']:.1f} s, ratio {e['inprocess'] / e['dask']:.2f}x, "
          f"identical ranks: {bool(e['identical'])}")
    t = throughput()
    print(f"fit-bound, {t['refits']} refits on warm backends: in-process {t['inprocess']:.1f} s, "
          f"dask {t['dask']:.1f} s, ratio {t['inprocess'] / t['dask']:.2f}x")


if __name__ == "__main__":
    main()
