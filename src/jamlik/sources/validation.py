"""Pre-load validation of tidy tables: nothing is written unless the report passes.

Every rule is a vectorised mask over the tidy columns of :data:`~jamlik.sources.mapping.TIDY_SCHEMA`;
only failing rows become :class:`~jamlik.sources.report.Issue` objects.

Rules and default severities (override per rule with ``severity={...}``):

=====================================  ========  =============================================
rule                                   severity  fails when
=====================================  ========  =============================================
``area.malformed``                     error     the code has no known shape (län, kommun, …)
``area.unknown``                       error     well-formed but not in ``areas``
``period.malformed``                   error     not 2023 / 2023M01 / 2023K1 / 2022/23 / 2021-2023
``period.unexpected``                  warning   outside ``expected_periods``
``key.duplicate``                      error     indicator, area, period, sex seen before
``count.negative``                     error     numerator or denominator (or a count value) < 0
``count.implausible``                  error     a count above :data:`MAX_COUNT` (more persons
                                                 than live in Sweden, with a margin)
``ratio.numerator_above_denominator``  error     numerator > denominator
``share.above_100``                    error     a percentage outside 0–100
``unit.mismatch``                      error     row unit differs from the declared unit
``value.missing``                      warning   no value and no numerator/denominator
=====================================  ========  =============================================
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from jamlik.model.areas import level_of_code
from jamlik.model.errors import InputError, SchemaError
from jamlik.sources.mapping import TIDY_SCHEMA, MappedTable
from jamlik.sources.report import Issue, Severity, ValidationReport

__all__ = ["COUNT_UNITS", "DEFAULT_SEVERITY", "MAX_COUNT", "PERCENT_UNITS", "validate",
           "validate_mapped"]

DEFAULT_SEVERITY: Mapping[str, Severity] = {
    "area.malformed": Severity.ERROR,
    "area.unknown": Severity.ERROR,
    "period.malformed": Severity.ERROR,
    "period.unexpected": Severity.WARNING,
    "key.duplicate": Severity.ERROR,
    "count.negative": Severity.ERROR,
    "count.implausible": Severity.ERROR,
    "ratio.numerator_above_denominator": Severity.ERROR,
    "share.above_100": Severity.ERROR,
    "unit.mismatch": Severity.ERROR,
    "value.missing": Severity.WARNING,
}
#: Largest plausible count of persons (Sweden has about 10.6 million inhabitants).
MAX_COUNT = 20_000_000
PERCENT_UNITS = frozenset({"%", "procent", "percent", "andel (%)", "andel i procent", "share (%)"})
COUNT_UNITS = frozenset({"antal", "count", "n", "number", "personer", "persons"})

_PERIOD = re.compile(
    r"\d{4}|\d{4}M(0[1-9]|1[0-2])|\d{4}K[1-4]|\d{4}Q[1-4]|\d{4}/\d{2}|\d{4}-\d{4}|\d{4}-(0[1-9]|1[0-2])"
)
_KEY = ("indicator_id", "area_code", "period", "sex")


def validate_mapped(
    mapped: MappedTable, areas: Mapping[str, str] | None = None, **options: Any
) -> ValidationReport:
    """:func:`validate` a :class:`MappedTable`, keeping the issues met while mapping."""
    return validate(mapped.table, source=mapped.source, areas=areas, prior=mapped.issues, **options)


def validate(
    table: pa.Table,
    *,
    source: str,
    areas: Mapping[str, str] | None = None,
    expected_periods: Collection[str] | tuple[int, int] | None = None,
    declared_unit: str | None = None,
    severity: Mapping[str, str] | None = None,
    prior: tuple[Issue, ...] = (),
    max_per_rule: int | None = 1000,
) -> ValidationReport:
    """Check a tidy table before it is loaded.

    ``areas`` maps valid area codes to names (unknown-code rule skipped when ``None``).
    ``expected_periods`` is either a collection of period strings or ``(first_year, last_year)``.
    ``declared_unit`` is the indicator's unit; rows whose ``unit`` differs are flagged.
    At most ``max_per_rule`` issues are listed per rule; the rest are counted in
    :attr:`ValidationReport.omitted` (they still block the load).
    """
    missing = [name for name in TIDY_SCHEMA.names if name not in table.column_names]
    if missing:
        raise SchemaError(
            f"the table lacks the tidy column(s) {missing}", file=source, column=missing[0]
        )
    levels = dict(DEFAULT_SEVERITY)
    for rule, level in (severity or {}).items():
        if rule not in levels:
            raise InputError("severity", rule, f"a rule among {sorted(levels)}")
        levels[rule] = Severity(level)
    frame = table.select(TIDY_SCHEMA.names).to_pandas()
    rows = frame["source_row"].to_numpy()
    issues: list[Issue] = list(prior)
    flagged_area_rows = {i.row for i in prior if i.rule.startswith("area.")}

    omitted: dict[str, int] = {}

    def add(rule: str, mask: np.ndarray, column: str, values: Any, params=None) -> None:
        values = np.asarray(values, dtype=object)
        hits = np.flatnonzero(mask)
        listed = sum(1 for i in issues if i.rule == rule)
        room = len(hits) if max_per_rule is None else max(max_per_rule - listed, 0)
        if len(hits) > room:
            omitted[rule] = omitted.get(rule, 0) + len(hits) - room
            hits = hits[:room]
        for i in hits:
            p = params(i) if callable(params) else (params or {})
            issues.append(
                Issue(levels[rule], rule, source, int(rows[i]), column, _plain(values[i]), p)
            )

    # Areas ---------------------------------------------------------------------------------------
    codes = frame["area_code"].to_numpy(dtype=object)
    not_flagged = ~np.isin(rows, list(flagged_area_rows))
    shape_ok = _per_unique(codes, lambda c: c is not None and level_of_code(c) is not None)
    add("area.malformed", ~shape_ok & not_flagged, "area_code", codes)
    if areas is not None:
        known = frame["area_code"].isin(list(areas)).to_numpy()
        add("area.unknown", shape_ok & ~known & not_flagged, "area_code", codes)

    # Periods -------------------------------------------------------------------------------------
    periods = frame["period"].to_numpy(dtype=object)
    period_ok = _per_unique(periods, lambda p: p is not None and _PERIOD.fullmatch(p) is not None)
    add("period.malformed", ~period_ok, "period", periods)
    if expected_periods is not None:
        expected_ok, expected_text = _expected(periods, expected_periods)
        add(
            "period.unexpected",
            period_ok & ~expected_ok,
            "period",
            periods,
            {"expected": expected_text},
        )

    # Duplicate keys ------------------------------------------------------------------------------
    keys = frame[list(_KEY)].fillna("\x00")
    dup = keys.duplicated(keep="first").to_numpy()
    if dup.any():
        group = keys.groupby(list(_KEY), sort=False).ngroup().to_numpy()
        _, first_position = np.unique(group, return_index=True)
        first = rows[first_position[group]]
        add("key.duplicate", dup, "area_code", codes, lambda i: {"first": int(first[i])})

    # Impossible values ---------------------------------------------------------------------------
    num, den, val = (frame[c].to_numpy(dtype=float) for c in ("numerator", "denominator", "value"))
    units = frame["unit"].to_numpy(dtype=object)
    unit_key = (
        frame["unit"].fillna("").astype(str).str.strip().str.casefold().to_numpy(dtype=object)
    )
    add("count.negative", num < 0, "numerator", num)
    add("count.negative", den < 0, "denominator", den)
    add("count.negative", np.isin(unit_key, list(COUNT_UNITS)) & (val < 0), "value", val)
    limit = {"limit": f"{MAX_COUNT:,}".replace(",", " ")}
    add("count.implausible", num > MAX_COUNT, "numerator", num, limit)
    add("count.implausible", den > MAX_COUNT, "denominator", den, limit)
    add("count.implausible", np.isin(unit_key, list(COUNT_UNITS)) & (val > MAX_COUNT), "value",
        val, limit)
    add(
        "ratio.numerator_above_denominator",
        (num > den) & (num >= 0) & (den >= 0),
        "numerator",
        num,
        lambda i: {"numerator": _plain(num[i]), "denominator": _plain(den[i])},
    )
    add(
        "share.above_100",
        np.isin(unit_key, list(PERCENT_UNITS)) & ((val > 100) | (val < 0)),
        "value",
        val,
    )
    if declared_unit is not None:
        differs = (unit_key != declared_unit.strip().casefold()) & (unit_key != "")
        add("unit.mismatch", differs, "unit", units, {"expected": declared_unit})
    unparsed = np.isin(rows, [i.row for i in prior
                              if i.rule in ("number.invalid", "number.mixed_decimal")])
    add("value.missing", np.isnan(val) & (np.isnan(num) | np.isnan(den)) & ~unparsed, "value", val)

    order = {Severity.ERROR: 0, Severity.WARNING: 1}
    issues.sort(key=lambda i: (order[i.severity], i.row if i.row is not None else -1, i.rule))
    return ValidationReport(source, tuple(issues), omitted)


def _per_unique(values: np.ndarray, check) -> np.ndarray:
    """``check`` applied once per distinct value (codes and periods repeat a lot), as a mask."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    results = np.array([bool(check(u)) for u in uniques] + [bool(check(None))], dtype=bool)
    return results[codes]  # the sentinel -1 picks the trailing check(None)


def _expected(periods: np.ndarray, expected) -> tuple[np.ndarray, str]:
    if (
        isinstance(expected, tuple)
        and len(expected) == 2
        and all(isinstance(y, int) for y in expected)
    ):
        first, last = expected
        years = pd.to_numeric(pd.Series(periods, dtype=object).str[:4], errors="coerce").to_numpy()
        return (years >= first) & (years <= last), f"{first}–{last}"
    allowed = {str(p) for p in expected}
    shown = ", ".join(sorted(allowed)[:6]) + (" …" if len(allowed) > 6 else "")
    return np.isin(periods.astype(str), list(allowed)), shown


def _plain(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        value = float(value)
        if value != value:
            return None
        return int(value) if value.is_integer() else value
    return value
