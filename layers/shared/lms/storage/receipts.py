"""Receipts: the stored answer of an idempotent money request, written in the same transaction as
the loan commit it answers.

A request and its receipt take effect together or not at all, so a retry finds either both (and
replays the answer) or neither (and runs). Looking the receipt up costs one read, batched with the
other reads the operation needs; keeping it costs nothing beyond the commit it rides in. Receipts
live in the idempotency table beside Powertools' records (`id` key, `expiration` TTL), so they
expire after the same 24 hours.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from lms import jsonutil
from lms.config import get_settings
from lms.errors import Unprocessable
from lms.storage.compact import pack, unpack
from lms.storage.dynamo import ItemRef, Table


@dataclass(frozen=True)
class Answer:
    """A response as it was given: status, JSON body and headers."""

    status: int
    body: str
    headers: dict[str, str]


class AlreadyAnswered(Exception):
    """The request was answered before (its effect is committed): replay `answer`, change nothing."""

    def __init__(self, answer: Answer):
        super().__init__("already answered")
        self.answer = answer


def request_digest(path: str, body: str | None) -> str:
    """What makes two requests the same request: the path and the body's JSON (key order and
    spacing aside; amounts as written, so 10.5 and 10.50 differ)."""
    canonical = jsonutil.dumps(jsonutil.loads(body), sort_keys=True) if body else ""
    return hashlib.sha256(f"{path}\n{canonical}".encode()).hexdigest()


@dataclass(frozen=True)
class Receipt:
    """The receipt of one request: one per operation, API key and Idempotency-Key."""

    id: str
    request: str  # request_digest of the request it answers

    @classmethod
    def of(cls, operation: str, caller: str, idempotency_key: str, request: str) -> Receipt:
        return cls(f"receipt#{operation}#{caller}#{idempotency_key}", request)

    @property
    def ref(self) -> ItemRef:
        return ItemRef.of(get_settings().idempotency_table_name, {"id": self.id})

    def write_action(self, answer: Answer) -> dict:
        """The transaction item that stores `answer`; it fails if the receipt exists (the request
        was answered meanwhile: the commit it rides in fails with it)."""
        settings = get_settings()
        item = {
            "id": self.id,
            "status": "COMPLETED",
            "expiration": int(time.time()) + settings.idempotency_ttl_seconds,
            "request": self.request,
            "answer": pack(jsonutil.dumps({"status": answer.status, "body": answer.body, "headers": answer.headers})),
        }
        return Table(settings.idempotency_table_name).put_action(item, condition="attribute_not_exists(id)")

    def answer_in(self, item: dict) -> Answer:
        """The answer a found receipt holds; 422 if it answered a different request."""
        if item.get("request") != self.request:
            raise Unprocessable(
                "This Idempotency-Key was already used with a different request; use a new key per operation",
                reason="IDEMPOTENCY_KEY_REUSED",
            )
        stored = jsonutil.loads(unpack(item["answer"]))
        return Answer(int(stored["status"]), stored["body"], dict(stored["headers"]))
