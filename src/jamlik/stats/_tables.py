"""Accept polars / pandas / pyarrow tables and return results in the caller's flavour."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from jamlik.model.errors import InputError, SchemaError

__all__ = ["as_polars", "group_list", "output", "require_columns"]


def as_polars(data: Any, name: str = "data") -> tuple[pl.DataFrame, str]:
    """Return ``(polars frame, flavour)`` where flavour is ``"polars"``, ``"pandas"`` or ``"arrow"``."""
    if isinstance(data, pl.DataFrame):
        return data, "polars"
    if isinstance(data, pl.LazyFrame):
        return data.collect(), "polars"
    try:
        import pandas as pd

        if isinstance(data, pd.DataFrame):
            return pl.from_pandas(data), "pandas"
    except ImportError:  # pragma: no cover
        pass
    try:
        import pyarrow as pa

        if isinstance(data, pa.Table):
            return pl.from_arrow(data), "arrow"  # type: ignore[return-value]
    except ImportError:  # pragma: no cover
        pass
    raise InputError(name, type(data).__name__, "a polars, pandas or pyarrow table")


def require_columns(df: pl.DataFrame, columns: Sequence[str], table: str = "data") -> None:
    for col in columns:
        if col not in df.columns:
            raise SchemaError(
                f"required column is missing (columns present: {', '.join(df.columns)})",
                file=table,
                column=col,
            )


def group_list(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def output(df: pl.DataFrame, flavour: str, backend: str | None) -> Any:
    target = backend or flavour
    if target == "polars":
        return df
    if target == "pandas":
        return df.to_pandas()
    if target == "arrow":
        return df.to_arrow()
    raise InputError("backend", backend, "'polars', 'pandas' or 'arrow'")
