"""The bad-input contract: one line naming file and field, exit status 2, no run folder."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neosim.cli import main
from neosim.errors import InputError
from neosim.experiments import kind_module, load_experiment

from .conftest import FLAGSHIP

FLAGSHIP_TEXT = FLAGSHIP.read_text()


def _load_and_prepare(path: Path):
    cfg = load_experiment(path)
    return kind_module(cfg.experiment.kind).prepare(cfg, str(path))


# (case id, replace this text of the flagship config, with this, field the error must name)
TEXT_CASES = [
    ("malformed-toml", "[sampler]", "[sampler", None),
    ("duplicate-key", "chains = 4", "chains = 4\nchains = 5", None),
    ("unknown-top-table", "[sampler]", "[sampelr]", "sampelr"),
    ("unknown-sampler-key", "chains = 4", "chainz = 4", "sampler.chainz"),
    ("unknown-experiment-key", 'seed = 20060901', 'seed = 20060901\nsed = 1', "experiment.sed"),
    ("unknown-kind", 'kind = "subtype_frequencies"', 'kind = "nope"', "experiment.kind"),
    ("kind-not-string", 'kind = "subtype_frequencies"', "kind = 3", "experiment.kind"),
    ("missing-kind", 'kind = "subtype_frequencies"\n', "", "experiment.kind"),
    ("missing-name", 'name = "jilsg_subtypes"\n', "", "experiment.name"),
    ("bad-name", 'name = "jilsg_subtypes"', 'name = "../etc"', "experiment.name"),
    ("seed-string", "seed = 20060901", 'seed = "1"', "experiment.seed"),
    ("seed-negative", "seed = 20060901", "seed = -1", "experiment.seed"),
    ("seed-float", "seed = 20060901", "seed = 1.5", "experiment.seed"),
    ("chains-zero", "chains = 4", "chains = 0", "sampler.chains"),
    ("chains-bool", "chains = 4", "chains = true", "sampler.chains"),
    ("draws-string", "draws = 1000", 'draws = "1000"', "sampler.draws"),
    ("draws-float", "draws = 1000", "draws = 1000.0", "sampler.draws"),
    ("tune-negative", "tune = 1000", "tune = -5", "sampler.tune"),
    ("r-hat-below-one", "r_hat_max = 1.01", "r_hat_max = 0.99", "diagnostics.r_hat_max"),
    ("ess-negative", "ess_bulk_min = 400", "ess_bulk_min = -1", "diagnostics.ess_bulk_min"),
    ("divergences-negative", "max_divergences = 0", "max_divergences = -1",
     "diagnostics.max_divergences"),
    ("ci-prob-one", "ci_prob = 0.95", "ci_prob = 1.0", "output.ci_prob"),
    ("ci-prob-percent", "ci_prob = 0.95", "ci_prob = 95", "output.ci_prob"),
    ("ci-kind", 'ci_kind = "eti"', 'ci_kind = "hpd"', "output.ci_kind"),
    ("prior-alpha-zero", "prior = { alpha = 1.0, beta = 1.0 }\n\n[models.neonatal_composition]",
     "prior = { alpha = 0.0, beta = 1.0 }\n\n[models.neonatal_composition]",
     "models.neonatal_fraction.prior.alpha"),
    ("prior-beta-string", "prior = { alpha = 1.0, beta = 1.0 }\n\n[sampler]",
     'prior = { alpha = 1.0, beta = "1" }\n\n[sampler]', "models.mll_rate.prior.beta"),
    ("prior-family", "prior = { alpha = 1.0, beta = 1.0 }\n\n[models.neonatal_composition]",
     'prior = { family = "gamma", alpha = 1.0, beta = 1.0 }\n\n[models.neonatal_composition]',
     "models.neonatal_fraction.prior.family"),
    ("prior-unknown-key", "prior = { alpha = 1.0, beta = 1.0 }\n\n[sampler]",
     "prior = { alpha = 1.0, beta = 1.0, mu = 2 }\n\n[sampler]", "models.mll_rate.prior.mu"),
    ("unknown-model", "[models.mll_rate]", "[models.mll_rates]", "models.mll_rates"),
    ("unknown-dataset", 'dataset = "jilsg2006"', 'dataset = "jilsg2007"', "data.dataset"),
    ("unknown-subtype", 'subtypes = ["ALL", "AML"]', 'subtypes = ["ALL", "CML"]',
     "data.subtypes"),
    ("duplicate-subtype", 'subtypes = ["ALL", "AML"]', 'subtypes = ["ALL", "ALL"]',
     "data.subtypes"),
    ("subtypes-not-list", 'subtypes = ["ALL", "AML"]', 'subtypes = "ALL"', "data.subtypes"),
    ("composition-needs-two", 'subtypes = ["ALL", "AML"]', 'subtypes = ["ALL"]',
     "models.neonatal_composition"),
    ("mll-unreported-subtype", 'subtypes = ["ALL"]\n', 'subtypes = ["CML"]\n',
     "models.mll_rate.subtypes"),
    ("missing-data-file", 'dataset = "jilsg2006"', 'file = "no/such/file.toml"', "data.file"),
    ("figure-format", 'ci_kind = "eti"', 'ci_kind = "eti"\nfigure_formats = ["gif"]',
     "output.figure_formats[0]"),
    ("empty-figure-formats", 'ci_kind = "eti"', 'ci_kind = "eti"\nfigure_formats = []',
     "output.figure_formats"),
    ("dpi-huge", 'ci_kind = "eti"', 'ci_kind = "eti"\ndpi = 100000', "output.dpi"),
    ("all-models-disabled", "[models.neonatal_fraction]\n",
     "[models.neonatal_fraction]\nenabled = false\n", "models"),
]


@pytest.mark.parametrize(("case", "old", "new", "field"), TEXT_CASES,
                         ids=[c[0] for c in TEXT_CASES])
def test_bad_config_names_file_and_field(tmp_path, case, old, new, field):
    assert old in FLAGSHIP_TEXT, f"test case {case} no longer matches the flagship config"
    text = FLAGSHIP_TEXT.replace(old, new, 1)
    if case == "all-models-disabled":
        text = text.replace("[models.neonatal_composition]\n",
                            "[models.neonatal_composition]\nenabled = false\n")
        text = text.replace("[models.mll_rate]\n", "[models.mll_rate]\nenabled = false\n")
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        _load_and_prepare(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(path)), message
    if field is not None:
        assert info.value.field == field, message


def test_at_least_thirty_distinct_cases():
    assert len({c[0] for c in TEXT_CASES}) >= 30


def test_non_utf8_and_missing_and_directory(tmp_path):
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b"[experiment]\nname = \"caf\xe9\"\n")
    for path, text in [(bad, "UTF-8"), (tmp_path / "missing.toml", "not found"),
                       (tmp_path, "directory")]:
        with pytest.raises(InputError, match=text):
            load_experiment(path)


def _cli(args, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    return info.value.code, capsys.readouterr()


def test_cli_bad_config_exit_2_one_line_no_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "bad.toml"
    path.write_text(FLAGSHIP_TEXT.replace("chains = 4", "chains = -4"))
    out = tmp_path / "out"
    code, captured = _cli(["run", str(path), "--out", str(out)], capsys)
    assert code == 2
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "sampler.chains" in lines[0] and str(path) in lines[0]
    assert "Traceback" not in captured.err
    assert not out.exists() and not (tmp_path / "runs").exists()


@pytest.mark.parametrize("args", [
    ["run"],
    ["run", "x.toml", "--seed", "abc"],
    ["run", "x.toml", "--bogus"],
    ["data", "show", "nope"],
    ["nosuchcommand"],
    ["data"],
    [],
])
def test_cli_usage_errors_exit_2(args, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, captured = _cli(args, capsys)
    assert code == 2
    assert len(captured.err.strip().splitlines()) == 1, captured.err


def test_cli_existing_out_folder_is_never_overwritten(tmp_path, capsys):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    code, captured = _cli(["run", str(FLAGSHIP), "--out", str(out)], capsys)
    assert code == 2 and "already exists" in captured.err
    assert (out / "keep.txt").read_text() == "precious"


def test_subprocess_error_has_no_traceback(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[experiment\n")
    proc = subprocess.run([sys.executable, "-m", "neosim.cli", "validate", str(path)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "malformed TOML" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_validate_prints_resolved_defaults(capsys):
    code = None
    try:
        main(["validate", str(FLAGSHIP)])
    except SystemExit as exc:  # click may exit 0
        code = exc.code
    assert code in (None, 0)
    resolved = tomllib.loads(capsys.readouterr().out)
    assert resolved["models"]["mll_rate"]["prior"] == {"family": "beta", "alpha": 1.0,
                                                       "beta": 1.0}
    assert resolved["output"]["ci_prob"] == 0.95 and resolved["output"]["ci_kind"] == "eti"
    assert resolved["sampler"]["target_accept"] == 0.8


# ---- fuzzing the loader -----------------------------------------------------------------

BASE = tomllib.loads(FLAGSHIP_TEXT)
scalars = st.one_of(st.integers(-10**6, 10**20), st.floats(allow_nan=True), st.text(max_size=8),
                    st.booleans(), st.lists(st.integers(-3, 3), max_size=3))


def _paths(d, prefix=()):
    for k, v in d.items():
        yield (*prefix, k)
        if isinstance(v, dict):
            yield from _paths(v, (*prefix, k))


PATHS = list(_paths(BASE))
FIXTURE_OK = [HealthCheck.function_scoped_fixture]


@st.composite
def mutated_configs(draw):
    cfg = tomllib.loads(FLAGSHIP_TEXT)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        node = cfg
        for part in path[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
            if not isinstance(node, dict):
                break
        else:
            action = draw(st.sampled_from(["delete", "replace", "extra"]))
            if action == "delete":
                node.pop(path[-1], None)
            elif action == "replace":
                node[path[-1]] = draw(scalars)
            else:
                node[draw(st.text(min_size=1, max_size=6))] = draw(scalars)
    return cfg


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURE_OK)
@given(cfg=mutated_configs())
def test_fuzz_loader_only_raises_input_errors(tmp_path, cfg):
    path = tmp_path / "fuzz.toml"
    try:
        path.write_text(tomli_w.dumps(cfg))
    except (TypeError, ValueError):  # not representable as TOML (e.g. NaN in a list is fine)
        return
    try:
        _load_and_prepare(path)
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(path))


@settings(max_examples=150, deadline=None, suppress_health_check=FIXTURE_OK)
@given(raw=st.binary(max_size=200))
def test_fuzz_arbitrary_bytes(tmp_path, raw):
    path = tmp_path / "bytes.toml"
    path.write_bytes(raw)
    with pytest.raises(InputError):
        _load_and_prepare(path)
