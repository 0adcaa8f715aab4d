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
        from jamlik.model import Settings, t
        from jamlik.pipeline.compute import equity_all

        settings = Settings.from_env(db_path=db, language=lang)
        if not settings.db_path.exists():
            console.print(t("cli.no_db", settings.language, path=settings.db_path))
            raise typer.Exit(1)

        def waiting(holder: str) -> None:
            console.print(t("cli.waiting", settings.language, path=settings.db_path,
                            holder=holder, seconds=wait), soft_wrap=True)

        summary = equity_all(settings.db_path, indicators=indicator, wait=wait, notify=waiting,
                             progress=lambda stage: progress_bar(f"jamlik {stage}"))
        console.print(summary)
