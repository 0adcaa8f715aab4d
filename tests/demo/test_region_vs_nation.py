"""The region and the rest of Sweden are drawn from one model: every cause of death and every
care condition agrees between them within what composition (and the documented mortality level)
explains.

For each cause-of-death and care indicator of the catalogue, the region (län 05, person-level
tables) is compared with the rest of Sweden (``aggregate_counts``), pooled over 2015–2024,
age-standardised (ESP 2013, the indicator's ages). Both areas are counted the standard way, as
a region's real aggregated comparators come (SCB population on 31 December, Socialstyrelsen
deaths by age at death), in the cells of ``aggregate_counts`` (year × sex × life-table band ×
education (25+) × income quintile):

- deaths by completed age at death (the region: ``deaths.age``), care events by completed age
  at admission (the region: from ``persons.birth_date`` and ``care_events.admission_date``);
- person-time = the mean population: ½ × the population on 31 December of the year before +
  ½ × that on 31 December of the year, each by band of age on that day. The region takes them
  from ``person_years`` of consecutive years; its 1 January 2015 is rebuilt from 2015 as the
  engine does (the people on 31 December 2015 born before 2015, one year younger, plus the
  2015 deaths of people born before 2015 at their age on 1 January). The rest of Sweden takes
  them from its 2014 and 2015 populations.

Education and income quintile are fixed per person and come from the person's register rows
(``person_years``); the people who died in 2015 have none, so 2015 — and band 0, whose infant
deaths have none either — is compared by year, sex and band only, on both sides.

Expected ratio, from the model (docs/demo.md): at equal year, sex, band, education and income
quintile, the model gives the region and the rest of Sweden the same incidence of every care
condition (background incidence + the events of the MI process) and the same death rates from
every cause except for the rest of Sweden's mortality level (the national calibration), which
multiplies all causes alike. Its level by band of completed age at death,
``truth["rest_of_sweden_level_factor"][year]["by_completed_age"]``, is the rest of Sweden's
expected deaths in the band over those at the region's rates (the factors L multiply the rates
of attained-age bands, and a band of completed age mixes two of them). So the region's
expected count in a cell is its person-time × the rest of Sweden's observed rate in that cell
(÷ that level for deaths): indirect standardisation on the rest of Sweden's rates, which stand
in for the model's (they rest on 20 times the region's numbers). The expected ratio region /
rest is the DSR of those expected counts over the rest of Sweden's DSR; observed / expected =
observed DSR / expected DSR of the region.

Tolerance: |observed / expected − 1| < 3 standard errors of the log ratio (Poisson variance of
the region's DSR and of the expected DSR from the rest of Sweden's counts) + 0.02, the
allowance for what the cells do not hold: the single-age distribution within a five-year band,
diabetes (a function of the same attributes and single age) and the MI process, which the rest
of Sweden takes by year × sex × band × income quintile without education; the composition by
education and income in 2015 and band 0; the day of a death within the year, which the region
draws uniformly where the rest of Sweden's split by completed age assumes a constant hazard (at
most 0.3 % of a band's deaths, at 85+); and the rest of Sweden's education and income
composition, which is the same every year for a kommun, sex and five-year band (its people do
not age through it as the region's do), so that its mean population by quintile differs from
the model's person-time (at 55–79: Q1 2–4 % less, Q5 1–4 % more), which moves observed /
expected by about −0.007 (measured with the model's person-time in its place).

Measured with seed 20240501 (region / rest of Sweden, both counted the standard way:
observed ratio, expected ratio, observed / expected − 1 with the SE of its log): see
docs/demo.md, "Region and rest of Sweden: one model".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jamlik.model.age_bands import LIFE_TABLE_BANDS
from jamlik.model.catalogue import load_catalogue
from jamlik.stats.standard_populations import standard_age_group, standard_population

FIRST, LAST = 2015, 2024
KEYS = ["year", "sex", "age_band", "education", "income_quintile"]
INDICATORS = ("mortality_ischaemic_heart", "mortality_cerebrovascular", "mortality_circulatory",
              "mortality_neoplasms", "mortality_respiratory", "mortality_external",
              "mortality_all_cause", "mi_incidence", "stroke_incidence",
              "heart_failure_admissions", "fall_injuries_elderly")
CONDITION_COLUMNS = {"mi": "mi_events", "stroke": "stroke_events",
                     "heart_failure": "heart_failure_events", "fall_injury": "fall_injuries"}
START = {b: int(b.split("-")[0].rstrip("+")) for b in LIFE_TABLE_BANDS}


def _band(age: np.ndarray) -> np.ndarray:
    age = np.asarray(age)
    idx = np.where(age == 0, 0, np.minimum(age // 5 + 1, 19))
    return np.asarray(LIFE_TABLE_BANDS, dtype=object)[idx]


def _cell_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Band 0 and the first year by year, sex and band only (the people who died in them
    have no register row to give their education and income)."""
    collapse = (frame.age_band == "0") | (frame.year == FIRST)
    frame.loc[collapse, "education"] = "not_applicable"
    frame.loc[collapse, "income_quintile"] = 0
    return frame


def _completed_age(birth: pd.Series, when: pd.Series) -> np.ndarray:
    """Completed years on day ``when`` (the birthday itself counts as reached)."""
    birth, when = pd.to_datetime(birth), pd.to_datetime(when)
    before = (when.dt.month * 100 + when.dt.day) < (birth.dt.month * 100 + birth.dt.day)
    return (when.dt.year - birth.dt.year - before).to_numpy()


@pytest.fixture(scope="module")
def cells(demo):
    return region_cells(demo.tables), rest_cells(demo.tables["aggregate_counts"].to_pandas())


def region_cells(t) -> pd.DataFrame:
    """The region's counts per cell (``KEYS``): the columns of ``aggregate_counts`` (deaths by
    cause group, events by condition) by completed age, and the mean population ``pt``."""
    persons = t["persons"].select(["person_id", "sex", "birth_year", "birth_date"]).to_pandas()
    py = t["person_years"].select(["year", "person_id", "age", "education",
                                   "income_quintile"]).to_pandas()
    # fixed per person; education is shown from 25, so take each person's oldest row
    attrs = py.sort_values("age").drop_duplicates("person_id", keep="last").set_index(
        "person_id")[["education", "income_quintile"]]
    py = py.merge(persons[["person_id", "sex", "birth_year"]], on="person_id")

    def keyed(frame: pd.DataFrame, year, age, **values) -> pd.DataFrame:
        """``frame``'s people counted in ``year`` by band of ``age`` (education from 25)."""
        age = np.asarray(age)
        a = frame.person_id.map(attrs.education)
        out = pd.DataFrame({
            "year": np.asarray(year), "sex": frame.sex.to_numpy(), "age_band": _band(age),
            "education": np.where(age >= 25, a.fillna("missing"), "not_applicable"),
            "income_quintile": frame.person_id.map(attrs.income_quintile).fillna(0)
            .astype(int).to_numpy(), **values})
        return _cell_keys(out)

    deaths = t["deaths"].select(["person_id", "year", "age", "cause_group"]).to_pandas()
    deaths = deaths.merge(persons[["person_id", "sex", "birth_year"]], on="person_id")
    # mean population: ½ × 31 Dec of the year before (age on that day) + ½ × 31 Dec of the year
    end = py[py.year.between(FIRST, LAST)]
    before = py[py.year.between(FIRST, LAST - 1)]
    # 1 January of the first year, rebuilt from it: its 31 December people born before it,
    # one year younger, and its deaths of people born before it, at their age on 1 January
    alive = py[(py.year == FIRST) & (py.birth_year < FIRST)]
    died = deaths[(deaths.year == FIRST) & (deaths.birth_year < FIRST)]
    pt = pd.concat([keyed(end, end.year, end.age),
                    keyed(before, before.year + 1, before.age),
                    keyed(alive, alive.year, alive.age - 1),
                    keyed(died, FIRST, FIRST - 1 - died.birth_year)])
    pt = pt.groupby(KEYS).size().mul(0.5).rename("pt")
    deaths = deaths[deaths.year.between(FIRST, LAST)]
    deaths = keyed(deaths, deaths.year, deaths.age, cause_group=deaths.cause_group.to_numpy())
    d = pd.crosstab([deaths[k] for k in KEYS], deaths.cause_group).add_prefix("deaths_")
    d["deaths"] = d.sum(1)
    events = t["care_events"].select(["person_id", "year", "admission_date",
                                      "condition"]).to_pandas()
    events = events[events.year.between(FIRST, LAST)].merge(persons, on="person_id")
    events = keyed(events, events.year, _completed_age(events.birth_date, events.admission_date),
                   condition=events.condition.to_numpy())
    e = pd.crosstab([events[k] for k in KEYS], events.condition).rename(
        columns=CONDITION_COLUMNS)
    return pd.concat([pt, d, e], axis=1).fillna(0).reset_index()


def rest_cells(agg: pd.DataFrame) -> pd.DataFrame:
    """The rest of Sweden's counts per cell (``KEYS``) and its mean population ``pt``: ½ × the
    31 December population of the year before + ½ × that of the year, both by band of age on
    that day (``population`` of the year before's row, moved to the year)."""
    agg = agg.assign(income_quintile=agg.income_quintile.astype(int))
    counts = agg[agg.year.between(FIRST, LAST)].assign(pt=lambda f: 0.5 * f.population)
    before = agg.loc[agg.year.between(FIRST - 1, LAST - 1), [*KEYS, "population"]]
    before = before.assign(year=before.year + 1, pt=0.5 * before.population)
    frame = _cell_keys(pd.concat([counts, before.drop(columns="population")]).fillna(0))
    return frame.groupby(KEYS).sum(numeric_only=True).reset_index()


def _numerator(ind, frame: pd.DataFrame) -> pd.Series:
    """The indicator's count in ``aggregate_counts`` columns (its ``national`` numerator)."""
    return sum(frame[c] for c in ind.national["numerator"].split("+"))


def _dsr(frame: pd.DataFrame, count: str, variance: str | None = None) -> tuple[float, float]:
    """ESP 2013 DSR (per person-year) of ``count`` over ``pt``, and its variance (Poisson
    unless ``variance``, the variance of ``count``, is given)."""
    weights = standard_population("esp2013")
    group = frame.age_band.map(lambda b: standard_age_group(START[b]))
    variance = variance or count
    s = frame.groupby(group)[list(dict.fromkeys([count, variance, "pt"]))].sum()
    w = s.index.map(weights).to_numpy(float)
    w = w / w.sum()
    return (w * s[count] / s.pt).sum(), (w ** 2 * s[variance] / s.pt ** 2).sum()


def compare(ind, region: pd.DataFrame, rest: pd.DataFrame,
            level: dict | None) -> dict[str, float]:
    """Observed and expected DSR of the region, DSR of the rest of Sweden, SE of the log of
    observed / expected (see the module docstring). ``level``: the truth's
    ``rest_of_sweden_level_factor``, by which deaths are divided (None: not divided)."""
    low = ind.ages[0] or 0
    region = region[region.age_band.map(START) >= low]
    rest = rest[rest.age_band.map(START) >= low].assign(n=lambda f: _numerator(ind, f))
    rate = rest[KEYS].assign(rate=rest.n / rest.pt, var=rest.n / rest.pt ** 2)
    m = region[[*KEYS, "pt"]].assign(obs=_numerator(ind, region)).merge(rate, on=KEYS,
                                                                         how="left")
    k = 1.0
    if ind.numerator.source == "deaths" and level is not None:
        k = 1 / np.array([level[str(y)]["by_completed_age"][s][LIFE_TABLE_BANDS.index(b)]
                          for y, s, b in zip(m.year, m.sex, m.age_band, strict=True)])
    m = m.assign(exp=m.rate.fillna(0) * m.pt * k, var_exp=m["var"].fillna(0) * (m.pt * k) ** 2)
    observed, var_obs = _dsr(m, "obs")
    expected, var_exp = _dsr(m, "exp", "var_exp")
    return {"observed": observed, "expected": expected, "rest": _dsr(rest, "n")[0],
            "se_log": np.sqrt(var_obs / observed ** 2 + var_exp / expected ** 2)}


@pytest.mark.parametrize("indicator", INDICATORS)
def test_region_agrees_with_rest_of_sweden(demo, cells, indicator):
    ind = load_catalogue()[indicator]
    region, rest = cells
    c = compare(ind, region, rest, demo.truth["rest_of_sweden_level_factor"])
    observed, expected = c["observed"] / c["rest"], c["expected"] / c["rest"]
    deviation = observed / expected - 1
    print(f"\n{indicator}: DSR region {c['observed'] * 1e5:.1f}, rest of Sweden "
          f"{c['rest'] * 1e5:.1f} per 100 000; ratio observed {observed:.3f}, expected "
          f"{expected:.3f}, observed/expected − 1 = {deviation:+.3f} "
          f"(SE of log {c['se_log']:.3f})")
    assert abs(deviation) < 3 * c["se_log"] + 0.02, (indicator, observed, expected)


def test_both_sides_have_a_mean_population_every_year(cells):
    # The mean population needs the 31 December population of the year before: the rest of
    # Sweden's 2014 population, the region's rebuilt 1 January 2015. Without it the first
    # year's person-time would be about half of the next year's; with it consecutive years
    # differ by less than 2 % (reference: SCB, Sweden grew by 0.3-1.5 % a year in 2014-2024;
    # the region, without migration, by less).
    for frame in cells:
        pt = frame.groupby("year").pt.sum()
        assert list(pt.index) == list(range(FIRST, LAST + 1))
        assert (pt.pct_change().dropna().abs() < 0.02).all(), pt
