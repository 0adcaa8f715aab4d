-- Values loaded by `jamlik refresh` from declared sources (files, PxWeb, Kolada) in the tidy
-- shape, and one row per source and refresh attempt (successful, unchanged or failed).
CREATE TABLE source_values (
    source       VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    area_code    VARCHAR NOT NULL,
    period       VARCHAR NOT NULL,
    sex          VARCHAR NOT NULL,
    value        DOUBLE,
    numerator    DOUBLE,
    denominator  DOUBLE,
    unit         VARCHAR,
    source_row   BIGINT,
    content_hash VARCHAR NOT NULL,
    load_id      BIGINT
);

-- `status`: loaded | failed. `periods` is the JSON list of periods the payload held;
-- `provenance` the JSON list of every payload's Provenance (URL, query, file, retrieved_at).
CREATE TABLE source_loads (
    source       VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL,
    status       VARCHAR NOT NULL,
    content_hash VARCHAR,
    periods      VARCHAR,
    rows         BIGINT,
    load_id      BIGINT,
    fetched_at   TIMESTAMP NOT NULL,
    message      VARCHAR,
    url          VARCHAR,
    query        VARCHAR,
    indicators   VARCHAR,
    provenance   JSON
);
