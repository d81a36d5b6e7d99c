"""Time the flagship experiment end to end, cold and warm, beside the bare import of its libraries.

Run: ``.venv/bin/python benchmarks/bench_flagship.py`` (or any Python with neosim installed).
"Cold" points PyTensor's compile directory and numba's cache at an empty temporary folder; "warm"
runs again with the same folders. Each run is a fresh ``neosim run`` process, so interpreter start
and imports are included. In the same session, fresh processes time the bare import of the
flagship's libraries (``import pymc, arviz, matplotlib.pyplot, nutpie``), interleaved with the
warm runs so that both see the same machine load; the script prints the best of each and the
warm ratio (issue 13: target warm / import <= 2; issue 2: cold < 60 s, warm < 20 s on a 2-core
machine). It asserts nothing (machines are noisy).
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
IMPORTS = "import pymc, arviz, matplotlib.pyplot, nutpie"
REPEATS = 3


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def run_once(env: dict[str, str], out: Path) -> float:
    return timed([sys.executable, "-m", "neosim.cli", "run", str(FLAGSHIP), "--out", str(out),
                  "--quiet"], env)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="neosim-bench-"))
    try:
        env = dict(os.environ)
        env["PYTENSOR_FLAGS"] = f"base_compiledir={work / 'pytensor'}"
        env["NUMBA_CACHE_DIR"] = str(work / "numba")
        cold = run_once(env, work / "run-cold")
        imports, warm = [], []
        for i in range(REPEATS):
            imports.append(timed([sys.executable, "-c", IMPORTS], env))
            warm.append(run_once(env, work / f"run-warm-{i}"))
        best, bare = min(warm), min(imports)
        print(f"bare import ({IMPORTS}): {bare:6.1f} s   "
              f"(runs {', '.join(f'{t:.1f}' for t in imports)})")
        print(f"flagship end to end, cold compile cache: {cold:6.1f} s   (target < 60 s)")
        print(f"flagship end to end, warm compile cache: {best:6.1f} s   (target < 20 s; "
              f"runs {', '.join(f'{w:.1f}' for w in warm)})")
        print(f"ratio cold / warm: {cold / best:.2f}")
        print(f"ratio warm / bare import: {best / bare:.2f}   (target <= 2)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
