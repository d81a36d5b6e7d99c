"""Fuzz of every command's flags: each generated bad value gives exit 2 and one line naming it.

A seeded generator (deterministic) draws, for every command, valid base arguments and one or two
bad flags from each flag's catalogue of bad values (non-finite, extreme, zero, negative, empty,
NUL, huge integers, wrong types, incompatible combinations). Every call runs ``neosim`` in process
(:func:`tests.badinput.run_cli`) in an empty working directory and must meet the contract: exit 2,
one stderr line naming the flag (or ``command line``), nothing written.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ..badinput import COUNTS, assert_bad_input, run_cli, tree

ROOT = Path(__file__).resolve().parents[2]
PRIOR = ROOT / "configs" / "priors" / "map_neonatal_all_survival_24m.json"
ACCRUAL = ROOT / "experiments" / "consortium_accrual.toml"
FLAGSHIP = ROOT / "experiments" / "jilsg_subtypes.toml"
TRIAL = ROOT / "experiments" / "trial_power.toml"
IPD_ROWS = ("patient_id,subtype,mll_status,age_at_diagnosis_days,sct,months_to_sct,"
            "months_to_event,event\nA1,ALL,rearranged,2,1,3,5,1\nA2,ALL,germline,9,1,4,10,0\n"
            "M1,AML,germline,20,1,5,50,1\nM2,AML,unknown,12,1,3,20,0\n")

# values no finite, bounded number flag accepts
NON_FINITE = ["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e308", "-1e308", "1e309",
              "9" * 400, "-" + "9" * 400]
JUNK = ["", " ", "abc", "1,5", "0x10", "1..2", "\x00", "1\x002", "--", "1e", "e5", "½",
        "x" * 5000, "1" * 5000]
TINY = ["5e-324", "-5e-324", "1e-320", "2.2e-308"]
NEG = ["-1", "-0.5", "-1e-9", "-100"]
ZERO = ["0", "-0", "0.0", "-0.0", "+0"]
BAD_INT = ["1.5", "1e3", "nan", "inf", "", "\x00", "9" * 30, "-" + "9" * 30, "0x1", "1_000",
           "abc", "2**63"]


def _bad_number(lo_bad: list[str], hi_bad: list[str]) -> list[str]:
    return NON_FINITE + JUNK + lo_bad + hi_bad


def _design_flags() -> dict[str, list[str]]:
    return {
        "--hr": _bad_number(TINY + NEG + ZERO + ["1e-4"], ["1", "1.0", "1e4", "1e300"]),
        "--alpha": _bad_number(TINY + NEG + ZERO + ["1e-300", "1e-9"], ["0.51", "1", "2", "1e9"]),
        "--power": _bad_number(TINY + NEG + ZERO + ["1e-300"],
                               ["1", "1.5", "0.99999999999999999", "1e9"]),
        "--sided": [*BAD_INT, "0", "3", "-1", "-0.0", "1e308"],
        "--control-median": _bad_number(TINY + NEG + ZERO, ["1e6", "1e300"]),
        "--control-hazard": _bad_number(TINY + NEG + ZERO + ["1e-9"], ["101", "1e300"]),
        "--followup-months": _bad_number(TINY[1:2] + NEG, ["1201", "1e300"]),
        "--dropout-hazard": _bad_number(NEG + TINY[1:2], ["101", "1e300"]),
        "--theta-h0": _bad_number(TINY + NEG + ZERO + ["1e-4"], ["1e4", "1e300"]),
        "--gamma": _bad_number(["-11", "-1e300"], ["9", "1e300"]),  # alone: needs --looks too
        "--delta": _bad_number(["-0.6", "-1e300"], ["1.1", "1e300"]),
        "--futility-cp": _bad_number(NEG, ["1.5", "1e300"]),
    }


def _design_base(rng: random.Random) -> dict[str, str]:
    return {"--hr": rng.choice(["0.5", "0.7", "1.5", "0.3"]),
            "--control-median": rng.choice(["12", "24", "6.5"]),
            "--alpha": rng.choice(["0.025", "0.05", "0.1"]),
            "--accrual-time": rng.choice(["12", "24", "0,6,12", "0,3,12,24"]),
            "--followup-months": rng.choice(["12", "0", "24"])}


def _pairs(extra: dict[str, list[str]]) -> list[tuple[list[str], tuple[str, ...]]]:
    """``(argv piece, flags any of which the error may name)`` for one flag's bad values."""
    return [([flag, v], (flag,)) for flag, values in extra.items() for v in values]


def _combos() -> list[tuple[list[str], tuple[str, ...]]]:
    """Bad flag combinations of the design commands (each valid alone)."""
    return [
        (["--control-hazard", "0.05"], ("--control-median",)),  # both given (median in base)
        (["--dropout-rate", "0.1"], ("--dropout-rate",)),  # without --dropout-time
        (["--dropout-time", "12"], ("--dropout-rate",)),  # without --dropout-rate
        (["--dropout-hazard", "0.01", "--dropout-rate", "0.1", "--dropout-time", "12"],
         ("--dropout-hazard",)),
        (["--accrual-intensity", "1,2,3,4,5,6,7"], ("--accrual-intensity",)),
        (["--power", "0.01", "--alpha", "0.05"], ("--power",)),
        (["--method", "bogus"], ("--method",)),
        (["--theta-h0", "1.3", "--sided", "2"], ("--theta-h0",)),  # a shifted null is one-sided
        (["--theta-h0", "1.3", "--method", "freedman"], ("--theta-h0",)),
        (["--looks", "0.5,1", "--spending", "kd"], ("--gamma",)),
        (["--looks", "0.5,1", "--spending", "WT"], ("--delta",)),
        (["--looks", "0.5,1", "--futility-bounds", "1,2"], ("--futility-bounds",)),
        (["--looks", "0.5,1", "--futility-bounds", "nan"], ("--futility-bounds",)),
        (["--looks", "0.5,1", "--futility", "obf", "--futility-cp", "0.2"], ("--futility-cp",)),
        (["--looks", "0.5,1", "--binding-futility"], ("--binding-futility",)),
        (["--futility", "obf"], ("--futility",)),
        (["--nosuchflag", "1"], ("--nosuchflag",)),
    ]


def _lists() -> dict[str, list[str]]:
    bad = NON_FINITE + TINY + NEG + ZERO + ["", ",", " , ", "1,,nan", "1e308,1", "12,abc",
                                            "\x00", "1201", "600,601", ",".join(["1"] * 101)]
    # accrual start points: not from 0, not increasing, beyond 1200 months, too many
    starts = NON_FINITE + NEG + ["", ",", "1,,nan", "12,abc", "\x00", "1201", "0,1201",
                                 "0,600,599", "6,12", "0,0", ",".join(["1"] * 101)]
    looks = [*NON_FINITE, "", ",", "0.7,0.4,1", "0.4,0.8", "0,1", "1", "1.5,1", "-0.5,1",
             "1,,nan", "\x00", ",".join(["0.5"] * 11) + ",1", "0.5,0.5,1"]
    return {"--looks": looks,
            "--accrual-time": starts,
            "--accrual-intensity": [v for v in bad if v not in ("1201", "600,601")]}


def _allocation() -> list[str]:
    return ["0:1", "1:0", "0", "-1", "nan", "inf", "nan:1", "1:nan", "1e308:1e-308", "a:b",
            "1:2:3", "", ":", "1:", ":1", "1000:1", "1:1000", "\x00", "1e309", "5e-324:1"]


def _boundaries() -> list[tuple[list[str], tuple[str, ...]]]:
    """Bad boundary flags; the base is ``neosim boundaries --looks 0.5,1`` (a later flag wins)."""
    levels = NON_FINITE + JUNK + TINY + NEG + ZERO
    flags = {
        "--looks": NON_FINITE + JUNK + NEG + ZERO + [
            "0.5", "1", "0,1", "0.5,0.5,1", "0.7,0.4,1", "0.5,0.9", "-0.5,1", "0.5,1.5",
            "0.005,1", "0.5,0.505,1", "1e-320,1", ",".join(f"{k / 11:.4f}" for k in range(1, 11))
            + ",1"],
        "--spending": ["", "asOF", "obf ", "\x00", "x" * 5000, "of"],
        "--delta": NON_FINITE + JUNK + ["0.2"],  # valid alone, but not for obf
        "--gamma": NON_FINITE + JUNK + ["2"],  # ditto
        "--user-alpha-spending": NON_FINITE + JUNK + ["0.01,0.025"],  # not with obf
        "--futility": ["", "bsOF", "x", "\x00"],
        "--futility-gamma": NON_FINITE + JUNK + ["1"],  # without a kd/hsd --futility
        "--futility-cp": NON_FINITE + JUNK + TINY[1:2] + NEG + ZERO + ["1", "1.5"],
        "--futility-bounds": NON_FINITE + JUNK + ["9", "-9", "3.5", "0,0", "\x00"],
        "--alpha": [*levels, "0.5", "0.51", "1", "1e-7"],
        "--beta": [*levels, "1", "1.5", "5e-5"],
        "--sided": [*BAD_INT, "0", "3", "-1"],
    }
    combos = [
        (["--spending", "kd"], ("--gamma",)),
        (["--spending", "kd", "--gamma", "0.3"], ("--gamma",)),
        (["--spending", "hsd", "--gamma", "5.5"], ("--gamma",)),
        (["--spending", "WT"], ("--delta",)),
        (["--spending", "user"], ("--user-alpha-spending",)),
        (["--spending", "user", "--user-alpha-spending", "0.01,0.03"],
         ("--user-alpha-spending",)),
        (["--spending", "user", "--user-alpha-spending", "0.02,0.01"],
         ("--user-alpha-spending",)),
        (["--spending", "WT", "--delta", "1.2"], ("--delta",)),
        (["--futility", "kd"], ("--futility-gamma",)),
        (["--futility", "hsd", "--futility-gamma", "7"], ("--futility-gamma",)),
        (["--futility", "obf", "--sided", "2"], ("--futility",)),
        (["--futility", "obf", "--spending", "OF"], ("--futility",)),
        (["--futility", "obf", "--futility-cp", "0.2"], ("--futility-cp",)),
        (["--futility-bounds", "0", "--futility-cp", "0.2"], ("--futility-bounds",)),
        (["--binding-futility"], ("--binding-futility",)),
        (["--alpha", "0.4", "--beta", "0.7"], ("--beta",)),
        (["--nosuchflag", "1"], ("--nosuchflag",)),
    ]
    return _pairs(flags) + combos


def generate(seed: int, n: int, tmp: Path) -> list[tuple[list[str], tuple[str, ...]]]:
    """``n`` bad command lines (argv, acceptable names) from ``seed``."""
    rng = random.Random(seed)
    ipd = tmp / "ipd.csv"
    long_path = "/".join(["d" * 200] * 25)
    bad_paths = ["", "\x00", "a\x00b.toml", "x" * 300 + ".toml", long_path,
                 str(tmp / "missing.toml"), str(tmp), "/dev/zero", "/dev/null",
                 str(tmp / "fifo")]
    design = _pairs(_design_flags()) + _pairs(_lists()) + _pairs({"--allocation": _allocation()})
    design += _combos()
    # `power` solves for power: a --power below alpha is no conflict there, and a hazard
    # ratio of 1 is a valid design (its power is the type-I error; only a sample size refuses)
    power_design = [c for c in design if c[0][:2] != ["--power", "0.01"]
                    and c[0][:2] not in (["--hr", "1"], ["--hr", "1.0"])]
    sim = _pairs({"--simulate": [*BAD_INT, "0", "-1", "10000001", "1e308"],
                  "--seed": [*BAD_INT, "-1", str(2 ** 63), str(2 ** 64)],
                  "--events": [*BAD_INT, "0", "-5", "10000001"],
                  "--workers": [*BAD_INT, "-1", "257", "99999999999"]})
    subjects = _pairs({"--subjects": _bad_number(TINY + NEG + ZERO + ["1", "1.9"],
                                                 ["1e8", "1e300"])})
    commands = {
        "samplesize": lambda: (["samplesize"], design + subjects),
        "power": lambda: (["power", "--subjects", rng.choice(["40", "100", "250"])],
                          power_design + subjects),
        "power-sim": lambda: (["power", "--subjects", "60", "--simulate", "50"],
                              power_design + sim[len(sim) // 4:] + subjects),
        "power-events": lambda: (["power", "--subjects", "60"],
                                 [(["--events", "10"], ("--events",))]),
        "boundaries": lambda: (["boundaries", "--looks", "0.5,1"], _boundaries()),
        "accrual": lambda: (["accrual"], [([p], ("EXPERIMENT", "command line")) for p in bad_paths]
                            + [([str(ACCRUAL), "--seed", v], ("--seed",))
                               for v in [*BAD_INT, "-1", str(2 ** 63)]]),
        "pooling-ess": lambda: (["pooling", "ess"],
                                [([p], ("PRIOR_FILE", "command line")) for p in bad_paths]
                                + [([str(PRIOR), "--sigma", v], ("--sigma",))
                                   for v in _bad_number(TINY + NEG + ZERO, ["1e7"])]),
        "pooling-table": lambda: (["pooling", "table"],
                                  [(["--file", p], ("--file", "command line"))
                                   for p in bad_paths if p]),
        "survival": lambda: (["survival", "check"],
                             [([p], ("IPD_FILE", "command line")) for p in bad_paths]
                             + [([str(ipd), "--origin", v], ("--origin",))
                                for v in ["", "birth", "\x00", "SCT"]]
                             + [([str(ipd), "--subtypes", v], ("--subtypes",))
                                for v in ["ZZZ", "ALL,ALL", "\x00", "x" * 5000, "ALL,nope"]]),
        "data-show": lambda: (["data", "show"],
                              [([v], ("NAME",)) for v in ["", "nope", "\x00", "x" * 5000,
                                                          "../jilsg2006", "jilsg2006.toml"]]),
        "data-list": lambda: (["data", "list"], [(["extra"], ("command line",))]),
        "report": lambda: (["report"],
                           [([p], ("DIR", "command line")) for p in bad_paths if p != str(tmp)]),
        "validate": lambda: (["validate"], [([p], ("EXPERIMENT", "command line"))
                                            for p in bad_paths]),
        "run": lambda: (["run"],
                        [([p], ("EXPERIMENT", "command line")) for p in bad_paths]
                        + [([str(FLAGSHIP), "--seed", v], ("--seed",))
                           for v in [*BAD_INT, "-1", str(2 ** 63)]]
                        + [([str(FLAGSHIP), "--out", v], ("--out",))
                           for v in ["\x00", "a\x00b", long_path, "x" * 300, "", "/dev/null"]]
                        + [(["--resume", v], ("--resume",))
                           for v in ["\x00", long_path, str(tmp / "nope"), "", "/dev/null"]]
                        + [([str(FLAGSHIP), "--resume", str(tmp)], ("--resume",))]
                        + [([str(TRIAL), "--scheduler", v], ("--scheduler",))
                           for v in ["", "\x00", "nonsense", "x" * 5000]]),
    }
    names = sorted(commands)
    cases = []
    while len(cases) < n:
        cmd = names[len(cases) % len(names)] if len(cases) < len(names) else rng.choice(names)
        head, catalogue = commands[cmd]()
        if cmd in ("samplesize", "power", "power-sim", "power-events"):
            base = _design_base(rng)
            picks = rng.sample(catalogue, min(len(catalogue), rng.choice([1, 1, 2])))
            for piece, _ in picks:
                for flag in piece[::2]:
                    base.pop(flag, None)
            argv = list(head)
            for k, v in base.items():
                argv += [k, v]
            for piece, _ in picks:
                argv += piece
            ok = tuple(x for _, accept in picks for x in accept)
            if len(picks) == 1 and picks[0][1] == ("--control-median",):
                ok = ("--control-median", "--control-hazard")
            cases.append((argv, ok))
        else:
            piece, accept = rng.choice(catalogue)
            # a file argument that names no readable file: the error names that file
            files = tuple(p for p in piece if p.startswith("/") and len(p) < 100)
            cases.append(([*head, *piece], accept + files))
    return cases


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    import os

    (tmp_path / "ipd.csv").write_text(IPD_ROWS)
    os.mkfifo(tmp_path / "fifo")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return tmp_path


QUOTA = 3000


def _fuzz(seed: int, workdir: Path) -> int:
    cases = generate(seed, QUOTA, workdir)
    before = tree(workdir)
    checked = 0
    for argv, names in cases:
        outcome = run_cli(argv, timeout=20)
        line = assert_bad_input(outcome, names=names)
        assert "nan" not in outcome.stdout and "inf" not in outcome.stdout, (argv, line)
        assert tree(workdir) == before, f"{argv[:4]} wrote {tree(workdir) - before}"
        checked += 1
    return checked


def test_generated_bad_flags_meet_the_contract(workdir):
    checked = _fuzz(20261201, workdir)
    COUNTS["flags"] += checked
    assert checked >= QUOTA


@pytest.mark.slow
def test_more_generated_bad_flags_meet_the_contract(workdir):
    checked = _fuzz(7, workdir)
    COUNTS["flags"] += checked
    assert checked >= QUOTA
