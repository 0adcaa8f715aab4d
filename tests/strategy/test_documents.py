"""Validation of strategy and plan documents: every error names file, key path, value, rule."""

from __future__ import annotations

import copy

import pytest
import yaml

from jamlik.model import DataError
from jamlik.strategy import DocumentError, dump_yaml, load_builtin, parse_document, to_document
from jamlik.strategy.content import builtin_text
from jamlik.strategy.documents import read_yaml


@pytest.fixture(scope="module")
def sfh_doc():
    return yaml.safe_load(builtin_text("strategi_for_halsa"))


@pytest.fixture(scope="module")
def plan_doc():
    return yaml.safe_load(builtin_text("samverkansplan_exempel"))


def _error(doc, file="plan.yaml") -> DocumentError:
    with pytest.raises(DocumentError) as info:
        parse_document(doc, file)
    assert isinstance(info.value, DataError)  # part of jamlik's hierarchy
    return info.value


def test_bad_value_is_located_by_key_path(sfh_doc):
    doc = copy.deepcopy(sfh_doc)
    doc["areas"][1]["goals"][3]["target"]["value"] = "många"
    err = _error(doc, "sfh.yaml")
    assert err.key == "areas[1].goals[3].target.value"
    assert err.value == "många"
    assert str(err) == ("sfh.yaml, key 'areas[1].goals[3].target.value': value 'många' — "
                        "must be a number")


def test_unknown_key_is_named(sfh_doc):
    doc = copy.deepcopy(sfh_doc)
    doc["areas"][0]["goals"][1]["traget"] = {"year": 2030}
    err = _error(doc)
    assert err.key == "areas[0].goals[1].traget"
    assert "unknown key" in err.rule


def test_unknown_indicator_id(sfh_doc):
    doc = copy.deepcopy(sfh_doc)
    doc["areas"][0]["goals"][0]["indicators"][0]["id"] = "smoke_exposed_babies"
    err = _error(doc)
    assert err.key == "areas[0].goals[0].indicators[0].id"
    assert err.value == "smoke_exposed_babies"
    assert "not in the catalogue" in err.rule


@pytest.mark.parametrize(("edit", "key", "rule"), [
    (lambda g: g["target"].update(change=2), "target.change", "sign"),       # caries must fall
    (lambda g: (g.update(direction="increase"), g["target"].pop("change")), "indicators[0].id",
     "polarity"),
    (lambda g: g["target"].update(value=10), "target.change", "not both"),
    (lambda g: g["target"].update(year=2010), "target.year", "precede"),
    (lambda g: g.pop("indicators"), "no_data", "needs indicators"),
    (lambda g: g.update(gap_breakdown="shoe_size"), "gap_breakdown", "must be one of"),
    (lambda g: g.update(id="Caries"), "id", "lower-case"),
    (lambda g: g.pop("baseline"), "baseline.year", "baseline year"),
])
def test_goal_rules(sfh_doc, edit, key, rule):
    doc = copy.deepcopy(sfh_doc)
    edit(doc["areas"][0]["goals"][1])  # caries_age3: decrease, change −2
    err = _error(doc)
    assert err.key == f"areas[0].goals[1].{key}"
    assert rule in err.rule


def test_duplicate_goal_id(sfh_doc):
    doc = copy.deepcopy(sfh_doc)
    doc["areas"][2]["goals"][0]["id"] = "caries_age3"
    err = _error(doc)
    assert err.key == "areas[2].goals[0].id"
    assert "duplicate" in err.rule


@pytest.mark.parametrize("stage", [0, 5, "2", 2.5, True])
def test_stage_outside_1_to_4(plan_doc, stage):
    doc = copy.deepcopy(plan_doc)
    doc["activities"][2]["stage"] = stage
    err = _error(doc)
    assert err.key == "activities[2].stage"
    assert err.value == stage


def test_plan_references(plan_doc):
    doc = copy.deepcopy(plan_doc)
    doc["activities"][1]["changes"] = ["more_pupils_eligible", "world_peace"]
    err = _error(doc)
    assert err.key == "activities[1].changes[1]"
    assert err.value == "world_peace"
    doc = copy.deepcopy(plan_doc)
    doc["outputs"][0]["activity"] = "nothing"
    assert _error(doc).key == "outputs[0].activity"
    doc = copy.deepcopy(plan_doc)
    doc["activities"][0]["period"] = {"start": 2026, "end": 2024}
    assert _error(doc).key == "activities[0].period.end"
    doc = copy.deepcopy(plan_doc)
    doc["results"][1]["indicators"][0]["measure"] = "impact"
    assert _error(doc).key == "results[1].indicators[0].measure"


def test_kind_and_shape():
    assert _error({"kind": "manifesto"}).key == "kind"
    assert _error(["a", "list"]).key == "(document)"


def test_invalid_yaml_names_the_line():
    with pytest.raises(DocumentError) as info:
        read_yaml("id: x\nkind: [strategy\n", name="broken.yaml")
    assert info.value.file == "broken.yaml"
    assert info.value.row == 3


@pytest.mark.parametrize("name", ["strategi_for_halsa", "folkhalsostrategi_exempel",
                                  "samverkansplan_exempel"])
def test_yaml_export_round_trip(name):
    obj = load_builtin(name)
    text = dump_yaml(obj)
    again = parse_document(yaml.safe_load(text), "export.yaml")
    assert again == obj
    assert to_document(again) == to_document(obj)
    assert "Hälsa" in text or "hälsa" in text  # Swedish letters are kept, not escaped


@pytest.mark.parametrize("value", ["-.inf", ".inf", ".nan", "-1.0e+400"])
def test_non_finite_target_is_refused_at_import(tmp_path, value):
    text = builtin_text("strategi_for_halsa").replace(
        "target: {change: -2, unit: percentage_points, year: 2022}",
        f"target: {{change: {value}, unit: percentage_points, year: 2022}}")
    path = tmp_path / "sfh.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DocumentError) as info:
        read_yaml(path)
    err = info.value
    assert err.file == "sfh.yaml" and err.key == "areas[0].goals[1].target.change"
    assert err.value != err.value or err.value in (float("inf"), float("-inf"))
    assert "finite number" in err.rule and "\n" not in str(err)


@pytest.mark.parametrize(("value", "rule"), [
    (float("-inf"), "finite number"), (float("nan"), "finite number"),
    (1e300, "magnitude at most"), (-(10**30), "magnitude at most")])
def test_checker_refuses_non_finite_and_huge_numbers(sfh_doc, value, rule):
    """The check also covers documents that do not come from YAML (Excel, the web editor)."""
    doc = copy.deepcopy(sfh_doc)
    doc["areas"][0]["goals"][1]["target"]["change"] = value
    err = _error(doc, "sfh.yaml")
    assert err.key == "areas[0].goals[1].target.change" and rule in err.rule
