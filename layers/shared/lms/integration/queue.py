"""The FIFO queue to the accounting system: one message group per loan, so a loan's events keep
their order while different loans go in parallel."""

from __future__ import annotations

import json

from lms.config import get_settings
from lms.integration.event_store import EventRecord
from lms.storage import dynamo

SQS_BATCH = 10


def send_in_order(records: list[EventRecord], deduplication_suffix: str = "", queue_url: str | None = None) -> None:
    """Send events in the order given (SQS keeps order within a batch and a message group)."""
    url = queue_url or get_settings().push_queue_url
    sqs = dynamo.client("sqs")
    for start in range(0, len(records), SQS_BATCH):
        batch = records[start : start + SQS_BATCH]
        result = sqs.send_message_batch(
            QueueUrl=url,
            Entries=[
                {
                    "Id": str(index),
                    "MessageBody": json.dumps(record.message(), default=str),
                    "MessageGroupId": str(record.loan_id),
                    # The event id: SQS drops a copy sent again within five minutes (a relay re-run).
                    "MessageDeduplicationId": (record.id + deduplication_suffix)[:128],
                }
                for index, record in enumerate(batch)
            ],
        )
        if result.get("Failed"):
            raise RuntimeError(f"SQS refused events: {result['Failed']}")


def dead_letter(record: EventRecord, reason: str) -> None:
    """Park an event the accounting system rejected on the dead-letter queue, with the reason."""
    dynamo.client("sqs").send_message(
        QueueUrl=get_settings().push_dead_letter_queue_url,
        MessageBody=json.dumps(record.message(), default=str),
        MessageGroupId=str(record.loan_id),
        MessageDeduplicationId=f"{record.id}:rejected"[:128],
        MessageAttributes={"reason": {"DataType": "String", "StringValue": reason[:1000]}},
    )


def delay(receipt_handle: str, seconds: int) -> None:
    """Make a received push message visible again in `seconds` (0: at once)."""
    dynamo.client("sqs").change_message_visibility(
        QueueUrl=get_settings().push_queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
    )
