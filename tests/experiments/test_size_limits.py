"""Every size field at its largest accepted value, run under a memory limit.

Each case sets one field that drives memory or time (draws, replicates, trials, grid sizes,
accrual months and targets, check replicates, list lengths …) to the largest value its schema
accepts, and runs ``neosim run`` in a subprocess whose address space is capped with
``RLIMIT_AS`` (the default memory budget plus 2 GiB for the libraries' reservations). The run must
be refused up front — exit 2, one line naming the field, no run folder — or finish (exit 0 or 1)
within the limit. ``output.time_budget_hours`` is lowered to 0.01 so that a case the pre-flight
would let run for hours is refused instead (the memory budget stays at its default); that keeps
the test to minutes and shows the time estimate too.

``test_estimates_are_upper_bounds`` checks the estimate itself: a modest run's peak RSS stays
below it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import tomli_w

from ..configwalk import ROOT, base_config

pytestmark = pytest.mark.slow

EXP = ROOT / "experiments"
LIMIT_GIB = 6.0  # default memory_budget_gib (4) + 2 GiB of address-space reservations

DRIVER = textwrap.dedent("""
    import resource, sys
    limit = int(%r * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from neosim.cli import main
    main(["run", %r, "--out", %r, "--quiet"])
""")


def _set(data, dotted: str, value):
    node = data
    *head, last = dotted.split(".")
    for part in head:
        node = node.setdefault(part, {})
    node[last] = value
    return data


# (case id, experiment file, {dotted field: largest accepted value}, field the refusal names)
CASES = [
    ("sampler.draws", "jilsg_subtypes", {"sampler.draws": 1_000_000}, "draws"),
    ("sampler.tune", "jilsg_subtypes", {"sampler.tune": 1_000_000}, "tune"),
    ("sampler.chains", "jilsg_subtypes", {"sampler.chains": 64}, "chains"),
    ("sbc.replicates", "sbc_subtype_frequencies", {"sbc.replicates": 100_000}, "replicates"),
    ("sbc.draws", "sbc_subtype_frequencies", {"sbc.draws": 100_000}, "draws"),
    ("sbc.tune", "sbc_subtype_frequencies", {"sbc.tune": 100_000}, "tune"),
    ("sbc.chains", "sbc_subtype_frequencies", {"sbc.chains": 16}, "chains"),
    ("sbc.replicates_per_task", "sbc_subtype_frequencies",
     {"sbc.replicates_per_task": 10_000}, "replicates"),
    ("compute.workers", "sbc_subtype_frequencies",
     {"compute.backend": "dask", "compute.workers": 512}, "workers"),
    ("compute.threads_per_worker", "sbc_subtype_frequencies",
     {"compute.backend": "dask", "compute.threads_per_worker": 64}, "threads_per_worker"),
    ("recruitment.targets", "consortium_accrual", {"recruitment.targets": [100_000]},
     "targets"),
    ("recruitment.targets length", "consortium_accrual",
     {"recruitment.targets": list(range(1, 101))}, "targets"),
    ("check.replicates", "consortium_accrual", {"check.replicates": 1_000_000}, "replicates"),
    ("incidence.draws", "consortium_accrual", {"incidence.draws": 100_000}, "draws"),
    ("incidence.mc_se_target", "consortium_accrual", {"incidence.mc_se_target": 1e-5},
     "mc_se_max_draws"),
    ("recruitment.horizon_months", "consortium_accrual",
     {"recruitment.horizon_months": 1200.0, "recruitment.step_months": 0.012}, "months"),
    ("tradeoff.accrual_months", "consortium_accrual",
     {"tradeoff.accrual_months": [1200.0] * 100}, "accrual_months"),
    ("sites", "consortium_accrual", {"sites": "x1000"}, "sites"),
    ("design.accrual_time", "survival_design",
     {"design.accrual_time": [1.2 * k for k in range(1001)],
      "design.accrual_intensity": [1.0] * 1000},
     "accrual"),
    ("quadrature.n_tau", "international_pooling", {"quadrature.n_tau": 4000}, "n_tau"),
    ("quadrature.step", "international_pooling",
     {"quadrature.step": 1e-3, "quadrature.half_width": 60.0}, "step"),
    ("map.replicates", "international_pooling", {"map.replicates": 100, "map.k_max": 6},
     "replicates"),
    ("sensitivity.tau_priors", "international_pooling",
     {"sensitivity.tau_priors": [{"family": "half_normal", "scale": 1.0 + i} for i in
                                 range(20)]}, "tau_priors"),
    ("sensitivity.logit_sd_scales", "jilsg_survival",
     {"sensitivity.logit_sd_scales": [0.1 * (i + 1) for i in range(20)]}, "logit_sd_scales"),
    ("sensitivity.max_scenarios", "jilsg_survival", {"sensitivity.max_scenarios": 10_000},
     "sampler"),
    ("data.synthetic.n", "ipd_survival_synthetic", {"data.synthetic.n": 1_000_000}, "n"),
    ("report.curve_points", "ipd_survival_synthetic", {"report.curve_points": 2000},
     "curve_points"),
    ("export.max_draws", "ipd_survival_synthetic", {"export.max_draws": 100_000},
     "max_draws"),
    ("models.cuts", "ipd_survival_synthetic",
     {"models.cuts": [float(i + 1) for i in range(50)]}, "cuts"),
    ("simulation.n_trials", "trial_power", {"simulation.n_trials": 10_000_000}, "n_trials"),
    ("grid.subjects", "trial_power", {"grid.subjects": [10_000]}, "grid.subjects"),
    ("grid.subjects length", "trial_power", {"grid.subjects": list(range(2, 1002))},
     "grid.subjects"),
    ("grid.hazard_ratio length", "trial_power",
     {"grid.hazard_ratio": [0.3 + 0.0005 * i for i in range(1000)]}, "hazard_ratio"),
    ("simulation.workers", "trial_power", {"simulation.workers": 256}, "workers"),
    ("design_comparison n_trials", "design_comparison", {"simulation.n_trials": 1_000_000},
     "n_trials"),
    ("design_comparison calibration_trials", "design_comparison",
     {"bayesian.calibration_trials": 1_000_000}, "calibration_trials"),
    ("design_comparison grid.subjects", "design_comparison",
     {"grid.subjects": list(range(9_981, 10_001))}, "grid.subjects"),
]


def _config(name: str, changes: dict) -> dict:
    data = base_config(EXP / f"{name}.toml")
    for field, value in changes.items():
        if value == "x1000":  # the list at its cap: 1000 copies of its first entry
            data[field] = data[field][:1] * 1000
        else:
            _set(data, field, value)
    data["output"]["time_budget_hours"] = 0.01
    if "search" in data and "grid.hazard_ratio" in changes:
        data["search"]["hazard_ratio"] = data["grid"]["hazard_ratio"][0]
    return data


@pytest.mark.parametrize(("case", "name", "changes", "names"), CASES, ids=[c[0] for c in CASES])
def test_largest_size_is_refused_up_front_or_fits(case, name, changes, names, tmp_path):
    cfg = tmp_path / f"{name}.toml"
    cfg.write_text(tomli_w.dumps(_config(name, changes)))
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER % (LIMIT_GIB, str(cfg), str(out))], cwd=tmp_path,
        capture_output=True, text=True, timeout=400,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    lines = proc.stderr.strip().splitlines()
    if proc.returncode == 2:
        assert len(lines) == 1, proc.stderr[-2000:]
        assert str(cfg) in lines[0] and names in lines[0], lines[0]
        assert not out.exists(), "refused after the run folder was created"
    else:
        assert proc.returncode in (0, 1), f"exit {proc.returncode}: {proc.stderr[-2000:]}"
        assert (out / "provenance.json").is_file()


# --------------------------------------------------------------------------------------------
# The estimate is an upper bound of the real peak
# --------------------------------------------------------------------------------------------

MEASURE = textwrap.dedent("""
    import json, sys
    from neosim import budget
    seen = []
    check = budget.check
    def keep(est, output, *, file):
        seen.append(est.memory_bytes)
        return check(est, output, file=file)
    budget.check = keep
    from neosim.cli import main
    code = 0
    try:
        main(["run", %r, "--out", %r, "--quiet"])
    except SystemExit as exc:
        code = exc.code
    # VmHWM is this process's own peak; ru_maxrss would count the parent's RSS copied at fork
    status = open("/proc/self/status").read()
    peak = int(status.split("VmHWM:")[1].split()[0]) * 1024
    print(json.dumps({"code": code, "estimate": seen[-1], "peak": peak}))
""")


@pytest.mark.parametrize(("name", "changes"), [
    ("consortium_accrual", {"check.replicates": 400_000, "recruitment.targets": [300]}),
    ("trial_power", {"simulation.n_trials": 50_000, "grid.subjects": [400, 800]}),
    ("jilsg_subtypes", {"sampler.draws": 20_000, "sampler.tune": 200}),
    ("design_comparison", {"simulation.n_trials": 20_000, "grid.subjects": [100],
                           "bayesian.calibration_trials": 2000}),
], ids=["accrual", "trial_simulation", "subtype_frequencies", "design_comparison"])
def test_estimates_are_upper_bounds(name, changes, tmp_path):
    data = _config(name, changes)
    data["output"]["time_budget_hours"] = 48.0
    if name == "trial_power":
        data["search"]["hazard_ratio"] = 0.5
    cfg = tmp_path / f"{name}.toml"
    cfg.write_text(tomli_w.dumps(data))
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE % (str(cfg), str(tmp_path / "run"))], cwd=tmp_path,
        capture_output=True, text=True, timeout=600,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] in (0, 1), proc.stderr[-2000:]
    assert result["peak"] < result["estimate"], result
    # and not absurdly generous: within a factor of 8 of the peak
    assert result["estimate"] < 8 * result["peak"], result
