"""Area profiles and indicator views (layer 4): what a page or report needs, from observations."""

from jamlik.profiles.messages import KeyMessage, coverage_note, key_messages
from jamlik.profiles.model import (
    AreaProfile,
    GroupValue,
    IndicatorView,
    ProfileRow,
    SeriesPoint,
    Tartan,
    category_of,
)
from jamlik.profiles.reader import ProfileReader

__all__ = [
    "AreaProfile",
    "GroupValue",
    "IndicatorView",
    "KeyMessage",
    "ProfileReader",
    "ProfileRow",
    "SeriesPoint",
    "Tartan",
    "category_of",
    "coverage_note",
    "key_messages",
]
