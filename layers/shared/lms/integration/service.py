"""Integration use cases: relaying a loan's events, pushing one, and the events' push status."""

from __future__ import annotations

from lms.config import get_settings
from lms.integration import queue
from lms.integration.accounting_client import HttpAccountingClient
from lms.integration.event_store import EventRecord, EventStore, PushStatus
from lms.integration.push import Pusher
from lms.integration.relay import relay_loan
from lms.integration.retry import retry_event
from lms.integration.secrets import accounting_api_key
from lms.observability import traced
from lms.storage.pagination import Page, PageAt


@traced
class IntegrationService:
    def __init__(self, events: EventStore | None = None):
        self.events = events or EventStore()

    def list_events(self, page: PageAt, rows: int, loan_id: int | None, status: PushStatus | None) -> Page[EventRecord]:
        return self.events.list(page, rows, loan_id, status)

    def retry(self, event_id: str) -> list[EventRecord]:
        """Send a failed or dead-lettered event again, then its loan's later unpushed events."""
        return retry_event(event_id, self.events)

    def relay(self, loan_id: int) -> list[EventRecord]:
        """Send the loan's committed events that are not on the push queue yet, in order."""
        return relay_loan(loan_id, events=self.events)

    def push(self, event_id: str, resends: int = 0) -> str:
        """Push one copy of an event (`resends`: which resend it is) to the accounting system; its
        outcome, or PushNotDone to retry it later."""
        settings = get_settings()
        client = HttpAccountingClient(settings.accounting_base_url, settings.accounting_timeout_seconds)
        return Pusher(self.events, client, accounting_api_key, queue.dead_letter).push(event_id, resends)

    def delay(self, receipt_handle: str, seconds: int) -> None:
        """Let a received push message come back after `seconds` (0: at once)."""
        queue.delay(receipt_handle, seconds)
