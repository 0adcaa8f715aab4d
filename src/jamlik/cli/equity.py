"""``jamlik equity``: inequality measures, mind-the-gap and LE-gap decomposition (issue 4 §2–§4).

The lead registers it on the application with ``register(app)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jamlik.cli._progress import console, progress_bar


def register(app: typer.Typer) -> None:
    """Add the ``equity`` command to ``app``."""

    @app.command("equity")
    def equity_command(
        db: Annotated[Path | None, typer.Option(
            "--db", help="Databasfil / warehouse file (default: $JAMLIK_DB or data/jamlik.duckdb).",
            show_default=False)] = None,
        indicator: Annotated[list[str] | None, typer.Option(
            "--indicator", help="Bara dessa indikatorer / only these indicator ids.",
            show_default=False)] = None,
    ) -> None:
        """Ojämlikhetsmått, gap och livslängdsgap / inequality measures, gaps, LE decomposition."""
        from jamlik.engine.equity_steps import run_equity
        from jamlik.model import Settings
        from jamlik.store import Warehouse

        settings = Settings.from_env(db_path=db)
        with Warehouse(settings.db_path) as wh, progress_bar("jamlik equity") as update:
            summary = run_equity(wh, indicators=indicator or None, progress=update)
        console.print(summary)
