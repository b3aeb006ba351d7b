"""Opaque cursors for lists paged by key rather than by offset: the positions a list has reached,
as URL-safe base64 of compact JSON. A cursor that does not decode is the caller's mistake, named."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from lms.errors import InvalidArgument


def encode_cursor(state: dict[str, Any]) -> str:
    text = json.dumps(state, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(text: str, field: str = "cursor") -> dict[str, Any]:
    try:
        padded = text + "=" * (-len(text) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidArgument.field(field, "is not a cursor this list returned (use nextCursor as given)") from None
    if not isinstance(state, dict):
        raise InvalidArgument.field(field, "is not a cursor this list returned (use nextCursor as given)")
    return state
