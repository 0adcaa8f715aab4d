"""``jamlik init`` and ``jamlik load``: a region's own data into a warehouse."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from jamlik.cli._options import DbOption, LangOption
from jamlik.cli._progress import console, progress_bar

KeyFileOption = Annotated[Path | None, typer.Option(
    "--key-file", help="Pseudonymnyckel / pseudonym key file (default: $JAMLIK_KEY_FILE).",
    show_default=False)]


def register(app: typer.Typer) -> None:
    """Add ``init`` and ``load`` to ``app``."""

    @app.command("init")
    def init_command(
        region: Annotated[str, typer.Option(
            "--region", help="Hemregion: länskod (t.ex. 05) eller SE / home region: a län "
                             "code (e.g. 05) or SE.")],
        db: DbOption = None,
        key_file: KeyFileOption = None,
        lang: LangOption = None,
    ) -> None:
        """Skapa ett tomt lager med hela områdesregistret / create an empty warehouse with the
        full area registry (nation, län, kommuner, RegSO and DeSO of both vintages)."""
        from jamlik.model import Settings, t
        from jamlik.pipeline.init import init_warehouse

        settings = Settings.from_env(db_path=db, language=lang)
        key = key_file or _env_key()
        done = init_warehouse(settings.db_path, region=region, key_file=key)
        _publish(settings)
        lang_ = settings.language
        console.print(t("cli.init_done", lang_, path=done.db_path, region=done.region,
                        name=done.region_name, areas=done.areas,
                        deso=", ".join(f"{v}: {n}" for v, n in done.vintages.items())))
        if done.key_created:
            console.print(t("cli.key_created", lang_, path=key))

    @app.command("load")
    def load_command(
        kind: Annotated[str, typer.Argument(
            help="population, deaths, care, care-units, listings, conditions, measures, "
                 "survey, survey-national, aggregates")],
        files: Annotated[list[Path], typer.Argument(help="Filer / files (one load).")],
        mapping: Annotated[Path | None, typer.Option(
            "--mapping", help="Mappningsfil / mapping file (YAML).", show_default=False)] = None,
        key_file: KeyFileOption = None,
        db: DbOption = None,
        vintage: Annotated[str | None, typer.Option(
            "--vintage", help="DeSO-version / DeSO vintage: 2018, 2025 or by_year.",
            show_default=False)] = None,
        report: Annotated[Path | None, typer.Option(
            "--report", help="Mapp för laddningsrapporten / folder for the load report "
                             "(default: load-reports/<time>/ beside the warehouse).",
            show_default=False)] = None,
        skip_bad_rows: Annotated[bool, typer.Option(
            "--skip-bad-rows", help="Ladda de godkända raderna, lista resten / load the good "
                                    "rows and list the rejected ones.")] = False,
        classifications: Annotated[Path | None, typer.Option(
            "--classifications", help="Egna klassifikationsfiler / folder of classification "
                                      "files that replace the shipped ones.",
            show_default=False)] = None,
        memory_limit: Annotated[str, typer.Option(
            "--memory-limit", help="Minnesgräns / memory limit of the database engine; what "
                                   "does not fit is spilled to disk (e.g. 4GB).")] = "4GB",
        lang: LangOption = None,
    ) -> None:
        """Ladda en regions filer av ett slag / load a region's files of one kind (all or
        nothing; docs/data-layouts.md)."""
        from jamlik.ingest import KINDS
        from jamlik.model import InputError, Settings, t
        from jamlik.pipeline.load import load_files

        settings = Settings.from_env(db_path=db, language=lang)
        if kind not in KINDS:
            raise InputError("KIND", kind, f"one of {', '.join(KINDS)}")
        with progress_bar(f"jamlik load {kind}") as update:
            result = load_files(settings.db_path, kind, files, mapping_file=mapping,
                                key_file=key_file or _env_key(), vintage=vintage,
                                reports=report, skip_bad_rows=skip_bad_rows,
                                classifications=classifications, progress=update,
                                memory_limit=memory_limit)
        _publish(settings)
        console.print(result.summary())
        written = ", ".join(f"{table} {n}" for table, n in result.written.items())
        console.print(t("cli.load_written", settings.language, tables=written))
        for key, value in result.details.items():
            console.print(f"  {key}: {value}")
        if result.report_path:
            console.print(t("cli.load_report", settings.language, path=result.report_path))


def _publish(settings) -> None:
    """Publish the aggregate part of the warehouse, so the web app shows what was loaded and
    what to run next; person-level tables never leave the working file."""
    from jamlik.pipeline.publish import publish_snapshot

    publish_snapshot(settings.db_path, settings.published)


def _env_key() -> Path | None:
    value = os.environ.get("JAMLIK_KEY_FILE")
    return Path(value) if value else None
