"""Layer 2½: a region's files → validated, classified, pseudonymised warehouse rows.

Readers (:mod:`jamlik.sources.extract`) stream the files; :mod:`jamlik.ingest._stage` renames,
recodes and pseudonymises them into the staging area; one module per kind checks and shapes the
rows; :func:`jamlik.ingest.run.run` writes every kind of a load in one transaction, or nothing.
The layouts are documented in docs/data-layouts.md.
"""

from jamlik.ingest.layouts import KINDS, LAYOUTS, Column, Layout
from jamlik.ingest.mapping import LoadMapping, Options, Question
from jamlik.ingest.run import LoadRejected, LoadReport, LoadRequest, run

__all__ = ["KINDS", "LAYOUTS", "Column", "Layout", "LoadMapping", "LoadRejected", "LoadReport",
           "LoadRequest", "Options", "Question", "run"]
