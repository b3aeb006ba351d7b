"""Compressed JSON for a loan's items: its head and its history pages (lms.loans.storage.history).

A loan's records are repetitive JSON (transactions, journal lines, events), which zlib shrinks
many times over: a head of about 6 KB of JSON is stored in about 1.4 KB, and a page of seven
repayments in about 1 KB.
"""

from __future__ import annotations

import base64
import zlib

from boto3.dynamodb.types import Binary

LEVEL = 6


def pack(text: str) -> bytes:
    return zlib.compress(text.encode("utf-8"), LEVEL)


def unpack(value: bytes | bytearray | Binary | str) -> str:
    """From a table read (bytes or Binary) or a Lambda stream event (base64 text)."""
    if isinstance(value, Binary):
        value = value.value
    if isinstance(value, str):
        value = base64.b64decode(value)
    return zlib.decompress(bytes(value)).decode("utf-8")
