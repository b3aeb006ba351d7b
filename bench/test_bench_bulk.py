"""One bulk disbursement of 100 loans on the local stack (issue 11): how long the request takes,
against API Gateway's 29-second limit, with every item disbursed.

The whole local system runs (moto's server, the gateway, every function in its own process, the
stream and queue workers) on this machine's cores; each item is the single disbursement (three
DynamoDB round trips), one after another.
"""

from __future__ import annotations

import time

import pytest

from tests.support.client import HttpClient
from tests.support.data import approved_loan, key

ADMIN = "lms_bench-admin-key"
ITEMS = 100
GATEWAY_LIMIT_SECONDS = 29


@pytest.fixture(scope="module")
def local_stack():
    from devstack.stack import LocalStack

    stack = LocalStack(port=0, admin_key=ADMIN, log_level="ERROR").start()
    stack.emulator.meter.wait_until_quiet(limit=120, poll=0.25)  # the opening funds reach the ledger
    yield stack
    stack.stop()


def test_bulk_disbursement_of_a_hundred_loans(benchmark, local_stack):
    http = HttpClient(local_stack.gateway.url, ADMIN)
    loans = [approved_loan(http)["id"] for _ in range(ITEMS)]
    local_stack.emulator.meter.wait_until_quiet(seconds=1, limit=120, poll=0.25)
    items = [{"loanId": lid, "actualDisbursementDate": "2026-05-23", "transactionAmount": 10000} for lid in loans]
    timings = {}

    def bulk() -> None:
        started = time.perf_counter()
        reply = http.post("/v1/loans/bulk-disburse", {"disbursements": items}, headers=key())
        timings["seconds"] = time.perf_counter() - started
        assert reply.status == 200, reply
        assert reply.json["summary"] == {"total": ITEMS, "successful": ITEMS, "failed": 0}, reply.json["results"][0][
            "error"
        ]

    benchmark.pedantic(bulk, rounds=1, iterations=1)
    seconds = round(timings["seconds"], 2)
    benchmark.extra_info.update(
        {"items": ITEMS, "seconds": seconds, "msPerItem": round(1000 * seconds / ITEMS, 1), "limit": 29}
    )
    print(f"\nbulk disbursement of {ITEMS} loans: {seconds} s ({1000 * seconds / ITEMS:.0f} ms per item)")
    assert seconds < GATEWAY_LIMIT_SECONDS
