-- The engine's output: one tidy row per indicator × period × area × breakdown group.
-- Suppressed rows keep their flag and reason; their counts, value, limits, comparisons and
-- smoothed value are NULL (raw values of suppressed cells are not stored anywhere).
CREATE TABLE observations (
    indicator_id       VARCHAR NOT NULL,
    year               SMALLINT NOT NULL,
    period             VARCHAR NOT NULL,
    area_level         VARCHAR NOT NULL,
    area_code          VARCHAR NOT NULL,
    breakdown          VARCHAR NOT NULL,
    group_value        VARCHAR NOT NULL,
    numerator          DOUBLE,
    denominator        DOUBLE,
    value              DOUBLE,
    lower_95           DOUBLE,
    upper_95           DOUBLE,
    lower_998          DOUBLE,
    upper_998          DOUBLE,
    method             VARCHAR NOT NULL,
    standard           VARCHAR,
    multiplier         DOUBLE NOT NULL,
    parent_code        VARCHAR,
    parent_value       DOUBLE,
    vs_parent_95       VARCHAR NOT NULL,
    vs_parent_998      VARCHAR NOT NULL,
    nation_value       DOUBLE,
    vs_nation_95       VARCHAR NOT NULL,
    vs_nation_998      VARCHAR NOT NULL,
    judgement_nation   VARCHAR NOT NULL,
    trend              VARCHAR NOT NULL,
    trend_reason       VARCHAR,
    suppressed         BOOLEAN NOT NULL,
    suppression_reason VARCHAR,
    smoothed_value     DOUBLE,
    note               VARCHAR,
    computed_at        TIMESTAMP NOT NULL,
    load_id            BIGINT
);

-- One row per `jamlik compute` run; `fingerprints` maps indicator id -> input fingerprint (JSON).
CREATE TABLE compute_runs (
    run_id       VARCHAR PRIMARY KEY,
    started_at   TIMESTAMP NOT NULL,
    finished_at  TIMESTAMP NOT NULL,
    indicators   VARCHAR NOT NULL,
    rows         BIGINT NOT NULL,
    fingerprints JSON NOT NULL
);
