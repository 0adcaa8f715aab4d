"""Fuzzing of every reader of the analyst's files (issue 13, "Done means").

Random bytes and mutated valid inputs go into the extract readers (CSV, Excel, Parquet, SAS
transport, SPSS, Stata), the refresh readers, ``jamlik load`` on a small initialised warehouse,
the strategy import (YAML and Excel), load mappings and ``sources.yaml``. Only jamlik's own
errors (:mod:`jamlik.model.errors`) may come out, naming the file; a failed load leaves the
warehouse byte for byte as it was. Budgets are fixed (``max_examples``, derandomised) so the
file runs in about two minutes on two cores; counts of inputs and clear errors are printed
with ``-s``.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jamlik.model.errors import JamlikError

# A failing example of a binary format is a long repr; hypothesis warns about that.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")
ROOT = Path(__file__).parents[2]
EXAMPLE_CSV = (ROOT / "src/jamlik/data/examples/gymnasiebehorighet_2019.csv").read_bytes()
POPULATION_CSV = (ROOT / "examples/population.csv").read_bytes()
SURVEY_MAPPING = (ROOT / "examples/survey.yaml").read_bytes()
SOURCES_YAML = (ROOT / "src/jamlik/data/examples/sources.yaml").read_bytes()
TALLY: Counter[str] = Counter()
atexit.register(lambda: TALLY and print("\nfuzz inputs / clear errors:", dict(sorted(TALLY.items()))))


def budget(n: int):
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


# -- seeds: one small valid file of every format -----------------------------------------------
def _seed_files() -> dict[str, bytes]:
    import openpyxl
    import pandas as pd
    import pyreadstat

    lines = EXAMPLE_CSV.decode("utf-8").splitlines()[:12]
    out = {".csv": ("\n".join(lines) + "\n").encode("utf-8")}
    folder = Path(tempfile.mkdtemp())
    try:
        wb = openpyxl.Workbook()
        for line in lines:
            wb.active.append(line.split(";"))
        buffer = io.BytesIO()
        wb.save(buffer)
        out[".xlsx"] = buffer.getvalue()
        frame = pd.DataFrame({"kommun": ["0580", "0581", "0509"], "ar": [2019, 2019, 2020],
                              "andel": [83.4, 79.9, None], "kon": ["Totalt", "Män", "Kvinnor"]})
        sink = io.BytesIO()
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink)
        out[".parquet"] = sink.getvalue()
        for suffix, writer in ((".sav", pyreadstat.write_sav), (".dta", pyreadstat.write_dta),
                               (".xpt", pyreadstat.write_xport)):
            writer(frame, str(folder / f"seed{suffix}"))
            out[suffix] = (folder / f"seed{suffix}").read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return out


SEEDS = _seed_files()
NASTY = [b"", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b";;;;", b'"', b"\r", b"\n\n\n", b"-.inf",
         b".nan", b"1e400", b"1000000000000", b"79,9", b"x" * 300, b"\t", b"\x81\x8d",
         "Östergötland".encode("cp1252"), "Ö".encode("utf-16")]


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """``seed`` after a few random edits: flips, cuts, insertions of nasty bytes, repeats."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        edit = draw(st.sampled_from(["flip", "cut", "insert", "truncate", "repeat"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if edit == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif edit == "cut" and data:
            del data[at:at + draw(st.integers(1, 64))]
        elif edit == "insert":
            data[at:at] = draw(st.sampled_from(NASTY) | st.binary(max_size=16))
        elif edit == "truncate":
            del data[at:]
        elif edit == "repeat" and data:
            data[at:at] = data[at:at + draw(st.integers(1, 200))]
    return bytes(data)


def inputs(seed: bytes):
    return st.one_of(st.binary(max_size=2048), mutated(seed))


def _expect_clear(call, name: str, kind: str) -> None:
    """``call()`` succeeds or raises a jamlik error that names ``name``; anything else fails."""
    TALLY[f"{kind} inputs"] += 1
    try:
        call()
    except JamlikError as exc:
        text = str(exc)
        assert "\n" not in text.strip() or kind in ("refresh",), text
        assert name in text, f"{type(exc).__name__} does not name {name!r}: {text}"
        TALLY[f"{kind} clear errors"] += 1


@pytest.fixture
def folder():
    path = Path(tempfile.mkdtemp(prefix="jamlik-fuzz-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


# -- extract readers (jamlik load, cohort) -----------------------------------------------------
@pytest.mark.parametrize("suffix", sorted(SEEDS))
def test_extract_readers(suffix, folder):
    from jamlik.sources.extract import open_extract

    @budget(60)
    @given(data=inputs(SEEDS[suffix]))
    def run(data):
        path = folder / f"fil{suffix}"
        path.write_bytes(data)

        def read():
            for _ in open_extract(path).batches():
                pass

        _expect_clear(read, path.name, f"extract{suffix}")

    run()


# -- refresh readers -----------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet", ".sav"])
def test_refresh_readers(suffix, folder):
    from jamlik.sources import FileMapping, read_file
    from jamlik.sources.batched import map_file

    mapping = FileMapping.from_dict({"indicator_id": "x", "area": "Område-ID", "period": "År",
                                     "value": "Andel behöriga (%)", "area_kind": "code"})

    @budget(40)
    @given(data=inputs(SEEDS[suffix]))
    def run(data):
        path = folder / f"fil{suffix}"
        path.write_bytes(data)
        _expect_clear(lambda: read_file(path), path.name, f"read_file{suffix}")
        _expect_clear(lambda: map_file(path, mapping, None), path.name, f"map_file{suffix}")

    run()


# -- documents ------------------------------------------------------------------------------------
def test_strategy_yaml_import():
    from jamlik.strategy import parse_document, read_yaml
    from jamlik.strategy.content import builtin_text

    seed = builtin_text("strategi_for_halsa").encode("utf-8")

    @budget(120)
    @given(data=inputs(seed))
    def run(data):
        def parse():
            doc, name = read_yaml(data, name="strategi.yaml")
            parse_document(doc, name)

        _expect_clear(parse, "strategi.yaml", "strategy yaml")

    run()


def test_strategy_excel_import():
    from jamlik.strategy import load_builtin, read_excel, write_excel

    seed = write_excel(load_builtin("strategi_for_halsa"))

    @budget(60)
    @given(data=inputs(seed))
    def run(data):
        _expect_clear(lambda: read_excel(data, name="strategi.xlsx"), "strategi.xlsx",
                      "strategy excel")

    run()


def test_mapping_and_sources_yaml(folder):
    from jamlik.ingest import LoadMapping
    from jamlik.pipeline.refresh import RefreshConfig
    from jamlik.sources import FileMapping

    @budget(120)
    @given(mapping=inputs(SURVEY_MAPPING), sources=inputs(SOURCES_YAML))
    def run(mapping, sources):
        (folder / "m.yaml").write_bytes(mapping)
        (folder / "sources.yaml").write_bytes(sources)
        (folder / "f.yaml").write_bytes(sources)
        _expect_clear(lambda: LoadMapping.from_yaml(folder / "m.yaml"), "m.yaml", "mapping")
        _expect_clear(lambda: RefreshConfig.from_yaml(folder / "sources.yaml"), "sources.yaml",
                      "sources.yaml")
        _expect_clear(lambda: FileMapping.from_yaml(folder / "f.yaml"), "f.yaml",
                      "file mapping")

    run()


# -- jamlik load on a small initialised warehouse ----------------------------------------------
@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    from jamlik.pipeline.init import init_warehouse

    where = tmp_path_factory.mktemp("fuzz-load")
    db, key = where / "jamlik.duckdb", where / "pseudonym.key"
    init_warehouse(db, region="05", key_file=key)
    return db, key


def _fingerprint(db: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (db, db.with_name(db.name + ".wal")) if p.exists()}


def test_load_population(warehouse, folder):
    from jamlik.pipeline.load import load_files

    db, key = warehouse
    work_db = folder / "jamlik.duckdb"
    shutil.copy(db, work_db)
    before = _fingerprint(work_db)

    @budget(50)
    @given(data=inputs(POPULATION_CSV))
    def run(data):
        nonlocal before
        path = folder / "befolkning.csv"
        path.write_bytes(data)
        TALLY["load inputs"] += 1
        try:
            load_files(work_db, "population", [path], key_file=key, reports=folder / "r")
        except JamlikError as exc:
            assert "befolkning.csv" in str(exc) or "population" in str(exc), str(exc)
            assert _fingerprint(work_db) == before, "a failed load changed the warehouse"
            TALLY["load clear errors"] += 1
        else:
            before = _fingerprint(work_db)  # a load that passed is the new baseline

    run()


# -- what the fuzzing found, kept as plain examples ----------------------------------------------
def test_padded_csv_header_is_read(folder):
    from jamlik.sources.extract import open_extract

    path = folder / "pop.csv"
    path.write_bytes(b"PersonNr ; Ar\n19850412-9902;2022\n")
    rows = [r for b in open_extract(path).batches() for r in b.to_pylist()]
    assert rows == [{"PersonNr": "19850412-9902", "Ar": "2022", "__row": 2}]


def test_damaged_parquet_pages_are_named(folder):
    from jamlik.model.errors import DataError
    from jamlik.sources.extract import open_extract

    data = bytearray(SEEDS[".parquet"])
    data[4:60] = b"\x00" * 56  # the first data page; the footer (schema) is intact
    path = folder / "skadad.parquet"
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="cannot read the file as parquet") as info:
        for _ in open_extract(path).batches():
            pass
    assert info.value.file == "skadad.parquet"


@pytest.mark.parametrize(("entry", "column"), [
    ({"indicators": 5}, "indicators"), ({"indicators": []}, "indicators"),
    ({"mapping": ["area"]}, "mapping"), ({"mapping": {"value": "v", "period": "p"}}, "mapping"),
    ({"path": 7}, "path")])
def test_sources_yaml_entries_of_the_wrong_type_are_named(entry, column):
    from jamlik.model.errors import DataError
    from jamlik.pipeline.refresh import RefreshConfig

    base = {"name": "x", "kind": "file", "path": "x.csv", "indicators": ["a"],
            "mapping": {"area": "a", "period": "p", "value": "v"}}
    with pytest.raises(DataError) as info:
        RefreshConfig.from_dict({"sources": [{**base, **entry}]})
    assert (info.value.row, info.value.column) == (1, column)
