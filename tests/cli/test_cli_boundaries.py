"""``neosim boundaries``: the JSON contract, the same numbers as the API and as rpact, the text
table, and bad flags (exit 2, one line naming the flag). Most calls run in process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import neosim as ns

from ..badinput import assert_bad_input, run_cli

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
CONTRACT = ("information_rates", "critical_values", "alpha_spent", "rejection_probabilities_h1",
            "stopping_probabilities_h0", "inflation_factor")


def boundaries_json(*args: str) -> dict:
    out = run_cli(["boundaries", *args, "--json"])
    assert out.code == 0, out.stderr
    return json.loads(out.stdout)


def test_json_keys_and_values_match_rpact_and_the_api():
    out = boundaries_json("--looks", "0.4,0.7,1", "--spending", "obf", "--futility", "obf",
                          "--binding-futility", "--alpha", "0.025", "--beta", "0.2")
    for key in (*CONTRACT, "futility_bounds"):
        assert key in out
    # rpact asOF_bsOF_b (tests/design/test_design_sequential.py)
    assert out["critical_values"] == pytest.approx(
        [3.35686935609099, 2.44389174133539, 1.92998924106359], rel=1e-6)
    assert out["futility_bounds"] == pytest.approx([0.110773148240441, 1.21206292742863],
                                                   rel=1e-6)
    api = ns.group_sequential_design([0.4, 0.7, 1.0], "obf", futility="obf",
                                     binding_futility=True)
    assert out == json.loads(json.dumps(api.to_dict()))


@pytest.mark.parametrize("args", [
    ["--looks", "0.5,1", "--spending", "pocock", "--sided", "2", "--alpha", "0.05"],
    ["--looks", "0.3,0.6,1", "--spending", "kd", "--gamma", "2"],
    ["--looks", "0.2,0.4,0.6,0.8,1", "--spending", "hsd", "--gamma", "-4"],
    ["--looks", "0.25,0.5,0.75,1", "--spending", "OF"],
    ["--looks", "0.4,0.7,1", "--spending", "WT", "--delta", "0.25", "--futility-cp", "0.1"],
    ["--looks", "0.5,1", "--spending", "P", "--futility-bounds", "0.2"],
    ["--looks", "0.3,0.6,1", "--spending", "user", "--user-alpha-spending", "0.001,0.01,0.025"],
])
def test_every_family_prints_json_and_a_table(args):
    out = boundaries_json(*args)
    looks = len(out["information_rates"])
    assert all(len(out[k]) == looks for k in ("critical_values", "alpha_spent",
                                                "rejection_probabilities_h1"))
    assert len(out["stopping_probabilities_h0"]) == looks - 1
    assert out["alpha_spent"][-1] == pytest.approx(out["alpha"], rel=1e-9)
    assert ("--futility-cp" in args or "--futility-bounds" in args) == (
        out["futility_bounds"] is not None)
    text = run_cli(["boundaries", *args])
    assert text.code == 0 and text.stderr == ""
    lines = text.stdout.splitlines()
    assert lines[0].startswith("Group-sequential design") and len(lines) == looks + 4
    assert f"{out['critical_values'][0]:.4f}" in lines[2]
    assert f"inflation factor {out['inflation_factor']:.4f}" in text.stdout


@pytest.mark.parametrize(("args", "flag", "words"), [
    ([], "--looks", "give --looks"),
    (["--looks", "0.4,0.3,1"], "--looks", "strictly increasing"),
    (["--looks", "0.4,0.7"], "--looks", "must end at 1"),
    (["--looks", "1"], "--looks", ""),
    (["--looks", ",".join(["0.5"] * 11)], "--looks", "at most 10"),
    (["--looks", "0.5,1", "--spending", "kd"], "--gamma", "needs gamma"),
    (["--looks", "0.5,1", "--spending", "hsd", "--gamma", "6"], "--gamma", "outside"),
    (["--looks", "0.5,1", "--spending", "WT", "--delta", "2"], "--delta", "outside"),
    (["--looks", "0.5,1", "--futility-cp", "1"], "--futility-cp", "outside (0, 1)"),
    (["--looks", "0.5,1", "--futility-cp", "0"], "--futility-cp", "outside (0, 1)"),
    (["--looks", "0.5,1", "--futility-bounds", "3.5"], "--futility-bounds",
     "above the critical value"),
    (["--looks", "0.5,1", "--futility", "obf", "--sided", "2"], "--futility", "one-sided"),
    (["--looks", "0.5,1", "--alpha", "0.5"], "--alpha", "outside"),
    (["--looks", "0.5,1", "--beta", "nan"], "--beta", "finite"),
    (["--looks", "0.5,1", "--alpha", "0.4", "--beta", "0.7"], "--beta", "below 1"),
    (["--gamma", "2"], "--looks", "give --looks"),
    (["--looks", "0.5,1", "--spending", "user"], "--user-alpha-spending", "goes with"),
    (["--looks", "0.5,1", "--spending", "user", "--user-alpha-spending", "0.01,0.03"],
     "--user-alpha-spending", "above alpha 0.025"),
    (["--looks", "0.5,1", "--spending", "user", "--user-alpha-spending", "0.01,0.02"],
     "--user-alpha-spending", "below alpha 0.025"),
])
def test_bad_flags(args, flag, words):
    line = assert_bad_input(run_cli(["boundaries", *args]), names=(flag,))
    assert words in line and line.startswith("neosim: command line: "), line


def test_api_takes_numpy_arrays_and_names_bad_arguments():
    import numpy as np

    from neosim.errors import InputError

    d = ns.group_sequential_design(np.array([0.5, 1.0]), "kd", gamma=np.int64(2))
    assert d.information_rates == (0.5, 1.0)
    with pytest.raises(InputError, match=r"^information_rates: expected a sequence"):
        ns.group_sequential_design("0.5,1")
    with pytest.raises(InputError, match=r"^sided: must be 1 or 2"):
        ns.group_sequential_design([0.5, 1.0], sided=3)


def test_plan_from_flags_for_commands_with_optional_looks():
    """Other commands (samplesize, power) reuse the flags: no --looks is no plan, but a boundary
    flag without --looks is an error naming that flag."""
    from neosim.cli.boundaries import plan_from_flags
    from neosim.errors import InputError

    assert plan_from_flags({"looks": None, "spending": None}) is None
    with pytest.raises(InputError, match=r"^command line: --spending: needs --looks$"):
        plan_from_flags({"looks": None, "spending": "pocock"})  # not silently a fixed design
    with pytest.raises(InputError, match=r"^command line: --futility-cp: needs --looks$"):
        plan_from_flags({"looks": None, "futility_cp": 0.2})
    plan = plan_from_flags({"looks": "0.5,1", "spending": "kd", "gamma": 2.0})
    assert plan.information_rates == [0.5, 1.0] and plan.gamma == 2.0


def test_import_neosim_cli_stays_free_of_scipy():
    code = ("import sys, neosim.cli, neosim.cli.boundaries\n"
            "print(sorted(m for m in ('scipy', 'numba', 'pymc') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV,
                         cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
