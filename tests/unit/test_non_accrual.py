"""Non-accrual: past `nonAccrualDays`, interest income follows cash until the loan is cured (pure domain).

The loan in these tests: 4,000 over four monthly installments of 1,000 principal and 40.00 interest
(1% flat a month), disbursed 2026-05-01, due 06-01, 07-01, 08-01, 09-01; each month earns 40.00.
Its product puts it in non-accrual at 31 days past due: never paid, that is 2026-07-02.
"""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from lms.ledger.domain.accounts import Role
from lms.loans.domain.accounting.rebook import is_in_non_accrual, position_of
from lms.loans.domain.calculation.accrual import recognition_target
from lms.loans.domain.calculation.delinquency import LoanHistory, delinquency
from lms.loans.domain.calculation.non_accrual import in_non_accrual, non_accrual_changes, non_accrual_from
from lms.loans.domain.operations.revenue import Outcome
from lms.products.domain import PeriodFrequency, RateFrequency
from tests.support.domain import DomainLoan, account, product

D = Decimal
MAY, JUNE, JULY, AUGUST = (date(2026, m, 1) for m in (5, 6, 7, 8))
DAYS = 31


def monthly_loan(non_accrual_days: int | None = DAYS) -> DomainLoan:
    monthly = product(
        number_of_repayments=4,
        repayment_every=1,
        repayment_frequency_type=PeriodFrequency.MONTHS,
        interest_rate_per_period=D(1),
        interest_rate_frequency_type=RateFrequency.PER_MONTH,
        principal=D(4000),
        non_accrual_days=non_accrual_days,
    )
    return DomainLoan(monthly, 4000, on=MAY, today=MAY)


def income(loan: DomainLoan) -> D:
    return -loan.net(Role.INTEREST_INCOME)


def lines(entry) -> list[tuple[str, D, D]]:
    return [(line.account_id, line.debit, line.credit) for line in entry.lines]


def events_since(loan: DomainLoan, count: int) -> list[tuple]:
    """The loan's events from the `count`-th on, with what each carries about interest."""
    shown = []
    for event in loan.loan.outbox[count:]:
        payload = event.payload
        if event.type == "REVENUE_REPORT":
            shown.append((event.type, payload["revenueMonth"], payload["revenueAmount"]))
        elif event.type == "REVERSAL":
            shown.append((event.type, payload["reversedEventId"], payload["reason"]))
        else:
            shown.append((event.type, payload.get("repaymentInterest")))
    return shown


def booked_two_months() -> DomainLoan:
    loan = monthly_loan()
    assert loan.run(MAY, today=JUNE) == (Outcome.ACCRUED, D("40.00"))
    # On 07-01 the first installment is 30 days past due: under the threshold, June is booked.
    assert loan.run(JUNE, today=JULY) == (Outcome.ACCRUED, D("40.00"))
    assert income(loan) == D("80.00")
    return loan


def test_the_day_it_enters_is_the_oldest_unpaid_due_date_plus_the_days():
    loan = monthly_loan()
    position = position_of(loan.loan)
    assert non_accrual_from(position, DAYS) == date(2026, 7, 2)
    assert delinquency(position, date(2026, 7, 1)).days_past_due == 30
    assert not in_non_accrual(position, date(2026, 7, 1), DAYS)
    assert delinquency(position, date(2026, 7, 2)).days_past_due == 31
    assert in_non_accrual(position, date(2026, 7, 2), DAYS)
    assert non_accrual_from(position, None) is None
    assert not in_non_accrual(position, date(2027, 1, 1), None)


def test_income_follows_cash_in_non_accrual_and_earned_or_paid_otherwise():
    assert recognition_target(D("40"), D("120"), charged_off=False, non_accrual=True) == D("40")
    assert recognition_target(D("40"), D("120"), charged_off=False) == D("120")
    assert recognition_target(D("200"), D("120"), charged_off=False, non_accrual=True) == D("200")


def test_a_loan_crossing_the_days_books_no_more_income_and_its_unpaid_interest_is_taken_back():
    loan = booked_two_months()
    sent = len(loan.loan.outbox)
    # The July run, on 08-01: 61 days past due. Nothing for July; May's and June's 80.00 go back.
    assert loan.run(JULY, today=AUGUST) == (Outcome.ACCRUED, D("-80.00"))
    assert loan.loan.accrued_through == JULY  # the month counts as run all the same
    reversal = loan.loan.journal[-1]
    assert (reversal.entry_date, reversal.reference_type) == (date(2026, 7, 31), "interest-reversal")
    assert reversal.description == "Interest unpaid taken out of income: loan in non-accrual"
    assert lines(reversal) == [
        (account(Role.INTEREST_INCOME), D("80.00"), D("0.00")),
        (account(Role.INTEREST_RECEIVABLE), D("0.00"), D("80.00")),
    ]
    assert income(loan) == 0 and loan.net(Role.INTEREST_RECEIVABLE) == 0
    reason = "interest unpaid taken out of income: loan in non-accrual"
    # Both revenue reports are taken back, newest first (the form of interest no longer owed).
    assert events_since(loan, sent) == [("REVERSAL", "11-3", reason), ("REVERSAL", "11-2", reason)]
    assert loan.books()["openInterest"] == 0
    # The borrower still owes the interest: only income changed.
    assert loan.summary()["interest_outstanding"] == D("160.00")
    # The August run (09-01) books nothing either.
    assert loan.run(AUGUST, today=date(2026, 9, 1)) == (Outcome.ACCRUED, D("0.00"))
    assert income(loan) == 0


def test_the_close_of_business_enters_it_on_the_day_the_days_are_reached_once():
    loan = booked_two_months()
    assert loan.close_of_business(date(2026, 7, 1)) == 0  # 30 days past due
    entries = len(loan.loan.journal)
    assert loan.close_of_business(date(2026, 7, 2)) == D("-80.00")
    reversal = loan.loan.journal[-1]
    assert len(loan.loan.journal) == entries + 1
    assert (reversal.entry_date, lines(reversal)[0]) == (
        date(2026, 7, 2),
        (account(Role.INTEREST_INCOME), D("80.00"), D("0.00")),
    )
    before = loan.loan
    assert loan.close_of_business(date(2026, 7, 2)) == 0  # again: nothing to write
    assert loan.close_of_business(date(2026, 7, 20)) == 0
    assert loan.loan is before
    # The July run then books nothing: the loan is still in non-accrual on 08-01.
    assert loan.run(JULY, today=AUGUST) == (Outcome.ACCRUED, D("0.00"))
    assert income(loan) == 0


def test_while_in_non_accrual_interest_is_income_when_paid():
    loan = booked_two_months()
    loan.run(JULY, today=AUGUST)
    sent = len(loan.loan.outbox)
    # Pays the first installment (40.00 interest first): the second is still 40 days past due.
    loan.repay(1040, date(2026, 8, 10), today=date(2026, 8, 10))
    accrual, repayment = loan.loan.journal[-2:]
    assert (accrual.entry_date, accrual.reference_type, lines(accrual)) == (
        date(2026, 8, 10),
        "interest-accrual",
        [
            (account(Role.INTEREST_RECEIVABLE), D("40.00"), D("0.00")),
            (account(Role.INTEREST_INCOME), D("0.00"), D("40.00")),
        ],
    )
    assert repayment.reference_type == "repayment"
    assert income(loan) == D("40.00") and loan.net(Role.INTEREST_RECEIVABLE) == 0
    assert events_since(loan, sent) == [("REVENUE_REPORT", "2026-08", D("40.00")), ("REPAYMENT", D("40.00"))]
    assert is_in_non_accrual(loan.loan, position_of(loan.loan), date(2026, 8, 10))


def test_once_cured_it_catches_up_what_it_earned_and_accrues_again_to_exactly_its_interest():
    loan = booked_two_months()
    loan.run(JULY, today=AUGUST)
    loan.repay(1040, date(2026, 8, 10), today=date(2026, 8, 10))
    sent = len(loan.loan.outbox)
    # Pays the second and third installments: the fourth is not due until 09-01, so it is cured.
    loan.repay(2080, date(2026, 8, 12), today=date(2026, 8, 12))
    catch_up = loan.loan.journal[-2]
    # Earned through July, the last month run: 120.00; paid before: 40.00; so 80.00 now (which
    # includes this payment's 80.00 of interest), reported before the payment.
    assert (catch_up.entry_date, lines(catch_up)) == (
        date(2026, 8, 12),
        [
            (account(Role.INTEREST_RECEIVABLE), D("80.00"), D("0.00")),
            (account(Role.INTEREST_INCOME), D("0.00"), D("80.00")),
        ],
    )
    assert events_since(loan, sent) == [("REVENUE_REPORT", "2026-08", D("80.00")), ("REPAYMENT", D("80.00"))]
    assert income(loan) == D("120.00") and loan.net(Role.INTEREST_RECEIVABLE) == 0
    # Accruing again: the August run (09-01, the last installment due that day) books August.
    assert loan.run(AUGUST, today=date(2026, 9, 1)) == (Outcome.ACCRUED, D("40.00"))
    assert loan.net(Role.INTEREST_RECEIVABLE) == D("40.00")
    loan.repay(1040, date(2026, 9, 1), today=date(2026, 9, 1))
    # Over its life: exactly the interest it earned, nothing twice, nothing left receivable.
    assert income(loan) == D("160.00") == position_of(loan.loan).paid.interest
    assert loan.net(Role.INTEREST_RECEIVABLE) == 0
    assert loan.books()["openInterest"] == 0


def test_a_back_dated_payment_changes_non_accrual_from_its_date_and_its_reversal_changes_it_back():
    loan = booked_two_months()
    loan.run(JULY, today=AUGUST)
    assert income(loan) == 0
    # Recorded 08-05, dated 07-01: pays installments 1 and 2 on time, so the loan was never 31 days
    # past due; on 08-05 it is 4 days past due on the third. Income: the 120.00 earned through July.
    payment = loan.repay(2080, date(2026, 7, 1), today=date(2026, 8, 5))
    assert income(loan) == D("120.00") and loan.net(Role.INTEREST_RECEIVABLE) == D("40.00")
    assert non_accrual_changes(history(loan), MAY, date(2026, 8, 5), DAYS) == []
    # Reversed on 08-20: the history is again that of a loan never paid, in non-accrual since 07-02.
    loan.reverse(payment.id, today=date(2026, 8, 20))
    assert income(loan) == 0 and loan.net(Role.INTEREST_RECEIVABLE) == 0
    reversal = loan.loan.journal[-1]
    assert (reversal.entry_date, lines(reversal)[0]) == (
        date(2026, 8, 20),
        (account(Role.INTEREST_INCOME), D("120.00"), D("0.00")),
    )
    assert non_accrual_changes(history(loan), MAY, date(2026, 8, 20), DAYS) == [(date(2026, 7, 2), True)]


def test_judged_on_a_day_before_later_transactions_the_history_is_replayed_to_that_day():
    loan = booked_two_months()
    loan.repay(500, date(2026, 7, 10), today=date(2026, 7, 10))  # the first still unpaid: 39 days
    loan.repay(1580, date(2026, 7, 20), today=date(2026, 7, 20))  # the first two paid: cured
    position = position_of(loan.loan)
    assert is_in_non_accrual(loan.loan, position, date(2026, 7, 15))
    assert not is_in_non_accrual(loan.loan, position, date(2026, 7, 20))
    assert not is_in_non_accrual(loan.loan, position, date(2026, 7, 1))
    assert non_accrual_changes(history(loan), MAY, date(2026, 9, 30), DAYS) == [
        (date(2026, 7, 2), True),
        (date(2026, 7, 20), False),
        (date(2026, 9, 1), True),  # the third installment, due 08-01, reaches 31 days
    ]


def test_a_loan_that_never_crosses_is_booked_as_without_the_rule():
    books = []
    for days in (DAYS, None):
        loan = monthly_loan(days)
        loan.run(MAY, today=JUNE)
        loan.repay(1040, date(2026, 6, 20), today=date(2026, 6, 20))  # 19 days late
        loan.run(JUNE, today=JULY)
        loan.repay(2080, date(2026, 7, 31), today=date(2026, 7, 31))  # the second 30 days late
        loan.run(JULY, today=AUGUST)
        loan.close_of_business(date(2026, 8, 1))
        books.append((loan.loan.model_dump(include={"journal", "outbox"}), income(loan)))
    assert books[0] == books[1]
    assert books[0][1] == D("120.00")


def history(loan: DomainLoan) -> LoanHistory:
    whole = loan.loan
    return LoanHistory(
        whole.schedule,
        whole.transactions,
        whole.charges,
        whole.terms.transaction_processing_strategy_code,
        whole.currency,
    )


@settings(max_examples=40, deadline=None)
@given(
    days=st.integers(min_value=1, max_value=70),
    payments=st.lists(
        st.tuples(st.integers(min_value=0, max_value=150), st.integers(min_value=1, max_value=2200)), max_size=4
    ),
)
def test_the_changes_are_those_a_day_by_day_look_finds(days, payments):
    loan = monthly_loan(days)
    for offset, amount in sorted(payments):
        on = MAY + timedelta(days=offset)
        loan.repay(amount, on, today=on)
    whole, until = history(loan), date(2026, 11, 30)
    expected, previous, day = [], False, MAY
    while day <= until:
        state = in_non_accrual(whole.position_on(day), day, days)
        if state != previous:
            expected.append((day, state))
        previous, day = state, day + timedelta(days=1)
    assert non_accrual_changes(whole, MAY, until, days) == expected


def test_the_demo_loan_never_paid_enters_on_its_90th_day_past_due_and_gives_back_its_1100():
    loan = DomainLoan(product(non_accrual_days=90), on=date(2026, 5, 23), today=date(2026, 5, 23))
    assert loan.loan.non_accrual_days == 90  # the product's, taken with the loan
    assert loan.run(MAY, today=JUNE) == (Outcome.ACCRUED, D("1100.00"))
    assert non_accrual_from(position_of(loan.loan), 90) == date(2026, 8, 28)  # 05-30 + 90 days
    assert loan.close_of_business(date(2026, 8, 27)) == 0
    assert loan.close_of_business(date(2026, 8, 28)) == D("-1100.00")
    reversal = loan.loan.journal[-1]
    assert (reversal.entry_date, lines(reversal)) == (
        date(2026, 8, 28),
        [
            (account(Role.INTEREST_INCOME), D("1100.00"), D("0.00")),
            (account(Role.INTEREST_RECEIVABLE), D("0.00"), D("1100.00")),
        ],
    )
    assert loan.summary()["total_outstanding"] == D("11100.00")  # still owed in full


def test_the_per_loan_close_takes_the_unpaid_interest_back_on_the_day_the_days_are_reached():
    loan = booked_two_months()
    loan.close_business(date(2026, 7, 1))  # 30 days past due: still accruing
    assert income(loan) == D("80.00")
    loan.close_business(date(2026, 7, 2))
    assert income(loan) == 0
    reversal = loan.loan.journal[-1]
    assert (reversal.entry_date, lines(reversal)) == (
        date(2026, 7, 2),
        [
            (account(Role.INTEREST_INCOME), D("80.00"), D("0.00")),
            (account(Role.INTEREST_RECEIVABLE), D("0.00"), D("80.00")),
        ],
    )
    assert loan.loan.arrears.cob_through == date(2026, 7, 2)


def test_a_close_for_an_earlier_date_than_the_loans_last_commit_leaves_its_income_as_that_commit_judged_it():
    """The run for a date may reach a loan after a commit of a later business date (a payment just
    after midnight, the revenue run): that commit judged non-accrual as of its own date, and the
    close must not judge it again as of the earlier day, which would book income back (and report
    it) only for the next night's close to take it out again."""
    loan = monthly_loan()
    loan.run(MAY, today=date(2026, 6, 5))  # 4 days past due: May's 40.00 is income
    assert income(loan) == D("40.00")
    loan.run(JUNE, today=date(2026, 7, 10))  # in non-accrual since 07-02: taken back, June not booked
    assert income(loan) == D("0.00")
    events = len(loan.loan.outbox)
    loan.close_business(date(2026, 6, 20))  # 19 days past due on that day, but judged on 07-10 already
    assert income(loan) == D("0.00")
    assert loan.loan.arrears.cob_through == date(2026, 6, 20)
    assert loan.loan.outbox[events:] == []
    loan.close_business(date(2026, 7, 11))  # the next night: still in non-accrual, nothing to book
    assert income(loan) == D("0.00")
