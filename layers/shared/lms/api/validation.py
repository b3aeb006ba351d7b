"""Turn pydantic/Powertools validation errors into field errors with readable messages."""

from __future__ import annotations

from typing import Any

from lms.errors import FieldError

_SOURCES = {"body", "query", "path", "header", "cookie"}


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "body"


def field_errors(errors: list[dict[str, Any]]) -> list[FieldError]:
    result: list[FieldError] = []
    for error in errors:
        kind = error.get("type", "")
        loc = tuple(error.get("loc", ()))
        if kind == "json_invalid":
            ctx = error.get("ctx") or {}
            result.append(FieldError("body", f"Malformed JSON: {ctx.get('error', 'cannot be parsed')}"))
            continue
        if kind == "unsupported_content_type":
            result.append(FieldError("Content-Type", error.get("msg", "Unsupported content type")))
            continue
        name = _field_name(loc)
        if kind == "missing":
            message = "The request body is mandatory." if name == "body" else f"The parameter `{name}` is mandatory."
        elif kind == "extra_forbidden":
            message = f"The parameter `{name}` is not supported."
        elif kind in {"model_attributes_type", "dict_type", "model_type"} and name == "body":
            message = "The request body must be a JSON object."
        else:
            message = str(error.get("msg", "is invalid"))
            for prefix in ("Value error, ", "Assertion failed, "):
                message = message.removeprefix(prefix)
        result.append(FieldError(name, message))
    return _dedupe(result)


def _dedupe(errors: list[FieldError]) -> list[FieldError]:
    seen: set[tuple[str, str]] = set()
    unique = []
    for error in errors:
        if (error.field, error.message) not in seen:
            seen.add((error.field, error.message))
            unique.append(error)
    return unique
