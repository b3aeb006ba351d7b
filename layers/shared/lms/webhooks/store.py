"""Webhook subscriptions, their deliveries, and the notices loan commits leave for them.

- Subscription: `WEBHOOK#<id>` / `WEBHOOK`, ByType `WEBHOOK` / `<id>` (ids are time-ordered), with
  `status` ACTIVE or DELETED (projected, so the fan-out's Query filters on it).
- Delivery: `WEBHOOK#<subscription id>` / `DELIVERY#<notice id>`: one per notice and subscription,
  created with `attribute_not_exists(PK)` so that a stream record handled twice makes one; ByParent
  `WEBHOOKDELIVERIES#<subscription id>` / `<createdAt>#<notice id>` lists them newest first. An
  attempt holds a lease on its delivery (`leaseId`, `leaseUntil`) so that two copies of its message
  never post at once.
- Notice: `NOTICE#<id>` / `NOTICE`, written by a loan's commit; read here from the stream's image.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lms import clock
from lms.errors import NotFound
from lms.loans.storage.item_format import StoredNotice, stored_notice_of
from lms.observability import traced
from lms.storage.dynamo import ConditionFailed, Key, Table
from lms.storage.pagination import KeyQuery, Page, PageAt, load_page
from lms.storage.tables import BY_PARENT, BY_TYPE, core_table
from lms.webhooks.domain import DeliveryStatus

_TYPE = "WEBHOOK"
ACTIVE = "ACTIVE"
DELETED = "DELETED"


@dataclass(frozen=True)
class Subscription:
    id: str
    url: str
    events: tuple[str, ...]
    description: str | None
    secret: str
    created_at: str
    deleted_at: str | None = None

    @property
    def active(self) -> bool:
        return self.deleted_at is None

    def wants(self, event: str) -> bool:
        return self.active and event in self.events


@dataclass(frozen=True)
class Attempt:
    attempted_at: str
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass(frozen=True)
class Delivery:
    id: str  # the webhook-id header
    subscription_id: str
    notice_id: str
    event: str
    body: str
    status: DeliveryStatus
    created_at: str
    attempts: tuple[Attempt, ...] = ()
    next_attempt_at: str | None = None
    failure_reason: str | None = None
    lease_id: str | None = None
    lease_until: int = 0  # epoch milliseconds


# A notice as a loan's commit wrote it (its item: lms.loans.storage.signal_items, read by item_format).
Notice = StoredNotice


def subscription_key(subscription_id: str) -> Key:
    return Key(f"WEBHOOK#{subscription_id}", "WEBHOOK")


def delivery_key(subscription_id: str, notice_id: str) -> Key:
    return Key(f"WEBHOOK#{subscription_id}", f"DELIVERY#{notice_id}")


class MalformedNotice(ValueError):
    """A notice item without the fields a delivery needs (a bug in its writer): it is skipped, and
    logged, rather than retried for ever, which would hold up the notices behind it on the stream."""


def notice_of(new_image: dict) -> Notice:
    """A notice from a stream record's NewImage (DynamoDB JSON)."""
    try:
        notice = stored_notice_of(new_image)
    except (KeyError, TypeError, ValueError, ArithmeticError) as err:
        raise MalformedNotice(f"notice without a usable {err}") from None
    if not all(isinstance(v, str) and v for v in (notice.id, notice.type, notice.body)):
        raise MalformedNotice("notice whose id, type or body is not a non-empty string")
    return notice


def _subscription(item: dict) -> Subscription:
    return Subscription(
        id=item["id"],
        url=item["url"],
        events=tuple(item["events"]),
        description=item.get("description"),
        secret=item["secret"],
        created_at=item["createdAt"],
        deleted_at=item.get("deletedAt"),
    )


def _attempt(raw: dict) -> Attempt:
    code = raw.get("statusCode")
    return Attempt(
        attempted_at=raw["attemptedAt"],
        status_code=int(code) if code is not None else None,
        error=raw.get("error"),
        duration_ms=int(raw["durationMs"]),
    )


def _delivery(item: dict) -> Delivery:
    return Delivery(
        id=item["id"],
        subscription_id=item["subscriptionId"],
        notice_id=item["noticeId"],
        event=item["event"],
        body=item["body"],
        status=DeliveryStatus(item["status"]),
        created_at=item["createdAt"],
        attempts=tuple(_attempt(a) for a in item.get("attempts", [])),
        next_attempt_at=item.get("nextAttemptAt"),
        failure_reason=item.get("failureReason"),
        lease_id=item.get("leaseId"),
        lease_until=int(item.get("leaseUntil", 0)),
    )


def _attempt_item(attempt: Attempt) -> dict:
    return {
        "attemptedAt": attempt.attempted_at,
        "statusCode": attempt.status_code,
        "error": attempt.error,
        "durationMs": attempt.duration_ms,
    }


def not_found(subscription_id: str) -> NotFound:
    return NotFound(f"Webhook {subscription_id} does not exist", reason="WEBHOOK_NOT_FOUND")


class DeliveryBusy(Exception):
    """Another attempt holds the delivery's lease (a second copy of its message is being handled)."""

    def __init__(self, lease_until: int):
        super().__init__("another attempt is in progress")
        self.lease_until = lease_until


class DeliveryClosed(Exception):
    """The delivery is no longer PENDING (or no longer exists): nothing is left to do."""


@traced
class WebhookStore:
    def __init__(self, table: Table | None = None):
        self.table = table or core_table()

    # ------------------------------------------------------------------ subscriptions
    def create(self, subscription: Subscription) -> Subscription:
        key = subscription_key(subscription.id)
        self.table.put(
            {
                "PK": key.pk,
                "SK": key.sk,
                "entity": "webhook",
                "id": subscription.id,
                "url": subscription.url,
                "events": list(subscription.events),
                "description": subscription.description,
                "secret": subscription.secret,
                "status": ACTIVE,
                "createdAt": subscription.created_at,
                "TypePK": _TYPE,
                "TypeSK": subscription.id,
            },
            condition="attribute_not_exists(PK)",
        )
        return subscription

    def find(self, subscription_id: str) -> Subscription | None:
        item = self.table.get(subscription_key(subscription_id))
        return _subscription(item) if item else None

    def list(self, page: PageAt, rows: int) -> Page[Subscription]:
        candidates = KeyQuery("TypePK = :t", {":t": _TYPE}, index=BY_TYPE, projection="PK, SK")
        return load_page(self.table, candidates, page, rows, _subscription)

    def active(self) -> list[Subscription]:
        """Every active subscription: one Query of the type index (status is projected), one batch read."""
        keys = [
            Key(item["PK"], item["SK"])
            for item in self.table.query(
                "TypePK = :t",
                {":t": _TYPE, ":active": ACTIVE},
                index=BY_TYPE,
                projection="PK, SK",
                filter_="#status = :active",
                names={"#status": "status"},
            )
        ]
        found = [_subscription(item) for item in self.table.batch_get(keys)] if keys else []
        return [s for s in found if s.active]  # the index lags the table; the item decides

    def delete(self, subscription_id: str) -> Subscription:
        """Mark a subscription DELETED (kept, with its deliveries, for the record); idempotent."""
        try:
            item = self.table.update(
                subscription_key(subscription_id),
                "SET #status = :deleted, deletedAt = :now",
                condition="attribute_exists(PK) AND #status = :active",
                names={"#status": "status"},
                values_={":deleted": DELETED, ":active": ACTIVE, ":now": clock.timestamp()},
            )
        except ConditionFailed as failed:
            stored = failed.item or self.table.get(subscription_key(subscription_id))
            if not stored:
                raise not_found(subscription_id) from None
            return _subscription(stored)  # deleted already
        return _subscription(item)

    # ------------------------------------------------------------------ deliveries
    def add_delivery(self, delivery: Delivery, retention_days: int) -> tuple[bool, Delivery]:
        """Create the delivery once: (True, it) when this call created it, (False, the stored one)."""
        key = delivery_key(delivery.subscription_id, delivery.notice_id)
        expires = datetime.fromisoformat(delivery.created_at.replace("Z", "+00:00")) + timedelta(days=retention_days)
        try:
            self.table.put(
                {
                    "PK": key.pk,
                    "SK": key.sk,
                    "entity": "webhookDelivery",
                    "id": delivery.id,
                    "subscriptionId": delivery.subscription_id,
                    "noticeId": delivery.notice_id,
                    "event": delivery.event,
                    "body": delivery.body,
                    "status": delivery.status.value,
                    "attempts": [],
                    "createdAt": delivery.created_at,
                    "ParentPK": f"WEBHOOKDELIVERIES#{delivery.subscription_id}",
                    "ParentSK": f"{delivery.created_at}#{delivery.notice_id}",
                    "expiresAt": int(expires.timestamp()),
                },
                condition="attribute_not_exists(PK)",
            )
        except ConditionFailed as failed:
            stored = failed.item or self.table.get(key)
            return False, _delivery(stored) if stored else delivery
        return True, delivery

    def deliveries(self, subscription_id: str, page: PageAt, rows: int) -> Page[Delivery]:
        candidates = KeyQuery(
            "ParentPK = :p",
            {":p": f"WEBHOOKDELIVERIES#{subscription_id}"},
            index=BY_PARENT,
            projection="PK, SK",
            forward=False,
        )
        return load_page(self.table, candidates, page, rows, _delivery)

    def delivery_and_subscription(
        self, subscription_id: str, notice_id: str
    ) -> tuple[Delivery | None, Subscription | None]:
        """Both in one BatchGetItem (strongly consistent)."""
        wanted = [delivery_key(subscription_id, notice_id), subscription_key(subscription_id)]
        found = {(item["PK"], item["SK"]): item for item in self.table.batch_get(wanted)}
        delivery = found.get((wanted[0].pk, wanted[0].sk))
        subscription = found.get((wanted[1].pk, wanted[1].sk))
        return (
            _delivery(delivery) if delivery else None,
            _subscription(subscription) if subscription else None,
        )

    def give_up(self, delivery: Delivery, reason: str) -> Delivery:
        """A PENDING delivery becomes FAILED without another attempt (its subscription was deleted)."""
        try:
            item = self.table.update(
                delivery_key(delivery.subscription_id, delivery.notice_id),
                "SET #status = :failed, failureReason = :reason REMOVE nextAttemptAt",
                condition="#status = :pending",
                names={"#status": "status"},
                values_={
                    ":failed": DeliveryStatus.FAILED.value,
                    ":pending": DeliveryStatus.PENDING.value,
                    ":reason": reason,
                },
            )
        except ConditionFailed:
            raise DeliveryClosed() from None
        return _delivery(item)

    def claim(self, delivery: Delivery, now_ms: int, lease_ms: int) -> tuple[Delivery, str]:
        """Take the delivery's lease for one attempt: (the delivery as stored, the lease id)."""
        lease_id = uuid.uuid4().hex
        try:
            item = self.table.update(
                delivery_key(delivery.subscription_id, delivery.notice_id),
                "SET leaseId = :lease, leaseUntil = :until",
                condition="#status = :pending AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)",
                names={"#status": "status"},
                values_={
                    ":lease": lease_id,
                    ":until": now_ms + lease_ms,
                    ":now": now_ms,
                    ":pending": DeliveryStatus.PENDING.value,
                },
            )
        except ConditionFailed as failed:
            stored = failed.item
            if not stored or stored.get("status") != DeliveryStatus.PENDING.value:
                raise DeliveryClosed() from None
            raise DeliveryBusy(int(stored.get("leaseUntil", 0))) from None
        return _delivery(item), lease_id

    def record_attempt(
        self,
        delivery: Delivery,
        lease_id: str,
        attempt: Attempt,
        status: DeliveryStatus,
        next_attempt_at: str | None,
        failure_reason: str | None,
    ) -> Delivery:
        """Append the attempt and set the outcome, releasing the lease; only while this attempt holds it."""
        values: dict[str, Any] = {
            ":attempt": [_attempt_item(attempt)],
            ":status": status.value,
            ":lease": lease_id,
        }
        sets = ["attempts = list_append(attempts, :attempt)", "#status = :status"]
        removes = ["leaseId", "leaseUntil"]
        for name, value in (("nextAttemptAt", next_attempt_at), ("failureReason", failure_reason)):
            if value is None:
                removes.append(name)
            else:
                sets.append(f"{name} = :{name}")
                values[f":{name}"] = value
        try:
            item = self.table.update(
                delivery_key(delivery.subscription_id, delivery.notice_id),
                f"SET {', '.join(sets)} REMOVE {', '.join(removes)}",
                condition="leaseId = :lease",
                names={"#status": "status"},
                values_=values,
            )
        except ConditionFailed:
            raise DeliveryBusy(0) from None  # the lease ran out and another attempt took it
        return _delivery(item)
