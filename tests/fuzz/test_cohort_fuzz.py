"""Fuzzing the cohort readers and the study-spec loader (hypothesis, bounded, derandomised).

Random bytes, mutated valid register extracts and mutated study specifications go in; what may
come out is a table or one of jamlik's own errors that names the file. Any other exception (a
polars, YAML, Unicode or type error, a traceback for the analyst) fails the test. Each test has a
fixed ``max_examples`` and runs in seconds; the counts of inputs tried and clear errors are
printed (``pytest -s``).
"""

from __future__ import annotations

import copy
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jamlik.cohort import (
    PseudonymKey,
    load_spec,
    read_cause_of_death_register,
    read_patient_register,
    read_population_register,
    read_quality_register,
)
from jamlik.model.errors import JamlikError

sys.path.insert(0, str(Path(__file__).parents[1] / "cohort"))
from _study_files import FILES, SPEC, texts

KEY = PseudonymKey(b"fuzz-key-0123456789-0123456789-0123456789")
READERS = {"quality": read_quality_register, "population": read_population_register,
           "death": read_cause_of_death_register, "patient": read_patient_register}
SUFFIXES = (".csv", ".txt", ".parquet", ".sav", ".dta", ".sas7bdat", ".xpt")
FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check(call, file: str, stats: Counter) -> None:
    """Success, or a jamlik error that names ``file``; nothing else."""
    stats["tried"] += 1
    try:
        call()
    except JamlikError as exc:
        assert file in str(exc), f"error does not name {file}: {exc}"
        assert "\n" not in str(exc), f"error is not one line: {exc!r}"
        stats["clear errors"] += 1
    else:
        stats["accepted"] += 1


# ------------------------------------------------------------------------------------------------
# register extracts
# ------------------------------------------------------------------------------------------------

def _mutate(text: str, data) -> bytes:
    """One to four edits of a valid extract: cut, insert bytes or separators or quotes, repeat or
    drop a line, blank a field, re-encode."""
    raw = text.encode("utf-8")
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        kind = data.draw(st.sampled_from(["cut", "insert", "separator", "quote", "line", "drop", "blank",
                                          "truncate", "encode"]), label="kind")
        at = data.draw(st.integers(0, max(len(raw) - 1, 0)), label="at")
        if kind == "cut":
            raw = raw[:at] + raw[at + data.draw(st.integers(1, 40)):]
        elif kind == "insert":
            raw = raw[:at] + data.draw(st.binary(min_size=1, max_size=30)) + raw[at:]
        elif kind == "separator":
            raw = raw[:at] + data.draw(st.sampled_from([b";", b",", b"\t", b"|", b";;", b"\n", b"\r\n"])) + raw[at:]
        elif kind == "quote":
            raw = raw[:at] + b'"' + raw[at:]
        elif kind in ("line", "drop"):
            lines = raw.split(b"\n")
            i = data.draw(st.integers(0, len(lines) - 1))
            lines[i:i + 1] = [lines[i], lines[i]] if kind == "line" else []
            raw = b"\n".join(lines)
        elif kind == "blank":
            raw = raw.replace(data.draw(st.sampled_from([b"2016", b"I", b"19", b";1;", b"-"])), b"", 1)
        elif kind == "truncate":
            raw = raw[:at]
        else:
            enc = data.draw(st.sampled_from(["cp1252", "utf-16", "utf-8-sig", "latin-1"]))
            raw = raw.decode("utf-8", errors="replace").encode(enc, errors="replace")
    return raw


def test_readers_on_random_bytes():
    stats: Counter = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        @FUZZ
        @given(register=st.sampled_from(sorted(READERS)), suffix=st.sampled_from(SUFFIXES),
               raw=st.one_of(st.binary(max_size=4096), st.binary(min_size=30_000, max_size=30_000)))
        def run(register, suffix, raw):
            path = Path(tmp) / f"extract{suffix}"
            path.write_bytes(raw)
            _check(lambda: READERS[register](path, KEY), path.name, stats)

        run()
    print(f"\ncohort readers, random bytes: {dict(stats)}")
    assert stats["tried"] >= 100 and stats["clear errors"] >= 90


def test_readers_on_mutated_extracts():
    stats: Counter = Counter()
    valid = texts()
    with tempfile.TemporaryDirectory() as tmp:
        @settings(FUZZ, max_examples=300)
        @given(register=st.sampled_from(sorted(READERS)), data=st.data(),
               encoding=st.sampled_from([None, None, "cp1252", "utf-8"]))
        def run(register, data, encoding):
            path = Path(tmp) / FILES[register]
            path.write_bytes(_mutate(valid[register], data))
            _check(lambda: READERS[register](path, KEY, encoding=encoding), path.name, stats)

        run()
    print(f"\ncohort readers, mutated extracts: {dict(stats)}")
    assert stats["tried"] >= 250 and stats["accepted"] > 0 and stats["clear errors"] > 0


# ------------------------------------------------------------------------------------------------
# study specification
# ------------------------------------------------------------------------------------------------

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                    st.text(max_size=20), st.dates().map(str), st.datetimes().map(str))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                        st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)
BASE = yaml.safe_load(SPEC) | {"outcomes": [
    {"name": "death", "include_death": True},
    {"name": "mace", "include_death": False, "label": {"sv": "MACE"},
     "components": [{"name": "mi", "codes": ["I21", "I60-I64"], "positions": "main", "blanking_days": 28}]}],
    "exposures": {"measured": "year_before_index", "income_quintile": {"reference": 5, "cut_points": [1, 2, 3, 4]},
                  "education": {"reference": "post_secondary"}, "age_groups": [18, 65, 75, 85]},
    "inclusion": {"age": {"min": 18, "max": 120}, "sex": [1, 2]}, "confidence": 0.95,
    "columns": {"quality": {"index_date": "INDATUM"}}, "title": {"sv": "t", "en": "t"}}


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


PATHS = [p for p in _paths(BASE) if p]


def test_spec_loader_on_mutated_values():
    stats: Counter = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "studie.yaml"

        @settings(FUZZ, max_examples=400)
        @given(edits=st.lists(st.tuples(st.sampled_from(PATHS), VALUES), min_size=1, max_size=3))
        def run(edits):
            spec = copy.deepcopy(BASE)
            for where, value in edits:
                node = spec
                try:
                    for k in where[:-1]:
                        node = node[k]
                    node[where[-1]] = value
                except (KeyError, IndexError, TypeError):
                    continue  # an earlier edit replaced the parent
            path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
            _check(lambda: load_spec(path), path.name, stats)

        run()
    print(f"\nstudy spec, mutated values: {dict(stats)}")
    assert stats["tried"] >= 350 and stats["clear errors"] >= 200


def test_spec_loader_on_mutated_text_and_bytes():
    stats: Counter = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "studie.yaml"

        @settings(FUZZ, max_examples=250)
        @given(data=st.data(), kind=st.sampled_from(["mutate", "bytes", "nested", "encoding"]))
        def run(data, kind):
            if kind == "mutate":
                raw = _mutate(SPEC, data)
            elif kind == "bytes":
                raw = data.draw(st.binary(max_size=2048))
            elif kind == "nested":
                depth = data.draw(st.integers(1, 400))
                raw = (data.draw(st.sampled_from(["name: ", "outcomes: "])) + "[" * depth + "]" * depth).encode()
            else:
                raw = SPEC.replace("tiny", "håll-öga").encode(data.draw(st.sampled_from(["cp1252", "utf-16"])))
            path.write_bytes(raw)
            _check(lambda: load_spec(path), path.name, stats)

        run()
    print(f"\nstudy spec, mutated text and bytes: {dict(stats)}")
    assert stats["tried"] >= 200 and stats["clear errors"] >= 150
