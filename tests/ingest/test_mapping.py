"""jamlik.ingest.mapping: the mapping file as the documentation writes it."""

from __future__ import annotations

import pytest

from jamlik.ingest import LoadMapping
from jamlik.model.errors import DataError


def test_bare_yes_and_no_keys_of_a_question_are_read_as_written(tmp_path):
    """docs/data-layouts.md writes ``yes:`` and ``no:`` unquoted; YAML 1.1 reads them as the
    booleans true and false, and the question must still have its answers."""
    path = tmp_path / "survey.yaml"
    path.write_text("kind: survey\nquestions:\n  - id: good_health\n    column: F12\n"
                    "    label: {sv: Bra hälsa, en: Good health}\n"
                    '    yes: ["1", "2"]\n    no: ["3", "4", "5"]\n', encoding="utf-8")
    q = LoadMapping.from_yaml(path, kind="survey").questions[0]
    assert (q.yes, q.no) == (("1", "2"), ("3", "4", "5"))


def test_a_question_without_yes_answers_is_refused():
    with pytest.raises(DataError, match="required key is missing") as info:
        LoadMapping.from_dict({"questions": [{"id": "q", "label": {"sv": "a", "en": "b"},
                                              False: ["0"]}]}, kind="survey", source="m.yaml")
    assert info.value.column == "questions[0].yes"


@pytest.mark.parametrize(("text", "column"), [
    ("kind: population\noptions: {reference_year: .nan}\n", "options.reference_year"),
    ("kind: survey\nquestions:\n  - id: q\n    label: {sv: a, en: b}\n    yes: [1]\n"
     "    ages: [-.inf, 74]\n", "questions[0].ages[0]"),
])
def test_non_finite_numbers_in_a_mapping_file_are_refused(tmp_path, text, column):
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        LoadMapping.from_yaml(path)
    assert (info.value.file, info.value.column) == ("m.yaml", column)
    assert "finite number" in info.value.rule


def test_a_cp1252_mapping_file_is_read(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_bytes("kind: population\nconstants: {region: Östergötland}\n".encode("cp1252"))
    assert LoadMapping.from_yaml(path).constants["region"] == "Östergötland"
