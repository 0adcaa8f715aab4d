"""Register readers: formats, encodings, decimal commas, dates, codes, issues, no raw identity numbers.

Identity numbers are Skatteverket's published examples (19121212-1212, 640823-3234 from SKV 704,
701063-2391 from SKV 707); everything else is hand-made. Expected values are read off the input
rows by hand (e.g. SAS day 19 783 = 2014-03-01, since 1960-01-01 + 19 783 days).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import polars as pl
import pyreadstat
import pytest

from jamlik.cohort import (
    PopulationRegisterMapping,
    PseudonymKey,
    QualityRegisterMapping,
    read_cause_of_death_register,
    read_patient_register,
    read_population_register,
    read_quality_register,
)
from jamlik.model.errors import DataError, InputError, SchemaError

KEY = PseudonymKey(b"test-key-0123456789-0123456789-0123456789")
RAW = ("191212121212", "19121212-1212", "196408233234", "640823-3234", "197010632391", "701063-2391",
       "1212121212", "6408233234")


def _no_raw_ids(*frames):
    for f in frames:
        df = f if isinstance(f, pl.DataFrame) else pl.from_arrow(f)
        text = str(df.rows())
        for raw in RAW:
            assert raw not in text


QUALITY_CSV = (
    "personnummer;INDATUM;ALDER;KON;SJUKHUS;PCI;REPERFUSION;STATIN_UT\n"
    "19121212-1212;2015-03-01;70,5;1;Linköping;Ja;1;1\n"
    "19121212-1213;20150301;70;2;Norrköping;0;0;9\n"
    "701063-2391;;60;K;Motala;1;1;x\n"
    "640823-3234;19783;81;2;Västervik;Nej;0;0\n"
)


def test_quality_csv_cp1252_decimal_comma(tmp_path):
    f = tmp_path / "kvalitet.csv"
    f.write_bytes(QUALITY_CSV.encode("cp1252"))
    table, issues = read_quality_register(f, KEY, reference_year=2024)
    df = pl.from_arrow(table)
    assert issues.rows_read == 4 and issues.rows_kept == 2 and issues.rows_rejected == 2
    assert df["hospital"].to_list() == ["Linköping", "Västervik"]
    assert df["age"].to_list() == [70.5, 81.0]
    assert df["index_date"].to_list() == [dt.date(2015, 3, 1), dt.date(2014, 3, 1)]
    assert df["pci"].to_list() == [1, 0] and df["sex"].to_list() == [1, 2]
    rows = issues.table.select("row", "column", "action").rows()
    assert (2, "personnummer", "rejected") in rows
    assert (3, "INDATUM", "rejected") in rows
    assert (3, "STATIN_UT", "set_missing") in rows
    assert issues.table.filter(row=2)["value"][0] == "19121212-****"
    _no_raw_ids(table, issues.table)


def test_age_from_identity_number_when_no_age_column(tmp_path):
    f = tmp_path / "q.csv"
    f.write_text("personnummer,INDATUM,KON\n19121212-1212,2012-12-12,1\n19121212-1212,2012-12-11,1\n")
    df = pl.from_arrow(read_quality_register(f, KEY, QualityRegisterMapping(age=None))[0])
    assert df["age"].to_list() == [100.0, 99.0]


def test_missing_column_and_broken_file_are_clear(tmp_path):
    f = tmp_path / "q.csv"
    f.write_text("personnummer;DATUM\n19121212-1212;2015-01-01\n")
    with pytest.raises(SchemaError, match="index_date") as err:
        read_quality_register(f, KEY)
    assert "q.csv" in str(err.value) and "INDATUM" in str(err.value)
    g = tmp_path / "broken.csv"
    g.write_text('personnummer;INDATUM;KON\n19121212-1212;2015-01-01;1;extra;fields\n"unclosed\n')
    with pytest.raises(DataError, match=r"broken\.csv"):
        read_quality_register(g, KEY)
    h = tmp_path / "bad.parquet"
    h.write_bytes(b"PAR1 not really")
    with pytest.raises(DataError, match=r"bad\.parquet"):
        read_quality_register(h, KEY)
    with pytest.raises(InputError, match="key"):
        read_quality_register(f, b"k" * 40)


def _population_frame():
    return pd.DataFrame({
        "personnummer": ["191212121212", "196408233234", "197010632391", "191212121213"],
        "AR": [2014, 2014, 2014, 2014],
        "Sun2000niva_old": ["2", "6", "*", "4"],
        "DispInkKE04": ["1234,5", "2 500", "", "10"],
        "Kon": ["1", "2", "1", "2"],
    })


@pytest.mark.parametrize("fmt", ["csv", "parquet", "sav", "dta", "xpt"])
def test_population_register_all_formats(tmp_path, fmt):
    frame = _population_frame()
    f = tmp_path / f"lisa.{fmt}"
    if fmt == "csv":
        frame.to_csv(f, sep=";", index=False, encoding="utf-8-sig")
    elif fmt == "parquet":
        frame.to_parquet(f)
    elif fmt == "sav":
        pyreadstat.write_sav(frame, str(f))
    elif fmt == "dta":
        pyreadstat.write_dta(frame, str(f))
    else:
        pyreadstat.write_xport(frame.rename(columns={"personnummer": "PNR", "Sun2000niva_old": "SUN", "DispInkKE04": "INK"}), str(f))
    mapping = (PopulationRegisterMapping(person_id="PNR", education="SUN", income="INK") if fmt == "xpt"
               else PopulationRegisterMapping())
    table, issues = read_population_register(f, KEY, mapping)
    df = pl.from_arrow(table)
    assert issues.rows_read == 4 and issues.rows_kept == 3
    assert df["education_level"].to_list() == [2, 6, None]
    assert df["education"].to_list() == ["compulsory", "post_secondary", None]
    assert df["income"].to_list() == [1234.5, 2500.0, None]
    assert df["year"].to_list() == [2014, 2014, 2014]
    _no_raw_ids(table, issues.table)


def test_cause_of_death_partial_dates_duplicates_and_icd(tmp_path):
    f = tmp_path / "dors.csv"
    f.write_text(
        "personnummer,DODSDAT,ULORSAK,MORSAK1,MORSAK2\n"
        "191212121212,20160300,i21.9,I50.9,\n"
        "196408233234,20170000,C349,,\n"
        "196408233234,20180101,I219,,\n"
        "197010632391,2019-02-30,I64,,\n"
        "191212121213,20190101,I64,,\n"
    )
    table, issues = read_cause_of_death_register(f, KEY)
    df = pl.from_arrow(table)
    assert issues.rows_read == 5 and issues.rows_kept == 2
    assert df["death_date"].to_list() == [dt.date(2016, 3, 15), dt.date(2017, 7, 1)]
    assert df["underlying_cause"].to_list() == ["I219", "C349"]
    assert df["contributing_causes"].to_list() == [["I509"], []]
    actions = issues.table.group_by("action").len().sort("action").rows()
    assert actions == [("imputed", 2), ("rejected", 3)]
    _no_raw_ids(table, issues.table)


def test_patient_register_codes_and_list_column(tmp_path):
    f = tmp_path / "par.csv"
    f.write_text(
        "personnummer;INDATUM;UTDATUM;HDIA;DIA1;DIA2;DIAGNOS;SJUKHUS\n"
        "191212121212;20150301;20150310;I21.4;E11.9;I10;I214 E119 I10;11001\n"
        "191212121212;20160101;;I63.9;;;I639;11001\n"
        "196408233234;20160101;20160105;123;I50;;123 I50;11002\n"
    )
    table, issues = read_patient_register(f, KEY)
    df = pl.from_arrow(table)
    assert issues.rows_kept == 3
    assert df["main_diagnosis"].to_list() == ["I214", "I639", None]
    assert df["secondary_diagnoses"].to_list() == [["E119", "I10", "I214"], ["I639"], ["I50"]]
    assert df["discharge_date"].to_list()[1] is None
    assert set(issues.table["action"]) == {"set_missing"}


def test_parser_errors_do_not_leak_identity_numbers(tmp_path):
    g = tmp_path / "ragged.csv"
    g.write_text("personnummer,INDATUM,KON\n191212121212,2015-01-01,1,EXTRA\n196408233234,2015-01-01\n")
    with pytest.raises(DataError) as err:
        read_quality_register(g, KEY)
    for raw in RAW:
        assert raw not in str(err.value)
