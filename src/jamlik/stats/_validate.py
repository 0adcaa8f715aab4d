"""Validation at the door: turn array-likes into float arrays and reject bad input clearly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from jamlik.model.errors import InputError

__all__ = [
    "as_array",
    "check_finite",
    "check_nonnegative",
    "check_not_above",
    "check_positive",
    "confidence_levels",
    "pack",
    "same_length",
]


def as_array(name: str, values: Any) -> tuple[np.ndarray, bool]:
    """Return ``(float array, was_scalar)`` for a scalar, list, numpy, pandas or polars input."""
    if values is None:
        raise InputError(name, values, "a number or an array of numbers")
    scalar = np.isscalar(values) or (isinstance(values, np.ndarray) and values.ndim == 0)
    if hasattr(values, "to_numpy") and not isinstance(values, np.ndarray):
        values = values.to_numpy()  # pandas / polars Series
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(name, values, "numbers") from exc
    if arr.ndim > 1:
        raise InputError(name, f"an array of shape {arr.shape}", "a scalar or a 1-D array")
    return np.atleast_1d(arr), bool(scalar)


def _first_bad(name: str, arr: np.ndarray, bad: np.ndarray, expected: str, hint: str | None = None):
    idx = int(np.flatnonzero(bad)[0])
    where = f"{arr[idx]!r} at position {idx}" if arr.size > 1 else arr[idx]
    raise InputError(name, where, expected, hint)


def check_finite(name: str, arr: np.ndarray, hint: str | None = None) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        _first_bad(name, arr, bad, "a finite number (missing values are not allowed)", hint)


def check_nonnegative(name: str, arr: np.ndarray) -> None:
    check_finite(name, arr)
    bad = arr < 0
    if bad.any():
        _first_bad(name, arr, bad, "a non-negative count")


def check_positive(name: str, arr: np.ndarray) -> None:
    check_finite(name, arr, "denominators must be present and greater than zero")
    bad = arr <= 0
    if bad.any():
        _first_bad(name, arr, bad, "a denominator greater than zero")


def check_not_above(name: str, arr: np.ndarray, other_name: str, other: np.ndarray) -> None:
    bad = arr > other
    if bad.any():
        idx = int(np.flatnonzero(bad)[0])
        where = f"{arr[idx]!r} at position {idx}" if arr.size > 1 else arr[idx]
        raise InputError(name, where, f"a value not above {other_name} ({other[idx]!r})")


def same_length(**arrays: np.ndarray) -> int:
    """Check that all arrays have length 1 or one common length; return that length."""
    lengths = {k: v.shape[0] for k, v in arrays.items()}
    common = {n for n in lengths.values() if n != 1}
    if len(common) > 1:
        raise InputError(
            ", ".join(lengths),
            f"lengths {lengths}",
            "arrays of the same length (or scalars)",
        )
    return common.pop() if common else 1


def event_counts(x: Any, n: Any) -> tuple[np.ndarray, np.ndarray, bool]:
    """``x`` events of ``n`` (non-negative counts of positive totals) as arrays of one shape,
    and whether both were scalars."""
    xa, xs = as_array("x", x)
    na, ns = as_array("n", n)
    same_length(x=xa, n=na)
    check_nonnegative("x", xa)
    check_positive("n", na)
    xa, na = np.broadcast_arrays(xa, na)
    return xa, na, xs and ns


def confidence_levels(confidence: float | Sequence[float]) -> tuple[float, ...]:
    """Normalise ``0.95``, ``95`` or ``(0.95, 0.998)`` to a tuple of fractions in (0, 1)."""
    raw = (confidence,) if np.isscalar(confidence) else tuple(confidence)  # type: ignore[arg-type]
    if not raw:
        raise InputError("confidence", confidence, "a level such as 0.95 or (0.95, 0.998)")
    levels = []
    for c in raw:
        try:
            c = float(c)
        except (TypeError, ValueError) as exc:
            raise InputError("confidence", confidence, "numbers such as 0.95 or 95") from exc
        if 50 <= c < 100:
            c = c / 100
        if not (0.5 <= c < 1):
            raise InputError(
                "confidence",
                confidence,
                "levels from 0.5 to below 1 (e.g. 0.95) or from 50 to below 100 (e.g. 95)",
            )
        levels.append(c)
    return tuple(levels)


def pack(arr: np.ndarray, scalar: bool) -> Any:
    """Return a Python float for scalar input, else the array."""
    return float(arr[0]) if scalar else arr
