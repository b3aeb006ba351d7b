"""The webhook delivery queue (SQS standard): one message per delivery, naming it by its key."""

from __future__ import annotations

from lms.config import get_settings
from lms.storage import dynamo
from lms.storage.queues import send_bodies


def send(deliveries: list[tuple[str, str, str]]) -> None:
    """Queue deliveries, each (subscription id, notice id, webhook-id)."""
    bodies = [
        {"subscriptionId": subscription_id, "noticeId": notice_id, "deliveryId": delivery_id}
        for subscription_id, notice_id, delivery_id in deliveries
    ]
    send_bodies(get_settings().webhook_queue_url, bodies, "webhook deliveries")


def delay(receipt_handle: str, seconds: int) -> None:
    """Make a received delivery message visible again in `seconds` (0: at once)."""
    dynamo.client("sqs").change_message_visibility(
        QueueUrl=get_settings().webhook_queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
    )
