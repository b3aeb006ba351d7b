"""The accounting push end to end for 1,000 loans: events per second from the loans' commit to the
accounting system's acknowledgement, and each loan's events applied once, in order.

Loans are written straight into the core table, each with four events not yet relayed
(DISBURSEMENT, the REVENUE_REPORT of the interest its first repayment paid, two REPAYMENTs; built
by the pure domain); their stream records start the
relay, which stages them and sends them to the FIFO queue (message group = loan), and the push
delivers them to the local accounting system over HTTP. `BENCH_PUSH_LOANS` sets the number.
"""

from __future__ import annotations

import os
import time
from datetime import date

import boto3
import pytest
import requests
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tests.support.domain import DomainLoan, product

LOANS = int(os.environ.get("BENCH_PUSH_LOANS", "1000"))
FIRST_ID = 3_000_000
ADMIN = "lms_bench-admin-key"
LIMIT_SECONDS = 1800
EVENTS = ["DISBURSEMENT", "REVENUE_REPORT", "REPAYMENT", "REPAYMENT"]  # each loan's, in order


@pytest.fixture(scope="module")
def local_stack():
    from devstack.stack import LocalStack

    only = {"RelayOutboxFunction", "PushToAccountingFunction"}  # the push alone, not the ledger's work
    stack = LocalStack(port=0, admin_key=ADMIN, log_level="ERROR", only_workers=only).start()
    yield stack
    stack.stop()


def loan_items(count: int) -> list[dict]:
    """Each loan's head (and pages), its events unrelayed: what a commit leaves for the relay."""
    from lms.loans.storage.history import plan_write
    from lms.loans.storage.store import commit_items
    from lms.storage.dynamo import serialize

    domain = DomainLoan(product(), on=date(2026, 5, 1))
    domain.repay("2000.00", date(2026, 5, 3))
    domain.repay("1000.00", date(2026, 5, 5))
    template = domain.loan
    assert [e.type for e in template.outbox] == EVENTS
    items = []
    for loan_id in range(FIRST_ID, FIRST_ID + count):
        outbox = [
            event.model_copy(
                update={"id": f"{loan_id}-{event.seq}", "payload": {**event.payload, "loanId": str(loan_id)}}
            )
            for event in template.outbox
        ]
        loan = template.model_copy(update={"id": loan_id, "outbox": outbox})
        items += map(serialize, commit_items(loan, 1, plan_write(loan, 1)))
    return items


def test_push_events_per_second_for_many_loans_in_order(benchmark, local_stack):
    items = loan_items(LOANS)
    client = boto3.client("dynamodb", endpoint_url=local_stack.emulator.url, region_name="us-east-1")
    table = local_stack.stack.resolve({"Ref": "CoreTable"})
    events_url = f"{local_stack.accounting.url}/events"
    expected = LOANS * len(EVENTS)
    results: dict = {}

    def push_all() -> None:
        started = time.monotonic()
        for start in range(0, len(items), 25):
            batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            client.batch_write_item(RequestItems={table: batch})
        with Progress(
            TextColumn(f"push, {LOANS:,} loans"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
        ) as progress:
            task = progress.add_task("events", total=expected)
            while time.monotonic() - started < LIMIT_SECONDS:
                log = requests.get(events_url, timeout=30).json()["events"]
                applied = [e for e in log if e["accepted"] and not e.get("duplicateOf")]
                progress.update(task, completed=len(applied))
                if len(applied) >= expected:
                    break
                time.sleep(5)  # the request log grows with every event: read it seldom
        results["seconds"] = time.monotonic() - started
        results["log"] = log

    benchmark.pedantic(push_all, rounds=1, iterations=1)
    log = results["log"]
    by_loan: dict[str, list[str]] = {}
    for entry in log:
        if entry["accepted"] and not entry.get("duplicateOf"):
            by_loan.setdefault(entry["loanId"], []).append(entry["eventId"])
    out_of_order = [loan for loan, ids in by_loan.items() if ids != [f"{loan}-{seq}" for seq in range(1, len(ids) + 1)]]
    figures = {
        "loans": LOANS,
        "events": sum(len(ids) for ids in by_loan.values()),
        "seconds": round(results["seconds"], 1),
        "eventsPerSecond": round(sum(len(ids) for ids in by_loan.values()) / results["seconds"], 1),
        "requestsToAccounting": len(log),
        "loansOutOfOrder": len(out_of_order),
    }
    benchmark.extra_info.update(figures)
    print(f"\npush: {figures}")
    assert figures["events"] == expected, figures
    assert out_of_order == [], out_of_order[:5]
