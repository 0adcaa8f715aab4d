"""jamlik.ingest.layouts: a file with only the required columns of a layout loads."""

from __future__ import annotations

import pytest
from _ingest_helpers import dashed, personnummer, run_cli

from jamlik.ingest import LAYOUTS

P = personnummer(["1950-03-04", "1980-07-21"], [True, False], seed=3)
#: A valid value of every column that is required (or the first of a one-of group).
VALUES = {"person_id": dashed(P[0]), "year": "2023", "deso_code": "0580C1010",
          "death_date": "20230314", "underlying_cause": "I21.9", "admission_date": "20230301",
          "main_diagnosis": "I21.9", "code": "VC0580-01", "name": "Vårdcentralen Ekholmen",
          "kommun_code": "0580", "vardcentral_code": "VC0580-01", "condition": "diabetes",
          "onset_year": "2015", "respondent_id": "1", "design_weight": "412,5", "sex": "2",
          "age": "44", "question": "good_health", "estimate": "0,72", "area_code": "SE",
          "measure": "caries_age3", "value": "1"}
#: Columns a kind needs beyond its layout's required ones, and the mapping it needs.
EXTRA = {"measures": {"measure": "caries_age3", "value": "1"},
         "aggregates": {"deaths": "107"}, "survey": {"F12": "2"}}
MAPPING = {"survey": "questions:\n  - {id: good_health, column: F12, label: {sv: Hälsa, "
                     "en: Health}, yes: ['1', '2'], no: ['3', '4', '5']}\n"}


def _required(kind: str) -> list[str]:
    layout = LAYOUTS[kind]
    names = [c.name for c in layout.columns if c.required]
    for group in layout.one_of:
        if not set(group) & set(names):
            names.append(group[0])
    return names


@pytest.mark.parametrize("kind", list(LAYOUTS))
def test_a_file_with_only_the_required_columns_loads(kind, fresh, tmp_path):
    db, key = fresh
    if kind == "listings":  # its units must be loaded first
        units = tmp_path / "units.csv"
        units.write_text("code;name;kommun_code\nVC0580-01;Vårdcentralen Ekholmen;0580\n",
                         encoding="utf-8")
        assert run_cli("load", "care-units", units, "--db", db).code == 0
    columns = {c: VALUES[c] for c in _required(kind)} | EXTRA.get(kind, {})
    path = tmp_path / f"{kind}.csv"
    path.write_text(";".join(columns) + "\n" + ";".join(columns.values()) + "\n",
                    encoding="utf-8")
    args = ["load", kind, path, "--db", db, "--key-file", key]
    if kind in MAPPING:
        (tmp_path / "m.yaml").write_text(MAPPING[kind], encoding="utf-8")
        args += ["--mapping", tmp_path / "m.yaml"]
    result = run_cli(*args)
    assert result.code == 0, result.text
    assert "1 rows read, 1 kept, 0 rejected" in result.text, result.text
