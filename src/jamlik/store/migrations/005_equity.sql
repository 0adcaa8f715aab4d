-- Equity results computed by the engine from `observations` and the microdata (issue 4 §2–§4).
-- See docs/equity.md, sections "Applied to every indicator", "Mind the gap" and
-- "Life-expectancy gap decomposition".

-- One row per indicator × year × area × dimension × summary measure.
-- dimension: a breakdown name (education, income_quintile, socio_type, birth_region, sex) or
-- 'subareas:<level>' for the child areas of the area (e.g. 'subareas:deso' within a kommun).
CREATE TABLE inequalities (
    indicator_id    VARCHAR NOT NULL,
    year            SMALLINT NOT NULL,
    period          VARCHAR NOT NULL,
    area_level      VARCHAR NOT NULL,
    area_code       VARCHAR NOT NULL,
    dimension       VARCHAR NOT NULL,
    ordered         BOOLEAN NOT NULL,
    measure         VARCHAR NOT NULL,
    estimate        DOUBLE,
    se              DOUBLE,          -- ln scale for r and rii (as jamlik.equity returns it)
    lower           DOUBLE,
    upper           DOUBLE,
    ci_method       VARCHAR NOT NULL, -- analytic, delta_hc1, simulation, none
    confidence      DOUBLE NOT NULL,
    n_groups        SMALLINT NOT NULL, -- subgroups with a published value that entered
    n_missing       SMALLINT NOT NULL, -- subgroups suppressed or without a value (left out)
    reference_group VARCHAR,
    favourable      BOOLEAN NOT NULL,
    scale           DOUBLE NOT NULL,
    note            VARCHAR,
    computed_at     TIMESTAMP NOT NULL,
    load_id         BIGINT
);

-- Mind the gap: one row per indicator × year × area × dimension.
CREATE TABLE gaps (
    indicator_id        VARCHAR NOT NULL,
    year                SMALLINT NOT NULL,
    period              VARCHAR NOT NULL,
    area_level          VARCHAR NOT NULL,
    area_code           VARCHAR NOT NULL,
    dimension           VARCHAR NOT NULL,
    ordered             BOOLEAN NOT NULL,
    average_value       DOUBLE,
    average_status      VARCHAR NOT NULL, -- better, similar, worse (vs the nation), not_compared
    comparator          VARCHAR NOT NULL, -- nation, none
    worst_group         VARCHAR,
    worst_value         DOUBLE,
    worst_lower_95      DOUBLE,
    worst_upper_95      DOUBLE,
    worst_significant   BOOLEAN,          -- worst group's 95% CI beyond the average, unfavourably
    best_group          VARCHAR,
    best_value          DOUBLE,
    gap_pair            VARCHAR NOT NULL, -- e.g. '1 vs 5' (ordered extremes) or 'worst vs best'
    gap_abs             DOUBLE,           -- D, oriented: positive = the disadvantaged/worst is worse
    gap_abs_se          DOUBLE,
    gap_rel             DOUBLE,           -- R of the same pair
    gap_rel_log_se      DOUBLE,
    trend_abs           VARCHAR NOT NULL, -- widening, closing, no_significant_change, cannot_be_calculated
    trend_abs_slope     DOUBLE,
    trend_abs_p         DOUBLE,
    trend_rel           VARCHAR NOT NULL,
    trend_rel_slope     DOUBLE,           -- per year on the log scale
    trend_rel_p         DOUBLE,
    trend_points        SMALLINT NOT NULL,
    trend_first_year    SMALLINT,
    hidden_gap          BOOLEAN,          -- average fine, yet a group/sub-area significantly worse
    gap_rank            INTEGER,          -- 1 = largest gap_abs among areas of the same level
    n_ranked            INTEGER,
    note                VARCHAR,
    computed_at         TIMESTAMP NOT NULL,
    load_id             BIGINT
);

-- Arriaga decomposition of life-expectancy gaps: one row per comparison × age band × cause
-- (cause 'all' holds the band's total with its direct/indirect/interaction effects).
CREATE TABLE le_decomposition (
    comparison   VARCHAR NOT NULL, -- e.g. 'income_quintile:1 vs 5', 'area:0580 vs SE'
    dimension    VARCHAR NOT NULL, -- income_quintile, education, socio_type, area
    area_level   VARCHAR NOT NULL, -- the area the comparison is made in (groups) or of (area)
    area_code    VARCHAR NOT NULL,
    group_1      VARCHAR NOT NULL, -- population 1 (reference)
    group_2      VARCHAR NOT NULL, -- population 2 (comparison); gap = e0_2 - e0_1
    period       VARCHAR NOT NULL,
    first_year   SMALLINT NOT NULL,
    last_year    SMALLINT NOT NULL,
    age_band     VARCHAR NOT NULL,
    band_order   SMALLINT NOT NULL,
    cause        VARCHAR NOT NULL,
    contribution DOUBLE NOT NULL,  -- years of e0_2 - e0_1
    direct       DOUBLE,
    indirect     DOUBLE,
    interaction  DOUBLE,
    e0_1         DOUBLE NOT NULL,
    e0_2         DOUBLE NOT NULL,
    deaths_1     DOUBLE,
    deaths_2     DOUBLE,
    note         VARCHAR,
    computed_at  TIMESTAMP NOT NULL,
    load_id      BIGINT
);
