"""Built-in content: SKR's Strategi för hälsa, a regional strategy and a samverkansplan example.

>>> s = load_builtin("strategi_for_halsa")
>>> len(s.goals), sum(g.has_data_source for g in s.goals)
(22, 9)
"""

from __future__ import annotations

from importlib import resources

from jamlik.model import InputError
from jamlik.strategy.documents import parse_document, read_yaml
from jamlik.strategy.model import Plan, Strategy

#: The documents shipped in ``jamlik/strategy/content/``.
BUILTIN = ("strategi_for_halsa", "folkhalsostrategi_exempel", "samverkansplan_exempel")


def builtin_text(name: str) -> str:
    """The YAML text of a built-in document."""
    if name not in BUILTIN:
        raise InputError("name", name, f"one of {list(BUILTIN)}")
    return (resources.files("jamlik.strategy") / "content" / f"{name}.yaml").read_text("utf-8")


def load_builtin(name: str) -> Strategy | Plan:
    """Parse and validate a built-in document."""
    data, file = read_yaml(builtin_text(name), name=f"{name}.yaml")
    return parse_document(data, file)
