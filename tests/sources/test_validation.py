"""Pre-load validation: every rule, row numbers as the analyst sees them, sv/en messages,
and the raise/accept behaviour.

The expected issues are worked by hand from the input rows below (each row is built to break
exactly the rules listed next to it); area codes are checked against SCB's register of län and
kommun codes (shipped boundary files, see conftest.areas): 0580 Linköping exists, 0599 does not.
"""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jamlik.model.errors import DataError, InputError, SchemaError
from jamlik.sources import (
    FileMapping,
    ValidationReport,
    map_table,
    read_file,
    validate,
    validate_mapped,
)
from jamlik.sources.mapping import TIDY_SCHEMA

from .test_files import DIRTY_LATIN1


def tidy(rows):
    columns = {name: [r.get(name) for r in rows] for name in TIDY_SCHEMA.names}
    return pa.table(columns, schema=TIDY_SCHEMA)


def row(n, **kw):
    base = {
        "indicator_id": "x",
        "area_code": "0580",
        "period": "2023",
        "sex": "total",
        "value": 50.0,
        "numerator": None,
        "denominator": None,
        "unit": "%",
        "source_row": n,
    }
    return base | kw


CASES = [
    (row(2), set()),
    (row(3, area_code="0599"), {"area.unknown"}),
    (row(4, area_code="580"), {"area.malformed"}),
    (row(5, area_code="0581", sex="female", period="2023M13"), {"period.malformed"}),
    (row(6, area_code="0581", sex="male", period="2030"), {"period.unexpected"}),
    (row(7), {"key.duplicate"}),  # same key as row 2
    (row(8, sex="female", numerator=-1.0, denominator=10.0), {"count.negative"}),
    (row(9, sex="male", numerator=12.0, denominator=10.0), {"ratio.numerator_above_denominator"}),
    (row(10, area_code="05", value=100.5), {"share.above_100"}),
    (row(11, area_code="0581", unit="per 1000"), {"unit.mismatch"}),
    (row(12, area_code="0509", value=None), {"value.missing"}),
]


@pytest.fixture
def report(areas) -> ValidationReport:
    table = tidy([r for r, _ in CASES])
    return validate(
        table, source="halsa.csv", areas=areas, expected_periods=(2019, 2023), declared_unit="%"
    )


def test_each_row_breaks_exactly_its_rules(report):
    for r, expected in CASES:
        got = {i.rule for i in report.issues if i.row == r["source_row"]}
        assert got == expected, r["source_row"]


def test_severities_and_order(report):
    assert {i.rule for i in report.warnings} == {"period.unexpected", "value.missing"}
    assert not report.ok and not report.passes(accept_warnings=True)
    severities = [i.severity for i in report.issues]
    assert severities == sorted(severities, key=lambda s: s != "error")  # errors first


def test_issue_names_source_row_column_value_and_rule(report):
    duplicate = next(i for i in report.issues if i.rule == "key.duplicate")
    assert (duplicate.source, duplicate.row, duplicate.column, duplicate.value) == (
        "halsa.csv",
        7,
        "area_code",
        "0580",
    )
    assert duplicate.message("sv") == "dubblett: samma indikator, område, period och kön som rad 2"
    assert duplicate.message("en") == "duplicate: same indicator, area, period and sex as row 2"
    ratio = next(i for i in report.issues if i.rule == "ratio.numerator_above_denominator")
    assert ratio.render("en") == (
        "halsa.csv, row 9, column 'numerator', value 12: error [ratio.numerator_above_denominator] "
        "the numerator (12) is larger than the denominator (10)"
    )
    assert ratio.render("sv").startswith("halsa.csv, rad 9, kolumn 'numerator', värde 12: fel [")
    unit = next(i for i in report.issues if i.rule == "unit.mismatch")
    assert unit.message("en") == "the unit differs from the indicator's unit '%'"
    period = next(i for i in report.issues if i.rule == "period.unexpected")
    assert period.message("sv") == "oväntad period: förväntade 2019–2023"


def test_render_and_table(report):
    text = report.render("en", limit=3)
    assert text.splitlines()[0] == "halsa.csv: 8 errors and 2 warnings"
    assert text.splitlines()[-1] == "- and 7 more problems"
    assert report.render("sv").splitlines()[0] == "halsa.csv: 8 fel och 2 varningar"
    table = report.to_table("en")
    assert table.num_rows == 10 and table.column("row").to_pylist()[0] == 3


def test_raise_for_errors_names_the_first_issue(report):
    with pytest.raises(DataError) as info:
        report.raise_for_errors()
    error = info.value
    assert (error.file, error.row, error.column, error.value) == (
        "halsa.csv",
        3,
        "area_code",
        "0599",
    )
    assert "unknown area code" in str(error) and "and 3 more problems" in str(error)


def test_warnings_block_until_accepted(areas):
    table = tidy([row(2), row(3, area_code="0581", period="2030")])
    report = validate(table, source="t", areas=areas, expected_periods=["2023"])
    assert report.ok and not report.passes()
    with pytest.raises(DataError, match="accept_warnings=True"):
        report.raise_for_errors()
    report.raise_for_errors(accept_warnings=True)  # no exception
    assert report.passes(accept_warnings=True)


def test_clean_table_passes(areas):
    report = validate(
        tidy([row(2), row(3, sex="female")]), source="t", areas=areas, declared_unit="%"
    )
    assert report.issues == () and report.passes()
    assert report.render("en") == "t: no problems found"
    report.raise_for_errors()


def test_severity_overrides_and_bad_override(areas):
    table = tidy([row(2, value=120.0)])
    report = validate(table, source="t", areas=areas, severity={"share.above_100": "warning"})
    assert [i.severity for i in report.issues] == ["warning"]
    with pytest.raises(InputError, match="severity"):
        validate(table, source="t", severity={"no.such.rule": "error"})
    with pytest.raises(SchemaError, match="lacks the tidy column"):
        validate(pa.table({"x": [1]}), source="t")


def test_count_units_and_negative_shares(areas):
    report = validate(
        tidy([row(2, value=-3.0, unit="antal"), row(3, sex="male", value=-1.0)]), source="t"
    )
    assert [(i.rule, i.row) for i in report.issues] == [
        ("count.negative", 2),
        ("share.above_100", 3),
    ]


def test_whole_pipeline_on_the_dirty_file(tmp_path, areas):
    path = tmp_path / "halsa.csv"
    path.write_bytes(DIRTY_LATIN1)
    mapping = FileMapping(
        indicator_id="self_rated_health_good",
        area="Område",
        period="År",
        sex="Kön",
        value="Andel (%)",
        numerator="Antal",
        denominator="Befolkning",
        unit="%",
    )
    mapped = map_table(read_file(path, skip_rows=1), mapping, areas)
    report = validate_mapped(mapped, areas, expected_periods=(2023, 2023), declared_unit="%")
    # Line 6 ("Ödeshög; landsbygd") could not be resolved — reported once, not again as malformed.
    assert [(i.rule, i.row) for i in report.issues] == [("area.unresolved", 6)]
    with pytest.raises(
        DataError, match=r"halsa\.csv, row 6, column 'Område': value 'Ödeshög; landsbygd'"
    ):
        report.raise_for_errors()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["0580", "0581", "05"]), min_size=1, max_size=12))
def test_duplicates_are_every_repeat_of_a_key(codes):
    # Property: the number of key.duplicate issues is n - number of distinct keys, and each names
    # the first row with that key.
    table = tidy([row(i + 2, area_code=c) for i, c in enumerate(codes)])
    report = validate(table, source="t")
    duplicates = [i for i in report.issues if i.rule == "key.duplicate"]
    assert len(duplicates) == len(codes) - len(set(codes))
    for issue in duplicates:
        assert issue.params["first"] == codes.index(issue.value) + 2


def test_issue_lists_are_capped_per_rule_but_still_block(areas):
    table = tidy([row(i + 2, area_code="0599", period=str(1900 + i)) for i in range(5)])
    report = validate(table, source="t", areas=areas, max_per_rule=2)
    assert [(i.rule, i.row) for i in report.issues] == [("area.unknown", 2), ("area.unknown", 3)]
    assert report.omitted == {"area.unknown": 3}
    assert not report.ok
    assert report.render("en").splitlines()[0] == "t: 5 errors and 0 warnings"
    assert report.render("en").splitlines()[-1] == "- and 3 more problems"
