"""Documentation that is checked: every CLI command is in docs/cli.md, every doc link resolves."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command

from jamlik.cli import app

ROOT = Path(__file__).parents[1]


def _commands(command, prefix=()):
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*prefix, name))
    else:
        yield prefix, command


def test_every_command_and_option_is_documented():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for path, command in _commands(get_command(app)):
        name = "jamlik " + " ".join(path)
        assert f"`{name}" in text, f"{name} is not in docs/cli.md"
        line = next(ln for ln in text.splitlines() if f"`{name}" in ln)
        for param in command.params:
            option = param.opts[0]
            if option.startswith("--") and option not in ("--help", "--lang", "--db"):
                assert option in line, f"{name} {option} is not documented in docs/cli.md"


def test_readme_shows_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme


def test_relative_links_in_docs_resolve():
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            assert (doc.parent / target).exists(), f"{doc.name} links to missing {target}"
