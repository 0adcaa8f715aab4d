"""The report's content as plain, already formatted data (shared by the HTML and PDF templates).

The report is Swedish; its words come from the translation catalogue (``cohort.*``, and the
breakdown names ``breakdown.*``).
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

import polars as pl

from jamlik.cohort.analysis import StudyResults
from jamlik.model.i18n import t, t_or
from jamlik.reports.cohort.findings import study_findings
from jamlik.reports.cohort.labels import fmt_number, group_label, process_label, register_label

#: The selection flow's steps (as :mod:`jamlik.cohort.followup` names them) → catalogue keys.
_FLOW_STEPS = {"index events in the quality register": "cohort.flow.index_events",
               "index date within the study period": "cohort.flow.in_period",
               "first index event per person": "cohort.flow.first_event",
               "sex recorded and included": "cohort.flow.sex_recorded",
               "not dead before the index date (data consistency)": "cohort.flow.alive_at_index"}
_AGE_STEP = re.compile(r"age (?P<low>\S+)–(?P<high>\S+) years")


def _ci(v, lo, hi, *, pct: bool = True, decimals: int = 1) -> str:
    if v is None:
        return "–"
    f = (lambda x: fmt_number(None if x is None else 100 * x, decimals)) if pct else (lambda x: fmt_number(x, 2))
    return f"{f(v)} ({f(lo)}–{f(hi)})"


def context(res: StudyResults, charts: dict[str, str] | None = None) -> dict[str, Any]:
    spec = res.spec
    windows = list(spec.follow_up.windows_years)
    outcomes = {o.name: o for o in spec.outcomes}
    hr_rows = []
    for r in res.hazard_ratios.filter(pl.col("role") == "exposure").iter_rows(named=True):
        o = outcomes[r["outcome"]]
        hr_rows.append({"outcome": o.label_sv or o.name, "exposure": t(f"breakdown.{r['exposure']}"),
                        "level": t("cohort.report.compared_with", level=group_label(r["exposure"], r["level"]),
                                   reference=group_label(r["exposure"], r["reference"])),
                        "hr": "–" if r["suppressed"] else _ci(r["hazard_ratio"], r["lower"], r["upper"], pct=False),
                        "events": fmt_number(r["n_events"], 0)})
    surv_tables = []
    for o in spec.outcomes:
        rows = []
        for var in ("total", "income_quintile", "education", "sex", "age_group"):
            crude = res.survival.filter((pl.col("outcome") == o.name) & (pl.col("group_variable") == var))
            std = res.standardised.filter((pl.col("outcome") == o.name) & (pl.col("group_variable") == var))
            for g in crude["group"].unique(maintain_order=True).to_list():
                cells = {"variable": t(f"breakdown.{var}"), "group": group_label(var, g)}
                c = crude.filter(pl.col("group") == g)
                cells["n"] = _persons(c, spec.min_cell_count)
                for w in windows:
                    cw = c.filter(pl.col("time_years") == w)
                    cells[f"crude_{w:g}"] = _ci(cw["value"][0], cw["lower"][0], cw["upper"][0]) if cw.height else "–"
                    sw = std.filter((pl.col("group") == g) & (pl.col("time_years") == w))
                    cells[f"std_{w:g}"] = _ci(sw["value"][0], sw["lower"][0], sw["upper"][0]) if sw.height else ""
                rows.append(cells)
        kind = t("cohort.report.cumulative_incidence" if o.competing_death else "cohort.report.event_free")
        surv_tables.append({"title": f"{o.label_sv or o.name} – {kind}", "rows": rows})
    proc_rows = []
    groups = ["1", "2", "3", "4", "5"]
    for m in res.process["measure"].unique(maintain_order=True).to_list() if res.process.height else []:
        p = res.process.filter((pl.col("measure") == m) & (pl.col("group_variable") == "income_quintile"))
        total = res.process.filter((pl.col("measure") == m) & (pl.col("group_variable") == "total"))
        vals = {r["group"]: _ci(r["value"], r["lower"], r["upper"], decimals=0) for r in p.iter_rows(named=True)}
        proc_rows.append({"measure": process_label(m),
                          "total": (_ci(total["value"][0], total["lower"][0], total["upper"][0], decimals=0)
                                    if total.height else "–"),
                          "groups": [vals.get(g, "–") for g in groups]})
    eq_rows = []
    for r in res.equity.filter(pl.col("measure").is_in(["d", "r", "sii", "rii"])).iter_rows(named=True):
        ind = r["indicator"]
        name = process_label(ind, fallback="") or next(
            (t("cohort.report.free_from", outcome=(o.label_sv or o.name).lower(), years=f"{max(windows):g}")
             for o in spec.outcomes if ind.startswith(o.name + "_free")), ind)
        dec = 2 if r["measure"] in ("r", "rii") else 1
        eq_rows.append({"indicator": name, "measure": t_or(f"cohort.measure.{r['measure']}", r["measure"]),
                        "value": f"{fmt_number(r['estimate'], dec)} ({fmt_number(r['lower'], dec)}–{fmt_number(r['upper'], dec)})"})
    files = [{"register": register_label(r["register"]), "file": r["file"], "read": fmt_number(r["rows_read"], 0),
              "kept": fmt_number(r["rows_kept"], 0), "rejected": fmt_number(r["rows_rejected"], 0),
              "missing": fmt_number(r["rows_set_missing"], 0), "imputed": fmt_number(r["rows_imputed"], 0)}
             for r in res.files.iter_rows(named=True)]
    issues = [{k: ("–" if v is None else str(v)) for k, v in r.items()}
              for r in res.issues.sort("file", "row").head(40).iter_rows(named=True)]
    flow = [{"step": "; ".join(_flow_step(s) for s in r["step"].split("; ")),
             "n": fmt_number(r["n"], 0), "excluded": fmt_number(r["excluded"], 0)}
            for r in res.published_flow().iter_rows(named=True)]
    n = res.cohort.table.height
    return {
        "title": spec.title_sv or spec.name, "name": spec.name,
        "date": _dt.date.today().isoformat(),
        "findings": [f.text_sv for f in study_findings(res)],
        "summary": t("cohort.report.summary", n=fmt_number(n, 0), period=_period(spec),
                     years=fmt_number(max(windows), 0), end=spec.follow_up.end_of_data.isoformat()),
        "windows": [f"{w:g}" for w in windows],
        "hazard_ratios": hr_rows, "survival_tables": surv_tables, "process": proc_rows,
        "quintiles": [group_label("income_quintile", g) for g in groups], "equity": eq_rows,
        "equity_note": "" if eq_rows else t("cohort.report.equity_hidden"),
        "files": files, "issues": issues, "issues_total": fmt_number(res.issues.height, 0), "flow": flow,
        "methods": _methods(res), "charts": charts or {}, "seconds": fmt_number(res.seconds, 1),
        "min_count": spec.min_cell_count,
    }


def _persons(rows: pl.DataFrame, m: int) -> str:
    """Number of persons of a group: the published count, '<m' for a small group, '–' when hidden."""
    known = rows["n_persons"].drop_nulls()
    if known.len():
        return fmt_number(known[0], 0)
    few = rows["suppression_reason"].drop_nulls().str.starts_with(f"fewer than {m} persons").any()
    return f"<{m}" if few else "–"


def _flow_step(step: str) -> str:
    """A step of the selection flow in Swedish (an unknown step as it is)."""
    if step in _FLOW_STEPS:
        return t(_FLOW_STEPS[step])
    age = _AGE_STEP.fullmatch(step)
    return t("cohort.flow.age", **age.groupdict()) if age else step


def _period(spec) -> str:
    ie = spec.index_event
    if ie.period_start and ie.period_end:
        return f"{ie.period_start.isoformat()} – {ie.period_end.isoformat()}"
    return t("cohort.report.during_the_period")


def _methods(res: StudyResults) -> list[str]:
    spec = res.spec
    ex = spec.exposures
    quintiles = (t("cohort.method.fixed_cut_points", cut_points="; ".join(fmt_number(c, 1) for c in ex.income_cut_points))
                 if ex.income_cut_points else t("cohort.method.yearly_quintiles"))
    return [
        t("cohort.method.pseudonyms"),
        t("cohort.method.exposures", quintiles=quintiles, reference=ex.income_reference,
          when=t("cohort.method.year_before" if ex.year_offset == -1 else "cohort.method.year_of")),
        t("cohort.method.follow_up", end=spec.follow_up.end_of_data.isoformat(),
          years=fmt_number(max(spec.follow_up.windows_years), 0)),
        t("cohort.method.survival"),
        t("cohort.method.cox"),
        t("cohort.method.process"),
        t("cohort.method.suppression", min_count=spec.min_cell_count),
    ]
