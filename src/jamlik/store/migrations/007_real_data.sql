-- Real data in: DeSO/RegSO vintages, register columns of real extracts, listings, survey
-- questions of any number, aggregates of any area and variable, income cut points, and the
-- synthetic mark (docs/data-layouts.md).

-- Which DeSO and RegSO codes exist in which vintage ('2018' = DeSO 2018 / RegSO 2020,
-- '2025' = DeSO 2025 / RegSO 2025). `areas` holds every code once (its parent is the same in
-- every vintage it belongs to); a load declares its vintage and its codes must be in it.
CREATE TABLE area_vintages (
    vintage     VARCHAR NOT NULL,
    code        VARCHAR NOT NULL,
    level       VARCHAR NOT NULL,
    parent_code VARCHAR NOT NULL,
    PRIMARY KEY (vintage, code)
);

-- Real extracts: residence may be known by kommun only; income, raw SUN level and parents.
ALTER TABLE persons ADD COLUMN birth_country VARCHAR;
ALTER TABLE persons ALTER COLUMN birth_region DROP NOT NULL;
ALTER TABLE person_years ALTER COLUMN deso_code DROP NOT NULL;
ALTER TABLE person_years ADD COLUMN education_level VARCHAR;
ALTER TABLE person_years ADD COLUMN disposable_income DOUBLE;
ALTER TABLE person_years ADD COLUMN parent1_id VARCHAR;
ALTER TABLE person_years ADD COLUMN parent2_id VARCHAR;
ALTER TABLE deaths ADD COLUMN cause_chapter VARCHAR;
ALTER TABLE care_events ADD COLUMN external_causes VARCHAR;
ALTER TABLE care_events ADD COLUMN procedures VARCHAR;
ALTER TABLE care_events ADD COLUMN care_type VARCHAR;

-- Who is listed at which vårdcentral on 31 December; overrides person_years.vardcentral_code.
CREATE TABLE listings (
    year             SMALLINT NOT NULL,
    person_id        VARCHAR NOT NULL,
    vardcentral_code VARCHAR NOT NULL
);

-- Survey questions as declared by the load's mapping, and the answers in long form (true =
-- the answer counts, false = another valid answer, NULL = no valid answer).
CREATE TABLE survey_questions (
    question  VARCHAR PRIMARY KEY,
    label_sv  VARCHAR NOT NULL,
    label_en  VARCHAR NOT NULL,
    yes       JSON NOT NULL,
    no        JSON NOT NULL,
    min_age   SMALLINT,
    max_age   SMALLINT,
    polarity  VARCHAR NOT NULL,
    source_sv VARCHAR,
    source_en VARCHAR
);

CREATE TABLE survey_answers (
    year          SMALLINT NOT NULL,
    respondent_id VARCHAR NOT NULL,
    question      VARCHAR NOT NULL,
    value         BOOLEAN
);

INSERT INTO survey_answers
SELECT year, respondent_id, question, value FROM (
    UNPIVOT (SELECT year, respondent_id, good_health, trust_others, sedentary_leisure,
                    daily_smoker, economic_hardship FROM survey WHERE responded)
    ON good_health, trust_others, sedentary_leisure, daily_smoker, economic_hardship
    INTO NAME question VALUE value);

ALTER TABLE survey DROP COLUMN good_health;
ALTER TABLE survey DROP COLUMN trust_others;
ALTER TABLE survey DROP COLUMN sedentary_leisure;
ALTER TABLE survey DROP COLUMN daily_smoker;
ALTER TABLE survey DROP COLUMN economic_hardship;
ALTER TABLE survey ALTER COLUMN stratum DROP NOT NULL;

-- Counts by area (kommun, län or the nation) × year × sex × life-table band (× education ×
-- income quintile × birth region), one row per variable. `population_type` says what a
-- `population` row counts: dec31, jan1, mean, or dec31_survivors (31 December population whose
-- cells also hold that year's deaths, so person-time = population + ½ deaths).
CREATE TABLE aggregates (
    area_code       VARCHAR NOT NULL,
    year            SMALLINT NOT NULL,
    sex             VARCHAR NOT NULL,
    age_band        VARCHAR NOT NULL,
    education       VARCHAR,
    income_quintile TINYINT,
    birth_region    VARCHAR,
    variable        VARCHAR NOT NULL,
    value           DOUBLE NOT NULL,
    population_type VARCHAR,
    synthetic       BOOLEAN NOT NULL DEFAULT false
);

INSERT INTO aggregates
SELECT kommun_code, year, sex, age_band,
       CASE WHEN education = 'not_applicable' THEN NULL ELSE education END,
       income_quintile, NULL, variable, value,
       CASE WHEN variable = 'population' THEN 'dec31_survivors' END, true
FROM (UNPIVOT aggregate_counts ON COLUMNS(* EXCLUDE (kommun_code, year, sex, age_band,
                                                      education, income_quintile))
      INTO NAME variable VALUE value)
WHERE value IS NOT NULL AND value <> 0;

DROP TABLE aggregate_counts;

-- The income quintile cut points used for each register year: national (a supplied file) or
-- the region's own (computed on load).
CREATE TABLE income_cut_points (
    year    SMALLINT PRIMARY KEY,
    source  VARCHAR NOT NULL,
    p20     DOUBLE NOT NULL,
    p40     DOUBLE NOT NULL,
    p60     DOUBLE NOT NULL,
    p80     DOUBLE NOT NULL,
    persons BIGINT
);

-- Figures computed from synthetic data carry the mark (pages, downloads, reports show it).
ALTER TABLE observations ADD COLUMN synthetic BOOLEAN DEFAULT false;

-- What each load was: its kind (population, deaths, …), whether it is synthetic, and a summary
-- (files, rows read/kept/rejected/skipped, vintage, cut points).
ALTER TABLE loads ADD COLUMN kind VARCHAR;
ALTER TABLE loads ADD COLUMN synthetic BOOLEAN DEFAULT false;
ALTER TABLE loads ADD COLUMN details JSON;
