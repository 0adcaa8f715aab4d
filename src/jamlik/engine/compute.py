"""``compute``: every catalogue indicator → the tidy ``observations`` table.

>>> from jamlik.engine import compute  # doctest: +SKIP
>>> report = compute(warehouse)        # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import polars as pl

from jamlik.engine import _publish
from jamlik.engine._aggregates import FALLBACK_NOTE
from jamlik.engine._frames import Frames
from jamlik.engine._rollup import Cells
from jamlik.engine.methods import estimate, missing_input
from jamlik.model.catalogue import Catalogue, Indicator, load_catalogue
from jamlik.model.errors import InputError
from jamlik.store import queries
from jamlik.store.schema import OBSERVATION_COLUMNS

COLUMNS = list(OBSERVATION_COLUMNS)
NO_NATION = "not compared: no national data"
Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class ComputeReport:
    """What a run did: indicators computed, skipped (unchanged) and not computable (with the
    missing input), rows written, seconds taken."""

    run_id: str
    computed: tuple[str, ...]
    skipped: tuple[str, ...]
    rows: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


def fingerprint(wh, ind: Indicator) -> str:
    """Row counts and latest load of the indicator's input tables plus the definition's hash."""
    parts = {"definition": repr(ind)}
    for t in ind.input_tables():
        parts[t] = f"{queries.table_rows(wh.con, t)}:{queries.latest_load_id(wh.con, t)}"
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()




def compute_indicator(cells: Cells, wh, ind: Indicator, parents: pl.DataFrame,
                      computed_at: datetime) -> pl.DataFrame:
    """All published rows of one indicator (suppressed values already blanked)."""
    res = estimate(cells, wh, ind)
    res = res.with_columns(indicator_id=pl.lit(ind.id),
                           value=pl.col("value").fill_nan(None))
    for c in ("lower_95", "upper_95", "lower_998", "upper_998"):
        res = res.with_columns(pl.col(c).fill_nan(None))
    # Rows that will not be published take no part in suppression: to a reader they are part
    # of the unpublished residual (e.g. the rest of Sweden under the nation).
    res = _synthetic_in_region(res, cells.frames.home_region, flag="_syn")
    res = _publish.suppress(res, ind, parents)
    res = _publish.compare(res, ind, parents)
    res = _publish.trend(res, ind)
    res = _publish.smooth(res, ind)
    res = _publish.round_pooled(_publish.blank_suppressed(res), ind)
    nation = res.filter(pl.col("area_level") == "nation", pl.col("breakdown") == "total")
    years = nation.select("year").unique().with_columns(_nat=pl.lit(True))
    res = res.join(years, on="year", how="left")
    no_nation = pl.col("nation_value").is_null() & (pl.col("area_level") != "nation")
    res = res.with_columns(
        computed_at=pl.lit(computed_at),
        synthetic=pl.col("_syn").fill_null(False),
        note=pl.concat_str([pl.col("note"), pl.when(pl.col("_fb")).then(pl.lit(FALLBACK_NOTE)),
                            pl.when(no_nation & pl.col("_nat").is_null()).then(pl.lit(NO_NATION))
                            .when(no_nation).then(
                                pl.lit("no national figure for this breakdown"))],
                           separator="; ", ignore_nulls=True).replace("", None))
    return res.select(COLUMNS)


def _synthetic_in_region(res: pl.DataFrame, home: str | None, *,
                         flag: str = "synthetic") -> pl.DataFrame:
    """Synthetic figures are published only for the region they were made for (the home
    region's areas) and the nation they are compared with: never for another area."""
    if home in (None, "SE"):
        return res
    inside = ((pl.col("area_level") == "nation")
              | (pl.col("area_level").is_in(["vardcentral", "regso", "deso"]))
              | (pl.col("area_code").str.slice(0, 2) == home))
    return res.filter(~pl.col(flag).fill_null(False) | inside)


def compute(warehouse, *, indicators: Iterable[str] | None = None, force: bool = False,
            progress: Progress | None = None, catalogue: Catalogue | None = None
            ) -> ComputeReport:
    """Compute the indicators (all by default) and replace their rows in ``observations``.

    An indicator whose input fingerprint is unchanged since the last run is skipped unless
    ``force``. Everything is written in one atomic load: a failure leaves the table as it was.
    """
    started = time.perf_counter()
    began = datetime.now(UTC).replace(tzinfo=None)
    report = progress or (lambda step, fraction: None)
    wh = warehouse
    wh.migrate()
    cat = catalogue or warehouse_catalogue(wh)
    ids = list(cat) if indicators is None else list(indicators)
    for i in ids:
        if i not in cat:
            raise InputError("indicators", i, f"catalogue ids, e.g. {sorted(cat)[:3]}")
    previous = queries.last_compute_fingerprints(wh.con)
    prints = {i: fingerprint(wh, cat[i]) for i in ids}
    todo = [i for i in ids if force or previous.get(i) != prints[i]]
    skipped = tuple(i for i in ids if i not in todo)
    parents = queries.area_parents(wh.con)
    cells = Cells(Frames(wh.ibis(), wh.home_region), [cat[i] for i in todo])
    missing = {i: why for i in todo if (why := missing_input(cells, wh, cat[i]))}
    gone = [i for i in todo if i in missing]
    todo = [i for i in todo if i not in missing]
    frames, timings = [], {}
    try:
        for k, i in enumerate(todo):
            report(i, k / max(len(todo), 1) * 0.9)
            t0 = time.perf_counter()
            frames.append(compute_indicator(cells, wh, cat[i], parents, began))
            timings[i] = time.perf_counter() - t0
    finally:
        cells.release()
    report("writing", 0.92)
    out = pl.concat(frames) if frames else None
    run_id = uuid.uuid4().hex[:12]
    rows = 0 if out is None else out.height
    with wh.load_session(f"jamlik compute {run_id}") as load:
        if todo or gone:
            queries.replace_indicator_rows(load, "observations", out, todo + gone)
        merged = {**{i: v for i, v in previous.items() if i not in gone},
                  **{i: prints[i] for i in todo}}
        queries.record_compute_run(wh.con, run_id=run_id, started_at=began,
                                   finished_at=datetime.now(UTC).replace(tzinfo=None),
                                   indicators=todo, rows=rows, fingerprints=merged)
    report("done", 1.0)
    return ComputeReport(run_id=run_id, computed=tuple(todo), skipped=skipped, rows=rows,
                         seconds=time.perf_counter() - started, timings=timings,
                         missing=missing)


def warehouse_catalogue(wh, extra: Iterable[str] = ()) -> Catalogue:
    """The catalogue a warehouse is computed with: the shipped indicators, the region's own
    (``extra`` folders, e.g. ``$JAMLIK_CATALOGUE``) and one survey indicator per survey question
    loaded without a catalogue file of its own."""
    from jamlik.model.catalogue import with_survey_questions

    base = load_catalogue(extra_dirs=tuple(str(e) for e in extra))
    return with_survey_questions(base, queries.survey_questions(wh.con))
