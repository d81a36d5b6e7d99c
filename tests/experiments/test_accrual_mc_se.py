"""Monte-Carlo error of the accrual kind's probabilities: printed with each probability, equal to
the spread over seeds it predicts, and driven below a target by more incidence draws."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from neosim.cli import main
from neosim.experiments import accrual as kind
from neosim.experiments import load_experiment
from neosim.experiments.accrual import precision

ROOT = Path(__file__).resolve().parents[2]
EXPERIMENT = ROOT / "experiments" / "consortium_accrual.toml"


def _small(tmp_path: Path, **incidence) -> Path:
    """The committed accrual experiment, smaller (targets, horizon, trade-off durations)."""
    text = EXPERIMENT.read_text().replace("../configs", str(ROOT / "configs"))
    text = (text.replace("targets = [10, 20, 40, 60]", "targets = [10, 20]")
            .replace("horizon_months = 120.0", "horizon_months = 60.0")
            .replace("step_months = 3.0", "step_months = 12.0")
            .replace("accrual_months = [36.0, 48.0, 60.0, 72.0, 96.0, 120.0]",
                     "accrual_months = [96.0, 120.0]"))
    extra = "".join(f"{k} = {v}\n" for k, v in incidence.items())
    text = text.replace("[incidence]\n", "[incidence]\n" + extra, 1)
    path = tmp_path / "accrual.toml"
    path.write_text(text)
    return path


def _compute(path: Path, seed: int | None = None):
    cfg = load_experiment(str(path), seed=seed)
    return kind.compute(kind.prepare(cfg, str(path)))


def test_mc_se_is_the_standard_error_of_a_mean():
    x = np.random.default_rng(0).uniform(size=(3, 400))
    np.testing.assert_allclose(precision.mc_se(x), x.std(axis=1, ddof=1) / 20.0)
    assert precision.mc_se(np.array([[0.3]])).tolist() == [0.0]


def test_trade_off_probability_and_its_mc_se_by_poisson_tail(tmp_path):
    res = _compute(_small(tmp_path))
    prep = res["prepared"]
    for row in res["tradeoff"]:
        mu = prep.incidence * float(prep.consortium.unit_intensity(
            np.array([row["accrual_months"]]))[0])
        per = stats.poisson.sf(row["subjects_ceil"] - 1, mu)  # P(N >= n) per incidence draw
        assert row["probability_enrolled_in_time"] == pytest.approx(per.mean(), abs=1e-12)
        assert row["probability_enrolled_in_time_mc_se"] == pytest.approx(
            per.std(ddof=1) / np.sqrt(per.size), rel=1e-9)
    rec = res["monte_carlo"]
    assert rec["incidence_draws"] == 2000 and rec["target"] is None
    assert rec["largest_mc_se"] == max(
        [r["mc_se"] for r in (*res["time_to_n"], *res["count_by_date"])]
        + [r["probability_enrolled_in_time_mc_se"] for r in res["tradeoff"]])
    assert any("MC SE" in line for line in res["headline"])
    assert res["headline"][-1].startswith("Monte-Carlo: 2000 incidence draws")


def test_mc_se_predicts_the_spread_over_seeds(tmp_path):
    path = _small(tmp_path)
    runs = [_compute(path, seed=s)["tradeoff"][-1] for s in range(8)]
    spread = np.std([r["probability_enrolled_in_time"] for r in runs], ddof=1)
    se = np.mean([r["probability_enrolled_in_time_mc_se"] for r in runs])
    # 8 seeds estimate a standard deviation within about 25 %: a factor 2.5 either way is safe
    assert se / 2.5 < spread < se * 2.5, (spread, se)


def test_target_raises_draws_until_met_and_is_deterministic(tmp_path):
    path = _small(tmp_path, mc_se_target=0.004)
    res = _compute(path)
    rec = res["monte_carlo"]
    assert rec["target_met"] and rec["largest_mc_se"] <= 0.004
    assert rec["incidence_draws"] > 2000
    again = _compute(path)
    assert again["monte_carlo"] == rec
    np.testing.assert_array_equal(again["prepared"].incidence, res["prepared"].incidence)
    assert "(target 0.004 met)" in res["headline"][-1]


def test_target_beyond_the_draw_cap_says_not_met(tmp_path):
    res = _compute(_small(tmp_path, mc_se_target=1e-5, mc_se_max_draws=3000))
    rec = res["monte_carlo"]
    assert rec["incidence_draws"] == 3000 and rec["target_met"] is False
    assert "NOT met: incidence.mc_se_max_draws = 3000 reached" in res["headline"][-1]


def test_cli_flag_prints_mc_se_and_json(tmp_path, capsys):
    path = _small(tmp_path)
    main(["accrual", str(path), "--mc-se", "0.004", "--json"])
    record = json.loads(capsys.readouterr().out)
    assert record["monte_carlo"]["target"] == 0.004 and record["monte_carlo"]["target_met"]
    assert all("probability_enrolled_in_time_mc_se" in r for r in record["tradeoff"])
    assert all("mc_se" in r for r in record["time_to_n"])
    import neosim as ns

    assert ns.accrual(path, mc_se=0.004) == record  # one road in for both


@pytest.mark.parametrize("bad", [0.0, float("nan"), 0.9, "0.01"])
def test_api_bad_target_names_mc_se(tmp_path, bad):
    import neosim as ns
    from neosim.errors import InputError

    with pytest.raises(InputError) as info:
        ns.accrual(_small(tmp_path), mc_se=bad)
    assert info.value.field == "mc_se"


@pytest.mark.parametrize(("args", "field"), [(["--mc-se", "0"], "--mc-se"),
                                             (["--mc-se", "nan"], "--mc-se")])
def test_cli_bad_target_exits_2(tmp_path, capsys, args, field):
    with pytest.raises(SystemExit) as info:
        main(["accrual", str(_small(tmp_path)), *args])
    assert info.value.code == 2 and field in capsys.readouterr().err


def test_max_draws_below_draws_is_bad_input(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["accrual", str(_small(tmp_path, mc_se_max_draws=100))])
    assert info.value.code == 2 and "incidence.mc_se_max_draws" in capsys.readouterr().err
