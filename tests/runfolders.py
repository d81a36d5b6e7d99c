"""Comparing two run folders byte for byte, apart from the fields that record time or the
invocation (defined here, once, for every test that compares runs).

Everything else must be equal: netCDF files (their attributes hold no times), figures (PNG and
SVG carry no date), findings, summaries, diagnostics, checkpoints (written with a fixed zip
time) and report.html. The report names its run folder, so compare folders with the same name
(in different parents).
"""

from __future__ import annotations

import fnmatch
import json
from collections import Counter
from pathlib import Path

#: SIGKILLs survived in this test session, by experiment kind (printed in the test summary)
KILLS: Counter[str] = Counter()

#: provenance.json keys that say when and how a run was invoked, not what it computed
PROVENANCE_TIMING = frozenset({
    "started_utc", "ended_utc", "wall_seconds", "timings_seconds", "command_line", "resumed",
    "first_started_utc", "first_command_line", "discarded_checkpoints", "simulation_seconds",
    "trials_per_second",
})
#: run.json keys of the same kind
RUN_STATE_TIMING = frozenset({"started_utc", "command_line"})
#: prior files a run exports: their creation time is the run's first start (equal on resume)
PRIOR_TIMING = frozenset({"created_utc"})
#: JSON files (glob patterns, relative to the folder) compared without those keys; every other
#: file must be equal byte for byte
TIMING_FIELDS = {"provenance.json": PROVENANCE_TIMING, "run.json": RUN_STATE_TIMING,
                 "priors/*.json": PRIOR_TIMING}


def tree(run_dir: Path) -> list[str]:
    """Every file of a run folder, relative, sorted (hidden files included)."""
    return sorted(p.relative_to(run_dir).as_posix() for p in Path(run_dir).rglob("*")
                  if p.is_file())


def temporaries(run_dir: Path) -> list[str]:
    """Temporary files (``.*.tmp-*``) anywhere in a run folder."""
    return [f for f in tree(run_dir) if Path(f).name.startswith(".") and ".tmp-" in f]


def run_differences(a: Path, b: Path) -> list[str]:
    """What differs between run folders ``a`` and ``b``, timing fields aside (empty: equal)."""
    out = []
    ta, tb = tree(a), tree(b)
    if ta != tb:
        out.append(f"files differ: only in a {sorted(set(ta) - set(tb))}, only in b "
                   f"{sorted(set(tb) - set(ta))}")
    for name in sorted(set(ta) & set(tb)):
        da, db = (Path(a) / name).read_bytes(), (Path(b) / name).read_bytes()
        skip = next((keys for pattern, keys in TIMING_FIELDS.items()
                     if fnmatch.fnmatchcase(name, pattern)), None)
        if skip is not None:
            ja = {k: v for k, v in json.loads(da).items() if k not in skip}
            jb = {k: v for k, v in json.loads(db).items() if k not in skip}
            if ja != jb:
                keys = sorted(k for k in set(ja) | set(jb) if ja.get(k) != jb.get(k))
                out.append(f"{name}: keys {keys} differ")
        elif da != db:
            out.append(f"{name}: bytes differ")
    return out


def assert_same_run(a: Path, b: Path) -> None:
    """Assert run folders ``a`` and ``b`` are byte-identical apart from :data:`TIMING_FIELDS`."""
    diff = run_differences(a, b)
    assert not diff, "; ".join(diff)
