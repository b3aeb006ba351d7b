"""Receipts: the stored answer of an idempotent money request, written in the same transaction as
the loan commit it answers.

A request and its receipt take effect together or not at all, so a retry finds either both (and
replays the answer) or neither (and runs). Looking the receipt up costs one read, batched with the
other reads the operation needs; keeping it costs nothing beyond the commit it rides in.

An Idempotency-Key belongs to one request of its API key, whatever the route: a receipt's id is
the API key and the Idempotency-Key (`claim_id`), not the operation, and it holds the request's
fingerprint (`validation`). Powertools' records for the routes that write no loan (journal entries,
a bulk request) are kept under the same id with the fingerprint in the same attribute
(lms.api.idempotency.KeyClaims), so whichever route took a key first, any other request with it
finds that item and is refused.

A receipt answers for exactly the idempotency window: `expiration` is the last whole second in
which it answers (Powertools' meaning of the attribute), checked against lms.clock when read and
when overwritten, so DynamoDB's TTL sweeper, which can be days late, only tidies up.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from lms import clock, jsonutil
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


def claim_id(caller: str, idempotency_key: str) -> str:
    """The one item an Idempotency-Key of an API key is known by, on every route. The key is
    hashed: it may be 255 characters of anything printable, and a digest has no `#` in it, so an
    id made from it (and a bulk item's, `#<index>` after it) never meets another key's."""
    return f"idem#{caller}#{hashlib.sha256(idempotency_key.encode()).hexdigest()}"


def now_seconds() -> int:
    return int(clock.now().timestamp())


def expiration_from(now: int) -> int:
    """The last second in which a record made at `now` answers: the window is exactly
    `idempotency_ttl_seconds` long."""
    return now + get_settings().idempotency_ttl_seconds - 1


def is_live(item: dict, now: int) -> bool:
    return int(item.get("expiration", 0)) >= now


def reused() -> Unprocessable:
    return Unprocessable(
        "This Idempotency-Key was already used with a different request; use a new key per operation",
        reason="IDEMPOTENCY_KEY_REUSED",
    )


@dataclass(frozen=True)
class Receipt:
    """The receipt of one request: one per API key and Idempotency-Key (one per item of a bulk
    request)."""

    id: str
    request: str  # the fingerprint of the request it answers (lms.api.fingerprint)

    @classmethod
    def of(cls, caller: str, idempotency_key: str, request: str) -> Receipt:
        return cls(claim_id(caller, idempotency_key), request)

    @classmethod
    def of_item(cls, caller: str, idempotency_key: str, index: int, request: str) -> Receipt:
        """An item's receipt under its bulk request's key: the request's own record is the claim."""
        return cls(f"{claim_id(caller, idempotency_key)}#{index}", request)

    @property
    def ref(self) -> ItemRef:
        return ItemRef.of(get_settings().idempotency_table_name, {"id": self.id})

    def write_action(self, answer: Answer, expiration: int) -> dict:
        """The transaction item that stores `answer` until `expiration`; it fails while a live
        record holds the id (the request was answered meanwhile, or another request took the key:
        the commit it rides in fails with it, and its retry reads which)."""
        settings = get_settings()
        item = {
            "id": self.id,
            "status": "COMPLETED",
            "expiration": expiration,
            "validation": self.request,
            "answer": pack(jsonutil.dumps({"status": answer.status, "body": answer.body, "headers": answer.headers})),
        }
        return Table(settings.idempotency_table_name).put_action(
            item,
            condition="attribute_not_exists(id) OR expiration < :now",
            values_={":now": now_seconds()},
        )

    def answer_in(self, item: dict | None) -> Answer | None:
        """The answer a receipt read holds: None if there is none in force (never written, or past
        its window); 422 if the key was taken by a different request, on any route."""
        if item is None or not is_live(item, now_seconds()):
            return None
        if item.get("validation") != self.request or "answer" not in item:
            raise reused()
        stored = jsonutil.loads(unpack(item["answer"]))
        return Answer(int(stored["status"]), stored["body"], dict(stored["headers"]))
