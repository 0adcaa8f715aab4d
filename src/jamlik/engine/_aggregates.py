"""Counts from ``aggregates``: kommun, län and national rows for areas the registers do not cover.

``aggregates`` holds counts by area (kommun, län or ``SE``) × year × sex × life-table band
(× education × income quintile × birth region), one row per variable. Once per run the variables
the run's indicators name are read and put side by side (:func:`aggregate_cells`); each
indicator then rolls its own up (:func:`aggregate_rollup`).

**Person-time.** Rates, DSRs and life tables need the population at risk during the year, the
mean population (SCB's *medelfolkmängd*). What a ``population`` row counts is declared on load
(``population_type``) and honoured here, cell by cell:

* ``mean`` — the mean population as given;
* ``dec31`` — ½ × 31 December of the year before + ½ × 31 December of the year, when the
  area's year before is loaded (else the 31 December population + ½ deaths, said in the note);
* ``jan1`` — ½ × 1 January of the year + ½ × 1 January of the next year (else 1 January − ½
  deaths);
* ``dec31_survivors`` — a 31 December population whose cells also hold the year's deaths (the
  demo's model of the rest of Sweden): population + ½ deaths.

**Coverage.** A level is never the sum of whatever happens to be loaded. A kommun comes from its
own rows; a län from its own rows, or from its kommuner when every kommun of the län is loaded
for the year and breakdown; the nation from ``SE`` rows, or from all 21 län when every one is
covered (by the region's registers or by aggregates; see :func:`jamlik.engine._rollup.rolled_up`).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from jamlik.model.age_bands import LIFE_TABLE_BANDS

DIMENSIONS = ("education", "income_quintile", "birth_region")
#: Breakdowns aggregates can give (each from its own dimension column).
AGGREGATE_BREAKDOWNS = ("total", "sex", *DIMENSIONS)
CELL = ("area_code", "year", "sex", "_band", *DIMENSIONS)
FALLBACK_NOTE = ("denominator partly 31 Dec population + ½ deaths (or 1 Jan − ½ deaths): the "
                 "neighbouring year's population is not loaded")
PERSON_TIME = "__person_time"


def level_of(code: pl.Expr) -> pl.Expr:
    return (pl.when(code == "SE").then(pl.lit("nation"))
            .when(code.str.len_chars() == 2).then(pl.lit("lan"))
            .otherwise(pl.lit("kommun")))


def aggregate_variables(backend) -> set[str]:
    """The variables ``aggregates`` holds (one small query)."""
    t = backend.table("aggregates")
    return set(t.select("variable").distinct().to_pyarrow()["variable"].to_pylist())


def aggregate_cells(backend, variables: Iterable[str]) -> pl.DataFrame:
    """The cells of ``variables`` side by side (a column each, missing = 0), with
    ``_syn`` (any synthetic row), ``_fb`` (person-time fell back) and ``__person_time``."""
    wanted = sorted(set(variables) | {"population", "deaths"})
    t = backend.table("aggregates")
    t = t.filter(t.variable.isin(wanted))
    t = t.mutate(_band=t.age_band.cases(*[(b, i) for i, b in enumerate(LIFE_TABLE_BANDS)]).cast("int8"))
    long = pl.from_arrow(t.group_by(
        area_code=t.area_code, year=t.year.cast("int16"), sex=t.sex, _band=t._band,
        education=t.education, income_quintile=t.income_quintile.cast("string"),
        birth_region=t.birth_region, variable=t.variable,
    ).agg(value=t.value.sum(), _ptype=t.population_type.max(),
          _syn=t.synthetic.max()).to_pyarrow())
    if long.height == 0:
        return pl.DataFrame(schema={**{c: pl.Utf8 for c in CELL}, "year": pl.Int16,
                                    "_band": pl.Int8, "_syn": pl.Boolean, "_fb": pl.Boolean,
                                    PERSON_TIME: pl.Float64,
                                    **dict.fromkeys(wanted, pl.Float64)})
    ptype = (long.filter(pl.col("variable") == "population")
             .group_by("area_code", "year").agg(_ptype=pl.col("_ptype").first()))
    # Which variables each area and year holds: a variable that is not loaded for an area and
    # year is missing there, not zero.
    loaded = (long.group_by("area_code", "year").agg(pl.col("variable").unique())
              .select("area_code", "year", *[pl.col("variable").list.contains(v).alias(f"_has_{v}")
                                             for v in wanted]))
    syn = long.group_by(CELL).agg(_syn=pl.col("_syn").any())
    wide = (long.pivot("variable", index=list(CELL), values="value", aggregate_function="sum")
            .join(syn, on=list(CELL), how="left", nulls_equal=True))
    for v in wanted:
        if v not in wide.columns:
            wide = wide.with_columns(pl.lit(0.0).alias(v))
    wide = wide.with_columns(pl.col(wanted).fill_null(0.0))
    wide = wide.join(ptype, on=["area_code", "year"], how="left")
    return _person_time(wide).join(loaded, on=["area_code", "year"], how="left").with_columns(
        pl.col(f"_has_{v}").fill_null(False) for v in wanted)


def _person_time(wide: pl.DataFrame) -> pl.DataFrame:
    """``__person_time`` and ``_fb`` per cell (see the module docstring)."""
    cell = [c for c in CELL if c != "year"]
    years = wide.select("area_code", "year").unique()
    pop = wide.select(*cell, "year", _p="population")
    before = pop.with_columns(pl.col("year") + 1).rename({"_p": "_p_before"})
    after = pop.with_columns(pl.col("year") - 1).rename({"_p": "_p_after"})
    has_before = years.with_columns(pl.col("year") + 1, _hb=pl.lit(True))
    has_after = years.with_columns(pl.col("year") - 1, _ha=pl.lit(True))
    w = (wide.join(before, on=[*cell, "year"], how="left", nulls_equal=True)
         .join(after, on=[*cell, "year"], how="left", nulls_equal=True)
         .join(has_before, on=["area_code", "year"], how="left")
         .join(has_after, on=["area_code", "year"], how="left"))
    p, d = pl.col("population"), pl.col("deaths")
    hb = pl.col("_hb").fill_null(False)
    ha = pl.col("_ha").fill_null(False)
    kind = pl.col("_ptype")
    person_time = (
        pl.when(kind == "mean").then(p)
        .when((kind == "dec31") & hb).then(0.5 * p + 0.5 * pl.col("_p_before").fill_null(0.0))
        .when(kind == "dec31").then(p + 0.5 * d)
        .when((kind == "jan1") & ha).then(0.5 * p + 0.5 * pl.col("_p_after").fill_null(0.0))
        .when(kind == "jan1").then((p - 0.5 * d).clip(lower_bound=0.0))
        .otherwise(p + 0.5 * d))
    fallback = ((kind == "dec31") & ~hb) | ((kind == "jan1") & ~ha)
    out = w.with_columns(person_time.alias(PERSON_TIME), _fb=fallback.fill_null(False))
    # Cells of the year before (or after) that have no cell this year still carry person-time.
    orphans = _orphans(wide, cell)
    out = out.drop("_p_before", "_p_after", "_hb", "_ha")
    return pl.concat([out, orphans.select(out.columns)], how="vertical_relaxed") \
        if orphans.height else out


def _orphans(wide: pl.DataFrame, cell: list[str]) -> pl.DataFrame:
    """Half of a year-end population cell that has no counterpart in the next year (its
    people moved to another cell, e.g. the next age band): person-time of the next year."""
    dec = wide.filter(pl.col("_ptype") == "dec31")
    if dec.height == 0:
        return wide.head(0).with_columns(pl.lit(0.0).alias(PERSON_TIME), _fb=pl.lit(False))
    years = dec.select("area_code", "year").unique()
    moved = dec.with_columns(pl.col("year") + 1).join(
        years, on=["area_code", "year"], how="semi").join(
        dec.select(*cell, "year"), on=[*cell, "year"], how="anti", nulls_equal=True)
    zero = [c for c in wide.columns if c not in (*CELL, "_syn", "_ptype")]
    return moved.with_columns(
        *[pl.lit(0.0).alias(c) for c in zero],
        (0.5 * pl.col("population")).alias(PERSON_TIME), _fb=pl.lit(False))


def _sum_of(spec: str) -> pl.Expr:
    return pl.sum_horizontal(*[pl.col(name.strip()) for name in spec.split("+")])


def aggregate_rollup(cells: pl.DataFrame, numerator: str | None, denominator: str,
                     person_time: bool, breakdowns: Iterable[str], levels: Iterable[str],
                     lans_of: dict[str, list[str]]) -> pl.DataFrame:
    """kommun, län and national rows of one indicator from the aggregate cells.

    Returns ``year, area_level, area_code, breakdown, group_value, _band`` + ``numerator``,
    ``denominator``, ``_syn``, ``_fb``. Län are completed from their kommuner when every kommun
    of the län (``lans_of``: län → kommuner) is loaded for the year and breakdown.
    """
    if cells.height == 0:
        return _empty()
    needed = [n.strip() for spec in (numerator, denominator) if spec for n in spec.split("+")]
    if person_time:
        needed.append("population")
    cells = cells.filter(pl.all_horizontal(pl.col(f"_has_{n}") for n in dict.fromkeys(needed)))
    if cells.height == 0:
        return _empty()
    den = pl.col(PERSON_TIME) if person_time and denominator == "population" \
        else _sum_of(denominator)
    if person_time and denominator != "population":
        den = den + 0.5 * pl.col("deaths")
    base = cells.select(
        *CELL, "_syn", "_fb", numerator=_sum_of(numerator) if numerator else pl.lit(0.0),
        denominator=den, _level=level_of(pl.col("area_code")))
    parts = []
    for b in (b for b in AGGREGATE_BREAKDOWNS if b in breakdowns):
        group = (pl.lit("total") if b == "total" else pl.col(b))
        rows = base.with_columns(group_value=group).filter(pl.col("group_value").is_not_null())
        g = (rows.group_by("year", "_level", "area_code", "group_value", "_band")
             .agg(pl.col("numerator", "denominator").sum(), pl.col("_syn").any(),
                  pl.col("_fb").any())
             .with_columns(breakdown=pl.lit(b)))
        parts.append(g)
    if not parts:
        return _empty()
    rolled = pl.concat(parts).rename({"_level": "area_level"})
    kommun = rolled.filter(pl.col("area_level") == "kommun")
    explicit_lan = rolled.filter(pl.col("area_level") == "lan")
    derived = _complete(kommun, lans_of, explicit_lan)
    out = pl.concat([rolled, derived]).filter(pl.col("area_level").is_in(list(levels)))
    return out.select(_empty().columns)


def _complete(kommun: pl.DataFrame, lans_of: dict[str, list[str]],
              explicit: pl.DataFrame) -> pl.DataFrame:
    """Län rows summed from kommuner where every kommun of the län has rows (for the year and
    breakdown) and the län has no rows of its own."""
    if kommun.height == 0:
        return kommun.head(0)
    k = kommun.with_columns(_lan=pl.col("area_code").str.slice(0, 2))
    present = k.group_by("year", "breakdown", "_lan").agg(
        _n=pl.col("area_code").n_unique())
    need = pl.DataFrame({"_lan": list(lans_of), "_need": [len(v) for v in lans_of.values()]})
    complete = present.join(need, on="_lan").filter(pl.col("_n") == pl.col("_need"))
    mine = explicit.select("year", "breakdown", _lan="area_code").unique()
    complete = complete.join(mine, on=["year", "breakdown", "_lan"], how="anti")
    lan = (k.join(complete.select("year", "breakdown", "_lan"),
                  on=["year", "breakdown", "_lan"], how="semi")
           .group_by("year", "breakdown", "group_value", "_band", "_lan")
           .agg(pl.col("numerator", "denominator").sum(), pl.col("_syn").any(),
                pl.col("_fb").any())
           .with_columns(area_level=pl.lit("lan"))
           .rename({"_lan": "area_code"}))
    return lan.select(kommun.columns)


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema={"year": pl.Int16, "area_level": pl.Utf8, "area_code": pl.Utf8,
                                "breakdown": pl.Utf8, "group_value": pl.Utf8, "_band": pl.Int8,
                                "numerator": pl.Float64, "denominator": pl.Float64,
                                "_syn": pl.Boolean, "_fb": pl.Boolean})


def national_from_lans(rows: pl.DataFrame, n_lans: int) -> pl.DataFrame:
    """The nation as the sum of its län where all ``n_lans`` have rows for the year and
    breakdown (``rows``: län rows of the region and of aggregates together)."""
    lan = rows.filter(pl.col("area_level") == "lan")
    if lan.height == 0:
        return rows.head(0)
    complete = (lan.group_by("year", "breakdown").agg(_n=pl.col("area_code").n_unique())
                .filter(pl.col("_n") == n_lans))
    nation = (lan.join(complete.select("year", "breakdown"), on=["year", "breakdown"],
                       how="semi")
              .group_by("year", "breakdown", "group_value", "_band")
              .agg(pl.col("numerator", "denominator").sum(), pl.col("_syn").any(),
                   pl.col("_fb").any())
              .with_columns(area_level=pl.lit("nation"), area_code=pl.lit("SE")))
    return nation.select(rows.columns)


__all__ = ["AGGREGATE_BREAKDOWNS", "FALLBACK_NOTE", "aggregate_cells", "aggregate_rollup",
           "aggregate_variables", "national_from_lans"]
