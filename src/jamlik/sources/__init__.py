"""Layer 2: connectors that yield Arrow tables plus provenance, and pre-load validation.

- :class:`PxWebV1`, :class:`PxWebV2` — SCB's Statistikdatabasen and other PxWeb servers;
- :class:`Kolada` — Kolada API v3 (KPIs, groups, municipalities/regions, units, data);
- :func:`read_file` — CSV/TSV (encoding, delimiter, decimal comma), Excel, Parquet, SAS, SPSS, Stata;
- :class:`FileMapping` + :func:`map_table` — a declarative mapping onto the tidy warehouse shape;
- :func:`validate` / :func:`validate_mapped` → :class:`ValidationReport` — nothing is written
  unless the report passes (or its warnings are explicitly accepted).
"""

from jamlik.sources._names import AreaNames
from jamlik.sources._pxmeta import PxTableMetadata, PxVariable
from jamlik.sources._split import cell_count, split_selection
from jamlik.sources._text import MISSING_MARKS, detect_encoding, parse_numbers, sniff_delimiter
from jamlik.sources.errors import SourceError
from jamlik.sources.files import FileTable, read_file
from jamlik.sources.http import DiskCache, Fetcher, RetryPolicy, TokenBucket, parse_retry_after
from jamlik.sources.jsonstat import decode_jsonstat
from jamlik.sources.kolada import KOLADA_SEX, Kolada
from jamlik.sources.mapping import SEX_VALUES, TIDY_SCHEMA, FileMapping, MappedTable, map_table
from jamlik.sources.provenance import Provenance, SourceResult
from jamlik.sources.pxweb import PxWebV1, PxWebV2
from jamlik.sources.report import Issue, Severity, ValidationReport
from jamlik.sources.validation import validate, validate_mapped

__all__ = [
    "KOLADA_SEX",
    "MISSING_MARKS",
    "SEX_VALUES",
    "TIDY_SCHEMA",
    "AreaNames",
    "DiskCache",
    "Fetcher",
    "FileMapping",
    "FileTable",
    "Issue",
    "Kolada",
    "MappedTable",
    "Provenance",
    "PxTableMetadata",
    "PxVariable",
    "PxWebV1",
    "PxWebV2",
    "RetryPolicy",
    "Severity",
    "SourceError",
    "SourceResult",
    "TokenBucket",
    "ValidationReport",
    "cell_count",
    "decode_jsonstat",
    "detect_encoding",
    "map_table",
    "parse_numbers",
    "parse_retry_after",
    "read_file",
    "sniff_delimiter",
    "split_selection",
    "validate",
    "validate_mapped",
]
