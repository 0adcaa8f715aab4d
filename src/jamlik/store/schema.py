"""The observation schema: the columns of ``observations`` in one place.

The migrations create the table (``003_observations.sql``, ``synthetic`` added by
``007_real_data.sql``); the engine writes :data:`OBSERVATION_COLUMNS`, downloads and the API
show :data:`PUBLIC_OBSERVATION_COLUMNS`, and profiles read :data:`PROFILE_OBSERVATION_COLUMNS`.
``tests/store/test_schema.py`` holds the migrations and this module in step.

Interval columns are spelled one way everywhere a user meets them — in this table, the API,
downloads and reports: ``lower_95``/``upper_95`` and ``lower_998``/``upper_998`` for the 95 %
and 99,8 % limits of a figure, ``lower``/``upper`` (with a ``confidence`` column) where a table
holds one level only (``inequalities``, ``gaps``, ``le_decomposition``).
"""

from __future__ import annotations

#: Every column the engine writes to ``observations`` (``load_id`` is stamped by the store).
OBSERVATION_COLUMNS = (
    "indicator_id", "year", "period", "area_level", "area_code", "breakdown", "group_value",
    "numerator", "denominator", "value", "lower_95", "upper_95", "lower_998", "upper_998",
    "method", "standard", "multiplier", "parent_code", "parent_value", "vs_parent_95",
    "vs_parent_998", "nation_value", "vs_nation_95", "vs_nation_998", "judgement_nation",
    "trend", "trend_reason", "suppressed", "suppression_reason", "smoothed_value", "note",
    "computed_at", "synthetic",
)

#: The columns of ``observations`` a download or the API holds (``synthetic`` is never NULL).
PUBLIC_OBSERVATION_COLUMNS = tuple(
    c for c in OBSERVATION_COLUMNS if c not in ("judgement_nation", "trend_reason"))

#: The columns an area profile reads.
PROFILE_OBSERVATION_COLUMNS = tuple(
    c for c in OBSERVATION_COLUMNS
    if c not in ("area_level", "method", "standard", "multiplier", "judgement_nation",
                 "smoothed_value"))


def select_list(columns: tuple[str, ...]) -> str:
    """``columns`` as an SQL select list; ``synthetic`` reads as false where it is NULL."""
    return ", ".join(f"coalesce({c}, false) AS {c}" if c == "synthetic" else c
                     for c in columns)


__all__ = ["OBSERVATION_COLUMNS", "PROFILE_OBSERVATION_COLUMNS", "PUBLIC_OBSERVATION_COLUMNS",
           "select_list"]
