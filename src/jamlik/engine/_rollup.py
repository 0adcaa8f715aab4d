"""Cells and roll-up as Ibis expressions: unit frames → counts per area level × breakdown group.

For one indicator the result has one row per ``(year, area_level, area_code, breakdown,
group_value, age_band)`` with ``numerator`` and ``denominator`` counts. The region's microdata give
every level; ``aggregate_counts`` adds the other kommuner (and so the other län and the nation)
for the breakdowns it carries.

Person-time: rates, DSRs and life tables over the ``population`` source
(:attr:`Indicator.person_time`) use the mean population of the year: in the region the average of
the populations on 31 December of the year before and of the year, by age on each day
(``mean_population`` in :mod:`jamlik.engine._frames`); in the rest of Sweden, whose
``aggregate_counts`` hold deaths in the same cells as the 31 December population, that
population + ½ × the cell's deaths. Proportions and counts keep the people counted on 31 December.
"""

from __future__ import annotations

from collections.abc import Iterable

import ibis
import ibis.expr.types as ir
import polars as pl

from jamlik.engine._aggregates import aggregate_cells, aggregate_rollup, national_from_lans
from jamlik.engine._frames import COMMON, Frames, _age_range, _condition
from jamlik.model.age_bands import LIFE_TABLE_BANDS, LIFE_TABLE_ENDS, LIFE_TABLE_STARTS
from jamlik.model.breakdowns import BREAKDOWNS
from jamlik.model.catalogue import Count, Indicator

AGE_GROUPS = BREAKDOWNS["age_group"].groups
#: Breakdowns per level: small areas only total and sex.
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
KEYS = ("year", "area_level", "area_code", "breakdown", "group_value", "_band")

PERSON_TIME_NOTE = ("denominator: mean population (half the population on 31 Dec of the year "
                    "before + half on 31 Dec of the year; aggregated data: 31 Dec population "
                    "+ ½ deaths)")


def region_denominator(ind: Indicator) -> Count | None:
    """The count behind the region's denominator: ``mean_population`` (same filters) for
    person-time indicators, else the catalogue's denominator."""
    if ind.person_time:
        return Count(source="mean_population", where=ind.denominator.where)
    return ind.denominator


def _mean_parts(count: Count) -> tuple[Count, Count]:
    """The population on 31 December and the rebuilt first 1 January behind a mean count."""
    return (Count(source="population", where=count.where),
            Count(source="first_year_start", where=count.where))


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
    return LIFE_TABLE_BANDS.index(bands[0]), LIFE_TABLE_BANDS.index(bands[-1])


def count_key(count: Count, ind: Indicator) -> tuple:
    """Counts with equal keys share their cells (ages that split a band become part of the key)."""
    where = tuple(sorted((k, str(v)) for k, v in (count.where or {}).items()))
    ages = None if band_range(ind) is not None else ind.ages
    return count.source, where, ages


class Cells:
    """Everything one run shares, cached for the whole run.

    ``base``: each source counted per every key column (a temporary table). ``rollup``: all the
    counts of one base (same source and ages, different ``where``) rolled up together in one pass
    — one conditional sum per count — to every region level × breakdown × life-table band the
    run's indicators need (polars frames). ``aggregates``: the aggregate cells of the variables
    the run's indicators name (a polars frame). An indicator then only filters these
    (:meth:`side`, :func:`aggregate_rows`).
    """

    def __init__(self, frames: Frames, indicators: Iterable[Indicator] = ()):
        self.frames = frames
        #: level -> breakdowns needed per count key by the indicators of this run
        self._needed: dict[tuple, dict[str, set[str]]] = {}
        #: the count (and its indicator, for error messages) of each key; the keys of each base
        self._counts: dict[tuple, tuple[Count, Indicator]] = {}
        self._by_base: dict[tuple, list[tuple]] = {}
        for ind in indicators:
            for count in (ind.numerator, region_denominator(ind)):
                if count is not None:
                    self._register(count, ind)
        self._indicators = list(indicators)
        self._agg: pl.DataFrame | None = None
        self._agg_names: set[str] | None = None
        self._lans: dict[str, list[str]] | None = None
        self._rows: dict[str, int] = {}
        self._synthetic: dict[str, bool] = {}
        self._regso: pl.DataFrame | None = None
        self._bases: dict[tuple, ir.Table] = {}
        self._rollups: dict[tuple, pl.DataFrame] = {}
        self._sides: dict[tuple, pl.DataFrame] = {}
        self._temps: list[str] = []

    def _register(self, count: Count, ind: Indicator, *, everything: bool = False) -> None:
        if count.source == "mean_population":  # rolled up from its parts (_mean_rollup)
            for part in _mean_parts(count):
                self._register(part, ind, everything=everything)
            return
        key = count_key(count, ind)
        need = self._needed.setdefault(key, {})
        for lv in (LEVEL_BREAKDOWNS if everything else levels_of(ind)):
            if lv != "nation":
                need.setdefault(lv, set()).update(
                    LEVEL_BREAKDOWNS[lv] if everything else breakdowns_at(ind, lv))
        if key not in self._counts:
            self._counts[key] = (count, ind)
            self._by_base.setdefault((key[0], key[2]), []).append(key)

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

    def rollup(self, count: Count, ind: Indicator) -> pl.DataFrame:
        """One count at every needed region level × breakdown × band (nation excluded):
        ``KEYS`` + ``n`` (only groups with units), computed once per run with the other counts
        of its base."""
        key = count_key(count, ind)
        if key not in self._rollups and count.source == "mean_population":
            self._rollups[key] = self._mean_rollup(count, ind)
        if key not in self._rollups:
            if key not in self._counts:  # not announced to the constructor: roll up everything
                self._register(count, ind, everything=True)
            self._roll_base(key[0], key[2])
        return self._rollups[key]

    def _mean_rollup(self, count: Count, ind: Indicator) -> pl.DataFrame:
        """A ``mean_population`` count (:meth:`Frames._mean_population`) from the roll-ups of
        its parts: ½ × each year's population + ½ × the year before's population moved to the
        year (by its areas, groups and bands of that day) + ½ × the rebuilt 1 January population
        of the first register year. Sums are linear, so this equals rolling up the half-weighted
        units, without a second pass over the person-years."""
        end, start = _mean_parts(count)
        last = self.frames.register_years()[1]
        pop = self.rollup(end, ind)
        parts = [pop]
        if last is not None:
            parts += [pop.filter(pl.col("year") < last).with_columns(pl.col("year") + 1),
                      self.rollup(start, ind)]
        schema = pop.select(*KEYS, "n").schema
        return (pl.concat([p.select(*KEYS, "n").cast(schema) for p in parts])
                .group_by(KEYS).agg(pl.col("n").sum() * 0.5))

    def _roll_base(self, source: str, ages: tuple | None) -> None:
        keys = self._by_base[(source, ages)]
        base = self.base(source, ages)
        sums, needed = {}, {}
        for i, key in enumerate(keys):
            count, ind = self._counts[key]
            preds = [_condition(base, col, spec, f"{ind.id}.yaml")
                     for col, spec in (count.where or {}).items()]
            cond = None
            for p in preds:
                cond = p if cond is None else cond & p
            sums[f"_n{i}"] = base.n.sum(where=cond).cast("float64")
            for lv, bs in self._needed[key].items():
                needed.setdefault(lv, set()).update(bs)
        wide = region_rollup(self, base, needed, sums)
        for i, key in enumerate(keys):
            self._rollups[key] = wide.select(*KEYS, n=pl.col(f"_n{i}").fill_null(0.0)).filter(
                pl.col("n") > 0)

    # -- what is loaded --------------------------------------------------------------------------
    def rows(self, table: str) -> int:
        """Row count of a warehouse table (once per run)."""
        if table not in self._rows:
            t = self.frames.table(table)
            self._rows[table] = int(t.count().to_pyarrow().as_py())
        return self._rows[table]

    def micro_ok(self, ind: Indicator) -> bool:
        """True when the person-level registers hold the indicator's inputs: the population
        register, and the numerator's own table."""
        if self.rows("person_years") == 0 and not ind.is_survey:
            return False
        for count in (ind.numerator, ind.denominator):
            if count is not None and count.source != "population":
                table = {"deaths": "deaths", "care_events": "care_events",
                         "person_measures": "person_measures", "conditions": "conditions",
                         "survey": "survey"}[count.source]
                if self.rows(table) == 0:
                    return False
        return True

    def micro_synthetic(self, ind: Indicator) -> bool:
        """True when any person-level table behind the indicator came from a synthetic load."""
        key = ind.id
        if key not in self._synthetic:
            tables = [t for t in ind.input_tables() if t not in ("areas", "aggregates",
                                                                  "national_survey")]
            t = self.frames.table("loads")
            hit = t.filter(t.target.isin(tables) & t.synthetic.fill_null(False)).count()
            self._synthetic[key] = bool(hit.to_pyarrow().as_py())
        return self._synthetic[key]

    def aggregates(self) -> pl.DataFrame:
        """The aggregate cells of every variable the run's indicators name (once per run)."""
        if self._agg is None:
            names = {n for ind in self._indicators for n in national_variables(ind)}
            self._agg = aggregate_cells(self.frames.backend, names & self.aggregate_names())
        return self._agg

    def aggregate_names(self) -> set[str]:
        if self._agg_names is None:
            from jamlik.engine._aggregates import aggregate_variables

            self._agg_names = aggregate_variables(self.frames.backend)
        return self._agg_names

    def lans_of(self) -> dict[str, list[str]]:
        """län → its kommuner (from the area registry)."""
        if self._lans is None:
            a = self.frames.table("areas")
            k = a.filter(a.level == "kommun").select("code", "parent_code").to_pyarrow()
            out: dict[str, list[str]] = {}
            for code, parent in zip(k["code"].to_pylist(), k["parent_code"].to_pylist(),
                                    strict=True):
                out.setdefault(parent, []).append(code)
            self._lans = out
        return self._lans

    def n_lans(self) -> int:
        return len(self.lans_of())

    def regso_of_deso(self) -> pl.DataFrame:
        """``deso_code`` → ``_regso`` from the area registry (once per run)."""
        if self._regso is None:
            a = self.frames.table("areas")
            self._regso = a.filter(a.level == "deso").select(
                deso_code=a.code, _regso=a.parent_code).to_polars()
        return self._regso

    def _temp(self, expr: ir.Table) -> ir.Table:
        name = f"_jamlik_engine_{len(self._temps)}"
        self._temps.append(name)
        return self.frames.backend.create_table(name, expr, temp=True, overwrite=True)

    def side(self, count: Count, ind: Indicator) -> pl.DataFrame:
        """One count at the indicator's levels, breakdowns and bands, as a polars frame
        (``KEYS`` + ``n``; ``_band`` = −1 when the method does not use bands; memoised)."""
        key = (count_key(count, ind), levels_of(ind), ind.breakdowns, band_range(ind),
               uses_bands(ind))
        if key not in self._sides:
            self._sides[key] = _select(self.rollup(count, ind), ind)
        return self._sides[key]

    def release(self) -> None:
        """Drop the temporary tables (call before closing the warehouse)."""
        for name in self._temps:
            self.frames.backend.drop_table(name, force=True)
        self._temps.clear()
        self._bases.clear()
        self._rollups.clear()
        self._sides.clear()
        self._agg = None


def _empty_rollup() -> pl.DataFrame:
    return pl.DataFrame(schema={"year": pl.Int16, "area_level": pl.Utf8, "area_code": pl.Utf8,
                                "breakdown": pl.Utf8, "group_value": pl.Utf8, "_band": pl.Int8,
                                "n": pl.Float64})


def _level_filter(ind: Indicator, levels: Iterable[str]) -> pl.Expr:
    """Rows of the indicator's breakdowns at each of ``levels`` (and inside its bands)."""
    cond = pl.lit(False)
    for level in levels:
        allowed = list(breakdowns_at(ind, level))
        if allowed:
            cond = cond | ((pl.col("area_level") == level) & pl.col("breakdown").is_in(allowed))
    rng = band_range(ind)
    if rng is not None:
        cond = cond & pl.col("_band").is_between(rng[0], rng[1])
    return cond


def _select(rolled: pl.DataFrame, ind: Indicator) -> pl.DataFrame:
    """The indicator's part of a count's roll-up (bands summed away unless the method uses
    them)."""
    levels = [lv for lv in levels_of(ind) if lv != "nation"]
    df = rolled.filter(_level_filter(ind, levels))
    if not uses_bands(ind):
        df = (df.group_by("year", "area_level", "area_code", "breakdown", "group_value")
              .agg(pl.col("n").sum()).with_columns(_band=pl.lit(-1, dtype=pl.Int8)))
    return df.select(*KEYS, "n")


_TYPES = {"year": "int16", "kommun_code": "string", "deso_code": "string",
          "vardcentral_code": "string", "area_level": "string", "area_code": "string",
          "breakdown": "string", "group_value": "string", "_band": "int8", "n": "float64",
          "numerator": "float64", "denominator": "float64"}


def _std(t: ir.Table, extra: Iterable[str] = ()) -> ir.Table:
    """Same (nullable) types in every part of a union (``extra`` columns are float64)."""
    types = {**_TYPES, **dict.fromkeys(extra, "float64")}
    return t.select(**{c: t[c].cast(ibis.dtype(types[c]).copy(nullable=True))
                       for c in t.columns})


def _union(parts: list[ir.Table], extra: Iterable[str] = ()) -> ir.Table:
    return ibis.union(*[_std(p, extra) for p in parts], distinct=False)


#: Breakdowns rolled up from the (year, kommun, DeSO, vårdcentral, band, sex) stage.
_BY_SEX = ("total", "sex")


def region_rollup(cells: Cells, base: ir.Table, needed: dict[str, set[str]],
                  sums: dict[str, ir.NumericValue]) -> pl.DataFrame:
    """Roll a base up to each region level × breakdown it needs, keeping the life-table band;
    ``sums`` are the count columns (one conditional sum per count). Nation excluded.

    Stage 1 (on the backend, one query): the base summed to (year, kommun, DeSO, vårdcentral,
    band, sex) for total and sex, and to (year, kommun, vårdcentral, band, group) for each other
    breakdown — small, region-sized frames. Stage 2 (polars): those summed to every level.
    """
    want = {b for bs in needed.values() for b in bs}
    parts = []
    if want & set(_BY_SEX):
        parts.append(base.group_by(
            year=base.year, kommun_code=base.kommun_code, deso_code=base.deso_code,
            vardcentral_code=base.vardcentral_code, _band=base._band,
            breakdown=ibis.literal("sex"), group_value=base.sex.cast("string")).agg(**sums))
    for b in (b for b in BREAKDOWNS if b in want and b not in _BY_SEX):
        g = base.mutate(_g=group_expr(base, b)).filter(ibis._._g.notnull())
        parts.append(g.group_by(
            year=g.year, kommun_code=g.kommun_code, deso_code=ibis.null("string"),
            vardcentral_code=g.vardcentral_code, _band=g._band, breakdown=ibis.literal(b),
            group_value=g._g).agg(**sums))
    cols = list(sums)
    empty = pl.DataFrame(schema={**_empty_rollup().drop("n").schema,
                                 **dict.fromkeys(cols, pl.Float64)})
    if not parts:
        return empty
    stage = pl.from_arrow(_union(parts, extra=cols).to_pyarrow())
    if needed.get("regso"):
        stage = stage.join(cells.regso_of_deso(), on="deso_code", how="left")
    code_of = {"deso": pl.col("deso_code"), "regso": pl.col("_regso"),
               "kommun": pl.col("kommun_code"), "lan": pl.col("kommun_code").str.slice(0, 2),
               "vardcentral": pl.col("vardcentral_code")}
    out = [empty]
    for level in ("deso", "regso", "kommun", "lan", "vardcentral"):
        for b in (b for b in BREAKDOWNS if b in needed.get(level, ())
                  and b in LEVEL_BREAKDOWNS[level]):
            src = stage.filter(pl.col("breakdown") == ("sex" if b in _BY_SEX else b))
            group = pl.lit("total") if b == "total" else pl.col("group_value")
            part = src.select("year", "_band", *cols, area_code=code_of[level],
                              group_value=group).filter(pl.col("area_code").is_not_null(),
                                                        pl.col("group_value").is_not_null())
            out.append(part.group_by("year", "area_code", "group_value", "_band")
                       .agg(pl.col(cols).sum())
                       .with_columns(area_level=pl.lit(level), breakdown=pl.lit(b))
                       .select(empty.columns))
    return pl.concat(out)


def _band_filter(ind: Indicator) -> list[str] | None:
    """Life-table bands inside the indicator's ages, or None when the ages split a band."""
    low, high = ind.ages
    if low is not None and low not in LIFE_TABLE_STARTS:
        return None
    if high is not None and (high + 1) not in LIFE_TABLE_STARTS:
        return None
    keep = []
    for b, start, end in zip(LIFE_TABLE_BANDS, LIFE_TABLE_STARTS, LIFE_TABLE_ENDS, strict=True):
        if low is not None and start < low:
            continue
        if high is not None and (end is None or end > high):
            continue
        keep.append(b)
    return keep


def _sum_columns(spec: str) -> pl.Expr:
    return pl.sum_horizontal(*[pl.col(name.strip()) for name in spec.split("+")])


def national_variables(ind: Indicator) -> tuple[str, ...]:
    """The ``aggregates`` variables an indicator's ``national:`` mapping names."""
    mapping = ind.national
    if ind.is_survey or "denominator" not in mapping:
        return ()
    names = [n.strip() for key in ("numerator", "denominator") if key in mapping
             for n in mapping[key].split("+")]
    return tuple(dict.fromkeys(names))


def aggregate_rows(cells: Cells, ind: Indicator, *, exclude_home: bool) -> pl.DataFrame | None:
    """kommun, län and national rows of the indicator from ``aggregates`` (KEYS + numerator,
    denominator, ``_syn``, ``_fb``); None when it names no variable or the ages split a band.
    With ``exclude_home`` the areas the region's registers cover are left out."""
    names = national_variables(ind)
    if not names or _band_filter(ind) is None:
        return None
    agg = cells.aggregates()
    if agg.height == 0 or any(n not in cells.aggregate_names() for n in names):
        return None
    levels = [lv for lv in ("kommun", "lan", "nation") if lv in levels_of(ind)]
    if not levels:
        return None
    mapping = ind.national
    df = aggregate_rollup(agg, mapping.get("numerator"), mapping["denominator"], ind.person_time,
                          [b for b in ind.breakdowns], ["kommun", "lan", "nation"],
                          cells.lans_of())
    home = cells.frames.home_region
    if exclude_home and home:
        inside = (pl.col("area_code").str.slice(0, 2) == home) if home != "SE" else pl.lit(True)
        df = df.filter(~(inside & pl.col("area_level").is_in(["kommun", "lan"]))
                       & ~((pl.col("area_level") == "nation") & pl.lit(home == "SE")))
    df = df.filter(_level_filter(ind, ["kommun", "lan", "nation"]))
    if not uses_bands(ind):
        df = (df.group_by("year", "area_level", "area_code", "breakdown", "group_value")
              .agg(pl.col("numerator", "denominator").sum(), pl.col("_syn").any(),
                   pl.col("_fb").any())
              .with_columns(_band=pl.lit(-1, dtype=pl.Int8)))
    return df.select(*KEYS, "numerator", "denominator", "_syn", "_fb")


def rolled_up(cells: Cells, ind: Indicator) -> pl.DataFrame:
    """The whole roll-up of one indicator: one row per KEYS with numerator and denominator,
    ``_syn`` (synthetic inputs) and ``_fb`` (person-time fell back; see
    :mod:`jamlik.engine._aggregates`).

    The region's areas come from the person-level registers when they hold the indicator's
    inputs (:meth:`Cells.micro_ok`); every other area from ``aggregates`` where they cover it.
    The nation is the region's own (home region ``SE``), the loaded ``SE`` rows, or the sum of
    the 21 län when every one is covered — never the sum of whatever is loaded.
    """
    keys = list(KEYS)
    micro = cells.micro_ok(ind)
    parts = []
    if micro:
        den = cells.side(region_denominator(ind), ind)
        if ind.numerator is not None:
            num = cells.side(ind.numerator, ind)
            region = num.rename({"n": "numerator"}).join(
                den.rename({"n": "denominator"}), on=keys, how="full", coalesce=True,
                nulls_equal=True,
            ).with_columns(pl.col("numerator", "denominator").fill_null(0.0))
        else:
            region = den.rename({"n": "denominator"}).with_columns(numerator=pl.lit(0.0))
        region = region.select(*keys, "numerator", "denominator").with_columns(
            _syn=pl.lit(cells.micro_synthetic(ind)), _fb=pl.lit(False))
        if cells.frames.home_region == "SE" and "nation" in levels_of(ind):
            nation = (region.filter(pl.col("area_level") == "lan")
                      .group_by("year", "breakdown", "group_value", "_band")
                      .agg(pl.col("numerator", "denominator").sum(), pl.col("_syn").any(),
                           pl.col("_fb").any())
                      .with_columns(area_level=pl.lit("nation"), area_code=pl.lit("SE")))
            region = pl.concat([region, nation.select(region.columns)])
        parts.append(region)
    agg = aggregate_rows(cells, ind, exclude_home=micro)
    if agg is not None:
        parts.append(agg.cast(parts[0].schema) if parts else agg)
    if not parts:
        return pl.DataFrame(schema={**_empty_rollup().drop("n").schema,
                                    "numerator": pl.Float64, "denominator": pl.Float64,
                                    "_syn": pl.Boolean, "_fb": pl.Boolean})
    both = pl.concat(parts)
    if "nation" in levels_of(ind):
        have = both.filter(pl.col("area_level") == "nation").select(
            "year", "breakdown").unique()
        derived = national_from_lans(both, cells.n_lans())
        derived = derived.join(have, on=["year", "breakdown"], how="anti")
        derived = derived.filter(pl.col("breakdown").is_in(list(breakdowns_at(ind, "nation"))))
        both = pl.concat([both, derived.select(both.columns)])
    return both
