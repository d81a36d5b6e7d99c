"""Real runs at accepted extremes: exit 0 or 1 with a complete folder, or exit 2 before any folder.

``test_config_bounds.py`` shows that every accepted extreme validates and prepares; these runs
take the risky ones through the maths and the sampler (extreme priors with few draws, extreme
accrual and design values, extreme simulation settings). Each batch runs in one subprocess, so
a crash (a segfault of a sampler) fails the test and names the case it happened in.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tomli_w

from ..configwalk import (
    ROOT,
    base_config,
    dotted,
    is_literal,
    is_number,
    leaf_bounds,
    leaves,
    schema_of,
    set_at,
)

pytestmark = pytest.mark.slow

EXP = ROOT / "experiments"

DRIVER = textwrap.dedent("""
    import json, sys
    sys.argv = ["neosim"]
    from tests.badinput import run_cli
    cases = json.load(open(%r))
    for name, cfg, out in cases:
        print("START", name, file=sys.__stderr__, flush=True)
        r = run_cli(["run", cfg, "--out", out, "--quiet"], timeout=600)
        print(json.dumps([name, r.code, r.stderr.strip().splitlines()[-1:] if r.stderr else []]),
              flush=True)
""")


def _run_batch(tmp_path: Path, cases: list[tuple[str, dict]]) -> None:
    """Run every ``(name, config)`` through ``neosim run`` and check the outcome contract."""
    todo = []
    for i, (name, data) in enumerate(cases):
        cfg = tmp_path / f"case{i}.toml"
        cfg.write_text(tomli_w.dumps(data))
        todo.append((name, str(cfg), str(tmp_path / f"run{i}")))
    spec = tmp_path / "cases.json"
    spec.write_text(json.dumps(todo))
    proc = subprocess.run([sys.executable, "-c", DRIVER % str(spec)], cwd=ROOT,
                          capture_output=True, text=True, timeout=1500,
                          env={"PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", "PATH": "/usr/bin:/bin",
                               "HOME": str(tmp_path)})
    started = re.findall(r"^START (.*)$", proc.stderr, re.M)
    assert proc.returncode == 0, (f"batch died (status {proc.returncode}) in case "
                                  f"{started[-1] if started else '?'}: {proc.stderr[-2000:]}")
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("[")]
    assert len(results) == len(todo)
    bad = []
    for (name, code, line), (_, _, out) in zip(results, todo, strict=True):
        folder = Path(out)
        if code in (0, 1):
            if not (folder / "provenance.json").is_file():
                bad.append(f"{name}: exit {code} without a complete run folder")
        elif code == 2:
            if folder.exists():
                bad.append(f"{name}: exit 2 after the run folder was created: {line}")
            if not line or "Traceback" in line[0]:
                bad.append(f"{name}: exit 2 without one error line")
        else:
            bad.append(f"{name}: exit {code}: {line}")
    assert not bad, "\n".join(bad)


def _extremes(data: dict, pattern: str) -> list[tuple[str, dict]]:
    """Each numeric leaf matching ``pattern`` at its smallest and largest accepted value."""
    schema = schema_of(data)
    out = []
    for leaf, value in leaves(data):
        name = dotted(leaf)
        if not is_number(value) or is_literal(schema, data, leaf) or not re.search(pattern,
                                                                                    name):
            continue
        xs = leaf_bounds(schema, data, leaf).extremes()
        out += [(f"{name}={x!r}", set_at(data, leaf, x)) for x in (xs[0], xs[-1])]
    return out


def _fast_sampler(data: dict) -> dict:
    data["sampler"].update(chains=2, draws=10, tune=10, cores=1)
    data["output"]["figure_formats"] = ["png"]
    return data


def test_extreme_priors_through_the_sampler(tmp_path):
    """Beta priors of the frequency models, survival priors of every family, the aggregate
    model's hierarchy: at the ends of their ranges, with ten draws."""
    cases = []
    freq = _fast_sampler(base_config(EXP / "jilsg_subtypes.toml"))
    for a, b in ((1e-3, 1e-3), (1e6, 1e6), (1e-3, 1e6), (1e6, 1e-3)):
        d = json.loads(json.dumps(freq))
        for m in ("neonatal_fraction", "neonatal_composition", "mll_rate"):
            d["models"][m]["prior"].update(alpha=a, beta=b)
        cases.append((f"frequencies Beta({a:g}, {b:g})", d))
    ipd = _fast_sampler(base_config(EXP / "ipd_survival_synthetic.toml"))
    ipd["data"]["synthetic"]["n"] = 30
    ipd["sampler"]["draws"] = 50  # PSIS-LOO needs 100 draws
    def tables(a, shape, sd_log, scale):
        return dict(hazard={"family": "gamma", "alpha": a, "beta": a},
                    shape={"family": "lognormal", "median": shape, "sigma": sd_log},
                    scale={"family": "lognormal", "median": scale, "sigma": sd_log},
                    cure_fraction={"family": "beta", "alpha": a, "beta": a})

    low, high = tables(1e-3, 0.05, 5.0, 0.01), tables(1e6, 20.0, 0.01, 1200.0)
    for label, priors in (("low", low), ("high", high)):
        d = json.loads(json.dumps(ipd))
        d["models"]["priors"].update(priors)
        cases.append((f"survival_ipd priors {label}", d))
    agg = _fast_sampler(base_config(EXP / "jilsg_survival.toml"))
    agg["sensitivity"].update(fixed_transplanted=False, logit_sd_scales=[1e-3, 100.0])
    for mean, sd, scale in ((-1e3, 1e-3, 1e-3), (1e3, 100.0, 100.0)):
        d = json.loads(json.dumps(agg))
        d["model"]["logit_mean"].update(mu=mean, sigma=sd)
        d["model"]["logit_sd"]["sigma"] = scale
        cases.append((f"survival_aggregate N({mean:g}, {sd:g}) HN({scale:g})", d))
    _run_batch(tmp_path, cases)


def test_extreme_pooling_priors(tmp_path):
    pool = _fast_sampler(base_config(EXP / "international_pooling.toml"))
    pool["sensitivity"].update(leave_one_out=False, time_conversions=[])
    cases = []
    for mean, sd, tau in ((-10.0, 0.1, {"family": "half_normal", "sigma": 0.01}),
                          (10.0, 100.0, {"family": "half_t", "nu": 1.0, "sigma": 10.0}),
                          (10.0, 0.1, {"family": "half_normal", "sigma": 0.01})):
        d = json.loads(json.dumps(pool))
        d["model"]["mu_prior"].update(mu=mean, sigma=sd)
        d["model"]["tau_prior"] = tau
        d["sensitivity"]["tau_priors"] = [tau]
        cases.append((f"pooling N({mean:g}, {sd:g}) {tau}", d))
    _run_batch(tmp_path, cases)


def test_extreme_design_values(tmp_path):
    """Every numeric leaf of the survival design at both ends of its range."""
    base = base_config(EXP / "survival_design.toml")
    _run_batch(tmp_path, _extremes(base, r"^design\."))


def test_extreme_accrual_values(tmp_path):
    base = base_config(EXP / "consortium_accrual.toml")
    base["check"]["replicates"] = 1000
    base["incidence"]["draws"] = 200
    base["tradeoff"]["accrual_months"] = [36.0]
    cases = _extremes(base, r"^(sites\[0\]\.|incidence\.(per|draws|from_counts\.(cases|prior))|"
                            r"recruitment\.(elig|horizon|step)|tradeoff\.(accrual|design\.("
                            r"hazard|alpha|power|followup|control|dropout)))")
    # slow but bounded (2 and 1 minutes, estimated and refused past the time budget)
    cases = [c for c in cases if c[0] not in ("incidence.draws=100000",
                                              "recruitment.step_months=0.01",
                                              "recruitment.horizon_months=1200.0")]
    d = json.loads(json.dumps(base))
    d["incidence"] = {"per_million_births": 1e-6, "draws": 1}
    cases.append(("incidence 1e-6 per million", d))
    d = json.loads(json.dumps(base))
    d["recruitment"].update(targets=[100_000], horizon_months=1200.0)
    cases.append(("target 100000 over a century", d))
    _run_batch(tmp_path, cases)


def test_extreme_simulation_values(tmp_path):
    base = base_config(EXP / "trial_power.toml")
    base["simulation"].update(n_trials=100, workers=1)
    base["grid"].update(subjects=[20, 60], hazard_ratio=[1.0, 0.5])
    base["search"]["hazard_ratio"] = 0.5
    cases = _extremes(base, r"^(design\.(dropout|time_res|landmark|accrual|analysis)|"
                            r"analyses\[2\]\.(alpha|probability|hr_threshold|treatment_prior)|"
                            r"assurance\.log_hazard_ratio|grid\.subjects\[1\])")
    for rate in (1e-6, 100.0):
        d = json.loads(json.dumps(base))
        d["design"]["control"] = {"model": "exponential", "hazard_per_month": rate}
        cases.append((f"control rate {rate:g}", d))
    for hr in (1e-3, 1e3):
        d = json.loads(json.dumps(base))
        d["grid"]["hazard_ratio"] = [1.0, hr]
        d["search"]["hazard_ratio"] = hr
        cases.append((f"hazard ratio {hr:g}", d))
    _run_batch(tmp_path, cases)
