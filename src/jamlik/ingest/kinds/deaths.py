"""``deaths``: the cause-of-death register → ``deaths`` (with cause group and ICD chapter)."""

from __future__ import annotations

from jamlik.ingest import _sql
from jamlik.ingest._common import Context, Output, Write
from jamlik.ingest._stage import IMPUTED
from jamlik.ingest.kinds.population import vintage_sql

COLUMNS = ("person_id", "death_date", "year", "age", "sex", "deso_code", "kommun_code",
           "underlying_cause", "cause_group", "cause_chapter")


def icd_classes(ctx: Context, source: str, key: tuple[str, ...], code: str,
                lookups: dict[str, str]) -> str:
    """A staging table of ``key`` + one column per lookup (output column → lookup name): the
    class of the ICD-10 code ``code`` by the longest matching prefix, then the lowest priority
    (hash joins on the code's 3- to 6-character prefixes, not a scan per row)."""
    keys = ", ".join(key)
    name = f"classes_{len(ctx.st._tables)}"
    parts = []
    for out, lookup in lookups.items():
        table = ctx.lookup(lookup)
        parts.append(f"""(SELECT {keys}, l.target AS {out} FROM (SELECT {keys}, unnest([
              left({code}, 3), left({code}, 4), left({code}, 5), left({code}, 6)]) AS __p
              FROM {source} WHERE {code} IS NOT NULL) c JOIN {table} l ON l.prefix = c.__p
            QUALIFY row_number() OVER (PARTITION BY {keys}
                                       ORDER BY length(l.prefix) DESC, l.priority) = 1)""")
    select = f"SELECT s.{keys.replace(', ', ', s.')}"
    body = f"FROM (SELECT DISTINCT {keys} FROM {source}) s"
    for i, (out, part) in enumerate(zip(lookups, parts, strict=True)):
        body += f" LEFT JOIN {part} j{i} USING ({keys})"
        select += f", j{i}.{out}"
    return ctx.st.create(name, f"{select} {body}")


def prepare(ctx: Context) -> Output:
    has = ctx.has
    date, imputed = _sql.partial_date("death_date")
    sex_given = _sql.sex("sex") if has("sex") else "NULL"
    age_given = _sql.integer("age") if has("age") else "NULL"
    lkf = ("CASE WHEN regexp_matches(trim(lkf), '^\\d{4,6}$') THEN left(trim(lkf), 4) END"
           if has("lkf") else "NULL")
    deso = f"CASE WHEN {_sql.present('deso_code')} THEN trim(deso_code) END" \
        if has("deso_code") else "NULL"
    kommun = f"CASE WHEN {_sql.present('kommun_code')} THEN trim(kommun_code) END" \
        if has("kommun_code") else "NULL"
    birth_region = "NULL"
    if has("country_of_birth"):
        birth_region = ctx.classify("country_of_birth", "birth_region",
                                    "unknown country of birth (ISO 3166 code or name)")
    # Sex and age: given, else from the personnummer, else from the population register.
    ctx.join("pp", f"SELECT person_id AS __pp_id, sex AS __pp_sex, birth_year AS __pp_by "
                   f"FROM {ctx.table('persons')}", "pp.__pp_id = r.person_id")
    age_pnr = ("CASE WHEN person_id__birth IS NOT NULL THEN date_diff('year', person_id__birth, "
               f"{date}) - CASE WHEN strftime({date}, '%m%d') < strftime(person_id__birth, "
               "'%m%d') THEN 1 ELSE 0 END END")
    ctx.typed({"date__v": date, "imputed__v": imputed,
               "cause__v": _sql.icd10("underlying_cause"),
               "sex__given": sex_given, "age__given": age_given, "lkf__kommun": lkf,
               "deso__v": deso, "kommun__v": f"coalesce({kommun}, left({deso}, 4), {lkf})",
               "sex__v": f"coalesce({sex_given}, person_id__sex, __pp_sex)",
               "age__v": f"coalesce({age_given}, {age_pnr}, year({date}) - __pp_by)"})
    ctx.check_identity("person_id")
    ctx.check_parsed("death_date", "date__v", "not a date (YYYYMMDD or YYYY-MM-DD; day or "
                     "month 00 when unknown)", required=True)
    ctx.note("imputed__v AND date__v IS NOT NULL", "death_date",
             "incomplete date: day 00 set to the 15th, month 00 to 1 July", action=IMPUTED)
    ctx.check_parsed("underlying_cause", "cause__v", "not an ICD-10 code", required=True)
    if has("sex"):
        ctx.check_parsed("sex", "sex__given", "not a sex code (1/2, M/K, male/female)")
    if has("age"):
        ctx.check_parsed("age", "age__given", "not an age (a whole number)")
        ctx.check_range("age", "age__given", 0, 120, "age outside 0–120")
    if has("lkf"):
        ctx.reject(f"{_sql.present('lkf')} AND lkf__kommun IS NULL", "lkf",
                   "not an LKF code (4–6 digits: län, kommun, församling)")
    ctx.check_area("deso_code", "deso", vintage=vintage_sql(ctx.mapping.options.deso_vintage,
                                                             "year(date__v)"))
    ctx.check_area("kommun_code", "kommun")
    if has("lkf"):
        ctx.reject(f"lkf__kommun IS NOT NULL AND lkf__kommun NOT IN (SELECT code FROM "
                   f"{ctx.table('areas')} WHERE level = 'kommun')", "lkf",
                   "unknown kommun in the LKF code")
    if has("deso_code") and has("kommun_code"):
        ctx.reject("deso__v IS NOT NULL AND trim(kommun_code) <> left(deso__v, 4)",
                   "kommun_code", "'the DeSO ' || deso__v || ' lies in kommun ' || "
                   "left(deso__v, 4)", reason_is_sql=True)
    ctx.reject("sex__v IS NULL", "sex", "sex is missing (not in the file, the personnummer or "
               "the population register)", "sex" if has("sex") else "NULL")
    ctx.reject("age__v IS NULL AND date__v IS NOT NULL", "age",
               "age is missing (not in the file, the personnummer or the population register)",
               "age" if has("age") else "NULL")
    ctx.duplicates(["person_id"], "person_id",
                   "the person has another death record in the load (the first is kept)")
    kept = ctx.kept()
    years = f"(SELECT DISTINCT year(date__v) FROM {kept})"
    # A death already in the warehouse outside the years this load replaces.
    ctx.reject(f"person_id IN (SELECT person_id FROM {ctx.table('deaths')} "
               f"WHERE year NOT IN {years})", "person_id",
               "the person already has a death record in the warehouse (another year)",
               "person_id__masked")
    kept = ctx.kept()
    classes = icd_classes(ctx, kept, ("__file", "__row"), "cause__v",
                          {"cause_group": "cause_of_death", "cause_chapter": "chapters"})
    shaped = ctx.st.create("deaths", f"""
        SELECT k.person_id, k.date__v AS death_date, year(k.date__v)::SMALLINT AS year,
               k.age__v::SMALLINT AS age, k.sex__v AS sex, k.deso__v AS deso_code,
               k.kommun__v AS kommun_code, k.cause__v AS underlying_cause,
               c.cause_group, c.cause_chapter
        FROM {kept} k JOIN {classes} c USING (__file, __row)""")
    years = f"(SELECT DISTINCT year FROM {shaped})"
    # People who died before their first 31 December in the population register (or moved in
    # and died) are known to the registers only by their death: add them to ``persons`` with
    # what the death record says, so that their deaths keep sex, age and birth region.
    region = birth_region if birth_region != "NULL" else "NULL"
    country = "upper(trim(k.country_of_birth))" if has("country_of_birth") else "NULL"
    new_persons = (f"SELECT k.person_id, any_value(k.sex__v), any_value(k.person_id__birth), "
                   f"any_value(coalesce(year(k.person_id__birth), year(k.date__v) - k.age__v)), "
                   f"any_value({region}), any_value({country}) FROM {kept} k "
                   f"WHERE k.person_id NOT IN (SELECT person_id FROM {ctx.table('persons')}) "
                   f"GROUP BY k.person_id")
    return Output([Write("deaths", COLUMNS, f"SELECT {', '.join(COLUMNS)} FROM {shaped}",
                         f"year IN {years}"),
                   Write("persons", ("person_id", "sex", "birth_date", "birth_year",
                                     "birth_region", "birth_country"), new_persons, "false")])
