-- Strategies, plans, accounts and the audit trail (issue 7, jamlik.strategy).
-- The validated document (JSON, the same mapping as the YAML file) is the source of truth; the
-- goal, goal-indicator and activity tables are normalised copies rewritten in the same
-- transaction, so web views and reports can query them with plain SQL.
CREATE TABLE strategy_documents (
    doc_id     VARCHAR PRIMARY KEY,
    kind       VARCHAR NOT NULL,          -- 'strategy' | 'plan'
    title      VARCHAR NOT NULL,          -- Swedish title
    content    JSON NOT NULL,             -- canonical document
    revision   INTEGER NOT NULL,          -- 1 on import, +1 per saved change
    updated_at TIMESTAMP NOT NULL,
    updated_by VARCHAR NOT NULL
);

CREATE TABLE strategy_goals (
    doc_id         VARCHAR NOT NULL,
    target_area    VARCHAR NOT NULL,
    goal_id        VARCHAR NOT NULL,
    position       INTEGER NOT NULL,
    title_sv       VARCHAR NOT NULL,
    title_en       VARCHAR,
    direction      VARCHAR NOT NULL,      -- 'increase' | 'decrease'
    baseline_year  SMALLINT,
    baseline_value DOUBLE,
    target_value   DOUBLE,
    target_change  DOUBLE,
    target_year    SMALLINT NOT NULL,
    gap_breakdown  VARCHAR,
    no_data_sv     VARCHAR                -- set when the goal has no data source yet
);

CREATE TABLE strategy_goal_indicators (
    doc_id       VARCHAR NOT NULL,
    goal_id      VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    measure      VARCHAR NOT NULL         -- 'outcome' | 'process'
);

CREATE TABLE plan_activities (
    doc_id       VARCHAR NOT NULL,
    activity_id  VARCHAR NOT NULL,
    position     INTEGER NOT NULL,
    title_sv     VARCHAR NOT NULL,
    title_en     VARCHAR,
    owner        VARCHAR NOT NULL,
    period_start SMALLINT NOT NULL,
    period_end   SMALLINT NOT NULL,
    status       VARCHAR NOT NULL,
    stage        TINYINT NOT NULL         -- 1 planning … 4 part of regular work
);

-- Local accounts: argon2id hashes (salted, slow), never plain passwords.
CREATE TABLE users (
    username      VARCHAR PRIMARY KEY,
    role          VARCHAR NOT NULL,       -- 'viewer' | 'editor' | 'admin'
    password_hash VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE SEQUENCE audit_id_seq START 1;

-- Who changed what and when; written in the same transaction as the change itself.
CREATE TABLE audit_log (
    audit_id    BIGINT PRIMARY KEY,
    changed_at  TIMESTAMP NOT NULL,
    username    VARCHAR NOT NULL,
    action      VARCHAR NOT NULL,
    object_type VARCHAR NOT NULL,
    object_id   VARCHAR NOT NULL,
    before      JSON,
    after       JSON
);
