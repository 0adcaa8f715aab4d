"""Reading a CSV file for a warehouse table (:func:`jamlik.store.read_csv_for_table`): every
column as text, the line numbers a user sees, the file's hash, and errors naming the line."""

from __future__ import annotations

import hashlib

import pytest

from jamlik.model import DataError
from jamlik.store import read_csv_for_table

SEMICOLONS = "code;name;count\n0580;Linköping;0012\n0581;Norrköping;\n"


def test_columns_are_text_and_line_numbers_count_the_header(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text(SEMICOLONS, encoding="utf-8")
    rows = read_csv_for_table(path)
    assert rows.table.column_names == ["code", "name", "count"]
    assert rows.table.to_pydict() == {"code": ["0580", "0581"],
                                      "name": ["Linköping", "Norrköping"],
                                      "count": ["0012", None]}   # leading zeros kept, empty: null
    assert rows.line_numbers.tolist() == [2, 3]
    assert rows.source == str(path)
    assert rows.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("delimiter", [",", "\t", "|"])
def test_the_delimiter_is_the_commonest_in_the_header(tmp_path, delimiter):
    path = tmp_path / "areas.csv"
    path.write_text(SEMICOLONS.replace(";", delimiter), encoding="utf-8")
    assert read_csv_for_table(path).table.column_names == ["code", "name", "count"]


def test_a_given_delimiter_and_encoding_win(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_bytes("code,name\r\n0580,Linköping;Östergötland\r\n".encode("cp1252"))
    rows = read_csv_for_table(path, delimiter=",", encoding="cp1252")
    assert rows.table.column("name").to_pylist() == ["Linköping;Östergötland"]


def test_header_names_are_stripped(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text(" code ; name \n0580;Linköping\n", encoding="utf-8")
    assert read_csv_for_table(path).table.column_names == ["code", "name"]


def test_a_ragged_file_is_a_data_error_naming_the_file(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("code;name\n0580;Linköping\n0581;Norrköping;extra\n", encoding="utf-8")
    with pytest.raises(DataError, match="cannot be read as CSV") as caught:
        read_csv_for_table(path)
    assert caught.value.file == str(path)
    assert "0581;Norrköping;extra" in str(caught.value)   # the offending line, quoted
