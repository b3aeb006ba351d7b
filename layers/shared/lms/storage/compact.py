"""Compressed JSON for the one item that grows: a loan, whose item holds its whole history.

A loan's state is repetitive JSON (transactions, journal lines, events), which zlib shrinks about
thirty-fold: a loan with 300 repayments is ~620 KB of JSON but ~22 KB stored, far inside
DynamoDB's 400 KB item limit.
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
