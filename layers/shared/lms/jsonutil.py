"""JSON that keeps money exact: numbers parse to Decimal and Decimals print as JSON numbers."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import simplejson
from pydantic import BaseModel


def _reject_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not a valid JSON number", name, 0)


def loads(text: str | bytes | None) -> Any:
    """Parse JSON with every non-integer number as Decimal and NaN/Infinity refused."""
    if text is None or text in {"", b""}:
        raise json.JSONDecodeError("Request body is empty", "", 0)
    return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True, mode="python")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any, *, indent: int | None = None, sort_keys: bool = False) -> str:
    return simplejson.dumps(
        value, use_decimal=True, default=_default, ensure_ascii=False, indent=indent, sort_keys=sort_keys
    )
