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
        from jamlik.model import Settings, t
        from jamlik.pipeline.compute import compute_all

        settings = Settings.from_env(db_path=db, language=lang, catalogue_dirs=catalogue)
        if not settings.db_path.exists():
            console.print(t("cli.no_db", settings.language, path=settings.db_path))
            raise typer.Exit(1)

        def computed(report) -> None:
            console.print(t("cli.compute_done", settings.language, computed=len(report.computed),
                            unchanged=len(report.skipped), rows=report.rows,
                            seconds=report.seconds))
            if report.missing:
                console.print(t("cli.compute_missing", settings.language,
                                n=len(report.missing)))
                for ind, why in sorted(report.missing.items()):
                    console.print(f"  {ind}: {why}")

        run = compute_all(settings.db_path, indicators=indicator, force=force, equity=equity,
                          catalogue_dirs=settings.catalogue_dirs, published=settings.published,
                          progress=lambda stage: progress_bar(f"jamlik {stage}"),
                          on_computed=computed)
        if run.equity is not None:
            console.print(run.equity)
        console.print(f"published {run.published.path}")
