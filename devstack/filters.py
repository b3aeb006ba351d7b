"""Lambda event filtering (the EventBridge pattern subset that event source mappings accept)."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

_MISSING = object()


def matches(pattern: dict[str, Any], record: Any) -> bool:
    if not isinstance(record, dict):
        return False
    for key, expected in pattern.items():
        value = record.get(key, _MISSING)
        if isinstance(expected, dict):
            if value is _MISSING or not matches(expected, value):
                return False
        elif isinstance(expected, list):
            if not any(_match_rule(rule, value) for rule in expected):
                return False
        else:
            raise ValueError(f"filter pattern values must be objects or arrays: {key}")
    return True


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _numeric(conditions: list, value: Any) -> bool:
    number = _number(value)
    if number is None:
        return False
    ops = {"=": number.__eq__, ">": number.__gt__, ">=": number.__ge__, "<": number.__lt__, "<=": number.__le__}
    return all(ops[op](Decimal(str(operand))) for op, operand in zip(conditions[::2], conditions[1::2], strict=True))


def _match_rule(rule: Any, value: Any) -> bool:
    if isinstance(rule, dict):
        if "exists" in rule:
            return (value is not _MISSING) == bool(rule["exists"])
        if value is _MISSING:
            return False
        if "prefix" in rule:
            return isinstance(value, str) and value.startswith(rule["prefix"])
        if "numeric" in rule:
            return _numeric(rule["numeric"], value)
        if "anything-but" in rule:
            excluded = rule["anything-but"]
            excluded = excluded if isinstance(excluded, list) else [excluded]
            return value not in excluded
        raise ValueError(f"unsupported filter rule {rule}")
    if value is _MISSING:
        return False
    if isinstance(value, list):
        return rule in value
    return value == rule


def any_filter_matches(filter_criteria: dict | None, record: dict) -> bool:
    filters = (filter_criteria or {}).get("Filters") or []
    if not filters:
        return True
    return any(matches(json.loads(f["Pattern"]), record) for f in filters)
