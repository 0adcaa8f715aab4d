"""Everything a study report needs: read the registers, build the cohort, estimate, find key results.

``analyse(spec, key)`` reads the four extracts named under ``files:`` in the spec (pseudonymising
identity numbers on entry and collecting every row issue), builds the cohort and computes the tidy
result tables (survival/cumulative incidence, age–sex standardised versions, Cox hazard ratios,
process measures, equity summary measures across the income quintiles). ``key_findings`` turns the
numbers into plain Swedish (and English) sentences by explicit rules (see ``_RULES``).

Numbers in Swedish text use a decimal comma and a space as thousands separator (``fmt_number``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
from scipy.stats import norm

from jamlik.cohort._suppress import mask_issue_values, protect_files, protect_flow
from jamlik.cohort.estimates import (
    hazard_ratios,
    process_estimates,
    standardised_estimates,
    survival_estimates,
)
from jamlik.cohort.followup import Cohort, build_cohort
from jamlik.cohort.issues import RowIssues, empty_issues
from jamlik.cohort.readers import (
    read_cause_of_death_register,
    read_patient_register,
    read_population_register,
    read_quality_register,
)
from jamlik.cohort.spec import REGISTERS, StudySpec
from jamlik.equity import compute_all
from jamlik.model.errors import InputError
from jamlik.model.identity import PseudonymKey

__all__ = ["REGISTER_LABELS", "Finding", "StudyResults", "analyse", "equity_table", "fmt_number",
           "fmt_percent", "group_label", "key_findings", "read_registers"]

REGISTER_LABELS = {"quality": ("Kvalitetsregister (indexhändelser)", "Quality register (index events)"),
                   "population": ("Befolkningsregister (LISA)", "Population register (LISA)"),
                   "death": ("Dödsorsaksregistret", "Cause-of-death register"),
                   "patient": ("Patientregistret", "Patient register")}
_READERS = {"quality": (read_quality_register, "quality_columns"),
            "population": (read_population_register, "population_columns"),
            "death": (read_cause_of_death_register, "death_columns"),
            "patient": (read_patient_register, "patient_columns")}
PROCESS_LABELS = {"reperfusion": ("reperfusionsbehandling", "reperfusion"), "pci": ("PCI", "PCI"),
                  "aspirin_discharge": ("ASA vid utskrivning", "aspirin at discharge"),
                  "p2y12_discharge": ("P2Y12-hämmare vid utskrivning", "P2Y12 inhibitor at discharge"),
                  "statin_discharge": ("statin vid utskrivning", "statin at discharge"),
                  "betablocker_discharge": ("betablockerare vid utskrivning", "beta blocker at discharge"),
                  "acei_arb_discharge": ("ACE-hämmare/ARB vid utskrivning", "ACE inhibitor/ARB at discharge")}
EDUCATION_LABELS = {"compulsory": ("förgymnasial", "compulsory"),
                    "upper_secondary": ("gymnasial", "upper secondary"),
                    "post_secondary": ("eftergymnasial", "post-secondary"), "missing": ("uppgift saknas", "missing")}


@dataclass(frozen=True)
class Finding:
    """One key finding: the rule that made it, the sentence in Swedish and English, the numbers."""

    rule: str
    text_sv: str
    text_en: str
    value: float | None = None


@dataclass(frozen=True)
class StudyResults:
    """Tidy result tables of one study run (no identity numbers; pseudonyms stay in ``cohort``)."""

    spec: StudySpec
    cohort: Cohort
    files: pl.DataFrame  # register, file, rows_read, rows_kept, rows_rejected, issues
    issues: pl.DataFrame  # every issue line (values masked)
    survival: pl.DataFrame
    standardised: pl.DataFrame
    hazard_ratios: pl.DataFrame
    process: pl.DataFrame
    equity: pl.DataFrame
    findings: tuple[Finding, ...]
    seconds: float = 0.0
    flow: pl.DataFrame | None = None  # the selection flow as published (few exclusions merged)

    def tables(self) -> dict[str, pl.DataFrame]:
        """The publishable tables by file stem (small cells already suppressed)."""
        return {"overlevnad": self.survival, "overlevnad_standardiserad": self.standardised,
                "hazardkvoter": self.hazard_ratios, "processmatt": self.process,
                "ojamlikhetsmatt": self.equity, "urval": self.published_flow(),
                "datakvalitet_filer": self.files, "datakvalitet_rader": self.issues}


    def published_flow(self) -> pl.DataFrame:
        return self.flow if self.flow is not None else protect_flow(self.cohort.flow, self.spec.min_cell_count)


def fmt_number(x: float | None, decimals: int = 1) -> str:
    """Swedish number format: decimal comma, space as thousands separator, '–' for missing."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    text = f"{x:,.{decimals}f}".replace(",", " ").replace(".", ",")
    return text.replace("-", "−") if text.startswith("-") else text


def fmt_percent(p: float | None, decimals: int = 0) -> str:
    """A proportion as Swedish per cent: 0.453 → '45 %'."""
    return "–" if p is None or not math.isfinite(p) else f"{fmt_number(100 * p, decimals)} %"


def read_registers(spec: StudySpec, key: PseudonymKey, *, reference_year: int | None = None,
                   progress: Callable[[str, float], None] | None = None):
    """Read the four extracts named in ``spec.files``: ({register: table}, {register: RowIssues})."""
    missing = [r for r in REGISTERS if r not in spec.files]
    if missing:
        raise InputError("spec.files", sorted(spec.files), f"a file for every register: {', '.join(REGISTERS)}",
                         hint="add e.g. 'files: {quality: index.csv, population: lisa.sav, death: dors.dta, patient: par.csv}'")
    tables, issues = {}, {}
    for i, reg in enumerate(REGISTERS):
        if progress:
            progress(f"reading {spec.files[reg].path.name}", i / len(REGISTERS))
        reader, attr = _READERS[reg]
        f = spec.files[reg]
        tables[reg], issues[reg] = reader(f.path, key, getattr(spec, attr), encoding=f.encoding,
                                          reference_year=reference_year)
    return tables, issues


def analyse(spec: StudySpec, key: PseudonymKey, *, reference_year: int | None = None,
            progress: Callable[[str, float], None] | None = None) -> StudyResults:
    """Read, link, build the cohort and compute every result table and the key findings."""
    import time

    started = time.perf_counter()
    report = progress or (lambda step, fraction: None)
    tables, issues = read_registers(spec, key, reference_year=reference_year,
                                    progress=lambda s, f: report(s, 0.4 * f))
    report("building the cohort", 0.42)
    cohort = build_cohort(spec, tables["quality"], tables["population"], tables["death"], tables["patient"])
    report("Kaplan-Meier / Aalen-Johansen", 0.5)
    surv = survival_estimates(cohort, spec)
    std = standardised_estimates(cohort, spec)
    report("Cox regression", 0.6)
    hrs = hazard_ratios(cohort, spec)
    report("process measures and equity", 0.8)
    proc = process_estimates(cohort, spec)
    eq = equity_table(surv, proc, spec)
    m = spec.min_cell_count
    raw_files = _file_table(spec, issues)
    files = protect_files(raw_files, m)
    issue_lines = mask_issue_values(pl.concat([i.table for i in issues.values()]) if issues else empty_issues())
    quality = files.filter(pl.col("register") == "quality")
    flow = protect_flow(cohort.flow, m, first_hidden=bool(quality.height) and quality["rows_kept"][0] is None)
    findings = key_findings(spec, cohort, surv, std, hrs, proc, files)
    return StudyResults(spec, cohort, files, issue_lines, surv, std, hrs, proc, eq, tuple(findings),
                        time.perf_counter() - started, flow)


def _file_table(spec: StudySpec, issues: dict[str, RowIssues]) -> pl.DataFrame:
    rows = []
    for reg, iss in issues.items():
        counts = iss.table.group_by("action").agg(pl.col("row").n_unique()).to_dicts()
        by = {c["action"]: c["row"] for c in counts}
        rows.append({"register": reg, "file": iss.file, "rows_read": iss.rows_read, "rows_kept": iss.rows_kept,
                     "rows_rejected": iss.rows_rejected, "rows_set_missing": by.get("set_missing", 0),
                     "rows_imputed": by.get("imputed", 0), "issues": iss.table.height})
    return pl.DataFrame(rows)


def equity_table(survival: pl.DataFrame, process: pl.DataFrame, spec: StudySpec) -> pl.DataFrame:
    """Summary measures (jamlik.equity) across income quintiles Q1 (most disadvantaged) … Q5.

    Indicators: crude survival at the last window for outcomes that include death, and every
    process measure. Estimates are per cent (scale 100); standard errors from the tidy tables
    (process measures: half the Wilson interval width / z). Skipped when a quintile is suppressed.
    """
    z = float(norm.ppf(0.5 + spec.confidence / 2))
    last = max(spec.follow_up.windows_years)
    series = []
    for o in spec.outcomes:
        if not o.include_death:
            continue
        s = survival.filter((pl.col("outcome") == o.name) & (pl.col("group_variable") == "income_quintile")
                            & (pl.col("time_years") == last) & pl.col("group").is_in(["1", "2", "3", "4", "5"]))
        series.append((f"{o.name}_free_{last:g}y", s, s["std_error"]))
    for m in process["measure"].unique(maintain_order=True).to_list() if process.height else []:
        p = process.filter((pl.col("measure") == m) & (pl.col("group_variable") == "income_quintile")
                           & pl.col("group").is_in(["1", "2", "3", "4", "5"]))
        series.append((m, p, (p["upper_cl"] - p["lower_cl"]) / (2 * z)))
    rows = []
    for name, df, se in series:
        if df.height != 5 or df["value"].null_count() or se.null_count():
            continue
        df = df.with_columns(se=se).sort("group")
        n = df["n_persons"].cast(pl.Float64).to_numpy()
        for r in compute_all(n, 100 * df["value"].to_numpy(), 100 * df["se"].to_numpy(),
                             df["group"].cast(pl.Int64).to_numpy(), scale=100, favourable=True,
                             confidence=spec.confidence):
            rows.append({"indicator": name, "dimension": "income_quintile", **r.as_dict()})
    schema = {"indicator": pl.String, "dimension": pl.String, "measure": pl.String, "estimate": pl.Float64,
              "se": pl.Float64, "lower": pl.Float64, "upper": pl.Float64, "method": pl.String,
              "confidence": pl.Float64}
    return pl.DataFrame(rows, schema=schema)


# ------------------------------------------------------------------------------------------------
# Key findings: explicit rules, numbers in, sentences out
# ------------------------------------------------------------------------------------------------

#: Sentence templates (to move to i18n/messages.yaml as cohort.finding.* keys).
_RULES = {
    "hr_income": (
        "Patienter i lägsta inkomstkvintilen hade {pct} % {dir_sv} risk {what_sv} än de i högsta "
        "(HR {hr}; 95 % KI {lo}–{hi}){sure_sv}.",
        "Patients in the lowest income quintile had a {pct}% {dir_en} risk {what_en} than those in the "
        "highest (HR {hr}; 95% CI {lo}–{hi}){sure_en}."),
    "hr_education": (
        "Patienter med enbart förgymnasial utbildning hade {pct} % {dir_sv} risk {what_sv} än de med "
        "eftergymnasial utbildning (HR {hr}; 95 % KI {lo}–{hi}){sure_sv}.",
        "Patients with compulsory education only had a {pct}% {dir_en} risk {what_en} than those with "
        "post-secondary education (HR {hr}; 95% CI {lo}–{hi}){sure_en}."),
    "survival_income": (
        "{years} år efter infarkten levde {q1} i lägsta inkomstkvintilen och {q5} i högsta "
        "(ålders- och könsstandardiserat {q1s} respektive {q5s}).",
        "{years} years after the infarction {q1} in the lowest income quintile and {q5} in the highest "
        "were alive (age- and sex-standardised {q1s} and {q5s})."),
    "process_income": (
        "Andelen som fick {measure_sv} var {q1} i lägsta inkomstkvintilen och {q5} i högsta "
        "({gap} procentenheter {gap_dir_sv}).",
        "The share receiving {measure_en} was {q1} in the lowest income quintile and {q5} in the highest "
        "({gap} percentage points {gap_dir_en})."),
    "data_quality": (
        "{rejected} av {read} rader i registerfilerna avvisades vid inläsningen och {missing} fick "
        "ett ogiltigt värde ersatt med saknat värde; alla redovisas under Datakvalitet.",
        "{rejected} of {read} rows in the register files were rejected on reading and {missing} had an "
        "invalid value set to missing; all are listed under Data quality."),
}


def _lower_first(text: str) -> str:
    """'Död oavsett orsak' → 'död oavsett orsak', but 'MACE (…)' stays as it is."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _hr_finding(rule, row, o_label, spec) -> Finding:
    hr, lo, hi = row["hazard_ratio"], row["lower_cl"], row["upper_cl"]
    up = hr >= 1
    sure = lo > 1 or hi < 1
    pct = abs(hr - 1) * 100
    sv, en = _RULES[rule]
    years = max(spec.follow_up.windows_years)
    args = {"pct": fmt_number(pct, 0), "hr": fmt_number(hr, 2), "lo": fmt_number(lo, 2), "hi": fmt_number(hi, 2),
            "dir_sv": "högre" if up else "lägre", "dir_en": "higher" if up else "lower",
            "what_sv": ("att avlida" if o_label[0] == "death" else f"för {_lower_first(o_label[1])}")
            + f" inom {fmt_number(years, 0)} år",
            "what_en": ("of dying" if o_label[0] == "death" else f"of {_lower_first(o_label[2])}")
            + f" within {years:g} years",
            "sure_sv": "" if sure else "; skillnaden är inte statistiskt säkerställd",
            "sure_en": "" if sure else "; the difference is not statistically significant"}
    return Finding(rule, sv.format(**args), en.replace("{pct} %", "{pct}%").format(**args), float(hr))


def key_findings(spec: StudySpec, cohort: Cohort, surv: pl.DataFrame, std: pl.DataFrame,
                 hrs: pl.DataFrame, proc: pl.DataFrame, files: pl.DataFrame) -> list[Finding]:
    """Plain-language findings by explicit rules (suppressed numbers are never used):

    1. for each outcome that includes death: HR lowest vs highest income quintile (adjusted);
    2. the same for compulsory vs post-secondary education (first outcome only);
    3. survival at the last window, Q1 vs Q5, crude and standardised (first outcome with death);
    4. the process measure with the largest Q1–Q5 gap;
    5. rows rejected and set missing when reading the files.
    """
    out: list[Finding] = []
    q_lo, q_hi = "1", str(spec.exposures.income_reference)
    death_outcomes = [o for o in spec.outcomes if o.include_death]
    for i, o in enumerate(death_outcomes):
        label = (o.name, o.label_sv or o.name, o.label_en or o.name)
        r = hrs.filter((pl.col("outcome") == o.name) & (pl.col("exposure") == "income_quintile")
                       & (pl.col("level") == q_lo) & ~pl.col("suppressed"))
        if r.height:
            out.append(_hr_finding("hr_income", r.row(0, named=True), label, spec))
        if i == 0:
            e = hrs.filter((pl.col("outcome") == o.name) & (pl.col("exposure") == "education")
                           & (pl.col("level") == "compulsory") & ~pl.col("suppressed"))
            if e.height and spec.exposures.education_reference == "post_secondary":
                out.append(_hr_finding("hr_education", e.row(0, named=True), label, spec))
    if death_outcomes:
        o = death_outcomes[0]
        last = max(spec.follow_up.windows_years)

        def pick(df, g):
            r = df.filter((pl.col("outcome") == o.name) & (pl.col("group_variable") == "income_quintile")
                          & (pl.col("group") == g) & (pl.col("time_years") == last))
            return r["value"][0] if r.height else None

        q1, q5, q1s, q5s = pick(surv, q_lo), pick(surv, q_hi), pick(std, q_lo), pick(std, q_hi)
        if q1 is not None and q5 is not None:
            sv, en = _RULES["survival_income"]
            args = {"years": fmt_number(last, 0), "q1": fmt_percent(q1), "q5": fmt_percent(q5),
                    "q1s": fmt_percent(q1s), "q5s": fmt_percent(q5s)}
            out.append(Finding("survival_income", sv.format(**args),
                               en.format(**args).replace(" %", "%"), float(q1 - q5)))
    if proc.height:
        p = proc.filter((pl.col("group_variable") == "income_quintile") & pl.col("group").is_in([q_lo, q_hi])
                        & pl.col("value").is_not_null())
        wide = p.pivot(on="group", index="measure", values="value")
        if q_lo in wide.columns and q_hi in wide.columns:
            wide = wide.drop_nulls().with_columns(gap=pl.col(q_hi) - pl.col(q_lo)).sort(pl.col("gap").abs(), descending=True)
            if wide.height:
                r = wide.row(0, named=True)
                lab = PROCESS_LABELS.get(r["measure"], (r["measure"], r["measure"]))
                gap = r["gap"] * 100
                sv, en = _RULES["process_income"]
                args = {"measure_sv": lab[0], "measure_en": lab[1], "q1": fmt_percent(r[q_lo]),
                        "q5": fmt_percent(r[q_hi]), "gap": fmt_number(abs(gap), 0),
                        "gap_dir_sv": "lägre" if gap > 0 else "högre", "gap_dir_en": "lower" if gap > 0 else "higher"}
                out.append(Finding("process_income", sv.format(**args), en.format(**args).replace(" %", "%"),
                                   float(gap)))
    m = spec.min_cell_count
    (read, read_en), (rejected, rejected_en), (missing, missing_en) = (
        _count_text(files[c], m) for c in ("rows_read", "rows_rejected", "rows_set_missing"))
    sv, en = _RULES["data_quality"]
    args = {"rejected": rejected, "read": read, "missing": missing}
    args_en = {"rejected": rejected_en, "read": read_en, "missing": missing_en}
    value = None if files["rows_rejected"].null_count() else float(files["rows_rejected"].sum())
    out.append(Finding("data_quality", sv.format(**args), en.format(**args_en), value))
    return out


def _count_text(counts: pl.Series, m: int) -> tuple[str, str]:
    """A sum over files as text when some of its cells are suppressed: 'färre än 5' or 'minst 6'."""
    visible = int(counts.sum() or 0)
    if not counts.null_count():
        return fmt_number(visible, 0), fmt_number(visible, 0)
    if visible == 0:
        return f"färre än {m}", f"fewer than {m}"
    return f"minst {fmt_number(visible, 0)}", f"at least {fmt_number(visible, 0)}"


def group_label(variable: str, group: str, lang: str = "sv") -> str:
    """Readable label of a group value, e.g. income quintile '1' → 'Q1 (lägst)'."""
    i = 0 if lang == "sv" else 1
    if variable == "income_quintile":
        extra = {"1": (" (lägst)", " (lowest)"), "5": (" (högst)", " (highest)")}.get(group, ("", ""))[i]
        return "uppgift saknas" if group == "missing" and i == 0 else f"Q{group}{extra}"
    if variable == "education":
        return EDUCATION_LABELS.get(group, (group, group))[i]
    if variable == "sex":
        return {"1": ("män", "men"), "2": ("kvinnor", "women")}.get(group, (group, group))[i]
    if variable == "total":
        return ("alla", "all")[i]
    return group
