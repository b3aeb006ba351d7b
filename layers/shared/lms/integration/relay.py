"""The outbox relay: a loan's committed events, in sequence order, onto the FIFO queue.

Triggered by the core table's stream, but it never trusts the stream's order or completeness:
for the loan a record names, it reads the loan's outbox by key and sends every event above the
loan's relay cursor, in sequence order, then moves the cursor. The loan's head and the cursor are
one BatchGetItem: the head's tail holds the newest events, so a relay that keeps up reads no
history page, however long the loan's history; one that fell behind a seal reads back only the
newest pages, to the one holding its next event. A crash between sending and moving
the cursor only sends again: SQS de-duplicates by event id for five minutes, and the push skips
an event it has already pushed.
"""

from __future__ import annotations

import contextlib

from lms.integration.event_store import EventRecord, EventStore
from lms.integration.queue import send_in_order
from lms.loans.storage.item_format import relay_cursor_key as cursor_key
from lms.loans.storage.store import LoanStore
from lms.storage.dynamo import ConditionFailed, ItemRef, batch_get_across


def relay_loan(loan_id: int, loans: LoanStore | None = None, events: EventStore | None = None) -> list[EventRecord]:
    loans, events = loans or LoanStore(), events or EventStore()
    head, cursor = batch_get_across([loans.head_ref(loan_id), ItemRef.of(events.table.name, cursor_key(loan_id))])
    done = int(cursor["seq"]) if cursor else 0
    pending = loans.events_after(loan_id, head, done)
    if not pending:
        return []
    records = [events.stage(loan_id, event) for event in pending]
    send_in_order(records)
    # A concurrent relay that got further keeps its cursor.
    with contextlib.suppress(ConditionFailed):
        events.table.put(
            {
                "PK": cursor_key(loan_id).pk,
                "SK": cursor_key(loan_id).sk,
                "entity": "relayCursor",
                "seq": pending[-1].seq,
            },
            condition="attribute_not_exists(seq) OR seq < :seq",
            values_={":seq": pending[-1].seq},
        )
    return records
