"""Areas: the registry and hierarchy, code validation, and boundaries for maps (layer 2)."""

from jamlik.geo.boundaries import boundaries
from jamlik.geo.registry import Area, AreaRegistry, in_region

__all__ = ["Area", "AreaRegistry", "boundaries", "in_region"]
