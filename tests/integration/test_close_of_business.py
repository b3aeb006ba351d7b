"""The close of business of one loan on the local stack (moto): one commit that catches up every day
since its last close, the head's index markers, and nothing written when it runs again.

The demo loan: 10,000 at 11% flat for 7 days, disbursed 2026-05-23, one installment of 11,100 due
2026-05-30; here with a fixed late penalty of 500 after 3 grace days (dated 06-03)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from lms import clock
from lms.loans.domain.calculation.late_penalty import LatePenalty, check_late_penalty
from lms.loans.service.close_of_business import LoanCloseOfBusiness
from lms.loans.storage.store import LoanStore, loan_key
from lms.storage.dynamo import Key
from lms.storage.tables import core_table
from tests.integration.test_webhooks import configure, receiver, subscribe  # noqa: F401 (fixtures)
from tests.support.data import active_loan, key, weekly_product
from tests.support.round_trips import RoundTrips

D = Decimal
PENALTY = check_late_penalty(LatePenalty(type="fixed", value=D(500), grace_days=3), "TZS")
MARKERS = ("cobDue", "cobShard", "cobThrough", "arrearsBucket", "overdueSince", "arrearsKey")


def on_day(monkeypatch, day: date) -> None:
    at = datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: at)


@pytest.fixture
def round_trips(seeded, drain):
    drain()  # fund the disbursement account
    counter = RoundTrips()
    yield counter
    counter.remove()


def head(loan_id: int) -> dict:
    return LoanStore().table.get(loan_key(loan_id))


def penalised_loan(operator, admin, monkeypatch, drain) -> int:
    on_day(monkeypatch, date(2026, 5, 23))
    product = weekly_product(
        admin, "Weekly with a late penalty", latePenalty={"type": "fixed", "value": 500, "graceDays": 3}
    )
    loan_id = int(active_loan(operator, product_id=int(product["id"]), principal=10000)["id"])
    assert LoanStore().get(loan_id).late_penalty == PENALTY  # taken from the product with the loan
    drain()  # its payout completes that day (a commit dated when the provider answers)
    return loan_id


def test_a_loan_left_100_days_is_caught_up_in_one_commit_and_written_once(
    operator, admin, round_trips, monkeypatch, drain
):
    loan_id = penalised_loan(operator, admin, monkeypatch, drain)
    disbursed = head(loan_id)
    assert (disbursed["cobDue"], disbursed["officeId"]) == ("2026-05-31", 1)
    assert disbursed["cobShard"].startswith("COB#") and 0 <= int(disbursed["cobShard"][4:]) < 16
    assert not {"cobThrough", "arrearsBucket", "overdueSince", "arrearsKey"} & disbursed.keys()

    on_day(monkeypatch, date(2026, 8, 31))
    run = LoanCloseOfBusiness()
    result, calls = round_trips.during(lambda: run.close(loan_id, date(2026, 8, 31)))  # 100 days on
    # The head, then the commit (with its notices): one write for 100 days.
    assert calls == ["BatchGetItem", "TransactWriteItems"]
    assert (result.wrote, result.penalties_charged, result.penalties_removed) == (True, 1, 0)
    assert (result.bucket_before, result.bucket_after, result.cob_due) == (None, "91-180", date(2026, 11, 27))
    item = head(loan_id)
    assert int(item["version"]) == int(disbursed["version"]) + 1
    assert {name: item[name] for name in MARKERS} == {
        "cobDue": "2026-11-27",  # 181 days past 05-30: 181+
        "cobShard": disbursed["cobShard"],
        "cobThrough": "2026-08-31",
        "arrearsBucket": "91-180",
        "overdueSince": "2026-05-30",
        "arrearsKey": "ARREARS#91-180",
    }
    version = int(item["version"])
    notices = [core_table().get(Key(f"NOTICE#ntc_{loan_id}_{version}_{n}", "NOTICE")) for n in (1, 2)]
    assert [(n["type"], n["loanId"]) for n in notices] == [
        ("loan.overdue", loan_id),
        ("loan.delinquency_changed", loan_id),
    ]

    # Run again for the date, or for an earlier one: one read, nothing written, the same result.
    for again in (date(2026, 8, 31), date(2026, 7, 1)):
        repeated, calls = round_trips.during(lambda again=again: run.close(loan_id, again))
        assert calls == ["BatchGetItem"]
        assert (repeated.wrote, repeated.penalties_charged, repeated.bucket_after) == (False, 0, "91-180")
        assert int(head(loan_id)["version"]) == version
    charges = operator.get(f"/v1/loans/{loan_id}/charges").json
    charges = charges["items"] if isinstance(charges, dict) else charges
    assert [(c["amount"], c["dueDate"]) for c in charges] == [(D("500.00"), "2026-05-30")]


def test_a_repayment_moves_the_loan_out_of_the_arrears_index_in_its_commit(
    operator, admin, round_trips, monkeypatch, drain
):
    loan_id = penalised_loan(operator, admin, monkeypatch, drain)
    on_day(monkeypatch, date(2026, 6, 10))
    assert LoanCloseOfBusiness().close(loan_id, date(2026, 6, 10)).bucket_after == "1-30"
    assert head(loan_id)["arrearsKey"] == "ARREARS#1-30"
    body = {"transactionDate": "2026-06-10", "transactionAmount": 11600, "paymentTypeId": 1, "receiptNumber": "R-1"}
    paid = operator.post(f"/v1/loans/{loan_id}/repayments", body, headers=key())
    assert paid.status == 200, paid
    item = head(loan_id)
    assert item["status"].startswith("Closed")
    assert not set(MARKERS[:2] + MARKERS[3:]) & item.keys()  # no index holds it now
    assert item["cobThrough"] == "2026-06-10"


def test_a_subscriber_receives_the_loan_going_overdue_once_however_often_the_run_repeats(
    operator,
    admin,
    receiver,  # noqa: F811 (the fixture imported above)
    webhook_pipeline,
    monkeypatch,
    drain,
):
    real_now = clock.now
    loan_id = penalised_loan(operator, admin, monkeypatch, drain)
    webhook = subscribe(admin, receiver, "/collections", ["loan.overdue", "loan.delinquency_changed"])
    on_day(monkeypatch, date(2026, 6, 10))
    run = LoanCloseOfBusiness()
    for _ in range(3):  # started three times
        run.close(loan_id, date(2026, 6, 10))
    monkeypatch.setattr(clock, "now", real_now)  # deliveries are signed and checked at the real time
    webhook_pipeline()
    received = [(r.refused, r.verified) for r in receiver.received]
    assert [(refused, body["event"], body["loanId"]) for refused, body in received] == [
        (None, "loan.overdue", str(loan_id)),
        (None, "loan.delinquency_changed", str(loan_id)),
    ]
    overdue, changed = (body for _, body in received)
    assert {k: overdue[k] for k in ("bucket", "daysPastDue", "overdueSince", "asOf")} == {
        "bucket": "1-30",
        "daysPastDue": 11,
        "overdueSince": "2026-05-30",
        "asOf": "2026-06-10",
    }
    assert (changed["previousBucket"], changed["bucket"], changed["inArrears"]) == (None, "1-30", True)
    assert webhook["events"] == ["loan.overdue", "loan.delinquency_changed"]
