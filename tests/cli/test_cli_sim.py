"""``neosim power ... --simulate N``: output, JSON, agreement with the analytic design,
exit statuses, light import."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from neosim.cli import main

BASE = ["power", "--subjects", "60", "--hr", "0.6", "--control-median", "12",
        "--accrual-time", "18", "--followup-months", "12", "--events", "40",
        "--simulate", "2048", "--seed", "4"]


def run(args, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*args])
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def _call(args, capsys) -> str:
    try:
        main(args)
    except SystemExit as exc:
        assert exc.code in (None, 0)
    return capsys.readouterr().out


def test_prints_power_with_mc_error_events_duration_and_speed(capsys):
    out = _call(BASE, capsys)
    assert "simulated power (logrank one-sided, for HR < 1, analysis at 40 events):" in out
    assert "MC SE" in out
    assert "mean events 40.00" in out and "trials/s" in out and "analytic schoenfeld" in out


def test_json_is_reproducible_for_a_seed(capsys):
    first = json.loads(_call([*BASE, "--json"], capsys))
    second = json.loads(_call([*BASE, "--json", "--workers", "1"], capsys))
    assert first["power"] == second["power"] and first["events_mean"] == 40.0
    assert first["n_trials"] == 2048 and first["seed"] == 4
    for key in ("power_mc_se", "study_duration_months_mean", "trials_per_second", "analytic"):
        assert key in first


def test_simulated_power_agrees_with_the_analytic_design(capsys):
    """Calendar analysis at the design's study duration: the simulated log-rank power lies within
    4 MC SE of the Schoenfeld power of the same design (a near-null approximation, so HR 0.75)."""
    args = ["power", "--subjects", "300", "--hr", "0.75", "--control-median", "12",
            "--accrual-time", "18", "--followup-months", "12", "--dropout-hazard", "0.005",
            "--simulate", "20000", "--seed", "11", "--json"]
    rec = json.loads(_call(args, capsys))
    analytic = rec["analytic"]["power"]
    assert abs(rec["power"] - analytic) < 4 * rec["power_mc_se"], (rec["power"], analytic)
    assert rec["study_duration_months_mean"] == pytest.approx(30.0)
    assert rec["events_mean"] == pytest.approx(rec["analytic"]["events"], rel=0.02)


@pytest.mark.parametrize("change, flag", [
    (["--events", "61"], "--events"),
    (["--hr", "-0.5"], "--hr"),
    (["--dropout-hazard", "-0.1"], "--dropout-hazard"),
    (["--control-median", "0"], "--control-median"),
    (["--simulate", "0"], "--simulate"),
    (["--seed", "-1"], "--seed"),
])
def test_bad_input_exits_2_with_one_line_naming_the_flag(capsys, change, flag):
    args = list(BASE)
    if change[0] in args:
        args[args.index(change[0]) + 1] = change[1]
    else:
        args += change
    code, _out, err = run(args, capsys)
    assert code == 2
    assert err.startswith(f"neosim: command line: {flag}:") and err.count("\n") == 1, err


def test_events_without_simulate_is_an_error(capsys):
    code, _out, err = run(["power", "--subjects", "60", "--hr", "0.6", "--control-median", "12",
                          "--events", "10"], capsys)
    assert code == 2 and "--events" in err


def test_the_cli_stays_light_to_import():
    code = "import sys, neosim.cli; print(sorted(m for m in ('numba', 'scipy', 'pymc') " \
           "if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("hr, rejects", [(0.6, "one-sided, for HR < 1"), (1.0, None),
                                         (1.6, "one-sided, for HR > 1")])
def test_the_simulated_test_follows_the_design_direction(hr, rejects, capsys):
    """HR < 1, = 1 and > 1: the simulated power agrees with the analytic power (at HR 1 both
    are the level alpha) within 4 MC standard errors plus the normal approximation's 0.01."""
    out = _call(["power", "--subjects", "300", "--hr", str(hr), "--control-median", "12",
                 "--accrual-time", "24", "--followup-months", "12", "--simulate", "4096",
                 "--seed", "3", "--json"], capsys)
    rec = json.loads(out)
    assert rec["rejects"] == (rejects or "one-sided, for HR < 1")
    analytic = rec["analytic"]["power"]
    if hr == 1.0:
        assert analytic == pytest.approx(0.025, abs=1e-12)
    assert abs(rec["power"] - analytic) < 4 * rec["power_mc_se"] + 0.01, rec
    assert rec["power"] > 0.5 or hr == 1.0


def test_a_two_sided_design_rejects_in_both_tails(capsys):
    common = ["--subjects", "300", "--control-median", "12", "--accrual-time", "24",
              "--simulate", "4096", "--seed", "3", "--json", "--sided", "2", "--alpha", "0.05"]
    low = json.loads(_call(["power", "--hr", "0.7", *common], capsys))
    high = json.loads(_call(["power", "--hr", str(1 / 0.7), *common], capsys))
    assert low["rejects"] == high["rejects"] == "two-sided, alpha / 2 per tail"
    for rec in (low, high):
        assert abs(rec["power"] - rec["analytic"]["power"]) < 4 * rec["power_mc_se"] + 0.01


def test_power_refuses_a_target_power_and_an_unreached_event_target_is_said(capsys):
    code, _out, err = run(["power", "--hr", "0.6", "--control-median", "12", "--subjects", "60",
                           "--power", "0.9"], capsys)
    assert code == 2 and "--power" in err and len(err.splitlines()) == 1
    rec = json.loads(_call(["power", "--hr", "0.6", "--control-median", "12", "--subjects",
                            "60", "--accrual-time", "12", "--events", "59", "--dropout-hazard",
                            "0.05", "--simulate", "1024", "--json"], capsys))
    # the reference is the analytic power at 59 events and nothing of the calendar design
    assert set(rec["analytic"]) == {"method", "events", "power", "hazard_ratio", "alpha",
                                    "sided", "allocation_ratio", "theta_h0"}
    assert rec["analysis_reached_fraction"] < 0.5
    text = _call(["power", "--hr", "0.6", "--control-median", "12", "--subjects", "60",
                  "--accrual-time", "12", "--events", "59", "--dropout-hazard", "0.05",
                  "--simulate", "1024"], capsys)
    assert "reached in" in text and "of trials" in text
