"""Bring a loan's books in line with its transactions after any change to them.

Every money operation ends here: it replays the transactions, accrues interest that payments
pay before it was recognised, posts the entries of new transactions, reverses the entries of
reversed ones, reverses and re-posts those whose split a replay changed, emits the matching
events for the accounting system, and derives the loan's status.
"""

from __future__ import annotations

from datetime import date

from lms.ledger.domain.accounts import Role
from lms.ledger.domain.posting import Leg
from lms.loans.domain import events
from lms.loans.domain.books import Books
from lms.loans.domain.charges import ChargeKind
from lms.loans.domain.loan import Loan
from lms.loans.domain.position import Applied, LoanPosition, replay
from lms.loans.domain.status import LoanStatus
from lms.loans.domain.transactions import LoanTransaction, TransactionType

REPLAY_REASON = "re-posted: an earlier transaction of the loan changed"
_RECEIVABLE = {
    "interest": Role.INTEREST_RECEIVABLE,
    "fees": Role.FEES_RECEIVABLE,
    "penalties": Role.PENALTIES_RECEIVABLE,
}
_INCOME = {ChargeKind.FEE: Role.FEE_INCOME, ChargeKind.PENALTY: Role.PENALTY_INCOME}
_CHARGE_RECEIVABLE = {ChargeKind.FEE: Role.FEES_RECEIVABLE, ChargeKind.PENALTY: Role.PENALTIES_RECEIVABLE}
_SENT_TYPES = {TransactionType.REPAYMENT: events.REPAYMENT, TransactionType.EARLY_SETTLEMENT: events.EARLY_SETTLEMENT}


def position_of(loan: Loan) -> LoanPosition:
    return replay(
        loan.schedule,
        loan.transactions,
        loan.charges,
        loan.terms.transaction_processing_strategy_code,
        loan.settlement_interest,
    )


def _fee_name(loan: Loan, txn_date: date) -> str:
    names = [c.name for c in loan.charges if c.due_date <= txn_date and not c.waived]
    return ", ".join(dict.fromkeys(names)) or "Loan charges"


def _legs(loan: Loan, txn: LoanTransaction, applied: Applied) -> tuple[str, list[Leg]]:
    portions = applied.portions
    rail = Role(txn.rail) if txn.rail else Role.CASH
    if txn.type in (TransactionType.REPAYMENT, TransactionType.EARLY_SETTLEMENT):
        principal_role = Role.RECOVERY_INCOME if applied.after_charge_off else Role.LOANS_RECEIVABLE
        return txn.type.value, [
            Leg(rail, debit=portions.total + applied.overpayment, description="Payment received"),
            Leg(Role.PENALTIES_RECEIVABLE, credit=portions.penalties, description="Penalties paid"),
            Leg(_RECEIVABLE["fees"], credit=portions.fees, description="Fees paid"),
            Leg(Role.INTEREST_RECEIVABLE, credit=portions.interest, description="Interest paid"),
            Leg(principal_role, credit=portions.principal, description="Principal paid"),
            Leg(Role.CUSTOMER_OVERPAYMENTS, credit=applied.overpayment, description="Overpayment held"),
        ]
    if txn.type is TransactionType.REFUND:
        return "Refund", [
            Leg(Role.CUSTOMER_OVERPAYMENTS, debit=txn.amount, description="Overpayment refunded"),
            Leg(rail, credit=txn.amount, description="Refund paid out"),
        ]
    if txn.type is TransactionType.CHARGE:
        charge = next(c for c in loan.charges if c.transaction_id == txn.id)
        return f"{charge.kind.value.title()} assessed: {charge.name}", [
            Leg(_CHARGE_RECEIVABLE[charge.kind], debit=charge.amount),
            Leg(_INCOME[charge.kind], credit=charge.amount),
        ]
    if txn.type is TransactionType.WAIVER:
        charge = next(c for c in loan.charges if c.id == txn.charge_id)
        amount = portions.fees + portions.penalties
        return f"{charge.kind.value.title()} waived: {charge.name}", [
            Leg(_INCOME[charge.kind], debit=amount),
            Leg(_CHARGE_RECEIVABLE[charge.kind], credit=amount),
        ]
    if txn.type is TransactionType.CHARGE_OFF:
        return "Charge-off", [
            Leg(Role.CHARGE_OFF_EXPENSE, debit=portions.principal, description="Principal written off"),
            Leg(Role.LOANS_RECEIVABLE, credit=portions.principal),
        ]
    raise ValueError(f"no posting rule for {txn.type}")


def _retract(books: Books, txn: LoanTransaction, on: date, reason: str) -> None:
    books.reverse(txn.entry_ids, on, reason)
    for sent in books.unreversed_events():
        if sent.transaction_id == txn.id:
            books.emit(events.REVERSAL, events.reversal(books.loan, sent.id, sent.type, on, reason), txn.id)


def rebook(loan: Loan, books: Books, on: date) -> Loan:
    """Return `loan` with books, transaction splits and status that follow from its transactions."""
    position = position_of(loan)
    accrual = position.paid.interest - books.accrued_interest()
    if accrual > 0:
        # Interest is income when it accrues; a payment never takes interest that was not accrued first.
        books.post(
            on,
            "interest-accrual",
            None,
            "Interest accrued (paid before the monthly accrual)",
            [Leg(Role.INTEREST_RECEIVABLE, debit=accrual), Leg(Role.INTEREST_INCOME, credit=accrual)],
        )
        books.emit(events.REVENUE_REPORT, events.revenue_report(loan, on, accrual), None)
    updated: list[LoanTransaction] = []
    for txn in loan.transactions:
        if txn.type is TransactionType.DISBURSEMENT:
            updated.append(txn)
            continue
        if not txn.active:
            if txn.entry_ids:
                _retract(books, txn, txn.reversed_on or on, txn.reversal_reason or "reversed")
            updated.append(txn.model_copy(update={"entry_ids": []}))
            continue
        applied = position.applied[txn.id]
        unchanged = txn.portions == applied.portions and txn.overpayment == applied.overpayment
        if txn.entry_ids and unchanged:
            updated.append(txn)
            continue
        if txn.entry_ids:
            _retract(books, txn, on, REPLAY_REASON)
        description, legs = _legs(loan, txn, applied)
        # A charge is income when assessed, though payable from its due date.
        booked_on = min(txn.date, on) if txn.type is TransactionType.CHARGE else txn.date
        reference_type = txn.type.value.lower().replace(" ", "-")
        has_amount = any(leg.debit or leg.credit for leg in legs)
        entry_ids = [books.post(booked_on, reference_type, txn.id, description, legs)] if has_amount else []
        if txn.type in _SENT_TYPES:
            payload = (events.repayment if txn.type is TransactionType.REPAYMENT else events.early_settlement)(
                loan, applied.portions, txn.date, _fee_name(loan, txn.date)
            )
            books.emit(_SENT_TYPES[txn.type], payload, txn.id)
        updated.append(
            txn.model_copy(
                update={"portions": applied.portions, "overpayment": applied.overpayment, "entry_ids": entry_ids}
            )
        )
    return _with_status(loan.model_copy(update={"transactions": updated}), position, books)


def _with_status(loan: Loan, position: LoanPosition, books: Books) -> Loan:
    update: dict = {"journal": books.journal, "outbox": books.outbox}
    if loan.status in (LoanStatus.ACTIVE, LoanStatus.CLOSED, LoanStatus.OVERPAID):
        if position.total_outstanding > 0:
            update |= {"status": LoanStatus.ACTIVE, "closed_on_date": None}
        else:
            closing = loan.transaction(position.closed_by) if position.closed_by is not None else None
            update |= {
                "status": LoanStatus.OVERPAID if position.credit_balance > 0 else LoanStatus.CLOSED,
                "closed_on_date": closing.date if closing else loan.closed_on_date,
            }
    return loan.model_copy(update=update)
