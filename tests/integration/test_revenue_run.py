"""The monthly revenue run through the API and its queues: start, fan out, book each loan once."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import boto3
import pytest

from devstack.lambdas import Functions
from lms.config import get_settings
from lms.loans.storage.store import LoanStore
from lms.storage.tables import ACCRUAL_SHARDS
from tests.conftest import STACK
from tests.integration.test_repayments_api import net, sub_ledger
from tests.support.data import active_loan, repay
from tests.support.fixtures import run_workers

MONTH = "2026-05"


@pytest.fixture
def run_queues(aws) -> Callable[..., int]:
    """The revenue run's page and work messages."""
    return run_workers("RevenueRun", 50)


@pytest.fixture
def funded(seeded, drain):
    drain()


def start(client, month=MONTH):
    return client.post("/v1/revenue-runs", {"month": month})


def accruals(loan_id: int, month: date) -> list:
    loan = LoanStore().get(loan_id)
    return [e for e in loan.journal if e.reference_type == "interest-accrual" and e.entry_date.month == month.month]


def test_bad_months_are_refused_with_the_field(admin):
    for month, message in [
        ("2026-13", "yyyy-MM"),
        ("May 2026", "yyyy-MM"),
        ("2999-01", "a month that has ended"),
    ]:
        reply = start(admin, month)
        assert reply.status == 400, reply
        assert reply.json["details"][0]["field"] == "month"
        assert message in reply.json["details"][0]["message"]
    assert admin.post("/v1/revenue-runs", {"month": "2026-05", "extra": 1}).status == 400
    assert admin.get("/v1/revenue-runs/2026-04").json["reason"] == "REVENUE_RUN_NOT_FOUND"
    assert admin.get("/v1/revenue-runs/April").status == 400


def test_only_admins_start_runs(operator, viewer, admin):
    assert start(operator).status == 403
    assert start(admin).status == 202
    assert viewer.get(f"/v1/revenue-runs/{MONTH}").status == 200


def test_a_run_books_every_earning_loan_once_and_a_second_run_changes_nothing(admin, operator, funded, run_queues):
    spanning = active_loan(operator, on="2026-05-28")  # 4 of 7 days in May: 628.57
    inside = active_loan(operator, on="2026-05-02")  # all 1,100 in May
    repaid = active_loan(operator, on="2026-05-03")
    repay(operator, repaid["id"], 11100, on="2026-05-04")  # closed: not in the run at all
    june = active_loan(operator, on="2026-06-02")  # not earning in May
    reply = start(admin)
    assert reply.status == 202, reply
    assert reply.headers["Location"] == f"/v1/revenue-runs/{MONTH}"
    assert (reply.json["status"], reply.json["attempt"]) == ("RUNNING", 1)
    run_queues()
    run = admin.get(f"/v1/revenue-runs/{MONTH}").json
    assert {
        k: run[k] for k in ("status", "shardsPaged", "loansQueued", "loansDone", "loansAccrued", "loansFailed")
    } == {
        "status": "COMPLETED",
        "shardsPaged": ACCRUAL_SHARDS,
        "loansQueued": 2,
        "loansDone": 2,
        "loansAccrued": 2,
        "loansFailed": 0,
    }
    assert run["amountAccrued"] == {"TZS": Decimal("1728.57")}
    assert len(accruals(int(spanning["id"]), date(2026, 5, 1))) == 1
    assert LoanStore().get(int(inside["id"])).accrued_through == date(2026, 5, 1)
    assert LoanStore().get(int(june["id"])).accrued_through is None

    again = start(admin)
    assert again.json["attempt"] == 2
    run_queues()
    second = admin.get(f"/v1/revenue-runs/{MONTH}").json
    assert (second["status"], second["loansQueued"], second["loansAccrued"]) == ("COMPLETED", 0, 0)
    assert second["amountAccrued"] == {}
    assert second["totalAccrued"] == {"TZS": Decimal("1728.57")}
    assert len(accruals(int(spanning["id"]), date(2026, 5, 1))) == 1


def test_a_run_that_crashed_half_way_and_is_started_again_books_each_loan_once(
    admin, operator, funded, run_queues, drain
):
    loans = [active_loan(operator, on="2026-05-02") for _ in range(30)]
    start(admin)
    run_queues(only="PageRevenueRun")  # every page read, every loan queued as work
    sqs = boto3.client("sqs")
    url = get_settings().revenue_work_queue_url
    # The crash: one work message is processed, the rest are lost before any worker takes them.
    run_queues(rounds=1, only="AccrueRevenueRun")
    sqs.purge_queue(QueueUrl=url)
    halfway = admin.get(f"/v1/revenue-runs/{MONTH}").json
    assert halfway["status"] == "RUNNING"
    assert 0 < halfway["loansDone"] < 30
    start(admin)
    run_queues()
    run = admin.get(f"/v1/revenue-runs/{MONTH}").json
    assert run["status"] == "COMPLETED"
    assert run["loansAccrued"] == 30 - halfway["loansAccrued"]
    assert run["totalAccrued"] == {"TZS": Decimal("33000.00")}
    for loan in loans:
        assert len(accruals(int(loan["id"]), date(2026, 5, 1))) == 1
    ledger = sub_ledger(admin, drain, loans[0]["id"])
    assert net(ledger, "4100") == Decimal("-1100.00")


def test_the_schedule_runs_the_month_that_ended_and_firing_twice_books_nothing_twice(
    admin, operator, funded, run_queues, monkeypatch
):
    from lms import clock

    loan = active_loan(operator, on="2026-05-28")
    functions = Functions(STACK, inline=True)
    event = {"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}
    monkeypatch.setattr(clock, "today", lambda: date(2026, 6, 1))
    assert functions.invoke("ScheduleRevenueRunFunction", event) == {"month": "2026-05", "attempt": 1}
    assert functions.invoke("ScheduleRevenueRunFunction", event) == {"month": "2026-05", "attempt": 2}
    run_queues()
    assert len(accruals(int(loan["id"]), date(2026, 5, 1))) == 1
    assert admin.get(f"/v1/revenue-runs/{MONTH}").json["totalAccrued"] == {"TZS": Decimal("628.57")}


def test_revenue_reaches_the_accounting_system_before_the_repayment_that_pays_it(
    admin, operator, funded, run_queues, deliver, accounting
):
    loan = active_loan(operator, on="2026-05-28")
    start(admin)
    run_queues()
    repay(operator, loan["id"], 11100, on="2026-06-04")
    deliver()
    books = accounting.books.loan(str(loan["id"]))
    invoices = {i["invoiceId"]: i for i in books["invoices"] if i["invoiceId"].startswith("INT-")}
    assert [(i["revenueMonth"], i["amount"], i["openBalance"]) for i in invoices.values()] == [
        ("2026-05", Decimal("628.57"), 0),
        ("2026-06", Decimal("471.43"), 0),
    ]
    assert books["openInterest"] == 0
