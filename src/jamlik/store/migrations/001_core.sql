-- Core bookkeeping and the area registry.
CREATE TABLE schema_version (
    version    INTEGER PRIMARY KEY,
    name       VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL
);

CREATE SEQUENCE load_id_seq START 1;

-- One row per table written by a load: where it came from and when.
CREATE TABLE loads (
    load_id        BIGINT PRIMARY KEY,
    source         VARCHAR NOT NULL,
    target         VARCHAR NOT NULL,
    mode           VARCHAR NOT NULL,
    rows           BIGINT NOT NULL,
    content_hash   VARCHAR,
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP NOT NULL,
    jamlik_version VARCHAR NOT NULL
);

CREATE TABLE meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR
);

-- Every area jamlik knows: nation, län, kommun, RegSO, DeSO, vårdcentral.
CREATE TABLE areas (
    code        VARCHAR PRIMARY KEY,
    level       VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    parent_code VARCHAR,
    lan_code    VARCHAR,
    kommun_code VARCHAR,
    regso_code  VARCHAR,
    socio_type  TINYINT,     -- SCB's RegSO area type 1–5 (RegSO and its DeSO)
    vintage     VARCHAR NOT NULL
);

-- Primary-care units (vårdcentraler); their population is the listed population.
CREATE TABLE care_units (
    code        VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    kommun_code VARCHAR NOT NULL,
    deso_code   VARCHAR,
    lon         DOUBLE,
    lat         DOUBLE,
    operator    VARCHAR
);
