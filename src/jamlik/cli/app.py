"""Typer application: ``jamlik demo build``, ``jamlik serve``, ``jamlik db info`` and friends."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from jamlik.cli._options import DbOption, LangOption, WaitOption
from jamlik.cli._progress import console, progress_bar
from jamlik.model import JamlikError, Settings, t

app = typer.Typer(
    name="jamlik", no_args_is_help=True, rich_markup_mode="rich",
    help="jamlik — jämlik hälsa och vård / equitable health and care.",
)
demo_app = typer.Typer(no_args_is_help=True, help="Demoregionen (syntetisk Östergötland) / demo region.")
db_app = typer.Typer(no_args_is_help=True, help="Databasen (lagret) / the warehouse.")
areas_app = typer.Typer(no_args_is_help=True, help="Områden och koder / areas and codes.")
app.add_typer(demo_app, name="demo")
app.add_typer(db_app, name="db")
app.add_typer(areas_app, name="areas")



def _settings(db: Path | None, lang: str | None = None) -> Settings:
    return Settings.from_env(db_path=db, language=lang)


def _open_reading(settings: Settings, wait: float):
    """The warehouse, read-only; waits (saying for whom) while another command writes it."""
    from jamlik.store.locks import open_warehouse

    return open_warehouse(settings.db_path, read_only=True, wait=wait, notify=lambda holder:
                          console.print(t("cli.waiting", settings.language, holder=holder,
                                          path=settings.db_path, seconds=wait), soft_wrap=True))


@demo_app.command("build")
def demo_build(
    db: DbOption = None,
    seed: Annotated[int, typer.Option(help="Slumpfrö / random seed.")] = Settings().seed,
    force: Annotated[bool, typer.Option("--force", help="Bygg om / rebuild even if present.")] = False,
    lang: LangOption = None,
) -> None:
    """Bygg demoregionen / build the synthetic demo region (Östergötland, 2015–2024)."""
    from jamlik.pipeline.demo import build_demo_warehouse

    settings = _settings(db, lang)
    started = time.perf_counter()
    with progress_bar("jamlik demo build") as update:
        result = build_demo_warehouse(settings.db_path, seed=seed, force=force, progress=update)
    if not result["built"]:
        console.print(t("cli.demo_exists", settings.language, path=settings.db_path))
        return
    console.print(t("cli.demo_built", settings.language, seconds=time.perf_counter() - started,
                    path=settings.db_path))


@app.command("serve")
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Adress / host to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    lang: LangOption = None,
) -> None:
    """Starta webbappen / start the web app."""
    import uvicorn

    from jamlik.web import create_app

    settings = _settings(db, lang)
    if not settings.db_path.exists():
        console.print(t("cli.no_db", settings.language, path=settings.db_path))
        raise typer.Exit(1)
    if not settings.published.exists():
        console.print(t("cli.not_published", settings.language, path=settings.published))
    console.print(t("cli.serving", settings.language, url=f"http://{host}:{port}"))
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@db_app.command("info")
def db_info(db: DbOption = None, lang: LangOption = None, wait: WaitOption = 10.0) -> None:
    """Visa schemaversion, tabeller och laddningar / show schema version, tables and loads."""
    from jamlik.store import queries

    settings = _settings(db, lang)
    if not settings.db_path.exists():
        console.print(t("cli.no_db", settings.language, path=settings.db_path))
        raise typer.Exit(1)
    with _open_reading(settings, wait) as wh:
        console.print(f"[bold]{settings.db_path}[/]  schema {wh.version}/{wh.latest_version}")
        home = wh.home_region
        if home:
            synthetic = wh.get_meta("synthetic_region")
            console.print(t("cli.info_region", settings.language, region=home) + (
                "  " + t("cli.info_synthetic", settings.language) if synthetic else ""))
        table = Table("table", "rows")
        for name, rows in wh.tables().items():
            table.add_row(name, f"{rows:,}".replace(",", " "))
        console.print(table)
        recent = Table("source", "kind", "tables", "rows", "finished (UTC)", "synthetic")
        for r in queries.recent_sources(wh.con, limit=10):
            recent.add_row(r["source"], r["kinds"] or "", str(r["tables"]),
                           f"{r['rows']:,}".replace(",", " "), f"{r['finished']:%Y-%m-%d %H:%M}",
                           "ja/yes" if r["synthetic"] else "")
        console.print(recent)


@db_app.command("migrate")
def db_migrate(db: DbOption = None) -> None:
    """Uppgradera schemat / apply pending schema migrations."""
    from jamlik.store import Warehouse

    settings = _settings(db)
    with Warehouse(settings.db_path) as wh:
        applied = wh.migrate()
        console.print(f"schema {wh.version}: applied {[m.name for m in applied] or 'nothing'}")


@areas_app.command("show")
def areas_show(code: str, db: DbOption = None, wait: WaitOption = 10.0) -> None:
    """Visa ett område och dess överordnade / show an area and its parents."""
    registry = _registry(db, wait)
    area = registry.validate(code)
    console.print(f"[bold]{area.code}[/] {area.name} ({area.level.value}, {area.vintage})")
    for parent in registry.ancestors(code):
        console.print(f"  ⊂ {parent.code} {parent.name} ({parent.level.value})")
    kids = registry.children(code)
    if kids:
        console.print(f"  {len(kids)} underområden / sub-areas, e.g. "
                      + ", ".join(f"{k.code} {k.name}" for k in kids[:5]))


@areas_app.command("search")
def areas_search(text: str, db: DbOption = None,
                 limit: Annotated[int, typer.Option(help="Max hits.")] = 20,
                 wait: WaitOption = 10.0) -> None:
    """Sök område på namn eller kod / search areas by name or code."""
    for area in _registry(db, wait).search(text, limit=limit):
        console.print(f"{area.code:<12} {area.level.value:<12} {area.name}")


def _registry(db: Path | None, wait: float):
    from jamlik.geo import AreaRegistry

    settings = _settings(db)
    if settings.db_path.exists():
        with _open_reading(settings, wait) as wh:
            if wh.version and wh.tables().get("areas"):
                return AreaRegistry.from_warehouse(wh.con)
    return AreaRegistry.builtin()


def _register_commands() -> None:
    """Command groups that live in their own modules (each adds itself to ``app``)."""
    from jamlik.cli import cohort, compute, equity, load, profile, refresh, strategy

    load.register(app)
    compute.register(app)
    equity.register(app)
    profile.register(app)
    cohort.register(app)
    strategy.register(app)
    refresh.register(app, db_app)


_register_commands()


def main() -> None:
    """Entry point: run the app, turning jamlik's own errors into a clear one-line message."""
    try:
        app()
    except JamlikError as exc:
        # One line, as it is (no wrapping at the terminal's width, no markup in the message).
        console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        raise SystemExit(2) from None
