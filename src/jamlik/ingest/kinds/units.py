"""``care-units`` (the vårdcentraler, also added to the area registry) and ``listings`` (who
is listed where on 31 December)."""

from __future__ import annotations

from jamlik.ingest import _sql
from jamlik.ingest._common import Context, Output, Write

UNIT_COLUMNS = ("code", "name", "kommun_code", "deso_code", "lon", "lat", "operator")
AREA_COLUMNS = ("code", "level", "name", "parent_code", "lan_code", "kommun_code", "regso_code",
                "socio_type", "vintage")
_UNIT_CODE = "^[A-Za-z][A-Za-z0-9_.\\-]{1,63}$"


def prepare_units(ctx: Context) -> Output:
    has = ctx.has
    ctx.typed({"lon__v": _sql.number("lon") if has("lon") else "NULL::DOUBLE",
               "lat__v": _sql.number("lat") if has("lat") else "NULL::DOUBLE"})
    ctx.reject(f"NOT {_sql.present('code')}", "code", "required value is missing")
    ctx.reject(f"{_sql.present('code')} AND (NOT regexp_matches(trim(code), '{_UNIT_CODE}') "
               f"OR trim(code) = 'SE')", "code",
               "a vårdcentral code starts with a letter (letters, digits, '.', '_', '-'), "
               "e.g. VC0580-01 or an HSA-id")
    ctx.reject(f"NOT {_sql.present('name')}", "name", "required value is missing")
    ctx.check_area("kommun_code", "kommun")
    ctx.check_in_home("kommun_code", "trim(kommun_code)")
    ctx.check_deso_known()
    if has("deso_code"):
        ctx.reject(f"{_sql.present('deso_code')} AND left(trim(deso_code), 4) <> "
                   f"trim(kommun_code)", "deso_code", "the DeSO lies in another kommun")
    for column, low, high in (("lon", 10.0, 25.0), ("lat", 55.0, 70.0)):
        if has(column):
            ctx.check_parsed(column, f"{column}__v", "not a number (decimal comma or point)")
            ctx.check_range(column, f"{column}__v", low, high,
                            f"outside Sweden ({low}–{high}, WGS84 degrees)")
    ctx.duplicates(["trim(code)"], "code", "the unit is listed twice (the first is kept)")
    kept = ctx.kept()
    deso = "nullif(trim(deso_code), '')" if has("deso_code") else "NULL"
    operator = "nullif(trim(operator), '')" if has("operator") else "NULL"
    units = ctx.st.create("units", f"""
        SELECT trim(code) AS code, trim(name) AS name, trim(kommun_code) AS kommun_code,
               {deso} AS deso_code, lon__v AS lon, lat__v AS lat, {operator} AS operator
        FROM {kept}""")
    codes = f"(SELECT code FROM {units})"
    return Output([
        Write("care_units", UNIT_COLUMNS, f"SELECT {', '.join(UNIT_COLUMNS)} FROM {units}",
              f"code IN {codes}"),
        Write("areas", AREA_COLUMNS,
              f"SELECT code, 'vardcentral', name, kommun_code, left(kommun_code, 2), "
              f"kommun_code, NULL, NULL, 'vårdcentral' FROM {units}",
              f"code IN {codes} AND level = 'vardcentral'"),
    ])


def prepare_listings(ctx: Context) -> Output:
    ctx.typed({"year__v": _sql.integer("year")})
    ctx.check_identity("person_id")
    ctx.check_parsed("year", "year__v", "not a year (a whole number)", required=True)
    ctx.reject(f"NOT {_sql.present('vardcentral_code')}", "vardcentral_code",
               "required value is missing")
    ctx.reject(f"{_sql.present('vardcentral_code')} AND trim(vardcentral_code) NOT IN "
               f"(SELECT code FROM {ctx.table('care_units')})", "vardcentral_code",
               "unknown vårdcentral code (load the units with jamlik load care-units first)")
    ctx.duplicates(["person_id", "year__v"], "person_id",
                   "the person is listed twice in the same year (the first is kept)")
    kept = ctx.kept()
    years = f"(SELECT DISTINCT year__v FROM {kept})"
    return Output([Write("listings", ("year", "person_id", "vardcentral_code"),
                         f"SELECT year__v::SMALLINT, person_id, trim(vardcentral_code) "
                         f"FROM {kept}", f"year IN {years}")])
