"""Key findings of a cohort study: explicit rules, numbers in, sentences out.

Each rule of :func:`key_findings` turns published (already suppressed) numbers into one sentence
in Swedish and English; the sentences are the translation catalogue's ``cohort.finding.*``.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from jamlik.cohort.analysis import StudyResults
from jamlik.cohort.followup import Cohort
from jamlik.cohort.spec import StudySpec
from jamlik.model.i18n import LANGUAGES, t
from jamlik.reports.cohort.labels import fmt_number, fmt_percent, process_label

__all__ = ["Finding", "key_findings", "study_findings"]


@dataclass(frozen=True)
class Finding:
    """One key finding: the rule that made it, the sentence in Swedish and English, the numbers."""

    rule: str
    text_sv: str
    text_en: str
    value: float | None = None


def study_findings(results: StudyResults) -> tuple[Finding, ...]:
    """The key findings of a study run, from its published tables."""
    return tuple(key_findings(results.spec, results.cohort, results.survival, results.standardised,
                              results.hazard_ratios, results.process, results.files))


def _finding(rule: str, value: float | None, args: dict[str, dict[str, str]], *,
             percents: bool = False) -> Finding:
    """``rule``'s sentence in both languages from ``args[lang]``; with ``percents`` (values
    formatted by :func:`fmt_percent`), the English sign follows the number without a space."""
    sv, en = (t(f"cohort.finding.{rule}", lang, **args[lang]) for lang in LANGUAGES)
    return Finding(rule, sv, en.replace(" %", "%") if percents else en, value)


def _lower_first(text: str) -> str:
    """'Död oavsett orsak' → 'död oavsett orsak', but 'MACE (…)' stays as it is."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _hr_finding(rule: str, row: dict, outcome: tuple[str, str, str], spec: StudySpec) -> Finding:
    hr, lo, hi = row["hazard_ratio"], row["lower"], row["upper"]
    years = max(spec.follow_up.windows_years)
    name, labels = outcome[0], dict(zip(LANGUAGES, outcome[1:], strict=True))
    numbers = {"pct": fmt_number(abs(hr - 1) * 100, 0), "hr": fmt_number(hr, 2),
               "lo": fmt_number(lo, 2), "hi": fmt_number(hi, 2)}
    sure = lo > 1 or hi < 1

    def words(lang: str) -> dict[str, str]:
        what = (t("cohort.finding.dying", lang) if name == "death"
                else t("cohort.finding.outcome", lang, outcome=_lower_first(labels[lang])))
        return {**numbers, "direction": t("cohort.finding.higher" if hr >= 1 else "cohort.finding.lower", lang),
                "what": t("cohort.finding.within", lang, what=what,
                          years=fmt_number(years, 0) if lang == "sv" else f"{years:g}"),
                "unsure": "" if sure else t("cohort.finding.not_significant", lang)}

    return _finding(rule, float(hr), {lang: words(lang) for lang in LANGUAGES})


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
            args = {"years": fmt_number(last, 0), "q1": fmt_percent(q1), "q5": fmt_percent(q5),
                    "q1s": fmt_percent(q1s), "q5s": fmt_percent(q5s)}
            out.append(_finding("survival_income", float(q1 - q5), dict.fromkeys(LANGUAGES, args),
                                percents=True))
    if proc.height:
        p = proc.filter((pl.col("group_variable") == "income_quintile") & pl.col("group").is_in([q_lo, q_hi])
                        & pl.col("value").is_not_null())
        wide = p.pivot(on="group", index="measure", values="value")
        if q_lo in wide.columns and q_hi in wide.columns:
            wide = wide.drop_nulls().with_columns(gap=pl.col(q_hi) - pl.col(q_lo)).sort(pl.col("gap").abs(), descending=True)
            if wide.height:
                r = wide.row(0, named=True)
                gap = r["gap"] * 100
                numbers = {"q1": fmt_percent(r[q_lo]), "q5": fmt_percent(r[q_hi]), "gap": fmt_number(abs(gap), 0)}
                out.append(_finding("process_income", float(gap), {
                    lang: {**numbers, "measure": process_label(r["measure"], lang),
                           "direction": t("cohort.finding.lower" if gap > 0 else "cohort.finding.higher", lang)}
                    for lang in LANGUAGES}, percents=True))
    m = spec.min_cell_count
    value = None if files["rows_rejected"].null_count() else float(files["rows_rejected"].sum())
    out.append(_finding("data_quality", value, {
        lang: {key: _count_text(files[column], m, lang) for key, column in
               (("read", "rows_read"), ("rejected", "rows_rejected"), ("missing", "rows_set_missing"))}
        for lang in LANGUAGES}))
    return out


def _count_text(counts: pl.Series, m: int, lang: str) -> str:
    """A sum over files as text when some of its cells are suppressed: 'färre än 5' or 'minst 6'."""
    visible = int(counts.sum() or 0)
    if not counts.null_count():
        return fmt_number(visible, 0)
    if visible == 0:
        return t("cohort.finding.fewer_than", lang, n=m)
    return t("cohort.finding.at_least", lang, n=fmt_number(visible, 0))
