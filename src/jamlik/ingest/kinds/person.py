"""``conditions`` (prevalent conditions with their onset) and ``measures`` (person measures from
other registers: caries at 3, gymnasium eligibility, …)."""

from __future__ import annotations

from jamlik.ingest import _sql
from jamlik.ingest._common import Context, Output, Write


def prepare_conditions(ctx: Context) -> Output:
    has = ctx.has
    onset_year = _sql.integer("onset_year") if has("onset_year") else "NULL"
    onset_date = f"year({_sql.date('onset_date')})" if has("onset_date") else "NULL"
    # An ICD-10 code is classified to a care condition; a plain id (diabetes) is taken as given.
    code = _sql.icd10("r.condition")
    table = ctx.lookup("care_conditions")
    ctx.join("cc", f"SELECT prefix AS __cc_prefix, target AS __cc_target, priority AS __cc_p "
                   f"FROM {table} WHERE role = 'main'", f"starts_with({code}, cc.__cc_prefix)")
    ctx.typed({"onset__v": f"coalesce({onset_year}, {onset_date})", "code__v": code,
               "id__v": "CASE WHEN regexp_matches(lower(trim(r.condition)), "
                        "'^[a-z][a-z0-9_]*$') THEN lower(trim(r.condition)) END",
               "__cc_len": "length(cc.__cc_prefix)", "__cc_target": "cc.__cc_target",
               "__cc_p": "cc.__cc_p"}, name="typed_all")
    best = (f"SELECT * EXCLUDE (__cc_len, __cc_target, __cc_p), coalesce(__cc_target, CASE "
            f"WHEN code__v IS NULL THEN id__v END) AS condition__v FROM {ctx['typed_all']} "
            f"QUALIFY row_number() OVER (PARTITION BY __file, __row ORDER BY __cc_len DESC "
            f"NULLS LAST, __cc_p) = 1")
    ctx.st.create("typed", best)
    ctx.check_identity("person_id")
    if has("onset_year"):
        ctx.check_parsed("onset_year", onset_year, "not a year (a whole number)")
    if has("onset_date"):
        ctx.check_parsed("onset_date", onset_date, "not a date (YYYYMMDD or YYYY-MM-DD)")
    ctx.reject("onset__v IS NULL", "onset_year", "the onset (year or date) is missing",
               "onset_year" if has("onset_year") else "NULL")
    ctx.check_range("onset_year", "onset__v", 1900, 2100, "onset year outside 1900–2100")
    ctx.reject("condition__v IS NULL", "condition",
               "not a condition id (lower-case, e.g. diabetes) or an ICD-10 code of a care "
               "condition")
    ctx.duplicates(["person_id", "condition__v"], "person_id",
                   "the person has the condition twice (the first is kept)")
    kept = ctx.kept()
    conditions = f"(SELECT DISTINCT condition__v FROM {kept})"
    return Output([Write("conditions", ("person_id", "condition", "onset_year"),
                         f"SELECT person_id, condition__v, onset__v::SMALLINT FROM {kept}",
                         f"condition IN {conditions}")])


def prepare_measures(ctx: Context) -> Output:
    wide = ctx.staged.measures
    if not wide and not (ctx.has("measure") and ctx.has("value")):
        from jamlik.model.errors import SchemaError

        raise SchemaError("a measures file needs the columns measure and value, or the wide "
                          "measures named in the mapping (measures: {caries_age3: KARIES})",
                          file=ctx.staged.files[0].name, column="measure")
    ctx.typed({"year__v": _sql.integer("year")})
    ctx.check_identity("person_id")
    ctx.check_parsed("year", "year__v", "not a year (a whole number)", required=True)
    ctx.flush()
    if wide:
        parts = " UNION ALL ".join(
            f"SELECT * EXCLUDE ({', '.join('m__' + w for w in wide)}), '{m}' AS measure__v, "
            f"m__{m} AS value__raw FROM {ctx['typed']}" for m in wide)
    else:
        parts = (f"SELECT *, lower(trim(measure)) AS measure__v, value AS value__raw "
                 f"FROM {ctx['typed']}")
    long = ctx.st.view("long", f"SELECT *, {_sql.yesno('value__raw')} AS value__v "
                               f"FROM ({parts})")
    if not wide:
        ctx.reject("measure__v IS NULL OR NOT regexp_matches(measure__v, '^[a-z][a-z0-9_]*$')",
                   "measure", "not a measure id (lower-case letters, digits and underscores)",
                   "measure", table="long")
        ctx.reject("value__v IS NULL", "value",
                   "not a yes/no value (1/0, J/N, ja/nej, true/false)", "value__raw",
                   table="long")
    else:
        ctx.reject(f"{_sql.yesno_bad('value__raw')}", "measure",
                   "'not a yes/no value for ' || measure__v", "value__raw", reason_is_sql=True,
                   table="long")
    ctx.duplicates(["person_id", "year__v", "measure__v"], "person_id",
                   "the same measure twice for the person and year (the first is kept)",
                   table="long")
    kept = ctx.kept(source="long")
    scope = f"(year, measure) IN (SELECT DISTINCT year__v, measure__v FROM {kept})"
    del long
    return Output([Write("person_measures", ("year", "person_id", "measure", "value"),
                         f"SELECT year__v::SMALLINT, person_id, measure__v, value__v FROM {kept} "
                         f"WHERE value__v IS NOT NULL", scope)])


__all__ = ["prepare_conditions", "prepare_measures"]
