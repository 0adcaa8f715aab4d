"""Kaplan–Meier survival and Aalen–Johansen cumulative incidence, per group, vectorised.

Both estimators are computed for all groups at once from one sort: counts per distinct
(group, time), numbers at risk from cumulative removals, products and sums as cumulative sums
within groups. No Python loop over groups or times.

* Kaplan–Meier variance: Greenwood. Confidence intervals: ``log-log`` (default; Kalbfleisch &
  Prentice, keeps the interval in [0, 1]), ``log`` (R ``survfit`` default) or ``plain``.
* Aalen–Johansen cumulative incidence for cause *k*: F_k(t) = Σ_{t_j ≤ t} S(t_{j−1}) d_kj / n_j,
  where S is the all-cause Kaplan–Meier curve. Variance by the delta method (Greenwood type;
  Marubini & Valsecchi 1995, Collett 2015 §12.2, SAS PROC LIFETEST)::

      Var F_k(t) = Σ [F_k(t) − F_k(t_j)]² d_j / (n_j (n_j − d_j))
                 + Σ S(t_{j−1})² d_kj (n_j − d_kj) / n_j³
                 − 2 Σ [F_k(t) − F_k(t_j)] S(t_{j−1}) d_kj / n_j²

  With a single cause this equals Greenwood's variance of 1 − S. Confidence intervals on the
  log(−log F) scale (Pintilie 2006, ``F^exp(±z·se/(F·log F))``), or ``log``/``plain``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.stats import norm

from jamlik.model.errors import InputError

CONF_TYPES = ("log-log", "log", "plain")


@dataclass(frozen=True)
class _Steps:
    """Distinct (group, time) steps, sorted by group then time."""

    group: np.ndarray
    time: np.ndarray
    n_risk: np.ndarray
    d_all: np.ndarray
    d_cause: np.ndarray  # events of the cause of interest (== d_all for KM)
    group_size: np.ndarray  # per group code
    start: np.ndarray  # index of each step's group's first step


def _validate(time, event, group):
    t = np.asarray(time, dtype=float)
    e = np.asarray(event)
    if t.ndim != 1 or e.shape != t.shape:
        raise InputError("event", f"shape {e.shape}", f"one event code per time (shape {t.shape})")
    if t.size == 0:
        raise InputError("time", "[]", "at least one observation")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        bad = t[~np.isfinite(t) | (t < 0)][0]
        raise InputError("time", float(bad), "finite, non-negative follow-up times")
    if not np.issubdtype(e.dtype, np.number) or np.any(e < 0) or np.any(e != np.round(e)):
        raise InputError("event", e[:5].tolist(), "integer codes: 0 = censored, 1, 2, … = event types")
    if group is None:
        labels, codes = np.array(["all"], dtype=object), np.zeros(t.size, dtype=np.int64)
    else:
        g = np.asarray(group, dtype=object)
        if g.shape != t.shape:
            raise InputError("group", f"shape {g.shape}", f"one group label per time (shape {t.shape})")
        if any(v is None for v in g):
            raise InputError("group", None, "no missing group labels (drop or label them first)")
        labels, codes = np.unique(g.astype(str), return_inverse=True)
    return t, e.astype(np.int64), labels, codes


def _steps(time: np.ndarray, event: np.ndarray, codes: np.ndarray, n_groups: int, cause: int | None) -> _Steps:
    order = np.lexsort((time, codes))
    g, t, e = codes[order], time[order], event[order]
    new = np.ones(t.size, dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (t[1:] != t[:-1])
    idx = np.flatnonzero(new)
    removed = np.add.reduceat(np.ones(t.size, dtype=np.int64), idx)
    d_all = np.add.reduceat((e > 0).astype(np.int64), idx)
    d_cause = d_all if cause is None else np.add.reduceat((e == cause).astype(np.int64), idx)
    sg, st = g[idx], t[idx]
    group_size = np.bincount(codes, minlength=n_groups)
    cum = np.cumsum(removed)
    first = np.ones(sg.size, dtype=bool)
    first[1:] = sg[1:] != sg[:-1]
    start = np.maximum.accumulate(np.where(first, np.arange(sg.size), 0))
    before_group = (cum - removed)[start]
    n_risk = group_size[sg] - (cum - removed - before_group)
    return _Steps(sg, st, n_risk, d_all, d_cause, group_size, start)


def _group_cumsum(x: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each group's first step (exact; tolerates −inf)."""
    frame = pl.DataFrame({"x": np.asarray(x, dtype=float), "g": start})
    return frame.select(pl.col("x").cum_sum().over("g")).to_series().to_numpy()


def _locate(steps: _Steps, codes: np.ndarray, times: np.ndarray, *, strict: bool = False) -> np.ndarray:
    """Index of the last step in the same group with time ≤ t (< t when ``strict``), or −1.

    Times are replaced by exact integer ranks so that (group, time) keys compare exactly.
    """
    uniq = np.unique(np.concatenate([steps.time, times]))
    width = uniq.size + 1
    key = steps.group.astype(np.int64) * width + np.searchsorted(uniq, steps.time)
    q = codes.astype(np.int64) * width + np.searchsorted(uniq, times)
    pos = np.searchsorted(key, q, side="left" if strict else "right") - 1
    ok = (pos >= 0) & (steps.group[np.clip(pos, 0, None)] == codes)
    return np.where(ok, pos, -1)


def _interval(value, se, z, conf_type, incidence):
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            lo, hi = value - z * se, value + z * se
        elif conf_type == "log":
            lo, hi = value * np.exp(-z * se / value), value * np.exp(z * se / value)
        else:
            k = np.exp(z * se / (value * np.log(value)))
            a, b = value ** k, value ** (1 / k)
            lo, hi = np.minimum(a, b), np.maximum(a, b)
        lo, hi = np.clip(lo, 0, 1), np.clip(hi, 0, 1)
        degenerate = (value <= 0) | (value >= 1) | ~np.isfinite(se)
        lo = np.where(degenerate, np.nan, lo)
        hi = np.where(degenerate, np.nan, hi)
    return lo, hi


def _tidy(labels, codes_q, times_q, value, se, lo, hi, n_persons, n_events, n_risk, confidence, statistic, method):
    return pl.DataFrame({
        "group": labels[codes_q].astype(str),
        "time": times_q.astype(float),
        "n_persons": n_persons.astype(np.int64),
        "n_at_risk": n_risk.astype(np.int64),
        "n_events": n_events.astype(np.int64),
        "value": value,
        "std_error": se,
        "lower": lo,
        "upper": hi,
        "confidence": np.full(value.size, confidence),
        "statistic": np.full(value.size, statistic, dtype=object).astype(str),
        "method": np.full(value.size, method, dtype=object).astype(str),
    })


def _queries(labels, times):
    tq = np.asarray(times, dtype=float)
    if tq.ndim != 1 or tq.size == 0 or not np.all(np.isfinite(tq)) or np.any(tq < 0):
        raise InputError("times", list(np.atleast_1d(tq))[:5], "a non-empty list of non-negative times")
    codes_q = np.repeat(np.arange(labels.size), tq.size)
    return codes_q, np.tile(tq, labels.size)


def _check_common(confidence, conf_type):
    if not (0 < confidence < 1):
        raise InputError("confidence", confidence, "a level between 0 and 1, e.g. 0.95")
    if conf_type not in CONF_TYPES:
        raise InputError("conf_type", conf_type, f"one of {', '.join(CONF_TYPES)}")
    return float(norm.ppf(0.5 + confidence / 2))


def kaplan_meier(time, event, group=None, *, times, confidence: float = 0.95,
                 conf_type: str = "log-log") -> pl.DataFrame:
    """Kaplan–Meier survival at ``times`` for each group (any event code > 0 is an event).

    Returns one row per group × time: group, time, n_persons, n_at_risk (just before t's step),
    n_events (cumulative to t), value, std_error (Greenwood), lower, upper, confidence,
    statistic, method.
    """
    z = _check_common(confidence, conf_type)
    t, e, labels, codes = _validate(time, event, group)
    s = _steps(t, e, codes, labels.size, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = _group_cumsum(np.log1p(-s.d_all / s.n_risk), s.start)
        gw_term = np.where(s.d_all > 0, s.d_all / (s.n_risk * (s.n_risk - s.d_all)), 0.0)
        gw = _group_cumsum(gw_term, s.start)
    surv = np.exp(log_s)
    codes_q, times_q = _queries(labels, times)
    pos = _locate(s, codes_q, times_q)
    hit = pos >= 0
    p = np.clip(pos, 0, None)
    value = np.where(hit, surv[p], 1.0)
    var_ratio = np.where(hit, gw[p], 0.0)
    with np.errstate(invalid="ignore"):
        se = np.where(value > 0, value * np.sqrt(var_ratio), np.nan)
    events = np.where(hit, _group_cumsum(s.d_all, s.start)[p], 0)
    risk = _at_risk(s, codes_q, times_q)
    lo, hi = _interval(value, se, z, conf_type, incidence=False)
    return _tidy(labels, codes_q, times_q, value, se, lo, hi, s.group_size[codes_q], events, risk,
                 confidence, "survival", f"Kaplan-Meier; Greenwood variance; {conf_type} CI")


def aalen_johansen(time, event, group=None, *, times, cause: int = 1, confidence: float = 0.95,
                   conf_type: str = "log-log") -> pl.DataFrame:
    """Aalen–Johansen cumulative incidence of ``cause`` (other codes > 0 compete) at ``times``."""
    z = _check_common(confidence, conf_type)
    t, e, labels, codes = _validate(time, event, group)
    if not isinstance(cause, int | np.integer) or cause < 1:
        raise InputError("cause", cause, "a positive event code")
    s = _steps(t, e, codes, labels.size, int(cause))
    n, d, dk = s.n_risk.astype(float), s.d_all.astype(float), s.d_cause.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = _group_cumsum(np.log1p(-d / n), s.start)
    surv = np.exp(log_s)
    lag = np.ones_like(surv)
    lag[1:] = surv[:-1]
    lag[s.start == np.arange(surv.size)] = 1.0
    f = _group_cumsum(lag * dk / n, s.start)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where((d > 0) & (n > d), d / (n * (n - d)), 0.0)
    b = lag**2 * dk * (n - dk) / n**3
    c = lag * dk / n**2
    A0, A1, A2 = (_group_cumsum(x, s.start) for x in (a, a * f, a * f * f))
    B, C0, C1 = (_group_cumsum(x, s.start) for x in (b, c, c * f))
    codes_q, times_q = _queries(labels, times)
    pos = _locate(s, codes_q, times_q)
    hit = pos >= 0
    p = np.clip(pos, 0, None)
    F = np.where(hit, f[p], 0.0)
    var = F**2 * A0[p] - 2 * F * A1[p] + A2[p] + B[p] - 2 * F * C0[p] + 2 * C1[p]
    se = np.where(hit, np.sqrt(np.clip(var, 0, None)), 0.0)
    events = np.where(hit, _group_cumsum(s.d_cause, s.start)[p], 0)
    risk = _at_risk(s, codes_q, times_q)
    lo, hi = _interval(F, se, z, conf_type, incidence=True)
    return _tidy(labels, codes_q, times_q, F, se, lo, hi, s.group_size[codes_q], events, risk,
                 confidence, "cumulative incidence",
                 f"Aalen-Johansen; delta-method variance; {conf_type} CI; competing events: codes other than {cause}")


def _at_risk(s: _Steps, codes_q: np.ndarray, times_q: np.ndarray) -> np.ndarray:
    """Number still under observation at t (follow-up time ≥ t)."""
    pos = _locate(s, codes_q, times_q, strict=True)
    p = np.clip(pos, 0, None)
    return np.where(pos >= 0, s.n_risk[p] - _removed(s)[p], s.group_size[codes_q])


def _removed(s: _Steps) -> np.ndarray:
    nxt = np.empty_like(s.n_risk)
    nxt[:-1] = s.n_risk[1:]
    last = np.ones(s.n_risk.size, dtype=bool)
    last[:-1] = s.group[1:] != s.group[:-1]
    # removed at a step = n_risk(step) − n_risk(next step in group); last step removes all remaining
    return np.where(last, s.n_risk, s.n_risk - nxt)
