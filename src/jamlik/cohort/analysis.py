"""A study's numbers: read the registers, build the cohort, estimate, summarise across quintiles.

``analyse(spec, key)`` reads the four extracts named under ``files:`` in the spec (pseudonymising
identity numbers on entry and collecting every row issue), builds the cohort and computes the tidy
result tables (survival/cumulative incidence, age–sex standardised versions, Cox hazard ratios,
process measures, equity summary measures across the income quintiles) with small cells already
suppressed. The report's wording (key findings, labels) is :mod:`jamlik.reports.cohort`'s.
"""

from __future__ import annotations

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

__all__ = ["StudyResults", "analyse", "equity_table", "read_registers"]

_READERS = {"quality": (read_quality_register, "quality_columns"),
            "population": (read_population_register, "population_columns"),
            "death": (read_cause_of_death_register, "death_columns"),
            "patient": (read_patient_register, "patient_columns")}


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
    seconds: float = 0.0
    flow: pl.DataFrame | None = None  # the selection flow as published (few exclusions merged)

    def tables(self) -> dict[str, pl.DataFrame]:
        """The publishable tables by file stem (small cells already suppressed)."""
        return {"overlevnad": self.survival, "overlevnad_standardiserad": self.standardised,
                "hazardkvoter": self.hazard_ratios, "processmatt": self.process,
                "ojamlikhetsmatt": self.equity, "urval": self.published_flow(),
                "datakvalitet_filer": self.files, "datakvalitet_rader": self.issues}

    def published_flow(self) -> pl.DataFrame:
        """The selection flow as published: a step excluding only a few persons merged with its
        neighbour (:func:`~jamlik.cohort._suppress.protect_flow`)."""
        return self.flow if self.flow is not None else protect_flow(self.cohort.flow, self.spec.min_cell_count)


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
    """Read, link, build the cohort and compute every result table."""
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
    return StudyResults(spec, cohort, files, issue_lines, surv, std, hrs, proc, eq,
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
        series.append((m, p, (p["upper"] - p["lower"]) / (2 * z)))
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
