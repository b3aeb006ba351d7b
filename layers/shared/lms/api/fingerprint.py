"""What makes two requests the same request: their route and what their body means.

A client's serializer may write an amount as 150, 150.00 or 1.5E2, order keys as it likes and
space them as it likes; a retry of one request must be recognised whatever it chose. So the
fingerprint is taken over the body parsed (numbers as exact decimals, normalized) and written back
in one canonical form (keys sorted), never over its text.

Numbers that need no normalizing keep the text the fingerprint always gave them (150, 10.5), so
a loan's commit keys made before this canonical form still match the same request after it.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Context, Decimal, InvalidOperation

import simplejson

from lms.errors import InvalidArgument

# An integer is written out in full up to this many digits, beyond in normalized exponent form
# (1E+60): the canonical text of any number stays about as long as the number was written.
_FULL_DIGITS = 50


def _number(text: str) -> Decimal:
    """The number `text` denotes, in one form for all its spellings (150 = 150.00 = 1.5E2)."""
    value = Decimal(text)
    if value.is_zero():
        return Decimal(0)  # 0, -0, 0.00 and 0E5 are one number
    # Exact: normalizing and quantizing must never round two different numbers into one.
    exact = Context(prec=len(text) + _FULL_DIGITS + 2, Emax=999_999_999_999, Emin=-999_999_999_999)
    value = value.normalize(exact)
    if value.as_tuple().exponent > 0 and value.adjusted() < _FULL_DIGITS:  # type: ignore[operator]
        value = value.quantize(Decimal(1), context=exact)
    return value


def _refuse_constant(name: str) -> Decimal:
    raise ValueError(f"{name} is not a valid JSON number")


def canonical_json(body: str | bytes | None) -> str:
    """The body as one canonical JSON text ("" for no body). A body that is not JSON is a 400."""
    if body is None or body in {"", b""}:
        return ""
    try:
        # Numbers parse straight to their canonical Decimal: no pass over the tree is needed, and
        # no integer is ever converted to int (whose digit limit would raise).
        value = json.loads(body, parse_float=_number, parse_int=_number, parse_constant=_refuse_constant)
        return simplejson.dumps(value, use_decimal=True, sort_keys=True, ensure_ascii=False)
    except (ValueError, RecursionError, InvalidOperation, UnicodeDecodeError):
        raise InvalidArgument.field("body", "Malformed JSON: cannot be parsed") from None


def request_digest(path: str, body: str | bytes | None) -> str:
    """The fingerprint of a request: a SHA-256 of its path (which names the route and the loan or
    entry) and its body's canonical JSON."""
    return hashlib.sha256(f"{path}\n{canonical_json(body)}".encode()).hexdigest()
