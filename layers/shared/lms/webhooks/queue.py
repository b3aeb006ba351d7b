"""The webhook delivery queue (SQS standard): one message per delivery, naming it by its key."""

from __future__ import annotations

import json

from lms.config import get_settings
from lms.storage import dynamo

SQS_BATCH = 10


def send(deliveries: list[tuple[str, str, str]]) -> None:
    """Queue deliveries, each (subscription id, notice id, webhook-id)."""
    sqs = dynamo.client("sqs")
    url = get_settings().webhook_queue_url
    for start in range(0, len(deliveries), SQS_BATCH):
        batch = deliveries[start : start + SQS_BATCH]
        result = sqs.send_message_batch(
            QueueUrl=url,
            Entries=[
                {
                    "Id": str(index),
                    "MessageBody": json.dumps(
                        {"subscriptionId": subscription_id, "noticeId": notice_id, "deliveryId": delivery_id}
                    ),
                }
                for index, (subscription_id, notice_id, delivery_id) in enumerate(batch)
            ],
        )
        if result.get("Failed"):
            raise RuntimeError(f"SQS refused webhook deliveries: {result['Failed']}")


def delay(receipt_handle: str, seconds: int) -> None:
    """Make a received delivery message visible again in `seconds` (0: at once)."""
    dynamo.client("sqs").change_message_visibility(
        QueueUrl=get_settings().webhook_queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
    )
