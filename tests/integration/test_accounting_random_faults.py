"""The accounting system failing at random while loans live their lives: 429 and 5xx answers,
time-outs, slow answers, and answers lost after it applied the event (the push times out, sends
again, and the accounting system recognises the event by its X-LMS-Event-Id). Every event is
applied exactly once, in its loan's order, and ends PUSHED.

Seeded: a failing run prints LMS_PUSH_SEED, which replays it. LMS_PUSH_LOANS loans (12 in
`make test`, 1,000 in `make fuzz`), each disbursed, repaid twice and its last repayment reversed,
with the pipeline run between loans so that faults hit while new events are being created.
"""

from __future__ import annotations

import os
import random

import requests

from lms.config import reset_settings
from lms.integration.event_store import EventStore, PushStatus
from tests.integration.test_accounting_push import received
from tests.support.data import active_loan, key, repay

LOANS = int(os.environ.get("LMS_PUSH_LOANS", "12"))
SEED = int(os.environ.get("LMS_PUSH_SEED", str(random.randrange(2**32))))
FAULT_RATE = "0.3"


def test_every_event_is_applied_once_in_order_while_the_accounting_system_fails_at_random(
    operator, deliver, accounting, funded, monkeypatch
):
    print(f"\nLMS_PUSH_SEED={SEED} LMS_PUSH_LOANS={LOANS}")
    monkeypatch.setenv("ACCOUNTING_TIMEOUT_SECONDS", "0.5")  # a lost answer (0.8 s) is a time-out
    reset_settings()
    spec = f'{{"mode": "random", "rate": {FAULT_RATE}, "seed": {SEED}, "seconds": 0.8, "slowSeconds": 0.05}}'
    armed = requests.post(f"{accounting.url}/_control/outage", data=spec, timeout=5)
    assert armed.status_code == 200, armed.text
    loans = []
    for _ in range(LOANS):
        loan = active_loan(operator)
        repay(operator, loan["id"], 2000)
        last = repay(operator, loan["id"], 500).json
        reversed_ = operator.post(f"/v1/loans/{loan['id']}/repayments/{last['id']}/reverse", headers=key())
        assert reversed_.status == 200, reversed_
        loans.append(int(loan["id"]))
        deliver(rounds=2)
    for _ in range(200):
        if all(r.status is PushStatus.PUSHED for loan_id in loans for r in EventStore().of_loan(loan_id)):
            break
        deliver(rounds=5)
    drawn = requests.get(f"{accounting.url}/_control/outage", timeout=5).json()["outage"]["drawn"]
    print(f"faults drawn: {drawn}")
    requests.post(f"{accounting.url}/_control/outage", json={"mode": "reset"}, timeout=5)

    log = received(accounting)
    for loan_id in loans:
        records = EventStore().of_loan(loan_id)
        assert [r.status for r in records] == [PushStatus.PUSHED] * len(records), (SEED, loan_id, records)
        expected = [f"{loan_id}-{r.seq}" for r in records]
        mine = [e for e in log if e.get("loanId") == str(loan_id)]
        applied = [e["eventId"] for e in mine if e["accepted"] and not e.get("duplicateOf")]
        assert applied == expected, (SEED, loan_id, applied, expected)  # once each, in sequence order
        assert [r.type for r in records] == ["DISBURSEMENT", "REVENUE_REPORT", "REPAYMENT", "REPAYMENT", "REVERSAL"]
    assert sum(drawn.values()) > 0, drawn
