"""Fuzz of every referenced-file kind: each generated bad file gives exit 2 and one line naming it.

Prior JSON, IPD CSV, cohort TOML, published-table TOML, country tables, SBC targets and experiment
files are mutated by seeded mutators (:mod:`tests.filefuzz`) that always make them invalid, or
replaced by special files (a FIFO, ``/dev/zero``, a directory, a symbolic-link loop, an over-long
path, a NUL byte, a file over the size cap). Each goes through the real command line in process
(``run``, ``validate``, ``accrual``, ``survival check``, ``pooling ess``, ``pooling table``) and
must meet the contract: exit 2, one stderr line naming the file, nothing written in the working
directory or at ``--out``.
"""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest

from neosim import inputs
from neosim.errors import printable

from . import filefuzz
from .badinput import COUNTS, assert_bad_input, run_cli, tree

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.toml"))
PRIOR = ROOT / "configs" / "priors" / "map_neonatal_all_survival_24m.json"
COHORT = ROOT / "src" / "neosim" / "data" / "jilsg2006.toml"
TABLE = ROOT / "src" / "neosim" / "data" / "published_cohorts.toml"
COUNTRY = ROOT / "configs" / "countries" / "japan.toml"


def _absolute(text: str, base: Path) -> str:
    """Experiment text with every relative file reference made absolute."""
    def fix(m: re.Match) -> str:
        return f'{m.group(1)}"{(base / m.group(2)).resolve()}"'
    keys = r"(?:table|prior|target|file|draws_file)"
    return re.sub(r'^(' + keys + r'\s*=\s*)"([^"/][^"]*\.(?:toml|json|csv))"', fix, text,
                  flags=re.M)


class Setup:
    """Input folder with experiments that reference the fuzzed files, and a clean cwd."""

    def __init__(self, tmp: Path):
        self.inp = tmp / "in"
        self.cwd = tmp / "cwd"
        self.out = self.cwd / "out"
        self.inp.mkdir()
        self.cwd.mkdir()
        exp = ROOT / "experiments"
        self.texts = {p.name: _absolute(p.read_text(), exp) for p in EXPERIMENTS}
        self.prior = self.inp / "prior.json"
        self.ipd = self.inp / "ipd.csv"
        self.cohort = self.inp / "cohort.toml"
        self.table = self.inp / "table.toml"
        self.country = self.inp / "country.toml"
        self.target = self.inp / "target.toml"
        self.experiment = self.inp / "experiment.toml"
        # experiments naming the fuzzed file by a placeholder, rewritten per special path
        self.refs = {
            "prior": ("trial_prior.toml", re.sub(r'^prior = ".*"$', 'prior = "@"',
                                                 self.texts["trial_power.toml"], flags=re.M)),
            "cohort": ("exp_cohort.toml", self.texts["jilsg_subtypes.toml"].replace(
                'dataset = "jilsg2006"', 'file = "@"')),
            "cohort2": ("exp_cohort2.toml", self.texts["jilsg_survival.toml"].replace(
                'dataset = "jilsg2006"', 'file = "@"')),
            "table": ("exp_table.toml", self.texts["international_pooling.toml"].replace(
                "[data]\n", '[data]\ntable = "@"\n', 1)),
            "country": ("exp_country.toml", re.sub(r'^table = ".*japan.toml"$', 'table = "@"',
                                                   self.texts["consortium_accrual.toml"],
                                                   flags=re.M)),
            "target": ("exp_sbc.toml", re.sub(r'^target = ".*"$', 'target = "@"',
                                              self.texts["sbc_subtype_frequencies.toml"],
                                              flags=re.M)),
        }
        for key, (_, text) in self.refs.items():
            assert "@" in text, key
        os.mkfifo(self.inp / "fifo")
        (self.inp / "dir").mkdir()
        os.symlink(self.inp / "loop_b", self.inp / "loop_a")
        os.symlink(self.inp / "loop_a", self.inp / "loop_b")
        self.big = {}
        for kind in ("config", "prior", "ipd"):
            p = self.inp / f"big_{kind}"
            with open(p, "wb") as fh:
                fh.truncate(inputs.CAPS[kind] + 1)  # sparse: costs no disk
            self.big[kind] = p

    def reference(self, key: str, path: str) -> Path:
        """Write the experiment ``key`` naming ``path`` and return it."""
        name, text = self.refs[key]
        target = self.inp / name
        escaped = path.replace("\\", "\\\\").replace('"', '\\"').replace("\x00", "\\u0000")
        target.write_text(text.replace("@", escaped))
        return target

    def specials(self, kind: str) -> list[str]:
        long_path = "/".join(["d" * 200] * 25)
        return [str(self.inp / "fifo"), "/dev/zero", str(self.inp / "dir"),
                str(self.inp / "loop_a"), long_path, str(self.inp / ("x" * 300)),
                str(self.inp / "missing.file"), str(self.big[kind]), "a\x00b"]


def _cases(s: Setup, seed: int, n: int):
    """Yield ``(argv, names, label)`` for ``n`` bad files."""
    rng = random.Random(seed)
    toml_mut = filefuzz.toml_mutations()
    json_mut = filefuzz.json_mutations()
    ipd_mut = filefuzz.ipd_mutations()
    prior_text = PRIOR.read_text()
    tables = {"cohort": COHORT.read_text(), "table": TABLE.read_text(),
              "country": COUNTRY.read_text()}
    kinds = ["prior", "ipd", "cohort", "table", "country", "target", "experiment"]
    for i in range(n):
        kind = kinds[i % len(kinds)]
        special = rng.random() < 0.1
        name = "special"  # the mutator's name otherwise
        if kind == "prior":
            if special:
                path = rng.choice(s.specials("prior"))
            else:
                name = rng.choice(sorted(json_mut))
                s.prior.write_bytes(json_mut[name](prior_text, rng))
                path = str(s.prior)
            if rng.random() < 0.5:
                exp = s.reference("prior", path)
                yield ["validate", str(exp)], (path, str(exp)), f"prior/{name}"
            else:
                yield ["pooling", "ess", path], (path, "PRIOR_FILE"), f"prior/{name}"
        elif kind == "ipd":
            if special:
                path = rng.choice(s.specials("ipd"))
            else:
                name = rng.choice(sorted(ipd_mut))
                s.ipd.write_bytes(ipd_mut[name](filefuzz.ipd_text(rng), rng))
                path = str(s.ipd)
            yield ["survival", "check", path], (path, "IPD_FILE"), f"ipd/{name}"
        elif kind in ("cohort", "table", "country"):
            file = {"cohort": s.cohort, "table": s.table, "country": s.country}[kind]
            if special:
                path = rng.choice(s.specials("config"))
            else:
                name = rng.choice(sorted(toml_mut))
                file.write_bytes(toml_mut[name](tables[kind], rng))
                path = str(file)
            key = "cohort2" if kind == "cohort" and rng.random() < 0.3 else kind
            exp = s.reference(key, path)
            if kind == "table" and rng.random() < 0.5:
                argv = ["pooling", "table", "--file", path]
            elif kind == "country" and rng.random() < 0.3:
                argv = ["accrual", str(exp)]
            else:
                argv = ["validate", str(exp)]
            yield argv, (path, str(exp), "--file"), f"{kind}/{name}"
        else:  # an SBC target or an experiment file itself
            if special:
                path = rng.choice(s.specials("config"))
            else:
                name = rng.choice(sorted(toml_mut))
                source = rng.choice(sorted(s.texts))
                file = s.target if kind == "target" else s.experiment
                file.write_bytes(toml_mut[name](s.texts[source], rng))
                path = str(file)
            if kind == "target":
                exp = s.reference("target", path)
                yield ["validate", str(exp)], (path, str(exp)), f"target/{name}"
            elif rng.random() < 0.3:
                yield (["run", path, "--out", str(s.out), "--quiet"], (path, "EXPERIMENT"),
                       f"experiment/{name}")
            else:
                yield ["validate", path], (path, "EXPERIMENT"), f"experiment/{name}"


def _fuzz(tmp_path, monkeypatch, seed: int, quota: int) -> int:
    s = Setup(tmp_path)
    monkeypatch.chdir(s.cwd)
    checked = 0
    seen: dict[str, set[str]] = {}
    for argv, names, label in _cases(s, seed, quota):
        kind, how = label.split("/", 1)
        seen.setdefault(kind, set()).add(how)
        seen.setdefault("command " + argv[0], set())
        outcome = run_cli(argv, timeout=30)
        try:
            # a long path is shown shortened in the middle: its tail names it
            assert_bad_input(outcome, names=tuple(printable(n)[-40:] for n in names))
        except AssertionError as exc:
            raise AssertionError(f"{label}: {exc}") from None
        assert not tree(s.cwd), f"{label}: wrote {sorted(tree(s.cwd))[:5]}"
        checked += 1
    # every file kind, every mutator of its format, special files and every command were used
    mutators = {"prior": filefuzz.json_mutations(), "ipd": filefuzz.ipd_mutations()}
    for kind in ("prior", "ipd", "cohort", "table", "country", "target", "experiment"):
        expected = set(mutators.get(kind, filefuzz.toml_mutations())) | {"special"}
        assert seen[kind] == expected, (kind, expected - seen[kind])
    assert {"command run", "command validate", "command accrual", "command survival",
            "command pooling"} <= set(seen)
    return checked


QUOTA = 3000


def test_generated_bad_files_meet_the_contract(tmp_path, monkeypatch):
    checked = _fuzz(tmp_path, monkeypatch, seed=20261201, quota=QUOTA)
    COUNTS["files"] += checked
    assert checked >= QUOTA


@pytest.mark.slow
def test_more_generated_bad_files_meet_the_contract(tmp_path, monkeypatch):
    checked = _fuzz(tmp_path, monkeypatch, seed=11, quota=QUOTA)
    COUNTS["files"] += checked
    assert checked >= QUOTA
