"""Inequality summary measures for every indicator × year × area × dimension.

The engine reads the published (non-suppressed) rows of ``observations``, forms one *group set*
per indicator × year × area × dimension — a breakdown (ordered: education, income quintile,
RegSO area type; unordered: sex, birth region) or the child areas of the area
(``subareas:<level>``: DeSO and RegSO within a kommun, kommuner within a län, län within the
nation, using the children's total rows) — and computes every measure of
:mod:`jamlik.equity` that applies, into the ``inequalities`` table.

The measures are the same as :func:`jamlik.equity.compute_all` gives (the tests check this to
1e-9), but computed for all group sets with the same number of subgroups at once in numpy
(:func:`batch_measures`), because one call per set (~10⁵ sets) would take minutes.

>>> from jamlik.engine.inequalities import compute_inequalities  # doctest: +SKIP
>>> report = compute_inequalities(warehouse)                      # doctest: +SKIP
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import polars as pl
from scipy.special import expit, ndtr, ndtri

from jamlik.equity import applicable_measures
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
N_SIM_UNORDERED = 100  # jamlik.equity defaults (WHO's healthequal)
N_SIM_LINEAR = 1_000  # engine choice (jamlik.equity default 10 000); see docs/equity.md
SEED = 123456
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


# -- vectorised measures -------------------------------------------------------------------------
def _rows(name, est, se, lower, upper, method) -> dict[str, np.ndarray]:
    n = np.size(est)
    m = np.broadcast_to(np.asarray(method, dtype=object), (n,)).copy()
    return {"measure": np.full(n, name, dtype=object), "estimate": np.asarray(est, float),
            "se": np.asarray(se, float), "lower": np.asarray(lower, float),
            "upper": np.asarray(upper, float), "ci_method": m}


def _analytic(name, est, se, z, ok=None) -> dict[str, np.ndarray]:
    """estimate ± z·se; ``none`` (all NaN) where se is not finite or ``ok`` is false."""
    est = np.asarray(est, float)
    se = np.asarray(se, float)
    fine = np.isfinite(se) if ok is None else np.isfinite(se) & ok
    se = np.where(fine, se, np.nan)
    return _rows(name, est, se, est - z * se, est + z * se,
                 np.where(fine, "analytic", "none"))


def _quantiles(values: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1.0 - confidence
    q = [alpha / 2, 1 - alpha / 2]
    if not np.isnan(values).any():
        lo, hi = np.quantile(values, q, axis=-1)
        return lo, hi
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows give NaN
        lo, hi = np.nanquantile(values, q, axis=-1)
    return lo, hi


def _truncated_draws(Y, S, scale: float, n_sim: int, seed: int) -> np.ndarray:
    """WHO's truncated-normal draws (n, n_sim, k), the same uniforms as ``equity._ci.draw``."""
    k = Y.shape[1]
    U = np.random.default_rng(seed).uniform(size=(n_sim, k))[None, :, :]
    Y, S = Y[:, None, :], S[:, None, :]
    sd = np.where(S > 0, S, 1.0)
    upper = scale if scale == 100 else np.inf
    pa, pb = ndtr((0.0 - Y) / sd), ndtr((upper - Y) / sd)
    x = Y + sd * ndtri(pa + U * (pb - pa))
    return np.where(S > 0, x, Y)


def _unordered_statistics(E, W, favourable: bool, ref: np.ndarray) -> dict[str, np.ndarray]:
    """Every unordered complex measure of draws/estimates ``E`` (..., n, k), shares ``W``."""
    mean = (E * W).sum(-1)
    dev = E - mean[..., None]
    bgv = (dev**2 * W).sum(-1)
    best = E.max(-1) if favourable else E.min(-1)
    Ep = np.where(E == 0, 1e-6, E)
    meanp = (Ep * W).sum(-1)
    ratio = Ep / meanp[..., None]
    idx = np.maximum(ref, 0).reshape((-1,) + (1,) * (E.ndim - 1))
    idx = np.broadcast_to(idx, (*E.shape[:-1], 1))
    refv = np.take_along_axis(E, idx, -1)[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "bgv": bgv, "bgsd": np.sqrt(bgv), "cov": 100.0 * np.sqrt(bgv) / mean,
            "ti": 1000.0 * (ratio * np.log(ratio) * W).sum(-1),
            "mld": 1000.0 * (-np.log(ratio) * W).sum(-1),
            "idisu": 100.0 * np.abs(dev).mean(-1) / mean,
            "idisw": 100.0 * (np.abs(dev) * W).sum(-1) / mean,
            "mdbu": np.abs(E - best[..., None]).mean(-1),
            "mdbw": (np.abs(E - best[..., None]) * W).sum(-1),
            "mdmu": np.abs(dev).mean(-1), "mdmw": (np.abs(dev) * W).sum(-1),
            "mdru": np.abs(E - refv[..., None]).mean(-1),
            "mdrw": (np.abs(E - refv[..., None]) * W).sum(-1),
        }


def _unordered_se(Y, S, W) -> dict[str, np.ndarray]:
    """Analytic se of BGV (Ahn et al. 2018), TI and MLD (delta method), as jamlik.equity."""
    s2 = S**2
    mean = (W * Y).sum(-1)
    dev2 = (Y - mean[:, None]) ** 2
    var = 4 * (W**2 * s2 * dev2).sum(-1) + 2 * (
        (W**2 * s2).sum(-1) ** 2 - (W**4 * s2**2).sum(-1) + (W**2 * (1 - W) ** 2 * s2**2).sum(-1))
    Yp = np.where(Y == 0, 1e-6, Y)
    meanp = (W * Yp).sum(-1)
    ratio = Yp / meanp[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = (ratio * (1 + np.log(ratio)) * W).sum(-1)
        ti = 1000.0 * np.sqrt((((1 + np.log(ratio) - centre[:, None]) ** 2) * W**2 * s2).sum(-1)) \
            / meanp
        mld = 1000.0 * np.sqrt((s2 * W**2 / meanp[:, None] ** 2
                                * (1 - 1 / ratio) ** 2).sum(-1))
    return {"bgv": np.sqrt(var), "ti": ti, "mld": mld}


def _logit_fit(x, p, w, max_iter: int = 100, tol: float = 1e-12):
    """Batched quasi-binomial IRLS with HC1 covariance (as ``equity._regression.logit_fit``)."""
    n, k = x.shape

    def solve(ww, z):
        a, b, c = ww.sum(1), (ww * x).sum(1), (ww * x * x).sum(1)
        r0, r1 = (ww * z).sum(1), (ww * x * z).sum(1)
        det = a * c - b * b
        return np.stack([(c * r0 - b * r1) / det, (a * r1 - b * r0) / det], 1)

    pc = np.clip(p, 1e-6, 1 - 1e-6)
    beta = solve(w, np.log(pc / (1 - pc)))
    done = np.zeros(n, bool)
    for _ in range(max_iter):
        eta = beta[:, :1] + beta[:, 1:] * x
        mu = expit(eta)
        v = mu * (1 - mu)
        with np.errstate(divide="ignore", invalid="ignore"):
            new = solve(w * v, eta + (p - mu) / v)
        step = np.abs(new - beta).max(1) < tol * (1 + np.abs(beta).max(1))
        beta = np.where(done[:, None], beta, new)
        done |= step
        if done.all():
            break
    mu = expit(beta[:, :1] + beta[:, 1:] * x)
    ww = w * mu * (1 - mu)
    a, b, c = ww.sum(1), (ww * x).sum(1), (ww * x * x).sum(1)
    det = a * c - b * b
    bread = np.stack([np.stack([c, -b], -1), np.stack([-b, a], -1)], -2) / det[:, None, None]
    u = w * (p - mu)
    meat = np.stack([np.stack([(u * u).sum(1), (u * u * x).sum(1)], -1),
                     np.stack([(u * u * x).sum(1), (u * u * x * x).sum(1)], -1)], -2)
    cov = bread @ meat @ bread * k / (k - 2)
    return beta, cov


def _ordered_measures(P, Y, S, has_se, scale, method, confidence, z) -> dict[str, dict]:
    """SII, RII, ACI, RCI for sets already sorted from most to least disadvantaged."""
    out: dict[str, dict] = {}
    cum = np.cumsum(P, 1)
    rank = (cum - P / 2.0) / cum[:, -1:]
    W = P / P.sum(1, keepdims=True)
    flat = np.ptp(Y, axis=1) == 0
    # ACI / RCI: WLS of 2σ²·y (or 2σ²·y/μ) on rank with population weights; classical se.
    sigma2 = (W * (rank - 0.5) ** 2).sum(1)
    mean = (W * Y).sum(1)
    xm = (P * rank).sum(1) / P.sum(1)
    dx = rank - xm[:, None]
    sxx = (P * dx * dx).sum(1)
    for name, yy in (("aci", 2 * sigma2[:, None] * Y),
                     ("rci", 2 * sigma2[:, None] * Y / mean[:, None])):
        slope = (yy * P * dx).sum(1) / sxx
        b0 = (yy * P).sum(1) / P.sum(1) - slope * xm
        resid = yy - b0[:, None] - slope[:, None] * rank
        se = np.sqrt((P * resid**2).sum(1) / (Y.shape[1] - 2) / sxx)
        out[name] = _analytic(name, slope, se, z)
    if method == "logit":
        p = Y / scale
        bad = ((p < 0) | (p > 1)).any(1) | flat
        counts = (P >= 1).all(1)[:, None]
        nn = np.ceil(P)
        p = np.where(counts, np.round(p * nn) / np.where(counts, nn, 1.0), p)
        w = np.where(counts, nn * nn, P * P)
        beta, cov = _logit_fit(rank, np.where(bad[:, None], 0.5, p), w)
        p0, p1 = expit(beta[:, 0]), expit(beta[:, 0] + beta[:, 1])
        g = np.stack([p1 * (1 - p1) - p0 * (1 - p0), p1 * (1 - p1)], 1)
        se = np.sqrt(np.einsum("ni,nij,nj->n", g, cov, g))
        sii = _analytic("sii", (p1 - p0) * scale, se * scale, z)
        sii["ci_method"][:] = "delta_hc1"
        g = np.stack([(1 - p1) - (1 - p0), 1 - p1], 1)
        lse = np.sqrt(np.einsum("ni,nij,nj->n", g, cov, g))
        fine = np.isfinite(lse)
        lse = np.where(fine, lse, np.nan)
        rii = _rows("rii", p1 / p0, lse, np.exp(np.log(p1 / p0) - z * lse),
                    np.exp(np.log(p1 / p0) + z * lse), "delta_hc1")
    else:
        bad = flat
        c = P * dx / sxx[:, None]
        b1 = (Y * c).sum(1)
        b0 = (Y * P).sum(1) / P.sum(1) - b1 * xm
        Zs = np.random.default_rng(SEED).normal(0.0, 1.0, size=(N_SIM_LINEAR, Y.shape[1]))
        s1 = b1[:, None] + (np.nan_to_num(S) * c) @ Zs.T  # (n, n_sim)
        ym = (Y * P).sum(1) / P.sum(1)
        s0 = ym[:, None] + (np.nan_to_num(S) * W) @ Zs.T - s1 * xm[:, None]
        lo, hi = _quantiles(s1, confidence)
        method_ = np.where(has_se, "simulation", "none")
        nan = np.full(b1.size, np.nan)
        sii = _rows("sii", b1, nan, np.where(has_se, lo, np.nan), np.where(has_se, hi, np.nan),
                    method_)
        with np.errstate(divide="ignore", invalid="ignore"):
            rv = np.where(b0 != 0, (b0 + b1) / b0, np.nan)
            lo, hi = _quantiles((s0 + s1) / s0, confidence)
        rii = _rows("rii", rv, nan, np.where(has_se, lo, np.nan), np.where(has_se, hi, np.nan),
                    method_)
    for name, res in (("sii", sii), ("rii", rii)):
        res["estimate"] = np.where(bad, np.nan, res["estimate"])
        res["skip"] = bad
        out[name] = res
    return out


CHUNK = 1000  # group sets per numpy batch (bounds the memory of the simulations)


def batch_measures(P, Y, S, R, ref, *, ordered: bool, scale: float, favourable: bool,
                   sii_method: str, confidence: float = 0.95) -> dict[str, dict]:
    """Every measure of :mod:`jamlik.equity` for ``n`` group sets of ``k`` subgroups each.

    ``P, Y, S`` (n × k) population, estimate and se (NaN = unknown: no interval for the set, as
    in WHO's HEAT); ``R`` (n × k) ranks for ordered sets; ``ref`` (n,) index of the reference
    subgroup or −1. Returns ``{measure: {column: array(n)}}`` with an optional boolean ``skip``
    for sets where the measure cannot be computed (the equity function would raise).
    """
    P, Y, S, R = (np.asarray(a, float) for a in (P, Y, S, R))
    ref = np.asarray(ref, int)
    args = {"ordered": ordered, "scale": float(scale), "favourable": bool(favourable),
            "sii_method": sii_method, "confidence": confidence}
    parts = []
    with np.errstate(all="ignore"):
        for i in range(0, Y.shape[0], CHUNK):
            sl = slice(i, i + CHUNK)
            parts.append(_batch(P[sl], Y[sl], S[sl], R[sl], ref[sl], **args))
    if len(parts) == 1:
        return parts[0]
    return {m: {c: np.concatenate([p[m][c] for p in parts]) for c in parts[0][m]}
            for m in parts[0]}


def _batch(P, Y, S, R, ref, *, ordered, scale, favourable, sii_method, confidence):
    n, k = Y.shape
    z = float(ndtri(1 - (1 - confidence) / 2))
    has_se = np.isfinite(S).all(1)
    Sx = np.where(has_se[:, None], S, np.nan)
    rows = np.arange(n)
    if ordered:
        idx = np.argsort(R, axis=1, kind="stable")
        P, Y, Sx = (np.take_along_axis(a, idx, 1) for a in (P, Y, Sx))
        top, bottom = np.full(n, k - 1), np.zeros(n, int)
        i1, i2 = (top, bottom) if favourable else (bottom, top)
        iref = top
    else:
        hi, lo = Y.argmax(1), Y.argmin(1)
        has_ref = ref >= 0
        if favourable:
            i1, i2 = np.where(has_ref, ref, hi), lo
        else:
            i1, i2 = hi, np.where(has_ref, ref, lo)
        iref = np.where(has_ref, ref, hi if favourable else lo)
    out: dict[str, dict] = {}
    y1, y2 = Y[rows, i1], Y[rows, i2]
    out["d"] = _analytic("d", y1 - y2, np.hypot(Sx[rows, i1], Sx[rows, i2]), z)
    with np.errstate(divide="ignore", invalid="ignore"):
        rv = np.where(y2 != 0, y1 / y2, np.nan)
        lse = np.sqrt(Sx[rows, i1] ** 2 / y1**2 + Sx[rows, i2] ** 2 / y2**2)
        ok = np.isfinite(rv) & (rv > 0) & np.isfinite(lse)
        lse = np.where(ok, lse, np.nan)
        out["r"] = _rows("r", rv, lse, np.exp(np.log(rv) - z * lse),
                         np.exp(np.log(rv) + z * lse), np.where(ok, "analytic", "none"))
    if k < 3:
        return out
    # PAR / PAF with Walter's (1978) variance from the implied 2×2 table.
    W = P / P.sum(1, keepdims=True)
    mean = (W * Y).sum(1)
    y_ref = Y[rows, iref]
    diff = y_ref - mean
    worse = diff < 0 if favourable else diff > 0
    value = np.where(worse, 0.0, diff)
    n_total, n_ref = P.sum(1), P[rows, iref]
    c = y_ref / scale * n_ref
    dd = n_ref - c
    a = mean / scale * n_total - c
    b = n_total - a - n_ref
    nn = a + b + c + dd
    with np.errstate(divide="ignore", invalid="ignore"):
        var = c * nn * (a * dd * (nn - c) + b * c**2) / ((a + c) ** 3 * (c + dd) ** 3)
        paf_se = np.where(var >= 0, np.sqrt(np.abs(var)), np.nan)
        out["par"] = _analytic("par", value, np.abs(mean * paf_se), z)
        out["paf"] = _analytic("paf", 100.0 * value / mean, 100.0 * paf_se, z)
    if ordered:
        out.update(_ordered_measures(P, Y, Sx, has_se, scale, sii_method, confidence, z))
        return out
    stats_ = _unordered_statistics(Y, W, favourable, ref)
    ses = _unordered_se(Y, Sx, W)
    for name in ("bgv", "ti", "mld"):
        out[name] = _analytic(name, stats_[name], ses[name], z, ok=has_se)
    sims = _unordered_statistics(_truncated_draws(Y, np.nan_to_num(Sx), scale, N_SIM_UNORDERED,
                                                  SEED), W[:, None, :], favourable, ref)
    for name in ("bgsd", "cov", "idisu", "idisw", "mdbu", "mdbw", "mdmu", "mdmw", "mdru",
                 "mdrw"):
        lo, hi = _quantiles(sims[name], confidence)
        res = _rows(name, stats_[name], np.full(n, np.nan), np.where(has_se, lo, np.nan),
                    np.where(has_se, hi, np.nan), np.where(has_se, "simulation", "none"))
        if name in ("mdru", "mdrw"):
            res["skip"] = ref < 0
        out[name] = res
    return out


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
_USES_REFERENCE = ("d", "r", "par", "paf", "mdru", "mdrw")


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
    names, cols, keeps = [], {c: [] for c in ("estimate", "se", "lower", "upper",
                                             "ci_method")}, []
    notes, refs = [], []
    for spec in applicable_measures(ordered, k, has_reference=True):
        r = res[spec.name]
        keep = valid & ~r.get("skip", np.zeros(n, bool))
        if spec.needs_reference:
            keep &= ref >= 0
        names.append(spec.name)
        keeps.append(keep)
        for c in cols:
            cols[c].append(r[c])
        extra = f"SII/RII: {opts['sii_method']}" if spec.name in ("sii", "rii") else None
        notes.extend(_join(m, opts["note"], extra) for m in missing)
        refs.append(reference if spec.name in _USES_REFERENCE and not ordered
                    else np.full(n, None))
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
