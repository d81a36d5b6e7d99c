"""Seeded mutators of input files that always make them invalid (for the file fuzz tests).

Each mutator takes the text of a valid file and a ``random.Random`` and returns bytes that no
loader may accept: truncation inside a value, invalid UTF-8, NUL bytes, nesting deeper than
:data:`neosim.inputs.MAX_DEPTH`, integers beyond 64 bits, non-finite numbers, duplicate keys,
misplaced byte-order marks, wrong types, unknown keys, missing required tables. Mutators are
chosen so that the result is invalid whatever the random choices: a mutation that could leave a
file valid (a flipped digit) is not among them.
"""

from __future__ import annotations

import json
import random
import re

BOM = "\ufeff"
_ASSIGN = re.compile(r'^([ \t]*)([A-Za-z0-9_\-]+)[ \t]*=[ \t]*(.+?)[ \t]*$', re.M)
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)+"')
_NUMBER = re.compile(r'(?<![\w.\-"])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.\-"])')


def _deep(rng: random.Random) -> str:
    d = rng.choice([33, 40, 100, 1000, 3000])
    return "[" * d + "1" + "]" * d


def _deep_inline(rng: random.Random) -> str:
    d = rng.choice([33, 50, 400, 2000])
    return "{a = " * d + "1" + "}" * d


def _huge(rng: random.Random) -> str:
    n = rng.choice([20, 25, 100, 4301, 5000, 6000])
    return rng.choice(["", "-"]) + "9" * n


def _multiline_spans(text: str) -> list[tuple[int, int]]:
    marks = [m.start() for m in re.finditer(r'"""|' + "'''", text)]
    return [(marks[i], marks[i + 1] + 3) for i in range(0, len(marks) - 1, 2)]


def assignments(text: str) -> list[re.Match]:
    """``key = value`` lines outside multi-line strings."""
    spans = _multiline_spans(text)
    return [m for m in _ASSIGN.finditer(text)
            if not any(a <= m.start() < b for a, b in spans)]


_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"' + "|'[^']*'")


def _value_numbers(text: str) -> list[tuple[int, int]]:
    """Spans of number literals inside assignment values (not in strings or comments)."""
    out = []
    for m in assignments(text):
        value = m.group(3)
        if value.startswith(('"""', "'''")):
            continue
        blank = _QUOTED.sub(lambda q: " " * len(q.group()), value).split("#", 1)[0]
        for n in _NUMBER.finditer(blank):
            out.append((m.start(3) + n.start(), m.start(3) + n.end()))
    return out


def _replace_value(text: str, rng: random.Random, value: str, *, numbers_only: bool = False) -> str:
    """Replace a number (``numbers_only``) or the whole value of one ``key = value`` line."""
    if numbers_only:
        spots = _value_numbers(text)
        if spots:
            a, b = rng.choice(spots)
            return text[:a] + value + text[b:]
    lines = [m for m in assignments(text)
             if not m.group(3).startswith(('"""', "'''", "[")) or m.group(3).endswith("]")]
    m = rng.choice(lines)
    return text[:m.start(3)] + value + text[m.end(3):]


def toml_mutations() -> dict[str, callable]:
    """Name -> ``f(text, rng) -> bytes`` producing invalid TOML documents."""

    def trunc_after_eq(t, r):
        m = r.choice(assignments(t))
        return t[:m.start(3)].encode()

    def trunc_in_string(t, r):
        spots = [m for m in assignments(t) if _STRING.match(m.group(3))
                 and not m.group(3).startswith('""')]
        if not spots:
            return trunc_after_eq(t, r)
        m = r.choice(spots)
        end = m.start(3) + _STRING.match(m.group(3)).end()
        return t[:r.randrange(m.start(3) + 1, end - 1)].encode()

    def trunc_in_header(t, r):
        heads = [m.start() for m in re.finditer(r"^\[", t, re.M)
                 if not any(a <= m.start() < b for a, b in _multiline_spans(t))]
        if not heads:
            return trunc_after_eq(t, r)
        h = r.choice(heads)
        return t[:h + r.randrange(1, 3)].encode()

    def bad_utf8(t, r):
        raw = t.encode()
        i = r.randrange(len(raw) + 1)
        bad = r.choice([b"\xff", b"\xc0", b"\x80", b"\xfe\xfe", b"\xed\xa0\x80"])
        return raw[:i] + bad + raw[i:]

    def nul(t, r):
        raw = t.encode()
        i = r.randrange(len(raw) + 1)
        return raw[:i] + b"\x00" + raw[i:]

    def deep(t, r):
        return _replace_value(t, r, _deep(r) if r.random() < 0.5 else _deep_inline(r)).encode()

    def huge_int(t, r):
        return _replace_value(t, r, _huge(r), numbers_only=True).encode()

    def non_finite(t, r):
        v = r.choice(["nan", "inf", "-inf", "+inf", "-nan", "1e400", "-1e999"])
        return _replace_value(t, r, v, numbers_only=True).encode()

    def duplicate_key(t, r):
        m = r.choice(assignments(t))
        line = t[m.start():m.end()]
        return (t[:m.end()] + "\n" + line + "\n" + t[m.end():]).encode()

    def bom(t, r):
        where = r.choice(["double", "value", "key"])
        if where == "double":
            return (BOM + BOM + t).encode()
        m = r.choice(assignments(t))
        if where == "value":
            return (t[:m.start(3)] + BOM + t[m.start(3):]).encode()
        return (t[:m.start(2)] + BOM + t[m.start(2):]).encode()

    def wrong_type(t, r):
        m = r.choice(assignments(t))
        v = m.group(3)
        if v.startswith("[") and not v.rstrip().endswith("]"):
            return trunc_after_eq(t, r)  # a multi-line array: not replaced in place
        if v.startswith(("true", "false")):
            bad = ['"yes"', "[1, 2]", "1"]
        elif v.startswith(('"', "'")):
            bad = ["[1, 2]", "{ x = 1 }", "true", "1979-05-27", '[["nested"]]']
        elif v.startswith("["):
            bad = ["true", "{ x = 1 }", "1979-05-27", '"x"']
        elif v.startswith("{"):
            bad = ["true", "[1, 2]", '"x"']
        else:  # a number
            bad = ['"x"', "true", "[1, 2]", "{ x = 1 }", "1979-05-27"]
        return (t[:m.start(3)] + r.choice(bad) + t[m.end(3):]).encode()

    def extra_key(t, r):
        heads = [m.end() for m in re.finditer(r"^\[[^\]\n]+\]\n", t, re.M)
                 if not any(a <= m.start() < b for a, b in _multiline_spans(t))]
        at = r.choice(heads) if heads and r.random() < 0.7 else 0
        return (t[:at] + 'zz_unknown_key = "?"\n' + t[at:]).encode()

    def drop_tables(t, r):
        keep = r.choice(["", "# only a comment\n", "x = 1\n", '[zz]\nq = "?"\n'])
        return keep.encode()

    return {f.__name__: f for f in (trunc_after_eq, trunc_in_string, trunc_in_header, bad_utf8,
                                    nul, deep, huge_int, non_finite, duplicate_key, bom,
                                    wrong_type, extra_key, drop_tables)}


def json_mutations() -> dict[str, callable]:
    """Name -> ``f(text, rng) -> bytes`` producing invalid ``neosim-prior/1`` files."""

    def load(t):
        return json.loads(t)

    def objects(d, out=None):
        out = [] if out is None else out
        if isinstance(d, dict):
            out.append(d)
            for v in d.values():
                objects(v, out)
        elif isinstance(d, list):
            for v in d:
                objects(v, out)
        return out

    def truncate(t, r):
        end = t.rstrip().rfind("}")
        return t[:r.randrange(0, end)].encode()

    def bad_utf8(t, r):
        raw = t.encode()
        i = r.randrange(len(raw) + 1)
        bad = r.choice([b"\xff", b"\xc0\xaf", b"\x80", b"\xf8\x88\x80\x80\x80"])
        return raw[:i] + bad + raw[i:]

    def nul(t, r):
        raw = t.encode()
        i = r.randrange(len(raw) + 1)
        return raw[:i] + b"\x00" + raw[i:]

    def numbers(t, r, value):
        d = load(t)
        spots = [(o, k) for o in objects(d) for k, v in o.items()
                 if isinstance(v, int | float) and not isinstance(v, bool)]
        obj, key = r.choice(spots)
        obj[key] = "__NUMBER__"
        return json.dumps(d).replace('"__NUMBER__"', value).encode()

    def deep(t, r):
        return numbers(t, r, _deep(r))

    def huge_int(t, r):
        return numbers(t, r, _huge(r))

    def non_finite(t, r):
        return numbers(t, r, r.choice(["NaN", "Infinity", "-Infinity", "1e400", "-1e999"]))

    def duplicate_key(t, r):
        d = load(t)
        key = r.choice(list(d))
        body = json.dumps(d)[1:-1]
        return ("{" + body + ", " + json.dumps(key) + ": " + json.dumps(d[key]) + "}").encode()

    def top_level(t, r):
        return r.choice(["[" + t + "]", "1", '"prior"', "null", "[]", "true", ""]).encode()

    def bom(t, r):
        return r.choice([BOM + BOM + t, t[:1] + BOM + t[1:], t.replace(":", ":" + BOM, 1)]
                        ).encode()

    def wrong_type(t, r):
        d = load(t)
        obj = r.choice([o for o in objects(d) if o])
        key = r.choice(list(obj))
        v = obj[key]
        if isinstance(v, bool):
            bad = r.choice([1, "true", [True]])
        elif isinstance(v, int | float):
            bad = r.choice([str(v), [v], {"v": v}, True])
        elif isinstance(v, str):
            bad = r.choice([[v], {"v": v}, 7, False])
        elif isinstance(v, list):
            bad = r.choice(["x", 5, {"v": 1}])
        else:
            bad = r.choice(["x", 5, [1]])
        obj[key] = bad
        return json.dumps(d).encode()

    def missing_key(t, r):
        d = load(t)
        key = r.choice([k for k in ("name", "quantity", "kind", "components") if k in d])
        if key == "components" and r.random() < 0.5:
            del r.choice(d["components"])["weight"]
        else:
            del d[key]
        return json.dumps(d).encode()

    def extra_key(t, r):
        d = load(t)
        obj = r.choice([o for o in objects(d) if o])
        obj["zz_unknown_key"] = "?"
        return json.dumps(d).encode()

    def out_of_range(t, r):
        d = load(t)
        c = r.choice(d["components"])
        key = r.choice(["weight", "a", "b"])
        c[key] = r.choice([0.0, -1.0, -5e-324, 1e300, 2.0] if key == "weight"
                          else [0.0, -1.0, 5e-324, 1e-300, 1e300, 1e16])
        return json.dumps(d).encode()

    def bad_horizon(t, r):
        d = load(t)
        d["quantity"] = r.choice(["survival_probability_0m", "survival_probability_0.0m",
                                  "survival_probability_99999m", "", "x" * 200])
        return json.dumps(d).encode()

    return {f.__name__: f for f in (truncate, bad_utf8, nul, deep, huge_int, non_finite,
                                    duplicate_key, top_level, bom, wrong_type, missing_key,
                                    extra_key, out_of_range, bad_horizon)}


IPD_HEADER = ("patient_id", "subtype", "mll_status", "age_at_diagnosis_days", "sct",
              "months_to_sct", "months_to_event", "event")


def ipd_text(rng: random.Random, n: int = 8) -> list[list[str]]:
    """A valid IPD table (header first) of ``n`` patients."""
    rows = [list(IPD_HEADER)]
    for i in range(n):
        sct = rng.random() < 0.7
        t_sct = round(rng.uniform(1, 6), 2)
        rows.append([f"P{i}", rng.choice(["ALL", "AML"]),
                     rng.choice(["rearranged", "germline", "unknown"]),
                     str(rng.randrange(0, 28)), "1" if sct else "0",
                     str(t_sct) if sct else "", str(round(t_sct + rng.uniform(0.5, 60), 2)),
                     rng.choice(["0", "1"])])
    return rows


def _csv(rows: list[list[str]]) -> str:
    return "\n".join(",".join(r) for r in rows) + "\n"


def ipd_mutations() -> dict[str, callable]:
    """Name -> ``f(rows, rng) -> bytes`` producing invalid IPD CSV files."""
    col = {c: i for i, c in enumerate(IPD_HEADER)}

    def cell(rows, r, column, values):
        i = r.randrange(1, len(rows))
        if column in ("months_to_sct",) and rows[i][col["sct"]] == "0":
            rows[i][col["sct"]] = "1"
        rows[i][col[column]] = r.choice(values)
        return _csv(rows).encode()

    def bad_number(rows, r):
        column = r.choice(["age_at_diagnosis_days", "months_to_event", "months_to_sct"])
        common = ["nan", "inf", "-inf", "Infinity", "1e400", "0x10", "1_0", "\u0661\u0662", "1e",
                  "", "abc", "-1", "- 5", "1,5", "99999"]
        extra = {"months_to_event": ["1e-320", "0"], "months_to_sct": [],
                 "age_at_diagnosis_days": ["1e9"]}[column]
        return cell(rows, r, column, common + extra)

    def bad_flag(rows, r):
        return cell(rows, r, r.choice(["sct", "event"]), ["2", "-1", "yes", "", "1.0", "01",
                                                          "true", "\u0661"])

    def bad_label(rows, r):
        column = r.choice(["subtype", "mll_status", "patient_id"])
        values = {"subtype": ["", "A L L", "-x", "x" * 40, "ALL\u00e9"],
                  "mll_status": ["", "yes", "Rearranged", "unknown "],
                  "patient_id": ["", "x" * 70, "a\tb"]}[column]
        if column == "mll_status":
            values = ["", "yes", "Rearranged", "maybe"]
        return cell(rows, r, column, values)

    def quoted_newline(rows, r):
        i = r.randrange(1, len(rows))
        c = r.choice(["patient_id", "subtype", "mll_status", "months_to_event"])
        rows[i][col[c]] = '"' + rows[i][col[c]][:1] + "\n" + rows[i][col[c]][1:] + 'x"'
        return _csv(rows).encode()

    def open_quote(rows, r):
        i = r.randrange(1, len(rows))
        rows[i][r.randrange(len(IPD_HEADER))] = '"unterminated'
        return _csv(rows[:i + 1]).encode()

    def ragged(rows, r):
        i = r.randrange(1, len(rows))
        if r.random() < 0.5:
            rows[i] = rows[i][:r.randrange(0, len(IPD_HEADER) - 1) + 1][:-1] or ["x"]
        else:
            rows[i] = rows[i] + ["extra"] * r.randrange(1, 3)
        return _csv(rows).encode()

    def header(rows, r):
        how = r.choice(["rename", "drop", "duplicate", "empty"])
        h = rows[0]
        j = r.randrange(len(h))
        if how == "rename":
            h[j] = h[j].upper() if r.random() < 0.5 else h[j] + "_x"
        elif how == "drop":  # a required column (the others are optional)
            j = h.index(r.choice(["patient_id", "months_to_event", "event"]))
            for row in rows:
                del row[j]
        elif how == "duplicate":
            for row in rows:
                row.append(row[j])
        else:
            h[j] = ""
        return _csv(rows).encode()

    def empty(rows, r):
        return r.choice([b"", b"\n\n", b"# only a comment\n", _csv(rows[:1]).encode(),
                         ("# c\n" + _csv(rows[:1]) + "\n\n").encode(), BOM.encode() * 2])

    def duplicate_id(rows, r):
        i = r.randrange(1, len(rows))
        rows.append(list(rows[i]))
        return _csv(rows).encode()

    def sct_order(rows, r):
        i = r.randrange(1, len(rows))
        rows[i][col["sct"]] = "1"
        t = rows[i][col["months_to_event"]]
        rows[i][col["months_to_sct"]] = r.choice([t, str(float(t) + 1), str(float(t) - 1e-9)])
        return _csv(rows).encode()

    def nul(rows, r):
        raw = _csv(rows).encode()
        i = r.randrange(len(raw) + 1)
        return raw[:i] + b"\x00" + raw[i:]

    def bad_utf8(rows, r):
        raw = _csv(rows).encode()
        i = r.randrange(len(raw) + 1)
        return raw[:i] + r.choice([b"\xff", b"\xc3", b"\x80\x80"]) + raw[i:]

    def bom_inside(rows, r):
        i = r.randrange(1, len(rows))
        c = r.randrange(len(IPD_HEADER))
        if c == col["months_to_sct"] and rows[i][col["sct"]] == "0":
            c = col["sct"]
        rows[i][c] = BOM + rows[i][c]
        return _csv(rows).encode()

    return {f.__name__: f for f in (bad_number, bad_flag, bad_label, quoted_newline,
                                    open_quote, ragged, header, empty, duplicate_id, sct_order,
                                    nul, bad_utf8, bom_inside)}
