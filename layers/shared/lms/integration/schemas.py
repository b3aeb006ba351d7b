"""Outbound event bodies for the integration API."""

from __future__ import annotations

from typing import Any

from lms.api.types import ResponseModel
from lms.integration.event_store import EventRecord


class EventOut(ResponseModel):
    id: str
    loan_id: str
    seq: int
    type: str
    status: str
    attempts: int
    last_error: str | None
    dead_lettered: bool
    held_by: str | None
    payload: dict[str, Any]
    created_at: str
    updated_at: str
    pushed_at: str | None

    @classmethod
    def of(cls, record: EventRecord) -> EventOut:
        return cls(
            **record.model_dump(exclude={"loan_id", "status", "resends"}),
            loan_id=str(record.loan_id),
            status=record.status.value,
        )
