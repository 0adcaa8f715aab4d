"""Cells and roll-up as Ibis expressions: unit frames → counts per area level × breakdown group.

For one indicator the result has one row per ``(year, area_level, area_code, breakdown,
group_value, age_band)`` with ``numerator`` and ``denominator`` counts. The region's microdata give
every level; ``aggregate_counts`` adds the other kommuner (and so the other län and the nation)
for the breakdowns it carries.
"""

from __future__ import annotations

from collections.abc import Iterable

import ibis
import ibis.expr.types as ir
import polars as pl

from jamlik.engine._frames import COMMON, Frames, _age_range, _condition
from jamlik.model.catalogue import BREAKDOWNS, LE_BANDS, Count, Indicator

AGE_GROUPS = ("0-15", "16-29", "30-44", "45-64", "65-79", "80+")
#: Breakdowns per level (issue 3): small areas only total and sex.
LEVEL_BREAKDOWNS = {
    "nation": ("total", "sex", "age_group", "education", "income_quintile", "birth_region",
               "socio_type"),
    "lan": ("total", "sex", "age_group", "education", "income_quintile", "birth_region",
            "socio_type"),
    "kommun": ("total", "sex", "age_group", "education", "income_quintile", "birth_region",
               "socio_type"),
    "vardcentral": ("total", "sex", "age_group", "education", "income_quintile", "birth_region"),
    "regso": ("total", "sex"),
    "deso": ("total", "sex"),
}
#: Breakdowns the rest of Sweden (``aggregate_counts``) can give.
AGGREGATE_BREAKDOWNS = ("total", "sex", "education", "income_quintile")
#: Every value each breakdown can take (used to complete the groups of each area).
GROUPS = {
    "total": ("total",),
    "sex": ("male", "female"),
    "age_group": AGE_GROUPS,
    "education": ("compulsory", "upper_secondary", "post_secondary_lt3y", "post_secondary_ge3y",
                  "missing"),
    "income_quintile": ("1", "2", "3", "4", "5"),
    "birth_region": ("sweden", "nordic", "europe", "outside_europe"),
    "socio_type": ("1", "2", "3", "4", "5"),
}
KEYS = ("year", "area_level", "area_code", "breakdown", "group_value", "_band")

_BAND_START = {b: (0 if b == "0" else int(b.split("-")[0].rstrip("+"))) for b in LE_BANDS}
_BAND_END = {b: (0 if b == "0" else (None if b.endswith("+") else int(b.split("-")[1])))
             for b in LE_BANDS}


def uses_bands(ind: Indicator) -> bool:
    return ind.method in ("dsr", "life_expectancy")


def band_index(age: ir.IntegerValue) -> ir.IntegerValue:
    """Index 0..19 of the life-table band ('0', '1-4', '5-9', …, '90+')."""
    return ibis.cases((age == 0, 0), (age < 5, 1), (age >= 90, 19),
                      else_=age // 5 + 1).cast("int8")


def age_group_index(age: ir.IntegerValue) -> ir.IntegerValue:
    return ibis.cases((age <= 15, 0), (age <= 29, 1), (age <= 44, 2), (age <= 64, 3),
                      (age <= 79, 4), else_=5).cast("int8")


def group_expr(t: ir.Table, breakdown: str) -> ir.StringValue:
    if breakdown == "total":
        return ibis.literal("total")
    if breakdown == "age_group":
        return t._agegrp.cases(*[(i, g) for i, g in enumerate(AGE_GROUPS)])
    return t[breakdown].cast("string")


def levels_of(ind: Indicator) -> tuple[str, ...]:
    return tuple(str(lv) for lv in ind.levels)


def breakdowns_at(ind: Indicator, level: str) -> tuple[str, ...]:
    return tuple(b for b in ind.breakdowns if b in LEVEL_BREAKDOWNS[level])


def band_range(ind: Indicator) -> tuple[int, int] | None:
    """First and last band index inside the indicator's ages; None when the ages split a band."""
    bands = _band_filter(ind)
    if not bands:
        return None
    return LE_BANDS.index(bands[0]), LE_BANDS.index(bands[-1])


def count_key(count: Count, ind: Indicator) -> tuple:
    """Counts with equal keys share their cells (ages that split a band become part of the key)."""
    where = tuple(sorted((k, str(v)) for k, v in (count.where or {}).items()))
    ages = None if band_range(ind) is not None else ind.ages
    return count.source, where, ages


class Cells:
    """Cells of each distinct count, cached as temporary tables for the whole run.

    ``geo``: (year, kommun, deso, band, breakdown, group) → n;
    ``vc``: (year, vårdcentral, band, breakdown, group) → n; every breakdown is computed once.
    """

    def __init__(self, frames: Frames, indicators: Iterable[Indicator] = ()):
        self.frames = frames
        #: breakdowns needed per count key by the indicators of this run (all when unknown)
        self._needed: dict[tuple, set[str]] = {}
        for ind in indicators:
            want = {b for lv in levels_of(ind) for b in breakdowns_at(ind, lv)}
            for count in (ind.numerator, ind.denominator):
                if count is not None:
                    self._needed.setdefault(count_key(count, ind), set()).update(want)
        self._rest: ir.Table | None = None
        self._memo: dict[tuple, tuple[ir.Table, ir.Table]] = {}
        self._bases: dict[tuple, ir.Table] = {}
        self._sides: dict[tuple, pl.DataFrame] = {}
        self._temps: list[str] = []

    def base(self, source: str, ages: tuple | None) -> ir.Table:
        """The source's units counted per every key column (cached once per run)."""
        key = (source, ages)
        if key not in self._bases:
            t = self.frames(source)
            if ages is not None:
                t = t.filter(_age_range(t.age, *ages))
            t = t.mutate(_band=band_index(t.age), _agegrp=age_group_index(t.age))
            extra = [c for c in t.columns if c not in (*COMMON, "_band", "_agegrp", "person_id")]
            self._bases[key] = self._temp(t.group_by(*COMMON[:1], *COMMON[2:], "_band",
                                                     "_agegrp", *extra).agg(n=t.count()))
        return self._bases[key]

    def __call__(self, count: Count, ind: Indicator) -> tuple[ir.Table, ir.Table]:
        key = count_key(count, ind)
        if key not in self._memo:
            base = self.base(count.source, key[2])
            preds = [_condition(base, col, spec, f"{ind.id}.yaml")
                     for col, spec in (count.where or {}).items()]
            base = base.filter(*preds) if preds else base
            geo, vc = [], []
            needed = self._needed.get(key, set(BREAKDOWNS))
            for b in (b for b in BREAKDOWNS if b in needed):
                g = base.mutate(_g=group_expr(base, b)).filter(ibis._._g.notnull())
                geo.append(g.group_by(year=g.year, kommun_code=g.kommun_code,
                                      deso_code=g.deso_code, _band=g._band,
                                      breakdown=ibis.literal(b), group_value=g._g)
                           .agg(n=g.n.sum().cast("float64")))
                if b in LEVEL_BREAKDOWNS["vardcentral"]:
                    v = g.filter(g.vardcentral_code.notnull())
                    vc.append(v.group_by(year=v.year, vardcentral_code=v.vardcentral_code,
                                         _band=v._band, breakdown=ibis.literal(b),
                                         group_value=v._g).agg(n=v.n.sum().cast("float64")))
            self._memo[key] = (self._temp(_union(geo)), self._temp(_union(vc)))
        return self._memo[key]

    def _temp(self, expr: ir.Table) -> ir.Table:
        name = f"_jamlik_engine_{len(self._temps)}"
        self._temps.append(name)
        return self.frames.backend.create_table(name, expr, temp=True, overwrite=True)

    def side(self, count: Count, ind: Indicator) -> pl.DataFrame:
        """One count rolled up to the indicator's levels, as a polars frame (memoised)."""
        key = (count_key(count, ind), levels_of(ind), ind.breakdowns, band_range(ind),
               uses_bands(ind))
        if key not in self._sides:
            self._sides[key] = region_rollup(self.frames, self(count, ind), ind).to_polars()
        return self._sides[key]

    def release(self) -> None:
        """Drop the temporary tables (call before closing the warehouse)."""
        for name in self._temps:
            self.frames.backend.drop_table(name, force=True)
        self._temps.clear()
        self._memo.clear()
        self._bases.clear()
        self._sides.clear()


_TYPES = {"year": "int16", "kommun_code": "string", "deso_code": "string",
          "vardcentral_code": "string", "area_level": "string", "area_code": "string",
          "breakdown": "string", "group_value": "string", "_band": "int8", "n": "float64",
          "numerator": "float64", "denominator": "float64"}


def _std(t: ir.Table) -> ir.Table:
    """Same (nullable) types in every part of a union."""
    return t.select(**{c: t[c].cast(ibis.dtype(_TYPES[c]).copy(nullable=True))
                       for c in t.columns})


def _union(parts: list[ir.Table]) -> ir.Table:
    return ibis.union(*[_std(p) for p in parts], distinct=False)


def _level(c: ir.Table, level: str, code: ir.StringValue, ind: Indicator) -> ir.Table:
    allowed = list(breakdowns_at(ind, level))
    preds = [c.breakdown.isin(allowed)]
    rng = band_range(ind)
    if rng is not None:
        preds += [c._band >= rng[0], c._band <= rng[1]]
    c = c.mutate(_code=code).filter(ibis._._code.notnull(), *preds)
    band = c._band if uses_bands(ind) else ibis.literal(-1).cast("int8")
    return c.group_by(year=c.year, area_level=ibis.literal(level), area_code=c._code,
                      breakdown=c.breakdown, group_value=c.group_value,
                      _band=band).agg(n=c.n.sum())


def region_rollup(frames: Frames, cells: tuple[ir.Table, ir.Table], ind: Indicator) -> ir.Table:
    """Roll the region's cells up to every level the indicator allows (nation excluded)."""
    geo, vc = cells
    a = frames.table("areas")
    deso = a.filter(a.level == "deso").select(_deso=a.code, _regso=a.parent_code)
    parts = []
    for level in levels_of(ind):
        if level == "nation" or not breakdowns_at(ind, level):
            continue
        if level == "regso":
            j = geo.left_join(deso, geo.deso_code == deso._deso)
            j = j.select(*geo.columns, "_regso")
            parts.append(_level(j, level, j._regso, ind))
        elif level == "vardcentral":
            parts.append(_level(vc, level, vc.vardcentral_code, ind))
        else:
            code = {"deso": geo.deso_code, "kommun": geo.kommun_code,
                    "lan": geo.kommun_code.substr(0, 2)}[level]
            parts.append(_level(geo, level, code, ind))
    return _union(parts)


def _sum_columns(t: ir.Table, spec: str) -> ir.NumericValue:
    total = None
    for name in (s.strip() for s in spec.split("+")):
        col = t[name].fill_null(0).cast("float64")
        total = col if total is None else total + col
    return total


def _band_filter(ind: Indicator) -> list[str] | None:
    """Life-table bands inside the indicator's ages, or None when the ages split a band."""
    low, high = ind.ages
    if low is not None and low not in _BAND_START.values():
        return None
    if high is not None and (high + 1) not in _BAND_START.values():
        return None
    keep = []
    for b in LE_BANDS:
        start, end = _BAND_START[b], _BAND_END[b]
        if low is not None and start < low:
            continue
        if high is not None and (end is None or end > high):
            continue
        keep.append(b)
    return keep


AGGREGATE_COUNTS = ("population", "deaths", "deaths_ischaemic_heart", "deaths_cerebrovascular",
                    "deaths_other_circulatory", "deaths_neoplasms", "deaths_respiratory",
                    "deaths_external", "deaths_dementia", "deaths_diabetes", "deaths_other",
                    "mi_events", "stroke_events", "heart_failure_events", "fall_injuries",
                    "diabetes_prevalent", "infants", "smoke_exposed_infants", "children_age3",
                    "caries_age3", "grade9_pupils", "gymnasium_eligible", "children_0_17",
                    "econ_vulnerable_children")


def rest_cells(cells: Cells) -> ir.Table:
    """``aggregate_counts`` per (year, kommun, band, breakdown, group), every count column summed;
    computed once per run as a temporary table."""
    if cells._rest is None:
        t = cells.frames.table("aggregate_counts")
        t = t.mutate(_band=t.age_band.cases(*[(b, i) for i, b in enumerate(LE_BANDS)])
                     .cast("int8"))
        parts = []
        for b in AGGREGATE_BREAKDOWNS:
            sub = t.mutate(_g=group_expr(t, b)).filter(ibis._._g.notnull())
            parts.append(sub.group_by(
                year=sub.year.cast("int16"), kommun_code=sub.kommun_code, _band=sub._band,
                breakdown=ibis.literal(b), group_value=sub._g,
            ).agg(**{c: sub[c].fill_null(0).sum().cast("float64") for c in AGGREGATE_COUNTS}))
        cells._rest = cells._temp(ibis.union(*parts, distinct=False))
    return cells._rest


def _sum_columns(t: pl.DataFrame, spec: str) -> pl.Expr:
    return pl.sum_horizontal(*[pl.col(name.strip()) for name in spec.split("+")])


def rest_of_sweden(cells: Cells, ind: Indicator) -> pl.DataFrame | None:
    """kommun and län rows of the kommuner outside the region, from ``aggregate_counts``."""
    mapping = ind.national
    if "denominator" not in mapping or ind.is_survey:
        return None
    bands = _band_filter(ind)
    if bands is None:
        return None
    want = [b for b in AGGREGATE_BREAKDOWNS
            if any(b in breakdowns_at(ind, lv) for lv in ("kommun", "lan"))]
    r = rest_cells(cells)
    cols = {c.strip() for side in ("numerator", "denominator") if side in mapping
            for c in mapping[side].split("+")}
    lo, hi = LE_BANDS.index(bands[0]), LE_BANDS.index(bands[-1])
    r = r.filter(r._band >= lo, r._band <= hi, r.breakdown.isin(want))
    df = r.select("year", "kommun_code", "_band", "breakdown", "group_value", *sorted(cols))
    df = df.to_polars().with_columns(
        numerator=_sum_columns(None, mapping["numerator"]) if "numerator" in mapping
        else pl.lit(0.0),
        denominator=_sum_columns(None, mapping["denominator"]))
    if not uses_bands(ind):
        df = df.with_columns(_band=pl.lit(-1, dtype=pl.Int8))
    parts = []
    for level in ("kommun", "lan"):
        if level not in levels_of(ind):
            continue
        allowed = breakdowns_at(ind, level)
        code = pl.col("kommun_code") if level == "kommun" else pl.col("kommun_code").str.slice(0, 2)
        parts.append(df.filter(pl.col("breakdown").is_in(allowed)).with_columns(area_code=code)
                     .group_by("year", "area_code", "breakdown", "group_value", "_band")
                     .agg(pl.col("numerator", "denominator").sum())
                     .with_columns(area_level=pl.lit(level)))
    return pl.concat(parts) if parts else None


def rolled_up(cells: Cells, ind: Indicator) -> pl.DataFrame:
    """The whole roll-up of one indicator: one row per KEYS with numerator and denominator."""
    keys = list(KEYS)
    den = cells.side(ind.denominator, ind)
    if ind.numerator is not None:
        num = cells.side(ind.numerator, ind)
        region = num.rename({"n": "numerator"}).join(
            den.rename({"n": "denominator"}), on=keys, how="full", coalesce=True,
            nulls_equal=True,
        ).with_columns(pl.col("numerator", "denominator").fill_null(0.0))
    else:
        region = den.rename({"n": "denominator"}).with_columns(numerator=pl.lit(0.0))
    region = region.select(*keys, "numerator", "denominator")
    rest = rest_of_sweden(cells, ind)
    if rest is None:
        return region
    rest = rest.select(*keys, "numerator", "denominator")
    both = pl.concat([region, rest.cast(region.schema)])
    if "nation" in levels_of(ind):
        allowed = [b for b in breakdowns_at(ind, "nation") if b in AGGREGATE_BREAKDOWNS]
        nation = (both.filter(pl.col("area_level") == "lan", pl.col("breakdown").is_in(allowed))
                  .group_by("year", "breakdown", "group_value", "_band")
                  .agg(pl.col("numerator", "denominator").sum())
                  .with_columns(area_level=pl.lit("nation"), area_code=pl.lit("SE")))
        both = pl.concat([both, nation.select(*keys, "numerator", "denominator")])
    return both
