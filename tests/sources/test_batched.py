"""Large declared files are mapped batch by batch (jamlik.sources.batched, issue 13 §12–§13).

Expected values are hand-read from the small files written below and from the shipped example
``src/jamlik/data/examples/gymnasiebehorighet_2019.csv`` (Skolverket; see PROVENANCE.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import jamlik.sources.batched as batched
from jamlik.geo import AreaRegistry
from jamlik.model.errors import DataError
from jamlik.sources import FileMapping, map_table, read_file, validate_mapped
from jamlik.sources.batched import map_file
from jamlik.sources.validation import MAX_COUNT

EXAMPLE = Path(__file__).parents[2] / "src/jamlik/data/examples/gymnasiebehorighet_2019.csv"
MAPPING = FileMapping.from_dict({
    "indicator_id": "gymnasium_eligibility_all", "area": "Område-ID", "period": "År",
    "sex": "Kön", "value": "Andel behöriga (%)", "numerator": "Antal behöriga",
    "denominator": "Antal elever", "unit": "%"})
HEADER = "Område-ID;År;Kön;Andel behöriga (%);Antal behöriga;Antal elever\n"


@pytest.fixture(scope="module")
def areas() -> dict[str, str]:
    table = AreaRegistry.builtin().table
    return dict(zip(table.column("code").to_pylist(), table.column("name").to_pylist(),
                    strict=True))


def test_batches_give_the_same_tidy_table_as_reading_the_whole_file(areas):
    whole = map_table(read_file(EXAMPLE), MAPPING, areas, source="g")
    streamed = map_file(EXAMPLE, MAPPING, areas, source="g", batch_rows=7)
    assert streamed.table.to_pylist() == whole.table.to_pylist()
    assert streamed.provenance[0].content_hash == whole.provenance[0].content_hash
    assert streamed.provenance[0].rows == whole.table.num_rows


def test_a_csv_is_never_read_whole_and_is_mapped_in_bounded_batches(areas, monkeypatch):
    """The mechanism of §13: no whole-file read, and map_table sees at most batch_rows rows."""
    seen: list[int] = []
    real = batched.map_table

    def spy(data, *args, **kwargs):
        seen.append(data.table.num_rows)
        return real(data, *args, **kwargs)

    def whole_file(*args, **kwargs):
        raise AssertionError("the whole file was read into memory")

    monkeypatch.setattr(batched, "map_table", spy)
    monkeypatch.setattr(batched, "read_file", whole_file)
    monkeypatch.setattr(Path, "read_bytes", whole_file)
    monkeypatch.setattr(Path, "read_text", whole_file)
    mapped = map_file(EXAMPLE, MAPPING, areas, source="g", batch_rows=10)
    assert len(seen) > 5 and max(seen) <= 10
    assert sum(seen) == mapped.table.num_rows == 933  # data lines of the example file


def test_header_only_file_is_named(tmp_path, areas):
    path = tmp_path / "tom.csv"
    path.write_text(HEADER, encoding="utf-8")
    with pytest.raises(DataError) as info:
        map_file(path, MAPPING, areas)
    assert str(info.value) == "tom.csv, row 1: the file has a header line but no data rows"


def test_header_only_file_with_title_lines_is_named(tmp_path, areas):
    path = tmp_path / "tom.csv"
    path.write_text("Gymnasiebehörighet 2019\n" + HEADER, encoding="utf-8")
    with pytest.raises(DataError, match="header line but no data rows") as info:
        map_file(path, MAPPING, areas, skip_rows=1)
    assert info.value.file == "tom.csv"


def test_a_field_over_the_csv_module_limit_names_file_and_row(tmp_path, areas):
    path = tmp_path / "lang.csv"
    path.write_text("Titel\n" + HEADER + "0580;2019;Totalt;83,4;1474;1769\n"
                    f'0581;2019;Totalt;"{"x" * 140_000};1;2\n', encoding="utf-8")
    with pytest.raises(DataError) as info:
        map_file(path, MAPPING, areas, skip_rows=1)
    assert (info.value.file, info.value.row) == ("lang.csv", 4)
    assert "field larger than field limit" in str(info.value)


def test_long_fields_are_read_when_streaming(tmp_path, areas):
    path = tmp_path / "lang.csv"
    path.write_text(HEADER + "0580;2019;Totalt;83,4;1474;1769\n"
                    f"{'x' * 140_000};2019;Totalt;1;1;2\n", encoding="utf-8")
    mapped = map_file(path, MAPPING, areas)
    assert [(i.rule, i.row) for i in mapped.issues] == [("area.unresolved", 3)]


@pytest.mark.parametrize("batch_rows", [1, 100])
def test_mixed_decimal_marks_are_named_as_such(tmp_path, areas, batch_rows):
    path = tmp_path / "blandat.csv"
    path.write_text(HEADER + "0580;2019;Totalt;83.4;1474;1769\n0581;2019;Totalt;79,9;1;2\n",
                    encoding="utf-8")
    mapped = map_file(path, MAPPING, areas, batch_rows=batch_rows)
    (issue,) = mapped.issues
    assert (issue.rule, issue.row, issue.column, issue.value) == (
        "number.mixed_decimal", 3, "Andel behöriga (%)", "79,9")
    text = issue.message("en")
    assert "mixes '.' and ','" in text and "fine" not in text


def test_decimal_commas_alone_still_pass(tmp_path, areas):
    path = tmp_path / "komma.csv"
    path.write_text(HEADER + "0580;2019;Totalt;83,4;1474;1769\n0581;2019;Totalt;79,9;1;2\n",
                    encoding="utf-8")
    mapped = map_file(path, MAPPING, areas, batch_rows=1)
    assert not mapped.issues
    assert mapped.table.column("value").to_pylist() == [83.4, 79.9]


@pytest.mark.parametrize("count", ["1000000000000", str(MAX_COUNT + 1)])
def test_implausible_counts_are_refused(tmp_path, areas, count):
    path = tmp_path / "stort.csv"
    path.write_text(HEADER + f"0580;2019;Totalt;83,4;1474;{count}\n", encoding="utf-8")
    report = validate_mapped(map_file(path, MAPPING, areas), areas)
    (issue,) = [i for i in report.issues if i.rule == "count.implausible"]
    assert (issue.row, issue.column, issue.value) == (2, "denominator", int(count))
    assert "more than 20 000 000 persons" in issue.message("en")
    assert not report.passes(accept_warnings=True)


def test_numbers_parse_once_per_distinct_text():
    """parse_numbers on Arrow text parses each distinct text once; the result is per cell."""
    import pyarrow as pa

    from jamlik.sources import parse_numbers

    values = pa.chunked_array([["1,5", "..", None, "2,25"], ["1,5", "x y"]])
    numbers, bad = parse_numbers(values)
    assert np.array_equal(numbers, [1.5, np.nan, np.nan, 2.25, 1.5, np.nan], equal_nan=True)
    assert bad.tolist() == [False, False, False, False, False, True]
