"""Arrow schemas of the demo tables (the warehouse schema mirrors these)."""

from __future__ import annotations

from types import MappingProxyType

import pyarrow as pa

_S, _D, _I16, _I8, _I32, _F, _B = (pa.string(), pa.date32(), pa.int16(), pa.int8(), pa.int32(),
                                   pa.float64(), pa.bool_())


def _schema(*fields: tuple[str, pa.DataType, bool]) -> pa.Schema:
    return pa.schema([pa.field(n, t, nullable=null) for n, t, null in fields])


_COUNTS = ("population", "deaths", "deaths_ischaemic_heart", "deaths_cerebrovascular",
           "deaths_other_circulatory", "deaths_neoplasms", "deaths_respiratory",
           "deaths_external", "deaths_dementia", "deaths_diabetes", "deaths_other",
           "diabetes_prevalent", "mi_events", "stroke_events", "heart_failure_events",
           "fall_injuries", "infants", "smoke_exposed_infants", "children_age3", "caries_age3",
           "grade9_pupils", "gymnasium_eligible", "children_0_17", "econ_vulnerable_children")
_ANSWERS = ("good_health", "trust_others", "sedentary_leisure", "daily_smoker",
            "economic_hardship")

SCHEMAS: MappingProxyType[str, pa.Schema] = MappingProxyType({
    "persons": _schema(("person_id", _S, False), ("sex", _S, False), ("birth_date", _D, False),
                       ("birth_year", _I16, False), ("birth_region", _S, False),
                       ("death_date", _D, True)),
    "person_years": _schema(("year", _I16, False), ("person_id", _S, False), ("age", _I16, False),
                            ("deso_code", _S, False), ("kommun_code", _S, False),
                            ("vardcentral_code", _S, False), ("education", _S, True),
                            ("income_quintile", _I8, False)),
    "deaths": _schema(("person_id", _S, False), ("death_date", _D, False), ("year", _I16, False),
                      ("age", _I16, False), ("sex", _S, False), ("deso_code", _S, False),
                      ("kommun_code", _S, False), ("underlying_cause", _S, False),
                      ("cause_group", _S, False)),
    "care_events": _schema(("event_id", _S, False), ("person_id", _S, False),
                           ("admission_date", _D, False), ("discharge_date", _D, False),
                           ("year", _I16, False), ("hospital", _S, False), ("condition", _S, False),
                           ("main_diagnosis", _S, False), ("secondary_diagnoses", _S, False),
                           ("reperfusion", _B, True), ("pci", _B, True),
                           ("statin_at_discharge", _B, True),
                           ("betablocker_at_discharge", _B, True)),
    "conditions": _schema(("person_id", _S, False), ("condition", _S, False),
                          ("onset_year", _I16, False)),
    "person_measures": _schema(("year", _I16, False), ("person_id", _S, False),
                               ("measure", _S, False), ("value", _B, False)),
    "survey": _schema(("year", _I16, False), ("respondent_id", _S, False), ("person_id", _S, False),
                      ("kommun_code", _S, False), ("deso_code", _S, False), ("stratum", _S, False),
                      ("sex", _S, False), ("age", _I16, False), ("education", _S, True),
                      ("income_quintile", _I8, False), ("birth_region", _S, False),
                      ("design_weight", _F, False), ("responded", _B, False), ("weight", _F, True),
                      *((a, _B, True) for a in _ANSWERS)),
    "care_units": _schema(("code", _S, False), ("name", _S, False), ("kommun_code", _S, False),
                          ("deso_code", _S, False), ("lon", _F, False), ("lat", _F, False),
                          ("operator", _S, False)),
    "aggregate_counts": _schema(("kommun_code", _S, False), ("year", _I16, False),
                                ("sex", _S, False), ("age_band", _S, False),
                                ("education", _S, False), ("income_quintile", _I8, False),
                                *((c, _I32, False) for c in _COUNTS)),
    "national_survey": _schema(("year", _I16, False), ("sex", _S, False), ("measure", _S, False),
                               ("estimate", _F, False), ("se", _F, False),
                               ("respondents", _I32, False)),
})
