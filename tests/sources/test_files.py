"""File readers: CSV/TSV (encoding, delimiter, decimal comma, missing marks), Excel, Parquet,
SAS transport, SPSS, Stata.

References (exact, hand-checked):
- ISO/IEC 8859-1 and Microsoft's Windows-1252 code page: å = 0xE5, ä = 0xE4, ö = 0xF6,
  Ö = 0xD6, no-break space = 0xA0 in both; en dash "–" = 0x96 in Windows-1252 only; 0x81 is
  undefined in Windows-1252. UTF-8 BOM = EF BB BF; UTF-16 LE BOM = FF FE (Unicode §23.8).
- Swedish number style (Språkrådet, Svenska skrivregler §12): decimal comma, space as the
  thousands separator ("1 234,5"); SCB's symbols ".." (uppgift saknas) and "–"/"-" (noll/ej tillämpligt).
- pyreadstat writes .xpt (SAS transport v5/v8), .sav and .dta but cannot write .sas7bdat
  (pyreadstat documentation, "Writing files"); .sas7bdat reading is therefore only tested for a
  clear error on a corrupt file.
"""

from __future__ import annotations

import math

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import pytest

from jamlik.model.errors import DataError, InputError
from jamlik.sources import detect_encoding, parse_numbers, read_file, sniff_delimiter

DIRTY_LATIN1 = (
    "Tabell 1. Självskattat hälsotillstånd; Östergötland 2023\r\n"  # title line above the header
    "Område;År;Kön;Andel (%);Antal;Befolkning\r\n"
    "Linköpings kommun;2023;Kvinnor;72,4;57\xa0820;79\xa0868\r\n"
    "\r\n"
    "Norrköping ;2023;Män;68,9;..;71 745\r\n"
    '"Ödeshög; landsbygd";2023;Totalt;-;1 234;5 337\r\n'
    "Region Östergötland;2023;T;70,15;..;465 495\r\n"
    "Källa: Liv och hälsa 2023\r\n"  # footnote: text in the first column only
).encode("latin-1")


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_dirty_latin1_semicolon_csv(tmp_path):
    path = write(tmp_path, "halsa.csv", DIRTY_LATIN1)
    read = read_file(path, skip_rows=1)
    assert read.encoding in {"cp1252", "latin-1"}  # identical for bytes 0xA0–0xFF
    assert read.delimiter == ";"
    assert read.table.column_names == ["Område", "År", "Kön", "Andel (%)", "Antal", "Befolkning"]
    assert read.table.column("Område").to_pylist() == [
        "Linköpings kommun",
        "Norrköping",
        "Ödeshög; landsbygd",
        "Region Östergötland",
    ]
    # Line numbers as an editor shows them: title 1, header 2, data 3, blank 4, then 5, 6, 7.
    assert read.rows.to_pylist() == [3, 5, 6, 7]
    share, bad = parse_numbers(read.table.column("Andel (%)"))
    assert not bad.any()
    assert share[[0, 1, 3]].tolist() == [72.4, 68.9, 70.15] and math.isnan(share[2])
    counts, _ = parse_numbers(read.table.column("Antal"))
    assert counts[0] == 57_820 and math.isnan(counts[1]) and counts[2] == 1_234
    population, _ = parse_numbers(read.table.column("Befolkning"))
    assert population.tolist() == [79_868, 71_745, 5_337, 465_495]
    assert read.provenance.source == "file" and read.provenance.rows == 4
    assert read.provenance.table_id == "halsa.csv" and len(read.provenance.content_hash) == 64


def test_windows_1252_en_dash_and_undefined_bytes():
    assert detect_encoding("a;–\n".encode("cp1252")) == "cp1252"  # 0x96
    assert detect_encoding(b"a;\x81\xf6\n") == "latin-1"  # 0x81 undefined in Windows-1252
    assert detect_encoding("Östergötland".encode()) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbfx") == "utf-8-sig"
    assert detect_encoding("x".encode("utf-16")) == "utf-16"


def test_en_dash_missing_in_cp1252_file(tmp_path):
    path = write(tmp_path, "a.csv", "kod;värde\n0580;–\n0581;3,5\n".encode("cp1252"))
    read = read_file(path)
    assert read.table.column("kod").to_pylist() == ["0580", "0581"]  # leading zero kept
    values, bad = parse_numbers(read.table.column("värde"))
    assert math.isnan(values[0]) and values[1] == 3.5 and not bad.any()


def test_utf8_bom_comma_csv_with_quoted_commas(tmp_path):
    text = '\ufeffkommun,namn,värde\n0580,"Linköping, centrum",1.5\n0581,Norrköping,2\n'
    read = read_file(write(tmp_path, "b.csv", text.encode("utf-8")))
    assert read.encoding == "utf-8-sig" and read.delimiter == ","
    assert read.table.column_names == ["kommun", "namn", "värde"]
    assert read.table.column("namn").to_pylist() == ["Linköping, centrum", "Norrköping"]


def test_utf16_tab_separated_from_excel(tmp_path):
    text = "kod\tvärde\r\n0580\t1 234,5\r\n"
    read = read_file(write(tmp_path, "c.txt", text.encode("utf-16")))
    assert read.encoding == "utf-16" and read.delimiter == "\t"
    assert parse_numbers(read.table.column("värde"))[0].tolist() == [1234.5]


def test_pipe_delimited(tmp_path):
    read = read_file(write(tmp_path, "d.csv", b"a|b\n1|2\n3|4\n"))
    assert read.delimiter == "|" and read.table.column("b").to_pylist() == ["2", "4"]


def test_sniffing_prefers_consistent_delimiter_over_decimal_commas():
    lines = ["kod;andel", "0580;1,5", "0581;2,25", "0582;3"]
    assert sniff_delimiter(lines) == ";"
    assert sniff_delimiter(["a,b", "1,2"]) == ","
    assert sniff_delimiter(["only"]) == ","


def test_ragged_row_names_line_and_content(tmp_path):
    path = write(tmp_path, "e.csv", b"a;b;c\n1;2;3\n4;5;6;7\n")
    with pytest.raises(DataError, match=r"e\.csv, row 3: value '4;5;6;7' — expected 3 fields"):
        read_file(path)


def test_duplicate_header_and_empty_file(tmp_path):
    with pytest.raises(DataError, match="unique"):
        read_file(write(tmp_path, "f.csv", b"a;a\n1;2\n"))
    with pytest.raises(InputError, match="header line"):
        read_file(write(tmp_path, "g.csv", b"\n\n"))


def test_parse_numbers_marks_bad_cells():
    numbers, bad = parse_numbers(["1 234,5", "\u2212 2", "x", "12 %", None, "..", "3,0"])
    assert numbers[0] == 1234.5 and numbers[1] == -2 and numbers[6] == 3.0
    assert bad.tolist() == [
        False,
        False,
        False,
        True,
        False,
        False,
        False,
    ]  # "x" is SCB's suppressed mark
    point, _ = parse_numbers(["1.5", "2"])
    assert point.tolist() == [1.5, 2.0]
    with pytest.raises(InputError, match="decimal"):
        parse_numbers(["1"], decimal=";")


def test_excel_sheet_choice_title_rows_and_row_numbers(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Info"
    book.active["A1"] = "Läs mig"
    sheet = book.create_sheet("Data")
    sheet.append(["Källa: Region Östergötland"])
    sheet.append([])
    sheet.append(["kommun", "år", "kön", "värde", "namn"])
    sheet.append([580, 2023, "K", 12.5, "Linköping"])
    sheet.append([None, None, None, None, None])
    sheet.append([581, 2023, "M", 10, "Norrköping"])
    path = tmp_path / "h.xlsx"
    book.save(path)
    read = read_file(path, sheet="Data", skip_rows=1)
    assert read.table.column_names == ["kommun", "år", "kön", "värde", "namn"]
    assert read.table.column("kommun").type == pa.int64()
    assert read.table.column("värde").to_pylist() == [12.5, 10.0]
    assert read.rows.to_pylist() == [4, 6]  # Excel's own row numbers
    assert read_file(path, sheet=1, skip_rows=1).table.num_rows == 2
    with pytest.raises(InputError, match=r"one of the sheets \['Info', 'Data'\]"):
        read_file(path, sheet="Blad1")


def test_parquet(tmp_path):
    path = tmp_path / "i.parquet"
    pq.write_table(pa.table({"kod": ["0580"], "v": [1.0]}), path)
    read = read_file(path)
    assert read.format == "parquet" and read.table.column("kod").to_pylist() == ["0580"]
    assert read.rows.to_pylist() == [1]


FRAME = pd.DataFrame({"kod": ["0580", "0581"], "ar": [2023.0, 2023.0], "varde": [12.5, np.nan]})


@pytest.mark.parametrize(
    ("suffix", "writer"),
    [
        (".xpt", pyreadstat.write_xport),
        (".sav", pyreadstat.write_sav),
        (".dta", pyreadstat.write_dta),
    ],
)
def test_statistics_package_formats(tmp_path, suffix, writer):
    path = tmp_path / f"j{suffix}"
    writer(FRAME, str(path))
    read = read_file(path)
    assert read.table.column("kod").to_pylist() == ["0580", "0581"]
    assert read.table.column("ar").to_pylist() == [2023.0, 2023.0]
    values = read.table.column("varde").to_pylist()
    assert values[0] == 12.5 and (values[1] is None or math.isnan(values[1]))
    assert read.rows.to_pylist() == [1, 2]


def test_corrupt_sas7bdat_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match=r"k\.sas7bdat: cannot read the file as sas7bdat"):
        read_file(write(tmp_path, "k.sas7bdat", b"not a sas file" * 10))


def test_unknown_format_and_missing_file(tmp_path):
    with pytest.raises(InputError, match="format"):
        read_file(write(tmp_path, "l.json", b"{}"))
    with pytest.raises(InputError, match="an existing file"):
        read_file(tmp_path / "missing.csv")
