"""The survival experiment kinds: bad configs and bad IPD stop before any run folder exists;
small end-to-end runs write every file of the contract (slow: they compile models)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from neosim import results
from neosim.cli import main
from neosim.errors import InputError
from neosim.experiments import kind_module, load_experiment

REPO = Path(__file__).resolve().parents[2]
IPD_HEADER = ("patient_id,subtype,mll_status,age_at_diagnosis_days,sct,months_to_sct,"
              "months_to_event,event")

IPD_TOML = """
[experiment]
name = "ipd_small"
kind = "survival_ipd"
seed = 5
[data]
{data}
[models]
families = {families}
[sampler]
chains = 2
draws = 300
tune = 300
[diagnostics]
ess_bulk_min = 100
ess_tail_min = 100
[report]
curve_points = 25
"""

SYNTHETIC = """subtypes = ["ALL", "AML"]
[data.synthetic]
n = 40
family = "weibull"
[data.synthetic.truth]
weibull_shape = 0.9
weibull_scale = [20.0, 50.0]"""


BOTH = '["exponential", "weibull"]'


def _write(tmp_path, text, name="exp.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def _prepare(path):
    cfg = load_experiment(path)
    return kind_module(cfg.experiment.kind).prepare(cfg, str(path))


@pytest.mark.parametrize(("data", "families", "field", "message"), [
    (SYNTHETIC.replace("[20.0, 50.0]", "[20.0]"), BOTH,
     "data.synthetic.truth.weibull_scale", "expected shape (2,)"),
    (SYNTHETIC.replace("weibull_shape = 0.9", ""), BOTH,
     "data.synthetic.truth.weibull_shape", "needs weibull_shape"),
    (SYNTHETIC + "\ncure_fraction = [0.2, 0.3]", BOTH,
     "data.synthetic.truth.cure_fraction", "not a parameter"),
    (SYNTHETIC, '["gompertz"]', "models.families[0]", "Input should be"),
    (SYNTHETIC, '["weibull"]', None, "export.family must be one of"),
    ('file = "x.csv"\n' + SYNTHETIC, BOTH, "data", "exactly one of"),
])
def test_bad_ipd_configs_are_input_errors(tmp_path, data, families, field, message):
    path = _write(tmp_path, IPD_TOML.format(data=data, families=families))
    with pytest.raises(InputError) as info:
        _prepare(path)
    assert info.value.file == str(path)
    assert info.value.field == field
    assert message in info.value.message


def test_bad_ipd_file_exits_2_naming_file_and_line(tmp_path, capsys):
    (tmp_path / "ipd.csv").write_text(f"{IPD_HEADER}\nP1,ALL,rearranged,3,1,4,-2,1\n")
    path = _write(tmp_path, IPD_TOML.format(data='file = "ipd.csv"', families='["exponential"]'))
    out = tmp_path / "run"
    with pytest.raises(SystemExit) as info:
        main(["run", str(path), "--out", str(out), "--quiet"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("ipd.csv: line 2.months_to_event: negative time (-2 months)")
    assert "\n" not in err and not out.exists()


def test_aggregate_config_errors(tmp_path):
    base = """
    [experiment]
    name = "agg"
    kind = "survival_aggregate"
    [data]
    subtypes = {subtypes}
    {extra}
    """
    path = _write(tmp_path, base.format(subtypes='["ALL", "AML"]', extra=textwrap.dedent("""
    [model.transplanted.ALL]
    prior = "weights"
    weights = [1.0, 2.0]""")))
    with pytest.raises(InputError, match=r"needs 6 weights, one per possible count 3\.\.8") as info:
        _prepare(path)
    assert info.value.field == "model.transplanted.ALL.weights"
    path = _write(tmp_path, base.format(subtypes='["ALL", "CML"]', extra=""))
    with pytest.raises(InputError, match="'CML' has no neonatal counts"):
        _prepare(path)
    prepared = _prepare(_write(tmp_path, base.format(subtypes='["ALL", "AML"]', extra="")))
    assert len(prepared.scenarios) == 6 * 3 and prepared.known == {}


@pytest.mark.slow
def test_ipd_synthetic_run_writes_the_contract(tmp_path):
    from neosim import results
    from neosim.experiments.runner import run_experiment
    from neosim.priors import mixture_of, read_prior

    path = _write(tmp_path, IPD_TOML.format(data=SYNTHETIC,
                                            families='["exponential", "weibull"]'))
    res = run_experiment(path, out=tmp_path / "run", quiet=True, argv=["test"])
    run = res.path
    for name in ("config.toml", "provenance.json", "posterior.nc", "summary.csv",
                 "diagnostics.json", "findings.json", "loo_comparison.csv", "synthetic_ipd.csv",
                 "figures/survival_models.png",
                 "priors/post_sct_survival-v1.json", "priors/post_sct_survival.hazard_ALL-v1.json"):
        assert (run / name).is_file(), name
    prov = json.loads((run / "provenance.json").read_text())
    assert prov["synthetic_data"] is True and "synthetic" in prov["data_description"]
    assert res.headline[0] == "SYNTHETIC DATA"
    summary = results.read_summary(run)
    assert "weibull/survival_24m[AML]" in set(summary["parameter"])
    caption = {f["stem"]: f["caption"] for f in results.read_figure_index(run)["figures"]}
    assert "stacking weight" in caption["survival_models"] and "SE" in caption["survival_models"]
    tree = results.read_posterior(run)
    assert tree.attrs["neosim_synthetic"] == 1
    assert {"exponential", "weibull", "kaplan_meier"} <= set(tree.children)
    assert "log_likelihood" in tree["weibull"].children
    prior = read_prior(run / "priors/post_sct_survival-v1.json")
    assert prior.kind == "draws" and prior.source.synthetic
    assert set(prior.draws) == {"hazard_per_month[ALL]", "hazard_per_month[AML]"}
    mix = mixture_of(read_prior(run / "priors/post_sct_survival.hazard_ALL-v1.json"))
    draws = prior.draws["hazard_per_month[ALL]"]
    assert mix.mean() == pytest.approx(sum(draws) / len(draws), rel=0.05)


@pytest.mark.slow
def test_jilsg_survival_flagship_runs(tmp_path):
    from neosim.experiments.runner import run_experiment

    res = run_experiment(REPO / "experiments" / "jilsg_survival.toml", out=tmp_path / "run",
                         quiet=True, argv=["test"])
    assert res.passed, res.message
    findings = json.loads((res.path / "findings.json").read_text())
    dep = findings["dependence_on_unknowns"]["survival_probability[ALL]"]
    lo, hi = dep["fixed_transplanted"]["mean_range"]
    # fewer transplanted with the same 3 survivors means a higher survival probability
    assert dep["fixed_transplanted"]["highest_at"].startswith("transplanted=ALL:3")
    assert dep["fixed_transplanted"]["lowest_at"].startswith("transplanted=ALL:8")
    assert lo < dep["main_mean"] < hi
    post = findings["transplanted_posterior"]["ALL"]
    assert set(post) == {str(t) for t in range(3, 9)}
    assert sum(post.values()) == pytest.approx(1.0)
    # summary.csv reports the count T itself (its interval from P(T = t | data)), not E[T | p]
    summary = results.read_summary(res.path).set_index("parameter")
    assert not any(p.startswith("transplanted_expected") for p in summary.index)
    row = summary.loc["number_transplanted[ALL]"]
    cdf = np.cumsum([post[str(t)] for t in range(3, 9)])
    assert row["ci_lower"] == 3 + np.searchsorted(cdf, 0.025 - 1e-12)
    assert row["ci_upper"] == 3 + np.searchsorted(cdf, 0.975 - 1e-12)
    assert row["mean"] == pytest.approx(sum(int(t) * v for t, v in post.items()), rel=1e-9)
    assert (res.path / "figures" / "survival_probability_sensitivity.png").is_file()
    # the logit_sd chains' rank histograms leave the uniform band (chain 2 reaches 93 draws in a
    # bin of 50 expected): a warning, not a green "All checks passed"
    diag = json.loads((res.path / "diagnostics.json").read_text())
    assert diag["status"] == "passed with warnings" and diag["warnings"] == ["rank_uniformity"]
    assert diag["checks"]["rank_uniformity"]["worst_parameter"].startswith("logit_sd")
    assert "Passed with warnings: rank_uniformity" in (res.path / "report.html").read_text()
