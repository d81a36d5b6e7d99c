"""The one reader of user files (:mod:`neosim.inputs`), its parsers, and the error line length."""

from __future__ import annotations

import os
import socket
import sys

import pytest

from neosim import inputs
from neosim.errors import MAX_FIELD, MAX_FILE, MAX_MESSAGE, InputError

from .badinput import assert_bad_input, run_cli


def _error(fn, *args, **kw) -> InputError:
    with pytest.raises(InputError) as info:
        fn(*args, **kw)
    assert "\n" not in str(info.value)
    return info.value


def test_reads_a_regular_file_and_drops_a_bom(tmp_path):
    p = tmp_path / "a.toml"
    p.write_bytes(b"\xef\xbb\xbfx = 1\n")
    assert inputs.load_toml(p) == {"x": 1}


@pytest.mark.parametrize("make, expect", [
    (lambda p: os.mkfifo(p), "is a FIFO"),
    (lambda p: p.mkdir(), "is a directory"),
    (lambda p: (os.symlink(p.with_name("b"), p), os.symlink(p, p.with_name("b"))),
     "symbolic link loop"),
])
def test_special_files_are_refused_without_blocking(tmp_path, make, expect):
    p = tmp_path / "input"
    make(p)
    err = _error(inputs.read_text, p, kind="config")  # a FIFO without writer would block here
    assert expect in err.message and err.file == str(p)


def test_devices_and_sockets_are_refused(tmp_path):
    assert "is a device" in _error(inputs.read_bytes, "/dev/zero", kind="prior").message
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        assert "is a socket" in _error(inputs.read_bytes, path, kind="ipd").message


def test_the_size_cap_is_named(tmp_path):
    p = tmp_path / "big.toml"
    with open(p, "wb") as fh:
        fh.truncate(inputs.CAPS["config"] + 1)
    assert "larger than the 1 MiB limit" in _error(inputs.read_bytes, p, kind="config").message
    with open(p, "wb") as fh:
        fh.truncate(inputs.CAPS["config"])
    assert len(inputs.read_bytes(p, kind="config")) == inputs.CAPS["config"]


@pytest.mark.parametrize("path, expect", [
    ("a\x00b", "NUL byte"), ("x" * 256, "component is longer"),
    ("/".join(["d" * 200] * 25), "path is longer"), ("", "empty path")])
def test_impossible_paths_are_input_errors(path, expect):
    assert expect in _error(inputs.read_text, path, kind="config").message


def test_text_must_be_utf8_without_nul(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes(b"a,\xff\n")
    assert "not UTF-8" in _error(inputs.read_text, p, kind="ipd").message
    p.write_bytes(b"a,\x00\n")
    assert "NUL character" in _error(inputs.read_text, p, kind="ipd").message


@pytest.mark.parametrize("text, expect", [
    ("x = " + "9" * 5000, "thousands of digits"),
    ("x = " + "9" * 30, "64-bit"),
    ("x = " + "[" * 5000 + "]" * 5000, "nested deeper"),
    ("x = " + "[" * 40 + "]" * 40, "nested deeper"),
    ("x = " + "{a = " * 300 + "1" + "}" * 300, "nested deeper"),
    ("x = nan", "not a finite number"), ("x = [1.0, -inf]", "not a finite number"),
    ("x = 1e400", "not a finite number"), ("x = 1\nx = 2", "malformed TOML")])
def test_toml_failures_are_one_line(text, expect):
    err = _error(inputs.parse_toml, text, file="f.toml")
    assert expect in err.message and err.file == "f.toml"


@pytest.mark.parametrize("text, expect", [
    ('{"x": NaN}', "NaN"), ('{"x": -Infinity}', "Infinity"), ('{"x": 1e400}', "overflows"),
    ('{"x": 1, "x": 2}', "duplicate key"), ("[1, 2]", "JSON object"), ('"s"', "JSON object"),
    ('{"x": ' + "9" * 5000 + "}", "64-bit"), ('{"x": ' + "[" * 50000 + "]" * 50000 + "}",
                                               "nested deeper"),
    ('{"x": ' + "[" * 40 + "]" * 40 + "}", "nested deeper"), ("{", "malformed JSON")])
def test_json_failures_are_one_line(text, expect):
    err = _error(inputs.parse_json, text, file="p.json")
    assert expect in err.message and err.file == "p.json"


def test_file_sha256_streams_regular_files_only(tmp_path):
    p = tmp_path / "f"
    p.write_bytes(b"abc")
    assert inputs.file_sha256(p).startswith("ba7816bf")
    os.mkfifo(tmp_path / "fifo")
    assert inputs.file_sha256(tmp_path / "fifo") is None
    assert inputs.file_sha256("a\x00b") is None


def test_error_parts_are_capped():
    err = InputError("m" * 5000, file="/" + "f" * 5000, field="g" * 5000)
    assert len(err.message) == MAX_MESSAGE and "…" in err.message
    assert len(err.file) == MAX_FILE and err.file.startswith("/f") and err.file.endswith("f")
    assert len(err.field) == MAX_FIELD
    assert len(str(err)) < 600


def test_internal_error_line_is_capped(monkeypatch):
    from neosim.cli import report as cli_report

    def boom(*a, **k):
        raise RuntimeError("x\n" * 10_000)

    monkeypatch.setattr("neosim.report.write_report", boom)
    assert cli_report is not None
    out = run_cli(["report", "."])
    assert out.code == 3
    line, = out.stderr.splitlines()
    assert "internal error" in line and len(line) < 600


def test_quoted_newlines_and_nuls_in_ipd_are_input_errors(tmp_path):
    head = ("patient_id,subtype,mll_status,age_at_diagnosis_days,sct,months_to_sct,"
            "months_to_event,event\n")
    p = tmp_path / "ipd.csv"
    p.write_text(head + '"A\n1",ALL,germline,1,1,2,5,1\n')
    assert_bad_input(run_cli(["survival", "check", str(p)]), names=("line 2.patient_id",))
    p.write_text(head + 'A1,ALL,germline,1,1,2,"5\n0",1\nA2,ALL,germline,1,1,2,5,1\n')
    assert_bad_input(run_cli(["survival", "check", str(p)]), names=("line 2.months_to_event",))
    p.write_text(head + 'A1,"ALL,germline,1,1,2,5,1\n')
    assert_bad_input(run_cli(["survival", "check", str(p)]), names=("malformed CSV",))
    p.write_text(head + "# a comment, with a quote \" in it\nA1,ALL,germline,1,1,2,5,1\n")
    assert run_cli(["survival", "check", str(p)]).code == 0
    p.write_text(head + "A1,ALL,germline,1,1,2,1e-9,1\n")
    assert_bad_input(run_cli(["survival", "check", str(p)]), names=("months_to_event",))


@pytest.mark.skipif(sys.platform != "linux", reason="FIFO semantics checked on Linux")
def test_a_fifo_as_experiment_gives_one_line(tmp_path):
    os.mkfifo(tmp_path / "exp.toml")
    for argv in (["validate", str(tmp_path / "exp.toml")],
                 ["run", str(tmp_path / "exp.toml"), "--out", str(tmp_path / "out")]):
        assert_bad_input(run_cli(argv, timeout=10), names=(str(tmp_path / "exp.toml"),))
    assert not (tmp_path / "out").exists()


def test_report_skips_special_files_in_a_run_folder(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.toml").write_text('[experiment]\nname = "x"\nkind = "sbc"\n')
    os.mkfifo(run / "summary.csv")  # would block a plain open()
    os.mkfifo(run / "extra.json")
    os.symlink("/dev/zero", run / "more.csv")  # would read forever
    out = run_cli(["report", str(run)], timeout=20)
    assert out.code == 0, out.stderr
    assert (run / "report.html").is_file()


def test_resolve_path_is_relative_to_the_config_folder(tmp_path):
    cfg = tmp_path / "experiments" / "a.toml"
    assert inputs.resolve_path("../p.json", cfg) == tmp_path / "experiments" / "../p.json"
    assert inputs.resolve_path(str(tmp_path / "p.json"), cfg) == tmp_path / "p.json"
    assert str(inputs.resolve_path("p.json", "a.toml")) == "p.json"  # not the working directory
