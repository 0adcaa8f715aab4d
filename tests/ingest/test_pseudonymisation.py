"""No raw identity number in the warehouse: personnummer and LopNr are pseudonymised on entry.

Population, deaths and care are loaded with personnummer written in three ways (12 digits with a
hyphen, 12 digits without, 10 digits with ``-`` or ``+``), a second population and a measures
file with LopNr (``options: {id_kind: lopnr}``). Then every column of every table of the warehouse
file, and of the published snapshot after ``jamlik compute``, is searched for every way the
numbers can be written, and so are the raw bytes of every file the commands left behind. The
pseudonyms are checked against Python's own HMAC-SHA256 (an implementation independent of the
SQL one the loader uses, RFC 2104).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from _ingest_helpers import fingerprint, forms, personnummer, run_cli

from jamlik.model.identity import PseudonymKey

BIRTHS = ["1950-03-04", "1980-07-21", "1991-12-31", "1965-05-05", "2018-04-09", "1921-10-30"]
MALE = [True, False, True, False, True, False]
P = personnummer(BIRTHS, MALE, seed=17)
MOTHER, CHILD, OLDEST = 1, 4, 5  # the child's mother; a woman past 100 (10-digit form: '+')
LOPNR = ["3158746", "3158747", "9041123"]


def _ten(pnr: str, sep: str = "-") -> str:
    return f"{pnr[2:8]}{sep}{pnr[8:]}"


def _files(folder: Path) -> dict[str, Path]:
    rows = ["PersonNr;Ar;Deso;Sun2000niva_old;FodLand;PersonNrMor"]
    for year in (2022, 2023):
        for i, p in enumerate(P):
            mother = f"{P[MOTHER][:8]}-{P[MOTHER][8:]}" if i == CHILD else ""
            rows.append(f"{p[:8]}-{p[8:]};{year};0580C1010;3;SE;{mother}")
    files = {"population": "\n".join(rows) + "\n",
             # deaths: 12 digits without a separator
             "deaths": f"PersonNr;DODSDAT;ULORSAK\n{P[0]};20240105;I21.9\n",
             # care: 10 digits, '+' for the woman past 100
             "care": "PersonNr;INDATUM;UTDATUM;HDIA\n"
                     f"{_ten(P[0])};20231102;20231109;I21.4\n"
                     f"{_ten(P[2])};20230301;20230304;I63.9\n"
                     f"{_ten(P[OLDEST], '+')};20230712;20230720;S72.0\n",
             "population-lopnr": "LopNr;Ar;Kommun;Kon;FodelseAr\n"
                                 f"{LOPNR[0]};2021;0580;1;1950\n{LOPNR[1]};2021;0580;2;1980\n",
             "measures-lopnr": f"LopNr;Ar;measure;value\n{LOPNR[0]};2021;caries_age3;0\n"
                               f"{LOPNR[2]};2021;caries_age3;1\n"}
    paths = {}
    for name, text in files.items():
        paths[name] = folder / f"{name}.csv"
        paths[name].write_text(text, encoding="utf-8")
    return paths


def _pseudonym(key: PseudonymKey, pnr12: str) -> str:
    return "p" + hmac.new(key.secret, pnr12.encode(), hashlib.sha256).hexdigest()[:20]


def _lopnr_pseudonym(key: PseudonymKey, lopnr: str) -> str:
    return "l" + hmac.new(key.secret, b"L" + lopnr.encode(), hashlib.sha256).hexdigest()[:20]


def _needle() -> re.Pattern:
    """Every written form of every number, not inside a longer run of digits."""
    written = sorted({form for p in P for form in forms(p)} | set(LOPNR), key=len, reverse=True)
    return re.compile(r"(?<!\d)(" + "|".join(map(re.escape, written)) + r")(?!\d)")


def _columns(db: Path) -> dict[str, list[str]]:
    """``table.column`` → its distinct values as text, for every column of every table."""
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute("SELECT table_schema, table_name FROM information_schema.tables "
                             "WHERE table_type = 'BASE TABLE'").fetchall()
        for schema, table in tables:
            columns = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? "
                "AND table_name = ?", [schema, table]).fetchall()]
            for column in columns:
                values = con.execute(f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM '
                                     f'"{schema}"."{table}"').fetchall()
                out[f"{table}.{column}"] = [v[0] for v in values if v[0] is not None]
    return out


def _leaks(db: Path) -> list[str]:
    needle = _needle()
    return [f"{where}: {m[0]}" for where, values in _columns(db).items()
            for m in needle.finditer("\n".join(values))]


def _file_leaks(folder: Path) -> list[str]:
    """Numbers in the raw bytes of the files under ``folder`` (not the test's own inputs)."""
    needle = _needle()
    return [f"{path.name}: {m[0]}" for path in sorted(folder.rglob("*"))
            if path.is_file() and "inputs" not in path.relative_to(folder).parts
            for m in needle.finditer(path.read_bytes().decode("latin-1"))]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A warehouse with every file loaded and computed: (folder, db, key, input files)."""
    folder = tmp_path_factory.mktemp("pseudonyms")
    inputs = folder / "inputs"
    inputs.mkdir()
    files = _files(inputs)
    lopnr = inputs / "lopnr.yaml"
    lopnr.write_text("options: {id_kind: lopnr}\n", encoding="utf-8")
    db, key = folder / "jamlik.duckdb", folder / "pseudonym.key"
    steps = [("init", "--region", "05"),
             ("load", "population", files["population"]),
             ("load", "deaths", files["deaths"]),
             ("load", "care", files["care"]),
             ("load", "population", files["population-lopnr"], "--mapping", lopnr),
             ("load", "measures", files["measures-lopnr"], "--mapping", lopnr)]
    for step in steps:
        result = run_cli(*step, "--db", db, "--key-file", key)
        assert result.code == 0, result.text
        assert not _needle().search(result.text), result.text
    return folder, db, PseudonymKey.from_file(key), files


def test_no_identity_number_in_any_column_of_the_warehouse(loaded):
    _, db, _, _ = loaded
    assert _leaks(db) == []


def test_no_identity_number_in_the_published_snapshot(loaded, tmp_path):
    _, db, _, _ = loaded
    work = tmp_path / "jamlik.duckdb"
    shutil.copy(db, work)  # compute on a copy: the other tests read the loaded warehouse
    result = run_cli("compute", "--db", work)
    assert result.code == 0, result.text
    published = tmp_path / "published" / "jamlik.duckdb"
    assert published.is_file()
    assert _leaks(published) == []
    assert _leaks(work) == []


def test_no_identity_number_in_any_file_left_behind(loaded):
    folder, _, _, _ = loaded
    assert _file_leaks(folder) == []


def test_the_search_finds_a_number_that_is_there(loaded, tmp_path):
    """A control: the searches above would see a leak in a column or a file."""
    _, db, _, _ = loaded
    work = tmp_path / "jamlik.duckdb"
    shutil.copy(db, work)
    with duckdb.connect(str(work)) as con:
        con.execute("UPDATE care_events SET hospital = ? WHERE main_diagnosis = 'I639'",
                    [f"Sjukhus (patient {_ten(P[3])})"])
        con.execute("UPDATE persons SET birth_country = ? WHERE sex = 'male'", [LOPNR[2]])
    assert sorted(_leaks(work)) == [f"care_events.hospital: {_ten(P[3])}",
                                    f"persons.birth_country: {LOPNR[2]}"]
    (tmp_path / "log.txt").write_text(f"row 4: {P[1]}\n", encoding="utf-8")
    assert f"log.txt: {P[1]}" in _file_leaks(tmp_path)


def test_the_same_person_has_the_same_pseudonym_in_every_register(loaded):
    _, db, key, _ = loaded
    expected = {p: _pseudonym(key, p) for p in P}
    with duckdb.connect(str(db), read_only=True) as con:
        population = {r[0] for r in con.execute(
            "SELECT person_id FROM person_years WHERE year IN (2022, 2023)").fetchall()}
        deaths = [r[0] for r in con.execute("SELECT person_id FROM deaths").fetchall()]
        care = dict(con.execute("SELECT main_diagnosis, person_id FROM care_events").fetchall())
        mother = con.execute("SELECT DISTINCT parent1_id FROM person_years WHERE parent1_id IS "
                             "NOT NULL").fetchall()
        sexes = dict(con.execute("SELECT person_id, sex FROM persons").fetchall())
    assert population == set(expected.values())
    assert deaths == [expected[P[0]]]  # written as 12 digits without a separator
    assert care == {"I214": expected[P[0]], "I639": expected[P[2]],  # written as 10 digits
                    "S720": expected[P[OLDEST]]}                      # '+': born 1921, not 2021
    assert mother == [(expected[P[MOTHER]],)]
    assert [sexes[expected[p]] for p in P] == ["male" if m else "female" for m in MALE]


def test_lopnr_from_one_delivery_link_to_each_other(loaded):
    _, db, key, _ = loaded
    with duckdb.connect(str(db), read_only=True) as con:
        population = {r[0] for r in con.execute(
            "SELECT person_id FROM person_years WHERE year = 2021").fetchall()}
        measured = {r[0] for r in con.execute("SELECT person_id FROM person_measures")
                    .fetchall()}
    assert population == {_lopnr_pseudonym(key, n) for n in LOPNR[:2]}
    assert measured == {_lopnr_pseudonym(key, LOPNR[0]), _lopnr_pseudonym(key, LOPNR[2])}
    assert population & measured == {_lopnr_pseudonym(key, LOPNR[0])}
    # a LopNr is not a personnummer: the two never share a pseudonym
    assert not population & {_pseudonym(key, p) for p in P}


def test_a_different_key_is_refused(loaded, tmp_path):
    _, db, _, files = loaded
    work = tmp_path / "jamlik.duckdb"
    shutil.copy(db, work)
    other = tmp_path / "other.key"
    PseudonymKey.create(other)
    before = fingerprint(work)
    result = run_cli("load", "population", files["population"], "--db", work,
                     "--key-file", other)
    assert result.code == 2
    assert len(result.error_lines) == 1, result.text
    assert "the key this warehouse was loaded with" in result.error_lines[0]
    assert fingerprint(work) == before
    refused = run_cli("init", "--region", "05", "--db", work, "--key-file", other)
    assert refused.code == 2 and "the key this warehouse was loaded with" in refused.text
    assert fingerprint(work) == before
