"""The area registry: nation, 21 län, 290 kommuner, 3 363 RegSO, 5 984 DeSO and vårdcentraler.

Built from SCB's real keys shipped in ``jamlik/data`` (DeSO 2018 → RegSO 2020 → kommun → län,
and SCB's RegSO socioeconomic area type for 2022). Every code that enters jamlik is validated here:
a malformed or unknown code is an :class:`~jamlik.model.AreaCodeError` that names it.

>>> reg = AreaRegistry.builtin()
>>> reg["0580"].name, reg["0580"].parent_code
('Linköping', '05')
>>> reg.validate("0599")
Traceback (most recent call last):
...
jamlik.model.errors.AreaCodeError: value '0599' — unknown kommun code
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from jamlik.model import AreaCodeError, AreaLevel
from jamlik.model.areas import level_of_code

#: DeSO/RegSO vintages: '2018' = DeSO 2018 with RegSO 2020, '2025' = DeSO 2025 with RegSO 2025.
#: SCB's registers use DeSO 2025 from reference year 2024 (``vintage_of_year``).
VINTAGES = ("2018", "2025")
FIRST_YEAR_OF_2025 = 2024
VINTAGE_LABEL = {"2018": "DeSO 2018 / RegSO 2020", "2025": "DeSO 2025 / RegSO 2025"}
VINTAGE_SMALL_AREAS = VINTAGE_LABEL["2018"]
VINTAGE_ADMIN = "SCB 2024 (290 kommuner, 21 län)"
_KEYS = {"2018": "deso2018_regso2020_key.csv", "2025": "deso2025_regso2025_key.csv"}

VINTAGE_SCHEMA = pa.schema([
    ("vintage", pa.string()),
    ("code", pa.string()),
    ("level", pa.string()),
    ("parent_code", pa.string()),
])


def vintage_of_year(year: int) -> str:
    """The DeSO vintage SCB's registers use for a reference year (2025 from 2024)."""
    return "2025" if year >= FIRST_YEAR_OF_2025 else "2018"


SCHEMA = pa.schema([
    ("code", pa.string()),
    ("level", pa.string()),
    ("name", pa.string()),
    ("parent_code", pa.string()),
    ("lan_code", pa.string()),
    ("kommun_code", pa.string()),
    ("regso_code", pa.string()),
    ("socio_type", pa.int8()),
    ("vintage", pa.string()),
])


@dataclass(frozen=True)
class Area:
    code: str
    level: AreaLevel
    name: str
    parent_code: str | None
    lan_code: str | None
    kommun_code: str | None
    regso_code: str | None
    socio_type: int | None
    vintage: str


def _data(*parts: str):
    return resources.files("jamlik").joinpath("data", *parts)


def _read_csv(*parts: str) -> pa.Table:
    with _data(*parts).open("rb") as f:
        return pacsv.read_csv(f, convert_options=pacsv.ConvertOptions(strings_can_be_null=True,
                              column_types={c: pa.string() for c in (
                                  "deso_kod", "regso_kod", "kommun_kod", "lan_kod")}))


def _read_parquet(*parts: str, columns=None) -> pa.Table:
    with _data(*parts).open("rb") as f:
        return pq.read_table(f, columns=columns)


@cache
def _keys() -> dict[str, pa.Table]:
    return {v: _read_csv("deso_regso", name) for v, name in _KEYS.items()}


@cache
def _builtin_table() -> pa.Table:
    """Nation, län, kommuner, and the DeSO and RegSO of every vintage, each code once.

    A code in both vintages keeps its parent (SCB's keys agree on it for all 5 835 shared DeSO)
    and takes the newest name; ``vintage`` says which vintages hold it.
    """
    keys = _keys()
    socio = _read_csv("deso_regso", "regso2020_socioekonomiskt_index_2022.csv")
    lan = _read_parquet("geo", "lan.parquet", columns=["lan_kod", "lan"])
    kommun = _read_parquet("geo", "kommun.parquet", columns=["kommun_kod", "kommun"])

    socio_of = dict(zip(socio["regso_kod"].to_pylist(),
                        socio["socioekonomiskt_index"].to_pylist(), strict=True))
    rows: list[tuple] = [("SE", "nation", "Sverige", None, None, None, None, None, VINTAGE_ADMIN)]
    for code, name in zip(lan["lan_kod"].to_pylist(), lan["lan"].to_pylist(), strict=True):
        rows.append((code, "lan", name, "SE", code, None, None, None, VINTAGE_ADMIN))
    for code, name in zip(kommun["kommun_kod"].to_pylist(), kommun["kommun"].to_pylist(),
                          strict=True):
        rows.append((code, "kommun", name, code[:2], code[:2], code, None, None, VINTAGE_ADMIN))
    regso: dict[str, list] = {}
    deso: dict[str, list] = {}
    for vintage, key in keys.items():
        for d, r, r_name, kom, lan_code in zip(
            key["deso_kod"].to_pylist(), key["regso_kod"].to_pylist(),
            key["regso_namn"].to_pylist(), key["kommun_kod"].to_pylist(),
            key["lan_kod"].to_pylist(), strict=True,
        ):
            socio_type = socio_of.get(r)
            if r in regso:
                regso[r][2] = r_name  # the newest vintage's name
                regso[r][-1].add(vintage)
            else:
                regso[r] = [r, "regso", r_name, kom, lan_code, kom, r, socio_type, {vintage}]
            if d in deso:
                deso[d][-1].add(vintage)
            else:
                deso[d] = [d, "deso", d, r, lan_code, kom, r, socio_type, {vintage}]
    for found in (regso, deso):
        for row in found.values():
            rows.append((*row[:-1], _vintage_label(row[-1])))
    columns = list(zip(*rows, strict=True))
    return pa.table([pa.array(col, type=field.type) for col, field in zip(columns, SCHEMA,
                    strict=True)], schema=SCHEMA)


def _vintage_label(vintages: set[str]) -> str:
    if len(vintages) == 1:
        return VINTAGE_LABEL[next(iter(vintages))]
    return "DeSO " + " and ".join(sorted(vintages))


@cache
def builtin_vintages() -> pa.Table:
    """``(vintage, code, level, parent_code)`` of every DeSO and RegSO in each vintage."""
    out: dict[str, list] = {n: [] for n in VINTAGE_SCHEMA.names}
    for vintage, key in _keys().items():
        seen: set[str] = set()
        for d, r in zip(key["deso_kod"].to_pylist(), key["regso_kod"].to_pylist(), strict=True):
            out["vintage"].append(vintage)
            out["code"].append(d)
            out["level"].append("deso")
            out["parent_code"].append(r)
            if r not in seen:
                seen.add(r)
                out["vintage"].append(vintage)
                out["code"].append(r)
                out["level"].append("regso")
                out["parent_code"].append(r[:4])
    return pa.table(out, schema=VINTAGE_SCHEMA)


def care_units_as_areas(care_units: pa.Table) -> pa.Table:
    """Vårdcentraler as rows of the area table (their parent is the kommun where they lie)."""
    n = care_units.num_rows
    kommun = care_units["kommun_code"]
    none = pa.nulls(n, pa.string())
    return pa.table({
        "code": care_units["code"], "level": pa.array(["vardcentral"] * n),
        "name": care_units["name"], "parent_code": kommun,
        "lan_code": pc.utf8_slice_codeunits(kommun, 0, 2), "kommun_code": kommun,
        "regso_code": none, "socio_type": pa.nulls(n, pa.int8()),
        "vintage": pa.array(["demo"] * n),
    }, schema=SCHEMA)


class AreaRegistry:
    """All known areas, with lookups, hierarchy and validation."""

    def __init__(self, table: pa.Table):
        self.table = table.select(SCHEMA.names).cast(SCHEMA)
        self._areas: dict[str, Area] = {}
        for row in self.table.to_pylist():
            row["level"] = AreaLevel(row["level"])
            self._areas[row["code"]] = Area(**row)
        self._children: dict[str, list[str]] = {}
        for area in self._areas.values():
            if area.parent_code is not None:
                self._children.setdefault(area.parent_code, []).append(area.code)

    @classmethod
    def builtin(cls) -> AreaRegistry:
        """The real Swedish geography shipped with jamlik (no vårdcentraler)."""
        return _builtin_registry()

    @classmethod
    def from_warehouse(cls, con) -> AreaRegistry:
        """The registry stored in a warehouse's ``areas`` table (with its vårdcentraler): the
        same as ``AreaRegistry(jamlik.store.queries.areas(con))``, for callers that hold a
        connection (the relation API reads the table; SQL lives in :mod:`jamlik.store`)."""
        return cls(con.table("areas").order("code").to_arrow_table())

    def with_care_units(self, care_units: pa.Table) -> AreaRegistry:
        return AreaRegistry(pa.concat_tables([self.table, care_units_as_areas(care_units)]))

    # -- lookups ----------------------------------------------------------------------------
    def __contains__(self, code: object) -> bool:
        return code in self._areas

    def __len__(self) -> int:
        return len(self._areas)

    def __iter__(self) -> Iterator[Area]:
        return iter(self._areas.values())

    def __getitem__(self, code: str) -> Area:
        return self.validate(code)

    def count(self, level: AreaLevel | str) -> int:
        level = AreaLevel(level)
        return sum(1 for a in self._areas.values() if a.level is level)

    def at_level(self, level: AreaLevel | str) -> list[Area]:
        level = AreaLevel(level)
        return [a for a in self._areas.values() if a.level is level]

    def children(self, code: str, level: AreaLevel | str | None = None) -> list[Area]:
        """Direct children, or with ``level`` all descendants at that level."""
        self.validate(code)
        if level is None:
            return [self._areas[c] for c in self._children.get(code, [])]
        level = AreaLevel(level)
        found, stack = [], list(self._children.get(code, []))
        while stack:
            area = self._areas[stack.pop()]
            if area.level is level:
                found.append(area)
            else:
                stack.extend(self._children.get(area.code, []))
        return sorted(found, key=lambda a: a.code)

    def ancestors(self, code: str) -> list[Area]:
        """Parent, grandparent, … up to the nation."""
        chain, area = [], self.validate(code)
        while area.parent_code is not None:
            area = self._areas[area.parent_code]
            chain.append(area)
        return chain

    def search(self, text: str, *, limit: int = 20,
               levels: Iterable[AreaLevel | str] | None = None,
               within: str | None = None) -> list[Area]:
        """Areas whose code starts with ``text`` or whose name has every word of it.

        Matching ignores case and diacritics; each word of ``text`` matches the start of a word
        of the name or a part of it, and the usual abbreviations stand for their words ("vc
        berga" finds Vårdcentralen Berga). Exact matches come first, then names whose words
        start with the words searched for, then the rest; within each, areas inside ``within``
        (a län code or ``SE``, e.g. the home region; see :func:`in_region`) first, then by level (län before kommun before RegSO …).
        """
        wanted = {AreaLevel(lv) for lv in levels} if levels else None
        needle = _fold(text)
        words = [_ABBREVIATIONS.get(w, w) for w in needle.replace("-", " ").split()]
        if not words:
            return []
        order = list(AreaLevel)
        hits = []
        for area in self._areas.values():
            if wanted and area.level not in wanted:
                continue
            code = area.code.lower()
            name = _fold(area.name)
            name_words = name.replace("-", " ").split()
            if code == needle or name == needle or name == " ".join(words):
                rank = 0
            elif code.startswith(needle) or all(
                    any(n.startswith(w) for n in name_words) for w in words):
                rank = 1
            elif all(w in name for w in words):
                rank = 2
            else:
                continue
            outside = within is not None and not in_region(area, within)
            hits.append((rank, outside, order.index(area.level), area.name, area))
        hits.sort(key=lambda h: h[:4])
        return [h[4] for h in hits[:limit]]

    # -- validation -------------------------------------------------------------------------
    def validate(self, code: object, level: AreaLevel | str | None = None, *,
                 file: str | None = None, row: int | None = None,
                 column: str | None = None) -> Area:
        """The :class:`Area` for ``code``, or an :class:`AreaCodeError` that names it."""
        where = {"file": file, "row": row, "column": column, "value": code}
        if not isinstance(code, str):
            raise AreaCodeError(
                f"area codes are text (e.g. '0580', with its leading zero), got "
                f"{type(code).__name__}", **where,
                hint="read code columns as text so that leading zeros are kept",
            )
        expected = AreaLevel(level) if level is not None else None
        shape = level_of_code(code)
        if shape is None or (expected is not None and shape is not expected):
            described = (expected.code_description if expected else
                         "a kommun (4 digits), län (2 digits), RegSO, DeSO or vårdcentral code")
            raise AreaCodeError(f"malformed area code, expected {described}", **where)
        area = self._areas.get(code)
        if area is None:
            raise AreaCodeError(f"unknown {shape.value} code", **where)
        return area

    def unknown(self, codes: pa.Array | pa.ChunkedArray | list,
                level: AreaLevel | str | None = None) -> int | None:
        """Index of the first value of ``codes`` that is not a valid code (at ``level``), or None."""
        codes = pa.chunked_array([codes]) if isinstance(codes, list) else codes
        valid = [a.code for a in self._areas.values()
                 if level is None or a.level is AreaLevel(level)]
        ok = pc.is_in(codes, value_set=pa.array(valid))
        bad = pc.and_(pc.invert(ok), pc.is_valid(codes))
        if not pc.any(bad).as_py():
            return None
        return pc.index(bad, True).as_py()

    def check_column(self, column: str, level: AreaLevel | str | None = None):
        """A warehouse load check (see :mod:`jamlik.store.checks`) for an area-code column.

        One anti-join in the database finds the first bad row; :meth:`validate` then says
        precisely what is wrong with it (malformed, wrong level or unknown).
        """
        valid = pa.table({"code": [a.code for a in self._areas.values()
                                   if level is None or a.level is AreaLevel(level)]})

        def check(con, relation, source):
            rows = con.view(relation).filter(f'"{column}" IS NOT NULL').set_alias("r")
            codes = con.from_arrow(valid).set_alias("v")
            hit = (rows.join(codes, f'r."{column}" = v.code', how="anti")
                   .order("__row").limit(1).select("__row", f'"{column}"').fetchone())
            if hit:
                self.validate(hit[1], level, file=source, row=hit[0], column=column)
                raise AreaCodeError(f"not a {level} code", file=source, row=hit[0],
                                    column=column, value=hit[1])

        return check

    def names(self) -> dict[str, str]:
        return {code: area.name for code, area in self._areas.items()}


@cache
def _builtin_registry() -> AreaRegistry:
    return AreaRegistry(_builtin_table())


def in_region(area: Area, region: str) -> bool:
    """Whether ``area`` is ``region`` (a län code or ``SE``), lies inside it, or is the nation.

    >>> reg = AreaRegistry.builtin()
    >>> in_region(reg["0580"], "05"), in_region(reg["1480"], "05"), in_region(reg["SE"], "05")
    (True, False, True)
    """
    if region == "SE" or area.code in ("SE", region):
        return True
    return (area.lan_code or area.code[:2]) == region


#: Abbreviations people type for the words in area names (folded, as :func:`_fold` makes them).
_ABBREVIATIONS = {"vc": "vardcentralen", "hc": "halsocentralen"}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch)).strip()
