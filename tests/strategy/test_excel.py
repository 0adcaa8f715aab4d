"""Excel import/export: round trip and errors that name sheet, row and column."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from jamlik.strategy import (
    BUILTIN,
    DocumentError,
    load_builtin,
    read_excel,
    to_document,
    write_excel,
)


def _edit(data: bytes, sheet: str, cell: str, value) -> bytes:
    wb = load_workbook(BytesIO(data))
    wb[sheet][cell] = value
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("name", BUILTIN)
def test_round_trip(name, tmp_path):
    obj = load_builtin(name)
    path = tmp_path / f"{name}.xlsx"
    write_excel(obj, path)
    again = read_excel(path)
    assert again == obj
    assert to_document(again) == to_document(obj)


def test_one_sheet_per_level():
    wb = load_workbook(BytesIO(write_excel(load_builtin("samverkansplan_exempel"))))
    assert wb.sheetnames == ["plan", "needs", "changes", "activities", "outputs", "results",
                             "result_indicators", "README"]
    wb = load_workbook(BytesIO(write_excel(load_builtin("strategi_for_halsa"))))
    assert wb.sheetnames == ["strategy", "areas", "goals", "indicators", "README"]
    assert wb["goals"].max_row == 23  # header + 22 goals


def test_bad_stage_cell_names_sheet_row_column():
    data = write_excel(load_builtin("samverkansplan_exempel"))
    wb = load_workbook(BytesIO(data))
    header = [c.value for c in wb["activities"][1]]
    col = header.index("stage") + 1
    letter = wb["activities"].cell(1, col).column_letter
    bad = _edit(data, "activities", f"{letter}4", "fem")
    with pytest.raises(DocumentError) as info:
        read_excel(bad, name="plan.xlsx")
    err = info.value
    assert (err.file, err.sheet, err.row, err.column, err.value) == (
        "plan.xlsx", "activities", 4, "stage", "fem")
    assert str(err) == ("plan.xlsx, sheet 'activities', row 4, column 'stage': value 'fem' — "
                        "must be a whole number")
    with pytest.raises(DocumentError) as info:
        read_excel(_edit(data, "activities", f"{letter}3", 7), name="plan.xlsx")
    assert (info.value.row, info.value.column, info.value.value) == (3, "stage", 7)


def test_bad_goal_cells():
    data = write_excel(load_builtin("strategi_for_halsa"))
    wb = load_workbook(BytesIO(data))
    header = [c.value for c in wb["goals"][1]]
    letter = wb["goals"].cell(1, header.index("target_year") + 1).column_letter
    with pytest.raises(DocumentError) as info:
        read_excel(_edit(data, "goals", f"{letter}5", "snart"), name="s.xlsx")
    assert (info.value.sheet, info.value.row, info.value.column) == ("goals", 5, "target_year")
    # a goal pointing at an unknown target area
    with pytest.raises(DocumentError) as info:
        read_excel(_edit(data, "goals", "A6", "okänt_område"), name="s.xlsx")
    assert (info.value.sheet, info.value.row, info.value.column) == ("goals", 6, "area")
    # an unknown indicator id in the indicators sheet
    with pytest.raises(DocumentError) as info:
        read_excel(_edit(data, "indicators", "B2", "smoking_babies"), name="s.xlsx")
    assert (info.value.sheet, info.value.row, info.value.column, info.value.value) == (
        "indicators", 2, "indicator", "smoking_babies")
    # a misspelt column header
    with pytest.raises(DocumentError) as info:
        read_excel(_edit(data, "goals", "E1", "riktning"), name="s.xlsx")
    assert (info.value.sheet, info.value.row, info.value.column) == ("goals", 1, "E")


def test_missing_sheet_and_not_a_workbook():
    wb = load_workbook(BytesIO(write_excel(load_builtin("strategi_for_halsa"))))
    del wb["goals"]
    out = BytesIO()
    wb.save(out)
    with pytest.raises(DocumentError, match="no sheet 'goals'"):
        read_excel(out.getvalue(), name="s.xlsx")
    with pytest.raises(DocumentError, match="cannot be read as an Excel workbook"):
        read_excel(b"id,kind\n", name="s.csv")


def test_huge_number_in_a_workbook_names_sheet_row_and_column():
    data = write_excel(load_builtin("strategi_for_halsa"))
    wb = load_workbook(BytesIO(data))
    goals = wb["goals"]
    header = [c.value for c in goals[1]]
    goals.cell(row=3, column=header.index("target_change") + 1, value=-1e300)
    buffer = BytesIO()
    wb.save(buffer)
    with pytest.raises(DocumentError) as info:
        read_excel(buffer.getvalue(), name="sfh.xlsx")
    err = info.value
    assert (err.file, err.sheet, err.row, err.column) == ("sfh.xlsx", "goals", 3, "target_change")
    assert err.value == -1e300 and "magnitude at most" in err.rule
