"""Row-level problems found while reading a register extract.

Every rejected or repaired row is listed (file, 1-based data row, column, reason, masked value,
action), and the counts always add up: ``rows_read == rows_kept + rows_rejected``. Values of
identity columns are masked before they are stored here.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

ACTION_REJECTED = "rejected"
ACTION_SET_MISSING = "set_missing"
ACTION_IMPUTED = "imputed"

ISSUE_SCHEMA = {
    "file": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "reason": pl.String,
    "value": pl.String,
    "action": pl.String,
}


@dataclass(frozen=True)
class RowIssues:
    """What happened to the rows of one file.

    ``table`` has one line per problem (a row can have several) with columns
    file, row, column, reason, value (masked for identity columns) and action
    (``rejected``, ``set_missing`` or ``imputed``).
    """

    file: str
    rows_read: int
    rows_kept: int
    table: pl.DataFrame

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - self.rows_kept

    def counts(self) -> pl.DataFrame:
        """Problems counted by column, reason and action (rows, not issues)."""
        return (
            self.table.group_by(["column", "reason", "action"])
            .agg(pl.col("row").n_unique().alias("rows"))
            .sort(["action", "rows"], descending=[False, True])
        )

    def summary(self) -> str:
        return (
            f"{self.file}: {self.rows_read} rows read, {self.rows_kept} kept, "
            f"{self.rows_rejected} rejected, {self.table.height} issues"
        )


def issue_frame(
    file: str, rows: pl.Series, column: str, reason: str | pl.Series, values: pl.Series, action: str
) -> pl.DataFrame:
    """Build issue lines for the given 1-based rows (vectorised)."""
    n = rows.len()
    return pl.DataFrame(
        {
            "file": pl.Series([file] * n, dtype=pl.String),
            "row": rows.cast(pl.Int64),
            "column": pl.Series([column] * n, dtype=pl.String),
            "reason": reason if isinstance(reason, pl.Series) else pl.Series([reason] * n, dtype=pl.String),
            "value": values.cast(pl.String),
            "action": pl.Series([action] * n, dtype=pl.String),
        },
        schema=ISSUE_SCHEMA,
    )


def empty_issues() -> pl.DataFrame:
    return pl.DataFrame(schema=ISSUE_SCHEMA)
