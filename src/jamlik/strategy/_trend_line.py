"""Ordinary least-squares lines fitted per group, vectorised (one polars aggregation).

Uses centred co-moments, ``b = Σ(x−x̄)(y−ȳ) / Σ(x−x̄)²`` and ``a = ȳ − b·x̄``, which is exact for
the short yearly series of goal follow-up and stable for large x such as calendar years.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl


def ols_by_group(frame: pl.DataFrame, keys: Sequence[str], x: str = "year", y: str = "value"
                 ) -> pl.DataFrame:
    """``keys`` + ``n, slope, intercept`` per group (slope/intercept null when n < 2 or x is
    constant)."""
    xf, yf = pl.col(x).cast(pl.Float64), pl.col(y).cast(pl.Float64)
    dx, dy = xf - xf.mean(), yf - yf.mean()
    out = frame.group_by(list(keys), maintain_order=True).agg(
        pl.len().alias("n"),
        xf.mean().alias("_mx"),
        yf.mean().alias("_my"),
        (dx * dy).sum().alias("_sxy"),
        (dx * dx).sum().alias("_sxx"),
    )
    ok = (pl.col("n") >= 2) & (pl.col("_sxx") > 0)
    slope = pl.when(ok).then(pl.col("_sxy") / pl.col("_sxx"))
    return (out.with_columns(slope.alias("slope"))
            .with_columns((pl.col("_my") - pl.col("slope") * pl.col("_mx")).alias("intercept"))
            .drop("_mx", "_my", "_sxy", "_sxx"))
