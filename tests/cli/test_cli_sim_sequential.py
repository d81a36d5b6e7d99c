"""``neosim power ... --looks ... --simulate N``: the sequential design simulated look by look,
per-look rejection with MC SE beside the exact values, JSON, reproducibility."""

from __future__ import annotations

import json

import pytest

from neosim.cli import main

BASE = ["power", "--hr", "0.7", "--control-median", "12", "--subjects", "100",
        "--accrual-time", "24", "--dropout-hazard", "0.01", "--events", "70",
        "--looks", "0.4,0.7,1", "--spending", "obf", "--futility", "obf", "--binding-futility",
        "--simulate", "4096", "--seed", "3", "--quiet"]


def _call(args, capsys) -> str:
    try:
        main(args)
    except SystemExit as exc:
        assert exc.code in (None, 0)
    return capsys.readouterr().out


def test_text_has_one_row_per_look_with_mc_se_and_exact_values(capsys):
    out = _call(BASE, capsys)
    assert out.startswith("simulated group-sequential power (logrank one-sided, for HR < 1, "
                          "looks at 28/49/70 events):")
    rows = [line.split() for line in out.splitlines() if line.split()[:1] in (["1"], ["2"],
                                                                                ["3"])]
    assert [r[:2] for r in rows] == [["1", "28.0"], ["2", "49.0"], ["3", "70.0"]]
    for r in rows:  # reject, MC SE, exact: within 4 MC SE (4096 trials)
        reject, se, exact = float(r[5]), float(r[6]), float(r[7])
        assert abs(reject - exact) <= 4 * se + 1e-3
    assert "expected events" in out and "early stop" in out


def test_json_is_reproducible_whatever_the_workers_and_agrees_with_the_recursion(capsys):
    first = json.loads(_call([*BASE, "--json"], capsys))
    second = json.loads(_call([*BASE, "--json", "--workers", "1"], capsys))
    assert first["sequential"] == second["sequential"] and first["power"] == second["power"]
    seq = first["sequential"]
    assert seq["look_events"] == [28, 49, 70]
    assert seq["critical_values"] == pytest.approx([3.356869356, 2.443891741, 1.929989241],
                                                   rel=1e-6)
    assert first["power"] == pytest.approx(seq["overall_rejection_analytic"],
                                           abs=3 * first["power_mc_se"])
    for key in ("futility_per_look", "rejection_per_look"):
        for value, se, exact in zip(seq[key], seq[f"{key}_mc_se"], seq[f"{key}_analytic"],
                                    strict=True):
            assert abs(value - exact) <= 4 * se + 1e-3
    assert first["events_mean"] == seq["expected_events"] < 70
