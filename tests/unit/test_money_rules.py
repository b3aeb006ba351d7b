"""Money rules that hold under any sequence: each case a review found, with its exact figures (no storage).

The demo product without the admin fee: 10,000 at 11% flat per 7-day installment, disbursed 23 May.
"""

from datetime import date
from decimal import Decimal

import pytest

from lms.errors import FailedPrecondition, InvalidArgument
from lms.ledger.domain.accounts import Role
from lms.loans.domain.aggregate.status import LoanStatus
from lms.loans.domain.calculation.schedule import build_schedule
from lms.loans.domain.records.charges import ChargeKind
from lms.loans.domain.records.transactions import Portions
from lms.products.domain import InterestCalculationPeriod, InterestType, PeriodFrequency, RateFrequency
from tests.support.domain import DomainLoan, product
from tests.unit.test_schedule import loan_terms

D = Decimal
DAYS, WEEKS = PeriodFrequency.DAYS, PeriodFrequency.WEEKS
PER_MONTH, DECLINING, DAILY = RateFrequency.PER_MONTH, InterestType.DECLINING_BALANCE, InterestCalculationPeriod.DAILY
MAY23 = date(2026, 5, 23)


def day(n: int) -> date:
    return date.fromordinal(MAY23.toordinal() + n)


def unchanged(loan: DomainLoan, operation) -> Exception:
    """Run an operation that must be refused; the loan must be exactly as it was."""
    before = loan.loan.model_dump()
    with pytest.raises((InvalidArgument, FailedPrecondition)) as refused:
        operation()
    assert loan.loan.model_dump() == before
    return refused.value


# 1 ----------------------------------------------------------------------------------------------
def test_a_paid_fee_cannot_be_waived_and_a_waiver_takes_only_its_own_charge():
    loan = DomainLoan(product(), number_of_repayments=2)  # installments due 30 May and 6 June
    fee_a = loan.charge(100, day(14), name="A")  # due with installment 2
    fee_b = loan.charge(100, day(7), name="B")  # due with installment 1
    paid = loan.repay(100, day(8))
    assert paid.portions.fees == D("100.00")  # installment 1's fee first: B
    refused = unchanged(loan, lambda: loan.waive(fee_b.id))
    assert refused.reason == "NOTHING_TO_WAIVE"
    waiver = loan.waive(fee_a.id)
    assert waiver.waived
    schedule = loan.position().installments
    assert [i.outstanding("fees") for i in schedule] == [0, 0]
    assert [i.waived["fees"] for i in schedule] == [0, D("100.00")]
    assert loan.summary()["fees_outstanding"] == 0
    assert loan.net(Role.FEES_RECEIVABLE) == 0
    assert loan.net(Role.FEE_INCOME) == D("-100.00")  # B assessed and paid; A assessed and waived


def test_a_waiver_forgives_what_it_forgave_even_if_a_payment_it_followed_is_reversed():
    loan = DomainLoan(product())
    fee = loan.charge(100, day(3))
    paid = loan.repay(60, day(4))
    assert paid.portions.fees == D("60.00")
    assert loan.waive(fee.id).waived
    loan.reverse(paid.id)
    # The waiver forgave 40; the 60 the reversed payment had paid is owed again.
    assert loan.summary()["fees_outstanding"] == D("60.00")
    assert loan.net(Role.FEES_RECEIVABLE) == D("60.00")


# 2 ----------------------------------------------------------------------------------------------
def test_a_reversal_that_would_take_back_refunded_credit_is_refused_until_the_refund_is_reversed():
    loan = DomainLoan(product())
    first = loan.repay(6000, MAY23)
    loan.repay(6000, MAY23)
    assert (loan.loan.status, loan.summary()["total_overpaid"]) == (LoanStatus.OVERPAID, D("900.00"))
    refund = loan.refund(900, day(1))
    assert loan.loan.status is LoanStatus.CLOSED
    refused = unchanged(loan, lambda: loan.reverse(first.id))
    assert refused.reason == "REFUND_NOT_COVERED"
    assert refused.message == (
        f"This would leave 900.00 of the 900.00 refunded on 2026-05-24 (transaction {refund.id}) "
        "without the overpayment it paid back; reverse the refund first"
    )
    assert loan.net(Role.CUSTOMER_OVERPAYMENTS) == 0  # the liability never goes to a debit balance
    loan.reverse(refund.id)  # the customer's 900 is back with the lender
    assert (loan.loan.status, loan.summary()["total_overpaid"]) == (LoanStatus.OVERPAID, D("900.00"))
    loan.reverse(first.id)
    summary = loan.summary()
    # The second payment now pays 1,100 interest and 4,900 principal.
    assert (summary["total_overpaid"], summary["principal_outstanding"], summary["total_outstanding"]) == (
        0,
        D("5100.00"),
        D("5100.00"),
    )
    assert loan.loan.status is LoanStatus.ACTIVE
    assert loan.net(Role.CUSTOMER_OVERPAYMENTS) == 0
    assert loan.net(Role.LOANS_RECEIVABLE) == D("5100.00")


def test_a_partial_refund_leaves_the_rest_of_the_credit_to_absorb_a_reversal():
    loan = DomainLoan(product())
    loan.repay(11400, MAY23)  # 300 overpaid
    small = loan.repay(100, day(1))  # 400 of credit
    loan.refund(200, day(2))  # 200 still held
    loan.reverse(small.id)  # takes back 100 of the credit the refund did not pay back
    assert (loan.loan.status, loan.summary()["total_overpaid"]) == (LoanStatus.OVERPAID, D("100.00"))
    assert loan.net(Role.CUSTOMER_OVERPAYMENTS) == D("-100.00")


# 3 ----------------------------------------------------------------------------------------------
def test_a_charge_due_after_the_settlement_date_is_quoted_and_settled():
    loan = DomainLoan(product(), number_of_repayments=3, today=day(10))
    loan.charge(50, day(18), today=day(10))  # assessed on day 10, due after the settlement
    quote = loan.quote(day(10))
    assert (quote.principal, quote.interest, quote.fees, quote.total) == (
        D("10000.00"),
        D("1571.43"),  # week 1 whole (1,100) + 3 of week 2's 7 days (471.43)
        D("50.00"),
        D("11621.43"),
    )
    loan.settle(day(10), today=day(10))
    assert loan.loan.status is LoanStatus.CLOSED
    assert loan.net(Role.FEES_RECEIVABLE) == 0


def test_a_back_dated_settlement_settles_the_charges_assessed_before_it_was_recorded():
    loan = DomainLoan(product(), number_of_repayments=3, today=day(10))
    loan.charge(50, day(18), today=day(10))
    quote = loan.quote(day(5))  # recorded on day 10, dated day 5
    assert quote.fees == D("50.00")
    loan.settle(day(5), today=day(10))
    assert loan.loan.status is LoanStatus.CLOSED


def test_a_charge_assessed_after_a_settlement_applies_after_it_whatever_its_due_date():
    loan = DomainLoan(product(), today=day(5))
    settled = loan.settle(day(3))
    assert (settled.portions.interest, settled.portions.principal) == (D("471.43"), D("10000.00"))
    loan.charge(50, day(1), kind=ChargeKind.PENALTY)  # recorded after the settlement, due before it
    settlement = loan.loan.transaction(settled.id)
    assert (settlement.portions.interest, settlement.portions.principal, settlement.portions.penalties) == (
        D("471.43"),
        D("10000.00"),
        D("0.00"),
    )
    assert (loan.loan.status, loan.summary()["penalties_outstanding"]) == (LoanStatus.ACTIVE, D("50.00"))
    loan.repay(50, day(5))
    assert loan.loan.status is LoanStatus.CLOSED
    assert loan.net(Role.PENALTIES_RECEIVABLE) == 0
    assert loan.net(Role.INTEREST_INCOME) == D("-471.43")


# 4 ----------------------------------------------------------------------------------------------
def test_a_back_dated_repayment_before_a_settlement_reallocates_it():
    loan = DomainLoan(product())
    settled = loan.settle(day(3))
    assert settled.amount == D("10471.43")
    early = loan.repay(100, day(1))  # back-dated before the settlement
    assert early.portions.interest == D("100.00")
    settlement = loan.loan.transaction(settled.id)
    # The settlement now finds 371.43 of interest; the 100 it no longer needs is credit.
    assert (settlement.portions.interest, settlement.portions.principal, settlement.overpayment) == (
        D("371.43"),
        D("10000.00"),
        D("100.00"),
    )
    assert loan.loan.status is LoanStatus.OVERPAID
    assert loan.net(Role.INTEREST_INCOME) == D("-471.43")
    assert loan.net(Role.INTEREST_RECEIVABLE) == 0


def test_a_component_payment_whose_split_no_longer_fits_is_allocated_by_the_strategy():
    loan = DomainLoan(product())
    component = loan.repay(2000, day(2), split=Portions(principal=D(900), interest=D(1100)))
    assert (component.portions.interest, component.portions.principal) == (D("1100.00"), D("900.00"))
    loan.repay(2000, day(1))  # back-dated: takes the 1,100 interest first
    component = loan.loan.transaction(component.id)
    assert (component.portions.interest, component.portions.principal) == (0, D("2000.00"))
    assert loan.summary()["total_outstanding"] == D("7100.00")


def test_a_new_component_payment_is_checked_against_what_is_owed_on_its_date():
    loan = DomainLoan(product())
    loan.repay(2000, day(2))
    # On day 1, before the day-2 payment, all 1,100 interest is outstanding: this one fits.
    back_dated = loan.repay(500, day(1), split=Portions(interest=D(500)))
    assert back_dated.portions.interest == D("500.00")
    too_much = unchanged(loan, lambda: loan.repay(1200, day(3), split=Portions(interest=D(1200))))
    assert [d.field for d in too_much.details] == ["interestPortion"]


# 5 ----------------------------------------------------------------------------------------------
def test_a_refund_is_not_dated_before_the_overpayment_it_pays_back():
    loan = DomainLoan(product())
    loan.repay(12000, day(2))
    refused = unchanged(loan, lambda: loan.refund(900, day(1)))
    assert (refused.reason, refused.details[0].field) == ("REFUND_TOO_LARGE", "transactionDate")
    too_much = unchanged(loan, lambda: loan.refund(901, day(2)))
    assert too_much.details[0].field == "transactionAmount"
    loan.refund(900, day(2))
    assert loan.loan.status is LoanStatus.CLOSED


# 6 ----------------------------------------------------------------------------------------------
def test_closed_on_date_follows_the_last_closing():
    loan = DomainLoan(product())
    loan.repay(11100, day(2))
    assert (loan.loan.status, loan.loan.closed_on_date) == (LoanStatus.CLOSED, day(2))
    loan.charge(50, day(9), kind=ChargeKind.PENALTY, name="Late", today=day(10))
    assert (loan.loan.status, loan.loan.closed_on_date) == (LoanStatus.ACTIVE, None)
    loan.repay(50, day(12), today=day(12))
    assert (loan.loan.status, loan.loan.closed_on_date) == (LoanStatus.CLOSED, day(12))


# 7 ----------------------------------------------------------------------------------------------
def test_sub_cent_components_are_refused_naming_each_field():
    loan = DomainLoan(product())
    refused = unchanged(
        loan, lambda: loan.repay(D("100.00"), day(1), split=Portions(principal=D("50.005"), interest=D("49.995")))
    )
    assert [(d.field, d.message) for d in refused.details] == [
        ("principalPortion", "must have at most 2 decimal places in TZS"),
        ("interestPortion", "must have at most 2 decimal places in TZS"),
    ]


# 8 ----------------------------------------------------------------------------------------------
def test_weekly_periods_with_a_monthly_rate_use_52_weeks_a_year_as_fineract():
    schedule = build_schedule(
        D("100000.00"), "TZS", loan_terms(n=1, every=1, frequency=WEEKS, rate="3", rate_per=PER_MONTH), date(2026, 5, 4)
    )
    assert schedule[0].interest_due == D("692.31")  # 100,000 x 3% x 12 / 52


@pytest.mark.parametrize(
    ("days_in_year", "interest"),
    [(365, D("2958.90")), (360, D("3000.00")), (1, D("2950.82"))],
)
def test_the_day_count_is_a_product_setting(days_in_year, interest):
    # 100,000 at 36% a year, daily interest, 30 days from 1 Feb 2028 (a leap year).
    daily = loan_terms(
        n=1,
        every=30,
        frequency=DAYS,
        rate="36",
        interest_type=DECLINING,
        calculation=DAILY,
        days_in_year_type=days_in_year,
    )
    schedule = build_schedule(D("100000.00"), "TZS", daily, date(2028, 2, 1))
    assert schedule[0].interest_due == interest


def test_a_broken_first_period_is_pro_rated():
    # Monthly, 1% a month flat on 12,000 over 3 months: 120.00 a month. Disbursed 10 January with
    # the first repayment on 1 February: 22 of the regular period's 31 days.
    monthly = loan_terms(n=3, rate="1", rate_per=PER_MONTH)
    schedule = build_schedule(D("12000.00"), "TZS", monthly, date(2027, 1, 10), date(2027, 2, 1))
    assert [(i.due_date, i.interest_due) for i in schedule] == [
        (date(2027, 2, 1), D("85.16")),  # 120 x 22/31
        (date(2027, 3, 1), D("120.00")),
        (date(2027, 4, 1), D("120.00")),
    ]
    declining = build_schedule(
        D("12000.00"),
        "TZS",
        loan_terms(n=3, rate="1", rate_per=PER_MONTH, interest_type=DECLINING),
        date(2027, 1, 10),
        date(2027, 2, 1),
    )
    assert declining[0].interest_due == D("85.16")


def test_first_period_interest_deducted_then_settled_at_once_becomes_principal_paid():
    loan = DomainLoan(product(deduct_first_period_interest=True), today=day(2))
    quote = loan.quote(day(2))
    # 2 of 7 days of week 1 are owed (314.29); the rest of the 1,100 deducted paid principal.
    assert (quote.principal, quote.interest, quote.total) == (D("9214.29"), D("0.00"), D("9214.29"))
    loan.settle(day(2))
    assert loan.loan.status is LoanStatus.CLOSED
    disbursement = loan.loan.transactions[0]
    assert (disbursement.portions.interest, disbursement.portions.principal) == (D("314.29"), D("785.71"))
    assert loan.net(Role.INTEREST_INCOME) == D("-314.29")
    assert loan.net(Role.INTEREST_RECEIVABLE) == 0
    assert loan.net(Role.LOANS_RECEIVABLE) == 0
    # The accounting system is told: the deduction's payment and the revenue it paid are taken
    # back, the interest owed is reported again, and the deduction is sent again as it now pays.
    sent = [(e.type, e.payload.get("reversedEventId") or e.payload.get("revenueAmount")) for e in loan.loan.outbox]
    assert sent[1:] == [
        ("REVENUE_REPORT", D("1100.00")),
        ("REPAYMENT", None),
        ("REVERSAL", "11-3"),
        ("REVERSAL", "11-2"),
        ("REVENUE_REPORT", D("314.29")),
        ("REPAYMENT", None),
        ("EARLY_SETTLEMENT", None),
    ]
    again = loan.loan.outbox[6].payload
    assert (again["repaymentPrincipal"], again["repaymentInterest"]) == (D("785.71"), D("314.29"))
    books = loan.books()
    assert (books["openInterest"], books["outstandingPrincipal"]) == (0, 0)
