"""The daily close of business on the local stack for 1,000 and 10,000 due loans: time, and DynamoDB
requests and capacity units per closed loan, which must not depend on how many loans there are.

Loans are written straight into the table, as a disbursement leaves them (their index markers
included): the due ones are the 7-day demo product disbursed in May 2026, never paid and never
closed, so on BUSINESS_DATE each is at least CATCH_UP_DAYS days past due and its close catches up
every one of those days (its late penalty, its entry into non-accrual, its bucket) in one commit. As
many loans again have nothing due yet (disbursed two days before the date): the run must not touch
them. The run goes through the API and its queues, exactly as on AWS, while the emulator meters
every DynamoDB request (devstack.metering). `BENCH_COB_LOANS=1000,10000` sets the sizes.
"""

from __future__ import annotations

import os
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bench.seeding import disbursed_items, follow_run, write_items
from lms.cob.run import COB_SHARDS, LOANS_PER_MESSAGE
from lms.products.servicing_rules import LatePenalty
from tests.support.client import HttpClient
from tests.support.domain import DomainLoan, product

SIZES = [int(n) for n in os.environ.get("BENCH_COB_LOANS", "1000,10000").split(",")]
BUSINESS_DATE = date(2026, 9, 15)
CATCH_UP_DAYS = 100  # the least days past due of a due loan, all caught up by its one close
DISBURSED = [date(2026, 5, 1) + timedelta(days=n) for n in range(28)]  # due 7 days later
NOT_DUE_DISBURSED = BUSINESS_DATE - timedelta(days=2)  # first due 5 days after the date
ADMIN = "lms_bench-admin-key"
RUN_COMPLETION_REQUESTS = 1  # the conditional UpdateItem that marks the run COMPLETED
PER_LOAN: dict[int, dict[str, float]] = {}
PENALTY = LatePenalty(type="fixed", value=Decimal("500"), grace_days=3)


@pytest.fixture(scope="module")
def local_stack():
    from devstack.stack import LocalStack

    # Only the run's own queues are polled: the ledger projections, the push and the webhooks that
    # follow each loan's change are the same per loan whatever the run, measured with the operations.
    only = {"PageCobRunFunction", "CloseCobRunFunction"}
    stack = LocalStack(port=0, admin_key=ADMIN, log_level="ERROR", only_workers=only).start()
    yield stack
    stack.stop()


def seed_loans(stack, due: int, first_id: int) -> None:
    """`due` loans the run must close and as many with nothing due, written directly (25 items per
    BatchWriteItem) as their disbursement's commit leaves them (arrears marks, so index markers,
    included), that disbursement already relayed and pushed, so the run's own events are all that move."""
    from lms.loans.domain.operations.arrears import refresh_arrears

    demo = product(late_penalty=PENALTY, non_accrual_days=90)
    items = []
    for n in range(2 * due):
        on = DISBURSED[n % len(DISBURSED)] if n < due else NOT_DUE_DISBURSED
        loan = refresh_arrears(DomainLoan(demo, on=on, today=on, loan_id=first_id + n).loan, on)
        items += disbursed_items(stack, loan)
    write_items(stack, items)


@pytest.mark.parametrize("loans", SIZES)
def test_cob_run(benchmark, local_stack, loans):
    http = HttpClient(local_stack.gateway.url, ADMIN)
    first_id = 1_000_000 * (SIZES.index(loans) + 1)
    seed_loans(local_stack, loans, first_id)
    local_stack.emulator.meter.wait_until_quiet()
    meter = local_stack.emulator.meter
    results: dict = {}
    day = BUSINESS_DATE.isoformat()

    def close_day() -> None:
        meter.reset()
        started = time.monotonic()
        reply = http.post("/v1/cob-runs", {"businessDate": day})
        assert reply.status == 202, reply.json
        run = follow_run(http, f"/v1/cob-runs/{day}", f"close of business, {loans:,} due loans", loans)
        results["seconds"] = time.monotonic() - started
        results["run"] = run

    benchmark.pedantic(close_day, rounds=1, iterations=1)
    run = results["run"]
    # Only the due loans were queued: the others are not in the index's range at all.
    assert (run["loansQueued"], run["loansDone"], run["loansClosed"], run["loansFailed"]) == (loans, loans, loans, 0)
    assert run["penaltiesCharged"] == loans  # one installment each, past its grace
    assert run["loansByBucket"] == {"91-180": loans}
    by_function = meter.callers()
    work_by_operation = by_function["CloseCobRunFunction"]
    work = meter.of_caller("CloseCobRunFunction")
    coordination = meter.of_caller("StartCobRunFunction")
    coordination.add(meter.of_caller("PageCobRunFunction"))
    reads = work_by_operation["BatchGetItem"]
    commits = work_by_operation["TransactWriteItems"]
    counters = work_by_operation["UpdateItem"]["requests"]
    figures = {
        "loans": loans,
        "loansWithNothingDue": loans,
        "catchUpDays": CATCH_UP_DAYS,
        "seconds": round(results["seconds"], 1),
        "loansPerSecond": round(loans / results["seconds"], 1),
        # Per closed loan: one read of its head and one conditional commit, whatever the run's size.
        "readsPerLoan": round(reads["requests"] / loans, 4),
        "commitsPerLoan": round(commits["requests"] / loans, 4),
        "commitWriteUnitsPerLoan": round(commits["writeUnits"] / loans, 4),
        "readUnitsPerLoan": round(reads["readUnits"] / loans, 4),
        "bytesWrittenPerLoan": round(commits["bytesWritten"] / loans),
        # Per work message of up to LOANS_PER_MESSAGE loans: one counter update (a shard's last
        # message may be short, so a run has at most COB_SHARDS more than loans / 25), and one
        # request per run marks it COMPLETED.
        "counterUpdates": counters,
        # Everything the workers spent, per loan (the counters' share falls as a run grows).
        "requestsPerLoan": round(work.requests / loans, 4),
        "writeUnitsPerLoan": round(work.write_units / loans, 4),
        # Per run: starting it and paging the due index (shards x pages of 1,000 keys).
        "coordinationRequests": coordination.requests,
        "byFunction": by_function,
    }
    benchmark.extra_info.update(figures)
    print(f"\n{loans:,} due loans: { {k: v for k, v in figures.items() if k != 'byFunction'} }")
    # Only the due loans were read: a loan with nothing due costs no request at all. Each due loan,
    # CATCH_UP_DAYS or more days behind, is caught up in one commit.
    assert (reads["requests"], commits["requests"]) == (loans, loans)
    assert counters <= -(-loans // LOANS_PER_MESSAGE) + COB_SHARDS + RUN_COMPLETION_REQUESTS
    PER_LOAN[loans] = {k: figures[k] for k in ("readsPerLoan", "commitsPerLoan", "commitWriteUnitsPerLoan")}
    # The promise: a loan costs the same requests and write units whatever the run's size.
    assert len({tuple(v.values()) for v in PER_LOAN.values()}) == 1, PER_LOAN
