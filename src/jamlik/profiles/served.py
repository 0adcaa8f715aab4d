"""What a served warehouse says about itself: the region it covers, the region its synthetic
figures come from, and the catalogue its figures are presented with.

Pages and reports read these from the warehouse or snapshot they show (table ``meta``), never
from a constant: a warehouse initialised with ``jamlik init --region 01`` is about Stockholm, the
demo (``jamlik demo build``) about Östergötland with synthetic figures, and a warehouse without a
home region (before ``jamlik init``) about the nation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from jamlik.geo import Area, in_region
from jamlik.model.catalogue import Catalogue, load_catalogue, with_survey_questions
from jamlik.store import queries

NATION = "SE"


@dataclass(frozen=True)
class Coverage:
    """Which areas a warehouse's own (person-level) figures cover.

    ``home_region`` is ``meta.home_region`` (a län code, ``SE``, or None before ``jamlik
    init``); ``synthetic_region`` is ``meta.synthetic_region`` (the demo's län) or None.
    """

    home_region: str | None = None
    synthetic_region: str | None = None

    @property
    def region(self) -> str:
        """The home region, or the nation when none is set."""
        return self.home_region or NATION

    @property
    def is_demo(self) -> bool:
        return self.synthetic_region is not None

    def covers(self, area: Area) -> bool:
        """Whether ``area`` lies in the home region (the nation counts as covered: it is every
        region's comparator)."""
        return in_region(area, self.region)

    def synthetic_covers(self, area: Area) -> bool:
        """Whether the synthetic figures reach ``area`` (False when there are none)."""
        return self.synthetic_region is not None and in_region(area, self.synthetic_region)


def read_coverage(con) -> Coverage:
    """The coverage stored in ``meta`` of the database ``con`` reads (empty without one)."""
    if not queries.has_table(con, "meta"):
        return Coverage()
    meta = queries.meta_values(con, ("home_region", "synthetic_region"))
    return Coverage(home_region=meta.get("home_region") or None,
                    synthetic_region=meta.get("synthetic_region") or None)


def served_catalogue(con, extra_dirs: Iterable[str | Path] = ()) -> Catalogue:
    """Every indicator whose figures a warehouse may hold: the shipped catalogue with the
    external indicators, the region's own (``extra_dirs``, ``Settings.catalogue_dirs``) and one
    survey indicator per question in the warehouse's ``survey_questions``."""
    base = load_catalogue(include_external=True,
                          extra_dirs=tuple(str(d) for d in extra_dirs))
    if not queries.has_table(con, "survey_questions"):
        return base
    return with_survey_questions(base, queries.survey_questions(con))
