"""The close of business of one loan, and the next date of interest its head is indexed by (pure
domain, no storage). The demo loan: 10,000 at 11% flat for 7 days, disbursed 2026-05-23, one
installment of 11,100 due 2026-05-30; a fixed penalty of 500 after 3 grace days (dated 06-03)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from lms.ledger.domain.accounts import Role
from lms.loans.domain.accounting.books import Books
from lms.loans.domain.calculation.allocation import InstallmentPosition
from lms.loans.domain.calculation.cob_due import next_date_of_interest
from lms.loans.domain.calculation.delinquency import DelinquencyBuckets
from lms.loans.domain.disbursing.signals import arrears_notices
from lms.loans.domain.operations.arrears import close_of_business, refresh_arrears
from tests.support.domain import AT, BASE, DomainLoan, product
from tests.unit.test_late_penalty_charging import demo, rule

D = Decimal
BUCKETS = DelinquencyBuckets.parse()


def installment(number: int, due: date, principal="100", interest="10", paid_principal="0") -> InstallmentPosition:
    zero = {"principal": D(0), "interest": D(0), "fees": D(0), "penalties": D(0)}
    return InstallmentPosition(
        number=number,
        from_date=due - timedelta(days=7),
        due_date=due,
        due={**zero, "principal": D(principal), "interest": D(interest)},
        paid={**zero, "principal": D(paid_principal)},
        waived=dict(zero),
    )


def close(loan: DomainLoan, on: date):
    """The close of business for `on`, as the service runs it (a commit only when the loan changed)."""
    actor = loan.actor(on).model_copy(update={"by": "close-of-business"})
    changed, outcome = close_of_business(loan.loan, on, Books(loan.loan, BASE, AT, actor.by), actor)
    notices = arrears_notices(loan.loan, changed, AT)
    wrote = changed is not loan.loan
    loan._deliver(changed)
    return outcome, notices, wrote


# -- the next date of interest ----------------------------------------------------------------


def test_the_next_date_of_interest_is_the_day_after_the_next_due_date():
    schedule = [installment(1, date(2026, 6, 6)), installment(2, date(2026, 6, 13))]
    assert next_date_of_interest(schedule, date(2026, 6, 1), buckets=BUCKETS) == date(2026, 6, 7)
    # Once the first is overdue: the second falling due, then the first's bucket thresholds.
    assert next_date_of_interest(schedule, date(2026, 6, 7), buckets=BUCKETS) == date(2026, 6, 14)
    # Day 30 past the first's due date: the loan reaches PAR30; day 31: it enters 31-60.
    assert next_date_of_interest(schedule, date(2026, 6, 14), buckets=BUCKETS) == date(2026, 7, 6)
    assert next_date_of_interest(schedule, date(2026, 7, 6), buckets=BUCKETS) == date(2026, 7, 7)
    # Then day 60 (PAR60) before day 61 (61-90).
    assert next_date_of_interest(schedule, date(2026, 7, 7), buckets=BUCKETS) == date(2026, 8, 5)


def test_a_penalty_date_a_reminder_and_non_accrual_are_dates_of_interest():
    schedule = [installment(1, date(2026, 6, 6))]
    fixed = rule(grace=3)
    assert next_date_of_interest(schedule, date(2026, 6, 7), buckets=BUCKETS, late_penalty=fixed) == date(2026, 6, 10)
    assert next_date_of_interest(
        schedule, date(2026, 6, 7), buckets=BUCKETS, late_penalty=fixed, charged_off=True
    ) == date(2026, 7, 6)
    assert next_date_of_interest(schedule, date(2026, 5, 1), buckets=BUCKETS, reminder_days_before=3) == date(
        2026, 6, 3
    )
    assert next_date_of_interest(schedule, date(2026, 8, 6), buckets=BUCKETS, non_accrual_days=90) == date(2026, 9, 4)


def test_nothing_is_due_for_paid_installments_or_past_the_last_threshold():
    paid = [installment(1, date(2026, 6, 6), paid_principal="100")]
    paid[0].paid["interest"] = D(10)
    assert next_date_of_interest(paid, date(2026, 6, 1), buckets=BUCKETS) is None
    assert next_date_of_interest([installment(1, date(2026, 6, 6))], date(2026, 12, 4), buckets=BUCKETS) is None


# -- the close of business ----------------------------------------------------------------------


def test_the_demo_loan_closed_on_2026_12_04_is_181_plus_with_its_penalty_in_one_commit():
    loan = demo()
    outcome, notices, wrote = close(loan, date(2026, 12, 4))
    assert wrote and outcome.closed
    assert [(c.late_penalty_of, c.amount) for c in outcome.penalties.charged] == [(1, D("500.00"))]
    marks = loan.loan.arrears
    assert (marks.cob_through, marks.as_of, marks.bucket, marks.overdue_since) == (
        date(2026, 12, 4),
        date(2026, 12, 4),
        "181+",
        date(2026, 5, 30),
    )
    assert marks.cob_due is None  # past every threshold: nothing more can fall due
    assert (outcome.bucket_before, outcome.bucket_after) == (None, "181+")
    assert [(n.type, n.body["bucket"], n.body["daysPastDue"]) for n in notices] == [
        ("loan.overdue", "181+", 188),
        ("loan.delinquency_changed", "181+", 188),
    ]
    assert loan.net(Role.PENALTY_INCOME) == D("-500.00")


def test_a_penalty_charged_once_however_many_times_the_run_repeats_or_catches_up():
    daily = demo()
    for offset in range(0, 40):
        close(daily, date(2026, 5, 28) + timedelta(days=offset))
    caught_up = demo()
    close(caught_up, date(2026, 7, 6))
    for loan in (daily, caught_up):
        assert [c.late_penalty_of for c in loan.loan.charges] == [1]
        assert loan.net(Role.PENALTY_INCOME) == D("-500.00")
        assert loan.loan.arrears.bucket == "31-60"
    # Run again for the date, or an earlier one: nothing changes, nothing is announced.
    for on in (date(2026, 7, 6), date(2026, 6, 1)):
        before = caught_up.loan
        outcome, notices, wrote = close(caught_up, on)
        assert (wrote, outcome.closed, notices) == (False, False, [])
        assert caught_up.loan is before
    assert [(c.late_penalty_of, c.amount) for c in daily.loan.charges] == [
        (c.late_penalty_of, c.amount) for c in caught_up.loan.charges
    ]


def test_the_run_announces_each_bucket_change_once():
    loan = demo()
    seen = []
    for offset in range(0, 70):
        on = date(2026, 5, 29) + timedelta(days=offset)
        for _ in range(2):  # started twice
            _, notices, _ = close(loan, on)
            seen += [(n.type, n.body.get("bucket"), on) for n in notices]
    assert seen == [
        ("loan.overdue", "1-30", date(2026, 5, 31)),
        ("loan.delinquency_changed", "1-30", date(2026, 5, 31)),
        ("loan.delinquency_changed", "31-60", date(2026, 6, 30)),
        ("loan.delinquency_changed", "61-90", date(2026, 7, 30)),
    ]


def test_a_payment_reminder_is_sent_once_on_its_day():
    loan = DomainLoan(product(), today=date(2026, 12, 4))
    loan.loan = loan.loan.model_copy(update={"reminder_days_before": 3})
    assert refresh_arrears(loan.loan, date(2026, 5, 23)).arrears.cob_due == date(2026, 5, 27)
    sent = []
    for on in (date(2026, 5, 26), date(2026, 5, 27), date(2026, 5, 27), date(2026, 5, 28)):
        _, notices, _ = close(loan, on)
        sent += [(n.type, n.body["installment"], n.body["dueDate"], n.body["amountDue"], on) for n in notices]
    assert sent == [("loan.payment_due", 1, "2026-05-30", D("11100.00"), date(2026, 5, 27))]


def test_a_charged_off_loan_gets_no_penalty_but_keeps_its_bucket():
    loan = demo()
    loan.charge_off(date(2026, 5, 31), today=date(2026, 5, 31))
    outcome, _, _ = close(loan, date(2026, 7, 1))
    assert outcome.penalties.charged == []
    assert loan.loan.arrears.bucket == "31-60"


def test_a_closed_loan_is_not_closed_again_and_has_no_date_of_interest():
    loan = demo()
    loan.repay("11100", date(2026, 5, 30), today=date(2026, 5, 30))
    outcome, notices, wrote = close(loan, date(2026, 6, 10))
    assert (wrote, outcome.closed, notices) == (False, False, [])
    assert refresh_arrears(loan.loan, date(2026, 6, 10)).arrears.cob_due is None


def test_a_repayment_takes_the_loan_out_of_arrears_in_its_commit():
    loan = demo()
    close(loan, date(2026, 6, 10))
    assert loan.loan.arrears.bucket == "1-30"
    before = loan.loan
    loan.repay("11600", date(2026, 6, 10), today=date(2026, 6, 10))
    refreshed = refresh_arrears(loan.loan, date(2026, 6, 10))  # what the unit of work does on every commit
    assert (refreshed.arrears.bucket, refreshed.arrears.overdue_since, refreshed.arrears.cob_through) == (
        None,
        None,
        date(2026, 6, 10),
    )
    notices = arrears_notices(before, refreshed, AT)
    assert [(n.type, n.body["bucket"], n.body["previousBucket"], n.body["inArrears"]) for n in notices] == [
        ("loan.delinquency_changed", None, "1-30", False)
    ]
