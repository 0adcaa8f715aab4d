"""The indicator catalogue: every shipped file validates; bad files are named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from jamlik.model import DataError
from jamlik.model.catalogue import METHODS, SOURCES, load_catalogue, parse_indicator


def test_at_least_thirty_indicators_with_swedish_and_english_text():
    catalogue = load_catalogue()
    assert len(catalogue) >= 30
    for indicator in catalogue.values():
        assert indicator.title.sv and indicator.title.en, indicator.id
        assert indicator.definition.sv and indicator.definition.en, indicator.id
        assert indicator.method in METHODS
        assert indicator.denominator.source in SOURCES


def test_covers_the_issue_topics():
    ids = set(load_catalogue())
    for needed in ["smoke_exposed_infants", "caries_age3", "gymnasium_eligibility",
                   "econ_vulnerable_children", "good_health", "trust_others", "sedentary_leisure",
                   "fall_injuries_elderly", "life_expectancy_birth", "life_expectancy_65",
                   "mortality_all_cause", "mortality_ischaemic_heart", "mi_incidence",
                   "stroke_incidence", "diabetes_prevalence"]:
        assert needed in ids


GOOD = {
    "id": "x_rate", "title": {"sv": "X", "en": "X"}, "definition": {"sv": "d", "en": "d"},
    "topic": "t", "method": "dsr", "standard": "esp2013", "unit": {"sv": "u", "en": "u"},
    "polarity": "low_is_good", "numerator": {"source": "deaths"},
    "denominator": {"source": "population"}, "source": {"sv": "s", "en": "s"},
}


@pytest.mark.parametrize(("change", "column", "rule"), [
    ({"method": "median"}, "method", "must be one of"),
    ({"standard": "who2000"}, "standard", "needs 'standard:'"),
    ({"title": {"sv": "bara svenska"}}, "title", "Swedish and English"),
    ({"numerator": {"source": "tweets"}}, "numerator", "needs 'source:'"),
    ({"breakdowns": ["total", "shoe_size"]}, "breakdowns", "unknown breakdown"),
    ({"id": "Bad-Id"}, "id", "lower-case"),
])
def test_bad_indicator_files_name_file_and_key(change, column, rule):
    with pytest.raises(DataError, match=rule) as caught:
        parse_indicator({**GOOD, **change}, "x_rate.yaml")
    assert (caught.value.file, caught.value.column) == ("x_rate.yaml", column)


def test_missing_key_is_named():
    data = dict(GOOD)
    del data["polarity"]
    with pytest.raises(DataError, match="required key is missing") as caught:
        parse_indicator(data, "x_rate.yaml")
    assert caught.value.column == "polarity"


# -- external indicators (issue 8) ------------------------------------------------------------
EXTERNAL = {
    "id": "x_ext", "title": {"sv": "X", "en": "X"}, "definition": {"sv": "d", "en": "d"},
    "topic": "t", "method": "external", "unit": {"sv": "%", "en": "%"}, "multiplier": 100,
    "polarity": "high_is_good", "source": {"sv": "s", "en": "s"},
    "external": {"source": "kolada_x", "estimate": "proportion"},
}


def test_external_indicators_need_no_counts_and_are_loaded_only_on_request():
    ind = parse_indicator(EXTERNAL, "x_ext.yaml")
    assert ind.is_external and ind.numerator is None and ind.denominator is None
    assert ind.external == {"source": "kolada_x", "estimate": "proportion"}
    assert "external" in METHODS
    engine_only = load_catalogue()
    full = load_catalogue(include_external=True)
    assert not any(i.is_external for i in engine_only.values())
    assert set(full) - set(engine_only) == {"gymnasium_eligibility_all"}
    assert full["gymnasium_eligibility_all"].levels and \
        {str(lv) for lv in full["gymnasium_eligibility_all"].levels} == {"nation", "lan", "kommun"}


@pytest.mark.parametrize(("change", "column", "rule"), [
    ({"external": {"estimate": "bayes"}}, "external.estimate", "must be one of"),
    ({"external": {"source": ""}}, "external.source", "must name a source"),
    ({"external": ["kolada"]}, "external", "must be a mapping"),
    ({"numerator": {"source": "deaths"}}, "numerator", "remove"),
    ({"method": "proportion", "numerator": {"source": "deaths"},
      "denominator": {"source": "population"}}, "external", "only for 'method: external'"),
])
def test_bad_external_indicator_files_name_file_and_key(change, column, rule):
    with pytest.raises(DataError, match=rule) as caught:
        parse_indicator({**EXTERNAL, **change}, "x_ext.yaml")
    assert (caught.value.file, caught.value.column) == ("x_ext.yaml", column)


def test_a_region_adds_and_overrides_indicators_from_its_own_folder(tmp_path):
    import yaml

    from jamlik.model.catalogue import load_catalogue

    shipped = load_catalogue()
    own = yaml.safe_load((Path(__file__).parents[2] / "src" / "jamlik" / "catalogue"
                          / "mortality_all_cause.yaml").read_text(encoding="utf-8"))
    own["title"] = {"sv": "Dödlighet (regionens definition)", "en": "Mortality (region's)"}
    (tmp_path / "mortality_all_cause.yaml").write_text(yaml.safe_dump(own), encoding="utf-8")
    new = dict(own, id="region_mortality_75", ages=[None, 74])
    (tmp_path / "region_mortality_75.yaml").write_text(yaml.safe_dump(new), encoding="utf-8")
    cat = load_catalogue(extra_dirs=(str(tmp_path),))
    assert len(cat) == len(shipped) + 1
    assert cat["mortality_all_cause"].title.sv == "Dödlighet (regionens definition)"
    assert cat["region_mortality_75"].ages == (None, 74)


def test_a_bad_region_indicator_names_its_file_and_key(tmp_path):
    from jamlik.model.catalogue import load_catalogue

    (tmp_path / "broken.yaml").write_text("id: broken\nmethod: magic\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_catalogue(extra_dirs=(str(tmp_path),))
    assert err.value.file == str(tmp_path / "broken.yaml")
    (tmp_path / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataError, match="not valid YAML"):
        load_catalogue(extra_dirs=(str(tmp_path), "again"))


def test_loaded_survey_questions_become_indicators():
    from jamlik.model.catalogue import survey_question_indicators

    rows = [{"question": "snus_daily", "label_sv": "Snusar dagligen", "label_en": "Daily snus",
             "yes": '["1"]', "no": '["2", "3"]', "min_age": 16, "max_age": 84,
             "polarity": "low_is_good", "source_sv": None, "source_en": None},
            {"question": "good_health", "label_sv": "x", "label_en": "x", "yes": '["1"]',
             "no": '["0"]', "min_age": None, "max_age": None, "polarity": "high_is_good"}]
    made = survey_question_indicators(rows, exclude={"good_health"})
    assert [i.id for i in made] == ["snus_daily"]
    ind = made[0]
    assert ind.method == "survey_proportion" and ind.numerator.where == {"snus_daily": True}
    assert ind.ages == (16, 84) and ind.polarity == "low_is_good"
    assert ind.national == {"survey_measure": "snus_daily"}


def test_a_non_finite_number_in_a_region_indicator_is_refused(tmp_path):
    from jamlik.model.catalogue import load_catalogue

    (tmp_path / "own.yaml").write_text("id: own\nmethod: crude_rate\nmultiplier: .inf\n",
                                       encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_catalogue(extra_dirs=(str(tmp_path),))
    assert (err.value.file, err.value.column) == (str(tmp_path / "own.yaml"), "multiplier")
    assert "finite number" in err.value.rule
