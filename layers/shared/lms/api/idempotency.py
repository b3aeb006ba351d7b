"""Idempotency for money operations.

Every money route requires an `Idempotency-Key` header (`X-Idempotency-Key` is accepted too),
scoped to the API key that sends it and to one request: the first request's response (status and
body) is stored for exactly 24 hours (`IDEMPOTENCY_TTL_SECONDS`). The same key with the same request
replays it with `Idempotent-Replayed: true` and no second effect; with a different request (another
body, another loan, another route, a journal-entry route or a loan route alike) it is 422
IDEMPOTENCY_KEY_REUSED. Two requests are the same when their path and what their body means are
(lms.api.fingerprint: 150 and 150.00 are one amount). A request that fails (any error) stores
nothing, so it can be retried. After the window the key is free: the same request is a new one.

Every key has one item in the idempotency table (`lms.storage.receipts.claim_id`), whoever wrote
it. Loan money routes (`answer_once`) store the response as a receipt in the loan's own commit
(lms.storage.receipts): three DynamoDB round trips, and a request and its answer can never be
parted. Journal-entry routes and the bulk request, which write no loan, use Powertools'
idempotency utility (`run_idempotent`) on the same item (`KeyClaims`).

A duplicate that arrives while the first request is still running (a double click, a client's
retry after its own time-out) is answered by one function for both, `_answer_of`: it gets the
first's answer, replayed, once that is known. On a loan route the two race for the loan's commit:
one wins, the other reads the winner's receipt and replays it. On the other routes the first holds
Powertools' record (INPROGRESS) while it runs: the duplicate waits for it, polling with a backoff,
and replays the answer it completes with; if the first fails (it stores nothing) the duplicate
runs itself. Only a first request still running after IDEMPOTENCY_WAIT_SECONDS leaves its
duplicate without an answer: 409 aborted IDEMPOTENCY_KEY_IN_USE with `Retry-After`, and a retry
with the same key then replays the first's answer.
"""

from __future__ import annotations

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
from lms.api.fingerprint import request_digest
from lms.api.responses import REPLAYED_HEADER, error_response
from lms.config import get_settings
from lms.errors import Aborted, InvalidArgument
from lms.loans.domain.aggregate.loan import Actor
from lms.loans.service.unit_of_work import Answering, actor_for
from lms.storage import dynamo
from lms.storage.receipts import AlreadyAnswered, Answer, Receipt, claim_id, expiration_from, now_seconds, reused

HEADERS = ("idempotency-key", "x-idempotency-key")
MAX_KEY_LENGTH = 255
# A duplicate waiting for the first request's answer looks again after 20 ms, doubling to 250 ms.
FIRST_PAUSE_SECONDS = 0.02
MAX_PAUSE_SECONDS = 0.25
IN_USE_RETRY_AFTER_SECONDS = 1


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
    its fingerprint, so the same key sent with a different request is another request (the
    receipts refuse that for 24 hours; a loan's commit keys made with a receipt answer as long)."""
    if not any(event.headers.get(name) is not None for name in HEADERS):
        return actor_for(caller_of(event).key_id)
    key = f"{idempotency_key(event.headers)}#{request_digest(event.path, event.body)[:16]}"
    return actor_for(caller_of(event).key_id, key)


def answer_of(response: Response) -> Answer:
    """A response as a receipt stores it."""
    return Answer(response.status_code, response.body, {k: str(v) for k, v in (response.headers or {}).items()})


def _replied(answer: Answer, replayed: bool) -> Response:
    headers = {**answer.headers, REPLAYED_HEADER: "true" if replayed else "false"}
    return Response(answer.status, content_types.APPLICATION_JSON, answer.body, headers=headers)


class FirstStillRunning(Exception):
    """The key is held by a request with the same meaning that has not answered yet."""


def _answer_of(attempt: Callable[[], tuple[Answer, bool]]) -> Response:
    """The answer to a money request, on every money route: `attempt` performs it, or finds the
    answer it already has (True: replayed), or raises FirstStillRunning while a request with the
    same key and meaning is still running. That duplicate gets the first's answer once it is known:
    `attempt` is made again, after 20 ms doubling to 250 ms, for up to IDEMPOTENCY_WAIT_SECONDS;
    past that, 409 IDEMPOTENCY_KEY_IN_USE with Retry-After."""
    deadline = time.monotonic() + get_settings().idempotency_wait_seconds
    pause = FIRST_PAUSE_SECONDS
    while True:
        try:
            answer, replayed = attempt()
        except FirstStillRunning:
            left = deadline - time.monotonic()
            if left <= 0:
                error = Aborted(
                    "A request with this Idempotency-Key is still in progress; retry shortly",
                    reason="IDEMPOTENCY_KEY_IN_USE",
                )
                return error_response(
                    error.status,
                    error.code,
                    error.message,
                    reason=error.reason,
                    headers={"Retry-After": str(IN_USE_RETRY_AFTER_SECONDS)},
                )
            time.sleep(min(pause, left))
            pause = min(pause * 2, MAX_PAUSE_SECONDS)
            continue
        return _replied(answer, replayed)


def answer_once(
    app: APIGatewayRestResolver,
    operation: str,
    perform: Callable[[Answering], tuple[Any, Any]],
    respond: Callable[[Any, Any], Response],
) -> Response:
    """Run a loan money operation once per (API key, Idempotency-Key) and replay its answer
    afterwards. `perform` runs the service with the request's Answering and returns the loan and
    what the operation produced; `respond` makes the response from those two. (`operation` names
    the route in traces; it is no part of the key.)"""
    event = app.current_event
    receipt = Receipt.of(
        caller_of(event).key_id, idempotency_key(event.headers), request_digest(event.path, event.body)
    )

    def attempt() -> tuple[Answer, bool]:
        answering = Answering(receipt, lambda loan, result: answer_of(respond(loan, result)))
        try:
            loan, result = perform(answering)
        except AlreadyAnswered as done:
            # Answered before, or by a duplicate that won the loan's commit while this one ran.
            return done.answer, True
        # No answer was stored when nothing was written (the operation changed nothing, or the
        # loan already held this request's commit), so the answer is made from the loan as it is.
        return answering.given or answer_of(respond(loan, result)), False

    return _answer_of(attempt)


def _mark_replayed(response: dict, _record: Any) -> dict:
    return {**response, "replayed": True}


class KeyClaims(DynamoDBPersistenceLayer):
    """Powertools' records kept where the loan routes' receipts are: the record of a key is its
    claim item (`claim_id`, not a hash per function) and its validation attribute the request's
    fingerprint, so a key taken on any route is found taken on every other. Its window ends when a
    receipt's does (`expiration_from`); Powertools checks it itself when it reads and overwrites."""

    def _get_hashed_idempotency_key(self, data: dict[str, Any]) -> str | None:
        return data["key"]

    def _get_hashed_payload(self, data: dict[str, Any]) -> str:
        return data["request"]

    def _get_expiry_timestamp(self) -> int:
        return expiration_from(now_seconds())


def run_idempotent(app: APIGatewayRestResolver, operation: str, run: Callable[[], Response]) -> Response:
    """Run `run` once per (API key, Idempotency-Key); replay its stored response afterwards.
    (`operation` names the route in traces; it is no part of the key.)"""
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
    persistence = KeyClaims(table_name=settings.idempotency_table_name, boto3_client=dynamo.client("dynamodb"))

    def execute(data: dict) -> dict:
        response = run()
        return {"status": response.status_code, "body": response.body, "headers": dict(response.headers or {})}

    guarded = idempotent_function(
        execute, data_keyword_argument="data", persistence_store=persistence, config=config, key_prefix=operation
    )
    data = {"key": claim_id(caller.key_id, key), "request": request_digest(event.path, event.body)}

    def attempt() -> tuple[Answer, bool]:
        try:
            stored = guarded(data=data)
        except IdempotencyValidationError:
            raise reused() from None
        except IdempotencyAlreadyInProgressError:
            raise FirstStillRunning from None
        headers = {k: str(v) for k, v in (stored.get("headers") or {}).items()}
        return Answer(stored["status"], stored["body"], headers), bool(stored.get("replayed"))

    return _answer_of(attempt)
