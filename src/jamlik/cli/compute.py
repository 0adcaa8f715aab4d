"""``jamlik compute``: compute every catalogue indicator into ``observations``,
then publish the read-only snapshot the web app serves.

The lead registers it on the application with ``register(app)``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from jamlik.cli._options import CatalogueOption, DbOption, IndicatorOption, LangOption
from jamlik.cli._progress import console, progress_bar


def register(app: typer.Typer) -> None:
    """Add the ``compute`` command to ``app``."""

    @app.command("compute")
    def compute_command(
        db: DbOption = None,
        indicator: IndicatorOption = None,
        force: Annotated[bool, typer.Option(
            "--force", help="Räkna om allt / recompute even unchanged indicators.")] = False,
        equity: Annotated[bool, typer.Option(
            "--equity/--no-equity",
            help="Även ojämlikhetsmått, gap och livslängdsgap / also inequality measures, gaps "
                 "and the life-expectancy-gap decomposition.")] = True,
        catalogue: CatalogueOption = None,
        lang: LangOption = None,
    ) -> None:
        """Beräkna indikatorerna / compute every indicator into the observations table."""
        from jamlik.engine import compute
        from jamlik.engine.compute import warehouse_catalogue
        from jamlik.engine.equity_steps import run_equity
        from jamlik.model import Settings, t
        from jamlik.store import Warehouse
        from jamlik.store.snapshots import publish, writer_lock

        settings = Settings.from_env(db_path=db, language=lang, catalogue_dirs=catalogue)
        if not settings.db_path.exists():
            console.print(t("cli.no_db", settings.language, path=settings.db_path))
            raise typer.Exit(1)
        with writer_lock(settings.db_path), Warehouse(settings.db_path) as wh:
            wh.migrate()
            cat = warehouse_catalogue(wh, settings.catalogue_dirs)
            with progress_bar("jamlik compute") as update:
                report = compute(wh, indicators=indicator or None, force=force, progress=update,
                                 catalogue=cat)
            console.print(t("cli.compute_done", settings.language, computed=len(report.computed),
                            unchanged=len(report.skipped), rows=report.rows,
                            seconds=report.seconds))
            if report.missing:
                console.print(t("cli.compute_missing", settings.language,
                                n=len(report.missing)))
                for ind, why in sorted(report.missing.items()):
                    console.print(f"  {ind}: {why}")
            if equity and (report.computed or force):
                with progress_bar("jamlik equity") as update:
                    summary = run_equity(wh, indicators=indicator or None, progress=update,
                                         catalogue=cat)
                console.print(summary)
        with writer_lock(settings.db_path):
            snapshot = publish(settings.db_path, settings.published)
        console.print(f"published {snapshot.path}")
