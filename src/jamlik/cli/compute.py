"""``jamlik compute``: compute every catalogue indicator into ``observations`` (issue 3 §3),
then publish the read-only snapshot the web app serves (issue 8 §3).

The lead registers it on the application with ``register(app)``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from jamlik.cli._options import DbOption, IndicatorOption
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
    ) -> None:
        """Beräkna indikatorerna / compute every indicator into the observations table."""
        from jamlik.engine import compute
        from jamlik.engine.compute import warehouse_catalogue
        from jamlik.engine.equity_steps import run_equity
        from jamlik.model import Settings
        from jamlik.store import Warehouse
        from jamlik.store.snapshots import publish, writer_lock

        settings = Settings.from_env(db_path=db)
        with writer_lock(settings.db_path), Warehouse(settings.db_path) as wh:
            with progress_bar("jamlik compute") as update:
                report = compute(wh, indicators=indicator or None, force=force, progress=update,
                                 catalogue=warehouse_catalogue(wh, settings.catalogue_dirs))
            console.print(f"{len(report.computed)} computed, {len(report.skipped)} unchanged, "
                          f"{report.rows} rows, {report.seconds:.1f} s")
            if equity and (report.computed or force):
                with progress_bar("jamlik equity") as update:
                    summary = run_equity(wh, indicators=indicator or None, progress=update)
                console.print(summary)
        with writer_lock(settings.db_path):
            snapshot = publish(settings.db_path, settings.published)
        console.print(f"published {snapshot.path}")
