"""The monthly revenue run on the local stack for 1,000 and 10,000 loans: time, and DynamoDB
requests and capacity units per loan, which must not depend on how many loans there are.

Loans are written straight into the table (disbursed in May 2026 at staggered days, the 7-day demo
product); then May is run through the API and its queues, exactly as on AWS, while the emulator
meters every DynamoDB request (devstack.metering). `BENCH_REVENUE_LOANS=1000,10000` sets the sizes.
"""

from __future__ import annotations

import os
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest

from bench.seeding import disbursed_items, follow_run, write_items
from lms.loans.domain.calculation.accrual import interest_periods, monthly_interest
from tests.support.client import HttpClient
from tests.support.domain import DomainLoan, product

SIZES = [int(n) for n in os.environ.get("BENCH_REVENUE_LOANS", "1000,10000").split(",")]
MONTH = "2026-05"
ADMIN = "lms_bench-admin-key"
RUN_COMPLETION_REQUESTS = 1  # the conditional UpdateItem that marks the run COMPLETED
PER_LOAN: dict[int, float] = {}


@pytest.fixture(scope="module")
def local_stack():
    from devstack.stack import LocalStack

    # Only the run's own queues are polled: the ledger projections and the push that follow each
    # loan's change are the same per loan whatever the run, and are measured with the operations.
    only = {"PageRevenueRunFunction", "AccrueRevenueRunFunction"}
    stack = LocalStack(port=0, admin_key=ADMIN, log_level="ERROR", only_workers=only).start()
    yield stack
    stack.stop()


def seed_loans(stack, count: int, first_id: int) -> Decimal:
    """`count` active loans disbursed in May, written directly (25 items per BatchWriteItem), with
    their disbursement already relayed and pushed, so the run's own events are all that move."""
    from lms.clock import business_date
    from lms.loans.domain.operations.arrears import refresh_arrears

    template = DomainLoan(product(), on=date(2026, 5, 1)).loan
    may_interest = Decimal("0.00")
    items = []
    for n in range(count):
        on = date(2026, 5, 1) + timedelta(days=n % 28)
        loan_id = first_id + n
        schedule = [
            i.model_copy(update={"from_date": on, "due_date": on + timedelta(days=7)}) for i in template.schedule
        ]
        may_interest += monthly_interest(interest_periods(schedule, "TZS"), "TZS").get(date(2026, 5, 1), Decimal(0))
        disbursed = template.outbox[0]
        payload = {**disbursed.payload, "loanId": str(loan_id), "disbursementDate": on.isoformat()}
        event = disbursed.model_copy(update={"id": f"{loan_id}-1", "payload": payload})
        loan = template.model_copy(
            update={"id": loan_id, "disbursed_on_date": on, "schedule": schedule, "journal": [], "outbox": [event]}
        )
        # Its arrears marks as of today, as last night's close of business left them: otherwise the
        # run's commit would be the first to see these loans late and would also record that (their
        # marks and two notices), which is the close's work, measured in test_bench_cob_run.py.
        loan = refresh_arrears(loan, business_date())
        items += disbursed_items(stack, loan)
    write_items(stack, items)
    return may_interest


@pytest.mark.parametrize("loans", SIZES)
def test_revenue_run(benchmark, local_stack, loans):
    http = HttpClient(local_stack.gateway.url, ADMIN)
    first_id = 1_000_000 * (SIZES.index(loans) + 1)
    may_interest = seed_loans(local_stack, loans, first_id)
    local_stack.emulator.meter.wait_until_quiet()
    meter = local_stack.emulator.meter
    results: dict = {}

    def run_month() -> None:
        meter.reset()
        started = time.monotonic()
        assert http.post("/v1/revenue-runs", {"month": MONTH}).status == 202
        run = follow_run(http, f"/v1/revenue-runs/{MONTH}", f"revenue run, {loans:,} loans", loans)
        results["seconds"] = time.monotonic() - started
        results["run"] = run

    benchmark.pedantic(run_month, rounds=1, iterations=1)
    run = results["run"]
    assert (run["loansDone"], run["loansFailed"]) == (loans, 0)
    assert run["amountAccrued"]["TZS"] == may_interest
    work = meter.of_caller("AccrueRevenueRunFunction")
    coordination = meter.of_caller("StartRevenueRunFunction")
    coordination.add(meter.of_caller("PageRevenueRunFunction"))
    benchmark.extra_info.update(
        {
            "loans": loans,
            "seconds": round(results["seconds"], 1),
            "loansPerSecond": round(loans / results["seconds"], 1),
            # Per loan: what the workers spend (one BatchGetItem per 25 loans, one conditional
            # PutItem per loan, two counter updates per 25 loans). The worker that counts the last
            # batch also marks the run completed: one request per run, counted as coordination.
            "requestsPerLoan": round((work.requests - RUN_COMPLETION_REQUESTS) / loans, 4),
            "writeUnitsPerLoan": round(work.write_units / loans, 4),
            "readUnitsPerLoan": round(work.read_units / loans, 4),
            "bytesWrittenPerLoan": round(work.bytes_written / loans),
            # Per run: starting it and paging the accrual index (shards x pages of 1,000 keys).
            "coordinationRequests": coordination.requests + RUN_COMPLETION_REQUESTS,
            "byFunction": meter.callers(),
        }
    )
    print(f"\n{loans:,} loans: {benchmark.extra_info}")
    PER_LOAN[loans] = benchmark.extra_info["requestsPerLoan"]
    # The promise: a loan costs the same requests whatever the run's size.
    assert len(set(PER_LOAN.values())) == 1, PER_LOAN
