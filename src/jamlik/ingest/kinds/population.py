"""``population``: person × year rows (RTB/LISA) → ``persons``, ``person_years`` and the income
cut points of each year."""

from __future__ import annotations

import pyarrow.csv as pacsv

from jamlik.geo.registry import FIRST_YEAR_OF_2025
from jamlik.ingest import _sql
from jamlik.ingest._common import Context, Output, Write
from jamlik.model.errors import DataError

CUT_COLUMNS = ("year", "p20", "p40", "p60", "p80")
EDUCATION_RANK = {"compulsory": 1, "upper_secondary": 2, "post_secondary_lt3y": 3,
                  "post_secondary_ge3y": 4}


def vintage_sql(option: str, year: str) -> str:
    """The DeSO vintage of a row: the declared one, or by the register year."""
    if option in ("2018", "2025"):
        return f"'{option}'"
    return f"(CASE WHEN {year} >= {FIRST_YEAR_OF_2025} THEN '2025' ELSE '2018' END)"


def residence_exprs(ctx: Context) -> dict[str, str]:
    """``deso__v`` and ``kommun__v`` (the kommun of the DeSO when only the DeSO is given)."""
    deso = "trim(deso_code)" if ctx.has("deso_code") else "NULL"
    kommun = "trim(kommun_code)" if ctx.has("kommun_code") else "NULL"
    deso_v = f"CASE WHEN {_sql.present(deso)} THEN {deso} END"
    kommun_v = (f"coalesce(CASE WHEN {_sql.present(kommun)} THEN {kommun} END, "
                f"left({deso_v}, 4))")
    return {"deso__v": deso_v, "kommun__v": kommun_v}


def check_residence(ctx: Context, year: str) -> None:
    """DeSO and kommun of residence: codes, vintage, agreement, home region."""
    opt = ctx.mapping.options
    ctx.check_area("deso_code", "deso", vintage=vintage_sql(opt.deso_vintage, year))
    ctx.check_area("kommun_code", "kommun")
    if ctx.has("deso_code") and ctx.has("kommun_code"):
        ctx.reject(f"{_sql.present('deso_code')} AND {_sql.present('kommun_code')} AND "
                   f"left(trim(deso_code), 4) <> trim(kommun_code)", "kommun_code",
                   "'the DeSO ' || trim(deso_code) || ' lies in kommun ' || "
                   "left(trim(deso_code), 4)", reason_is_sql=True)
    column = "kommun_code" if ctx.has("kommun_code") else "deso_code"
    ctx.check_in_home(column, "kommun__v")


def prepare(ctx: Context) -> Output:
    opt = ctx.mapping.options
    has = ctx.has
    sex_given = _sql.sex("sex") if has("sex") else "NULL"
    by_given = _sql.integer("birth_year") if has("birth_year") else "NULL"
    edu = ctx.classify("education", "education",
                       "not a SUN level (1–7; 9, * or blank = missing) or an education group",
                       missing="missing") if has("education") else "'missing'"
    birth_region = None
    if has("birth_region"):
        birth_region = ctx.classify("birth_region", "birth_region",
                                    "not a birth region (sweden, nordic, europe, outside_europe)")
    if has("country_of_birth"):
        country = ctx.classify("country_of_birth", "birth_region",
                               "unknown country of birth (ISO 3166 code or name)")
        birth_region = country if birth_region is None else f"coalesce({birth_region}, {country})"
    ctx.typed({
        "year__v": _sql.integer("year"),
        "sex__v": f"coalesce({sex_given}, person_id__sex)",
        "birth_year__v": f"coalesce({by_given}, year(person_id__birth))",
        "income__v": _sql.number("disposable_income") if has("disposable_income") else "NULL",
        **residence_exprs(ctx),
    })
    ctx.check_identity("person_id")
    ctx.check_parsed("year", "year__v", "not a year (a whole number)", required=True)
    ctx.check_range("year", "year__v", 1900, 2100, "year outside 1900–2100")
    check_residence(ctx, "year__v")
    if has("sex"):
        ctx.check_parsed("sex", sex_given, "not a sex code (1/2, M/K, male/female)")
    ctx.reject("sex__v IS NULL", "sex", "sex is missing (no sex column and no personnummer "
               "to read it from)", "sex" if has("sex") else "NULL")
    if has("birth_year"):
        ctx.check_parsed("birth_year", by_given, "not a year (a whole number)")
    ctx.reject("birth_year__v IS NULL", "birth_year", "birth year is missing (no birth_year "
               "column and no personnummer to read it from)",
               "birth_year" if has("birth_year") else "NULL")
    ctx.reject("birth_year__v IS NOT NULL AND year__v IS NOT NULL AND "
               "(year__v - birth_year__v < 0 OR year__v - birth_year__v > 120)", "birth_year",
               "age on 31 December (year − birth year) outside 0–120",
               "birth_year__v::VARCHAR")
    if has("disposable_income"):
        ctx.check_parsed("disposable_income", "income__v",
                         "not a number (decimal comma or point)")
    if has("vardcentral_code"):
        ctx.reject(f"{_sql.present('vardcentral_code')} AND trim(vardcentral_code) NOT IN "
                   f"(SELECT code FROM {ctx.table('care_units')})", "vardcentral_code",
                   "unknown vårdcentral code (load the units with jamlik load care-units first)")
    for parent in ("parent1_id", "parent2_id"):
        ctx.check_identity(parent, required=False)
    ctx.duplicates(["person_id", "year__v"], "person_id",
                   "the person has another row for the same year (the first is kept)")
    kept = ctx.kept()
    cuts, source = _cut_points(ctx, kept)
    py = _person_years(ctx, kept, edu, cuts)
    years = f"(SELECT DISTINCT year__v FROM {kept})"
    writes = [
        Write("person_years", PY_COLUMNS, f"SELECT {', '.join(PY_COLUMNS)} FROM {py}",
              f"year IN {years}"),
        Write("persons", ("person_id", "sex", "birth_date", "birth_year", "birth_region",
                          "birth_country"),
              f"SELECT person_id, sex__v, person_id__birth, birth_year__v, {birth_region or 'NULL'},"
              f" {'upper(trim(country_of_birth))' if has('country_of_birth') else 'NULL'} "
              f"FROM {kept} QUALIFY row_number() OVER (PARTITION BY person_id "
              f"ORDER BY year__v DESC, __file, __row) = 1",
              f"person_id IN (SELECT person_id FROM {kept})"),
        Write("income_cut_points", ("year", "source", "p20", "p40", "p60", "p80", "persons"),
              f"SELECT year, source, p20, p40, p60, p80, persons FROM {cuts}",
              f"year IN (SELECT year FROM {cuts})"),
    ]
    return Output(writes, details={"income_cut_points": source,
                                   "deso_vintage": opt.deso_vintage,
                                   "child_income": opt.child_income})


PY_COLUMNS = ("year", "person_id", "age", "deso_code", "kommun_code", "vardcentral_code",
              "education", "income_quintile", "education_level", "disposable_income",
              "parent1_id", "parent2_id")



def _cut_points(ctx: Context, kept: str) -> tuple[str, str]:
    """Income quintile cut points per year: from the supplied file, else the region's own."""
    opt = ctx.mapping.options
    years = f"SELECT DISTINCT year__v AS year FROM {kept}"
    if opt.income_cut_points:
        path = ctx.mapping.path(opt.income_cut_points)
        if not path.is_file():
            raise DataError("the income cut points file does not exist",
                            file=str(path), column="options.income_cut_points")
        table = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(
            delimiter=";" if ";" in path.read_text(encoding="utf-8").split("\n", 1)[0] else ","))
        for c in CUT_COLUMNS:
            if c not in table.column_names:
                raise DataError("required column is missing", file=path.name, column=c)
        view = ctx.st.put("cuts_file", table.select(list(CUT_COLUMNS)))
        missing = ctx.st.rows(f"SELECT y.year FROM ({years}) y ANTI JOIN {view} c "
                              f"ON c.year = y.year ORDER BY 1")
        if missing:
            raise DataError("the cut points file has no row for a year of the load",
                            file=path.name, column="year", value=missing[0][0])
        bad = ctx.st.first(f"SELECT year FROM {view} WHERE NOT (p20 <= p40 AND p40 <= p60 AND "
                           f"p60 <= p80) LIMIT 1")
        if bad:
            raise DataError("cut points must increase (p20 ≤ p40 ≤ p60 ≤ p80)", file=path.name,
                            value=bad[0])
        cuts = ctx.st.create("cuts", f"SELECT c.year::SMALLINT AS year, 'national: ' || "
                                     f"'{path.name}' AS source, p20::DOUBLE AS p20, "
                                     f"p40::DOUBLE AS p40, p60::DOUBLE AS p60, "
                                     f"p80::DOUBLE AS p80, NULL::BIGINT AS persons "
                                     f"FROM {view} c SEMI JOIN ({years}) y ON c.year = y.year")
        return cuts, f"national cut points from {path.name}"
    cuts = ctx.st.create(
        "cuts",
        f"SELECT year__v::SMALLINT AS year, 'region: own cut points, ages "
        f"{opt.quintile_min_age}+' AS source, q[1] AS p20, q[2] AS p40, q[3] AS p60, "
        f"q[4] AS p80, n AS persons FROM (SELECT year__v, quantile_cont(income__v, "
        f"[0.2, 0.4, 0.6, 0.8]) AS q, count(income__v) AS n FROM {kept} "
        f"WHERE year__v - birth_year__v >= {opt.quintile_min_age} AND income__v IS NOT NULL "
        f"GROUP BY year__v)")
    return cuts, f"the region's own cut points (ages {opt.quintile_min_age}+)"


def _quintile(income: str, cuts: str = "c") -> str:
    return (f"CASE WHEN {income} IS NULL OR {cuts}.p20 IS NULL THEN NULL ELSE 1 + "
            f"({income} > {cuts}.p20)::INT + ({income} > {cuts}.p40)::INT + "
            f"({income} > {cuts}.p60)::INT + ({income} > {cuts}.p80)::INT END")


def _person_years(ctx: Context, kept: str, edu: str, cuts: str) -> str:
    opt = ctx.mapping.options
    has_parents = ctx.has("parent1_id") or ctx.has("parent2_id")
    age = "(year__v - birth_year__v)"
    rank = "CASE {e} " + " ".join(f"WHEN '{g}' THEN {r}" for g, r in EDUCATION_RANK.items()) \
        + " END"
    parent_cols = [p for p in ("parent1_id", "parent2_id") if ctx.has(p)]
    base = ctx.st.view("py_base", f"SELECT k.*, {edu} AS __edu, {age} AS __age FROM {kept} k")
    family_edu = family_income = "NULL"
    if has_parents:
        links = " UNION ALL ".join(
            f"SELECT person_id AS child, year__v AS year, {p} AS parent FROM {base} "
            f"WHERE {p} IS NOT NULL" for p in parent_cols)
        ctx.st.create("family", f"""
            SELECT l.child, l.year,
                   max({rank.format(e='p.__edu')}) AS edu_rank,
                   avg(p.income__v) AS income
            FROM ({links}) l JOIN {base} p ON p.person_id = l.parent AND p.year__v = l.year
            GROUP BY l.child, l.year""")
        groups = "CASE f.edu_rank " + " ".join(f"WHEN {r} THEN '{g}'"
                                                for g, r in EDUCATION_RANK.items()) + " END"
        family_edu = groups if opt.family_education else "NULL"
        family_income = "f.income"
    child = f"b.__age < {opt.quintile_min_age}"
    if opt.child_income == "own":
        income = "b.income__v"
    elif opt.child_income == "family":
        income = f"CASE WHEN {child} THEN {family_income} ELSE b.income__v END"
    else:
        income = f"CASE WHEN {child} THEN NULL ELSE b.income__v END"
    education = (f"CASE WHEN b.__age < 18 THEN {family_edu} "
                 f"WHEN b.__age >= {opt.education_min_age} THEN b.__edu END")
    join_family = (f"LEFT JOIN {ctx['family']} f ON f.child = b.person_id AND f.year = b.year__v"
                   if has_parents else "")
    vc = "nullif(trim(b.vardcentral_code), '')" if ctx.has("vardcentral_code") else "NULL"
    level = "nullif(trim(b.education), '')" if ctx.has("education") else "NULL"
    return ctx.st.view("py", f"""
        SELECT b.year__v::SMALLINT AS year, b.person_id, b.__age::SMALLINT AS age,
               b.deso__v AS deso_code, b.kommun__v AS kommun_code, {vc} AS vardcentral_code,
               {education} AS education,
               ({_quintile(income)})::TINYINT AS income_quintile,
               {level} AS education_level, b.income__v AS disposable_income,
               {'b.parent1_id' if ctx.has('parent1_id') else 'NULL'} AS parent1_id,
               {'b.parent2_id' if ctx.has('parent2_id') else 'NULL'} AS parent2_id
        FROM {base} b LEFT JOIN {cuts} c ON c.year = b.year__v {join_family}""")
