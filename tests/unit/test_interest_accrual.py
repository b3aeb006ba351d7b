"""Interest earned day by day, booked month by month, and exact at settlement (pure domain, no storage)."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.ledger.domain.accounts import Role
from lms.loans.domain.aggregate.status import LoanStatus
from lms.loans.domain.calculation.accrual import interest_periods, last_day, monthly_interest
from lms.loans.domain.calculation.schedule import build_schedule
from lms.loans.domain.calculation.terms import LoanTerms
from lms.loans.domain.operations.revenue import Outcome
from lms.money import round_money
from tests.support.domain import DomainLoan, product

D = Decimal
MAY, JUNE, JULY = date(2026, 5, 1), date(2026, 6, 1), date(2026, 7, 1)


def monthly_terms(n: int, rate: str = "1", interest_type: int = 1) -> LoanTerms:
    return LoanTerms(
        loan_term_frequency=n,
        loan_term_frequency_type=2,
        number_of_repayments=n,
        repayment_every=1,
        repayment_frequency_type=2,
        interest_rate_per_period=D(rate),
        interest_rate_frequency_type=2,
        interest_type=interest_type,
        amortization_type=1,
        interest_calculation_period_type=1,
        transaction_processing_strategy_code="mifos-standard-strategy",
    )


def split(schedule, ends_on=None) -> dict[str, D]:
    return {f"{m:%Y-%m}": a for m, a in monthly_interest(interest_periods(schedule, "TZS", ends_on), "TZS").items()}


# ------------------------------------------------------------------------------ the monthly split
def test_a_seven_day_loan_inside_one_month_is_one_months_interest():
    loan = DomainLoan(product(), on=date(2026, 5, 23))
    assert split(loan.loan.schedule) == {"2026-05": D("1100.00")}


def test_a_loan_over_a_month_end_splits_by_days_and_the_last_month_takes_the_residue():
    loan = DomainLoan(product(), on=date(2026, 5, 28))  # May 28 .. June 3 earn, due June 4
    # 4 of 7 days in May: 628.571428... rounds to 628.57; June takes the rest, 471.43.
    assert split(loan.loan.schedule) == {"2026-05": D("628.57"), "2026-06": D("471.43")}


def test_a_leap_february_counts_29_days():
    schedule = build_schedule(D("5000.00"), "TZS", monthly_terms(4), date(2028, 1, 31))
    assert [i.due_date for i in schedule] == [
        date(2028, 2, 29),
        date(2028, 3, 31),
        date(2028, 4, 30),
        date(2028, 5, 31),
    ]
    # Each installment earns 50.00 over its own days; a month gets its days' share of each.
    expected_exact = {
        "2028-01": Fraction(50, 29),  # Jan 31: 1 of the first period's 29 days
        "2028-02": Fraction(50 * 28, 29) + Fraction(50, 31),  # Feb 1-28, and Feb 29 opens the second period
        "2028-03": Fraction(50 * 30, 31) + Fraction(50, 30),
        "2028-04": Fraction(50 * 29, 30) + Fraction(50, 31),
    }
    booked = split(schedule)
    for month, exact in expected_exact.items():
        assert booked[month] == round_money(D(exact.numerator) / D(exact.denominator), "TZS"), month
    assert booked["2028-05"] == D("200.00") - sum(booked[m] for m in expected_exact)
    assert booked == {
        "2028-01": D("1.72"),
        "2028-02": D("49.89"),
        "2028-03": D("50.05"),
        "2028-04": D("49.95"),
        "2028-05": D("48.39"),
    }


@settings(max_examples=200, deadline=None)
@given(
    principal=st.integers(min_value=100, max_value=10_000_000),
    n=st.integers(min_value=1, max_value=36),
    rate=st.decimals(min_value=D("0.01"), max_value=D("9.99"), places=2),
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    declining=st.booleans(),
    settle_after=st.integers(min_value=0, max_value=1200) | st.none(),
)
def test_a_loans_months_always_sum_exactly_to_its_interest(principal, n, rate, start, declining, settle_after):
    schedule = build_schedule(
        D(principal).quantize(D("0.01")), "TZS", monthly_terms(n, str(rate), 0 if declining else 1), start
    )
    ends_on = start + timedelta(days=settle_after) if settle_after is not None else None
    periods = interest_periods(schedule, "TZS", ends_on)
    months = monthly_interest(periods, "TZS")
    assert sum(months.values(), D(0)) == sum((p.amount for p in periods), D(0))
    assert all(a >= 0 for a in months.values())
    if ends_on is None:
        assert sum(months.values(), D(0)) == sum((i.interest_due for i in schedule), D(0))
    else:  # nothing is earned from the settlement on
        assert all(m <= ends_on for m in months)


def test_settlement_cuts_the_interest_at_its_date():
    loan = DomainLoan(product(), on=date(2026, 5, 28))
    # Settled on day 3 (May 31): 3 of 7 days earned, 471.43, all in May.
    assert split(loan.loan.schedule, ends_on=date(2026, 5, 31)) == {"2026-05": D("471.43")}


# ------------------------------------------------------------------------------ the three cases
def test_a_reversed_payment_then_settlement_leaves_income_at_the_interest_paid():
    loan = DomainLoan(product())
    paid = loan.repay(2000, date(2026, 5, 23))
    assert (paid.portions.interest, paid.portions.principal) == (D("1100.00"), D("900.00"))
    loan.reverse(paid.id)
    loan.settle(date(2026, 5, 26))
    assert loan.loan.status is LoanStatus.CLOSED
    assert loan.net(Role.INTEREST_RECEIVABLE) == 0
    assert loan.net(Role.INTEREST_INCOME) == D("-471.43")
    books = loan.books()
    assert (books["openInterest"], books["outstandingPrincipal"]) == (0, 0)
    assert [e.type for e in loan.loan.outbox] == [
        "DISBURSEMENT",
        "REVENUE_REPORT",  # 1,100 brought forward for the payment
        "REPAYMENT",
        "REVERSAL",  # the payment
        "REVERSAL",  # the interest it had brought forward: nothing of it is owed on that day
        "REVENUE_REPORT",  # 471.43 earned by day 3
        "EARLY_SETTLEMENT",
    ]


def test_interest_paid_in_advance_is_credited_at_settlement():
    loan = DomainLoan(product(), number_of_repayments=3)
    assert [(i.principal_due, i.interest_due) for i in loan.loan.schedule] == [
        (D("3333.33"), D("1100.00")),
        (D("3333.33"), D("1100.00")),
        (D("3333.34"), D("1100.00")),
    ]
    paid = loan.repay(5600, date(2026, 5, 24))
    assert (paid.portions.interest, paid.portions.principal) == (D("2200.00"), D("3400.00"))
    quote = loan.quote(date(2026, 5, 26))
    # Only the first week's interest is owed, pro rata for 3 days: 471.43. The 1,728.57 paid beyond
    # that becomes principal: 10,000 - (5,600 - 471.43) = 4,871.43 is all that is left.
    assert (quote.principal, quote.interest, quote.fees, quote.settlement_fee, quote.total) == (
        D("4871.43"),
        D("0.00"),
        D("0.00"),
        D("0.00"),
        D("4871.43"),
    )
    settled = loan.settle(date(2026, 5, 26))
    assert settled.amount == D("4871.43")
    assert loan.loan.transaction(paid.id).portions.interest == D("471.43")
    assert loan.loan.transaction(paid.id).portions.principal == D("5128.57")
    assert loan.loan.status is LoanStatus.CLOSED
    assert loan.net(Role.INTEREST_RECEIVABLE) == loan.net(Role.LOANS_RECEIVABLE) == 0
    assert loan.net(Role.INTEREST_INCOME) == D("-471.43")
    books = loan.books()
    assert (books["openInterest"], books["outstandingPrincipal"]) == (0, 0)


def test_without_the_advance_payment_the_payoff_is_principal_and_three_days():
    loan = DomainLoan(product(), number_of_repayments=3)
    assert loan.quote(date(2026, 5, 26)).total == D("10471.43")


@pytest.mark.parametrize(
    ("on", "fee"),
    [(date(2026, 5, 26), D("100.00")), (date(2026, 5, 29), D("100.00")), (date(2026, 5, 30), D("0.00"))],
)
def test_no_early_settlement_fee_from_maturity_on(on, fee):
    loan = DomainLoan(product(settlement_fee={"type": "percent", "value": 1}), today=date(2026, 6, 10))
    assert loan.loan.schedule[-1].due_date == date(2026, 5, 30)
    assert loan.quote(on).settlement_fee == fee


# ------------------------------------------------------------------------------ the monthly run, per loan
def test_the_run_books_each_month_on_its_last_day_once():
    loan = DomainLoan(product(), on=date(2026, 5, 28))
    assert loan.run(MAY) == (Outcome.ACCRUED, D("628.57"))
    entry = loan.loan.journal[-1]
    assert (entry.reference_type, entry.entry_date) == ("interest-accrual", last_day(MAY))
    assert [(line.account_id, line.debit, line.credit) for line in entry.lines] == [
        ("1210", D("628.57"), D("0")),
        ("4100", D("0"), D("628.57")),
    ]
    before = loan.loan
    assert loan.run(MAY) == (Outcome.ALREADY_DONE, D("0.00"))
    assert loan.loan is before  # nothing to write
    assert loan.run(JUNE) == (Outcome.ACCRUED, D("471.43"))
    assert [(e.payload["revenueMonth"], e.payload["revenueAmount"]) for e in loan.loan.outbox[1:]] == [
        ("2026-05", D("628.57")),
        ("2026-06", D("471.43")),
    ]
    loan.repay(11100, date(2026, 6, 4), today=date(2026, 7, 2))
    assert loan.loan.status is LoanStatus.CLOSED
    assert (loan.net(Role.INTEREST_RECEIVABLE), loan.net(Role.INTEREST_INCOME)) == (0, D("-1100.00"))
    assert loan.books()["openInterest"] == 0  # the repayment's interest went against both months' invoices


def test_what_a_payment_already_brought_forward_is_subtracted_and_a_zero_remainder_sends_nothing():
    loan = DomainLoan(product(), on=date(2026, 5, 28))
    loan.repay(2000, date(2026, 5, 29))  # 1,100 interest, recognised then
    events = len(loan.loan.outbox)
    assert loan.run(MAY) == (Outcome.ACCRUED, D("0.00"))
    assert len(loan.loan.outbox) == events
    assert loan.run(JUNE) == (Outcome.ACCRUED, D("0.00"))
    assert loan.net(Role.INTEREST_INCOME) == D("-1100.00")


def test_a_reversal_after_the_month_was_booked_is_corrected_in_the_next_month():
    loan = DomainLoan(product(), on=date(2026, 5, 28))
    paid = loan.repay(2000, date(2026, 5, 29))
    loan.run(MAY)
    loan.reverse(paid.id, today=date(2026, 6, 2))
    # May earned 628.57 and stays booked; the rest of what the payment brought forward goes back,
    # dated in June: May is never reopened.
    assert loan.net(Role.INTEREST_INCOME) == D("-628.57")
    correction = loan.loan.journal[-1]
    assert (correction.reference_type, correction.entry_date) == ("interest-reversal", date(2026, 6, 2))
    assert loan.books()["openInterest"] == D("628.57")
    assert loan.run(JUNE) == (Outcome.ACCRUED, D("471.43"))
    assert loan.net(Role.INTEREST_INCOME) == D("-1100.00")
    assert loan.books()["openInterest"] == D("1100.00")


def test_a_back_dated_payment_after_the_month_was_booked_catches_up_in_the_current_month():
    loan = DomainLoan(product(number_of_repayments=3), on=date(2026, 5, 25), number_of_repayments=3)
    loan.run(MAY)  # 7 of 21 days: 1,100 (first period May 25..31)
    assert loan.net(Role.INTEREST_INCOME) == D("-1100.00")
    loan.repay(5000, date(2026, 5, 30), today=date(2026, 6, 3))  # pays 2 periods' interest, dated in May
    catch_up = next(e for e in reversed(loan.loan.journal) if e.reference_type == "interest-accrual")
    assert catch_up.entry_date == JUNE
    assert loan.loan.outbox[-2].payload["revenueMonth"] == "2026-06"


def test_settled_loans_accrue_only_up_to_the_settlement_and_charged_off_loans_not_at_all():
    settled = DomainLoan(product(), on=date(2026, 5, 28))
    settled.settle(date(2026, 5, 31), today=date(2026, 6, 5))  # 3 days: 471.43
    assert settled.run(MAY) == (Outcome.ACCRUED, D("0.00"))  # already recognised by the settlement
    assert settled.net(Role.INTEREST_INCOME) == D("-471.43")
    charged_off = DomainLoan(product(), on=date(2026, 5, 28))
    charged_off.run(MAY)
    charged_off.charge_off(date(2026, 6, 10), today=date(2026, 6, 10))
    # Unpaid interest booked before stops being income, and nothing more accrues.
    assert charged_off.net(Role.INTEREST_INCOME) == 0
    assert charged_off.net(Role.INTEREST_RECEIVABLE) == 0
    assert charged_off.books()["openInterest"] == 0
    assert charged_off.run(JUNE) == (Outcome.NOT_EARNING, D("0.00"))


def test_a_loan_disbursed_after_the_month_does_not_earn_in_it():
    loan = DomainLoan(product(), on=date(2026, 6, 3))
    assert loan.run(MAY) == (Outcome.NOT_EARNING, D("0.00"))
