"""Goal follow-up outputs: the collaboration group's PDF brief (what goal views read is
:mod:`jamlik.strategy.places`)."""

from jamlik.reports.strategy.brief import StrategyBrief, brief_pdf, strategy_brief

__all__ = ["StrategyBrief", "brief_pdf", "strategy_brief"]
