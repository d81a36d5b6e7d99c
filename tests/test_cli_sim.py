"""``neosim simulate``: output, JSON, exit statuses, light import."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from neosim.cli import main

BASE = ["simulate", "--n", "60", "--hr", "0.6", "--control-median", "12", "--accrual-months",
        "18", "--events", "40", "--simulate", "2048", "--seed", "4"]


def run(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*args])
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_prints_power_with_mc_error_events_duration_and_speed(capsys):
    main(BASE)
    out = capsys.readouterr().out
    assert "simulated power (logrank):" in out and "MC SE" in out
    assert "mean events: 40.00" in out and "trials/s" in out


def test_json_is_reproducible_for_a_seed(capsys):
    main([*BASE, "--json"])
    first = json.loads(capsys.readouterr().out)
    main([*BASE, "--json", "--workers", "1"])
    second = json.loads(capsys.readouterr().out)
    assert first["power"] == second["power"]
    assert first["n_trials"] == 2048 and first["seed"] == 4


@pytest.mark.parametrize("change, flag", [
    (["--events", "61"], "--events"),
    (["--hr", "-0.5"], "--hr"),
    (["--dropout", "-0.1"], "--dropout"),
    (["--control-median", "0"], "--control-median"),
    (["--simulate", "0"], "--simulate"),
])
def test_bad_input_exits_2_with_one_line_naming_the_flag(capsys, change, flag):
    args = list(BASE)
    if change[0] in args:
        args[args.index(change[0]) + 1] = change[1]
    else:
        args += change
    code, _out, err = run(args, capsys)
    assert code == 2
    assert err.startswith(f"neosim: command line: {flag}:") and err.count("\n") == 1


def test_the_cli_stays_light_to_import():
    code = "import sys, neosim.cli; print(sorted(m for m in ('numba', 'scipy', 'pymc') " \
           "if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
