"""Small-cell suppression for result tables (private; primary suppression only)."""

from __future__ import annotations

import polars as pl

VALUE_COLUMNS = ("value", "std_error", "lower_cl", "upper_cl")


def suppress(df: pl.DataFrame, min_count: int, *, persons: str = "n_persons", events: str = "n_events") -> pl.DataFrame:
    """Blank estimates where persons or events are below ``min_count``; say why in ``suppression_reason``.

    Counts below the threshold are blanked too, so that the published row reveals nothing more
    than "fewer than ``min_count``".
    """
    few_persons = pl.col(persons) < min_count
    few_events = pl.col(events) < min_count
    reason = (pl.when(few_persons).then(pl.lit(f"fewer than {min_count} persons"))
              .when(few_events).then(pl.lit(f"fewer than {min_count} events"))
              .otherwise(None))
    df = df.with_columns(suppression_reason=reason)
    hide = pl.col("suppression_reason").is_not_null()
    cols = [c for c in VALUE_COLUMNS if c in df.columns]
    return df.with_columns(
        [pl.when(hide).then(None).otherwise(pl.col(c)).alias(c) for c in cols]
        + [pl.when(pl.col(c) < min_count).then(None).otherwise(pl.col(c)).alias(c) for c in (persons, events)]
        + [hide.alias("suppressed")]
    )
