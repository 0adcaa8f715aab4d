"""Assign quantile groups (e.g. income quintiles), optionally population-weighted."""

from __future__ import annotations

from typing import Any

import numpy as np

from jamlik.model.errors import InputError
from jamlik.stats._validate import as_array, check_finite, check_nonnegative

__all__ = ["assign_quantiles"]


def assign_quantiles(
    values: Any,
    nquantiles: int = 5,
    *,
    weights: Any = None,
    highest_first: bool = False,
) -> np.ndarray:
    """Return the quantile group (1..``nquantiles``) of each value.

    Units are ordered by value (group 1 = lowest unless ``highest_first``); each unit goes to the
    group containing the midpoint of its cumulative weight share, so groups hold as equal a share
    of the total weight (e.g. population) as the units allow. Ties are deterministic: equal values
    always share a group (the group of their tied block's midpoint), whatever their input order.
    """
    v, _ = as_array("values", values)
    check_finite("values", v, "drop areas without a value before assigning quantiles")
    if not isinstance(nquantiles, int | np.integer) or nquantiles < 1:
        raise InputError("nquantiles", nquantiles, "a positive integer")
    if weights is None:
        w = np.ones_like(v)
    else:
        w, _ = as_array("weights", weights)
        check_nonnegative("weights", w)
        if w.shape != v.shape:
            raise InputError("weights", f"length {w.size}", f"length {v.size} like values")
    if w.sum() <= 0:
        raise InputError("weights", w.tolist(), "weights with a positive total")
    key = -v if highest_first else v
    uniq, inverse = np.unique(key, return_inverse=True)
    block_w = np.bincount(inverse, weights=w, minlength=uniq.size)
    cum = np.cumsum(block_w)
    mid = (cum - block_w / 2) / cum[-1]
    group = np.minimum(np.floor(mid * nquantiles).astype(int) + 1, nquantiles)
    return group[inverse]
