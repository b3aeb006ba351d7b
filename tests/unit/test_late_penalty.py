"""Late-payment penalties: the product rule, and the penalties a loan's history makes due (no storage).

The demo product without the admin fee: 10,000 at 11% flat per 7-day installment, disbursed 23 May
2026; one installment of 11,100 due 30 May (four of 3,600 due 30 May, 6, 13 and 20 June). A penalty
with 3 grace days on an installment due 30 May may be avoided by paying by 2 June; it is dated 3 June.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.errors import InvalidArgument
from lms.loans.domain.calculation.delinquency import LoanHistory, delinquency_as_of
from lms.loans.domain.calculation.late_penalty import (
    LatePenalties,
    LatePenalty,
    check_late_penalty,
    late_penalties,
    parse_late_penalty,
    penalty_records,
)
from lms.loans.domain.records.charges import ChargeKind
from lms.loans.domain.records.transactions import Portions
from tests.support.domain import DomainLoan, product
from tests.unit.test_delinquency import START, history, loans

D = Decimal
DUE = date(2026, 5, 30)
JUNE = {n: date(2026, 6, n) for n in range(1, 31)}


def fixed(value="500", grace=3) -> LatePenalty:
    return check_late_penalty(LatePenalty(type="fixed", value=D(value), grace_days=grace), "TZS")


def percent(value="5", grace=3) -> LatePenalty:
    return check_late_penalty(LatePenalty(type="percent", value=D(value), grace_days=grace), "TZS")


def charge(h: LoanHistory, plan: LatePenalties, rule: LatePenalty, charged: dict[int, int]):
    """What the run will do with a plan: reverse the charges it removes, record the ones it adds."""
    removed = {c.transaction_id for c in h.charges if c.id in plan.to_remove}
    transactions = [t.model_copy(update={"reversed": True}) if t.id in removed else t for t in h.transactions]
    charges = list(h.charges)
    charged = {n: c for n, c in charged.items() if c not in plan.to_remove}
    for due in plan.to_charge:
        txn_id = max(t.id for t in transactions) + 1
        charge_id = max((c.id for c in charges), default=0) + 1
        txn, record = penalty_records(due, rule, txn_id, charge_id, h.currency)
        transactions.append(txn)
        charges.append(record)
        charged[due.installment] = charge_id
    return LoanHistory(h.schedule, transactions, charges, h.strategy, h.currency), charged


def recorded(h: LoanHistory, loan: DomainLoan) -> LoanHistory:
    """`h` with the loan's latest transaction recorded after everything in it (a back-dated payment)."""
    txn = loan.loan.transactions[-1].model_copy(update={"id": max(t.id for t in h.transactions) + 1})
    return LoanHistory(h.schedule, [*h.transactions, txn], h.charges, h.strategy, h.currency)


def amounts(plan: LatePenalties) -> list[tuple[int, date, Decimal]]:
    return [(p.installment, p.date, p.amount) for p in plan.due]


# The rule ---------------------------------------------------------------------------------------
def test_a_valid_rule_keeps_its_values_at_the_currency_scale():
    rule = fixed("500")
    assert (rule.type, rule.value, rule.grace_days, rule.name) == ("fixed", D("500.00"), 3, "Late payment penalty")
    assert str(rule.value) == "500.00"
    assert check_late_penalty(LatePenalty(type="percent", value=D(100)), "TZS").value == 100
    assert parse_late_penalty({"type": "percent", "value": "2.5", "graceDays": 7}, "TZS") == LatePenalty(
        type="percent", value=D("2.5"), grace_days=7
    )


@pytest.mark.parametrize(
    ("rule", "problems"),
    [
        ({"type": "fixed", "value": 0, "graceDays": 0}, {"latePenalty.value": "greater than 0"}),
        ({"type": "percent", "value": -1, "graceDays": 0}, {"latePenalty.value": "greater than 0"}),
        ({"type": "percent", "value": "100.01", "graceDays": 0}, {"latePenalty.value": "at most 100"}),
        ({"type": "fixed", "value": "1.234", "graceDays": 0}, {"latePenalty.value": "2 decimal places"}),
        ({"type": "fixed", "value": 10, "graceDays": -1}, {"latePenalty.graceDays": "negative"}),
        (
            {"type": "daily", "value": "x", "graceDays": 1.5},
            {
                "latePenalty.type": '"fixed" or "percent"',
                "latePenalty.value": "a number",
                "latePenalty.graceDays": "whole number",
            },
        ),
    ],
)
def test_a_bad_rule_is_refused_naming_every_field(rule, problems):
    with pytest.raises(InvalidArgument) as refused:
        parse_late_penalty(rule, "TZS")
    assert refused.value.reason == "INVALID_LATE_PENALTY"
    found = {d.field: d.message for d in refused.value.details}
    assert set(found) == set(problems)
    for field, words in problems.items():
        assert words in found[field]


def test_a_fixed_penalty_in_a_currency_without_minor_units_must_be_whole():
    with pytest.raises(InvalidArgument) as refused:
        check_late_penalty(LatePenalty(type="fixed", value=D("10.5")), "UGX")
    assert [d.field for d in refused.value.details] == ["latePenalty.value"]


# When a penalty is due --------------------------------------------------------------------------
def test_the_penalty_is_dated_the_day_after_the_grace_ends_and_charged_once():
    h, rule = history(DomainLoan(product())), fixed("500", grace=3)
    assert late_penalties(h, rule, JUNE[2]) == LatePenalties()  # grace runs to the end of 2 June
    plan = late_penalties(h, rule, JUNE[3])
    assert amounts(plan) == [(1, JUNE[3], D("500.00"))]
    assert plan.to_charge == plan.due and plan.to_remove == []
    assert plan.due[0].charge_due_date == DUE  # the charge belongs to the installment it penalises
    assert plan.due[0].unpaid == D("11100.00")
    h, charged = charge(h, plan, rule, {})
    for as_of in (JUNE[3], JUNE[4], date(2026, 12, 4)):  # the run repeats, or catches up later
        again = late_penalties(h, rule, as_of, charged)
        assert amounts(again) == [(1, JUNE[3], D("500.00"))]
        assert (again.to_charge, again.to_remove) == ([], [])
    # Charged on its installment: in arrears at once, as a penalty.
    assert delinquency_as_of(h, JUNE[3]).arrears == Portions(
        principal=D("10000.00"), interest=D("1100.00"), penalties=D("500.00")
    )


def test_without_grace_the_penalty_is_dated_the_day_after_the_due_date():
    plan = late_penalties(history(DomainLoan(product())), fixed("500", grace=0), date(2026, 12, 4))
    assert amounts(plan) == [(1, date(2026, 5, 31), D("500.00"))]


def test_a_percent_penalty_is_of_the_unpaid_principal_and_interest():
    h = history(DomainLoan(product()))
    assert amounts(late_penalties(h, percent("5"), date(2026, 12, 4))) == [(1, JUNE[3], D("555.00"))]
    loan = DomainLoan(product())
    loan.repay(2000, JUNE[1])  # within grace, partly: interest 1,100 and principal 900 paid
    assert amounts(late_penalties(history(loan), percent("5"), JUNE[3])) == [(1, JUNE[3], D("455.00"))]


def test_a_percent_penalty_is_rounded_half_even_to_the_minor_unit():
    loan = DomainLoan(product())
    loan.repay(199, DUE)  # 10,901 unpaid: 0.5% is 54.505
    plan = late_penalties(history(loan), percent("0.5"), JUNE[3])
    assert amounts(plan) == [(1, JUNE[3], D("54.50"))]  # half-even; half-up would give 54.51
    assert plan.due[0].unpaid == D("10901.00")
    loan = DomainLoan(product())
    loan.repay(189, DUE)  # 10,911 unpaid: 0.5% is 54.555
    assert amounts(late_penalties(history(loan), percent("0.5"), JUNE[3])) == [(1, JUNE[3], D("54.56"))]


def test_paid_within_the_grace_means_no_penalty_and_paid_after_it_still_one():
    cured = DomainLoan(product())
    cured.repay(11100, JUNE[2])  # the last grace day
    assert late_penalties(history(cured), fixed(), date(2026, 12, 4)) == LatePenalties()
    late = DomainLoan(product())
    late.repay(11100, JUNE[3])  # the penalty's own day: it was due
    plan = late_penalties(history(late), percent("5"), date(2026, 12, 4))
    assert amounts(plan) == [(1, JUNE[3], D("555.00"))]


def test_a_back_dated_payment_within_the_grace_removes_a_penalty_already_charged():
    loan, rule = DomainLoan(product()), fixed()
    h, charged = charge(history(loan), late_penalties(history(loan), rule, JUNE[10]), rule, {})
    assert list(charged) == [1]
    loan.repay(11100, JUNE[1], today=JUNE[10])  # recorded on 10 June, dated 1 June
    h = recorded(h, loan)
    plan = late_penalties(h, rule, JUNE[10], charged)
    assert plan.due == [] and plan.to_charge == []
    assert plan.to_remove == [charged[1]]
    h, charged = charge(h, plan, rule, charged)
    assert charged == {}
    assert late_penalties(h, rule, JUNE[10], charged) == LatePenalties()
    assert delinquency_as_of(h, JUNE[10]).arrears.total == 0


def test_a_reversal_that_makes_the_installment_late_brings_the_penalty():
    loan, rule = DomainLoan(product()), fixed()
    paid = loan.repay(11100, JUNE[1])
    assert late_penalties(history(loan), rule, JUNE[10]) == LatePenalties()
    loan.reverse(paid.id)
    assert amounts(late_penalties(history(loan), rule, JUNE[10])) == [(1, JUNE[3], D("500.00"))]


def test_a_penalty_whose_amount_changed_is_replaced():
    loan, rule = DomainLoan(product()), percent("5")
    h, charged = charge(history(loan), late_penalties(history(loan), rule, JUNE[10]), rule, {})  # 555
    loan.repay(2000, JUNE[1], today=JUNE[10])  # back-dated into the grace: 9,100 unpaid when it ended
    h = recorded(h, loan)
    plan = late_penalties(h, rule, JUNE[10], charged)
    assert amounts(plan) == [(1, JUNE[3], D("455.00"))]
    assert [p.amount for p in plan.to_charge] == [D("455.00")]
    assert plan.to_remove == [charged[1]]


# Several installments ---------------------------------------------------------------------------
def test_one_penalty_per_installment_whose_grace_has_ended():
    h = history(DomainLoan(product(), number_of_repayments=4))  # due 30 May, 6, 13, 20 June
    plan = late_penalties(h, fixed("100", grace=2), JUNE[20])
    assert amounts(plan) == [(1, JUNE[2], D("100.00")), (2, JUNE[9], D("100.00")), (3, JUNE[16], D("100.00"))]
    assert [p.charge_due_date for p in plan.due] == [DUE, JUNE[6], JUNE[13]]


def test_later_installments_are_judged_with_the_earlier_penalties_so_catching_up_equals_running_daily():
    loan, rule = DomainLoan(product(), number_of_repayments=4), percent("10", grace=0)
    loan.repay(4000, JUNE[3])  # pays installment 1's penalty (360) first, then 3,600 of it, 40 of installment 2
    h = history(loan)
    once = late_penalties(h, rule, JUNE[10])
    # Installment 2 unpaid when its grace ended: 3,600 - 40 = 3,560 (3,200 if the penalty were ignored).
    assert amounts(once) == [(1, date(2026, 5, 31), D("360.00")), (2, JUNE[7], D("356.00"))]
    daily, charged = h, {}
    for n in range(31, 41):
        as_of = date(2026, 5, 1) + timedelta(days=n - 1)
        daily, charged = charge(daily, late_penalties(daily, rule, as_of, charged), rule, charged)
    assert amounts(late_penalties(daily, rule, JUNE[10], charged)) == amounts(once)
    assert sorted(charged) == [1, 2]


def test_an_installment_late_only_with_a_fee_gets_no_penalty():
    loan = DomainLoan(product())
    loan.charge(100, DUE, name="Fee")
    loan.repay(11100, DUE)  # the fee is paid first: 100 of principal is left ...
    assert amounts(late_penalties(history(loan), fixed(), JUNE[10])) == [(1, JUNE[3], D("500.00"))]
    loan = DomainLoan(product())
    loan.charge(100, DUE, kind=ChargeKind.FEE, name="Fee")
    loan.repay(11100, DUE, split=Portions(principal=D(10000), interest=D(1100)))  # ... unless paid by component
    assert delinquency_as_of(history(loan), JUNE[10]).arrears == Portions(fees=D("100.00"))
    assert late_penalties(history(loan), fixed(), JUNE[10]) == LatePenalties()


# Properties -------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    loans(),
    st.sampled_from(["fixed", "percent"]),
    st.integers(min_value=0, max_value=10),
    st.integers(min_value=0, max_value=240),
)
def test_charging_what_is_due_is_idempotent_and_catching_up_equals_running_daily(h, kind, grace, offset):
    rule = check_late_penalty(
        LatePenalty(type=kind, value=D("7.5") if kind == "percent" else D(250), grace_days=grace), "TZS"
    )
    as_of = START + timedelta(days=offset)
    once = late_penalties(h, rule, as_of)
    assert len({p.installment for p in once.due}) == len(once.due)
    assert all(p.amount > 0 and p.date <= as_of and p.unpaid > 0 for p in once.due)
    charged_history, charged = charge(h, once, rule, {})
    again = late_penalties(charged_history, rule, as_of, charged)
    assert (again.to_charge, again.to_remove) == ([], [])
    assert amounts(again) == amounts(once)
    daily, held = h, {}
    d = START
    while d <= as_of:
        daily, held = charge(daily, late_penalties(daily, rule, d, held), rule, held)
        d += timedelta(days=1 + offset // 40)  # runs every few days (a missed night) to keep it quick
    daily, held = charge(daily, late_penalties(daily, rule, as_of, held), rule, held)
    assert amounts(late_penalties(daily, rule, as_of, held)) == amounts(once)
