"""``survey`` (microdata with design weights and any number of declared questions) and
``survey-national`` (published national estimates, the comparators of survey indicators)."""

from __future__ import annotations

import json

import pyarrow as pa

from jamlik.ingest import _sql
from jamlik.ingest._common import Context, Output, Write, quoted_list
from jamlik.model.errors import SchemaError

SURVEY_COLUMNS = ("year", "respondent_id", "person_id", "kommun_code", "deso_code", "stratum",
                  "sex", "age", "education", "income_quintile", "birth_region",
                  "design_weight", "responded", "weight")
QUESTION_COLUMNS = ("question", "label_sv", "label_en", "yes", "no", "min_age", "max_age",
                    "polarity", "source_sv", "source_en")


def prepare_survey(ctx: Context) -> Output:
    has = ctx.has
    questions = ctx.mapping.questions
    if not questions:
        raise SchemaError("declare the survey's questions in the mapping (questions: - id: …, "
                          "column: …, label: {sv: …, en: …}, yes: […], no: […])",
                          file=ctx.mapping.source, column="questions")
    edu = ctx.classify("education", "education",
                       "not a SUN level (1–7, 9 = missing) or an education group",
                       missing="missing")
    region = ctx.classify("birth_region", "birth_region", "not a birth region")
    if has("country_of_birth"):
        country = ctx.classify("country_of_birth", "birth_region",
                               "unknown country of birth (ISO 3166 code or name)")
        region = country if region == "NULL" else f"coalesce({region}, {country})"
    ctx.typed({
        "year__v": _sql.integer("year"), "age__v": _sql.integer("age"), "sex__v": _sql.sex("sex"),
        "dw__v": _sql.number("design_weight"),
        "w__v": _sql.number("weight") if has("weight") else "NULL::DOUBLE",
        "responded__v": _sql.yesno("responded") if has("responded") else "true",
        "iq__v": _sql.integer("income_quintile") if has("income_quintile") else "NULL",
    })
    if ctx.has("person_id"):
        ctx.check_identity("person_id", required=False)
    ctx.reject(f"NOT {_sql.present('respondent_id')}", "respondent_id",
               "required value is missing")
    ctx.check_parsed("year", "year__v", "not a year (a whole number)", required=True)
    ctx.check_area("kommun_code", "kommun")
    ctx.check_in_home("kommun_code", "trim(kommun_code)")
    ctx.check_deso_known()
    ctx.check_parsed("sex", "sex__v", "not a sex code (1/2, M/K, male/female)", required=True)
    ctx.check_parsed("age", "age__v", "not an age (a whole number)", required=True)
    ctx.check_range("age", "age__v", 0, 120, "age outside 0–120")
    ctx.check_parsed("design_weight", "dw__v", "not a number", required=True)
    ctx.check_range("design_weight", "dw__v", 0, None, "weights are positive")
    ctx.reject("dw__v = 0", "design_weight", "weights are positive")
    if has("weight"):
        ctx.check_parsed("weight", "w__v", "not a number")
        ctx.reject("w__v <= 0", "weight", "weights are positive")
    if has("responded"):
        ctx.reject(_sql.yesno_bad("responded"), "responded", "not a yes/no value")
    if has("income_quintile"):
        ctx.check_parsed("income_quintile", "iq__v", "not an income quintile (1–5)")
        ctx.check_range("income_quintile", "iq__v", 1, 5, "not an income quintile (1–5)")
    ctx.duplicates(["year__v", "trim(respondent_id)"], "respondent_id",
                   "the respondent is listed twice in the same year (the first is kept)")
    for q in questions:
        valid = quoted_list(q.yes + q.no)
        ctx.note(f"{_sql.present(f'q__{q.id}')} AND trim(q__{q.id}) NOT IN {valid}",
                 q.column, f"not one of the declared answers of {q.id} (set missing)",
                 f"q__{q.id}", action="set_missing")
    kept = ctx.kept()
    stratum = "coalesce(nullif(trim(stratum), ''), trim(kommun_code))" if has("stratum") \
        else "trim(kommun_code)"
    deso = "nullif(trim(deso_code), '')" if has("deso_code") else "NULL"
    pid = "person_id" if has("person_id") else "NULL"
    respondents = ctx.st.create("respondents", f"""
        SELECT year__v::SMALLINT AS year, trim(respondent_id) AS respondent_id, {pid} AS person_id,
               trim(kommun_code) AS kommun_code, {deso} AS deso_code, {stratum} AS stratum,
               sex__v AS sex, age__v::SMALLINT AS age,
               CASE WHEN age__v >= {ctx.mapping.options.education_min_age} THEN {edu} END
                   AS education,
               iq__v::TINYINT AS income_quintile, {region} AS birth_region,
               dw__v AS design_weight, coalesce(responded__v, false) AS responded,
               CASE WHEN coalesce(responded__v, false) THEN coalesce(w__v, dw__v) END AS weight
        FROM {kept}""")
    answers = " UNION ALL ".join(
        f"SELECT year__v::SMALLINT, trim(respondent_id), '{q.id}', "
        f"CASE WHEN trim(q__{q.id}) IN {quoted_list(q.yes)} THEN true "
        f"WHEN trim(q__{q.id}) IN {quoted_list(q.no)} THEN false END "
        f"FROM {kept} WHERE coalesce(responded__v, false)" for q in questions)
    declared = ctx.st.put("questions", pa.table({
        "question": [q.id for q in questions], "label_sv": [q.label_sv for q in questions],
        "label_en": [q.label_en for q in questions],
        "yes": [json.dumps(list(q.yes)) for q in questions],
        "no": [json.dumps(list(q.no)) for q in questions],
        "min_age": pa.array([q.ages[0] for q in questions], pa.int16()),
        "max_age": pa.array([q.ages[1] for q in questions], pa.int16()),
        "polarity": [q.polarity for q in questions],
        "source_sv": [None] * len(questions), "source_en": [None] * len(questions)}))
    years = f"(SELECT DISTINCT year FROM {respondents})"
    ids = quoted_list(q.id for q in questions)
    return Output([
        Write("survey", SURVEY_COLUMNS, f"SELECT {', '.join(SURVEY_COLUMNS)} FROM {respondents}",
              f"year IN {years}"),
        Write("survey_answers", ("year", "respondent_id", "question", "value"), answers,
              f"year IN {years}"),
        Write("survey_questions", QUESTION_COLUMNS,
              f"SELECT {', '.join(QUESTION_COLUMNS)} FROM {declared}", f"question IN {ids}"),
    ], details={"questions": [q.id for q in questions]})


def prepare_national(ctx: Context) -> Output:
    has = ctx.has
    ctx.typed({"year__v": _sql.integer("year"),
               "sex__v": (f"CASE WHEN lower(trim(sex)) IN ('total', 'totalt', 't', '1+2', "
                          f"'alla', 'båda könen') THEN 'total' ELSE {_sql.sex('sex')} END"),
               "q__v": "lower(trim(question))", "est__v": _sql.number("estimate"),
               "se__v": _sql.number("se") if has("se") else "NULL::DOUBLE",
               "n__v": _sql.integer("respondents") if has("respondents") else "NULL"})
    ctx.check_parsed("year", "year__v", "not a year (a whole number)", required=True)
    ctx.check_parsed("sex", "sex__v", "not a sex (male, female or total)", required=True)
    ctx.reject("q__v IS NULL OR NOT regexp_matches(q__v, '^[a-z][a-z0-9_]*$')", "question",
               "not a question id (lower-case letters, digits and underscores)")
    ctx.check_parsed("estimate", "est__v", "not a number", required=True)
    ctx.check_range("estimate", "est__v", 0, 1, "a share between 0 and 1")
    if has("se"):
        ctx.check_parsed("se", "se__v", "not a number")
        ctx.check_range("se", "se__v", 0, None, "a standard error is not negative")
    if has("respondents"):
        ctx.check_parsed("respondents", "n__v", "not a whole number")
        ctx.check_range("respondents", "n__v", 0, None, "counts are not negative")
    ctx.duplicates(["year__v", "sex__v", "q__v"], "question",
                   "the same year, sex and question twice (the first is kept)")
    kept = ctx.kept()
    scope = f"(year, measure) IN (SELECT DISTINCT year__v, q__v FROM {kept})"
    return Output([Write("national_survey", ("year", "sex", "measure", "estimate", "se",
                                             "respondents"),
                         f"SELECT year__v::SMALLINT, sex__v, q__v, est__v, se__v, n__v FROM {kept}",
                         scope)])
