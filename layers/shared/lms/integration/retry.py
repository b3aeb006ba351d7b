"""Sending failed or dead-lettered events again, in their loan's order."""

from __future__ import annotations

import json

from lms.errors import FailedPrecondition
from lms.ids import new_ulid
from lms.integration.event_store import EventRecord, EventStore, PushStatus
from lms.integration.queue import send_in_order
from lms.storage import dynamo


def retry_event(event_id: str, events: EventStore | None = None) -> list[EventRecord]:
    """Re-send an event and every later event of its loan that is not pushed yet, in sequence order."""
    events = events or EventStore()
    record = events.get(event_id)
    if record.status is PushStatus.PUSHED:
        raise FailedPrecondition(f"Event {event_id} is already pushed", reason="ALREADY_PUSHED")
    return resend_loan(record.loan_id, from_seq=record.seq, events=events)


def resend_loan(loan_id: int, from_seq: int = 1, events: EventStore | None = None) -> list[EventRecord]:
    events = events or EventStore()
    waiting = [r for r in events.of_loan(loan_id) if r.seq >= from_seq and r.status is not PushStatus.PUSHED]
    staged = [
        events.save(
            r.model_copy(
                update={"status": PushStatus.STAGED, "dead_lettered": False, "held_by": None, "resends": r.resends + 1}
            )
        )
        for r in waiting
    ]
    # A fresh de-duplication id: SQS would drop a copy of a message it saw within five minutes.
    send_in_order(staged, deduplication_suffix=f":retry:{new_ulid()}")
    return staged


def redrive(dead_letter_queue_url: str, events: EventStore | None = None) -> dict[int, int]:
    """Empty the dead-letter queue: each loan found there has its unpushed events re-sent in order."""
    events = events or EventStore()
    sqs = dynamo.client("sqs")
    loans: dict[int, list[str]] = {}
    while True:
        batch = sqs.receive_message(
            QueueUrl=dead_letter_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=60
        ).get("Messages", [])
        if not batch:
            break
        for message in batch:
            loans.setdefault(int(json.loads(message["Body"])["loanId"]), []).append(message["ReceiptHandle"])
    resent: dict[int, int] = {}
    for loan_id, handles in loans.items():
        first = min((r.seq for r in events.of_loan(loan_id) if r.status is not PushStatus.PUSHED), default=None)
        resent[loan_id] = len(resend_loan(loan_id, from_seq=first, events=events)) if first is not None else 0
        for handle in handles:
            sqs.delete_message(QueueUrl=dead_letter_queue_url, ReceiptHandle=handle)
    return resent
