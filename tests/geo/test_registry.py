"""The area registry against SCB's published counts and hierarchy."""

from __future__ import annotations

import pyarrow as pa
import pytest

from jamlik.geo import AreaRegistry, boundaries
from jamlik.geo.registry import builtin_vintages
from jamlik.model import AreaCodeError, AreaLevel, InputError


@pytest.fixture(scope="module")
def reg() -> AreaRegistry:
    return AreaRegistry.builtin()


def test_counts_match_scb(reg):
    # SCB: 21 län, 290 kommuner; DeSO 2018 (5 984) with RegSO 2020 (3 363) and DeSO 2025
    # (6 160) with RegSO 2025 (3 363); 5 835 DeSO and 3 362 RegSO codes are in both
    # (data/PROVENANCE.md), so the registry holds each code once.
    assert {lv: reg.count(lv) for lv in AreaLevel} == {
        AreaLevel.NATION: 1, AreaLevel.LAN: 21, AreaLevel.KOMMUN: 290, AreaLevel.REGSO: 3364,
        AreaLevel.DESO: 5984 + 6160 - 5835, AreaLevel.VARDCENTRAL: 0,
    }
    vintages = builtin_vintages().to_pylist()
    for vintage, deso in (("2018", 5984), ("2025", 6160)):
        rows = [r for r in vintages if r["vintage"] == vintage]
        assert sum(r["level"] == "deso" for r in rows) == deso
        assert sum(r["level"] == "regso" for r in rows) == 3363


def test_vintages_keep_each_codes_parent_and_know_the_changes(reg):
    rows = builtin_vintages().to_pylist()
    parents = {}
    for r in rows:
        parents.setdefault(r["code"], set()).add(r["parent_code"])
    assert all(len(p) == 1 for p in parents.values())  # SCB's keys agree on every shared code
    in_vintage = {(r["vintage"], r["code"]) for r in rows}
    # Linköping: 0580C1190 ceased in 2025 (into 0580C1191/1192); Mjölby's C2010 became B2010
    assert ("2018", "0580C1190") in in_vintage and ("2025", "0580C1190") not in in_vintage
    assert ("2025", "0580C1191") in in_vintage and ("2018", "0580C1191") not in in_vintage
    assert ("2025", "0586B2010") in in_vintage and ("2025", "0586C2010") not in in_vintage
    assert reg["0580C1191"].parent_code == reg["0580C1190"].parent_code


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
    # 276 DeSO 2018 + 13 codes new in 2025 (8 in Linköping, 5 recoded in Mjölby)
    assert len(reg.children("05", AreaLevel.DESO)) == 276 + 13


def test_socioeconomic_area_type(reg):
    # SCB's RegSO area types 2022: counts 160/289/855/1770/289 (PROVENANCE.md).
    counts = {}
    for area in reg.at_level("regso"):
        counts[area.socio_type] = counts.get(area.socio_type, 0) + 1
    # RegSO 2020 has a type each; the one RegSO new in 2025 (2523R011) has none yet
    assert counts == {1: 160, 2: 289, 3: 855, 4: 1770, 5: 289, None: 1}
    assert reg["2523R011"].socio_type is None
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


def _with_units(reg):
    import pyarrow as pa

    from jamlik.geo.registry import care_units_as_areas

    units = pa.table({"code": ["VC0580-02", "VC0581-01"],
                      "name": ["Vårdcentralen Berga", "Vårdcentralen Vävens"],
                      "kommun_code": ["0580", "0581"]})
    return type(reg)(pa.concat_tables([reg.table, care_units_as_areas(units)]))


def test_search_finds_a_vardcentral_by_a_word_of_its_name_and_by_abbreviation(reg):
    reg = _with_units(reg)
    for text in ("Berga", "vc berga", "VC Berga", "vårdcentralen berga", "berga vc"):
        codes = [a.code for a in reg.search(text, within="05", limit=10)]
        assert "VC0580-02" in codes, text
    assert [a.code for a in reg.search("vc väv")] == ["VC0581-01"]


def test_search_puts_exact_names_and_the_home_region_first(reg):
    hits = reg.search("Berga", within="05", limit=10)
    assert hits[0].code == "0580R001"  # Berga in Linköping before the other RegSO named Berga
    assert {a.name for a in hits[:3]} == {"Berga"}
    every_word = reg.search("lindö marby")
    assert every_word[0].code == "0581R014"  # Lindö-Berga-Marby: each word starts a name word


def test_search_of_nothing_finds_nothing(reg):
    assert reg.search("   ") == []
