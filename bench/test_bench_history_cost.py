"""What a repayment costs on a young loan and on an old one, on the local stack, API path and
workers together: the write must not grow with the loan's history (issue 12).

Two loans are written straight into the table with 5 and with 500 earlier repayments (built by the
pure domain, stored by the store's own `plan_write`, their events already pushed); then
`REPAYMENTS` more are posted to each through the API, one after another, while the emulator meters
every DynamoDB request (devstack.metering). Averages over several repayments, because one in
several also seals the loan's tail into a history page.

The floor is the least a repayment could write: one item holding the loan's state and only the
records this repayment made (its transaction, journal entry, event, timeline line).
"""

from __future__ import annotations

import base64
import statistics
from datetime import date, timedelta
from decimal import Decimal

import pytest

from devstack.metering import item_size
from tests.support.client import HttpClient
from tests.support.data import key
from tests.support.domain import DomainLoan, product

ADMIN = "lms_bench-admin-key"
HISTORIES = (5, 500)
REPAYMENTS = 24
API = "CreateRepaymentFunction"
AUTHORIZER = "AuthorizerFunction"  # on the API path before the route: its key read and rate counter
RESULTS: dict[int, dict] = {}


@pytest.fixture(scope="module")
def local_stack():
    from devstack.stack import LocalStack

    stack = LocalStack(port=0, admin_key=ADMIN, log_level="ERROR").start()
    yield stack
    stack.stop()


def wire(item: dict) -> dict:
    """An item as DynamoDB's wire carries it (binary as base64), for `item_size`."""
    from lms.storage.dynamo import serialize

    out = {}
    for name, value in serialize(item).items():
        out[name] = {"B": base64.b64encode(bytes(value["B"])).decode()} if "B" in value else value
    return out


def seed(stack, loan_id: int, history: int) -> DomainLoan:
    """A loan with `history` repayments, stored as the store would have stored it, events pushed."""
    from lms.integration.event_store import EventRecord, PushStatus
    from lms.integration.event_store import _item as event_item
    from lms.loans.storage.history import plan_write
    from lms.loans.storage.store import commit_items
    from lms.storage.tables import core_table

    domain = DomainLoan(
        product(max_principal=Decimal(10**9), principal=Decimal(10**8)), principal=10**8, loan_id=loan_id
    )
    for n in range(history):
        domain.repay("10.00", date(2026, 5, 24) + timedelta(days=n // 10))
    loan = domain.loan
    table = core_table()
    head, *pages = commit_items(loan, 1, plan_write(loan, 1))
    for page in pages:
        page["changedEntries"] = []  # history that the ledger projection would already have copied
    for item in [head, *pages]:
        table.put(item)
    last = loan.outbox[-1]
    table.put(event_item(EventRecord.of(loan_id, last, PushStatus.PUSHED, last.created_at)))
    table.put({"PK": f"LOAN#{loan_id}", "SK": "RELAY", "entity": "relayCursor", "seq": last.seq})
    for event in loan.outbox:
        stack.accounting.books.receive(event.type, dict(event.payload), event_id=event.id)
    return domain


def floor_bytes(domain: DomainLoan, on: date) -> int:
    """The floor of one more repayment: the loan's state with only that repayment's records."""
    from lms.loans.storage.history import HISTORY, plan_write
    from lms.loans.storage.store import loan_item

    before = {n: len(getattr(domain.loan, n)) for n in HISTORY}
    domain.repay("10.00", on)
    alone = domain.loan.model_copy(update={n: getattr(domain.loan, n)[before[n] :] for n in HISTORY})
    version = domain.loan.version + 1
    one_item = plan_write(alone, version, seal_at=10**9)  # never sealed: the floor is one item
    return item_size(wire(loan_item(alone, version, one_item)))


@pytest.mark.parametrize("history", HISTORIES)
def test_repayment_cost_does_not_grow_with_history(benchmark, local_stack, history):
    loan_id = 900_000 + history
    domain = seed(local_stack, loan_id, history)
    http = HttpClient(local_stack.gateway.url, ADMIN)
    meter = local_stack.emulator.meter
    local_stack.emulator.meter.wait_until_quiet(limit=300, poll=0.25)
    meter.reset()
    on = date(2026, 11, 1)

    def repay_all() -> None:
        for _ in range(REPAYMENTS):
            body = {
                "transactionDate": on.isoformat(),
                "transactionAmount": "10.00",
                "paymentTypeId": 1,
                "receiptNumber": "R",
            }
            reply = http.post(f"/v1/loans/{loan_id}/repayments", body, headers=key())
            assert reply.status == 200, reply
        local_stack.emulator.meter.wait_until_quiet(limit=300, poll=0.25)

    benchmark.pedantic(repay_all, rounds=1, iterations=1)
    floors = [floor_bytes(domain, on) for _ in range(REPAYMENTS)]
    core = local_stack.stack.resolve({"Ref": "CoreTable"})
    loan = meter.of_table(API, core)  # the loan's read and its commit
    api = meter.of_caller(API)  # with the idempotency record's reads and writes
    authorizer = meter.of_caller(AUTHORIZER)
    workers = meter.total()
    for field_ in ("requests", "read_units", "write_units", "bytes_written"):
        setattr(workers, field_, getattr(workers, field_) - getattr(api, field_) - getattr(authorizer, field_))
    per = lambda value: round(value / REPAYMENTS, 2)  # noqa: E731
    figures = {
        "history": history,
        "loanRequestsPerRepayment": per(loan.requests),
        "loanReadUnitsPerRepayment": per(loan.read_units),
        "loanWriteUnitsPerRepayment": per(loan.write_units),
        "loanBytesWrittenPerRepayment": per(loan.bytes_written),
        "floorBytes": round(statistics.mean(floors)),
        "apiRequestsPerRepayment": per(api.requests),
        "apiWriteUnitsPerRepayment": per(api.write_units),
        "apiBytesWrittenPerRepayment": per(api.bytes_written),
        "authorizerRequestsPerRepayment": per(authorizer.requests),
        "authorizerWriteUnitsPerRepayment": per(authorizer.write_units),
        "workerRequestsPerRepayment": per(workers.requests),
        "workerWriteUnitsPerRepayment": per(workers.write_units),
        "workerBytesWrittenPerRepayment": per(workers.bytes_written),
        "byCaller": meter.callers(),
    }
    figures["loanBytesPerFloor"] = round(figures["loanBytesWrittenPerRepayment"] / figures["floorBytes"], 3)
    benchmark.extra_info.update(figures)
    RESULTS[history] = figures
    print(f"\nhistory {history}: { {k: v for k, v in figures.items() if k != 'byCaller'} }")
    if len(RESULTS) == len(HISTORIES):
        young, old = RESULTS[HISTORIES[0]], RESULTS[HISTORIES[-1]]
        growth = old["loanBytesWrittenPerRepayment"] / young["loanBytesWrittenPerRepayment"]
        print(f"loan bytes written per repayment, {HISTORIES[-1]} / {HISTORIES[0]} earlier: {growth:.3f}")
        assert growth <= 1.1, growth
        assert young["loanBytesPerFloor"] <= 1.5 and old["loanBytesPerFloor"] <= 1.5, (young, old)
