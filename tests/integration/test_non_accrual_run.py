"""Non-accrual through the API and the revenue run's queues: the product's `nonAccrualDays` reaches
the loan, the run books nothing for it past them and takes back what it had booked, and a payment
makes the interest income again (figures: the demo loan, 10,000 for 7 days at 11%, due 2026-05-30)."""

from datetime import date
from decimal import Decimal

from lms.loans.storage.store import LoanStore
from tests.integration.test_repayments_api import net, sub_ledger
from tests.integration.test_revenue_run import funded, run_queues, start  # noqa: F401 (fixtures)
from tests.support.data import active_loan, repay

PRODUCT_FIELDS = (
    "name",
    "currency",
    "principal",
    "minPrincipal",
    "maxPrincipal",
    "numberOfRepayments",
    "repaymentEvery",
    "repaymentFrequencyType",
    "interestRatePerPeriod",
    "interestRateFrequencyType",
    "interestType",
    "amortizationType",
)


def test_past_non_accrual_days_the_run_takes_income_back_and_a_payment_makes_it_income_again(
    admin,
    operator,
    funded,  # noqa: F811 (the fixture imported above)
    run_queues,  # noqa: F811
    drain,
    monkeypatch,
):
    from lms import clock

    demo = admin.get("/v1/loan-products/1").json
    created = admin.post(
        "/v1/loan-products", {**{k: demo[k] for k in PRODUCT_FIELDS}, "name": "7-Day NPL", "nonAccrualDays": 30}
    )
    assert created.status == 201, created
    monkeypatch.setattr(clock, "today", lambda: date(2026, 5, 23))
    loan = active_loan(operator, product_id=int(created.json["id"]), on="2026-05-23", principal=10000)
    assert LoanStore().get(int(loan["id"])).non_accrual_days == 30

    monkeypatch.setattr(clock, "today", lambda: date(2026, 6, 1))  # 2 days past due
    start(admin, "2026-05")
    run_queues()
    assert admin.get("/v1/revenue-runs/2026-05").json["amountAccrued"] == {"TZS": Decimal("1100.00")}

    monkeypatch.setattr(clock, "today", lambda: date(2026, 7, 1))  # 32 days past due
    start(admin, "2026-06")
    run_queues()
    june = admin.get("/v1/revenue-runs/2026-06").json
    assert (june["status"], june["loansAccrued"], june["amountAccrued"]) == (
        "COMPLETED",
        1,
        {"TZS": Decimal("-1100.00")},
    )
    ledger = sub_ledger(admin, drain, loan["id"])
    assert (net(ledger, "4100"), net(ledger, "1210")) == (0, 0)
    stored = LoanStore().get(int(loan["id"]))
    assert stored.accrued_through == date(2026, 6, 1)
    reversals = [e for e in stored.journal if e.reference_type == "interest-reversal"]
    assert [(e.entry_date, e.total_debits) for e in reversals] == [(date(2026, 6, 30), Decimal("1100.00"))]

    monkeypatch.setattr(clock, "today", lambda: date(2026, 7, 5))
    assert repay(operator, loan["id"], 11100, on="2026-07-05").status == 200
    ledger = sub_ledger(admin, drain, loan["id"])
    assert (net(ledger, "4100"), net(ledger, "1210")) == (Decimal("-1100.00"), 0)
