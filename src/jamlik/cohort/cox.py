"""Cox proportional-hazards hazard ratios (lifelines ``CoxPHFitter``, Efron ties) with CIs.

The exposure is categorical with an explicit reference level; adjustment covariates are
continuous (e.g. age) or categorical (e.g. sex; first level = reference). For outcomes with a
competing event, only code 1 counts as an event (cause-specific hazard); other codes are censored.
Rows with a missing exposure, covariate, time or event are left out and counted (``n_excluded``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import polars as pl

from jamlik.model.errors import InputError

COVARIATE_KINDS = ("continuous", "categorical")


def cox_hazard_ratios(frame: pl.DataFrame, *, duration: str, event: str, exposure: str, reference,
                      covariates: dict[str, str] | None = None, confidence: float = 0.95) -> pl.DataFrame:
    """Fit ``h(t) = h0(t) exp(β·exposure dummies + γ·covariates)`` and return one row per term.

    Columns: term, role (exposure/adjustment), level, reference, coef, std_error, hazard_ratio,
    lower, upper, p_value, confidence, n, n_events, n_excluded, method.
    """
    from lifelines import CoxPHFitter

    covariates = dict(covariates or {})
    for col in (duration, event, exposure, *covariates):
        if col not in frame.columns:
            raise InputError("frame", f"columns {frame.columns}", f"a column named {col!r}")
    for col, kind in covariates.items():
        if kind not in COVARIATE_KINDS:
            raise InputError(f"covariates[{col!r}]", kind, "'continuous' or 'categorical'")
    if not (0 < confidence < 1):
        raise InputError("confidence", confidence, "a level between 0 and 1")
    used = [duration, event, exposure, *covariates]
    data = frame.select(used).drop_nulls()
    n_excluded = frame.height - data.height
    levels = sorted(data[exposure].unique().to_list(), key=str)
    if reference not in levels:
        raise InputError("reference", reference, f"one of the exposure levels {levels}")
    others = [lv for lv in levels if lv != reference]
    cols: dict[str, np.ndarray] = {
        "T": data[duration].cast(pl.Float64).to_numpy(),
        "E": (data[event].cast(pl.Int64).to_numpy() == 1).astype(np.int8),
    }
    exp_values = data[exposure].to_numpy()
    names = []
    for lv in others:
        name = f"{exposure}={lv}"
        cols[name] = (exp_values == lv).astype(float)
        names.append((name, "exposure", str(lv), str(reference)))
    for col, kind in covariates.items():
        if kind == "continuous":
            cols[col] = data[col].cast(pl.Float64).to_numpy()
            names.append((col, "adjustment", "per unit", ""))
        else:
            cv = data[col].to_numpy()
            lv_all = sorted(set(cv.tolist()), key=str)
            for lv in lv_all[1:]:
                cols[f"{col}={lv}"] = (cv == lv).astype(float)
                names.append((f"{col}={lv}", "adjustment", str(lv), str(lv_all[0])))
    df = pd.DataFrame(cols)
    if not others or df["E"].sum() == 0:
        raise InputError(exposure, levels, "at least two exposure levels and at least one event")
    cph = CoxPHFitter(alpha=1 - confidence)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter is reported through the result, not warnings
        cph.fit(df, duration_col="T", event_col="E")
    s = cph.summary
    lo_col = next(c for c in s.columns if c.startswith("exp(coef) lower"))
    hi_col = next(c for c in s.columns if c.startswith("exp(coef) upper"))
    return pl.DataFrame({
        "term": [n[0] for n in names],
        "role": [n[1] for n in names],
        "level": [n[2] for n in names],
        "reference": [n[3] for n in names],
        "coef": s.loc[[n[0] for n in names], "coef"].to_numpy(),
        "std_error": s.loc[[n[0] for n in names], "se(coef)"].to_numpy(),
        "hazard_ratio": s.loc[[n[0] for n in names], "exp(coef)"].to_numpy(),
        "lower": s.loc[[n[0] for n in names], lo_col].to_numpy(),
        "upper": s.loc[[n[0] for n in names], hi_col].to_numpy(),
        "p_value": s.loc[[n[0] for n in names], "p"].to_numpy(),
        "confidence": [confidence] * len(names),
        "n": [data.height] * len(names),
        "n_events": [int(df["E"].sum())] * len(names),
        "n_excluded": [n_excluded] * len(names),
        "method": ["Cox proportional hazards (lifelines CoxPHFitter, Efron ties, Wald CI)"] * len(names),
    })
