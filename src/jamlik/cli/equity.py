"""``jamlik equity``: inequality measures, mind-the-gap and LE-gap decomposition.

The lead registers it on the application with ``register(app)``.
"""

from __future__ import annotations

import typer

from jamlik.cli._options import DbOption, IndicatorOption, LangOption, WaitOption
from jamlik.cli._progress import console, progress_bar


def register(app: typer.Typer) -> None:
    """Add the ``equity`` command to ``app``."""

    @app.command("equity")
    def equity_command(
        db: DbOption = None,
        indicator: IndicatorOption = None,
        wait: WaitOption = 60.0,
        lang: LangOption = None,
    ) -> None:
        """Ojämlikhetsmått, gap och livslängdsgap / inequality measures, gaps, LE decomposition."""
        from jamlik.engine.equity_steps import run_equity
        from jamlik.model import Settings, t
        from jamlik.store.locks import open_warehouse
        from jamlik.store.snapshots import writer_lock

        settings = Settings.from_env(db_path=db, language=lang)
        if not settings.db_path.exists():
            console.print(t("cli.no_db", settings.language, path=settings.db_path))
            raise typer.Exit(1)

        def waiting(holder: str) -> None:
            console.print(t("cli.waiting", settings.language, path=settings.db_path,
                            holder=holder, seconds=wait), soft_wrap=True)

        # Like compute: the writer lock for the whole run, then DuckDB's (a load may hold it).
        with writer_lock(settings.db_path, wait=wait, notify=waiting), \
                open_warehouse(settings.db_path, wait=wait, notify=waiting) as wh, \
                progress_bar("jamlik equity") as update:
            summary = run_equity(wh, indicators=indicator or None, progress=update)
        console.print(summary)
