"""The one door for the YAML documents people write: strategies, ``sources.yaml``, indicator
files and load mappings.

:func:`load_yaml` turns bytes, text or a file into plain data or a one-line
:class:`~jamlik.model.errors.DataError` that names the file, the line and the rule:

* **encoding** — UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark, and
  Windows-1252 (what Notepad and Excel on Swedish Windows save) are decoded; UTF-16 without a
  byte-order mark and binary data are refused, naming the encoding;
* **syntax** — the line and column of the first YAML error;
* **shape** — nesting deeper than :data:`MAX_DEPTH` and documents that aliases expand beyond
  :data:`MAX_NODES` values are refused before they are built (no recursion error, no
  "billion laughs");
* **numbers** — ``.inf``, ``-.inf``, ``.nan`` and numbers too large to compute with (magnitude
  above :data:`MAX_MAGNITUDE`, e.g. ``1e400``, which YAML reads as infinity) are refused with
  the key path (``areas[0].goals[1].target.change``).

>>> load_yaml(b"target:\\n  change: -.inf\\n", file="s.yaml")
Traceback (most recent call last):
...
jamlik.model.errors.DataError: s.yaml, column 'target.change': value -inf — must be a finite number (not .inf, -.inf or .nan) of magnitude at most 1e+15
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from jamlik.model.errors import DataError

__all__ = ["MAX_DEPTH", "MAX_MAGNITUDE", "MAX_NODES", "check_numbers", "decode_text",
           "load_yaml"]

#: Deepest nesting of mappings and lists a document may have (real ones use fewer than 10).
MAX_DEPTH = 50
#: Most values a document may hold once its aliases (``*name``) are expanded.
MAX_NODES = 1_000_000
#: Largest magnitude of a number in a document; beyond it sums and squares overflow.
MAX_MAGNITUDE = 1e15

_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def decode_text(raw: bytes, *, file: str) -> str:
    """Text of a document file: UTF-8, UTF-16 with a byte-order mark, or Windows-1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        head = raw[:4096]
        if len(head) >= 4 and head.count(0) > len(head) // 4:
            raise DataError("the file looks like UTF-16 without a byte-order mark, or binary "
                            "data", file=file, row=1, hint="Save it as UTF-8")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "cp1252"
    if encoding == "cp1252" and any(byte in _CP1252_UNDEFINED for byte in raw):
        raise DataError("the file is neither UTF-8 nor Windows-1252 text", file=file,
                        row=_line_of_byte(raw), hint="Save it as UTF-8")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DataError(f"the file is not valid {encoding} text", file=file,
                        row=raw[:exc.start].count(b"\n") + 1, hint="Save it as UTF-8") from None
    if "\x00" in text:
        raise DataError("the file holds binary data (NUL characters), not YAML text",
                        file=file, row=text[:text.index("\x00")].count("\n") + 1)
    return text


def _line_of_byte(raw: bytes) -> int:
    first = min(raw.index(bytes([b])) for b in _CP1252_UNDEFINED if bytes([b]) in raw)
    return raw[:first].count(b"\n") + 1


def load_yaml(source: bytes | str | Path, *, file: str | None = None) -> Any:
    """Parse one YAML document (a file path, its bytes or its text) after the checks above."""
    if isinstance(source, Path):
        file = file or source.name
        try:
            source = source.read_bytes()
        except OSError as exc:
            raise DataError(f"cannot read the file: {exc.strerror}", file=file) from None
    file = file or "<yaml>"
    text = decode_text(source, file=file) if isinstance(source, bytes) else source
    try:
        _check_shape(text, file)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, file) from None
    check_numbers(data, file)
    return data


def _syntax_error(exc: yaml.YAMLError, file: str) -> DataError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return DataError(f"not valid YAML: {problem}", file=file)
    return DataError(f"not valid YAML: {problem} (line {mark.line + 1}, column {mark.column + 1})",
                     file=file, row=mark.line + 1)


def _check_shape(text: str, file: str) -> None:
    """Refuse deep nesting and alias bombs from the event stream (which needs no recursion)."""
    depth, nodes = 0, 0
    sizes: dict[str, int] = {}
    open_: list[tuple[str | None, int]] = []
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            nodes += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise DataError(f"the document is nested more than {MAX_DEPTH} levels deep "
                                f"(line {mark.line + 1}, column {mark.column + 1})", file=file,
                                row=mark.line + 1)
            open_.append((event.anchor, nodes))
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            anchor, start = open_.pop()
            if anchor is not None:
                sizes[anchor] = nodes - start + 1
        elif isinstance(event, yaml.ScalarEvent):
            nodes += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            nodes += sizes.get(event.anchor, 1)
        if nodes > MAX_NODES:
            mark = event.start_mark
            raise DataError(f"the document holds more than {MAX_NODES:,} values once its "
                            f"aliases are expanded (line {mark.line + 1})", file=file,
                            row=mark.line + 1)


def check_numbers(data: Any, file: str, path: str = "") -> None:
    """Refuse non-finite and overflowing numbers anywhere in ``data``, naming the key path."""
    seen: set[int] = set()
    stack: list[tuple[Any, str]] = [(data, path)]
    while stack:
        value, where = stack.pop()
        if isinstance(value, bool):
            continue
        if isinstance(value, float | int):
            if not (isinstance(value, float) and not math.isfinite(value)) and \
                    abs(value) <= MAX_MAGNITUDE:
                continue
            raise DataError(f"must be a finite number (not .inf, -.inf or .nan) of magnitude "
                            f"at most {MAX_MAGNITUDE:g}", file=file, column=where or None,
                            value=value)
        if isinstance(value, dict | list):
            if id(value) in seen:  # an alias: already checked
                continue
            seen.add(id(value))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(value, list):
                    stack.append((item, f"{where}[{key}]"))
                else:
                    stack.append((item, f"{where}.{key}" if where else str(key)))
                    if isinstance(key, float | int) and not isinstance(key, bool):
                        stack.append((key, f"{where}.{key}" if where else str(key)))
