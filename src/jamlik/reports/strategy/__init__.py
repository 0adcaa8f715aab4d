"""Goal follow-up outputs: the collaboration group's PDF brief and what goal views read."""

from jamlik.reports.strategy.brief import StrategyBrief, brief_pdf, strategy_brief
from jamlik.reports.strategy.data import (
    DocumentEntry,
    Place,
    documents,
    fulfilment,
    headline,
    region_places,
)

__all__ = [
    "DocumentEntry",
    "Place",
    "StrategyBrief",
    "brief_pdf",
    "documents",
    "fulfilment",
    "headline",
    "region_places",
    "strategy_brief",
]
