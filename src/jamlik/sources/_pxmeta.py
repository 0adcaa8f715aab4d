"""Table metadata shared by the PxWeb v1 and v2 connectors, and selection resolution."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jamlik.model.errors import DataError, InputError
from jamlik.sources.jsonstat import dimension_categories


@dataclass(frozen=True)
class PxVariable:
    code: str
    text: str
    values: tuple[str, ...]
    value_texts: tuple[str, ...]
    elimination: bool = False
    time: bool = False


@dataclass(frozen=True)
class PxTableMetadata:
    table_id: str
    title: str
    variables: tuple[PxVariable, ...]

    def variable(self, code: str) -> PxVariable:
        for variable in self.variables:
            if variable.code == code:
                return variable
        raise InputError(
            "selection",
            code,
            f"a variable of table {self.table_id}: {[v.code for v in self.variables]}",
        )

    def resolve(self, selection: Mapping[str, str | Sequence[str]]) -> dict[str, list[str]]:
        """Expand ``"*"`` to every value, check codes, and order variables as in the table.

        Variables left out must be eliminable (PxWeb then sums or drops them); otherwise the
        server would refuse the query, so we refuse it first and say which variables are missing.
        """
        for code in selection:
            self.variable(code)
        resolved: dict[str, list[str]] = {}
        missing = []
        for variable in self.variables:
            if variable.code not in selection:
                if not variable.elimination:
                    missing.append(variable.code)
                continue
            wanted = selection[variable.code]
            if wanted == "*" or (not isinstance(wanted, str) and list(wanted) == ["*"]):
                resolved[variable.code] = list(variable.values)
                continue
            values = [wanted] if isinstance(wanted, str) else [str(v) for v in wanted]
            unknown = [v for v in values if v not in variable.values]
            if unknown:
                raise InputError(
                    f"selection[{variable.code!r}]",
                    unknown,
                    f"values of {variable.code} in table {self.table_id} (e.g. {list(variable.values[:5])})",
                )
            resolved[variable.code] = values
        if missing:
            raise InputError(
                "selection",
                sorted(selection),
                f"a selection for the non-eliminable variables {missing}",
            )
        return resolved


def metadata_from_v1(table_id: str, payload: Any, where: str) -> PxTableMetadata:
    """PxWeb API v1 metadata: ``{"title", "variables": [{"code", "text", "values", "valueTexts", ...}]}``."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("variables"), list):
        raise DataError("PxWeb v1 metadata lacks a 'variables' list", file=where)
    variables = []
    for i, item in enumerate(payload["variables"]):
        try:
            values = tuple(str(v) for v in item["values"])
            texts = tuple(str(v) for v in item.get("valueTexts", values))
            variables.append(
                PxVariable(
                    code=str(item["code"]),
                    text=str(item.get("text", item["code"])),
                    values=values,
                    value_texts=texts,
                    elimination=bool(item.get("elimination", False)),
                    time=bool(item.get("time", False)),
                )
            )
        except (KeyError, TypeError):
            raise DataError(
                "PxWeb v1 variable lacks 'code' or 'values'", file=where, row=i + 1, value=item
            ) from None
        if len(texts) != len(values):
            raise DataError(
                "PxWeb v1 'valueTexts' and 'values' differ in length",
                file=where,
                column=variables[-1].code,
            )
    return PxTableMetadata(table_id, str(payload.get("title", table_id)), tuple(variables))


def metadata_from_v2(table_id: str, payload: Any, where: str) -> PxTableMetadata:
    """PxWeb API 2.0 metadata: a JSON-stat 2.0 dataset without values (``/tables/{id}/metadata``)."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("id"), list):
        raise DataError(
            "PxWeb v2 metadata is not a JSON-stat 2.0 dataset (no 'id' list)", file=where
        )
    dims = payload.get("dimension") or {}
    time_dims = set((payload.get("role") or {}).get("time") or [])
    variables = []
    for code in payload["id"]:
        if code not in dims:
            raise DataError(
                "PxWeb v2 metadata names a dimension that is missing", file=where, column=code
            )
        values, texts = dimension_categories(dims[code], code, where)
        extension = dims[code].get("extension") or {}
        variables.append(
            PxVariable(
                code=str(code),
                text=str(dims[code].get("label", code)),
                values=tuple(values),
                value_texts=tuple(texts),
                elimination=bool(extension.get("elimination", False)),
                time=code in time_dims,
            )
        )
    return PxTableMetadata(table_id, str(payload.get("label", table_id)), tuple(variables))
