"""The bytes of a request body: UTF-8 JSON within the limits of lms.limits, or a 400 naming why.

Checked once per request, before routing and validation, so that no body (too deep for Python's
recursive parser, a number past `int()`'s digit limit, bytes that are not UTF-8) ever reaches code
that would fail with a 500, and a key given twice is refused instead of the last one winning."""

from __future__ import annotations

import base64
import binascii
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from lms.errors import InvalidArgument
from lms.limits import MAX_BODY_BYTES, MAX_JSON_DEPTH, MAX_NUMBER_EXPONENT, MAX_NUMBER_LENGTH

NO_BODY = "This route takes no request body: send none (or an empty JSON object)"

# A JSON string literal, matched possessively so that no input makes it backtrack.
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]++")


class _Refused(ValueError):
    """Raised inside the parser's hooks; becomes an InvalidArgument naming `field`."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _number_text(text: str) -> str:
    return text if len(text) <= 12 else f"{text[:12]}..."


def _integer(text: str) -> int | Decimal:
    if len(text) > MAX_NUMBER_LENGTH:
        raise _Refused("body", f"the number {_number_text(text)} has more than {MAX_NUMBER_LENGTH} characters")
    return int(text)


def _decimal(text: str) -> Decimal:
    if len(text) > MAX_NUMBER_LENGTH:
        raise _Refused("body", f"the number {_number_text(text)} has more than {MAX_NUMBER_LENGTH} characters")
    try:
        number = Decimal(text)
    except InvalidOperation:  # the scanner only hands over valid literals; kept for safety
        raise _Refused("body", f"{_number_text(text)} is not a number") from None
    # 1e999999999 is 11 characters but a billion digits once an int() or quantize() writes it out.
    if not -MAX_NUMBER_EXPONENT <= number.adjusted() <= MAX_NUMBER_EXPONENT:
        raise _Refused(
            "body",
            f"the number {_number_text(text)} has an exponent outside -{MAX_NUMBER_EXPONENT} to {MAX_NUMBER_EXPONENT}",
        )
    return number


def _constant(name: str) -> Any:
    raise _Refused("body", f"{name} is not a valid JSON number")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        twice = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise _Refused(twice, "is given more than once in the request body")
    return result


def _too_deep(text: str) -> bool:
    """Whether arrays and objects nest deeper than MAX_JSON_DEPTH (brackets inside strings aside)."""
    depth = 0
    for bracket in _NOT_A_BRACKET.sub("", _STRING.sub('""', text)):
        if bracket in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        else:
            depth -= 1
    return False


def _lone_surrogate(value: Any) -> bool:
    """Whether a string of the document holds half a surrogate pair (`"\\ud800"`): valid JSON,
    but no UTF-8 text, so DynamoDB and every client downstream would fail on it."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def parse(text: str | bytes | None) -> Any:
    """A request body's JSON, numbers as int or Decimal; InvalidArgument naming the field (or
    `body`) for anything outside lms.limits, malformed or ambiguous."""
    if isinstance(text, bytes):
        text = _utf8(text)
    if text is None or not text.strip():
        raise InvalidArgument.field("body", "The request body is mandatory.")
    if len(text) > MAX_BODY_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        raise InvalidArgument.field("body", f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    if text.startswith("\ufeff"):
        raise InvalidArgument.field("body", "must not start with a byte-order mark (U+FEFF)")
    if _too_deep(text):
        raise InvalidArgument.field("body", f"JSON is nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = json.loads(
            text, parse_int=_integer, parse_float=_decimal, parse_constant=_constant, object_pairs_hook=_object
        )
    except _Refused as refused:
        raise InvalidArgument.field(refused.field, refused.message) from None
    except json.JSONDecodeError as err:
        where = f"line {err.lineno}, column {err.colno}"
        raise InvalidArgument.field("body", f"Malformed JSON: {err.msg} ({where})") from None
    except (RecursionError, ValueError):  # the checks above should make these unreachable
        raise InvalidArgument.field("body", "Malformed JSON: cannot be parsed") from None
    if _lone_surrogate(value):
        raise InvalidArgument.field("body", "must be valid Unicode text (a string holds a lone surrogate)")
    return value


def _utf8(raw: bytes) -> str:
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidArgument.field("body", f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InvalidArgument.field("body", f"must be UTF-8 encoded JSON (byte {err.start} is not UTF-8)") from None


def checked_event(event: dict[str, Any], takes_body: bool) -> dict[str, Any]:
    """The proxy event with its body as checked UTF-8 text (never base64), or None where the route
    takes no body and none (or `{}`) was sent; InvalidArgument for any other body."""
    body = event.get("body")
    if body is None or body == "":
        return event
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidArgument.field("body", "is not valid base64") from None
        text = _utf8(raw)
    else:
        text = body
    if not takes_body:
        if text.strip() and _parsed_or_none(text) != {}:
            raise InvalidArgument.field("body", NO_BODY)
        return {**event, "body": None, "isBase64Encoded": False}
    parse(text)
    return {**event, "body": text, "isBase64Encoded": False}


def _parsed_or_none(text: str) -> Any:
    try:
        return parse(text)
    except InvalidArgument:
        return None
