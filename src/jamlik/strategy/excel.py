"""Excel import and export of strategies and plans (openpyxl), one sheet per level.

Strategy workbook: ``strategy`` (key | value), ``areas``, ``goals`` (``area`` names the target
area), ``indicators`` (``goal``, ``indicator``, ``measure``). Plan workbook: ``plan`` (key |
value), ``needs``, ``changes``, ``activities``, ``outputs``, ``results``, ``result_indicators``.
Row 1 holds the column names below; lists inside a cell (``changes``, ``outputs``) are
comma-separated ids. Other sheets (e.g. ``README``) are ignored. Every error names the sheet, the
row and the column (see docs/strategy.md for the layout).
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path as FsPath
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from jamlik.model.catalogue import Catalogue
from jamlik.model.errors import JamlikError
from jamlik.strategy._validate import Path
from jamlik.strategy.documents import parse_document, to_document
from jamlik.strategy.errors import DocumentError
from jamlik.strategy.model import Plan, Strategy

# sheet -> [(column, path inside the record)]
_T = [("title_sv", ("title", "sv")), ("title_en", ("title", "en"))]
COLUMNS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "areas": [("id", ("id",)), *_T, ("gap_analysis_sv", ("gap_analysis", "sv")),
              ("gap_analysis_en", ("gap_analysis", "en"))],
    "goals": [("area", ()), ("id", ("id",)), *_T, ("direction", ("direction",)),
              ("baseline_year", ("baseline", "year")), ("baseline_value", ("baseline", "value")),
              ("target_value", ("target", "value")), ("target_change", ("target", "change")),
              ("target_unit", ("target", "unit")), ("target_year", ("target", "year")),
              ("gap_breakdown", ("gap_breakdown",)), ("no_data_sv", ("no_data", "sv")),
              ("no_data_en", ("no_data", "en")), ("note_sv", ("note", "sv")),
              ("note_en", ("note", "en"))],
    "indicators": [("goal", ()), ("indicator", ("id",)), ("measure", ("measure",))],
    "needs": [("id", ("id",)), *_T, ("priority", ("priority",))],
    "changes": [("id", ("id",)), ("need", ("need",)), ("horizon", ("horizon",)), *_T],
    "activities": [("id", ("id",)), *_T, ("changes", ("changes",)), ("owner", ("owner",)),
                   ("period_start", ("period", "start")), ("period_end", ("period", "end")),
                   ("status", ("status",)), ("stage", ("stage",))],
    "outputs": [("id", ("id",)), ("activity", ("activity",)), *_T, ("unit", ("unit",)),
                ("planned", ("planned",)), ("achieved", ("achieved",))],
    "results": [("id", ("id",)), *_T, ("outputs", ("outputs",)), ("change", ("change",))],
    "result_indicators": [("result", ()), ("indicator", ("id",)), ("measure", ("measure",))],
}
_LISTS = {"changes", "outputs"}
HEAD = {"strategy": ["id", "kind", "title_sv", "title_en", "owner", "source_sv", "source_en"],
        "plan": ["id", "kind", "title_sv", "title_en", "owner"]}
SHEETS = {"strategy": ("strategy", "areas", "goals", "indicators"),
          "plan": ("plan", "needs", "changes", "activities", "outputs", "results",
                   "result_indicators")}


class _Book:
    """Cells of a workbook as records, remembering where every record came from."""

    def __init__(self, source: str | FsPath | bytes, name: str):
        self.name = name
        try:
            data = BytesIO(source) if isinstance(source, bytes) else source
            self.wb = load_workbook(data, read_only=True, data_only=True)
        except Exception as exc:
            raise DocumentError(f"cannot be read as an Excel workbook (.xlsx): {exc}",
                                file=name) from exc
        self.where: dict[Path, tuple[str, int | None, dict]] = {}
        self.head_rows: dict[str, int] = {}

    def fail(self, rule, *, sheet=None, row=None, column=None, value=None):
        raise DocumentError(rule, file=self.name, sheet=sheet, row=row, column=column,
                            value=value)

    def rows(self, sheet: str) -> list[tuple[int, dict[str, Any]]]:
        if sheet not in self.wb.sheetnames:
            self.fail(f"the workbook has no sheet {sheet!r} (sheets needed: see docs/strategy.md)",
                      sheet=sheet)
        it = self.wb[sheet].iter_rows(values_only=True)
        header = [_cell(c) for c in next(it, ())]
        while header and header[-1] is None:
            header.pop()
        allowed = [c for c, _ in COLUMNS.get(sheet, [("key", ()), ("value", ())])]
        for i, col in enumerate(header):
            if col not in allowed:
                self.fail(f"unknown column; expected some of {allowed}", sheet=sheet, row=1,
                          column=_letter(i), value=col)
        out = []
        for r, values in enumerate(it, start=2):
            cells = {h: _cell(v) for h, v in zip(header, values, strict=False) if h}
            if any(v is not None for v in cells.values()):
                out.append((r, cells))
        return out

    def head(self, sheet: str) -> dict[str, Any]:
        doc: dict[str, Any] = {}
        rows = {}
        for r, cells in self.rows(sheet):
            key, value = cells.get("key"), cells.get("value")
            if key not in HEAD[sheet]:
                self.fail(f"unknown key; expected some of {HEAD[sheet]}", sheet=sheet, row=r,
                          column="key", value=key)
            rows[key] = r
            if value is not None:
                _put(doc, tuple(key.rsplit("_", 1)) if key.endswith(("_sv", "_en")) else (key,),
                     value)
        self.head_rows = rows
        self.head_sheet = sheet
        return doc

    def record(self, sheet: str, r: int, cells: dict[str, Any], path: Path) -> dict[str, Any]:
        rec: dict[str, Any] = {}
        colmap = {}
        for col, inner in COLUMNS[sheet]:
            colmap[inner] = col
            value = cells.get(col)
            if not inner or value is None:
                continue
            if inner[0] in _LISTS and sheet in ("activities", "results"):
                value = [v.strip() for v in str(value).split(",") if v.strip()]
            _put(rec, inner, value)
        self.where[path] = (sheet, r, colmap)
        return rec

    def locate(self, path: Path) -> dict[str, Any]:
        for n in range(len(path), 0, -1):
            if path[:n] in self.where:
                sheet, row, colmap = self.where[path[:n]]
                rest = tuple(p for p in path[n:] if not isinstance(p, int))
                column = colmap.get(rest) or colmap.get(rest[:1]) or "_".join(rest) or None
                return {"sheet": sheet, "row": row, "column": column}
        key = "_".join(str(p) for p in path if not isinstance(p, int))
        row = self.head_rows.get(key) or self.head_rows.get(key + "_sv")
        return {"sheet": getattr(self, "head_sheet", None), "row": row,
                "column": "value" if row else None}


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def _put(doc: dict, path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        doc = doc.setdefault(key, {})
    doc[path[-1]] = value


def read_excel(source: str | FsPath | bytes, *, name: str | None = None,
               catalogue: Catalogue | None = None) -> Strategy | Plan:
    """Read and validate a strategy or plan workbook (which one: the first sheet's name)."""
    name = name or (FsPath(source).name if not isinstance(source, bytes) else "<workbook>")
    book = _Book(source, name)
    kind = "strategy" if "strategy" in book.wb.sheetnames else (
        "plan" if "plan" in book.wb.sheetnames else None)
    if kind is None:
        book.fail("the workbook needs a sheet 'strategy' or 'plan' (key | value)")
    try:
        try:
            doc = _strategy(book) if kind == "strategy" else _plan(book)
        except JamlikError:
            raise
        except Exception as exc:  # a damaged sheet: openpyxl reads rows lazily, zip and XML
            detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
            raise DocumentError(f"cannot be read as an Excel workbook (.xlsx): {detail}",
                                file=name) from None
        return parse_document(doc, name, locate=book.locate, catalogue=catalogue)
    finally:
        book.wb.close()


def _owner(book: _Book, sheet: str, r: int, cells: dict, column: str, known: dict):
    key = cells.get(column)
    if key not in known:
        book.fail(f"refers to no row of the parent sheet; known ids: {sorted(map(str, known))}",
                  sheet=sheet, row=r, column=column, value=key)
    return known[key]


def _strategy(book: _Book) -> dict[str, Any]:
    doc = book.head("strategy")
    doc["areas"], areas, goals = [], {}, {}
    for r, cells in book.rows("areas"):
        i = len(doc["areas"])
        area = book.record("areas", r, cells, ("areas", i))
        area["goals"] = []
        doc["areas"].append(area)
        areas.setdefault(area.get("id"), (i, area))
    for r, cells in book.rows("goals"):
        i, area = _owner(book, "goals", r, cells, "area", areas)
        j = len(area["goals"])
        goal = book.record("goals", r, cells, ("areas", i, "goals", j))
        area["goals"].append(goal)
        goals.setdefault(goal.get("id"), ((i, j), goal))
    for r, cells in book.rows("indicators"):
        (i, j), goal = _owner(book, "indicators", r, cells, "goal", goals)
        k = len(goal.setdefault("indicators", []))
        goal["indicators"].append(book.record("indicators", r, cells,
                                              ("areas", i, "goals", j, "indicators", k)))
    return doc


def _plan(book: _Book) -> dict[str, Any]:
    doc = book.head("plan")
    for sheet in ("needs", "changes", "activities", "outputs", "results"):
        doc[sheet] = [book.record(sheet, r, cells, (sheet, i))
                      for i, (r, cells) in enumerate(book.rows(sheet))]
    results = {res.get("id"): (i, res) for i, res in reversed(list(enumerate(doc["results"])))}
    for r, cells in book.rows("result_indicators"):
        i, res = _owner(book, "result_indicators", r, cells, "result", results)
        k = len(res.setdefault("indicators", []))
        res["indicators"].append(book.record("result_indicators", r, cells,
                                             ("results", i, "indicators", k)))
    return doc


# -- export -------------------------------------------------------------------------------------
def _get(rec: dict, inner: tuple[str, ...]) -> Any:
    for key in inner:
        if not isinstance(rec, dict):
            return None
        rec = rec.get(key)
    return ", ".join(rec) if isinstance(rec, list) else rec


def write_excel(obj: Strategy | Plan, target: str | FsPath | None = None) -> bytes:
    """Write the workbook; return its bytes (and save it to ``target`` when given)."""
    doc = to_document(obj)
    kind = doc["kind"]
    wb = Workbook()
    head = wb.active
    head.title = kind
    head.append(["key", "value"])
    for key in HEAD[kind]:
        inner = tuple(key.rsplit("_", 1)) if key.endswith(("_sv", "_en")) else (key,)
        head.append([key, _get(doc, inner)])
    if kind == "strategy":
        areas = [(None, a) for a in doc["areas"]]
        goals = [(a["id"], g) for a in doc["areas"] for g in a["goals"]]
        links = [(g["id"], x) for _, g in goals for x in g.get("indicators", [])]
        tables = {"areas": areas, "goals": goals, "indicators": links}
    else:
        tables = {s: [(None, x) for x in doc.get(s, [])]
                  for s in ("needs", "changes", "activities", "outputs", "results")}
        tables["result_indicators"] = [(r["id"], x) for r in doc.get("results", [])
                                       for x in r.get("indicators", [])]
    for sheet, records in tables.items():
        ws = wb.create_sheet(sheet)
        ws.append([c for c, _ in COLUMNS[sheet]])
        for owner, rec in records:
            ws.append([owner if not inner else _get(rec, inner) for _, inner in COLUMNS[sheet]])
    for ws in wb.worksheets:
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
    readme = wb.create_sheet("README")
    readme.append(["jamlik: one sheet per level; row 1 = column names; lists are comma-separated "
                   "ids; see docs/strategy.md. This sheet is ignored on import."])
    buffer = BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    if target is not None:
        FsPath(target).write_bytes(data)
    return data
