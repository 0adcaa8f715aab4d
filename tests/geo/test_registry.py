"""The area registry against SCB's published counts and hierarchy."""

from __future__ import annotations

import pyarrow as pa
import pytest

from jamlik.geo import AreaRegistry, boundaries
from jamlik.model import AreaCodeError, AreaLevel, InputError


@pytest.fixture(scope="module")
def reg() -> AreaRegistry:
    return AreaRegistry.builtin()


def test_counts_match_scb(reg):
    # SCB: 21 län, 290 kommuner, 3 363 RegSO (2020), 5 984 DeSO (2018) — see data/PROVENANCE.md.
    assert {lv: reg.count(lv) for lv in AreaLevel} == {
        AreaLevel.NATION: 1, AreaLevel.LAN: 21, AreaLevel.KOMMUN: 290, AreaLevel.REGSO: 3363,
        AreaLevel.DESO: 5984, AreaLevel.VARDCENTRAL: 0,
    }


def test_hierarchy_is_complete(reg):
    for area in reg:
        chain = reg.ancestors(area.code)
        if area.level is not AreaLevel.NATION:
            assert chain[-1].code == "SE", area
    chain = reg.ancestors("0580C1010")
    assert [a.level for a in chain] == [AreaLevel.REGSO, AreaLevel.KOMMUN, AreaLevel.LAN,
                                        AreaLevel.NATION]
    assert [a.code for a in chain][1:] == ["0580", "05", "SE"]
    assert len(reg.children("05", AreaLevel.KOMMUN)) == 13
    assert len(reg.children("05", AreaLevel.DESO)) == 276


def test_socioeconomic_area_type(reg):
    # SCB's RegSO area types 2022: counts 160/289/855/1770/289 (PROVENANCE.md).
    counts = {}
    for area in reg.at_level("regso"):
        counts[area.socio_type] = counts.get(area.socio_type, 0) + 1
    assert counts == {1: 160, 2: 289, 3: 855, 4: 1770, 5: 289}
    deso = reg["0580C1010"]
    assert deso.socio_type == reg[deso.regso_code].socio_type


@pytest.mark.parametrize(("code", "level", "message"), [
    ("0599", None, "unknown kommun code"),
    ("0580", "lan", "malformed area code, expected 2 digits"),
    ("580", "kommun", "malformed area code, expected 4 digits"),
    ("99", None, "unknown lan code"),
    ("0580C9999", None, "unknown deso code"),
    ("Linköping", None, "malformed area code"),
    ("", None, "malformed area code"),
])
def test_bad_codes_are_named(reg, code, level, message):
    with pytest.raises(AreaCodeError, match=message) as caught:
        reg.validate(code, level, file="in.csv", row=7, column="kod")
    assert caught.value.value == code
    assert "in.csv, row 7, column 'kod'" in str(caught.value)


@pytest.mark.parametrize("code", [580, 5.8, None, b"0580"])
def test_wrong_types_are_named(reg, code):
    with pytest.raises(AreaCodeError, match="area codes are text"):
        reg.validate(code)


def test_vectorised_check_finds_the_first_bad_value(reg):
    assert reg.unknown(pa.chunked_array([["0580", "0581", None]]), "kommun") is None
    assert reg.unknown(pa.chunked_array([["0580", "0599", "05"]]), "kommun") == 1


def test_search_is_diacritics_tolerant(reg):
    assert reg.search("linkoping")[0].code == "0580"
    assert reg.search("Östergötland")[0].code == "05"
    assert reg.search("0580C10")[0].level is AreaLevel.DESO


def test_care_units_join_the_hierarchy(reg):
    units = pa.table({"code": ["VC0580-01"], "name": ["Vårdcentralen Ryd"],
                      "kommun_code": ["0580"]})
    with_units = reg.with_care_units(units)
    assert with_units["VC0580-01"].parent_code == "0580"
    assert with_units.count("vardcentral") == 1


def test_boundaries(reg):
    kommun = boundaries("kommun")
    assert len(kommun["features"]) == 290
    assert {f["id"] for f in kommun["features"]} == {a.code for a in reg.at_level("kommun")}
    assert len(boundaries("lan")["features"]) == 21
    assert len(boundaries("kommun", within="05")["features"]) == 13
    with pytest.raises(InputError, match="level"):
        boundaries("regso")
