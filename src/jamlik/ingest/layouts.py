"""The documented file layout of every kind a region can load (docs/data-layouts.md).

A layout lists its columns with their meaning, type, whether they are required and the names
the registers usually deliver them under, so a file that already uses those names loads without
a mapping. The documentation's tables are checked against these declarations by the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

#: Column types: how a value is parsed and checked.
TYPES = ("identity", "text", "code", "integer", "number", "date", "yesno")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str
    required: bool = False
    register_names: tuple[str, ...] = ()
    #: A prefix of numbered columns gathered into this one (``BDIA`` → BDIA1, BDIA2, …).
    numbered: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layout:
    kind: str
    title: str
    columns: tuple[Column, ...]
    #: Groups of columns of which at least one must be present.
    one_of: tuple[tuple[str, ...], ...] = ()
    #: Columns not declared here are still read (survey questions, aggregate counts, measures).
    open: bool = False

    def __getitem__(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _c(name, type_, meaning, required=False, names=(), numbered=()):
    return Column(name, type_, meaning, required, tuple(names), tuple(numbered))


_RESIDENCE = (
    _c("deso_code", "code", "DeSO of residence", names=("Deso", "DeSO", "DesoKod")),
    _c("kommun_code", "code", "kommun of residence", names=("Kommun", "KommunKod", "Kom")),
)

LAYOUTS: Mapping[str, Layout] = MappingProxyType({layout.kind: layout for layout in (
    Layout("population", "person × year (RTB/LISA)", (
        _c("person_id", "identity", "identity", True, ("PersonNr", "LopNr", "Personnummer")),
        _c("year", "integer", "register year (31 December)", True, ("Ar", "År", "AR")),
        *_RESIDENCE,
        _c("sex", "code", "sex", names=("Kon", "Kön", "KON")),
        _c("birth_year", "integer", "year of birth", names=("FodelseAr", "FödelseÅr", "FodAr")),
        _c("education", "code", "highest education, SUN level",
           names=("Sun2000niva_old", "Sun2020Niva_Old", "SUN2020Niva_Old", "Sun2000niva_Old")),
        _c("disposable_income", "number", "individual disposable income",
           names=("DispInk04", "DispInkKE04", "DispInk")),
        _c("country_of_birth", "code", "country of birth", names=("FodLand", "FödLand",
                                                                  "FodelseLand")),
        _c("birth_region", "code", "region of birth", names=("FodelseRegion",)),
        _c("vardcentral_code", "code", "listed vårdcentral on 31 December",
           names=("Vardcentral", "VardcentralKod")),
        _c("parent1_id", "identity", "first parent's identity",
           names=("PersonNrMor", "LopNrMor", "LopNr_Mor")),
        _c("parent2_id", "identity", "second parent's identity",
           names=("PersonNrFar", "LopNrFar", "LopNr_Far")),
    ), one_of=(("deso_code", "kommun_code"),)),
    Layout("deaths", "cause-of-death register", (
        _c("person_id", "identity", "identity", True, ("LopNr", "PersonNr", "Personnummer")),
        _c("death_date", "date", "date of death", True, ("DODSDAT", "Dodsdat", "DödsDatum")),
        _c("underlying_cause", "code", "underlying cause of death (ICD-10)", True,
           ("ULORSAK", "Ulorsak")),
        *_RESIDENCE,
        _c("lkf", "code", "län-kommun-församling code", names=("LKF", "Lkf")),
        _c("sex", "code", "sex", names=("KON", "Kon", "Kön")),
        _c("age", "integer", "age at death", names=("ALDER", "Alder", "Ålder")),
        _c("country_of_birth", "code", "country of birth", names=("FODLAND", "FodLand")),
    )),
    Layout("care", "patient register (inpatient and specialist outpatient)", (
        _c("person_id", "identity", "identity", True, ("LopNr", "PersonNr", "Personnummer")),
        _c("admission_date", "date", "date of admission or visit", True,
           ("INDATUM", "Indatum", "Besoksdatum")),
        _c("discharge_date", "date", "date of discharge", names=("UTDATUM", "Utdatum")),
        _c("main_diagnosis", "code", "main diagnosis (ICD-10)", True, ("HDIA", "Hdia")),
        _c("secondary_diagnoses", "code", "other diagnoses (ICD-10, space-separated)",
           names=("DIAGNOS", "BDIA"), numbered=("BDIA", "DIA")),
        _c("external_causes", "code", "external causes of injury (ICD-10 chapter XX)",
           names=("EKOD",), numbered=("EKOD",)),
        _c("procedures", "code", "procedures (KVÅ codes, space-separated)", names=("OP",),
           numbered=("OP",)),
        _c("hospital", "text", "hospital or clinic", names=("SJUKHUS", "Sjukhus", "MVO")),
        _c("care_type", "code", "inpatient or outpatient", names=("VARDFORM", "Vardform")),
        _c("reperfusion", "yesno", "reperfusion (quality register)"),
        _c("pci", "yesno", "PCI (quality register)"),
        _c("statin_at_discharge", "yesno", "statin at discharge (quality register)"),
        _c("betablocker_at_discharge", "yesno", "beta blocker at discharge (quality register)"),
    )),
    Layout("care-units", "vårdcentraler", (
        _c("code", "code", "the unit's code", True, ("Kod", "HSAid", "HsaId")),
        _c("name", "text", "name", True, ("Namn",)),
        _c("kommun_code", "code", "kommun where it lies", True, ("Kommun", "KommunKod")),
        _c("deso_code", "code", "DeSO where it lies", names=("Deso", "DeSO")),
        _c("lon", "number", "longitude (WGS84)", names=("Lon", "Longitud")),
        _c("lat", "number", "latitude (WGS84)", names=("Lat", "Latitud")),
        _c("operator", "text", "operator", names=("Driftsform", "Huvudman")),
    )),
    Layout("listings", "who is listed where", (
        _c("person_id", "identity", "identity", True, ("PersonNr", "LopNr")),
        _c("year", "integer", "year (listing on 31 December)", True, ("Ar", "År")),
        _c("vardcentral_code", "code", "the unit", True, ("Vardcentral", "VardcentralKod",
                                                          "HsaId")),
    )),
    Layout("conditions", "prevalent conditions", (
        _c("person_id", "identity", "identity", True, ("PersonNr", "LopNr")),
        _c("condition", "code", "condition id or ICD-10 code", True, ("Diagnos", "Tillstand")),
        _c("onset_year", "integer", "first year with the condition", names=("DebutAr",)),
        _c("onset_date", "date", "first date with the condition", names=("DebutDatum",)),
    ), one_of=(("onset_year", "onset_date"),)),
    Layout("measures", "person measures from other registers", (
        _c("person_id", "identity", "identity", True, ("PersonNr", "LopNr")),
        _c("year", "integer", "year", True, ("Ar", "År")),
        _c("measure", "code", "measure id", names=("Matt", "Mått")),
        _c("value", "yesno", "outcome", names=("Varde", "Värde")),
    ), open=True),
    Layout("survey", "survey microdata", (
        _c("respondent_id", "text", "respondent", True, ("Lopnr", "RespondentId", "Id")),
        _c("year", "integer", "survey year", True, ("Ar", "År")),
        _c("kommun_code", "code", "kommun of residence", True, ("Kommun", "KommunKod")),
        _c("deso_code", "code", "DeSO", names=("Deso",)),
        _c("stratum", "text", "sampling stratum", names=("Stratum", "Strata")),
        _c("design_weight", "number", "design weight", True, ("Designvikt", "dvikt")),
        _c("weight", "number", "calibrated weight", names=("Vikt", "Kalibreringsvikt")),
        _c("responded", "yesno", "answered the survey", names=("Svarat",)),
        _c("sex", "code", "sex", True, ("Kon", "Kön")),
        _c("age", "integer", "age", True, ("Alder", "Ålder")),
        _c("education", "code", "SUN level or education group", names=("Utbildning",)),
        _c("income_quintile", "integer", "income quintile 1–5", names=("Inkomstkvintil",)),
        _c("country_of_birth", "code", "country of birth", names=("FodLand",)),
        _c("birth_region", "code", "region of birth", names=("Fodelseregion",)),
        _c("person_id", "identity", "identity, for linkage", names=("PersonNr",)),
    ), open=True),
    Layout("survey-national", "national survey estimates", (
        _c("year", "integer", "year", True, ("Ar", "År")),
        _c("sex", "code", "sex or total", True, ("Kon", "Kön")),
        _c("question", "code", "question id", True, ("Fraga", "Fråga", "measure")),
        _c("estimate", "number", "share (0–1)", True, ("Andel", "Skattning")),
        _c("se", "number", "standard error", names=("Medelfel",)),
        _c("respondents", "integer", "unweighted respondents", names=("Antal svarande",)),
    )),
    Layout("aggregates", "counts by area × year × sex × age", (
        _c("area_code", "code", "area (kommun, län or SE)", True, ("Region", "Omrade", "Område",
                                                                   "kommun_kod", "lan_kod")),
        _c("year", "integer", "year", True, ("Ar", "År")),
        _c("sex", "code", "sex", True, ("Kon", "Kön")),
        _c("age", "code", "single year of age (100 = 100+)", names=("Alder", "Ålder")),
        _c("age_band", "code", "life-table age band", names=("Aldersgrupp", "Åldersgrupp")),
        _c("education", "code", "education group or SUN level", names=("Utbildning",)),
        _c("income_quintile", "integer", "income quintile 1–5", names=("Inkomstkvintil",)),
        _c("birth_region", "code", "region of birth", names=("Fodelseregion",)),
        _c("population_type", "code", "what population counts"),
    ), one_of=(("age", "age_band"),), open=True),
)})

KINDS: tuple[str, ...] = tuple(LAYOUTS)
