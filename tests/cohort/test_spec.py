"""Study specification loading: the shipped example and errors that name the YAML key path."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
import yaml

from jamlik.cohort import example_spec_path, load_spec
from jamlik.model.errors import DataError, InputError

BASE = yaml.safe_load(example_spec_path("ami").read_text(encoding="utf-8"))


def test_shipped_ami_spec_loads():
    spec = load_spec(example_spec_path("ami"))
    assert spec.name == "ami"
    assert spec.follow_up.windows_years == (1.0, 5.0)
    assert spec.follow_up.end_of_data == dt.date(2024, 12, 31)
    assert [o.name for o in spec.outcomes] == ["death", "mace", "mace_nonfatal"]
    mace = spec.outcomes[1]
    assert mace.include_death and mace.components[0].blanking_days == 28
    assert spec.outcomes[2].competing_death
    assert mace.components[1].regex == "^(I60|I61|I62|I63|I64)"
    assert spec.exposures.income_reference == 5 and spec.exposures.year_offset == -1


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (("follow_up", "windows_years"), [1, -5], "follow_up.windows_years"),
        (("outcomes", 1, "components", 1, "codes"), ["I64-I60X"], "outcomes[1].components[1].codes"),
        (("outcomes", 2, "components"), None, "outcomes[2].components"),
        (("exposures", "education", "reference"), "phd", "exposures.education.reference"),
        (("inclusion", "age", "min"), "adult", "inclusion.age.min"),
        (("follow_up", "end_of_data"), "31/12/2024", "follow_up.end_of_data"),
        (("columns", "quality", "index_dat"), "X", "columns.quality.index_dat"),
    ],
)
def test_errors_name_the_key_path(path, value, where):
    data = copy.deepcopy(BASE)
    node = data
    for k in path[:-1]:
        node = node.setdefault(k, {}) if isinstance(node, dict) else node[k]
    node[path[-1]] = value
    with pytest.raises(DataError) as err:
        load_spec(data)
    assert err.value.column == where
    assert where in str(err.value)


def test_unknown_top_level_key_and_missing_file(tmp_path):
    with pytest.raises(DataError, match="outcome"):
        load_spec({**BASE, "outcome": []})
    with pytest.raises(InputError):
        load_spec(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(DataError, match=r"bad\.yaml"):
        load_spec(bad)
