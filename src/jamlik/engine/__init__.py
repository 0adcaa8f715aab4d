"""Layer 3: compute every catalogue indicator into the tidy ``observations`` table.

See docs/indicators.md for the unit sources, methods, breakdowns per level and suppression.
"""

from jamlik.engine.compute import COLUMNS, ComputeReport, compute, fingerprint

__all__ = ["COLUMNS", "ComputeReport", "compute", "fingerprint"]
