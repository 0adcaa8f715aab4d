"""Synthetic register extracts from the demo region, in the documented formats, with ground truth.

``write_demo_registers(out)`` writes, for every person with a myocardial infarction (MI) in the
demo region 2015–2024 (see ``jamlik.demo``):

* ``kvalitetsregister_hjartinfarkt.csv`` — quality register, one row per MI (index and recurrent),
  UTF-8, with process measures as Ja/Nej, **plus deliberately dirty rows** (listed in
  ``truth.json``: bad check digit, impossible dates, unparseable values, a duplicate);
* ``lisa_2015_2023.sav`` — LISA-style population register (SPSS), one row per person and year,
  education as SUN2000 old level and disposable income per consumption unit (hundreds of SEK);
* ``dodsorsaksregistret.dta`` — cause-of-death register (Stata), dates as text ``YYYYMMDD``;
* ``patientregistret.csv`` — patient register, Windows-1252, ``;``-separated, decimal commas;
* ``studie.yaml`` (a ready-to-run study spec), ``pseudonym.key`` (a random **demo-only** key) and
  ``truth.json`` (the ground truth).

**Identity numbers** are synthetic: a real birth date from the demo person, a serial number from
900–999 whose last digit is odd for men and even for women, and a correct Luhn check digit. They are
formally valid, so they can coincide with numbers of real people; they carry no information
about anyone. (Skatteverket publishes a list of test numbers as open data; it is not shipped here.)
Do not use them outside the demo.

**Income**: the demo gives each person a fixed income quintile (national cut points of log
disposable income per consumption unit, ``truth['income_quintile_cut_points_log_tkr']``). Each
person gets a fixed income drawn inside their quintile's interval, and the spec gives the same cut
points (``exposures.income_quintile.cut_points``), so the study's quintiles are the demo's.
The demo covers 2015–2024 and exposures come from the year before the index event, so the
extracts cover persons whose first MI in the demo is in 2016–2024 (2015 serves as exposure year and
wash-out: persons with an MI in 2015 are left out with all their events).

**Ground truth** (``truth.json``) for all-cause death after the first MI, computed from the
generator's parameters, not from the data:

* hazard per person = background mortality (baseline × year factor × normaliser ×
  (income RR × education RR) ** e(attained age), by calendar year and attained age, where
  e = 1 up to ``attenuation_from_age`` falling linearly to ``attenuation_floor`` at
  ``attenuation_to_age``: the generator's age attenuation of the socioeconomic gradient, see
  ``jamlik.demo._mortality.ses_rr``) + MI-related hazard (``MI_OUTCOME``: 28-day risk, later rate,
  age and income-quintile hazard ratios);
* groups are the study's groups: income quintile (fixed per person) and education as the
  population register shows it in the year before the index event (missing under age 25 that
  year, and for the generator's 'missing' level);
* true 1- and 5-year survival per group = the limit of the Kaplan–Meier estimator under the
  study's administrative censoring: discrete hazards on a 1/52-year grid,
  λ_k = Σ_i o_ik P_i(die in k) / Σ_i o_ik S_i(t_k), S(t) = Π (1 − λ_k) (o = share of the interval
  under observation);
* true hazard ratios = the limit of the age- and sex-adjusted Cox estimator (the root of the
  expected score, Struthers & Kalbfleisch 1986, Biometrika 73:363–369), on the same grid. Because
  the all-cause hazard is the sum of two proportional-hazards parts and education is not adjusted
  for, this *estimand* differs from the generator's parameters (also listed).
* true shares of the process measures = mean of the generator's logistic probabilities.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from jamlik.demo.extracts import income_in_quintile, synthetic_personnummer
from jamlik.model.errors import InputError

__all__ = ["FILES", "DemoRegisters", "synthetic_personnummer", "write_demo_registers"]

FILES = {
    "quality": "kvalitetsregister_hjartinfarkt.csv",
    "population": "lisa_2015_2023.sav",
    "death": "dodsorsaksregistret.dta",
    "patient": "patientregistret.csv",
}
SPEC_FILE, KEY_FILE, TRUTH_FILE = "studie.yaml", "pseudonym.key", "truth.json"
END_OF_DATA = "2024-12-31"
FIRST_INDEX_YEAR = 2016
MIN_AGE, MAX_AGE = 18, 120  # the study's inclusion (completed age at the index event)
_EPOCH = np.datetime64("1970-01-01", "D")
_EDU_GROUP = {"compulsory": "compulsory", "upper_secondary": "upper_secondary",
              "post_secondary_lt3y": "post_secondary", "post_secondary_ge3y": "post_secondary"}
_EDU_INDEX = {"compulsory": 0, "upper_secondary": 1, "post_secondary_lt3y": 2,
              "post_secondary_ge3y": 3, "missing": 4}
_SUN_LEVELS = {"compulsory": (1, 2), "upper_secondary": (3, 4), "post_secondary_lt3y": (5, 5),
               "post_secondary_ge3y": (6, 7)}
_PROCESS = {"reperfusion": "REPERFUSION", "pci": "PCI", "statin_at_discharge": "STATIN_UT",
            "betablocker_at_discharge": "BETABLOCKERARE_UT"}
_PROCESS_SPEC = {"reperfusion": "reperfusion", "pci": "pci", "statin_at_discharge": "statin_discharge",
                 "betablocker_at_discharge": "betablocker_discharge"}


@dataclass(frozen=True)
class DemoRegisters:
    """What ``write_demo_registers`` wrote: the extracts, the spec, the key file and the truth."""

    directory: Path
    files: Mapping[str, Path]
    spec: Path
    key_file: Path
    truth: Mapping[str, Any]


def _days(col: pl.Series) -> np.ndarray:
    return col.cast(pl.Int32).to_numpy().astype(np.int64)


def _year(days: np.ndarray) -> np.ndarray:
    return (_EPOCH + days).astype("datetime64[Y]").astype(np.int64) + 1970


def _iso(days: np.ndarray, compact: bool = False) -> np.ndarray:
    s = np.datetime_as_string(_EPOCH + np.asarray(days, np.int64), unit="D")
    return np.char.replace(s, "-", "") if compact else s


def _completed_age(birth: np.ndarray, when: np.ndarray) -> np.ndarray:
    b, w = _EPOCH + birth, _EPOCH + when
    years = (w.astype("datetime64[Y]") - b.astype("datetime64[Y]")).astype(np.int64)
    # before the birthday this year: compare (month, day) as month * 32 + day
    mw = (w.astype("datetime64[M]") - w.astype("datetime64[Y]")).astype(np.int64) * 32 \
        + (w - w.astype("datetime64[M]")).astype(np.int64)
    mb = (b.astype("datetime64[M]") - b.astype("datetime64[Y]")).astype(np.int64) * 32 \
        + (b - b.astype("datetime64[M]")).astype(np.int64)
    return years - (mw < mb)


def write_demo_registers(out: str | Path, *, seed: int | None = None, demo=None,
                         progress: Callable[[str, float], None] | None = None) -> DemoRegisters:
    """Build (or take) the demo region and write the register extracts, spec, key and truth to ``out``."""
    from jamlik.demo import DEFAULT_SEED, build_demo

    report = progress or (lambda step, fraction: None)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError("out", str(out), "a folder (it is created if missing)")
    out.mkdir(parents=True, exist_ok=True)
    if demo is None:
        demo = build_demo(seed=DEFAULT_SEED if seed is None else seed,
                          progress=lambda s, f: report(f"demo: {s}", 0.6 * f))
    seed = int(demo.truth["seed"])
    rng = np.random.default_rng([seed, 5050])
    t = demo.tables
    events = pl.from_arrow(t["care_events"])
    mi = events.filter(pl.col("condition") == "mi").sort(["admission_date", "event_id"])
    # 2015 is the exposure (and wash-out) year: persons whose first MI is in 2016 or later
    first_year = mi.group_by("person_id").agg(pl.col("admission_date").min().dt.year().alias("y"))
    cohort_ids = first_year.filter(pl.col("y") >= FIRST_INDEX_YEAR)["person_id"].sort()
    mi = mi.filter(pl.col("person_id").is_in(cohort_ids.implode()))
    persons = pl.from_arrow(t["persons"]).filter(pl.col("person_id").is_in(cohort_ids.implode())).sort("person_id")
    py = (pl.from_arrow(t["person_years"]).filter(pl.col("person_id").is_in(cohort_ids.implode()))
          .select("person_id", "education", "income_quintile"))
    attrs = py.group_by("person_id").agg(pl.col("income_quintile").first(),
                                         pl.col("education").drop_nulls().first())
    persons = persons.join(attrs, on="person_id", how="left")
    n_fake = 5
    fake_birth = rng.integers(-12000, 3000, n_fake)
    numbers = synthetic_personnummer(np.concatenate([_days(persons["birth_date"]), fake_birth]),
                                     np.concatenate([(persons["sex"] == "male").to_numpy(),
                                                     rng.random(n_fake) < 0.5]), rng)
    pnr = dict(zip(persons["person_id"].to_list(), numbers[:-n_fake].tolist(), strict=True))
    fake = numbers[-n_fake:]
    persons = persons.with_columns(pnr=pl.Series(numbers[:-n_fake]))
    hospitals = demo.truth["parameters"]["hospitals"]
    report("quality register", 0.65)

    # ---- quality register (CSV, UTF-8) with dirty rows ----
    mi = mi.join(persons.select("person_id", "birth_date", "sex", "pnr"), on="person_id", how="left")
    adm, birth = _days(mi["admission_date"]), _days(mi["birth_date"])
    quality = pd.DataFrame({
        "personnummer": [f"{v[:8]}-{v[8:]}" for v in mi["pnr"].to_list()],
        "INDATUM": _iso(adm), "ALDER": _completed_age(birth, adm).astype(str),
        "KON": np.where(mi["sex"].to_numpy() == "male", "1", "2"),
        "SJUKHUS": [hospitals[h] for h in mi["hospital"].to_list()],
        **{col: np.where(mi[name].to_numpy(), "Ja", "Nej") for name, col in _PROCESS.items()},
    })
    quality, dirty = _add_dirty_rows(quality, fake, rng)
    quality.to_csv(out / FILES["quality"], index=False, encoding="utf-8")

    # ---- population register (SPSS) ----
    report("population register", 0.72)
    years = np.arange(FIRST_INDEX_YEAR - 1, 2024)
    death_year = persons["death_date"].dt.year().fill_null(9999).to_numpy().astype(np.int64)
    grid_p = np.repeat(np.arange(persons.height), years.size)
    grid_y = np.tile(years, persons.height)
    by = persons["birth_year"].to_numpy().astype(np.int64)
    alive = (by[grid_p] <= grid_y) & (death_year[grid_p] > grid_y)
    gp, gy = grid_p[alive], grid_y[alive]
    cuts = np.asarray(demo.truth["income_quintile_cut_points_log_tkr"], dtype=float)
    q = persons["income_quintile"].fill_null(3).to_numpy().astype(np.int64)
    log_income = income_in_quintile(cuts, q, rng)
    income = np.round(np.exp(log_income) * 10)  # hundreds of SEK per consumption unit
    edu = persons["education"].to_list()
    age_in_year = gy - by[gp]
    sun = np.full(persons.height, np.nan)
    for i, e in enumerate(edu):
        if e in _SUN_LEVELS:
            a, b_ = _SUN_LEVELS[e]
            sun[i] = a if a == b_ else rng.choice([a, b_], p=[0.4, 0.6])
    lisa = pd.DataFrame({
        "personnummer": persons["pnr"].to_numpy()[gp].astype(str), "AR": gy.astype(np.int64),
        "Sun2000niva_old": np.where(age_in_year >= 25, sun[gp], np.nan),
        "DispInkKE04": income[gp], "Kon": np.where(persons["sex"].to_numpy()[gp] == "male", 1, 2),
        "FodelseAr": by[gp],
    })
    import pyreadstat

    pyreadstat.write_sav(lisa, str(out / FILES["population"]),
                         column_labels=["Personnummer (syntetiskt)", "År", "Utbildningsnivå SUN2000 gammal",
                                        "Disponibel inkomst per konsumtionsenhet (hundratal kr)",
                                        "Kön", "Födelseår"])

    # ---- cause-of-death register (Stata) ----
    report("cause-of-death register", 0.78)
    deaths = (pl.from_arrow(t["deaths"]).filter(pl.col("person_id").is_in(cohort_ids.implode()))
              .sort("death_date", "person_id"))
    ul = deaths["underlying_cause"].to_numpy().astype(str)
    dors = pd.DataFrame({
        "personnummer": [pnr[p] for p in deaths["person_id"].to_list()],
        "DODSDAT": _iso(_days(deaths["death_date"]), compact=True), "ULORSAK": ul,
        "MORSAK1": np.where(np.char.startswith(ul, "I2"), "I10", ""),
    })
    pyreadstat.write_dta(dors, str(out / FILES["death"]))

    # ---- patient register (CSV, cp1252, semicolons, decimal commas) ----
    report("patient register", 0.82)
    pat = (events.filter(pl.col("person_id").is_in(cohort_ids.implode()))
           .join(persons.select("person_id", "birth_date", "pnr"), on="person_id")
           .sort("admission_date", "event_id"))
    a_days, d_days = _days(pat["admission_date"]), _days(pat["discharge_date"])
    sec = [s.split() for s in pat["secondary_diagnoses"].to_list()]
    patient = pd.DataFrame({
        "personnummer": pat["pnr"].to_numpy(), "INDATUM": _iso(a_days, compact=True),
        "UTDATUM": _iso(d_days, compact=True), "HDIA": pat["main_diagnosis"].to_numpy(),
        **{f"DIA{k + 1}": [s[k] if len(s) > k else "" for s in sec] for k in range(3)},
        "SJUKHUS": [hospitals[h] for h in pat["hospital"].to_list()],
        "ALDER": [f"{v:.1f}".replace(".", ",") for v in (a_days - _days(pat["birth_date"])) / 365.25],
        "VÅRDTID": (d_days - a_days).astype(str),
    })
    (out / FILES["patient"]).write_bytes(patient.to_csv(index=False, sep=";").encode("cp1252"))

    # ---- truth, spec, key ----
    report("ground truth", 0.88)
    first = (mi.sort("admission_date").unique("person_id", keep="first").sort("person_id")
             .join(persons.select("person_id", "education", "income_quintile"), on="person_id"))
    # the study's inclusion: age 18-120 at the index MI (events start at attained age 18, so a
    # few first MIs happen at completed age 17)
    index_age = _completed_age(_days(first["birth_date"]), _days(first["admission_date"]))
    first = first.filter(pl.Series((index_age >= MIN_AGE) & (index_age <= MAX_AGE)))
    truth = _truth(demo.truth, first, dirty, quality.shape[0])
    cut_points = [round(float(np.exp(c) * 10), 1) for c in cuts]
    (out / TRUTH_FILE).write_text(json.dumps(truth, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / SPEC_FILE).write_text(_spec_text(cut_points), encoding="utf-8")
    key = out / KEY_FILE
    key.write_text(secrets.token_hex(32) + "\n", encoding="ascii")
    report("done", 1.0)
    return DemoRegisters(out, {k: out / v for k, v in FILES.items()}, out / SPEC_FILE, key, truth)


def _add_dirty_rows(quality: pd.DataFrame, fake: np.ndarray, rng) -> tuple[pd.DataFrame, list[dict]]:
    """Insert the dirty rows at random places; return the frame and the expected issue lines."""
    template = quality.iloc[0].to_dict()

    def row(number: str, **changes) -> dict:
        return {**template, "personnummer": number, **changes}

    def dashed(v: str) -> str:
        return f"{v[:8]}-{v[8:]}"

    bad_check = fake[0][:-1] + str((int(fake[0][-1]) + 1) % 10)
    nine = "530229" + fake[1][8:11]  # 1953 is not a leap year
    luhn = sum((d * w - 9 if d * w > 9 else d * w) for d, w in zip(map(int, nine), [2, 1] * 4 + [2], strict=True))
    bad_date_pnr = "19530229" + fake[1][8:11] + str((10 - luhn % 10) % 10)
    cases = [
        (row(dashed(bad_check)), "personnummer", "rejected", "check digit"),
        (row(dashed(bad_date_pnr)), "personnummer", "rejected", "birth date part is not a real date"),
        (row(dashed(fake[2]), INDATUM="2019-02-30"), "INDATUM", "rejected", "not a date"),
        (row(dashed(fake[3]), ALDER="sjuttio"), "ALDER", "set_missing", "age is not a number"),
        (row(dashed(fake[4]), PCI="kanske"), "PCI", "set_missing", "not a yes/no code"),
        (row(dashed(fake[4]), INDATUM="2020-06-01", KON="X"), "KON", "rejected", "sex code not recognised"),
        (row(""), "personnummer", "rejected", "missing identity number"),
    ]
    dup_source = int(rng.integers(1, quality.shape[0] // 2))
    rows = quality.to_dict("records")
    positions = np.sort(rng.choice(np.arange(dup_source + 1, len(rows) + 1), size=len(cases) + 1,
                                   replace=False))
    inserts = [*cases, (dict(rows[dup_source]), "personnummer", "rejected", "already listed")]
    order = rng.permutation(len(inserts))
    expected = []
    for k, pos in sorted(zip(order.tolist(), positions.tolist(), strict=True), key=lambda x: x[1]):
        r, column, action, reason = inserts[k]
        rows.insert(pos + len(expected), r)
        expected.append({"row": pos + len(expected) + 1, "column": column, "action": action,
                         "reason_contains": reason})
    return pd.DataFrame(rows, columns=quality.columns), expected


def _spec_text(cut_points: list[float]) -> str:
    measures = ", ".join(_PROCESS_SPEC.values())
    return f"""# Demo study: first myocardial infarction in the synthetic Östergötland region 2016–2024.
# Written by `jamlik demo registers`. The files are SYNTHETIC; pseudonym.key is a demo-only key.
name: ami_demo
title:
  sv: "Hjärtinfarkt i demoregionen – jämlik vård och utfall efter inkomst och utbildning"
  en: "Myocardial infarction in the demo region – equity in care and outcomes by income and education"

files:
  quality: {FILES["quality"]}
  population: {FILES["population"]}
  death: {FILES["death"]}
  patient: {{path: {FILES["patient"]}, encoding: cp1252}}

index_event:
  register: quality
  period: {{start: 2016-01-01, end: 2024-12-31}}
  first_event_only: true

inclusion:
  age: {{min: {MIN_AGE}, max: {MAX_AGE}}}
  sex: [1, 2]

exposures:
  measured: year_before_index
  # national income limits between quintiles (hundreds of SEK per consumption unit)
  income_quintile: {{reference: 5, cut_points: {cut_points}}}
  education: {{reference: post_secondary}}
  age_groups: [18, 65, 75, 85]

follow_up:
  windows_years: [1, 5]
  end_of_data: {END_OF_DATA}   # index events after 2019 are censored here, before 5 years

outcomes:
  - name: death
    label: {{sv: "Död oavsett orsak", en: "All-cause death"}}
    include_death: true
  - name: mace
    label: {{sv: "MACE (död, ny hjärtinfarkt, stroke)", en: "MACE (death, new MI, stroke)"}}
    include_death: true
    components: &mace
      - {{name: new_mi, codes: [I21, I22], positions: main, blanking_days: 28}}
      - {{name: stroke, codes: [I60-I64], positions: main}}
  - name: mace_nonfatal
    label: {{sv: "Icke-dödlig MACE (död som konkurrerande risk)", en: "Non-fatal MACE (death competing)"}}
    include_death: false
    components: *mace

process_measures: [{measures}]
suppression: {{min_count: 5}}
confidence: 0.95
"""


# ------------------------------------------------------------------------------------------------
# Ground truth from the generator's parameters
# ------------------------------------------------------------------------------------------------

_STEPS_PER_YEAR = 52
_YEARS = 5


def _truth(demo_truth: Mapping[str, Any], first: pl.DataFrame, dirty: list[dict], n_quality: int) -> dict:
    params = demo_truth["parameters"]
    mo, mort = params["mi_outcome"], demo_truth["mortality"]
    adm = _days(first["admission_date"])
    birth = _days(first["birth_date"])
    female = (first["sex"] == "female").to_numpy()
    q = first["income_quintile"].to_numpy().astype(np.int64)
    edu_label = first["education"].fill_null("missing").to_list()
    edu = np.array([_EDU_INDEX.get(e, 4) for e in edu_label])  # the generator's level (hazard)
    age = _completed_age(birth, adm).astype(float)
    # the study measures education in the year before the index year; LISA has none under 25
    shown = (_year(adm) - 1 - _year(birth)) >= 25
    study_edu = np.where(shown, np.array([_EDU_GROUP.get(e, "missing") for e in edu_label], dtype=object),
                         "missing").astype(object)
    end = int((np.datetime64(END_OF_DATA) - _EPOCH).astype(np.int64)) + 1
    surv, dead_in, observed = _person_curves(mort, params["mortality_rr"], mo, adm, birth, female, q, edu, age, end)

    groups = {"total": np.full(q.size, "all", dtype=object), "income_quintile": q.astype(str).astype(object),
              "education": study_edu,
              "sex": np.where(female, "2", "1").astype(object)}
    survival = []
    for var, lab in groups.items():
        for g in sorted(set(lab.tolist())):
            sel = lab == g
            km = _km_limit(surv[sel], dead_in[sel], observed[sel])
            for years in (1, 5):
                survival.append({"group_variable": var, "group": g, "time_years": years,
                                 "n_persons": int(sel.sum()),
                                 "survival": round(float(km[years * _STEPS_PER_YEAR]), 5)})
    z_income = np.column_stack([(q == k).astype(float) for k in (1, 2, 3, 4)] + [age, female.astype(float)])
    hr_income = _cox_limit(z_income, surv, dead_in, observed)[:4]
    edu_group = groups["education"]
    keep = edu_group != "missing"
    z_edu = np.column_stack([(edu_group == "compulsory"), (edu_group == "upper_secondary"), age, female]).astype(float)
    hr_edu = _cox_limit(z_edu[keep], surv[keep], dead_in[keep], observed[keep])[:2]
    process = []
    for name, spec_name in _PROCESS_SPEC.items():
        p = params["mi_process"][name]
        logit = (np.log(p["base"] / (1 - p["base"])) + p["age_coef"] * (age - 70)
                 + np.log(np.asarray(p["or_income"]))[q - 1])
        prob = 1 / (1 + np.exp(-logit))
        for g in ("1", "2", "3", "4", "5", "all"):
            sel = np.ones(q.size, bool) if g == "all" else q == int(g)
            process.append({"measure": spec_name, "group_variable": "total" if g == "all" else "income_quintile",
                            "group": g, "share": round(float(prob[sel].mean()), 5)})
    rejected = sum(d["action"] == "rejected" for d in dirty)
    return {
        "about": "Ground truth for the synthetic register extracts written by `jamlik demo registers`; "
                 "see jamlik.demo.registers for how each number is computed.",
        "seed": demo_truth["seed"], "generator": demo_truth["generator"], "generator_version": demo_truth["version"],
        "index_events": {"persons": int(q.size), "period": [f"{FIRST_INDEX_YEAR}-01-01", END_OF_DATA]},
        "death": {
            "estimand": "limit of the age- (years, continuous) and sex-adjusted Cox estimator and of the "
                        "Kaplan-Meier estimator under the study's censoring (end of data 2024-12-31, 5 years), "
                        "computed from the generator's hazards on a 1/52-year grid",
            "hazard_ratio_income_quintile": {str(k): round(float(np.exp(b)), 4) for k, b in zip((1, 2, 3, 4), hr_income, strict=True)}
            | {"5": 1.0},
            "hazard_ratio_education": {"compulsory": round(float(np.exp(hr_edu[0])), 4),
                                       "upper_secondary": round(float(np.exp(hr_edu[1])), 4), "post_secondary": 1.0},
            "survival": survival,
        },
        "generator_parameters": {
            "mi_related_death_hazard_ratio_income_quintile": mo["hazard_ratio_income_quintile"],
            "background_mortality_rr_income_quintile": params["mortality_rr"]["income_quintile"],
            "background_mortality_rr_education": params["mortality_rr"]["education"],
            "mace_hazard_ratio_income_quintile": mo["mace_hazard_ratio_income_quintile"],
        },
        "process_measures": process,
        "dirty_rows": {"file": FILES["quality"], "rows_read": n_quality, "rejected": rejected,
                       "set_missing": len(dirty) - rejected, "rows": dirty},
        "censoring": "follow-up ends at 2024-12-31 (end of data) or 5 years; index events after "
                     "2019-12-31 are censored before 5 years, which Kaplan-Meier and Cox handle as "
                     "independent administrative censoring",
    }


def _person_curves(mort, mortality_rr, mo, adm, birth, female, q, edu, age, end):
    """S_i(t_k), P_i(death in interval k) and the observed share of each interval (i × k)."""
    step = 365.25 / _STEPS_PER_YEAR
    k = np.arange(_YEARS * _STEPS_PER_YEAR + 1)
    t = k * step
    mid = (t[:-1] + step / 2)[None, :]
    day = adm[:, None] + mid
    year = _year(np.floor(day).astype(np.int64))
    attained = np.minimum(year - _year(birth)[:, None], 110)
    sex = female.astype(int)[:, None]
    base = np.asarray([mort["baseline_rate_by_attained_age"][s] for s in ("male", "female")])
    norm = np.asarray([mort["rr_normaliser_by_life_band"][s] for s in ("male", "female")])
    factors = {int(y): f for y, f in mort["year_factor"].items()}
    yf = np.vectorize(lambda y: factors.get(int(y), 1.0))(np.arange(2015, 2031))[np.clip(year - 2015, 0, 15)]
    band = np.where(attained == 0, 0, np.minimum(attained // 5 + 1, 19))
    rr_e = np.where(attained >= 25, np.asarray(mortality_rr["education"])[edu][:, None], 1.0)
    rr_q = np.asarray(mortality_rr["income_quintile"])[q - 1][:, None]
    rr = (rr_q * rr_e) ** _rr_exponent(mortality_rr, attained)
    background = base[sex, attained] * yf * norm[sex, band] * rr / 365.25  # per day
    h_bg = np.concatenate([np.zeros((adm.size, 1)), np.cumsum(background * step, axis=1)], axis=1)
    kk = np.exp(mo["age_coef_per_year"] * (age - 70)) * np.asarray(mo["hazard_ratio_income_quintile"])[q - 1]
    h28 = -np.log1p(-mo["p28_ref"])
    h_mi = kk[:, None] * (h28 * np.minimum(t, 28)[None, :] / 28
                          + mo["rate_after_28d_per_year"] * np.maximum(t - 28, 0)[None, :] / 365.25)
    surv = np.exp(-(h_bg + h_mi))
    dead_in = surv[:, :-1] - surv[:, 1:]
    censor = np.minimum(end - adm, _YEARS * 365.25)
    observed = np.clip((censor[:, None] - t[None, :-1]) / step, 0, 1)
    return surv, dead_in, observed


def _rr_exponent(mortality_rr: Mapping[str, Any], attained: np.ndarray) -> np.ndarray:
    """The generator's age attenuation of the log mortality RR (``jamlik.demo._mortality``)."""
    lo, hi = mortality_rr["attenuation_from_age"], mortality_rr["attenuation_to_age"]
    floor = mortality_rr["attenuation_floor"]
    return 1 - (1 - floor) * np.clip((np.asarray(attained, float) - lo) / (hi - lo), 0, 1)


def _km_limit(surv, dead_in, observed) -> np.ndarray:
    """Survival curve the Kaplan–Meier estimator converges to (discrete hazards on the grid)."""
    at_risk = (observed * surv[:, :-1]).sum(0)
    deaths = (observed * dead_in).sum(0)
    hazard = np.where(at_risk > 0, deaths / np.maximum(at_risk, 1e-300), 0.0)
    return np.concatenate([[1.0], np.cumprod(1 - hazard)])


def _cox_limit(z, surv, dead_in, observed, iterations: int = 25) -> np.ndarray:
    """Root of the expected Cox score: Σ_k Σ_i o_ik dN_ik (z_i − Ē_k(β)) = 0 (Newton)."""
    risk = observed * 0.5 * (surv[:, :-1] + surv[:, 1:])  # expected 'alive and observed' in k
    dn = observed * dead_in
    d_k = dn.sum(0)
    beta = np.zeros(z.shape[1])
    scale = z.std(0)
    scale[scale == 0] = 1
    zs = (z - z.mean(0)) / scale
    for _ in range(iterations):
        w = risk * np.exp(zs @ beta)[:, None]  # i × k
        sw = w.sum(0)
        ebar = (w.T @ zs) / sw[:, None]  # k × p
        score = (dn.T @ zs).sum(0) - (d_k[:, None] * ebar).sum(0)
        second = np.einsum("ik,ip,iq->pq", w * (d_k / sw)[None, :], zs, zs)
        info = second - np.einsum("k,kp,kq->pq", d_k, ebar, ebar)
        delta = np.linalg.solve(info, score)
        beta = beta + delta
        if np.max(np.abs(delta)) < 1e-10:
            break
    return beta / scale
