"""Warning checks of the convergence gate: rank uniformity of the chains and PSIS-LOO Pareto
k-hat. They never fail a run but give the verdict "passed with warnings" in diagnostics.json and
the report badge."""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from neosim import config, inference

DIAG = config.DiagnosticsSection()


def _fit(x: np.ndarray):
    """A DataTree with posterior ``theta`` (chain, draw) and no divergences."""
    post = xr.Dataset({"theta": (("chain", "draw"), x),
                       "p": (("chain", "draw", "group"), np.stack([x, -x], axis=-1))},
                      coords={"group": ["ALL", "AML"]})
    stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros(x.shape, bool))})
    return xr.DataTree.from_dict({"posterior": post, "sample_stats": stats})


def _summary(dt):
    return inference.summarize(dt, ["theta", "p"])


def test_well_mixed_chains_pass_without_warning():
    dt = _fit(np.random.default_rng(11).normal(size=(4, 1000)))
    report = inference.convergence_report(dt, _summary(dt), DIAG)
    rank = report["checks"]["rank_uniformity"]
    assert rank["passed"] and rank["severity"] == "warning"
    assert report["status"] == "passed" and report["warnings"] == []
    assert "Bonferroni over 12 tests" in rank["rule"]  # 4 chains x (theta, p[ALL], p[AML])
    assert inference.checks_message(report) == "convergence checks passed"


def test_a_chain_in_the_upper_tail_warns_but_passes_the_gate():
    # chain 2 samples the same law but spends too long in its upper tail: its rank histogram
    # leaves the uniform band, while R-hat and ESS stay within the gate
    rng = np.random.default_rng(11)
    x = rng.normal(size=(4, 1000))
    x[2] = np.where(rng.uniform(size=1000) < 0.15, np.abs(x[2]) + 0.8, x[2])
    dt = _fit(x)
    summary = _summary(dt)
    report = inference.convergence_report(dt, summary, DIAG)
    rank = report["checks"]["rank_uniformity"]
    assert not rank["passed"] and rank["value"] < DIAG.rank_uniformity_alpha
    assert rank["worst_parameter"].endswith("(chain 2)")
    assert report["passed"] and report["status"] == "passed with warnings"
    assert report["checks"]["r_hat"]["passed"], "the test wants a chain the gate lets through"
    assert report["warnings"] == ["rank_uniformity"]
    assert inference.checks_message(report).startswith(
        "convergence checks passed with warnings: rank_uniformity")
    # a stricter family-wise level (smaller alpha) lets the same chains through
    lenient = DIAG.model_copy(update={"rank_uniformity_alpha": rank["value"] / 2})
    assert inference.convergence_report(dt, summary, lenient)["status"] == "passed"


def test_failed_gate_stays_failed_and_message_names_only_gate_checks():
    x = np.random.default_rng(3).normal(size=(4, 1000))
    x[0] += 3.0  # a stuck chain: R-hat fails, and the ranks too
    dt = _fit(x)
    report = inference.convergence_report(dt, _summary(dt), DIAG)
    assert not report["passed"] and report["status"] == "failed"
    msg = inference.checks_message(report)
    assert msg.startswith("convergence check failed: r_hat") and "rank_uniformity" not in msg


@pytest.mark.parametrize(("k", "ok"), [(0.5, True), (0.7, True), (0.71, False),
                                       (float("nan"), False)])
def test_pareto_k_check(k, ok):
    check = inference.pareto_k_check(k, DIAG.pareto_k_max)
    assert check["passed"] is ok and check["severity"] == "warning"
    report = {"checks": {"r_hat": {"passed": True}, "pareto_k": check}}
    inference.with_status(report)
    assert report["passed"]
    assert report["status"] == ("passed" if ok else "passed with warnings")


def test_thresholds_are_bounded_config_fields():
    from neosim.errors import InputError

    for field, bad in (("rank_bins", 1), ("rank_uniformity_alpha", 0.9),
                       ("pareto_k_max", float("nan"))):
        with pytest.raises(InputError, match=field):
            config.validate(config.DiagnosticsSection, {field: bad}, file="x.toml")


def _report_of(tmp_path, diagnostics):
    from neosim.report import build_report

    (tmp_path / "config.toml").write_text('[experiment]\nname = "x"\nkind = "sbc"\n')
    (tmp_path / "diagnostics.json").write_text(json.dumps(diagnostics))
    return build_report(tmp_path)


def test_report_badge_and_table_show_warnings(tmp_path):
    check = inference.pareto_k_check(0.9)
    record = inference.with_status({"checks": {"r_hat": {"value": 1.0, "threshold": 1.01,
                                                         "rule": "max 1.01", "passed": True},
                                               "pareto_k": check}})
    html = _report_of(tmp_path, record)
    assert "⚠ Passed with warnings: pareto_k" in html and "All checks passed" not in html
    assert '<td class="txt">WARN</td>' in html
    nested = {"passed": True, "status": "passed with warnings",
              "models": {"weibull": record, "exponential": inference.with_status(
                  {"checks": {"pareto_k": inference.pareto_k_check(0.2)}})}}
    assert "Passed with warnings: weibull: pareto_k" in _report_of(tmp_path, nested)

