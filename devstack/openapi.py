"""Builds the one OpenAPI document from every function's resolver (Powertools' OpenAPIMerge)."""

from __future__ import annotations

import ast
import json
import os
import re
import warnings

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, HTTPBearer

from devstack.lambdas import environment_of
from devstack.template import load_stack
from lms.api.idempotency import MAX_KEY_LENGTH
from lms.api.responses import REPLAYED_HEADER, ErrorOut

TITLE = "Loan Servicing API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Loans from application to close, a double-entry general ledger, and an ordered push of each "
    "loan's events to the lender's accounting system. Authenticate with `Authorization: Bearer <key>` "
    "or `X-API-Key: <key>`. Errors share one envelope: `{code, message, reason?, details[]}`."
)


def build_document() -> str:
    merge = OpenAPIMerge(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        security_schemes={
            "bearer": HTTPBearer(description="API key as a bearer token"),
            "apiKey": APIKey(name="X-API-Key", in_=APIKeyIn.header, description="API key header"),
        },
        security=[{"bearer": []}, {"apiKey": []}],
        on_conflict="error",
    )
    stack = load_stack()
    # Importing a handler is its cold start, which reads its configuration: give it the template's.
    for key, value in environment_of(stack).items():
        os.environ.setdefault(key, value)
    for fn in sorted(stack.functions.values(), key=lambda f: f.logical_id):
        if any(event.kind == "Api" for event in fn.events):
            merge.add_file(fn.module_file, resolver_name="app")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a handler that fails to import must fail the build
        document = json.loads(merge.get_openapi_json_schema())
    document = _with_error_envelope(_decimals_as_numbers(document))
    document = _with_routes_described(document, stack)
    document["servers"] = SERVERS
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


# The document is served at <base>/v1/openapi.json and its paths start with /v1, so `..`, resolved
# against the document's own address as OpenAPI says a relative server is, is the API's base on any
# stack: http://127.0.0.1:3000 locally, https://<api-id>.execute-api.<region>.amazonaws.com/api
# deployed (the stage is part of the path). The second entry spells the deployed form out for tools
# that need an absolute URL.
SERVERS = [
    {"url": "..", "description": "This stack: the address this document was fetched from, less /v1/openapi.json"},
    {
        "url": "https://{apiId}.execute-api.{region}.amazonaws.com/{stage}",
        "description": "A deployed stack (the stack's ApiUrl output)",
        "variables": {
            "apiId": {"default": "abc123defg", "description": "The REST API's id"},
            "region": {"default": "af-south-1", "description": "The AWS region it is deployed in"},
            "stage": {"default": "api", "description": "The API Gateway stage"},
        },
    },
]

IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": (
        "One value per operation you mean to perform (a UUID). A retry with the same key and the same "
        "request replays the first answer (`Idempotent-Replayed: true`) without doing anything again, for "
        "24 hours; the same key with another request is 422 IDEMPOTENCY_KEY_REUSED. "
        "`X-Idempotency-Key` is accepted too."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    "example": "4f1c2f8e-5b7a-4c1e-9a57-2d0f8a3b6c11",
}

# Answers of an authenticated route carry the key's rate-limit state (lms.auth.rate_limits); a 429
# also says when to come back. Declared once in components, referred to by each response.
HEADERS = {
    "X-RateLimit-Limit": {
        "description": "Requests this API key may make in the reported window",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Remaining": {"description": "Requests left in that window", "schema": {"type": "integer"}},
    "X-RateLimit-Reset": {
        "description": "When that window ends, in seconds since the epoch (UTC)",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Window": {
        "description": "The window reported: the one with the fewest requests left, or the one exceeded",
        "schema": {"type": "string", "enum": ["minute", "hour", "day"]},
    },
    "Retry-After": {
        "description": "Seconds to wait before the key's window allows another request",
        "schema": {"type": "integer", "minimum": 1},
    },
}
RATE_LIMIT_HEADERS = [name for name in HEADERS if name.startswith("X-RateLimit-")]


def _with_routes_described(document: dict, stack) -> dict:
    """What each route's handler module says about it (its docstring as the description), which
    routes are public, the Idempotency-Key of money routes and the rate-limit headers of answers."""
    routes = {(r.method.lower(), r.path): r for r in stack.routes}
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            route = routes[(method, path)]
            description = _description_of(stack.functions[route.function].module_file, method, path)
            if description:
                operation["description"] = description
            responses = operation.get("responses", {})
            success = [r for status, r in responses.items() if int(status) < 300]
            if any(REPLAYED_HEADER in (r.get("headers") or {}) for r in success):
                operation["parameters"] = [*operation.get("parameters", []), IDEMPOTENCY_KEY_PARAMETER]
            if route.public:
                operation["security"] = []
                responses.pop("401", None)
                continue
            for status, response in responses.items():
                if status == "401":  # refused by the authorizer, before any limit is counted
                    continue
                names = [*RATE_LIMIT_HEADERS, *(["Retry-After"] if status == "429" else [])]
                headers = response.setdefault("headers", {})
                headers.update({name: {"$ref": f"#/components/headers/{name}"} for name in names})
    document.setdefault("components", {})["headers"] = HEADERS
    return document


def _description_of(module_file, method: str, path: str) -> str:
    """A handler module's docstring, less the `METHOD /path...:` it starts with."""
    docstring = ast.get_docstring(ast.parse(module_file.read_text(encoding="utf-8"))) or ""
    text = re.sub(rf"^{method.upper()} \S+?:?\s", "", docstring, count=1).strip()
    text = re.sub(r"(?<!\n)\n(?!\n)", " ", text)  # the docstring's line wrapping, not its paragraphs
    if text.startswith(method.upper()) or len(text) < 2:
        return ""
    return text[0].upper() + text[1:]


# What pydantic documents a Decimal as in serialization mode (a string); lms.jsonutil writes every
# Decimal as a JSON number, so the document says number.
PYDANTIC_DECIMAL_PATTERN = r"^(?!^[-+.]*$)[+-]?0*\d*\.?\d*$"


def _decimals_as_numbers(node):
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("pattern") == PYDANTIC_DECIMAL_PATTERN:
            return {k: v for k, v in node.items() if k != "pattern"} | {"type": "number"}
        return {k: _decimals_as_numbers(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_decimals_as_numbers(v) for v in node]
    return node


# Answers any route can give besides those it documents itself (lms.api.responses).
EVERY_OPERATION_MAY_ANSWER = {
    "409": "Conflict: the resource changed concurrently or already exists (retry with the same Idempotency-Key)",
    "429": "Too many requests, or a limit of the resource reached",
}


def _with_error_envelope(document: dict) -> dict:
    """Describe errors as the API answers them: Powertools documents its own 422 validation shape,
    which this API maps to a 400 with the error envelope."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(unused, None)
    envelope = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(envelope.pop("$defs", {}))
    schemas["ErrorOut"] = envelope
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if responses.get("422", {}).get("description") == "Validation Error":
                del responses["422"]
            for status, meaning in EVERY_OPERATION_MAY_ANSWER.items():
                responses.setdefault(status, {"description": meaning})
            for status, response in responses.items():
                if int(status) >= 400:
                    response["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    return document
