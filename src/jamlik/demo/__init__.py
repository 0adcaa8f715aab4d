"""Seeded synthetic Östergötland region (län 05) built on real SCB data, with ground truth.

>>> from jamlik.demo import SCHEMAS
>>> sorted(SCHEMAS)[:3]
['aggregate_counts', 'care_events', 'care_units']
"""

from jamlik.demo.build import DEFAULT_SEED, FIRST_YEAR, LAST_YEAR, DemoData, build_demo
from jamlik.demo.schemas import SCHEMAS

__all__ = ["DEFAULT_SEED", "FIRST_YEAR", "LAST_YEAR", "SCHEMAS", "DemoData", "build_demo"]
