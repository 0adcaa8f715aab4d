"""Unit frames: one Ibis expression per catalogue ``source``, with the common columns.

Every frame has ``year, age, sex, kommun_code, deso_code, vardcentral_code, education,
income_quintile, birth_region, socio_type`` plus the source's own filter columns. A count is the
number of rows of the frame after the indicator's filters (:func:`filtered`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import ibis
import ibis.expr.types as ir

from jamlik.model.age_bands import LIFE_TABLE_BANDS, LIFE_TABLE_STARTS
from jamlik.model.catalogue import Count, Indicator
from jamlik.model.errors import DataError

COMMON = ("year", "age", "sex", "kommun_code", "deso_code", "vardcentral_code", "education",
          "income_quintile", "birth_region", "socio_type")


class Frames:
    """Builds (and memoises) the unit frame of each source on one Ibis backend.

    ``home_region`` (a län code or ``SE``) is the area the person-level registers cover: units
    placed outside it (a death registered in another kommun, say) are left out, so no area
    outside the region ever gets a partial count from the region's registers.
    """

    def __init__(self, backend: Any, home_region: str | None = None):
        self._b = backend
        self.backend = backend
        self.home_region = home_region
        self._memo: dict[str, ir.Table] = {}
        self._years: tuple[int | None, int | None] | None = None
        self._lans: tuple[str, ...] | None = None

    def table(self, name: str) -> ir.Table:
        return self._b.table(name)

    def __call__(self, source: str) -> ir.Table:
        if source not in self._memo:
            self._memo[source] = getattr(self, f"_{source}")()
        return self._memo[source]

    # -- helpers ------------------------------------------------------------------------------
    def _socio(self) -> ir.Table:
        a = self.table("areas")
        return a.filter(a.level == "deso").select(_deso=a.code, socio_type=a.socio_type)

    def _with_socio(self, t: ir.Table) -> ir.Table:
        s = self._socio()
        j = t.left_join(s, t.deso_code == s._deso)
        return j.select(*[c for c in j.columns if c != "_deso"])

    def _in_home(self, t: ir.Table) -> ir.Table:
        """Units whose kommun lies in the home region (all of them for ``SE`` or no region)."""
        if self.home_region in (None, "SE"):
            return t
        return t.filter(t.kommun_code.substr(0, 2) == self.home_region)

    def registers(self) -> ir.Table:
        """``person_years`` with the vårdcentral of ``listings`` where a person is listed."""
        py = self.table("person_years")
        li = self.table("listings")
        li = li.select(_ly=li.year, _lp=li.person_id, _lvc=li.vardcentral_code)
        j = py.left_join(li, (py.year == li._ly) & (py.person_id == li._lp))
        return j.mutate(vardcentral_code=ibis.coalesce(j._lvc, j.vardcentral_code)).select(
            *py.columns)

    def _person_attributes(self, events: ir.Table, own: Mapping[str, str]) -> ir.Table:
        """Attributes from person_years of year − 1, else the same year, else ``own`` (the
        events' own columns by attribute name)."""
        py = self.registers()
        prev = py.select(_pid1=py.person_id, _y1=py.year + 1, _deso1=py.deso_code,
                         _kom1=py.kommun_code, _vc1=py.vardcentral_code, _edu1=py.education,
                         _iq1=py.income_quintile)
        same = py.select(_pid0=py.person_id, _y0=py.year, _deso0=py.deso_code,
                         _kom0=py.kommun_code, _vc0=py.vardcentral_code, _edu0=py.education,
                         _iq0=py.income_quintile)
        p = self.table("persons")
        d = self.table("deaths")
        died = d.group_by(_pidd=d.person_id).agg(_death_date=d.death_date.min())
        p = p.left_join(died, p.person_id == died._pidd)
        pers = p.select(_pidp=p.person_id, _sexp=p.sex, birth_region=p.birth_region,
                        _birth_year=p.birth_year, _birth_date=p.birth_date,
                        _death_date=p._death_date)
        j = events.left_join(prev, (events.person_id == prev._pid1) & (events.year == prev._y1))
        j = j.left_join(same, (j.person_id == same._pid0) & (j.year == same._y0))
        j = j.left_join(pers, j.person_id == pers._pidp)
        hit1 = j._pid1.notnull()
        hit0 = j._pid0.notnull()

        def pick(c1, c0, fallback):
            return ibis.cases((hit1, c1), (hit0, c0), else_=fallback)

        def mine(name: str, dtype: str):
            return j[own[name]] if name in own else ibis.null(dtype)

        return self._in_home(j.mutate(
            deso_code=pick(j._deso1, j._deso0, mine("deso_code", "string")),
            kommun_code=pick(j._kom1, j._kom0, mine("kommun_code", "string")),
            vardcentral_code=pick(j._vc1, j._vc0, ibis.null("string")),
            education=pick(j._edu1, j._edu0, ibis.null("string")),
            income_quintile=pick(j._iq1, j._iq0, ibis.null("int8")),
            sex=ibis.coalesce(j._sexp, mine("sex", "string")),
        ))

    # -- the sources --------------------------------------------------------------------------
    def _population(self) -> ir.Table:
        py, p = self.registers(), self.table("persons")
        pers = p.select(_pid=p.person_id, sex=p.sex, birth_region=p.birth_region)
        j = py.join(pers, py.person_id == pers._pid)
        return self._in_home(self._with_socio(j.select("person_id", *COMMON[:-1])))

    def _mean_population(self) -> ir.Table:
        """The mean population of each year (SCB's *medelfolkmängd*) as units of weight ½
        (``_w``): the people on 31 December of the year before, with that day's age and
        attributes (the population on 1 January), plus the people on 31 December of the year.

        A person of attained age *a* thus gives half a year to completed age *a* − 1 and half to
        *a*, as the person-time of a year does; those who die in the year are in the first half,
        so no separate correction for deaths is needed. The first register year has no year
        before: its 1 January population is rebuilt from the year itself — the people on
        31 December born before the year (one year younger) and the year's deaths of people born
        before it (at their age on 1 January), which is exact when nobody moves in or out.
        """
        end = self("population").drop("person_id")
        first, last = self.register_years()
        if first is None:
            return end.mutate(_w=ibis.literal(0.5))
        start = end.filter(end.year < last).mutate(year=end.year + 1)
        return _stack(end, start, self("first_year_start")).mutate(_w=ibis.literal(0.5))

    def register_years(self) -> tuple[int | None, int | None]:
        """First and last year of ``person_years`` (None, None when it is empty)."""
        if self._years is None:
            py = self.table("person_years")
            b = py.aggregate(first=py.year.min(), last=py.year.max()).to_pyarrow()
            self._years = (b["first"][0].as_py(), b["last"][0].as_py())
        return self._years

    def region_lans(self) -> tuple[str, ...]:
        """Län codes of the person-level registers (the region's microdata)."""
        if self._lans is None:
            py = self.table("person_years")
            codes = py.select(lan=py.kommun_code.substr(0, 2)).distinct().to_pyarrow()
            self._lans = tuple(sorted(c for c in codes["lan"].to_pylist() if c))
        return self._lans

    def _first_year_start(self) -> ir.Table:
        """The 1 January population of the first register year, rebuilt from that year: the
        people on 31 December born before the year (one year younger) and the year's deaths of
        people born before it (at their age on 1 January); population columns (no ``_w``)."""
        first, _ = self.register_years()
        end = self("population").drop("person_id")
        if first is None:
            return end
        rebuilt = end.filter((end.year == first) & (end.age >= 1)).mutate(age=end.age - 1)
        d = self._death_units()
        died = self._with_socio(
            d.filter((d.year == first) & (d._birth_year < first))
            .mutate(age=first - 1 - d._birth_year).select(*COMMON[:-1]))
        return _stack(end, rebuilt, died)

    def _death_units(self) -> ir.Table:
        d = self.table("deaths")
        return self._person_attributes(d, {"deso_code": "deso_code",
                                           "kommun_code": "kommun_code", "sex": "sex"})

    def _deaths(self) -> ir.Table:
        return self._with_socio(self._death_units().select(*COMMON[:-1], "cause_group"))

    def _care_events(self) -> ir.Table:
        """Care events with the patient's register attributes of the year before (else of the
        year); a patient with neither — who died in the first register year, or moved in and
        died the same year — is placed by the residence the deaths register gives."""
        e = self.table("care_events")
        d = self.table("deaths")
        died = d.select(_pidd=d.person_id, _yd=d.year, _deso_d=d.deso_code, _kom_d=d.kommun_code)
        e = e.left_join(died, (e.person_id == died._pidd) & (e.year == died._yd)).select(
            *e.columns, "_deso_d", "_kom_d")
        j = self._person_attributes(e, {"deso_code": "_deso_d", "kommun_code": "_kom_d"})
        j = j.mutate(age=completed_age(j._birth_date, j.admission_date,
                                       j.year - j._birth_year).cast("int16"),
                     _days_to_death=j._death_date.delta(j.admission_date, unit="day"))
        j = j.filter(j.kommun_code.notnull())
        return self._with_socio(j.select(*COMMON[:-1], "condition", "reperfusion",
                                         "pci", "statin_at_discharge",
                                         "betablocker_at_discharge", "_days_to_death"))

    def _conditions(self) -> ir.Table:
        c = self.table("conditions")
        first = c.group_by(_pidc=c.person_id, condition=c.condition).agg(
            _onset=c.onset_year.min())
        pop = self("population")
        j = pop.join(first, pop.person_id == first._pidc)
        j = j.filter(j._onset <= j.year)
        return j.select(*COMMON, "condition")

    def _person_measures(self) -> ir.Table:
        m = self.table("person_measures")
        pm = m.select(_pidm=m.person_id, _ym=m.year, measure=m.measure, value=m.value)
        pop = self("population")
        j = pop.join(pm, (pop.person_id == pm._pidm) & (pop.year == pm._ym))
        return j.select(*COMMON, "measure", "value")

    def _survey(self) -> ir.Table:
        s = self.table("survey")
        s = s.filter(s.responded)
        s = s.mutate(vardcentral_code=ibis.null("string"))
        return self._with_socio(s.select(*COMMON[:-1], "stratum", "weight", "respondent_id"))

    def survey(self, questions: Iterable[str]) -> ir.Table:
        """The respondents with one boolean column per question (``survey_answers``)."""
        t = self("survey")
        a = self.table("survey_answers")
        for q in questions:
            answers = a.filter(a.question == q).select(_qy=a.year, _qr=a.respondent_id,
                                                       **{q: a.value})
            j = t.left_join(answers, (t.year == answers._qy) & (t.respondent_id == answers._qr))
            t = j.select(*t.columns, q)
        return t


def completed_age(birth: ir.DateValue, when: ir.DateValue,
                  fallback: ir.IntegerValue) -> ir.IntegerValue:
    """Completed years of age on ``when`` (``fallback`` where the birth date is unknown)."""
    before_birthday = (when.month() * 100 + when.day()) < (birth.month() * 100 + birth.day())
    age = when.year() - birth.year() - before_birthday.cast("int16")
    return ibis.cases((birth.notnull(), age), else_=fallback)


def _stack(like: ir.Table, *tables: ir.Table) -> ir.Table:
    """``tables`` one under the other, with the columns and types of ``like``."""
    schema = like.schema()
    return ibis.union(*[t.select(**{c: t[c].cast(schema[c]) for c in like.columns})
                        for t in tables], distinct=False)


def _condition(t: ir.Table, column: str, spec: Any, file: str) -> ir.BooleanValue:
    """One ``where`` entry as a boolean expression on ``t``."""
    if column == "died_within_days":
        if "_days_to_death" not in t.columns:
            raise DataError("died_within_days applies to care_events only", file=file,
                            column="where", value=column)
        return (t._days_to_death.notnull() & (t._days_to_death <= int(spec))).fill_null(False)
    if column == "age" and "age" not in t.columns and "_band" in t.columns:
        return _band_condition(t._band, spec, file)
    if column not in t.columns:
        raise DataError(f"the unit source has no column {column!r} (columns: "
                        f"{', '.join(c for c in t.columns if not c.startswith('_'))})",
                        file=file, column="where", value=column)
    col = t[column]
    if column == "age" and isinstance(spec, list | tuple) and len(spec) == 2:
        return _age_range(col, spec[0], spec[1])
    if isinstance(spec, list | tuple):
        return col.isin(list(spec)).fill_null(False)
    return (col == spec).fill_null(False)


def _band_condition(band: ir.IntegerValue, spec: Any, file: str) -> ir.BooleanValue:
    """An age range as a condition on the life-table band index (the range must align)."""
    low, high = (spec if isinstance(spec, list | tuple) else (spec, spec))
    starts = LIFE_TABLE_STARTS
    if (low is not None and low not in starts) or (high is not None and high + 1 not in starts):
        raise DataError("an age filter must follow the life-table bands "
                        f"({', '.join(LIFE_TABLE_BANDS)})", file=file, column="where.age", value=spec)
    cond = ibis.literal(True)
    if low is not None:
        cond = cond & (band >= starts.index(low))
    if high is not None:
        cond = cond & (band <= starts.index(high + 1) - 1)
    return cond


def _age_range(age: ir.IntegerValue, low: int | None, high: int | None) -> ir.BooleanValue:
    cond = ibis.literal(True)
    if low is not None:
        cond = cond & (age >= int(low))
    if high is not None:
        cond = cond & (age <= int(high))
    return cond


def filtered(frames: Frames, count: Count, ind: Indicator, *, ages: bool = True,
             base: ir.Table | None = None) -> ir.Table:
    """The unit frame of ``count.source`` (or ``base``) restricted by ``count.where`` (and the
    indicator's ages unless ``ages=False``, when the caller filters by age band instead)."""
    t = frames(count.source) if base is None else base
    file = f"{ind.id}.yaml"
    preds = [_condition(t, col, spec, file) for col, spec in (count.where or {}).items()]
    low, high = ind.ages
    if ages and (low is not None or high is not None):
        preds.append(_age_range(t.age, low, high))
    return t.filter(*preds) if preds else t
