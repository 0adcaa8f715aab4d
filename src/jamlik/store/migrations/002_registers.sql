-- Person-level register tables (pseudonymous ids only) and aggregated counts.
CREATE TABLE persons (
    person_id    VARCHAR NOT NULL,
    sex          VARCHAR NOT NULL,
    birth_date   DATE,
    birth_year   SMALLINT NOT NULL,
    birth_region VARCHAR,
    death_date   DATE
);

-- One row per person resident and alive on 31 December of the year.
CREATE TABLE person_years (
    year             SMALLINT NOT NULL,
    person_id        VARCHAR NOT NULL,
    age              SMALLINT NOT NULL,
    deso_code        VARCHAR NOT NULL,
    kommun_code      VARCHAR NOT NULL,
    vardcentral_code VARCHAR,
    education        VARCHAR,
    income_quintile  TINYINT
);

CREATE TABLE deaths (
    person_id        VARCHAR NOT NULL,
    death_date       DATE NOT NULL,
    year             SMALLINT NOT NULL,
    age              SMALLINT NOT NULL,
    sex              VARCHAR NOT NULL,
    deso_code        VARCHAR,
    kommun_code      VARCHAR,
    underlying_cause VARCHAR,
    cause_group      VARCHAR
);

CREATE TABLE care_events (
    event_id                 VARCHAR NOT NULL,
    person_id                VARCHAR NOT NULL,
    admission_date           DATE NOT NULL,
    discharge_date           DATE,
    year                     SMALLINT NOT NULL,
    hospital                 VARCHAR,
    condition                VARCHAR NOT NULL,
    main_diagnosis           VARCHAR NOT NULL,
    secondary_diagnoses      VARCHAR,
    reperfusion              BOOLEAN,
    pci                      BOOLEAN,
    statin_at_discharge      BOOLEAN,
    betablocker_at_discharge BOOLEAN
);

CREATE TABLE conditions (
    person_id   VARCHAR NOT NULL,
    condition   VARCHAR NOT NULL,
    onset_year  SMALLINT NOT NULL
);

CREATE TABLE person_measures (
    year      SMALLINT NOT NULL,
    person_id VARCHAR NOT NULL,
    measure   VARCHAR NOT NULL,
    value     BOOLEAN NOT NULL
);

CREATE TABLE survey (
    year              SMALLINT NOT NULL,
    respondent_id     VARCHAR NOT NULL,
    person_id         VARCHAR,
    kommun_code       VARCHAR NOT NULL,
    deso_code         VARCHAR,
    stratum           VARCHAR NOT NULL,
    sex               VARCHAR NOT NULL,
    age               SMALLINT NOT NULL,
    education         VARCHAR,
    income_quintile   TINYINT,
    birth_region      VARCHAR,
    design_weight     DOUBLE NOT NULL,
    responded         BOOLEAN NOT NULL,
    weight            DOUBLE,
    good_health       BOOLEAN,
    trust_others      BOOLEAN,
    sedentary_leisure BOOLEAN,
    daily_smoker      BOOLEAN,
    economic_hardship BOOLEAN
);

-- The rest of Sweden as counts: kommun × year × sex × age band × education × income quintile.
CREATE TABLE aggregate_counts (
    kommun_code                   VARCHAR NOT NULL,
    year                          SMALLINT NOT NULL,
    sex                           VARCHAR NOT NULL,
    age_band                      VARCHAR NOT NULL,
    education                     VARCHAR,
    income_quintile               TINYINT,
    population                    BIGINT NOT NULL,
    deaths                        BIGINT,
    deaths_ischaemic_heart        BIGINT,
    deaths_cerebrovascular        BIGINT,
    deaths_other_circulatory      BIGINT,
    deaths_neoplasms              BIGINT,
    deaths_respiratory            BIGINT,
    deaths_external               BIGINT,
    deaths_dementia               BIGINT,
    deaths_diabetes               BIGINT,
    deaths_other                  BIGINT,
    mi_events                     BIGINT,
    stroke_events                 BIGINT,
    heart_failure_events          BIGINT,
    fall_injuries                 BIGINT,
    diabetes_prevalent            BIGINT,
    infants                       BIGINT,
    smoke_exposed_infants         BIGINT,
    children_age3                 BIGINT,
    caries_age3                   BIGINT,
    grade9_pupils                 BIGINT,
    gymnasium_eligible            BIGINT,
    children_0_17                 BIGINT,
    econ_vulnerable_children      BIGINT
);

CREATE TABLE national_survey (
    year        SMALLINT NOT NULL,
    sex         VARCHAR NOT NULL,
    measure     VARCHAR NOT NULL,
    estimate    DOUBLE NOT NULL,
    se          DOUBLE,
    respondents BIGINT
);

-- The demo region's ground truth (machine-readable), one JSON document per key.
CREATE TABLE demo_truth (
    key   VARCHAR PRIMARY KEY,
    value JSON NOT NULL
);
