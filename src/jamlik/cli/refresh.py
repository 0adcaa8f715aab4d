"""``jamlik refresh``, ``jamlik db publish`` and ``jamlik db rollback``.

The lead registers them with ``register(app, db_app)`` (``db_app`` is the ``jamlik db`` group).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jamlik.cli._options import DbOption
from jamlik.cli._progress import console

PublishedOption = Annotated[Path | None, typer.Option(
    "--published", help="Publicerad ögonblicksbild / published snapshot (default: "
                        "$JAMLIK_PUBLISHED or published/<db name> beside the warehouse).",
    show_default=False)]


def register(app: typer.Typer, db_app: typer.Typer) -> None:
    """Add ``refresh`` to ``app`` and ``publish``/``rollback`` to the ``db`` group."""

    @app.command("refresh")
    def refresh_command(
        db: DbOption = None,
        config: Annotated[Path, typer.Option(
            "--config", help="Deklarerade källor / declared sources (sources.yaml).")] = Path(
            "sources.yaml"),
        published: PublishedOption = None,
        accept_warnings: Annotated[bool, typer.Option(
            "--accept-warnings", help="Ladda trots varningar / load despite validation "
                                      "warnings.")] = False,
        force: Annotated[bool, typer.Option(
            "--force", help="Ladda om även oförändrade källor / reload unchanged sources "
                            "too.")] = False,
        lang: Annotated[str | None, typer.Option(
            "--lang", help="Språk / language: sv or en.", show_default=False)] = None,
    ) -> None:
        """Hämta källor, ladda det som ändrats, räkna om och publicera / fetch the declared
        sources, load what changed, recompute the affected indicators and publish a snapshot.
        Exits with status 1 (nothing published) when a source fails."""
        from jamlik.model import Settings
        from jamlik.pipeline.refresh import RefreshError, refresh

        settings = Settings.from_env(db_path=db, published_path=published, language=lang)
        try:
            report = refresh(config, db_path=settings.db_path, published_path=settings.published,
                             accept_warnings=accept_warnings, force=force,
                             lang=settings.language,
                             on_step=lambda step, source: console.print(f"{source}: {step}"))
        except RefreshError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from exc
        for o in report.outcomes:
            console.print(f"{o.source}: {o.status} ({o.rows} rows, periods "
                          f"{', '.join(o.periods) or '–'})")
        if report.published:
            console.print(f"published {report.published} ({report.seconds:.1f} s)")
        else:
            console.print("nothing changed; the published snapshot is unchanged")

    @db_app.command("publish")
    def publish_command(db: DbOption = None, published: PublishedOption = None,
                        keep: Annotated[int, typer.Option(
                            "--keep", help="Behåll så många tidigare / previous snapshots to "
                                           "keep.")] = 3) -> None:
        """Publicera lagret som läsbar ögonblicksbild / publish the warehouse as the read-only
        snapshot the web app serves."""
        from jamlik.model import Settings
        from jamlik.pipeline.publish import publish_snapshot

        settings = Settings.from_env(db_path=db, published_path=published)
        snap = publish_snapshot(settings.db_path, settings.published, keep=keep)
        console.print(f"published {snap.path} ({snap.bytes / 1e6:.1f} MB)")

    @db_app.command("rollback")
    def rollback_command(db: DbOption = None, published: PublishedOption = None,
                         to: Annotated[Path | None, typer.Option(
                             "--to", help="Denna sparade bild / this kept snapshot file "
                                          "(default: the newest).", show_default=False)] = None
                         ) -> None:
        """Återställ föregående ögonblicksbild / put the previous published snapshot back."""
        from jamlik.model import Settings
        from jamlik.pipeline.publish import rollback_snapshot

        settings = Settings.from_env(db_path=db, published_path=published)
        snap = rollback_snapshot(settings.db_path, settings.published, to=to)
        console.print(f"rolled back {snap.path}")
