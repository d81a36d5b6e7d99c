"""`neosim samplesize/power --looks ...` and `--theta-h0`: the flags, their JSON keys and their
bad input.

Numbers: rpact S1, S4 and P1 of tests/reference/rpact_sequential_survival.R (also pinned in
tests/design/test_design_survival_sequential.py).
"""

from __future__ import annotations

import json

import pytest

from neosim.cli import main


class Out:
    def __init__(self, code, out, err):
        self.returncode, self.stdout, self.stderr = code, out, err


@pytest.fixture
def neosim(capsys):
    """Run the command in this process (a subprocess costs a second of imports per call)."""
    def call(*args: str) -> Out:
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code or 0
        out = capsys.readouterr()
        return Out(code, out.out, out.err)
    return call

S1 = ["--hr", "0.6", "--control-median", "12", "--accrual-time", "24", "--followup-months",
      "12", "--looks", "0.4,0.7,1"]


def test_samplesize_looks_json_keys_and_rpact_values(neosim):
    out = neosim("samplesize", *S1, "--json")
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    for key in ("max_events", "max_subjects", "expected_events_h0", "expected_events_h1",
                "analysis_times", "information_rates", "critical_values", "alpha_spent",
                "rejection_probabilities_h1", "stopping_probabilities_h0", "inflation_factor"):
        assert key in got, key
    assert got["max_events"] == pytest.approx(122.156314191307, rel=1e-6)
    assert got["max_subjects"] == pytest.approx(190.636504133207, rel=1e-6)
    assert got["analysis_times"] == pytest.approx([18.7870384075241, 26.2535778328164, 36.0],
                                                  rel=1e-6)
    assert got["expected_events_h0"] == pytest.approx(121.871251046187, rel=1e-6)


def test_samplesize_looks_with_futility_flags(neosim):
    out = neosim("samplesize", "--hr", "0.65", "--control-hazard", "0.05", "--accrual-time",
                 "20", "--followup-months", "10", "--looks", "0.3,0.6,1", "--spending", "hsd",
                 "--gamma", "-4", "--futility", "hsd", "--futility-gamma", "-2", "--json")
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert len(got["futility_bounds"]) == 2 and got["binding_futility"] is False
    assert got["max_subjects"] == pytest.approx(330.850797850032, rel=1e-6)
    assert got["expected_events_h1"] == pytest.approx(144.490599350305, rel=1e-6)


def test_power_looks_text_and_json(neosim):
    args = ["power", "--hr", "0.65", "--control-median", "12", "--accrual-time", "24",
            "--subjects", "250", "--events", "150", "--looks", "0.4,0.7,1"]
    text = neosim(*args)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.strip().splitlines()
    assert len(lines) == 5 and lines[1].lstrip().startswith("look 1:")
    got = json.loads(neosim(*args, "--json").stdout)
    assert got["overall_power"] == pytest.approx(0.744546870260572, rel=1e-6)
    assert got["analysis_times"][-1] == pytest.approx(32.7740297255492, rel=1e-6)


def test_fixed_samplesize_json_has_no_look_keys(neosim):
    got = json.loads(neosim("samplesize", "--hr", "0.6", "--control-median", "12",
                            "--json").stdout)
    assert "max_events" not in got and "critical_values" not in got


@pytest.mark.parametrize("args, flag, message", [
    (["--looks", "0.7,0.4,1"], "--looks", "strictly increasing"),
    (["--looks", "0.4,0.8"], "--looks", "must end at 1"),
    (["--looks", "0,1"], "--looks", ""),
    (["--looks", "0.5,nan,1"], "--looks", ""),
    (["--looks", ",".join(["0.5"] * 11)], "--looks", ""),
    (["--looks", "0.4,1", "--spending", "kd"], "--gamma", "needs gamma"),
    (["--looks", "0.4,1", "--spending", "kd", "--gamma", "9"], "--gamma", ""),
    (["--looks", "0.4,1", "--spending", "WT"], "--delta", "needs delta"),
    (["--spending", "pocock"], "--spending", "needs --looks"),
    (["--gamma", "2"], "--gamma", "needs --looks"),
    (["--binding-futility"], "--binding-futility", "needs --looks"),
    (["--looks", "0.4,1", "--futility-bounds", "4"], "--futility-bounds", "above the critical"),
    (["--looks", "0.4,0.7,1", "--futility-bounds", "0"], "--futility-bounds", "needs 2"),
    (["--looks", "0.4,1", "--futility", "obf", "--sided", "2", "--alpha", "0.05"], "--futility",
     "one-sided"),
    (["--looks", "0.4,1", "--method", "lachin-foulkes"], "--method", "no group-sequential"),
    (["--looks", "0.4,1", "--endpoint", "binary", "--control-proportion", "0.2",
      "--experimental-proportion", "0.4"], "--looks", "survival endpoint only"),
])
def test_look_flags_bad_input(args, flag, message, neosim):
    out = neosim("samplesize", "--hr", "0.6", "--control-median", "12", *args)
    assert out.returncode == 2, out.stdout + out.stderr
    line = out.stderr.strip()
    assert "\n" not in line and f"command line: {flag}:" in line and message in line, line


def test_a_look_after_the_last_possible_event(neosim):
    out = neosim("power", "--hr", "0.6", "--control-median", "12", "--subjects", "100",
                 "--dropout-rate", "0.4", "--dropout-time", "12", "--events", "95",
                 "--looks", "0.5,1")
    assert out.returncode == 2
    assert "a look after the last possible event" in out.stderr
    assert "command line: --subjects:" in out.stderr


def test_power_events_without_looks_or_simulate_is_refused(neosim):
    out = neosim("power", "--hr", "0.6", "--control-median", "12", "--subjects", "100",
                 "--events", "50")
    assert out.returncode == 2 and "--events" in out.stderr


def test_power_simulate_receives_the_looks(monkeypatch):
    """`power --looks --simulate N` hands the design with its plan to the simulation (which
    cli/simulate.py runs)."""
    from neosim.cli import main
    from neosim.cli import simulate as cli_sim

    seen = {}

    def fake(design, **kw):
        seen["design"] = design
        raise SystemExit(0)

    monkeypatch.setattr(cli_sim, "simulate_design", fake)
    with pytest.raises(SystemExit):
        main(["power", "--hr", "0.7", "--control-median", "12", "--subjects", "200", "--looks",
              "0.5,1", "--spending", "pocock", "--simulate", "100"])
    plan = seen["design"].sequential
    assert plan.information_rates == [0.5, 1.0] and plan.spending == "pocock"


@pytest.mark.parametrize("hr", [0.9, 1.3])
def test_a_shifted_null_is_simulated_without_looks(neosim, hr):
    """No looks, theta_h0 1.3: the one-analysis test uses rpact's shifted log-rank statistic;
    its rejection rate agrees with the analytic power (at HR = theta_h0: the level alpha) within
    4 MC SE plus 0.01 for the normal approximation at about 120 events."""
    out = neosim("power", "--hr", str(hr), "--theta-h0", "1.3", "--control-median", "12",
                 "--subjects", "200", "--simulate", "4000", "-q", "--json")
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert got["rejects"] == "one-sided, for HR < 1.3"
    expected = 0.025 if hr == 1.3 else got["analytic"]["power"]
    assert abs(got["power"] - expected) < 4 * got["power_mc_se"] + 0.01


def test_theta_h0_flag_shifted_null(neosim):
    # rpact N1 (tests/reference/rpact_sequential_survival.R): HR 1 against thetaH0 1.3
    got = json.loads(neosim("samplesize", "--hr", "1", "--theta-h0", "1.3", "--control-median",
                            "12", "--json").stdout)
    assert abs(got["events"] / 456.098142249729 - 1) < 1e-6 and got["theta_h0"] == 1.3
    # rpact N3: power at 300 events is not a CLI answer; power for subjects uses the same drift
    p = json.loads(neosim("power", "--hr", "0.95", "--theta-h0", "1.25", "--subjects", "600",
                          "--control-median", "12", "--json").stdout)
    assert p["theta_h0"] == 1.25 and 0.5 < p["power"] < 1


@pytest.mark.parametrize("args, message", [
    (["--theta-h0", "1.3", "--sided", "2", "--alpha", "0.05"], "one-sided only"),
    (["--theta-h0", "1.3", "--method", "freedman"], "freedman tests theta_h0 = 1 only"),
    (["--theta-h0", "0"], "outside"),
    (["--theta-h0", "nan"], ""),
    (["--hr", "1.3", "--theta-h0", "1.3"], "null's"),
    (["--theta-h0", "1.1", "--endpoint", "binary", "--control-proportion", "0.2",
      "--experimental-proportion", "0.4"], "survival endpoint only"),
])
def test_theta_h0_bad_input(args, message, neosim):
    base = ["samplesize", "--hr", "1", "--control-median", "12"]
    out = neosim(*base, *args)
    assert out.returncode == 2, out.stderr
    line = out.stderr.strip()
    flag = "--hr" if args[0] == "--hr" else "--theta-h0"
    assert "\n" not in line and f"command line: {flag}:" in line and message in line


def test_power_with_looks_takes_the_planned_power_of_the_futility_bounds(neosim):
    args = ["power", "--hr", "0.7", "--control-hazard", "0.05", "--accrual-time", "20",
            "--subjects", "400", "--events", "200", "--looks", "0.3,0.6,1", "--spending", "hsd",
            "--gamma", "-4", "--futility", "hsd", "--futility-gamma", "-2", "--json"]
    # rpact P2: the S4 design (beta 0.2) at 200 events and 400 subjects
    p2 = json.loads(neosim(*args).stdout)
    assert p2["overall_power"] == pytest.approx(0.687068852607901, rel=1e-6)
    assert json.loads(neosim(*args, "--power", "0.8").stdout)["overall_power"] == \
        p2["overall_power"]
    other = json.loads(neosim(*args, "--power", "0.9").stdout)
    assert other["beta"] == pytest.approx(0.1) and other["futility_bounds"] != \
        p2["futility_bounds"]
    out = neosim("power", "--hr", "0.7", "--control-median", "12", "--subjects", "400",
                 "--power", "0.9")
    assert out.returncode == 2 and "command line: --power:" in out.stderr


def test_power_json_keys_describe_the_given_subjects(neosim):
    """power --looks for given subjects: power and the *_h1 keys are this design's own (they
    add up to overall_power); the boundaries' planned characteristics (power 1 - beta) are
    kept as planned_*; beta is 0.2, not 0.19999999999999996."""
    got = json.loads(neosim("power", "--hr", "0.6", "--control-median", "24", "--accrual-time",
                            "36", "--followup-months", "24", "--subjects", "250", "--looks",
                            "0.4,0.7,1", "--futility", "obf", "--json").stdout)
    assert got["beta"] == 0.2
    assert got["power"][-1] == pytest.approx(got["overall_power"], abs=1e-12)
    assert got["overall_power"] > 0.83  # 250 subjects: more than the planned 0.8
    assert got["rejection_probabilities_h1"] == got["rejection_per_look"]
    assert got["planned_power"][-1] == pytest.approx(0.8, abs=1e-9)
    assert len(got["stopping_probabilities_h1"]) == 2
