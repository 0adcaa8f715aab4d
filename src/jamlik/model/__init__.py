"""Layer 0: plain types, errors, settings and the translation catalogue."""

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
    "DataError",
    "InputError",
    "JamlikError",
    "LoadError",
    "SchemaError",
    "Settings",
    "t",
]
