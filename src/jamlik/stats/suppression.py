"""Small-count suppression with secondary suppression for two-way tables with margins.

Each table (one per combination of ``by``) is a grid of ``row × column`` cells together with its
published row totals, column totals and grand total. **Primary** suppression hides counts in
``1 .. threshold-1`` (and 0 too when ``suppress_zero=True``; by default a zero is published
because it reveals nothing the threshold protects). Margins are cells like any other: a row total
of 3 is suppressed too.

**Secondary** suppression then hides further cells until no suppressed cell can be derived from
what is published: (1) every row and column of the table-with-margins that holds a suppressed
cell holds at least two, choosing the smallest positive published count (ties: first in order);
(2) an audit solves the linear system — for every suppressed cell, the minimum and maximum value
consistent with the published cells, the additivity of rows and columns and non-negativity
(``scipy.optimize.linprog``) — and, while some suppressed cell is pinned to a single value,
suppresses one more cell in its row or column and repeats (1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from scipy.optimize import linprog

from jamlik.model.errors import DataError, InputError
from jamlik.stats._tables import as_polars, group_list, output, require_columns

__all__ = ["feasible_intervals", "protect_linked", "suppress", "suppress_matrix"]


def _constraints(shape: tuple[int, int]) -> np.ndarray:
    """Equality matrix A (A @ vec(E) = 0) for a table-with-margins of ``shape`` (R+1, C+1)."""
    r1, c1 = shape
    rows = []
    for i in range(r1):
        a = np.zeros(shape)
        a[i, :-1] = 1
        a[i, -1] = -1
        rows.append(a.ravel())
    for j in range(c1):
        a = np.zeros(shape)
        a[:-1, j] = 1
        a[-1, j] = -1
        rows.append(a.ravel())
    return np.array(rows)


def feasible_intervals(table: np.ndarray, suppressed: np.ndarray) -> np.ndarray:
    """For each suppressed cell, ``[min, max]`` consistent with the published cells.

    ``table`` includes its margins (last row and column). Returns an array of shape
    ``(k, 2)`` for the ``k`` suppressed cells in row-major order (``inf`` when unbounded).
    """
    a_eq = _constraints(table.shape)
    flat = table.ravel().astype(float)
    sup = suppressed.ravel()
    bounds = [(0, None) if s else (v, v) for v, s in zip(flat, sup, strict=True)]
    out = []
    for k in np.flatnonzero(sup):
        c = np.zeros(flat.size)
        c[k] = 1
        lo = linprog(c, A_eq=a_eq, b_eq=np.zeros(len(a_eq)), bounds=bounds, method="highs")
        hi = linprog(-c, A_eq=a_eq, b_eq=np.zeros(len(a_eq)), bounds=bounds, method="highs")
        out.append((lo.fun if lo.status == 0 else -np.inf, -hi.fun if hi.status == 0 else np.inf))
    return np.array(out).reshape(-1, 2)


def _pick(values: np.ndarray, free: np.ndarray) -> int | None:
    """Index of the smallest positive free cell (else smallest free cell); None if none."""
    idx = np.flatnonzero(free)
    if idx.size == 0:
        return None
    pos = idx[values[idx] > 0]
    pool = pos if pos.size else idx
    return int(pool[np.argmin(values[pool])])


def _line_rule(table: np.ndarray, sup: np.ndarray, reason: np.ndarray) -> None:
    """Until no row or column holds exactly one suppressed cell, hide one more cell in such a
    line — preferably one whose crossing line also holds exactly one (fixing both at once)."""
    while True:
        row_n, col_n = sup.sum(axis=1), sup.sum(axis=0)
        lonely_rows, lonely_cols = np.flatnonzero(row_n == 1), np.flatnonzero(col_n == 1)
        if lonely_rows.size:
            k, axis = int(lonely_rows[0]), 0
        elif lonely_cols.size:
            k, axis = int(lonely_cols[0]), 1
        else:
            return
        vals = table[k, :] if axis == 0 else table[:, k]
        free = ~(sup[k, :] if axis == 0 else sup[:, k])
        crossing = (col_n if axis == 0 else row_n) == 1
        j = _pick(vals, free & crossing)
        if j is None:
            j = _pick(vals, free)
        if j is None:
            return
        cell = (k, j) if axis == 0 else (j, k)
        sup[cell] = True
        reason[cell] = "secondary"


def suppress_matrix(
    counts: np.ndarray, *, threshold: float = 5, suppress_zero: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Suppress one table of interior ``counts`` (R × C).

    Returns ``(table_with_margins, suppressed, reason)`` of shape (R+1, C+1); ``reason`` holds
    ``"primary"``, ``"secondary"`` or ``None``.
    """
    counts = np.asarray(counts, dtype=float)
    r, c = counts.shape
    table = np.zeros((r + 1, c + 1))
    table[:r, :c] = counts
    table[:r, c] = counts.sum(axis=1)
    table[r, :c] = counts.sum(axis=0)
    table[r, c] = counts.sum()
    primary = (table > 0) & (table < threshold)
    if suppress_zero:
        primary |= table == 0
    sup = primary.copy()
    reason = np.where(primary, "primary", None).astype(object)
    if not sup.any():
        return table, sup, reason
    for _ in range(table.size):
        _line_rule(table, sup, reason)
        intervals = feasible_intervals(table, sup)
        pinned = np.flatnonzero(intervals[:, 1] - intervals[:, 0] < 1e-7)
        if pinned.size == 0:
            break
        k = np.flatnonzero(sup.ravel())[pinned[0]]
        i, j = divmod(int(k), c + 1)
        choice = _pick(table[i, :], ~sup[i, :])
        cell = (i, choice) if choice is not None else None
        if cell is None:
            choice = _pick(table[:, j], ~sup[:, j])
            cell = (choice, j) if choice is not None else None
        if cell is None:  # everything in its lines is already hidden; hide the grand total
            free = np.flatnonzero(~sup.ravel())
            if free.size == 0:
                break
            cell = divmod(int(free[0]), c + 1)
        sup[cell] = True
        reason[cell] = "secondary"
    return table, sup, reason


def suppress(
    data: Any,
    *,
    count: str,
    row: str,
    column: str,
    by: str | Sequence[str] | None = None,
    threshold: float = 5,
    suppress_zero: bool = False,
    total_label: str = "Total",
    backend: str | None = None,
) -> Any:
    """Suppress a long table of counts (one row per ``by`` × ``row`` × ``column`` cell).

    Returns every cell *and* the margins (labelled ``total_label``) with columns ``count``,
    ``suppressed`` (bool), ``reason`` (``"primary"``, ``"secondary"`` or null) and
    ``published`` (the count, or null when suppressed). Missing cells count as 0.
    """
    if threshold <= 0:
        raise InputError("threshold", threshold, "a positive count, e.g. 5")
    df, flavour = as_polars(data)
    keys = group_list(by)
    require_columns(df, [*keys, row, column, count])
    df = df.with_row_index("_row")
    bad = df.filter(pl.col(count).is_null() | (pl.col(count) < 0))
    if bad.height:
        r = bad.row(0, named=True)
        raise DataError(
            "counts must be present and non-negative",
            file="data",
            row=r["_row"] + 1,
            column=count,
            value=r[count],
        )
    dup = df.group_by([*keys, row, column]).len().filter(pl.col("len") > 1)
    if dup.height:
        raise DataError(
            "each cell must appear once",
            file="data",
            column=f"{row}/{column}",
            value=dup.row(0, named=True),
        )
    row_labels = [str(v) for v in df[row].unique(maintain_order=True).to_list()]
    col_labels = [str(v) for v in df[column].unique(maintain_order=True).to_list()]
    if total_label in row_labels or total_label in col_labels:
        raise InputError("total_label", total_label, "a label not used by any row or column")
    ri = {v: i for i, v in enumerate(row_labels)}
    ci = {v: i for i, v in enumerate(col_labels)}
    groups = df.partition_by(keys, maintain_order=True, as_dict=False) if keys else [df]
    pieces = []
    rl = [*row_labels, total_label]
    cl = [*col_labels, total_label]
    for g in groups:
        m = np.zeros((len(row_labels), len(col_labels)))
        m[[ri[str(v)] for v in g[row].to_list()], [ci[str(v)] for v in g[column].to_list()]] = (
            g[count].cast(pl.Float64).to_numpy()
        )
        table, sup, reason = suppress_matrix(m, threshold=threshold, suppress_zero=suppress_zero)
        ii, jj = np.indices(table.shape)
        piece = {
            row: [rl[i] for i in ii.ravel()],
            column: [cl[j] for j in jj.ravel()],
            count: table.ravel(),
            "suppressed": sup.ravel(),
            "reason": reason.ravel().tolist(),
            "published": np.where(sup.ravel(), np.nan, table.ravel()),
        }
        for k in keys:
            piece[k] = [g[k][0]] * table.size
        pieces.append(
            pl.DataFrame(piece).select(
                [*keys, row, column, count, "suppressed", "reason", "published"]
            )
        )
    res = pl.concat(pieces).with_columns(pl.col("published").fill_nan(None))
    return output(res, flavour, backend)


# -- linked tables: hierarchies of areas, groups nested in totals -----------------------------
def protect_linked(
    counts: np.ndarray,
    primary: np.ndarray,
    parent: np.ndarray,
    member_rel: np.ndarray,
    member_cell: np.ndarray,
    thresholds: Sequence[float],
    keep: np.ndarray | None = None,
) -> np.ndarray:
    """Secondary suppression over many linked additive relations at once.

    Cells are rows of ``counts`` (``n × d``: one column per additive count, e.g. numerator and
    denominator). Relation ``r`` says ``counts[parent[r]] = Σ counts[children] + residual`` where
    the children are ``member_cell[member_rel == r]`` and the residual (people in no published
    child: an unknown group, persons without a small area, the rest of the country) is *never*
    published. ``primary`` marks the cells hidden by the threshold rule. Cells are hidden until,
    in every relation whose total is published, (a) no child is the only hidden child (the
    residual does not count as a partner: it might be known from elsewhere) and (b) the hidden
    part — hidden children plus the residual — adds up, in every count column ``k``, to 0 or at
    least ``thresholds[k]``; and in every relation whose total is hidden, at least one child is
    hidden too unless the residual alone reaches every threshold (else the total is the sum of
    its published children, give or take a small residual). So ``total − Σ published`` never pins a suppressed cell and never is a small
    count of people.

    A relation that breaks a rule gets one more hidden child — the one with the smallest
    positive first count (then the smallest counts, then the lowest index), i.e. the least
    information lost, cells marked in ``keep`` (e.g. the extreme groups of a gradient) last — or, when all its children are hidden, its total; the rules are checked
    again over every relation until none is broken. Returns the hidden mask (primary included).
    """
    thresholds = np.asarray(thresholds, dtype=float)
    counts = np.nan_to_num(np.asarray(counts, dtype=float).reshape(len(primary), len(thresholds)))
    hidden = np.asarray(primary, dtype=bool).copy()
    parent = np.asarray(parent, dtype=np.int64)
    member_rel = np.asarray(member_rel, dtype=np.int64)
    member_cell = np.asarray(member_cell, dtype=np.int64)
    n_rel = len(parent)
    if n_rel == 0:
        return hidden

    def per_relation(weight: np.ndarray) -> np.ndarray:
        """Σ over each relation's children of ``weight`` × their counts (n_rel × d)."""
        return np.stack([np.bincount(member_rel, weights=weight * counts[member_cell, k],
                                     minlength=n_rel) for k in range(counts.shape[1])], axis=1)

    residual = counts[parent] - per_relation(np.ones(len(member_cell)))
    residual[np.abs(residual) < 1e-6] = 0.0
    res_pos = np.clip(residual, 0, None)
    # A residual at or above every threshold (e.g. the rest of Sweden under the nation) hides
    # a suppressed total by itself: the total is not the sum of its published parts.
    big_residual = (res_pos >= thresholds).all(axis=1)
    eps = 1e-6
    # Order of preference for the cell to hide: positive first count, then small counts.
    first = counts[:, 0]
    keep = np.zeros(len(first), bool) if keep is None else np.asarray(keep, dtype=bool)
    order = np.lexsort((np.arange(len(first)), counts[:, -1], first, first <= 0, keep))
    rank = np.empty(len(first), dtype=np.int64)
    rank[order] = np.arange(len(first))
    for _ in range(len(primary) + 1):
        h = hidden[member_cell]
        n_sup = np.bincount(member_rel, weights=h, minlength=n_rel)
        sums = per_relation(h) + res_pos
        small = ((sums > eps) & (sums < thresholds - eps)).any(axis=1)
        top = hidden[parent]
        broken = np.where(top, (n_sup == 0) & ~big_residual, (n_sup == 1) | small)
        if not broken.any():
            return hidden
        # The least informative published child of each broken relation.
        cand = broken[member_rel] & ~h
        rel_c, cell_c = member_rel[cand], member_cell[cand]
        newly = np.zeros_like(hidden)
        served = np.zeros(n_rel, dtype=bool)
        if len(cell_c):
            pick = np.lexsort((rank[cell_c], rel_c))
            rel_s, cell_s = rel_c[pick], cell_c[pick]
            first_of = np.r_[True, rel_s[1:] != rel_s[:-1]]
            newly[cell_s[first_of]] = True
            served[rel_s[first_of]] = True
        # No published child left: hide the total itself.
        newly[parent[broken & ~served & ~top]] = True
        if not newly[~hidden].any():
            return hidden  # nothing left to hide (every cell of the broken relations is hidden)
        hidden |= newly
    return hidden
