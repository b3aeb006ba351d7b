"""Webhook use cases: subscriptions (admin routes), the fan-out of notices, one delivery attempt."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import timedelta

from lms import clock
from lms.config import get_settings
from lms.errors import InvalidArgument
from lms.ids import new_ulid
from lms.observability import traced
from lms.storage.pagination import Page, PageAt
from lms.webhooks import network, queue
from lms.webhooks.domain import (
    DeliveryStatus,
    UnsafeUrl,
    WebhookEvent,
    message_id,
    new_secret,
    retry_delay,
    safe_target,
    signed_headers,
)
from lms.webhooks.store import (
    Attempt,
    Delivery,
    DeliveryBusy,
    DeliveryClosed,
    MalformedNotice,
    Subscription,
    WebhookStore,
    not_found,
    notice_of,
)

__all__ = ["DeliveryNotDone", "MalformedNotice", "WebhookService"]

_ID = re.compile(r"^wh_[0-9a-z]{26}$")
# How long an attempt holds its delivery beyond the HTTP time-out (the DynamoDB writes around it).
LEASE_MARGIN_SECONDS = 30


class DeliveryNotDone(Exception):
    """The attempt failed (or could not run now); its message comes back in `retry_in` seconds."""

    def __init__(self, message: str, retry_in: int, attempts: int):
        super().__init__(message)
        self.retry_in = retry_in
        self.attempts = attempts


def _epoch_ms() -> int:
    return int(clock.now().timestamp() * 1000)


@traced
class WebhookService:
    def __init__(self, store: WebhookStore | None = None):
        self.store = store or WebhookStore()

    # ------------------------------------------------------------------ subscriptions (admin)
    def create(self, url: str, events: Sequence[WebhookEvent], description: str | None) -> Subscription:
        settings = get_settings()
        try:
            safe_target(
                url,
                allow_http=settings.webhook_allow_http,
                allow_loopback=settings.webhook_allow_loopback,
                refused_ports=settings.webhook_refused_ports,
                resolve=network.resolve_host,
            )
        except UnsafeUrl as refused:
            raise InvalidArgument.field("url", str(refused)) from None
        subscription = Subscription(
            id=f"wh_{new_ulid().lower()}",
            url=url,
            events=tuple(event.value for event in events),
            description=description,
            secret=new_secret(),
            created_at=clock.timestamp(),
        )
        return self.store.create(subscription)

    def list(self, page: PageAt, rows: int) -> Page[Subscription]:
        return self.store.list(page, rows)

    def get(self, subscription_id: str) -> Subscription:
        found = self.store.find(subscription_id) if _ID.fullmatch(subscription_id) else None
        if found is None:
            raise not_found(subscription_id)
        return found

    def delete(self, subscription_id: str) -> Subscription:
        if not _ID.fullmatch(subscription_id):
            raise not_found(subscription_id)
        return self.store.delete(subscription_id)

    def deliveries(self, subscription_id: str, page: PageAt, rows: int) -> Page[Delivery]:
        self.get(subscription_id)
        return self.store.deliveries(subscription_id, page, rows)

    # ------------------------------------------------------------------ fan-out (core table stream)
    def active_subscriptions(self) -> list[Subscription]:
        return self.store.active()

    def fan_out(self, new_image: dict, subscriptions: Sequence[Subscription]) -> list[str]:
        """One delivery per subscription that wants the notice's event, created once and queued; the
        webhook-ids queued. A record seen again finds its deliveries and queues only those never
        queued or never attempted (a crash between creating and queueing); the worker drops copies.
        MalformedNotice for an image that is not a usable notice."""
        notice = notice_of(new_image)
        retention = get_settings().webhook_delivery_retention_days
        queued: list[tuple[str, str, str]] = []
        for subscription in subscriptions:
            if not subscription.wants(notice.type):
                continue
            delivery = Delivery(
                id=message_id(notice.id, subscription.id),
                subscription_id=subscription.id,
                notice_id=notice.id,
                event=notice.type,
                body=notice.body,
                status=DeliveryStatus.PENDING,
                created_at=clock.timestamp(),
            )
            created, stored = self.store.add_delivery(delivery, retention)
            if created or (stored.status is DeliveryStatus.PENDING and not stored.attempts):
                queued.append((subscription.id, notice.id, delivery.id))
        if queued:
            queue.send(queued)
        return [delivery_id for _, _, delivery_id in queued]

    # ------------------------------------------------------------------ one attempt (webhook queue)
    def deliver(self, message: dict) -> str:
        """Attempt one delivery: "delivered", "failed" (attempts used up), "abandoned" (subscription
        deleted) or "duplicate" (nothing left to do); DeliveryNotDone when it is to be retried."""
        settings = get_settings()
        delivery, subscription = self.store.delivery_and_subscription(message["subscriptionId"], message["noticeId"])
        if delivery is None or delivery.status is not DeliveryStatus.PENDING:
            return "duplicate"
        if subscription is None or not subscription.active:
            try:
                self.store.give_up(delivery, "subscription deleted")
            except DeliveryClosed:
                return "duplicate"
            return "abandoned"
        now_ms = _epoch_ms()
        try:
            delivery, lease = self.store.claim(
                delivery, now_ms, int((settings.webhook_timeout_seconds + LEASE_MARGIN_SECONDS) * 1000)
            )
        except DeliveryClosed:
            return "duplicate"
        except DeliveryBusy as busy:
            wait = max(1, math.ceil((busy.lease_until - now_ms) / 1000))
            raise DeliveryNotDone("another attempt is in progress", wait, len(delivery.attempts)) from None

        attempted_at = clock.timestamp()
        answer = self._post(subscription, delivery)
        attempt = Attempt(attempted_at, answer.status_code, answer.error, answer.duration_ms)
        attempts = len(delivery.attempts) + 1
        if answer.error is None:
            outcome, status, next_at, reason = "delivered", DeliveryStatus.SUCCEEDED, None, None
            wait = 0
        elif attempts >= settings.webhook_max_attempts:
            outcome, status, next_at = "failed", DeliveryStatus.FAILED, None
            reason = f"no 2xx answer after {attempts} attempts"
            wait = 0
        else:
            wait = retry_delay(attempts, settings.webhook_retry_base_seconds)
            outcome, status, reason = "retry", DeliveryStatus.PENDING, None
            next_at = (clock.now() + timedelta(seconds=wait)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        try:
            self.store.record_attempt(delivery, lease, attempt, status, next_at, reason)
        except DeliveryBusy:
            raise DeliveryNotDone("the attempt outlived its lease", 1, attempts) from None
        if outcome == "retry":
            raise DeliveryNotDone(answer.error or "failed", wait, attempts)
        return outcome

    def _post(self, subscription: Subscription, delivery: Delivery) -> network.Answer:
        settings = get_settings()
        try:
            # Checked again at every attempt, on the addresses the request then goes to.
            target = safe_target(
                subscription.url,
                allow_http=settings.webhook_allow_http,
                allow_loopback=settings.webhook_allow_loopback,
                refused_ports=settings.webhook_refused_ports,
                resolve=network.resolve_host,
            )
        except UnsafeUrl as refused:
            return network.Answer(None, f"URL refused: {refused}", 0)
        timestamp = int(clock.now().timestamp())
        headers = signed_headers(subscription.secret, delivery.id, timestamp, delivery.body)
        return network.post(target, headers, delivery.body.encode(), settings.webhook_timeout_seconds)

    def delay(self, receipt_handle: str, seconds: int) -> None:
        """Let a received delivery message come back after `seconds` (0: at once)."""
        queue.delay(receipt_handle, seconds)
