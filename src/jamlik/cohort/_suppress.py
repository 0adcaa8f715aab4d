"""Disclosure control for cohort result tables: primary and secondary cell suppression (private).

The unit is the row: a suppressed row shows no count and no estimate (``suppressed`` is true and
``suppression_reason`` says why), because an estimate with its interval gives its counts back
(a share and its Wilson interval give n and x). The rules, with ``m`` = ``suppression.min_count``
(never below ``MIN_COUNT_FLOOR``):

1. **Primary**: a row is suppressed when it has fewer than ``m`` persons or events, or any other
   count it would publish (persons at risk, persons with a missing value, events between two
   windows) is between 1 and ``m − 1``.
2. **Group sizes** are the same in every table (survival, standardised survival, process measures):
   ``hidden_groups`` decides once, from the cohort, which groups of each grouping variable hide
   their size, and every table suppresses those groups in every row.
3. **Secondary**: the groups of one grouping variable add up to the total (including the group
   ``missing``). Within each such partition (same outcome or measure, same window) more rows are
   suppressed, smallest first and sparing the groups that key results compare, until no count can
   be worked out as total − Σ published groups: at least two rows are suppressed and, for every
   count, the suppressed rows together hold 0 or at least ``m``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import polars as pl

#: The documented lowest threshold (docs/registers.md): a spec may raise it, never lower it.
MIN_COUNT_FLOOR = 5
VALUE_COLUMNS = ("value", "std_error", "lower", "upper")
COUNT_COLUMNS = ("n_persons", "n_at_risk", "n_events", "n_missing")
SECONDARY = "secondary suppression (protects another suppressed cell)"
GROUP_HIDDEN = "group size suppressed (fewer than {m} persons, or protects such a group)"


def hidden_groups(table: pl.DataFrame, variables: Iterable[str], min_count: int,
                  keep: Mapping[str, set[str]] | None = None) -> dict[str, set[str]]:
    """Groups whose size no table may show, per grouping variable (rule 2 and 3 on group sizes)."""
    out: dict[str, set[str]] = {}
    for var in variables:
        if var == "total" or var not in table.columns:
            continue
        labels = table[var].cast(pl.String).fill_null("missing")
        sizes = labels.value_counts().rows()
        names = [str(g) for g, _ in sizes]
        n = np.array([c for _, c in sizes], dtype=np.int64)
        hide = n < min_count
        hide = _secondary(hide, {"n": n}, n, names, min_count, (keep or {}).get(var, set()))
        out[var] = {g for g, h in zip(names, hide, strict=True) if h}
    return out


def primary_reason(df: pl.DataFrame, min_count: int, *, persons: str = "n_persons", events: str = "n_events",
                   others: Iterable[str] = ()) -> pl.Expr:
    """Why a row is suppressed by rule 1 (None when it is not)."""
    m = min_count
    expr = (pl.when(pl.col(persons) < m).then(pl.lit(f"fewer than {m} persons"))
            .when(pl.col(events) < m).then(pl.lit(f"fewer than {m} events")))
    for col in others:
        if col in df.columns:
            expr = expr.when(pl.col(col).is_between(1, m - 1)).then(pl.lit(f"{col} between 1 and {m - 1}"))
    return expr.otherwise(pl.lit(None, pl.String))


def protect(df: pl.DataFrame, min_count: int, *, partition: list[str], reason: pl.Expr,
            hidden: Mapping[str, set[str]] | None = None, keep: Mapping[str, set[str]] | None = None,
            counts: Iterable[str] = COUNT_COLUMNS, forced: pl.Series | None = None) -> pl.DataFrame:
    """Apply rules 1–3 to one result table and blank every count and estimate of suppressed rows.

    ``partition`` names the columns that, with ``group_variable``, select rows that add up to the
    total (e.g. outcome and time). ``forced`` marks rows that another table already suppresses.
    """
    hidden, keep = hidden or {}, keep or {}
    df = df.with_columns(suppression_reason=reason)
    in_hidden = pl.lit(False)
    for var, groups in hidden.items():
        in_hidden = in_hidden | ((pl.col("group_variable") == var) & pl.col("group").is_in(sorted(groups)))
    m = min_count
    df = df.with_columns(suppression_reason=pl.when(pl.col("suppression_reason").is_not_null())
                         .then(pl.col("suppression_reason"))
                         .when(in_hidden).then(pl.lit(GROUP_HIDDEN.format(m=m))).otherwise(None))
    if forced is not None:
        df = df.with_columns(suppression_reason=pl.when(pl.col("suppression_reason").is_null() & forced)
                             .then(pl.lit(SECONDARY)).otherwise(pl.col("suppression_reason")))
    counts = [c for c in counts if c in df.columns]
    hide = df["suppression_reason"].is_not_null().to_numpy().copy()
    indexed = df.with_row_index("_i")
    totals = indexed.filter(pl.col("group_variable") == "total")
    hidden_totals = {tuple(r) for r in totals.filter(pl.Series(hide[totals["_i"].to_numpy()]))
                     .select(partition).rows()}
    for key, part in indexed.filter(pl.col("group_variable") != "total").group_by(
            [*partition, "group_variable"], maintain_order=True):
        idx = part["_i"].to_numpy()
        values = {c: part[c].fill_null(0).to_numpy().astype(np.int64) for c in counts}
        size = part["n_persons"].fill_null(0).to_numpy() if "n_persons" in part.columns else np.zeros(idx.size)
        names = part["group"].cast(pl.String).to_list()
        var = part["group_variable"][0]
        if tuple(key[:-1]) in hidden_totals:  # no published total to subtract from: two hidden rows suffice
            values = {}
        hide[idx] = _secondary(hide[idx], values, size, names, m, keep.get(var, set()))
    flag = pl.Series("suppressed", hide)
    df = df.with_columns(suppression_reason=pl.when(flag & pl.col("suppression_reason").is_null())
                         .then(pl.lit(SECONDARY)).otherwise(pl.col("suppression_reason")))
    blank = [c for c in (*VALUE_COLUMNS, *counts) if c in df.columns]
    return df.with_columns([pl.when(flag).then(None).otherwise(pl.col(c)).alias(c) for c in blank] + [flag])


def _secondary(hide: np.ndarray, values: Mapping[str, np.ndarray], size: np.ndarray, names: list[str],
               m: int, keep: set[str]) -> np.ndarray:
    """Add rows to ``hide`` (smallest first, groups in ``keep`` last) until rule 3 holds."""
    hide = np.asarray(hide, dtype=bool).copy()

    def unsafe() -> bool:
        k = int(hide.sum())
        if k == 0:
            return False
        if k == 1 and hide.size > 1:
            return True
        return any(1 <= int(v[hide].sum()) < m for v in values.values())

    order = sorted(range(hide.size), key=lambda i: (names[i] in keep, size[i], names[i]))
    for i in order:
        if not unsafe():
            break
        if not hide[i]:
            hide[i] = True
    return hide


def protect_flow(flow: pl.DataFrame, min_count: int, *, first_hidden: bool = False) -> pl.DataFrame:
    """Selection flow (step, n, excluded) without an exclusion of 1 to ``m − 1`` persons.

    A step that excludes a few persons is merged with the step before it (or, for the first
    step, the one after), so the table shows the steps together with their joint exclusion; when
    the whole flow excludes only a few, their count is blanked. ``first_hidden`` blanks the
    first step's count (the rows kept from the register file, when its rejections are hidden).
    """
    steps = [[r["step"], r["n"], r["excluded"]] for r in flow.iter_rows(named=True)]
    few = lambda x: x is not None and 1 <= x < min_count  # noqa: E731
    merged = True
    while merged and len(steps) > 1:
        merged = False
        for i in range(1, len(steps)):
            if few(steps[i][2]):
                j = i - 1 if i > 1 else i + 1  # the first row is the start, not a step that excludes
                if j >= len(steps):
                    break
                a, b = sorted((i, j))
                steps[a:b + 1] = [[f"{steps[a][0]}; {steps[b][0]}", steps[b][1], steps[a][2] + steps[b][2]]]
                merged = True
                break
    out = pl.DataFrame({"step": [s[0] for s in steps], "n": [s[1] for s in steps],
                        "excluded": [s[2] for s in steps]}, schema={"step": pl.String, "n": pl.Int64,
                                                                     "excluded": pl.Int64})
    for i in range(1, len(steps)):
        if few(steps[i][2]):  # nothing left to merge with: hide the count it follows from
            steps[i - 1][1] = None
    out = out.with_columns(n=pl.Series([s[1] for s in steps], dtype=pl.Int64))
    hide_first = pl.int_range(pl.len()) == 0
    if first_hidden:
        out = out.with_columns(n=pl.when(hide_first).then(None).otherwise(pl.col("n")),
                               excluded=pl.when(pl.int_range(pl.len()) == 1).then(None).otherwise(pl.col("excluded")))
    return out.with_columns(excluded=pl.when(pl.col("excluded").is_between(1, min_count - 1)).then(None)
                            .otherwise(pl.col("excluded")))


FILE_COUNTS = ("rows_rejected", "rows_set_missing", "rows_imputed")


def protect_files(files: pl.DataFrame, min_count: int) -> pl.DataFrame:
    """Rows per register file with counts of 1 to ``m − 1`` blanked, and the counts they follow from
    (rows kept = read − rejected; issue lines) blanked with them."""
    few = {c: pl.col(c).is_between(1, min_count - 1) for c in (*FILE_COUNTS, "rows_read", "rows_kept", "issues")}
    any_few = few["rows_rejected"] | few["rows_set_missing"] | few["rows_imputed"] | few["issues"]
    # a small file (e.g. a death register extract of four rows) is itself a small count
    small_file = few["rows_read"] | few["rows_kept"]
    return files.with_columns(
        [pl.when(few[c] | small_file).then(None).otherwise(pl.col(c)).alias(c) for c in FILE_COUNTS]
        + [pl.when(small_file).then(None).otherwise(pl.col("rows_read")).alias("rows_read"),
           pl.when(few["rows_rejected"] | small_file).then(None).otherwise(pl.col("rows_kept")).alias("rows_kept"),
           pl.when(any_few | small_file).then(None).otherwise(pl.col("issues")).alias("issues")])


def mask_issue_values(issues: pl.DataFrame) -> pl.DataFrame:
    """Issue lines for publication: file, row, column, reason and action, and the value only as its
    shape (digits → 9, letters → A), so no date of birth, date of care or other value stays
    next to the row number."""
    shape = (pl.col("value").str.slice(0, 20).str.replace_all(r"\d", "9")
             .str.replace_all(r"[^\W\d_]", "A"))
    marked = pl.col("value").str.starts_with("<") & pl.col("value").str.ends_with(">")
    return issues.with_columns(value=pl.when(marked).then(pl.col("value")).otherwise(shape))
