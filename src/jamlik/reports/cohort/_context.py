"""The report's content as plain, already formatted data (shared by the HTML and PDF templates)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

import polars as pl

from jamlik.cohort.report_data import (
    PROCESS_LABELS,
    REGISTER_LABELS,
    StudyResults,
    fmt_number,
    group_label,
)

EXPOSURE_LABELS = {"income_quintile": "Inkomstkvintil", "education": "Utbildning", "age_group": "Åldersgrupp",
                   "sex": "Kön", "total": "Totalt"}
MEASURE_LABELS = {"d": "Differens (D, Q5 − Q1)", "r": "Kvot (R, Q5/Q1)", "par": "Populationsattributabel risk (PAR)",
                  "paf": "Populationsattributabel andel (PAF, %)", "sii": "Slope index of inequality (SII)",
                  "rii": "Relative index of inequality (RII)", "aci": "Absolut koncentrationsindex (ACI)",
                  "rci": "Relativt koncentrationsindex (RCI)"}
FLOW_SV = {"index events in the quality register": "Indexhändelser i kvalitetsregistret",
           "index date within the study period": "Indexdatum inom studieperioden",
           "first index event per person": "Första indexhändelsen per person",
           "sex recorded and included": "Kön registrerat och inkluderat",
           "not dead before the index date (data consistency)": "Inte död före indexdatum (datakontroll)"}


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
        hr_rows.append({"outcome": o.label_sv or o.name, "exposure": EXPOSURE_LABELS[r["exposure"]],
                        "level": f"{group_label(r['exposure'], r['level'])} jämfört med {group_label(r['exposure'], r['reference'])}",
                        "hr": "–" if r["suppressed"] else _ci(r["hazard_ratio"], r["lower_cl"], r["upper_cl"], pct=False),
                        "events": fmt_number(r["n_events"], 0)})
    surv_tables = []
    for o in spec.outcomes:
        rows = []
        for var in ("total", "income_quintile", "education", "sex", "age_group"):
            crude = res.survival.filter((pl.col("outcome") == o.name) & (pl.col("group_variable") == var))
            std = res.standardised.filter((pl.col("outcome") == o.name) & (pl.col("group_variable") == var))
            for g in crude["group"].unique(maintain_order=True).to_list():
                cells = {"variable": EXPOSURE_LABELS[var], "group": group_label(var, g)}
                c = crude.filter(pl.col("group") == g)
                cells["n"] = _persons(c, spec.min_cell_count)
                for w in windows:
                    cw = c.filter(pl.col("time_years") == w)
                    cells[f"crude_{w:g}"] = _ci(cw["value"][0], cw["lower_cl"][0], cw["upper_cl"][0]) if cw.height else "–"
                    sw = std.filter((pl.col("group") == g) & (pl.col("time_years") == w))
                    cells[f"std_{w:g}"] = _ci(sw["value"][0], sw["lower_cl"][0], sw["upper_cl"][0]) if sw.height else ""
                rows.append(cells)
        kind = "kumulativ incidens" if o.competing_death else "andel utan händelse (överlevnad)"
        surv_tables.append({"title": f"{o.label_sv or o.name} – {kind}", "rows": rows})
    proc_rows = []
    groups = ["1", "2", "3", "4", "5"]
    for m in res.process["measure"].unique(maintain_order=True).to_list() if res.process.height else []:
        p = res.process.filter((pl.col("measure") == m) & (pl.col("group_variable") == "income_quintile"))
        t = res.process.filter((pl.col("measure") == m) & (pl.col("group_variable") == "total"))
        vals = {r["group"]: _ci(r["value"], r["lower_cl"], r["upper_cl"], decimals=0) for r in p.iter_rows(named=True)}
        proc_rows.append({"measure": PROCESS_LABELS.get(m, (m, m))[0],
                          "total": _ci(t["value"][0], t["lower_cl"][0], t["upper_cl"][0], decimals=0) if t.height else "–",
                          "groups": [vals.get(g, "–") for g in groups]})
    eq_rows = []
    for r in res.equity.filter(pl.col("measure").is_in(["d", "r", "sii", "rii"])).iter_rows(named=True):
        ind = r["indicator"]
        name = PROCESS_LABELS.get(ind, (None,))[0] or next(
            (f"Fri från {(o.label_sv or o.name).lower()} efter {max(windows):g} år" for o in spec.outcomes
             if ind.startswith(o.name + "_free")), ind)
        dec = 2 if r["measure"] in ("r", "rii") else 1
        eq_rows.append({"indicator": name, "measure": MEASURE_LABELS.get(r["measure"], r["measure"]),
                        "value": f"{fmt_number(r['estimate'], dec)} ({fmt_number(r['lower'], dec)}–{fmt_number(r['upper'], dec)})"})
    files = [{"register": REGISTER_LABELS[r["register"]][0], "file": r["file"], "read": fmt_number(r["rows_read"], 0),
              "kept": fmt_number(r["rows_kept"], 0), "rejected": fmt_number(r["rows_rejected"], 0),
              "missing": fmt_number(r["rows_set_missing"], 0), "imputed": fmt_number(r["rows_imputed"], 0)}
             for r in res.files.iter_rows(named=True)]
    issues = [{k: ("–" if v is None else str(v)) for k, v in r.items()}
              for r in res.issues.sort("file", "row").head(40).iter_rows(named=True)]
    flow = [{"step": "; ".join(FLOW_SV.get(s, s.replace("age ", "ålder ").replace("years", "år"))
                               for s in r["step"].split("; ")),
             "n": fmt_number(r["n"], 0), "excluded": fmt_number(r["excluded"], 0)}
            for r in res.published_flow().iter_rows(named=True)]
    n = res.cohort.table.height
    return {
        "title": spec.title_sv or spec.name, "name": spec.name,
        "date": _dt.date.today().isoformat(),
        "findings": [f.text_sv for f in res.findings],
        "summary": f"Studien omfattar {fmt_number(n, 0)} personer med en första indexhändelse "
                   f"{_period(spec)}, följda i upp till {fmt_number(max(windows), 0)} år "
                   f"(till och med {spec.follow_up.end_of_data.isoformat()}).",
        "windows": [f"{w:g}" for w in windows],
        "hazard_ratios": hr_rows, "survival_tables": surv_tables, "process": proc_rows,
        "quintiles": [group_label("income_quintile", g) for g in groups], "equity": eq_rows,
        "equity_note": "" if eq_rows else "Ojämlikhetsmåtten redovisas inte när en inkomstkvintil är dold "
                                          "(röjandekontroll): de bygger på varje kvintils storlek och värde.",
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


def _period(spec) -> str:
    ie = spec.index_event
    if ie.period_start and ie.period_end:
        return f"{ie.period_start.isoformat()} – {ie.period_end.isoformat()}"
    return "under studieperioden"


def _methods(res: StudyResults) -> list[str]:
    spec = res.spec
    ex = spec.exposures
    cuts = ("fasta gränser mellan kvintilerna (" + "; ".join(fmt_number(c, 1) for c in ex.income_cut_points) + ")"
            if ex.income_cut_points else "kvintiler bildade inom varje registerår i befolkningsfilen")
    return [
        "Personnummer kontrollerades (datum och kontrollsiffra) och ersattes vid inläsningen med nycklade "
        "pseudonymer (HMAC-SHA256); inga personnummer finns i resultaten.",
        f"Exponeringar hämtades från befolkningsregistret året {'före' if ex.year_offset == -1 else 'för'} indexhändelsen: "
        f"disponibel inkomst per konsumtionsenhet i inkomstkvintiler ({cuts}; Q1 = lägst, referens Q{ex.income_reference}) "
        "och utbildningsnivå (SUN 2000; referens eftergymnasial).",
        f"Uppföljningen började på indexdagen och censurerades vid datats slut ({spec.follow_up.end_of_data.isoformat()}) "
        f"eller efter {fmt_number(max(spec.follow_up.windows_years), 0)} år; indexhändelser under de sista åren har "
        "därför kortare uppföljning (administrativ censurering).",
        "Överlevnad skattades med Kaplan–Meier (Greenwoods varians) och kumulativ incidens med död som konkurrerande "
        "händelse med Aalen–Johansen; konfidensintervall på log(−log)-skala. Standardiserade värden är direkt "
        "standardiserade till hela kohortens ålders- och könsfördelning.",
        "Hazardkvoter skattades med Cox regression (Efrons metod för lika tider, Wald-intervall), justerade för ålder "
        "(år) och kön; för utfall med konkurrerande död avses orsaksspecifika hazarder.",
        "Processmått är andelar bland personer med känt värde, med Wilsons konfidensintervall. Ojämlikhetsmåtten "
        "(D, R, SII, RII m.fl., jamlik.equity) beräknades över inkomstkvintilerna Q1–Q5.",
        f"Röjandekontroll: celler med färre än {spec.min_cell_count} personer eller händelser redovisas inte "
        "(varken antal eller skattning), och i varje indelning döljs ytterligare celler så att inget dolt antal "
        "kan räknas fram som totalen minus de redovisade grupperna (sekundär röjandekontroll). Hazardkvoter "
        "redovisas inte för grupper med för få personer eller händelser.",
    ]
