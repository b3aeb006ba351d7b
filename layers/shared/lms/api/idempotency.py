"""Idempotency for money operations (Powertools' idempotency utility on DynamoDB).

Every money route requires an `Idempotency-Key` header (`X-Idempotency-Key` is accepted too),
scoped to the API key that sends it. The first request's response (status and body) is stored
for 24 hours: the same key with the same request replays it with `Idempotent-Replayed: true`
and no second effect; with a different request it is 422 IDEMPOTENCY_KEY_REUSED; while the
first is still running, a second waits briefly for its result, then gets 409
IDEMPOTENCY_KEY_IN_USE. A request that fails (any error) stores nothing, so it can be retried.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from lms.api.caller import caller_of
from lms.config import get_settings
from lms.errors import Aborted, InvalidArgument, Unprocessable
from lms.loans.domain.loan import Actor
from lms.loans.service import actor_for
from lms.storage import dynamo

HEADERS = ("idempotency-key", "x-idempotency-key")
MAX_KEY_LENGTH = 255
REPLAYED_HEADER = "Idempotent-Replayed"


def idempotency_key(headers: Any) -> str:
    for name in HEADERS:
        value = headers.get(name)
        if value is not None:
            value = value.strip()
            if not value or len(value) > MAX_KEY_LENGTH or not value.isprintable():
                raise InvalidArgument.field(
                    "Idempotency-Key",
                    f"must be 1 to {MAX_KEY_LENGTH} printable characters",
                    reason="BAD_IDEMPOTENCY_KEY",
                )
            return value
    raise InvalidArgument.field(
        "Idempotency-Key",
        "The header `Idempotency-Key` is mandatory for money operations (a UUID per payment intent).",
        reason="IDEMPOTENCY_KEY_REQUIRED",
    )


def actor_of(event: Any) -> Actor:
    """Who is acting, and what identifies the request across its retries: its Idempotency-Key with
    a digest of its path and body, so the same key sent with a different request is another request
    (Powertools refuses that for 24 hours; the loan's commit keys outlive that)."""
    if not any(event.headers.get(name) is not None for name in HEADERS):
        return actor_for(caller_of(event).key_id)
    request = f"{event.path}\n{event.body or ''}".encode()
    key = f"{idempotency_key(event.headers)}#{hashlib.sha256(request).hexdigest()[:16]}"
    return actor_for(caller_of(event).key_id, key)


def _mark_replayed(response: dict, _record: Any) -> dict:
    return {**response, "replayed": True}


def run_idempotent(app: APIGatewayRestResolver, operation: str, run: Callable[[], Response]) -> Response:
    """Run `run` once per (API key, Idempotency-Key); replay its stored response afterwards."""
    event = app.current_event
    key = idempotency_key(event.headers)
    caller = caller_of(event)
    settings = get_settings()
    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="request",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=settings.idempotency_ttl_seconds,
        response_hook=_mark_replayed,
    )
    if app.lambda_context is not None:
        config.register_lambda_context(app.lambda_context)
    persistence = DynamoDBPersistenceLayer(
        table_name=settings.idempotency_table_name, boto3_client=dynamo.client("dynamodb")
    )

    def execute(data: dict) -> dict:
        response = run()
        return {"status": response.status_code, "body": response.body, "headers": dict(response.headers or {})}

    guarded = idempotent_function(
        execute, data_keyword_argument="data", persistence_store=persistence, config=config, key_prefix=operation
    )
    data = {
        "key": f"{caller.key_id}#{key}",
        "request": {"path": event.path, "body": event.json_body if event.body else None},
    }
    deadline = time.monotonic() + settings.idempotency_wait_seconds
    while True:
        try:
            stored = guarded(data=data)
            break
        except IdempotencyValidationError:
            raise Unprocessable(
                "This Idempotency-Key was already used with a different request; use a new key per operation",
                reason="IDEMPOTENCY_KEY_REUSED",
            ) from None
        except IdempotencyAlreadyInProgressError:
            if time.monotonic() >= deadline:
                raise Aborted(
                    "A request with this Idempotency-Key is still in progress; retry shortly",
                    reason="IDEMPOTENCY_KEY_IN_USE",
                ) from None
            time.sleep(0.05)
    headers = dict(stored.get("headers") or {})
    headers[REPLAYED_HEADER] = "true" if stored.get("replayed") else "false"
    return Response(stored["status"], content_types.APPLICATION_JSON, stored["body"], headers=headers)
