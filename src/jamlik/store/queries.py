"""Named queries: what other layers ask of the warehouse or a snapshot, by name.

Every function takes an open connection (a :class:`jamlik.store.Warehouse`'s ``con`` or a
read-only :data:`jamlik.store.Connection`) and returns plain Python values or Arrow/polars
frames, so no SQL string lives outside ``store``. The engine's computations stay Ibis
expressions (:meth:`jamlik.store.Warehouse.ibis`); these are the lookups around them.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from jamlik.store.connection import Connection


# -- survey ----------------------------------------------------------------------------------
def survey_questions(con: Connection) -> set[str]:
    """The survey questions loaded (``survey_questions.question``)."""
    return {r[0] for r in con.execute("SELECT question FROM survey_questions").fetchall()}


def national_survey(con: Connection, measure: str) -> pa.Table:
    """The national survey's published ``year, sex, estimate, se, respondents`` of one
    measure."""
    return con.execute("SELECT year, sex, estimate, se, respondents FROM national_survey "
                       "WHERE measure = ?", [measure]).to_arrow_table()


def national_survey_rows(con: Connection, measure: str) -> int:
    """How many national survey rows one measure has."""
    return con.execute("SELECT count(*) FROM national_survey WHERE measure = ?",
                       [measure]).fetchone()[0]


def synthetic_loads(con: Connection, targets: Iterable[str]) -> dict[str, bool]:
    """Whether any load into each of ``targets`` was synthetic (False when never loaded)."""
    targets = list(targets)
    rows = dict(con.execute(
        "SELECT target, bool_or(coalesce(synthetic, false)) FROM loads "
        "WHERE target IN (SELECT unnest(?)) GROUP BY 1", [targets]).fetchall())
    return {t: bool(rows.get(t)) for t in targets}
