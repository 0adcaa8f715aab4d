"""The equity steps after ``compute``: inequality measures, mind-the-gap, LE-gap decomposition."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from jamlik.engine.decomposition import compute_le_decomposition
from jamlik.engine.gaps import compute_gaps
from jamlik.engine.inequalities import compute_inequalities
from jamlik.model.catalogue import Catalogue
from jamlik.model.errors import InputError
from jamlik.store import Warehouse


def run_equity(wh: Warehouse, *, indicators: Sequence[str] | None = None,
               progress: Callable[[str, float], None] | None = None,
               catalogue: Catalogue | None = None) -> str:
    """Run all three steps on ``wh`` and return a one-line summary. The life-expectancy-gap
    decomposition needs person-level deaths; without them it is skipped (and said so)."""
    update = progress or (lambda step, fraction: None)
    ineq = compute_inequalities(wh, indicators=indicators, catalogue=catalogue,
                                progress=lambda step, fraction: update(step, 0.75 * fraction))
    update("gaps", 0.8)
    gaps = compute_gaps(wh, indicators=indicators, catalogue=catalogue)
    update("le_decomposition", 0.95)
    summary = (
        f"inequalities: {ineq.rows} rows ({ineq.group_sets} group sets, {ineq.seconds:.1f} s); "
        f"gaps: {gaps.rows} rows, {gaps.hidden_gaps} hidden gaps ({gaps.seconds:.1f} s); ")
    try:
        dec = compute_le_decomposition(wh)
    except InputError:
        summary += "le_decomposition: skipped (no person-level deaths loaded)"
    else:
        summary += (f"le_decomposition: {len(dec.comparisons)} comparisons {dec.period} "
                    f"({dec.seconds:.1f} s)")
        for reason in dec.skipped:
            summary += f"\nskipped: {reason}"
    update("done", 1.0)
    return summary
