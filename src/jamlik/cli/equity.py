"""``jamlik equity``: inequality measures, mind-the-gap and LE-gap decomposition (issue 4 §2–§4).

The lead registers it on the application with ``register(app)``.
"""

from __future__ import annotations

import typer

from jamlik.cli._options import DbOption, IndicatorOption
from jamlik.cli._progress import console, progress_bar


def register(app: typer.Typer) -> None:
    """Add the ``equity`` command to ``app``."""

    @app.command("equity")
    def equity_command(
        db: DbOption = None,
        indicator: IndicatorOption = None,
    ) -> None:
        """Ojämlikhetsmått, gap och livslängdsgap / inequality measures, gaps, LE decomposition."""
        from jamlik.engine.equity_steps import run_equity
        from jamlik.model import Settings
        from jamlik.store import Warehouse

        settings = Settings.from_env(db_path=db)
        with Warehouse(settings.db_path) as wh, progress_bar("jamlik equity") as update:
            summary = run_equity(wh, indicators=indicator or None, progress=update)
        console.print(summary)
