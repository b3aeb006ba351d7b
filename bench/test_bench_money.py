"""Money operations: throughput through the local gateway pipeline, and the pure domain's cost as a
loan's history grows (every operation replays the loan). Run with `make bench`."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from lms.loans.domain.accounting.books import Books
from lms.loans.domain.accounting.rebook import position_of
from lms.loans.domain.aggregate.loan import Actor
from lms.loans.domain.aggregate.payment_types import payment_type
from lms.loans.domain.calculation.schedule import build_schedule
from lms.loans.domain.calculation.terms import LoanTerms
from lms.loans.domain.operations.payments import PaymentOrder, repay
from lms.loans.storage.history import plan_write
from lms.loans.storage.store import LoanStore, loan_item
from tests.support.data import active_loan, monthly_product
from tests.support.data import repay as api_repay


@pytest.fixture
def funded(seeded, drain):
    drain()


def test_disburse_a_loan(benchmark, operator, funded):
    loan = benchmark.pedantic(lambda: active_loan(operator), rounds=20)
    assert loan["status"] == "Active"


def test_repayment(benchmark, operator, funded):
    loan = active_loan(operator)
    reply = benchmark.pedantic(lambda: api_repay(operator, loan["id"], 10), rounds=50)
    assert reply.status == 200


def terms(months: int) -> LoanTerms:
    return LoanTerms(
        loan_term_frequency=months,
        loan_term_frequency_type=2,
        number_of_repayments=months,
        repayment_every=1,
        repayment_frequency_type=2,
        interest_rate_per_period=Decimal(24),
        interest_rate_frequency_type=3,
        interest_type=0,
        amortization_type=1,
        interest_calculation_period_type=1,
        transaction_processing_strategy_code="mifos-standard-strategy",
    )


def test_annuity_schedule_of_360_installments(benchmark):
    schedule = benchmark(lambda: build_schedule(Decimal("1000000.00"), "TZS", terms(360), date(2026, 1, 1)))
    assert sum(i.principal_due for i in schedule) == Decimal("1000000.00")


@pytest.mark.parametrize("history", [10, 100, 300])
def test_repayment_on_a_loan_with_history(benchmark, admin, operator, funded, history):
    """The pure cost of one more repayment (replay, rebook, entries, event) given `history` repayments."""
    product = monthly_product(admin, maxPrincipal=10000000, numberOfRepayments=12, maxNumberOfRepayments=360)
    created = active_loan(operator, product_id=int(product["id"]), on="2026-01-01", principal=1000000)
    loan = LoanStore().get(int(created["id"]))
    actor = Actor(by="ak_bench", at="2026-06-01T00:00:00.000Z", today=date(2026, 11, 1))
    cash = payment_type(1)
    for n in range(history):
        order = PaymentOrder(date(2026, 1, 2) + timedelta(days=n % 300), Decimal("100.00"), cash, f"R{n}")
        loan, _ = repay(loan, order, Books(loan, "TZS", actor.at, actor.by), actor)
    order = PaymentOrder(date(2026, 10, 30), Decimal("100.00"), cash, "BENCH")
    result, _ = benchmark(lambda: repay(loan, order, Books(loan, "TZS", actor.at, actor.by), actor))
    write = plan_write(result, 1)  # the whole history stored at once: the head and its pages
    benchmark.extra_info["head_kb"] = round(len(write.head_state) / 1024, 1)
    benchmark.extra_info["history_pages_kb"] = round(sum(len(p.state) for p in write.pages) / 1024, 1)
    assert position_of(result).paid.total == Decimal(100) * (history + 1)
    assert len(loan_item(result, 1, write)["state"]) < 4 * 1024
