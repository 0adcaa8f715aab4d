"""CLI: ``jamlik cohort run SPEC --out DIR [--key-file F]`` and ``jamlik demo registers --out DIR``.

``register(app)`` adds the commands to a Typer app (the ``demo`` group is reused when present).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from jamlik.cli._progress import console, progress_bar

__all__ = ["register"]


def _group(app: typer.Typer, name: str, help_text: str) -> typer.Typer:
    for info in app.registered_groups:
        if info.name == name and info.typer_instance is not None:
            return info.typer_instance
    sub = typer.Typer(no_args_is_help=True, help=help_text)
    app.add_typer(sub, name=name)
    return sub


def cohort_run(
    spec: Annotated[Path, typer.Argument(help="Studiespecifikation (YAML) / study specification.")],
    out: Annotated[Path, typer.Option("--out", help="Resultatmapp / output folder.")],
    key_file: Annotated[Path | None, typer.Option(
        "--key-file", help="Pseudonymnyckel / pseudonym key file (default: pseudonym.key next to the spec).",
        show_default=False)] = None,
) -> None:
    """Kör en registerstudie / run a linked-register cohort study: tables, charts, rapport.html, rapport.pdf."""
    from jamlik.cohort import PseudonymKey, load_spec
    from jamlik.cohort.analysis import analyse
    from jamlik.model.errors import InputError
    from jamlik.reports.cohort import study_findings, write_outputs

    started = time.perf_counter()
    study = load_spec(spec)
    key_path = key_file or spec.parent / "pseudonym.key"
    if not key_path.is_file():
        raise InputError("--key-file", str(key_path), "an existing pseudonym key file",
                         hint="create one with: python -c \"import secrets; print(secrets.token_hex(32))\" > pseudonym.key")
    if out.resolve() in key_path.resolve().parents:
        raise InputError("--out", str(out), "a folder that does not contain the key file")
    key = PseudonymKey.from_file(key_path)
    with progress_bar("jamlik cohort run") as update:
        results = analyse(study, key, progress=lambda s, f: update(s, 0.8 * f))
        update("rapport", 0.85)
        write_outputs(results, out)
    for f in study_findings(results):
        console.print(f"• {f.text_sv}")
    rejected = int(results.files["rows_rejected"].sum())
    console.print(f"{results.cohort.table.height} personer / persons, {rejected} avvisade rader / rejected rows; "
                  f"{time.perf_counter() - started:.1f} s → {out / 'rapport.html'}")


def demo_registers(
    out: Annotated[Path, typer.Option("--out", help="Mapp för registerfilerna / folder for the extracts.")],
    seed: Annotated[int | None, typer.Option(help="Slumpfrö / random seed (default: the demo seed).")] = None,
) -> None:
    """Skriv syntetiska registerutdrag / write synthetic register extracts from the demo region."""
    from jamlik.demo.registers import write_demo_registers

    started = time.perf_counter()
    with progress_bar("jamlik demo registers") as update:
        written = write_demo_registers(out, seed=seed, progress=update)
    for name, path in written.files.items():
        console.print(f"{name:<11} {path}")
    console.print(f"spec        {written.spec}\nkey         {written.key_file} (endast demo / demo only)\n"
                  f"truth       {out / 'truth.json'}\n{time.perf_counter() - started:.1f} s. "
                  f"Kör / run: jamlik cohort run {written.spec} --out resultat")


def register(app: typer.Typer) -> None:
    """Add ``cohort run`` and ``demo registers`` to ``app``."""
    cohort_app = _group(app, "cohort", "Registerstudier (kohorter) / linked-register cohort studies.")
    cohort_app.command("run")(cohort_run)
    demo_app = _group(app, "demo", "Demoregionen (syntetisk Östergötland) / demo region.")
    demo_app.command("registers")(demo_registers)
