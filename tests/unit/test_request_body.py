"""lms.api.request_body.parse and lms.text: the limits and the character rules, one by one."""

from decimal import Decimal

import pytest

from lms.api.request_body import parse
from lms.errors import InvalidArgument
from lms.limits import MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_NUMBER_LENGTH
from lms.text import ascii_digits, is_blank, text_problem


def refused(text) -> dict[str, str]:
    with pytest.raises(InvalidArgument) as failure:
        parse(text)
    return {d.field: d.message for d in failure.value.details}


def test_numbers_are_exact_and_bounded():
    assert parse('{"a": 10.50, "b": 3, "c": 1e3}') == {"a": Decimal("10.50"), "b": 3, "c": Decimal("1E+3")}
    assert parse("[" + "1" * MAX_NUMBER_LENGTH + "]") == [int("1" * MAX_NUMBER_LENGTH)]
    assert "body" in refused("[" + "1" * (MAX_NUMBER_LENGTH + 1) + "]")
    assert "body" in refused("[1e41]")
    assert "body" in refused("[0e-999]")
    assert refused("[Infinity]") == {"body": "Infinity is not a valid JSON number"}


def test_depth_counts_brackets_outside_strings_only():
    assert parse("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    assert refused("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)) == {
        "body": f"JSON is nested deeper than {MAX_JSON_DEPTH} levels"
    }
    assert parse('{"a": "[[[[\\"[[[[' + "[" * 100 + '"}')


def test_duplicates_bytes_and_size():
    assert refused('{"x": {"y": 1, "y": 2}}') == {"y": "is given more than once in the request body"}
    assert refused(b"\xff\xfe{}") == {"body": "must be UTF-8 encoded JSON (byte 0 is not UTF-8)"}
    assert refused('{"a": "\\udc00"}') == {"body": "must be valid Unicode text (a string holds a lone surrogate)"}
    assert parse('{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}
    assert "body" in refused('"' + "x" * MAX_BODY_BYTES + '"')


@pytest.mark.parametrize("value", ["١٢", "１２", "²", "12a", ""])  # noqa: RUF001
def test_ascii_digits_only(value):
    assert not ascii_digits(value)
    assert ascii_digits("0123456789")


def test_text_rules():
    assert text_problem("Zoë Ñúñez") is None
    assert text_problem("line one\nline two", multiline=True) is None
    assert text_problem("line one\nline two") == "must not contain control characters (found U+000A)"
    assert text_problem("a\u2028b", multiline=True) == "must not contain control characters (found U+2028)"
    assert text_problem("\u061cabc") == "must not contain bidirectional control characters (found U+061C)"
    assert is_blank("\u200b\u00ad\u2060\ufeff\u3164 ")
    assert not is_blank("\u200ba")
