"""Layer 0: plain types, errors, settings and the translation catalogue."""

from typing import Any

from jamlik.model.areas import AREA_LEVELS, AreaLevel
from jamlik.model.errors import (
    AreaCodeError,
    DataError,
    InputError,
    JamlikError,
    LoadError,
    SchemaError,
)
from jamlik.model.i18n import LANGUAGES, t
from jamlik.model.settings import Settings

__all__ = [
    "AREA_LEVELS",
    "LANGUAGES",
    "AreaCodeError",
    "AreaLevel",
    "Classification",
    "Classifications",
    "DataError",
    "InputError",
    "JamlikError",
    "LoadError",
    "SchemaError",
    "Settings",
    "load_classifications",
    "normalise_icd10",
    "t",
]

#: Exported lazily: the classifications need polars and pyarrow, which ``import jamlik.model``
#: should not pay for.
_LAZY = ("Classification", "Classifications", "load_classifications", "normalise_icd10")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from jamlik.model import classifications

        return getattr(classifications, name)
    raise AttributeError(f"module 'jamlik.model' has no attribute {name!r}")
