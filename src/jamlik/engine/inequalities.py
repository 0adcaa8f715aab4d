"""Inequality summary measures for every indicator × year × area × dimension.

The engine reads the published (non-suppressed) rows of ``observations``, forms one *group set*
per indicator × year × area × dimension — a breakdown (ordered: education, income quintile,
RegSO area type; unordered: sex, birth region) or the child areas of the area
(``subareas:<level>``: DeSO and RegSO within a kommun, kommuner within a län, län within the
nation, using the children's total rows) — and computes every measure of
:mod:`jamlik.equity` that applies, into the ``inequalities`` table.

Each measure is :mod:`jamlik.equity`'s own array function (``MeasureSpec.array``, the one the
single-set functions call), called for all group sets of the same indicator, type and size at
once (:func:`batch_measures`), because one call per set (~10⁵ sets) would take minutes.

>>> from jamlik.engine.inequalities import compute_inequalities  # doctest: +SKIP
>>> report = compute_inequalities(warehouse)                      # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import polars as pl
from scipy.special import ndtri

from jamlik.equity import Columns, GroupSets, MeasureSpec, applicable_measures
from jamlik.model.breakdowns import BREAKDOWNS
from jamlik.model.catalogue import Catalogue, Indicator, load_catalogue
from jamlik.model.errors import InputError
from jamlik.store import queries

__all__ = [
    "INEQUALITY_COLUMNS",
    "SUBAREAS",
    "InequalityReport",
    "batch_measures",
    "compute_inequalities",
    "group_sets",
    "indicator_options",
    "inequalities_frame",
]

#: The breakdown dimensions the measures compare (:data:`jamlik.model.breakdowns.BREAKDOWNS`):
#: ordered ones by the ranks of their levels (an unknown group, e.g. education 'missing', is
#: left out), unordered ones against their reference group where they have one.
COMPARED = tuple(b for b in BREAKDOWNS.values() if b.compared)
#: Sub-area dimensions: (child level, parent level); the parent is the area of the set.
SUBAREAS = (("deso", "kommun"), ("regso", "kommun"), ("kommun", "lan"), ("lan", "nation"))

Z95 = float(ndtri(0.975))
#: Simulation draws per set at most: the unordered measures' 100 (WHO's default), 1 000 for the
#: linear SII/RII (the single-set default is 10 000); see docs/equity.md.
MAX_N_SIM = 1_000
SEED = 123456  # WHO's healthequal default seed
CHUNK = 1000  # group sets per numpy batch (bounds the memory of the simulations)
SET_KEY = ["indicator_id", "year", "area_level", "area_code", "dimension"]
INEQUALITY_COLUMNS = [
    "indicator_id", "year", "period", "area_level", "area_code", "dimension", "ordered",
    "measure", "estimate", "se", "lower", "upper", "ci_method", "confidence", "n_groups",
    "n_missing", "reference_group", "favourable", "scale", "note", "computed_at"]
Progress = Callable[[str, float], None]


@dataclass(frozen=True, slots=True)
class InequalityReport:
    """What :func:`compute_inequalities` did."""

    indicators: tuple[str, ...]
    group_sets: int
    rows: int
    seconds: float


def indicator_options(ind: Indicator) -> dict[str, object]:
    """scale, favourable, SII/RII method and a note for one indicator.

    ``favourable`` comes from the polarity; 'no_judgement' is treated as higher-is-not-better
    (and said so in the note). SII/RII use WHO's logistic model for proportions on a
    percentage scale and the linear (WLS) model for everything else.
    """
    notes = []
    favourable = ind.polarity == "high_is_good"
    if ind.polarity == "no_judgement":
        notes.append("polarity no_judgement: computed as if higher is not better")
    logit = ind.method in ("proportion", "survey_proportion") and ind.multiplier == 100
    return {"scale": float(ind.multiplier), "favourable": favourable,
            "sii_method": "logit" if logit else "linear", "note": "; ".join(notes) or None}


# -- group sets from observations --------------------------------------------------------------
def group_sets(obs: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """One row per subgroup of every group set, from ``observations`` rows.

    ``areas`` has columns ``code, level, parent`` (the parent at the level named by
    :data:`SUBAREAS`). Returns ``indicator_id, year, period, area_level, area_code, dimension,
    ordered, group_value, order, pop, est, se, lower, upper, usable`` where ``usable`` is false for
    suppressed rows or rows without a value (kept to count what is missing).
    """
    se = (pl.col("upper_95") - pl.col("lower_95")) / (2 * Z95)
    base = obs.select(
        "indicator_id", "year", "period", "area_level", "area_code", "breakdown", "group_value",
        pop=pl.col("denominator").cast(pl.Float64), est=pl.col("value").cast(pl.Float64),
        se=se.cast(pl.Float64), lower=pl.col("lower_95").cast(pl.Float64),
        upper=pl.col("upper_95").cast(pl.Float64),
        usable=(~pl.col("suppressed")) & pl.col("value").is_not_null()
        & pl.col("value").is_not_nan() & pl.col("denominator").is_not_null())
    parts = []
    for b in (b for b in COMPARED if b.ordered):
        rank = pl.col("group_value").replace_strict(b.ranks, default=None, return_dtype=pl.Int32)
        part = base.filter(pl.col("breakdown") == b.name).with_columns(order=rank)
        parts.append(part.filter(pl.col("order").is_not_null())
                     .with_columns(ordered=pl.lit(True)))
    parts.append(base.filter(pl.col("breakdown").is_in([b.name for b in COMPARED
                                                        if not b.ordered]))
                 .with_columns(order=pl.lit(None, pl.Int32), ordered=pl.lit(False)))
    parts = [p.rename({"breakdown": "dimension"}) for p in parts]
    totals = base.filter(pl.col("breakdown") == "total")
    for child, parent in SUBAREAS:
        key = areas.filter(pl.col("level") == child).select(
            area_code="code", _parent="parent")
        kids = totals.filter(pl.col("area_level") == child).join(key, on="area_code")
        parts.append(kids.select(
            "indicator_id", "year", "period", pl.lit(parent).alias("area_level"),
            pl.col("_parent").alias("area_code"), pl.lit(f"subareas:{child}").alias("dimension"),
            pl.col("area_code").alias("group_value"), "pop", "est", "se", "lower", "upper",
            "usable",
            order=pl.lit(None, pl.Int32), ordered=pl.lit(False)))
    cols = ["indicator_id", "year", "period", "area_level", "area_code", "dimension", "ordered",
            "group_value", "order", "pop", "est", "se", "lower", "upper", "usable"]
    return pl.concat([p.select(cols) for p in parts], how="vertical_relaxed").sort(
        [*SET_KEY, "order", "group_value"], nulls_last=True)


# -- measures of many sets ----------------------------------------------------------------------
def _options(spec: MeasureSpec, sii_method: str) -> dict[str, object]:
    """The engine's options for one measure: SII/RII ``method``, at most :data:`MAX_N_SIM`
    simulation draws, the fixed seed."""
    chosen: dict[str, object] = {"method": sii_method, "seed": SEED}
    out = {key: value for key, value in chosen.items() if key in spec.options}
    if "n_sim" in spec.options:
        out["n_sim"] = min(int(spec.options["n_sim"]), MAX_N_SIM)  # type: ignore[call-overload]
    return out


def batch_measures(P, Y, S, R, ref, *, ordered: bool, scale: float, favourable: bool,
                   sii_method: str, confidence: float = 0.95) -> dict[str, Columns]:
    """Every applicable measure of :mod:`jamlik.equity` for ``n`` group sets of ``k`` subgroups.

    ``P, Y, S`` (n × k) population, estimate and se (NaN = unknown: no interval for the set, as
    in WHO's HEAT); ``R`` (n × k) ranks for ordered sets; ``ref`` (n,) index of the reference
    subgroup or −1. Each measure's array function is called for :data:`CHUNK` sets at a time;
    ``Columns.skip`` marks the sets where a measure is not defined (the single-set function
    would raise).
    """
    P, Y, S, R = (np.asarray(a, float) for a in (P, Y, S, R))
    ref = np.asarray(ref, int)
    specs = applicable_measures(ordered, Y.shape[1], has_reference=True)
    parts: dict[str, list[Columns]] = {spec.name: [] for spec in specs}
    with np.errstate(all="ignore"):
        for i in range(0, Y.shape[0], CHUNK):
            sl = slice(i, i + CHUNK)
            sets = GroupSets.of(P[sl], Y[sl], S[sl], R[sl] if ordered else None, ref[sl],
                                scale=scale, favourable=favourable, confidence=confidence)
            for spec in specs:
                parts[spec.name].append(spec.array(sets, **_options(spec, sii_method)))
    return {name: Columns.concat(columns) for name, columns in parts.items()}


# -- the table -----------------------------------------------------------------------------------
def inequalities_frame(obs: pl.DataFrame, areas: pl.DataFrame, catalogue: Catalogue, *,
                       confidence: float = 0.95, computed_at: datetime | None = None,
                       progress: Progress | None = None) -> pl.DataFrame:
    """The ``inequalities`` rows (without ``load_id``) for the observations given."""
    computed_at = computed_at or datetime.now(UTC).replace(tzinfo=None)
    report = progress or (lambda step, fraction: None)
    groups = group_sets(obs, areas)
    usable = groups.filter(pl.col("usable"))
    sets = groups.group_by(SET_KEY, maintain_order=True).agg(
        pl.col("period").first(), pl.col("ordered").first(),
        n_missing=(~pl.col("usable")).sum().cast(pl.Int16),
        missing=pl.col("group_value").filter(~pl.col("usable")))
    agg = usable.group_by(SET_KEY, maintain_order=True).agg(
        "group_value", "order", "pop", "est", "se", k=pl.len())
    sets = sets.join(agg, on=SET_KEY, how="inner").filter(pl.col("k") >= 2)
    pieces = []
    ids = sets["indicator_id"].unique(maintain_order=True).to_list()
    for j, ind_id in enumerate(ids):
        report(ind_id, j / max(len(ids), 1))
        opts = indicator_options(catalogue[ind_id])
        one = sets.filter(pl.col("indicator_id") == ind_id)
        for (ordered, k), part in one.group_by("ordered", "k"):
            pieces.append(_bucket(part, bool(ordered), int(k), opts, confidence))
    pieces = [p for p in pieces if p.height]
    if not pieces:
        return pl.DataFrame(schema=_SCHEMA)
    out = pl.concat(pieces, how="vertical_relaxed")
    return out.with_columns(
        confidence=pl.lit(confidence), computed_at=pl.lit(computed_at),
        estimate=pl.col("estimate").fill_nan(None), se=pl.col("se").fill_nan(None),
        lower=pl.col("lower").fill_nan(None), upper=pl.col("upper").fill_nan(None),
        year=pl.col("year").cast(pl.Int16), n_groups=pl.col("n_groups").cast(pl.Int16),
    ).select(INEQUALITY_COLUMNS)


_SCHEMA = {"indicator_id": pl.Utf8, "year": pl.Int16, "period": pl.Utf8, "area_level": pl.Utf8,
           "area_code": pl.Utf8, "dimension": pl.Utf8, "ordered": pl.Boolean,
           "measure": pl.Utf8, "estimate": pl.Float64, "se": pl.Float64, "lower": pl.Float64,
           "upper": pl.Float64, "ci_method": pl.Utf8, "confidence": pl.Float64,
           "n_groups": pl.Int16, "n_missing": pl.Int16, "reference_group": pl.Utf8,
           "favourable": pl.Boolean, "scale": pl.Float64, "note": pl.Utf8,
           "computed_at": pl.Datetime("us")}


def _matrix(part: pl.DataFrame, column: str, n: int, k: int) -> np.ndarray:
    return part[column].explode().cast(pl.Float64).to_numpy().reshape(n, k)


def _bucket(part: pl.DataFrame, ordered: bool, k: int, opts: dict, confidence: float
            ) -> pl.DataFrame:
    """All measures of the group sets in ``part`` (same indicator, type and size ``k``)."""
    n = part.height
    P, Y, S = (_matrix(part, c, n, k) for c in ("pop", "est", "se"))
    R = _matrix(part, "order", n, k) if ordered else np.zeros((n, k))
    G = np.asarray(part["group_value"].explode().to_list(), dtype=object).reshape(n, k)
    ref = np.full(n, -1)
    dims = part["dimension"].to_numpy()
    if not ordered:
        for dim, name in ((b.name, b.reference) for b in COMPARED if b.reference):
            hit = np.equal(G, name) & (dims == dim)[:, None]
            ref = np.where(hit.any(1), hit.argmax(1), ref)
    res = batch_measures(P, Y, S, R, ref, ordered=ordered, scale=opts["scale"],
                         favourable=opts["favourable"], sii_method=opts["sii_method"],
                         confidence=confidence)
    missing = [None if not m else "left out (suppressed or no value): " + ", ".join(m)
               for m in part["missing"].to_list()]
    reference = np.where(ref >= 0, G[np.arange(n), np.maximum(ref, 0)], None)
    valid = P.sum(1) > 0
    names, keeps, notes, refs = [], [], [], []
    cols: dict[str, list[np.ndarray]] = {c: [] for c in ("estimate", "se", "lower", "upper",
                                                         "ci_method")}
    for spec in applicable_measures(ordered, k, has_reference=True):
        r = res[spec.name]
        names.append(spec.name)
        keeps.append(valid & ~r.skip)
        for c, values in (("estimate", r.estimate), ("se", r.se), ("lower", r.lower),
                          ("upper", r.upper), ("ci_method", r.method)):
            cols[c].append(values)
        extra = f"SII/RII: {opts['sii_method']}" if spec.name in ("sii", "rii") else None
        notes.extend(_join(m, opts["note"], extra) for m in missing)
        refs.append(reference if spec.uses_reference and not ordered else np.full(n, None))
    m = len(names)
    keys = part.select(*SET_KEY, "period", "ordered", "n_missing")
    frame = pl.concat([keys] * m).with_columns(
        measure=pl.Series(np.repeat(names, n).tolist(), dtype=pl.Utf8),
        **{c: pl.Series(np.concatenate(cols[c]).astype(float), dtype=pl.Float64)
           for c in ("estimate", "se", "lower", "upper")},
        ci_method=pl.Series(np.concatenate(cols["ci_method"]).astype(str).tolist(),
                            dtype=pl.Utf8),
        n_groups=pl.lit(k, dtype=pl.Int16),
        reference_group=pl.Series(np.concatenate(refs).tolist(), dtype=pl.Utf8),
        favourable=pl.lit(opts["favourable"]), scale=pl.lit(opts["scale"]),
        note=pl.Series(notes, dtype=pl.Utf8))
    return frame.filter(pl.Series(np.concatenate(keeps)))


def _join(*parts: str | None) -> str | None:
    text = "; ".join(p for p in parts if p)
    return text or None


#: The columns of ``observations`` :func:`group_sets` reads.
GROUP_SET_INPUT = ("indicator_id", "year", "period", "area_level", "area_code", "breakdown",
                   "group_value", "denominator", "value", "lower_95", "upper_95", "suppressed")


def _observations(wh, ids: list[str], *extra: str) -> pl.DataFrame:
    """The :data:`GROUP_SET_INPUT` columns (and ``extra``) of the indicators' rows, without the
    age groups (no equity dimension)."""
    return queries.observations_for(wh.con, ids, (*GROUP_SET_INPUT, *extra),
                                    except_breakdowns=("age_group",))


def compute_inequalities(warehouse, *, indicators: Iterable[str] | None = None,
                         catalogue: Catalogue | None = None, confidence: float = 0.95,
                         progress: Progress | None = None) -> InequalityReport:
    """Compute the ``inequalities`` table from ``observations`` (all indicators by default).

    The rows of the indicators computed are replaced in one atomic load.
    """
    started = time.perf_counter()
    cat = catalogue or load_catalogue()
    wh = warehouse
    wh.migrate()
    ids = _indicator_ids(wh, cat, indicators)
    frame = inequalities_frame(_observations(wh, ids), queries.area_ancestors(wh.con, SUBAREAS),
                               cat, confidence=confidence, progress=progress)
    _write(wh, "inequalities", frame, ids, "jamlik equity inequalities")
    n_sets = frame.select(SET_KEY).unique().height if frame.height else 0
    return InequalityReport(tuple(ids), n_sets, frame.height, time.perf_counter() - started)


def _indicator_ids(wh, cat: Catalogue, indicators: Iterable[str] | None) -> list[str]:
    present = queries.observed_indicator_ids(wh.con)
    if indicators is None:
        return [i for i in cat if i in present]
    ids = list(indicators)
    for i in ids:
        if i not in cat:
            raise InputError("indicators", i, f"catalogue ids, e.g. {sorted(cat)[:3]}")
    return ids


def _write(wh, table: str, frame: pl.DataFrame, ids: list[str], source: str) -> None:
    """Replace the rows of ``ids`` in ``table`` in one transaction and stamp the load id."""
    with wh.load_session(source) as load:
        queries.replace_indicator_rows(load, table, frame, ids)
