"""Delinquency as of a date: days past due, arrears by component, buckets and their changes (no storage).

The demo product without the admin fee: 10,000 at 11% flat per 7-day installment, disbursed 23 May
2026; one installment of 11,100 due 30 May (four of 3,600 due 30 May, 6, 13 and 20 June).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.errors import InvalidArgument
from lms.loans.domain.calculation.delinquency import (
    DEFAULT_BUCKETS,
    DelinquencyBuckets,
    LoanHistory,
    bucket_changes,
    delinquency_as_of,
)
from lms.loans.domain.calculation.schedule import Installment
from lms.loans.domain.records.charges import ChargeKind
from lms.loans.domain.records.transactions import LoanTransaction, Portions, TransactionType
from lms.products.domain import ProcessingStrategy
from tests.support.domain import DomainLoan, product

D = Decimal
MAY23 = date(2026, 5, 23)
DUE = date(2026, 5, 30)


def day(n: int) -> date:
    return MAY23 + timedelta(days=n)


def history(loan: DomainLoan) -> LoanHistory:
    record = loan.loan
    strategy = record.terms.transaction_processing_strategy_code
    return LoanHistory(record.schedule, record.transactions, record.charges, strategy, record.currency)


def naive_changes(h: LoanHistory, since: date, until: date) -> list[tuple[date, str | None]]:
    """Every day looked at: what `bucket_changes` must give."""
    changes, previous = [], delinquency_as_of(h, since - timedelta(days=1)).bucket
    d = since
    while d <= until:
        current = delinquency_as_of(h, d).bucket
        if current != previous:
            changes.append((d, current))
        previous, d = current, d + timedelta(days=1)
    return changes


# The example --------------------------------------------------------------------------
def test_the_demo_loan_never_paid_is_188_days_past_due_in_181_plus_on_4_december():
    loan = DomainLoan(product())
    assert loan.loan.schedule[0].due_date == DUE
    assert (date(2026, 12, 4) - DUE).days == 188  # 1 + 30 + 31 + 31 + 30 + 31 + 30 + 4
    found = delinquency_as_of(history(loan), date(2026, 12, 4))
    assert found.days_past_due == 188
    assert found.overdue_since == DUE
    assert found.bucket == "181+"
    assert found.in_arrears
    assert found.as_of == date(2026, 12, 4)
    assert found.arrears == Portions(principal=D("10000.00"), interest=D("1100.00"))
    assert found.arrears.total == D("11100.00")


def test_on_its_due_date_an_installment_is_not_overdue_and_the_day_after_it_is_one_day_past_due():
    h = history(DomainLoan(product()))
    for as_of in (MAY23, day(3), DUE):
        found = delinquency_as_of(h, as_of)
        assert (found.days_past_due, found.overdue_since, found.bucket, found.in_arrears) == (0, None, None, False)
        assert found.arrears == Portions()
    found = delinquency_as_of(h, DUE + timedelta(days=1))
    assert (found.days_past_due, found.overdue_since, found.bucket) == (1, DUE, "1-30")
    assert found.arrears.total == D("11100.00")


BOUNDARIES = [(1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"), (61, "61-90"), (90, "61-90")]
BOUNDARIES += [(91, "91-180"), (180, "91-180"), (181, "181+"), (1000, "181+")]


@pytest.mark.parametrize(("days", "bucket"), BOUNDARIES)
def test_bucket_boundaries(days, bucket):
    found = delinquency_as_of(history(DomainLoan(product())), DUE + timedelta(days=days))
    assert (found.days_past_due, found.bucket) == (days, bucket)


# Payments ---------------------------------------------------------------------------------------
def test_a_paid_loan_has_no_arrears_at_any_date():
    loan = DomainLoan(product())
    loan.repay(11100, DUE)
    h = history(loan)
    for as_of in (DUE, DUE + timedelta(days=1), date(2026, 12, 4)):
        found = delinquency_as_of(h, as_of)
        assert (found.days_past_due, found.bucket, found.arrears.total) == (0, None, 0)
    assert bucket_changes(h, MAY23, day(200)) == []


def test_a_partial_payment_leaves_the_rest_in_arrears():
    loan = DomainLoan(product())
    loan.repay(2000, DUE)  # interest 1,100 first, then principal 900
    found = delinquency_as_of(history(loan), date(2026, 12, 4))
    assert (found.days_past_due, found.bucket) == (188, "181+")
    assert found.arrears == Portions(principal=D("9100.00"))
    assert found.arrears.total == D("9100.00")


def test_a_payment_dated_after_the_as_of_date_does_not_count():
    loan = DomainLoan(product())
    loan.repay(11100, date(2026, 7, 1))
    h = history(loan)
    before = delinquency_as_of(h, date(2026, 6, 30))
    assert (before.days_past_due, before.bucket, before.arrears.total) == (31, "31-60", D("11100.00"))
    on = delinquency_as_of(h, date(2026, 7, 1))  # the end of the day it was paid
    assert (on.days_past_due, on.bucket, on.arrears.total) == (0, None, 0)


def test_a_reversal_restores_the_days_past_due():
    loan = DomainLoan(product())
    paid = loan.repay(11100, date(2026, 6, 1))
    assert delinquency_as_of(history(loan), date(2026, 12, 4)).days_past_due == 0
    loan.reverse(paid.id)
    found = delinquency_as_of(history(loan), date(2026, 12, 4))
    assert (found.days_past_due, found.bucket, found.arrears.total) == (188, "181+", D("11100.00"))


def test_days_past_due_run_from_the_oldest_installment_still_unpaid():
    loan = DomainLoan(product(), number_of_repayments=4)  # 3,600 each: 2,500 principal, 1,100 interest
    assert [i.due_date for i in loan.loan.schedule] == [DUE, day(14), day(21), day(28)]
    found = delinquency_as_of(history(loan), date(2026, 6, 8))  # installments 1 and 2 overdue
    assert (found.days_past_due, found.overdue_since) == (9, DUE)
    assert found.arrears == Portions(principal=D("5000.00"), interest=D("2200.00"))
    assert delinquency_as_of(history(loan), day(28)).arrears.total == D("10800.00")  # the 4th is due, not overdue

    loan.repay(3600, date(2026, 6, 1))  # pays installment 1
    found = delinquency_as_of(history(loan), date(2026, 6, 8))
    assert (found.days_past_due, found.overdue_since, found.bucket) == (2, day(14), "1-30")
    assert found.arrears == Portions(principal=D("2500.00"), interest=D("1100.00"))

    loan.repay(100, date(2026, 6, 2))  # installment 2 partly paid: still the oldest overdue
    found = delinquency_as_of(history(loan), date(2026, 7, 20))
    assert (found.days_past_due, found.overdue_since, found.bucket) == (44, day(14), "31-60")
    assert found.arrears == Portions(principal=D("7500.00"), interest=D("3200.00"))


def test_fees_and_penalties_on_overdue_installments_are_arrears():
    loan = DomainLoan(product(), number_of_repayments=2)  # due 30 May and 6 June
    loan.charge(100, DUE, name="Fee")
    loan.charge(50, DUE, kind=ChargeKind.PENALTY, name="Penalty")
    loan.charge(70, day(14), name="Later fee")  # on installment 2, not yet due on 1 June
    found = delinquency_as_of(history(loan), date(2026, 6, 1))
    assert found.arrears == Portions(
        principal=D("5000.00"), interest=D("1100.00"), fees=D("100.00"), penalties=D("50.00")
    )
    assert found.arrears.total == D("6250.00")
    loan.repay(6200, date(2026, 5, 30))  # penalties, fees, interest, then principal of installment 1: 50 short
    found = delinquency_as_of(history(loan), date(2026, 6, 1))
    assert (found.days_past_due, found.arrears) == (2, Portions(principal=D("50.00")))


# Bucket changes ---------------------------------------------------------------------------------
def test_bucket_changes_of_the_demo_loan_over_200_days():
    h = history(DomainLoan(product()))
    changes = bucket_changes(h, MAY23, day(200))
    assert changes == [
        (date(2026, 5, 31), "1-30"),
        (date(2026, 6, 30), "31-60"),
        (date(2026, 7, 30), "61-90"),
        (date(2026, 8, 29), "91-180"),
        (date(2026, 11, 27), "181+"),
    ]
    assert changes == naive_changes(h, MAY23, day(200))


def test_bucket_changes_follow_payments_and_reversals():
    loan = DomainLoan(product())
    loan.repay(11100, date(2026, 7, 10))
    h = history(loan)
    expected = [(date(2026, 5, 31), "1-30"), (date(2026, 6, 30), "31-60"), (date(2026, 7, 10), None)]
    assert bucket_changes(h, MAY23, day(200)) == expected == naive_changes(h, MAY23, day(200))
    # Starting in the middle compares its first day with the day before.
    assert bucket_changes(h, date(2026, 6, 15), day(200)) == expected[1:]
    assert bucket_changes(h, date(2026, 6, 30), day(200)) == expected[1:]
    assert bucket_changes(h, date(2026, 7, 1), day(200)) == expected[2:]
    assert bucket_changes(h, day(200), MAY23) == []


# Buckets ----------------------------------------------------------------------------------------
def test_default_and_custom_buckets():
    default = DelinquencyBuckets.parse()
    assert default.names == DEFAULT_BUCKETS
    assert default.first_days == (1, 31, 61, 91, 181)
    assert [default.bucket_for(n) for n in (0, 1, 30, 31, 181, 5000)] == [None, "1-30", "1-30", "31-60", "181+", "181+"]
    custom = DelinquencyBuckets.parse(["1-3", "4-60", "61+"])
    found = delinquency_as_of(history(DomainLoan(product())), DUE + timedelta(days=4), custom)
    assert found.bucket == "4-60"
    assert DelinquencyBuckets.parse(["1+"]).bucket_for(999) == "1+"


@pytest.mark.parametrize(
    ("names", "field", "words"),
    [
        (["1-30", "32-60", "61+"], "delinquencyBuckets[1]", ["'32-60'", "gap", "'1-30'", "day 31"]),
        (["1-30", "30-60", "61+"], "delinquencyBuckets[1]", ["'30-60'", "overlaps", "'1-30'"]),
        (["0-30", "31+"], "delinquencyBuckets[0]", ["'0-30'", "start at day 1"]),
        (["2-30", "31+"], "delinquencyBuckets[0]", ["'2-30'", "start at day 1"]),
        (["1-30", "31-60"], "delinquencyBuckets[1]", ["'31-60'", "open-ended", '"61+"']),
        (["1-30", "31+", "61+"], "delinquencyBuckets[1]", ["'31+'", "not the last"]),
        (["1-30", "thirty+"], "delinquencyBuckets[1]", ["'thirty+'", "neither"]),
        (["30-1", "31+"], "delinquencyBuckets[0]", ["'30-1'", "ends before it starts"]),
        ([], "delinquencyBuckets", ["non-empty"]),
    ],
)
def test_bad_buckets_are_refused_naming_the_bucket(names, field, words):
    with pytest.raises(InvalidArgument) as refused:
        DelinquencyBuckets.parse(names)
    assert refused.value.reason == "INVALID_DELINQUENCY_BUCKETS"
    messages = [d.message for d in refused.value.details if d.field == field]
    assert messages, refused.value.details
    assert any(all(w in m for w in words) for m in messages), messages


# Properties -------------------------------------------------------------------------------------
START = date(2026, 1, 5)
STRATEGIES = list(ProcessingStrategy)


def _txn(id: int, type: TransactionType, on: date, amount: Decimal) -> LoanTransaction:
    return LoanTransaction(id=id, type=type, date=on, amount=amount, created_at="", created_by="test")


@st.composite
def loans(draw) -> LoanHistory:
    """A random schedule (1-6 installments, 1-30 days apart) and random payments, some reversed."""
    cents = st.integers(min_value=0, max_value=500_000).map(lambda n: D(n).scaleb(-2))
    n = draw(st.integers(min_value=1, max_value=6))
    gaps = draw(st.lists(st.integers(min_value=1, max_value=30), min_size=n, max_size=n))
    schedule, from_date = [], START
    for number, gap in enumerate(gaps, start=1):
        due = from_date + timedelta(days=gap)
        principal = draw(cents.filter(lambda c: c > 0))
        schedule.append(
            Installment(
                number=number, from_date=from_date, due_date=due, principal_due=principal, interest_due=draw(cents)
            )
        )
        from_date = due
    principal = sum((i.principal_due for i in schedule), D(0))
    transactions = [_txn(1, TransactionType.DISBURSEMENT, START, principal)]
    span = (schedule[-1].due_date - START).days + 60
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        on = START + timedelta(days=draw(st.integers(min_value=0, max_value=span)))
        paid = _txn(len(transactions) + 1, TransactionType.REPAYMENT, on, draw(cents.filter(lambda c: c > 0)))
        transactions.append(paid.model_copy(update={"reversed": draw(st.booleans())}))
    return LoanHistory(schedule, transactions, [], draw(st.sampled_from(STRATEGIES)), "TZS")


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(loans(), st.integers(min_value=-5, max_value=400), st.integers(min_value=1, max_value=120))
def test_arrears_never_exceed_what_is_outstanding_and_days_past_due_only_grow_while_nothing_is_paid(h, offset, k):
    as_of = START + timedelta(days=offset)
    later = as_of + timedelta(days=k)
    found = delinquency_as_of(h, as_of)
    assert found.days_past_due >= 0
    assert none_negative(found.arrears)
    assert found.arrears.total <= h.position_on(as_of).total_outstanding
    assert found.in_arrears == (found.bucket is not None) == (found.overdue_since is not None)
    assert found.in_arrears or found.arrears.total == 0
    paid_between = any(t.active and as_of < t.date <= later for t in h.transactions)
    if not paid_between:
        after = delinquency_as_of(h, later)
        assert after.days_past_due >= found.days_past_due
        if found.in_arrears:
            assert after.days_past_due == found.days_past_due + k
            assert after.overdue_since == found.overdue_since


@PROPERTY
@given(loans())
def test_bucket_changes_are_the_changes_seen_day_by_day(h):
    until = h.schedule[-1].due_date + timedelta(days=200)
    changes = bucket_changes(h, START, until)
    assert changes == naive_changes(h, START, until)
    assert all(a[0] < b[0] and a[1] != b[1] for a, b in pairwise(changes))


def none_negative(portions: Portions) -> bool:
    return all(getattr(portions, c) >= 0 for c in ("principal", "interest", "fees", "penalties"))
