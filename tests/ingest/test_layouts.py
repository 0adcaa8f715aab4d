"""jamlik.ingest.layouts: the declarations agree with docs/data-layouts.md, and a file with only
the required columns of a layout loads."""

from __future__ import annotations

import re

import pytest
from _ingest_helpers import ROOT, dashed, personnummer, run_cli

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


# -- the documentation ------------------------------------------------------------------------
DOC = ROOT / "docs" / "data-layouts.md"


def _sections() -> dict[str, str]:
    """Kind → the text of its section (``### `kind` — …`` up to the next heading)."""
    text = DOC.read_text(encoding="utf-8")
    return dict(re.findall(r"^### `([\w-]+)`[^\n]*\n(.*?)(?=^##|\Z)", text, re.S | re.M))


def _table(section: str) -> list[dict[str, str]]:
    """The rows of a section's first table as {header: cell} (``_names``: the backticked
    column names of the row's first cell)."""
    lines = [ln for ln in section.splitlines() if ln.startswith("|")]
    header = [c.strip() for c in lines[0].strip().strip("|").split("|")]
    rows = []
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        row = dict(zip(header, cells, strict=True))
        row["_names"] = re.findall(r"`([^`]+)`", cells[0])
        rows.append(row)
    return rows


def test_every_kind_has_a_section():
    assert sorted(_sections()) == sorted(LAYOUTS)


@pytest.mark.parametrize("kind", list(LAYOUTS))
def test_every_column_of_the_layout_is_in_its_table(kind):
    layout = LAYOUTS[kind]
    rows = _table(_sections()[kind])
    documented = [name for row in rows for name in row["_names"]]
    assert sorted(documented) == sorted(layout.names)  # each once, and nothing else
    grouped = {name for group in layout.one_of for name in group}
    for row in rows:
        required = row["required"]
        for name in row["_names"]:
            column = layout[name]
            if column.required:
                assert required.startswith("yes"), (kind, name, required)
            elif name in grouped:
                assert "one of" in required, (kind, name, required)
            else:  # a plain "yes" would be a lie; "yes (with LopNr)" and the like are fine
                assert required != "yes", (kind, name, required)


@pytest.mark.parametrize("kind", [k for k, v in LAYOUTS.items()
                                  if "register name" in _table(_sections()[k])[0]])
def test_the_register_names_in_the_table_are_the_ones_the_loader_knows(kind):
    """A file that uses a register name the documentation gives loads without a mapping."""
    layout = LAYOUTS[kind]
    for row in _table(_sections()[kind]):
        known = {n.casefold() for name in row["_names"] for n in
                 (*layout[name].register_names, *layout[name].numbered)}
        for given in re.findall(r"`([^`]+)`", row["register name"]):
            given = re.sub(r"1?…$", "", given)  # BDIA1… = the numbered columns BDIA1, BDIA2, …
            assert given.casefold() in known, (kind, row["_names"], given)
