"""Identifiers that need no coordination: time-ordered (ULID layout) so keys sort by creation."""

from __future__ import annotations

import secrets
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_ulid() -> str:
    value = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)
