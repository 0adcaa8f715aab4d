"""`jamlik cohort run` on broken input: one error line naming the file (and row), exit status 2.

Issue 13 points 11–12: a header-only CSV gave a traceback, a ragged CSV named no row, and 30 kB
of random bytes was called "empty"; `suppression.min_count: 1` was accepted.
"""

from __future__ import annotations

import random

import pytest
from _study_files import FILES, SPEC, run_cli, write_study


def _run(tmp_path, spec=SPEC):
    path = write_study(tmp_path / "studie", spec=spec)
    return path, run_cli("cohort", "run", path, "--out", tmp_path / "ut")


def _one_error(result) -> str:
    assert result.code == 2, result.text
    assert "Traceback" not in result.text and len(result.error_lines) == 1, result.text
    return result.error_lines[0]


def test_the_tiny_study_runs(tmp_path):
    _, result = _run(tmp_path)
    assert result.code == 0, result.text
    assert (tmp_path / "ut" / "rapport.html").is_file()


@pytest.mark.parametrize("register", ["quality", "patient"])
def test_header_only_csv(tmp_path, register):
    path = write_study(tmp_path / "studie")
    f = path.parent / FILES[register]
    f.write_text(f.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    line = _one_error(run_cli("cohort", "run", path, "--out", tmp_path / "ut"))
    assert FILES[register] in line and "no data rows" in line
    assert not (tmp_path / "ut" / "rapport.html").exists()


@pytest.mark.parametrize(("extra", "fields"), [(";x;y", "5"), ("", "2")])
def test_ragged_csv_names_file_and_row(tmp_path, extra, fields):
    path = write_study(tmp_path / "studie")
    f = path.parent / FILES["patient"]
    lines = f.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4] + extra if extra else lines[4].rsplit(";", 1)[0]  # line 5 (header = line 1)
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    line = _one_error(run_cli("cohort", "run", path, "--out", tmp_path / "ut"))
    assert FILES["patient"] in line and "row 5" in line and f"has {fields} field" in line


@pytest.mark.parametrize("register", ["quality", "patient"])
def test_random_bytes_are_not_called_empty(tmp_path, register):
    path = write_study(tmp_path / "studie")
    (path.parent / FILES[register]).write_bytes(random.Random(13).randbytes(30_000))
    line = _one_error(run_cli("cohort", "run", path, "--out", tmp_path / "ut"))
    assert FILES[register] in line and "not a readable text/CSV file" in line and "empty" not in line


def test_min_count_below_the_floor_is_refused(tmp_path):
    _, result = _run(tmp_path, SPEC.replace("min_count: 5", "min_count: 1"))
    line = _one_error(result)
    assert "studie.yaml" in line and "suppression.min_count" in line and "value 1" in line and "floor" in line
    assert not (tmp_path / "ut").exists()
