"""The door of every YAML document (jamlik.model.yaml_input): encodings, syntax, depth, aliases
and non-finite numbers give one-line DataErrors naming the file, the place and the rule."""

from __future__ import annotations

import pytest

from jamlik.model import DataError
from jamlik.model.yaml_input import MAX_DEPTH, MAX_NODES, load_yaml


@pytest.mark.parametrize(("text", "key", "value"), [
    ("target:\n  change: -.inf\n", "target.change", float("-inf")),
    ("target: {value: .inf}\n", "target.value", float("inf")),
    ("a: [1, 2, .nan]\n", "a[2]", None),  # NaN != NaN: checked below
    ("big: 1.0e+400\n", "big", float("inf")),  # YAML reads an overflowing number as infinity
    ("big: 1.0e+300\n", "big", 1e300),
    ("n: 100000000000000000000\n", "n", 10**20),
])
def test_non_finite_and_overflowing_numbers_are_refused_with_the_key_path(text, key, value):
    with pytest.raises(DataError) as info:
        load_yaml(text.encode(), file="doc.yaml")
    err = info.value
    assert (err.file, err.column) == ("doc.yaml", key)
    if value is None:
        assert err.value != err.value
    else:
        assert err.value == value
    assert "finite number" in err.rule and "\n" not in str(err)


def test_ordinary_numbers_pass():
    assert load_yaml("a: [1, -2.5, 1.0e+12, 0]\n", file="x") == {"a": [1, -2.5, 1e12, 0]}


def test_deep_nesting_is_refused_before_parsing():
    text = "[" * 10_000 + "]" * 10_000  # PyYAML would hit the recursion limit
    with pytest.raises(DataError) as info:
        load_yaml(text, file="deep.yaml")
    assert info.value.row == 1 and f"nested more than {MAX_DEPTH}" in info.value.rule


def test_alias_bomb_is_refused():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, name = chr(96 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    with pytest.raises(DataError) as info:
        load_yaml("\n".join(lines), file="bomb.yaml")
    assert f"{MAX_NODES:,} values" in info.value.rule


def test_syntax_error_names_line_and_column():
    with pytest.raises(DataError) as info:
        load_yaml(b"sources:\n  - name: a\n    kind: [file\n", file="sources.yaml")
    assert info.value.file == "sources.yaml" and info.value.row == 4
    assert "line 4, column 1" in str(info.value)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_swedish_text_in_the_usual_encodings_is_read(encoding):
    text = "namn: Östergötlands län\nägare: Region Östergötland\n"
    assert load_yaml(text.encode(encoding), file="s.yaml") == {
        "namn": "Östergötlands län", "ägare": "Region Östergötland"}


def test_utf16_without_byte_order_mark_is_refused_naming_the_encoding():
    with pytest.raises(DataError) as info:
        load_yaml("namn: Östergötland\n".encode("utf-16-le"), file="s.yaml")
    assert "UTF-16 without a byte-order mark" in str(info.value)
