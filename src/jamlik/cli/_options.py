"""Options shared by several commands, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DbOption = Annotated[Path | None, typer.Option(
    "--db", help="Databasfil / warehouse file (default: $JAMLIK_DB or data/jamlik.duckdb).",
    show_default=False)]
LangOption = Annotated[str | None, typer.Option(
    "--lang", help="Språk / language: sv or en (default: $JAMLIK_LANG or sv).",
    show_default=False)]
IndicatorOption = Annotated[list[str] | None, typer.Option(
    "--indicator", help="Bara dessa indikatorer / only these indicator ids.",
    show_default=False)]
CatalogueOption = Annotated[list[Path] | None, typer.Option(
    "--catalogue", help="Egna indikatorer / folder of the region's own indicator files (also "
                        "$JAMLIK_CATALOGUE).", show_default=False)]
WaitOption = Annotated[float, typer.Option(
    "--wait", help="Vänta så många sekunder om lagret används / seconds to wait while another "
                   "command holds the warehouse.", min=0)]
