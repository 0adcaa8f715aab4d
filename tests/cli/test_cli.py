"""Every command has --help; db info and areas work on a warehouse."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from jamlik.cli import app

runner = CliRunner()

COMMANDS = [[], ["demo"], ["demo", "build"], ["demo", "registers"], ["serve"], ["compute"], ["equity"],
            ["profile"], ["profiles"], ["cohort"], ["cohort", "run"], ["db"], ["db", "info"],
            ["db", "migrate"], ["areas"], ["areas", "show"], ["areas", "search"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "jamlik")
def test_every_command_has_help(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_db_info_lists_tables(demo_db):
    result = runner.invoke(app, ["db", "info", "--db", str(demo_db)])
    assert result.exit_code == 0, result.output
    assert "person_years" in result.output and "schema" in result.output


def test_db_info_without_warehouse_says_what_to_do(tmp_path):
    result = runner.invoke(app, ["db", "info", "--db", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1
    assert "jamlik demo build" in result.output


def test_areas_show(demo_db):
    result = runner.invoke(app, ["areas", "show", "0580", "--db", str(demo_db)])
    assert result.exit_code == 0, result.output
    assert "Linköping" in result.output and "Östergötlands län" in result.output


def test_a_rerun_of_demo_build_is_a_no_op(demo_db):
    result = runner.invoke(app, ["demo", "build", "--db", str(demo_db), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "already exists" in result.output
