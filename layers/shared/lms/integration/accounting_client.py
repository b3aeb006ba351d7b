"""The accounting system, behind a small interface: push one event, learn what became of it.

`HttpAccountingClient` speaks the seed's contract (JSON POST per event type with X-LMS-API-Key);
tests use a fake with the same interface.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from lms import jsonutil
from lms.integration.event_store import EventRecord

PATHS = {
    "DISBURSEMENT": "/lms-integration/disbursement",
    "REVENUE_REPORT": "/lms-integration/revenue-report",
    "REPAYMENT": "/lms-integration/repayment",
    "EARLY_SETTLEMENT": "/lms-integration/early-settlement",
    "REVERSAL": "/lms-integration/reversal",
}


class Outcome(StrEnum):
    PUSHED = "pushed"  # 200 with a success body
    REJECTED = "rejected"  # 400: the event itself is wrong (a bug on our side); it goes to the DLQ
    UNAUTHORIZED = "unauthorized"  # 401: our key is wrong (configuration); retried, never dropped
    RETRY = "retry"  # 200 with a failure body, 5xx, timeout, connection error


@dataclass(frozen=True)
class PushResult:
    outcome: Outcome
    detail: str


class AccountingClient(Protocol):
    def push(self, record: EventRecord, api_key: str) -> PushResult: ...


class HttpAccountingClient:
    def __init__(self, base_url: str, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def push(self, record: EventRecord, api_key: str) -> PushResult:
        request = urllib.request.Request(
            self.base_url + PATHS[record.type],
            data=jsonutil.dumps(record.payload).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-LMS-API-Key": api_key,
                # Lets the peer recognise a redelivery and lets a reversal name what it takes back.
                "X-LMS-Event-Id": record.id,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return _classify(response.status, response.read())
        except urllib.error.HTTPError as err:
            return _classify(err.code, err.read())
        except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
            return PushResult(Outcome.RETRY, f"accounting system unreachable: {err}")


def _classify(status: int, body: bytes) -> PushResult:
    text = body.decode("utf-8", "replace")[:500]
    if status == 200:
        try:
            answer = json.loads(text)
        except ValueError:
            return PushResult(Outcome.RETRY, f"200 with an unreadable body: {text}")
        if isinstance(answer, dict) and answer.get("success") is True:
            return PushResult(Outcome.PUSHED, answer.get("message", "accepted"))
        return PushResult(Outcome.RETRY, f"application failure: {text}")
    if status == 400:
        return PushResult(Outcome.REJECTED, f"400 Bad Request: {text}")
    if status == 401:
        return PushResult(Outcome.UNAUTHORIZED, "401 Unauthorized: X-LMS-API-Key is missing or wrong")
    return PushResult(Outcome.RETRY, f"HTTP {status}: {text}")
