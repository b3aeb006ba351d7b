"""Builds the one OpenAPI document from every function's resolver (Powertools' OpenAPIMerge)."""

from __future__ import annotations

import json
import os
import warnings

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, HTTPBearer

from devstack.lambdas import environment_of
from devstack.template import load_stack
from lms.api.responses import ErrorOut

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
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


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
