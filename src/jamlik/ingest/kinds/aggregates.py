"""``aggregates``: counts by area × year × sex × age (× education × income quintile × birth
region), any number of count variables → ``aggregates`` in long form, single years of age
summed into life-table bands."""

from __future__ import annotations

from jamlik.ingest import _sql
from jamlik.ingest._common import Context, Output, Write, quoted_list
from jamlik.model.age_bands import LIFE_TABLE_BANDS, LIFE_TABLE_ENDS
from jamlik.model.errors import DataError

COLUMNS = ("area_code", "year", "sex", "age_band", "education", "income_quintile",
           "birth_region", "variable", "value", "population_type", "synthetic")
POPULATION_TYPES = ("dec31", "jan1", "mean", "dec31_survivors")


def _band_of_age(age: str) -> str:
    """SQL: the life-table band of a non-negative whole age."""
    cases = " ".join(f"WHEN {age} <= {end} THEN '{band}'"
                     for band, end in zip(LIFE_TABLE_BANDS, LIFE_TABLE_ENDS, strict=True)
                     if end is not None)
    return f"CASE WHEN {age} IS NULL THEN NULL {cases} ELSE '{LIFE_TABLE_BANDS[-1]}' END"


def prepare(ctx: Context) -> Output:
    has = ctx.has
    variables = ctx.staged.variables
    opt = ctx.mapping.options
    if "population" in variables and not has("population_type") and opt.population_type is None:
        raise DataError("say what the population counts: options.population_type (dec31, jan1, "
                        "mean or dec31_survivors) or a population_type column",
                        file=ctx.mapping.source, column="population_type")
    age_num = ("TRY_CAST(regexp_extract(trim(age), '^(\\d{1,3})\\+?$', 1) AS INTEGER)"
               if has("age") else "NULL")
    band = (f"CASE WHEN trim(age_band) IN {quoted_list(LIFE_TABLE_BANDS)} THEN trim(age_band) END"
            if has("age_band") else "NULL")
    ptype = ("lower(trim(population_type))" if has("population_type")
             else f"'{opt.population_type}'" if opt.population_type else "NULL")
    edu = ctx.classify("education", "education", "not an education group or SUN level",
                       allowed_blank=("not_applicable",))
    region = ctx.classify("birth_region", "birth_region", "not a birth region")
    ctx.typed({
        "year__v": _sql.integer("year"), "sex__v": _sql.sex("sex"),
        "band__v": f"coalesce({band}, {_band_of_age(age_num)})", "age__n": age_num,
        "iq__v": _sql.integer("income_quintile") if has("income_quintile") else "NULL",
        "ptype__v": ptype,
    })
    ctx.reject("NOT regexp_matches(coalesce(trim(area_code), ''), '^(SE|\\d{2}|\\d{4})$')",
               "area_code", "an area of aggregates is a kommun (4 digits), a län (2 digits) or "
               "SE", "area_code")
    ctx.reject(f"regexp_matches(coalesce(trim(area_code), ''), '^(SE|\\d{{2}}|\\d{{4}})$') AND "
               f"NOT {ctx.known_area('trim(area_code)', ('nation', 'lan', 'kommun'))}",
               "area_code", "unknown area code")
    ctx.check_parsed("year", "year__v", "not a year (a whole number)", required=True)
    ctx.check_range("year", "year__v", 1900, 2100, "year outside 1900–2100")
    ctx.reject(f"{_sql.present('sex')} AND lower(trim(sex)) IN ('total', 'totalt', 't', '1+2')",
               "sex", "rows are by sex (male, female); jamlik sums the totals itself")
    ctx.check_parsed("sex", "sex__v", "not a sex code (1/2, M/K, male/female)", required=True)
    if has("age"):
        ctx.check_parsed("age", "age__n", "not an age in years (0–110, '100+')")
        ctx.check_range("age", "age__n", 0, 120, "age outside 0–120")
    if has("age_band"):
        ctx.reject(f"{_sql.present('age_band')} AND {band} IS NULL", "age_band",
                   f"not a life-table band ({', '.join(LIFE_TABLE_BANDS)})")
    ctx.reject("band__v IS NULL", "age" if has("age") else "age_band",
               "the age (single year or life-table band) is missing",
               "age" if has("age") else "age_band")
    ctx.reject(f"ptype__v IS NOT NULL AND ptype__v NOT IN {quoted_list(POPULATION_TYPES)}",
               "population_type", f"one of {', '.join(POPULATION_TYPES)}",
               "population_type" if has("population_type") else "ptype__v")
    if has("income_quintile"):
        ctx.check_parsed("income_quintile", "iq__v", "not an income quintile (1–5)")
        ctx.check_range("income_quintile", "iq__v", 1, 5, "not an income quintile (1–5)")
    if "population" in variables and has("population_type"):
        ctx.reject("ptype__v IS NULL", "population_type", "the population type is missing")
    # The counts, one row per cell and variable (blank and zero cells left out; a missing
    # population is 0), each parsed once.
    cols = ", ".join(f"v__{v}" for v in variables)
    zero = "('0', '0.0', '0,0', '0.00', '0,00')"
    ctx.st.create("long", f"""
        SELECT __file, __row, substr(variable, 4) AS variable, raw,
               {_sql.number('raw')} AS value
        FROM (UNPIVOT (SELECT __file, __row, {cols} FROM {ctx['typed']})
              ON {cols} INTO NAME variable VALUE raw)
        WHERE {_sql.present('raw')} AND trim(raw) NOT IN {zero}""")
    checks = (("value IS NULL", "not a number (decimal comma or point)"),
              ("value < 0", "counts are not negative"),
              ("value > 1e9", "more than a billion: not a count of people in one cell"))
    reason = "CASE " + " ".join(f"WHEN {w} THEN variable || ': {r}'" for w, r in checks) + " END"
    ctx.issues.add(" OR ".join(w for w, _ in checks), "variable", reason, "raw", table="long",
                   reason_is_sql=True, column_is_sql=True)
    keys = ["__file", "trim(area_code)", "year__v", "sex__v", "coalesce(age__n::VARCHAR, band__v)",
            f"coalesce({edu}, '')", "coalesce(iq__v, 0)", f"coalesce({region}, '')"]
    ctx.duplicates(keys, "area_code",
                   "the same area, year, sex, age and groups twice (the first is kept)")
    kept = ctx.kept()
    # One file per area × year × variable: two would be counted twice.
    cells = ctx.st.view("cells", f"""
        SELECT l.__file, l.__row, trim(k.area_code) AS area_code, k.year__v, k.sex__v,
               k.band__v, {edu} AS edu, k.iq__v, {region} AS region, l.variable,
               l.value, k.ptype__v
        FROM {ctx['long']} l JOIN {kept} k USING (__file, __row)
        ANTI JOIN ({ctx.issues.rejected_keys()}) x ON x.__file = l.__file AND x.__row = l.__row""")
    clash = ctx.st.first(f"""
        SELECT f.__fname, l.__row, l.area_code, l.year__v, l.variable FROM {cells} l
        JOIN {ctx['files']} f ON f.__fidx = l.__file
        WHERE (l.area_code, l.year__v, l.variable) IN (
            SELECT area_code, year__v, variable FROM {cells}
            GROUP BY 1, 2, 3 HAVING count(DISTINCT __file) > 1)
        ORDER BY l.__file DESC, l.__row LIMIT 1""")
    if clash:
        raise DataError(f"{clash[2]} {clash[3]} {clash[4]} is also in another file of the load; "
                        "each area, year and variable must come from one file", file=clash[0],
                        row=clash[1], column="area_code", value=clash[2])
    shaped = ctx.st.create("aggregates", f"""
        SELECT area_code, year__v::SMALLINT AS year, sex__v AS sex, band__v AS age_band,
               edu AS education, iq__v::TINYINT AS income_quintile, region AS birth_region,
               variable, sum(value) AS value,
               CASE WHEN variable = 'population' THEN any_value(ptype__v) END AS population_type,
               {str(ctx.synthetic).lower()} AS synthetic
        FROM {cells}
        GROUP BY area_code, year__v, sex__v, band__v, edu, iq__v, region, variable""")
    # Zero cells are left out, but every area × year × variable the files hold keeps a row
    # (a zero, if need be): it records that the variable was loaded there (zero, not missing).
    ctx.st.insert(shaped, f"""
        SELECT m.area_code, m.year__v::SMALLINT, 'male', '0', NULL, NULL, NULL, m.variable, 0,
               NULL, {str(ctx.synthetic).lower()}
        FROM (SELECT DISTINCT trim(area_code) AS area_code, year__v, substr(variable, 4)
                     AS variable
              FROM (UNPIVOT (SELECT area_code, year__v, {cols} FROM {kept})
                    ON {cols} INTO NAME variable VALUE raw)
              WHERE {_sql.present('raw')}) m
        ANTI JOIN {shaped} s ON s.area_code = m.area_code AND s.year = m.year__v
                            AND s.variable = m.variable""")
    scope = f"(area_code, year, variable) IN (SELECT DISTINCT area_code, year, variable FROM {shaped})"
    n_areas = ctx.st.scalar(f"SELECT count(DISTINCT area_code) FROM {shaped}")
    return Output([Write("aggregates", COLUMNS, f"SELECT {', '.join(COLUMNS)} FROM {shaped}",
                         scope)],
                  details={"variables": variables, "areas": n_areas,
                           "population_type": opt.population_type})
