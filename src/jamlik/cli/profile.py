"""``jamlik profile CODE`` and ``jamlik profiles --level kommun``: area-profile reports.

Wire into the app with ``register(app)`` (see :mod:`jamlik.cli.app`).
"""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from jamlik.cli._options import DbOption, LangOption
from jamlik.cli._progress import console, progress_bar
from jamlik.model import Settings, t


class Audience(StrEnum):
    beslutsfattare = "beslutsfattare"
    analytiker = "analytiker"


class Format(StrEnum):
    pdf = "pdf"
    html = "html"


class Level(StrEnum):
    kommun = "kommun"
    vardcentral = "vardcentral"
    lan = "lan"


class Comparator(StrEnum):
    parent = "parent"
    nation = "nation"
    peers = "peers"


AudienceOption = Annotated[Audience, typer.Option(
    "--audience", help="Målgrupp / audience: beslutsfattare (2 sidor / 2 pages) or analytiker.")]
FormatOption = Annotated[Format, typer.Option("--format", help="pdf or html.")]


def _settings(db: Path | None, lang: str | None) -> Settings:
    settings = Settings.from_env(db_path=db, language=lang)
    if not settings.db_path.exists():
        console.print(t("cli.no_db", settings.language, path=settings.db_path))
        raise typer.Exit(1)
    return settings


def profile(
    code: Annotated[str, typer.Argument(help="Områdeskod / area code, e.g. 0580 or VC0580-01.")],
    audience: AudienceOption = Audience.beslutsfattare,
    format: FormatOption = Format.pdf,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Fil eller mapp / file or folder (default: ./CODE-AUDIENCE.FORMAT).",
        show_default=False)] = None,
    comparator: Annotated[Comparator, typer.Option(
        help="Jämför med / compare with: parent, nation or peers.")] = Comparator.parent,
    db: DbOption = None,
    lang: LangOption = None,
) -> None:
    """Skriv en områdesprofil / write one area profile (PDF or HTML)."""
    from jamlik.geo import AreaRegistry
    from jamlik.profiles import ProfileReader
    from jamlik.profiles.served import served_catalogue
    from jamlik.reports.profile import profile_report, render
    from jamlik.reports.profile.batch import file_name
    from jamlik.store import connect_read_only

    settings = _settings(db, lang)
    language = settings.language
    started = time.perf_counter()
    with connect_read_only(settings.db_path) as con:
        reader = ProfileReader(con, AreaRegistry.from_warehouse(con),
                               served_catalogue(con, settings.catalogue_dirs))
        area = reader.registry.validate(code)
        report = profile_report(
            reader.area_profile(area.code, comparator=comparator.value, lang=language),
            audience=audience.value, lang=language)
    name = file_name(area.code, audience.value, format.value, language)
    path = Path(out or name)
    if path.is_dir() or not path.suffix:
        path = path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render(report, format.value))
    console.print(t("report.cli.written", language, path=path,
                    seconds=time.perf_counter() - started))


def profiles(
    level: Annotated[Level, typer.Option(help="Nivå / level: kommun, vardcentral or lan.")],
    out: Annotated[Path, typer.Option("--out", help="Mapp / output folder.")],
    audience: AudienceOption = Audience.beslutsfattare,
    format: FormatOption = Format.pdf,
    workers: Annotated[int, typer.Option(
        help="Parallella processer / worker processes (1 = in this process).")] = 1,
    db: DbOption = None,
    lang: LangOption = None,
) -> None:
    """Skriv profiler för alla områden på en nivå / write profiles for every area of a level."""
    from jamlik.reports.profile import render_profiles

    settings = _settings(db, lang)
    language = settings.language
    with progress_bar(t("report.cli.progress", language)) as update:
        result = render_profiles(settings.db_path, level=level.value, out_dir=out,
                                 audience=audience.value, fmt=format.value, lang=language,
                                 workers=workers, catalogue_dirs=settings.catalogue_dirs,
                                 progress=update)
    if not result.paths:
        console.print(t("report.cli.no_areas", language, level=level.value,
                        region=_region_name(settings.db_path)))
        raise typer.Exit(1)
    console.print(t("report.cli.done", language, n=len(result.paths), out=out,
                    seconds=result.seconds))


def _region_name(db_path: Path) -> str:
    """The name of the warehouse's home region (the nation when it has none)."""
    from jamlik.geo import AreaRegistry
    from jamlik.profiles.served import read_coverage
    from jamlik.store import connect_read_only

    with connect_read_only(db_path) as con:
        region = read_coverage(con).region
        registry = AreaRegistry.from_warehouse(con)
    return registry[region].name if region in registry else region


def register(app: typer.Typer) -> None:
    """Add ``profile`` and ``profiles`` to the ``jamlik`` app."""
    app.command("profile")(profile)
    app.command("profiles")(profiles)
