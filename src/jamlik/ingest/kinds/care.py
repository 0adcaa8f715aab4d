"""``care``: the patient register → ``care_events`` (one condition per event, by the
classification; events outside the conditions are counted, not stored)."""

from __future__ import annotations

from jamlik.ingest import _sql
from jamlik.ingest._common import Context, Output, Write

COLUMNS = ("event_id", "person_id", "admission_date", "discharge_date", "year", "hospital",
           "condition", "main_diagnosis", "secondary_diagnoses", "external_causes", "procedures",
           "care_type", "reperfusion", "pci", "statin_at_discharge", "betablocker_at_discharge")
PROCESS = ("reperfusion", "pci", "statin_at_discharge", "betablocker_at_discharge")
#: KVÅ procedure codes of percutaneous coronary intervention (PCI)
PCI_CODES = ("FNG02", "FNG05")
_INPATIENT = ("sluten", "slutenvård", "inpatient", "1", "s")
_OUTPATIENT = ("öppen", "oppen", "öppenvård", "outpatient", "2", "o", "ö")


def _codes(column: str) -> str:
    """A space-, comma- or semicolon-separated code list as a list of normalised ICD codes."""
    return (f"list_filter(list_transform(string_split_regex(trim(coalesce({column}, '')), "
            f"'[\\s,;]+'), x -> regexp_replace(upper(x), '[.\\-+*†]', '', 'g')), x -> x <> '')")


def prepare(ctx: Context) -> Output:
    has = ctx.has
    icd = "'^[A-Z][0-9]{2}[0-9A-Z]{0,4}$'"
    typed = {
        "admission__v": _sql.date("admission_date"),
        "discharge__v": _sql.date("discharge_date") if has("discharge_date") else "NULL::DATE",
        "main__v": _sql.icd10("main_diagnosis"),
        "secondary__v": _codes("secondary_diagnoses") if has("secondary_diagnoses")
        else "[]::VARCHAR[]",
        "external__v": _codes("external_causes") if has("external_causes") else "[]::VARCHAR[]",
        "procedures__v": ("list_filter(list_transform(string_split_regex(trim(coalesce("
                          "procedures, '')), '[\\s,;]+'), x -> upper(x)), x -> x <> '')")
        if has("procedures") else "[]::VARCHAR[]",
    }
    for p in PROCESS:
        if has(p):
            typed[f"{p}__v"] = _sql.yesno(p)
    if has("care_type"):
        v = "lower(trim(care_type))"
        typed["care_type__v"] = (f"CASE WHEN {v} IN {_sql._quoted(_INPATIENT)} THEN 'inpatient' "
                                 f"WHEN {v} IN {_sql._quoted(_OUTPATIENT)} THEN 'outpatient' END")
    ctx.typed(typed)
    ctx.check_identity("person_id")
    ctx.check_parsed("admission_date", "admission__v", "not a date (YYYYMMDD or YYYY-MM-DD)",
                     required=True)
    if has("discharge_date"):
        ctx.check_parsed("discharge_date", "discharge__v", "not a date (YYYYMMDD or YYYY-MM-DD)")
        ctx.reject("discharge__v < admission__v", "discharge_date",
                   "discharge before admission")
    ctx.check_parsed("main_diagnosis", "main__v", "not an ICD-10 code", required=True)
    for column, parsed in (("secondary_diagnoses", "secondary__v"),
                           ("external_causes", "external__v")):
        if has(column):
            ctx.reject(f"len(list_filter({parsed}, x -> NOT regexp_matches(x, {icd}))) > 0",
                       column, "a code in the list is not ICD-10",
                       f"list_filter({parsed}, x -> NOT regexp_matches(x, {icd}))[1]")
    if has("procedures"):
        ctx.reject("len(list_filter(procedures__v, x -> NOT regexp_matches(x, "
                   "'^[A-Z0-9]{3,8}$'))) > 0", "procedures", "not a KVÅ procedure code",
                   "list_filter(procedures__v, x -> NOT regexp_matches(x, '^[A-Z0-9]{3,8}$'))[1]")
    for p in PROCESS:
        if has(p):
            ctx.reject(_sql.yesno_bad(p), p, "not a yes/no code (1/0, J/N, ja/nej; 9 = unknown)")
    if has("care_type"):
        ctx.reject(f"{_sql.present('care_type')} AND care_type__v IS NULL", "care_type",
                   "not a care type (sluten/öppen, inpatient/outpatient)")
    hospital = "coalesce(hospital, '')" if has("hospital") else "''"
    ctx.duplicates(["person_id", "admission__v", "main__v", "coalesce(discharge__v, "
                    "DATE '1900-01-01')", hospital], "person_id",
                   "the same event (person, dates, main diagnosis, hospital) is listed twice "
                   "(the first is kept)")
    kept = ctx.kept()
    condition = _conditions(ctx, kept)
    skipped = ctx.st.scalar(f"SELECT count(*) FROM {condition} WHERE condition IS NULL")
    procedures_pci = "len(list_intersect(k.procedures__v, " + \
        "['" + "', '".join(PCI_CODES) + "'])) > 0"
    flags = {p: (f"k.{p}__v" if has(p) else ("CASE WHEN len(k.procedures__v) > 0 THEN "
                                              f"{procedures_pci} END" if p == "pci" and
                                              has("procedures") else "NULL::BOOLEAN"))
             for p in PROCESS}
    files = ctx["files"]
    shaped = ctx.st.create("care", f"""
        SELECT 'e' || left(sha256(f.__fname || ':' || k.__row::VARCHAR || ':' || k.person_id), 16)
                   AS event_id,
               k.person_id, k.admission__v AS admission_date, k.discharge__v AS discharge_date,
               year(k.admission__v)::SMALLINT AS year,
               {'nullif(trim(k.hospital), ' + "''" + ')' if has('hospital') else 'NULL'} AS hospital,
               c.condition, k.main__v AS main_diagnosis,
               nullif(array_to_string(k.secondary__v, ' '), '') AS secondary_diagnoses,
               nullif(array_to_string(k.external__v, ' '), '') AS external_causes,
               nullif(array_to_string(k.procedures__v, ' '), '') AS procedures,
               {'k.care_type__v' if has('care_type') else 'NULL'} AS care_type,
               {', '.join(f'{flags[p]} AS {p}' for p in PROCESS)}
        FROM {kept} k JOIN {condition} c USING (__file, __row) JOIN {files} f ON f.__fidx = k.__file
        WHERE c.condition IS NOT NULL""")
    years = f"(SELECT DISTINCT year(admission__v) FROM {kept})"
    return Output([Write("care_events", COLUMNS, f"SELECT {', '.join(COLUMNS)} FROM {shaped}",
                         f"year IN {years}")],
                  skipped={"outside the care conditions": skipped})


def _conditions(ctx: Context, kept: str) -> str:
    """``(__file, __row, condition)``: the first condition (file order) whose main-diagnosis
    codes match the longest prefix of the main diagnosis and whose secondary requirement (if
    any) a secondary or external-cause code meets; NULL when none does."""
    table = ctx.lookup("care_conditions")
    return ctx.st.create("conditions_of", f"""
        WITH main AS (
            SELECT k.__file, k.__row, l.target, l.priority, length(l.prefix) AS len
            FROM (SELECT __file, __row, unnest([left(main__v, 3), left(main__v, 4),
                                                left(main__v, 5), left(main__v, 6)]) AS p
                  FROM {kept} WHERE main__v IS NOT NULL) k
            JOIN {table} l ON l.prefix = k.p AND l.role = 'main'),
        other AS (
            SELECT __file, __row, unnest(list_concat(secondary__v, external__v)) AS code
            FROM {kept}),
        needs AS (SELECT DISTINCT target FROM {table} WHERE role = 'secondary'),
        met AS (
            SELECT DISTINCT o.__file, o.__row, l.target
            FROM (SELECT __file, __row, unnest([left(code, 3), left(code, 4), left(code, 5),
                                                left(code, 6)]) AS p FROM other) o
            JOIN {table} l ON l.prefix = o.p AND l.role = 'secondary'),
        ok AS (
            SELECT m.* FROM main m
            WHERE m.target NOT IN (SELECT target FROM needs)
               OR EXISTS (SELECT 1 FROM met WHERE met.__file = m.__file
                          AND met.__row = m.__row AND met.target = m.target)
            QUALIFY row_number() OVER (PARTITION BY m.__file, m.__row
                                       ORDER BY m.len DESC, m.priority) = 1)
        SELECT k.__file, k.__row, ok.target AS condition
        FROM {kept} k LEFT JOIN ok USING (__file, __row)""")
