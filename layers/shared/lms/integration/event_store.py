"""The push status of every outbound event (STAGED, PUSHED, FAILED), one item per event.

The events themselves live in their loan's item (the outbox, committed with each operation);
these records say where each one is on its way to the accounting system.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import field_validator

from lms import clock
from lms.errors import NotFound
from lms.loans.domain.aggregate.loan import OutboundEvent
from lms.loans.domain.records.payload import with_decimal_amounts
from lms.models import LmsModel
from lms.observability import traced
from lms.storage.dynamo import ConditionFailed, Key, Table
from lms.storage.pagination import KeyQuery, Page, PageAt, load_page
from lms.storage.tables import BY_PARENT, BY_STATUS, BY_TYPE, core_table


class PushStatus(StrEnum):
    STAGED = "STAGED"
    PUSHED = "PUSHED"
    FAILED = "FAILED"


class EventRecord(LmsModel):
    id: str
    loan_id: int
    seq: int
    type: str
    payload: dict[str, Any]
    status: PushStatus
    attempts: int = 0
    last_error: str | None = None
    dead_lettered: bool = False
    # The dead-lettered event of its loan that this one waits behind, its message dropped: a redrive
    # or retry of that event sends this one again, in order.
    held_by: str | None = None
    # How many times a retry or redrive has sent it again. A queued copy from before the latest
    # resend is stale: it would sit ahead of the resent earlier events in the loan's FIFO group.
    resends: int = 0
    created_at: str
    updated_at: str
    pushed_at: str | None = None

    @field_validator("payload")
    @classmethod
    def _amounts_are_decimal(cls, payload: dict) -> dict:
        return with_decimal_amounts(payload)

    @classmethod
    def of(cls, loan_id: int, event: OutboundEvent, status: PushStatus, at: str) -> EventRecord:
        """The record of a loan's committed event, in `status` since `at`."""
        return cls(
            id=event.id,
            loan_id=loan_id,
            seq=event.seq,
            type=event.type,
            payload=event.payload,
            status=status,
            created_at=event.created_at,
            updated_at=at,
        )

    def message(self) -> dict[str, Any]:
        """What travels on the queue: enough to push without reading the loan."""
        return {
            "eventId": self.id,
            "loanId": str(self.loan_id),
            "seq": self.seq,
            "type": self.type,
            "payload": self.payload,
            "resends": self.resends,
        }


def event_key(event_id: str) -> Key:
    return Key(f"EVENT#{event_id}", "EVENT")


def event_id_of(loan_id: int, seq: int) -> str:
    return f"{loan_id}-{seq}"


def _item(record: EventRecord) -> dict:
    key = event_key(record.id)
    return {
        "PK": key.pk,
        "SK": key.sk,
        "entity": "outboundEvent",
        "status": record.status.value,
        "TypePK": "EVENT",
        "TypeSK": f"{record.created_at}#{record.id}",
        "ParentPK": f"LOANEVENTS#{record.loan_id}",
        "ParentSK": f"{record.seq:08d}",
        "StatusPK": f"EVENT#{record.status.value}",
        "StatusSK": f"{record.created_at}#{record.id}",
        "state": record.model_dump_json(),
    }


def _from_item(item: dict) -> EventRecord:
    return EventRecord.model_validate_json(item["state"])


@traced
class EventStore:
    def __init__(self, table: Table | None = None):
        self.table = table or core_table()

    def stage(self, loan_id: int, event: OutboundEvent) -> EventRecord:
        """Record an event as STAGED once (a relay that runs again finds it and leaves it alone)."""
        record = EventRecord.of(loan_id, event, PushStatus.STAGED, clock.timestamp())
        try:
            self.table.put(_item(record), condition="attribute_not_exists(PK)")
        except ConditionFailed:
            return self.get(event.id)
        return record

    def get(self, event_id: str) -> EventRecord:
        item = self.table.get(event_key(event_id))
        if not item:
            raise NotFound(f"Event {event_id} does not exist", reason="EVENT_NOT_FOUND")
        return _from_item(item)

    def find(self, event_id: str) -> EventRecord | None:
        item = self.table.get(event_key(event_id))
        return _from_item(item) if item else None

    def save(self, record: EventRecord) -> EventRecord:
        updated = record.model_copy(update={"updated_at": clock.timestamp()})
        self.table.put(_item(updated))
        return updated

    def of_loan(self, loan_id: int) -> list[EventRecord]:
        keys = [
            Key(i["PK"], i["SK"])
            for i in self.table.query(
                "ParentPK = :p", {":p": f"LOANEVENTS#{loan_id}"}, index=BY_PARENT, projection="PK, SK"
            )
        ]
        return sorted((_from_item(i) for i in self.table.batch_get(keys)), key=lambda r: r.seq)

    def list(self, page: PageAt, rows: int, loan_id: int | None, status: PushStatus | None) -> Page[EventRecord]:
        if loan_id is not None:
            candidates = KeyQuery(
                "ParentPK = :p",
                {":p": f"LOANEVENTS#{loan_id}", **({":s": status.value} if status else {})},
                index=BY_PARENT,
                projection="PK, SK",
                filter_="#status = :s" if status else None,
                names={"#status": "status"} if status else None,
            )
        elif status is not None:
            candidates = KeyQuery(
                "StatusPK = :s", {":s": f"EVENT#{status.value}"}, index=BY_STATUS, projection="PK, SK"
            )
        else:
            candidates = KeyQuery("TypePK = :t", {":t": "EVENT"}, index=BY_TYPE, projection="PK, SK")
        return load_page(self.table, candidates, page, rows, _from_item)
