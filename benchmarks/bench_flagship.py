"""Time the flagship experiment end to end, with a cold and then a warm compile cache.

Run: ``.venv/bin/python benchmarks/bench_flagship.py`` (or any Python with neosim installed).
"Cold" points PyTensor's compile directory and numba's cache at an empty temporary folder; "warm"
runs again with the same folders. Each run is a fresh ``neosim run`` process, so interpreter start
and imports are included. Targets (issue 2): cold < 60 s, warm < 20 s on a 2-core machine; the
script prints the figures and their ratio, and asserts nothing (machines are noisy).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "experiments" / "jilsg_subtypes.toml"


def run_once(env: dict[str, str], out: Path) -> float:
    cmd = [sys.executable, "-m", "neosim.cli", "run", str(FLAGSHIP), "--out", str(out), "--quiet"]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="neosim-bench-"))
    try:
        env = dict(os.environ)
        env["PYTENSOR_FLAGS"] = f"base_compiledir={work / 'pytensor'}"
        env["NUMBA_CACHE_DIR"] = str(work / "numba")
        cold = run_once(env, work / "run-cold")
        warm = [run_once(env, work / f"run-warm-{i}") for i in range(2)]
        best = min(warm)
        print(f"flagship end to end, cold compile cache: {cold:6.1f} s   (target < 60 s)")
        print(f"flagship end to end, warm compile cache: {best:6.1f} s   (target < 20 s; "
              f"runs {', '.join(f'{w:.1f}' for w in warm)})")
        print(f"ratio cold / warm: {cold / best:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
