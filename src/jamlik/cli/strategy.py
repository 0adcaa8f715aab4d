"""``jamlik strategy …``: import and export documents, manage users, write the PDF brief.

Documents, users and the audit log live in the strategy side file next to the warehouse
(``<db>.strategy.duckdb``, see :mod:`jamlik.web.auth`); the warehouse itself is only read (for
the brief). Changes are made as a named user whose password is asked for (or read from
``$JAMLIK_PASSWORD``), so the audit trail names a person. Wire into the app with
``register(app)``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from jamlik.cli._options import DbOption
from jamlik.cli._progress import console
from jamlik.model import JamlikError, Settings, t

strategy_app = typer.Typer(no_args_is_help=True,
                           help="Mål, strategier och samverkansplaner / goals, strategies, plans.")
users_app = typer.Typer(no_args_is_help=True, help="Användare och roller / users and roles.")
strategy_app.add_typer(users_app, name="users")

UserOption = Annotated[str, typer.Option(
    "--user", "-u", help="Ändra som / act as this user (password: prompt or $JAMLIK_PASSWORD).")]


def _state(db: Path | None, settings: Settings | None = None):
    from jamlik.web.auth import StrategyState

    return StrategyState(settings or Settings.from_env(db_path=db))


def _password(prompt: str = "Lösenord / password") -> str:
    return os.environ.get("JAMLIK_PASSWORD") or typer.prompt(prompt, hide_input=True)


def _fail(exc: Exception) -> None:
    """One line and exit status 2, as :func:`jamlik.cli.app.main` does for jamlik's errors."""
    console.print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
    raise typer.Exit(2)


def _act(state, username: str):
    with state.open() as (_, accounts):
        return accounts.authenticate(username, _password())


@strategy_app.command("import")
def import_(file: Annotated[Path, typer.Argument(help="YAML- eller Excel-fil / file.")],
            user: UserOption, db: DbOption = None) -> None:
    """Importera en strategi eller plan / import a strategy or plan (checked in full first)."""
    state = _state(db)
    try:
        actor = _act(state, user)
        with state.open() as (store, _):
            if file.suffix.lower() == ".xlsx":
                obj = store.import_excel(actor, file)
            else:
                obj = store.import_yaml(actor, file)
    except JamlikError as exc:
        _fail(exc)
    console.print(f"{obj.id} ← {file}")


@strategy_app.command("export")
def export(doc_id: Annotated[str, typer.Argument(help="Dokumentets id / document id.")],
           out: Annotated[Path, typer.Option("--out", help="Fil (.yaml eller .xlsx) / file.")],
           db: DbOption = None) -> None:
    """Exportera en strategi eller plan / export a strategy or plan (YAML or Excel)."""
    from jamlik.strategy import dump_yaml, write_excel
    from jamlik.strategy.places import documents

    state = _state(db)
    with state.open() as (store, _):
        docs = documents(store)
    if doc_id not in docs:
        _fail(JamlikError(f"no document {doc_id!r}; known: {sorted(docs)}"))
    obj = docs[doc_id].obj
    if out.suffix.lower() == ".xlsx":
        write_excel(obj, out)
    else:
        out.write_text(dump_yaml(obj), encoding="utf-8")
    console.print(f"{doc_id} → {out}")


@users_app.command("add")
def users_add(username: str, role: Annotated[str, typer.Option(help="viewer, editor or admin.")]
              = "viewer", as_: Annotated[str | None, typer.Option(
                  "--as", help="Administratör som lägger till / acting admin (not for the "
                  "first user).")] = None, db: DbOption = None) -> None:
    """Lägg till en användare / add a user (the first one must be an admin)."""
    state = _state(db)
    try:
        actor = _act(state, as_) if as_ else None
        password = typer.prompt(f"Nytt lösenord för {username} / new password", hide_input=True,
                                confirmation_prompt=True) if not os.environ.get(
                                    "JAMLIK_NEW_PASSWORD") else os.environ["JAMLIK_NEW_PASSWORD"]
        with state.open() as (_, accounts):
            created = accounts.create_user(actor, username, password, role)
    except JamlikError as exc:
        _fail(exc)
    console.print(f"{created.username} ({created.role})")


@users_app.command("list")
def users_list(db: DbOption = None) -> None:
    """Visa användare / list users."""
    state = _state(db)
    with state.open() as (_, accounts):
        users = accounts.users()
    table = Table("user", "role")
    for u in users:
        table.add_row(u.username, u.role)
    console.print(table)


@users_app.command("role")
def users_role(username: str, role: str, as_: Annotated[str, typer.Option(
        "--as", help="Administratör / acting admin.")], db: DbOption = None) -> None:
    """Ändra en användares roll / change a user's role (admins only)."""
    state = _state(db)
    try:
        actor = _act(state, as_)
        with state.open() as (_, accounts):
            changed = accounts.set_role(actor, username, role)
    except JamlikError as exc:
        _fail(exc)
    console.print(f"{changed.username} ({changed.role})")


@strategy_app.command("brief")
def brief(out: Annotated[Path, typer.Option("--out", help="PDF-fil / PDF file.")],
          strategy: Annotated[str, typer.Option(help="Strategins id / strategy id.")]
          = "strategi_for_halsa",
          plan: Annotated[str | None, typer.Option(help="Planens id / plan id.")] = None,
          db: DbOption = None,
          lang: Annotated[str | None, typer.Option("--lang", help="sv or en.")] = None) -> None:
    """Skriv lägesrapporten till samverkansgruppen / write the collaboration group's brief."""
    from jamlik.geo import AreaRegistry
    from jamlik.profiles.served import read_coverage
    from jamlik.reports.strategy import brief_pdf
    from jamlik.reports.strategy import strategy_brief as build
    from jamlik.store import connect_read_only, queries
    from jamlik.strategy.places import (
        documents,
        fulfilment,
        indicator_ids,
        region_places,
        synthetic_in,
    )

    settings = Settings.from_env(db_path=db, language=lang)
    if not settings.db_path.exists():
        console.print(t("cli.no_db", settings.language, path=settings.db_path))
        raise typer.Exit(1)
    state = _state(None, settings)
    with state.open() as (store, _):
        docs = documents(store)
    try:
        if strategy not in docs or docs[strategy].kind != "strategy":
            raise JamlikError(f"no strategy {strategy!r}; known: {sorted(docs)}")
        plans = [d for d in docs.values() if d.kind == "plan"]
        chosen = docs[plan].obj if plan in docs else (plans[0].obj if plans and not plan
                                                      else None)
        if plan and chosen is None:
            raise JamlikError(f"no plan {plan!r}; known: {[d.doc_id for d in plans]}")
        con = connect_read_only(settings.db_path)
        try:
            registry = (AreaRegistry.from_warehouse(con.cursor()) if queries.has_rows(con, "areas")
                        else AreaRegistry.builtin())
            places = region_places(registry, read_coverage(con.cursor()).region)
            frame = fulfilment(con.cursor(), docs[strategy].obj, places)
            synthetic = synthetic_in(con.cursor(), indicator_ids(docs[strategy].obj),
                                     [p.code for p in places])
        finally:
            con.close()
        pdf = brief_pdf(build(docs[strategy].obj, frame, places, plan=chosen,
                              lang=settings.language, synthetic=synthetic))
    except JamlikError as exc:
        _fail(exc)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    console.print(f"{out} ({len(pdf) // 1024} kB)")


def register(app: typer.Typer) -> None:
    """Add ``jamlik strategy …`` to the CLI."""
    app.add_typer(strategy_app, name="strategy")


__all__ = ["register", "strategy_app"]
