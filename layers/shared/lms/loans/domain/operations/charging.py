"""Charges on an active loan: assessing a fee or penalty, waiving what is unpaid of it, charging off."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lms.errors import FailedPrecondition, InvalidArgument, NotFound
from lms.loans.domain.accounting.books import Books
from lms.loans.domain.accounting.rebook import position_of, rebook
from lms.loans.domain.aggregate.loan import Actor, Loan
from lms.loans.domain.aggregate.status import LoanAction, ensure_allowed
from lms.loans.domain.operations.payments import (
    _assess,
    _new_transaction,
    _with_penalties_from,
    check_transaction_date,
    money,
)
from lms.loans.domain.records.charges import ChargeKind, LoanCharge
from lms.loans.domain.records.transactions import TransactionType


def assess_charge(
    loan: Loan, name: str, kind: ChargeKind, amount: Decimal, due: date, note: str | None, books: Books, actor: Actor
) -> tuple[Loan, LoanCharge]:
    """Debit Fees or Penalties receivable, credit Fee or Penalty income; payable from `due`."""
    ensure_allowed(LoanAction.CHARGE, loan.status)
    amount = money(loan, amount, "amount")
    if loan.disbursed_on_date and due < loan.disbursed_on_date:
        raise InvalidArgument.field("dueDate", f"must not be before the disbursement date {loan.disbursed_on_date}")
    changed, charge = _assess(loan, name, kind, amount, due, actor)
    changed = changed.model_copy(
        update={"timeline": changed.record(f"{kind.value} {charge.id}: {name}", due, note, actor.at, actor.by)}
    )
    appended = [changed.transactions[-1]]  # the charge's
    booked = rebook(changed, books, min(due, actor.today), appended=appended)
    booked = _with_penalties_from(booked, min(due, actor.today), books, actor)
    return booked, next(c for c in booked.charges if c.id == charge.id)


def waive_charge(loan: Loan, charge_id: int, note: str | None, books: Books, actor: Actor) -> tuple[Loan, LoanCharge]:
    """Forgive what is unpaid of a charge (its paid part stays paid; other charges are untouched)."""
    ensure_allowed(LoanAction.CHARGE, loan.status)
    charge = next((c for c in loan.charges if c.id == charge_id), None)
    charge_txn = loan.transaction(charge.transaction_id) if charge else None
    if charge is None or charge_txn is None or not charge_txn.active:
        raise NotFound(f"Charge {charge_id} of loan {loan.id} does not exist", reason="CHARGE_NOT_FOUND")
    unpaid = position_of(loan).unpaid_of(charge, loan.charges)
    if unpaid <= 0 and charge.waived:
        raise FailedPrecondition(f"Charge {charge_id} is already waived", reason="ALREADY_WAIVED")
    if unpaid <= 0:
        raise FailedPrecondition(
            f"Charge {charge_id} is fully paid; there is nothing to waive", reason="NOTHING_TO_WAIVE"
        )
    txn = _new_transaction(
        loan,
        actor,
        type=TransactionType.WAIVER,
        date=actor.today,
        amount=unpaid,
        waiver_limit=unpaid,
        charge_id=charge_id,
    )
    changed = loan.model_copy(
        update={
            "transactions": [*loan.transactions, txn],
            "timeline": loan.record(f"waive charge {charge_id}", actor.today, note, actor.at, actor.by),
        }
    )
    booked = rebook(changed, books, actor.today, appended=[txn])  # the charge's state follows the waiver
    return booked, next(c for c in booked.charges if c.id == charge_id)


def charge_off(loan: Loan, on: date, note: str | None, books: Books, actor: Actor) -> Loan:
    """Write the outstanding principal off; the loan stays Active, and later principal is a recovery."""
    ensure_allowed(LoanAction.CHARGE_OFF, loan.status)
    if loan.charged_off:
        raise FailedPrecondition(f"Loan {loan.id} is already charged off", reason="ALREADY_CHARGED_OFF")
    check_transaction_date(loan, on, actor.today)
    principal = position_of(loan).owed.principal
    if principal <= 0:
        raise FailedPrecondition("There is no outstanding principal to charge off", reason="NOTHING_TO_CHARGE_OFF")
    txn = _new_transaction(loan, actor, type=TransactionType.CHARGE_OFF, date=on, amount=principal)
    changed = loan.model_copy(
        update={
            "transactions": [*loan.transactions, txn],
            "charged_off": True,
            "charged_off_on": on,
            "timeline": loan.record(LoanAction.CHARGE_OFF, on, note, actor.at, actor.by),
        }
    )
    return rebook(changed, books, on)
