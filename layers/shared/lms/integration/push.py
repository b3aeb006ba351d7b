"""Pushing one event to the accounting system, in its loan's order, at most once.

- An event already PUSHED is skipped (a redelivered message changes nothing).
- A copy queued before the event's latest retry or redrive is stale and dropped: it would sit
  ahead of the resent earlier events in the loan's FIFO group and wait for them for ever.
- An event whose predecessor (same loan, previous sequence number) is not PUSHED waits: the
  accounting system enforces per-loan order, and a retried or redriven event must not overtake.
  Behind a dead-lettered predecessor it is held instead: recorded FAILED with `held_by`, its
  message dropped, because only a redrive or retry of that event (which sends this one too) can
  let it through, and retrying it meanwhile would only spend the queue's receives.
- 200 with a success body: PUSHED. 400: our event is wrong; it goes to the dead-letter queue with
  the reason, and the loan's later events wait behind it. 401: the key is wrong; fetched afresh
  once, then logged as a configuration error and retried, never dropped. Anything else (200 with a
  failure body, 5xx, timeout, connection error): recorded as FAILED and retried with backoff.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from aws_lambda_powertools.metrics import MetricUnit

from lms import clock
from lms.config import get_settings
from lms.integration.accounting_client import AccountingClient, Outcome
from lms.integration.event_store import EventRecord, EventStore, PushStatus, event_id_of
from lms.observability import logger, metrics

MAX_BACKOFF_SECONDS = 900


class PushNotDone(Exception):
    """The event was not pushed this time; its message is retried later."""

    def __init__(self, message: str, attempts: int):
        super().__init__(message)
        self.attempts = attempts


def backoff_seconds(attempts: int) -> int:
    base = get_settings().push_retry_base_seconds
    return min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


@dataclass
class Pusher:
    events: EventStore
    client: AccountingClient
    api_key: Callable[[bool], str]  # force_fetch -> key
    dead_letter: Callable[[EventRecord, str], None]

    def push(self, event_id: str, resends: int = 0) -> str:
        record = self.events.get(event_id)
        if record.status is PushStatus.PUSHED:
            return "duplicate"
        if resends < record.resends:
            return "stale"
        if record.seq > 1:
            previous = self.events.find(event_id_of(record.loan_id, record.seq - 1))
            if previous is None or previous.status is not PushStatus.PUSHED:
                blocker = _dead_lettered_blocker(previous)
                if blocker:
                    return self._held(record, blocker)
                state = previous.status.value if previous else "not staged"
                self._failed(record, f"waiting for event {event_id_of(record.loan_id, record.seq - 1)} ({state})")
        if record.type == "REVERSAL" and not get_settings().accounting_reversals_enabled:
            self._failed(
                record,
                "reversals are not enabled for this accounting system: correct its books by hand, "
                "then retry this event once ACCOUNTING_REVERSALS_ENABLED is set or mark it handled",
            )
        result = self.client.push(record, self.api_key(False))
        if result.outcome is Outcome.UNAUTHORIZED:
            result = self.client.push(record, self.api_key(True))  # the key may have been rotated
        if result.outcome is Outcome.PUSHED:
            # From the commit that created the event to the accounting system's acknowledgement.
            lag = (clock.now() - datetime.fromisoformat(record.created_at)).total_seconds()
            metrics.add_metric(name="PushLagSeconds", unit=MetricUnit.Seconds, value=max(lag, 0))
            self._attempted(
                record,
                PushStatus.PUSHED,
                last_error=None,
                pushed_at=clock.timestamp(),
                dead_lettered=False,
                held_by=None,
            )
            return "pushed"
        if result.outcome is Outcome.REJECTED:
            self._attempted(record, PushStatus.FAILED, last_error=result.detail, dead_lettered=True)
            self.dead_letter(record, result.detail)
            logger.error("accounting system rejected an event", extra={"eventId": record.id, "detail": result.detail})
            return "dead-lettered"
        if result.outcome is Outcome.UNAUTHORIZED:
            logger.critical(
                "CONFIGURATION ERROR: the accounting system refuses our X-LMS-API-Key; events are held and retried",
                extra={"eventId": record.id},
            )
        self._failed(record, result.detail)

    def _attempted(self, record: EventRecord, status: PushStatus, **changes) -> EventRecord:
        """Record one more attempt at the event, ending in `status`."""
        return self.events.save(
            record.model_copy(update={"status": status, "attempts": record.attempts + 1, **changes})
        )

    def _held(self, record: EventRecord, blocker: str) -> str:
        error = f"held behind dead-lettered event {blocker}: redriving or retrying it sends this too"
        self._attempted(record, PushStatus.FAILED, held_by=blocker, last_error=error)
        return "held"

    def _failed(self, record: EventRecord, error: str) -> NoReturn:
        saved = self._attempted(record, PushStatus.FAILED, last_error=error)
        raise PushNotDone(error, saved.attempts)


def _dead_lettered_blocker(previous: EventRecord | None) -> str | None:
    """The dead-lettered event that `previous` is, or is held behind; None if it may still go."""
    if previous is None or previous.status is not PushStatus.FAILED:
        return None
    if previous.dead_lettered:
        return previous.id
    return previous.held_by
