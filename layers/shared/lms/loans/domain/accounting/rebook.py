"""Bring a loan's books in line with its transactions after any change to them.

Every money operation ends here. In this order, so that the accounting system can apply each
event when it arrives:
1. replay the transactions;
2. take back (mirror entries, REVERSAL events) what reversed transactions and transactions whose
   split the replay changed had posted and sent;
3. bring interest income to what the loan should recognise (`accrual.recognition_target`, which
   follows cash while the loan is in non-accrual on the commit's business date), up or down: more
   is booked and reported before the payments that pay it; less is reversed, and the revenue the
   accounting system holds is lowered (`accounting_view`);
4. post and send new transactions and the changed ones again;
5. derive the loan's status.

Every record the replay changes follows it before anything is posted: a transaction's split (and,
for a waiver or a charge-off, its amount: what it forgives or writes off as replayed) and every
charge's state (paid, waived, outstanding), so what the API shows is what the journal holds.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lms.errors import FailedPrecondition
from lms.ledger.domain.accounts import Role
from lms.ledger.domain.posting import Leg
from lms.loans.domain.accounting import events
from lms.loans.domain.accounting.accounting_view import AccountingView
from lms.loans.domain.accounting.books import Books
from lms.loans.domain.aggregate.loan import HistoryNeeded, Loan, OutboundEvent
from lms.loans.domain.aggregate.status import LoanStatus
from lms.loans.domain.calculation.accrual import (
    earned_through,
    interest_periods,
    month_of,
    monthly_interest,
    next_month,
    recognition_target,
)
from lms.loans.domain.calculation.delinquency import LoanHistory
from lms.loans.domain.calculation.non_accrual import in_non_accrual
from lms.loans.domain.calculation.position import Applied, LoanPosition, replay
from lms.loans.domain.calculation.snapshot import last_applied, resume, take_snapshot
from lms.loans.domain.records.charges import ChargeKind
from lms.loans.domain.records.transactions import DERIVED_AMOUNT, LoanTransaction, TransactionType
from lms.money import ZERO

REPLAY_REASON = "re-posted: an earlier transaction of the loan changed"
NO_LONGER_OWED = "interest no longer owed"
NON_ACCRUAL_REASON = "interest unpaid taken out of income: loan in non-accrual"
_RECEIVABLE = {
    "interest": Role.INTEREST_RECEIVABLE,
    "fees": Role.FEES_RECEIVABLE,
    "penalties": Role.PENALTIES_RECEIVABLE,
}
_INCOME = {ChargeKind.FEE: Role.FEE_INCOME, ChargeKind.PENALTY: Role.PENALTY_INCOME}
_CHARGE_RECEIVABLE = {ChargeKind.FEE: Role.FEES_RECEIVABLE, ChargeKind.PENALTY: Role.PENALTIES_RECEIVABLE}
_SENT_TYPES = {TransactionType.REPAYMENT: events.REPAYMENT, TransactionType.EARLY_SETTLEMENT: events.EARLY_SETTLEMENT}


def position_of(loan: Loan) -> LoanPosition:
    """The loan's position: replayed from its whole history, or (for a loan read without its older
    history) taken from its snapshot, which must be of the loan as it is."""
    if loan.partial:
        position = resumed(loan, [])
        if position is None:
            raise HistoryNeeded(f"loan {loan.id}: its position needs its whole history")
        return position
    return replay(
        loan.schedule, loan.transactions, loan.charges, loan.terms.transaction_processing_strategy_code, loan.currency
    )


def resumed(loan: Loan, appended: list[LoanTransaction]) -> LoanPosition | None:
    """The position after `appended` (already in the loan's transactions) from the loan's snapshot,
    if that equals replaying its whole history (`snapshot.resume`)."""
    strategy = loan.terms.transaction_processing_strategy_code
    return resume(loan.position_snapshot, loan.counts(), appended, loan.charges, strategy)


def monthly_interest_of(loan: Loan, position: LoanPosition):
    return monthly_interest(interest_periods(loan.schedule, loan.currency, position.interest_ends_on), loan.currency)


def interest_to_recognise(loan: Loan, position: LoanPosition, as_of: date | None = None):
    """Interest income the loan should show now (see `accrual`), its non-accrual judged at the end of
    `as_of` (the commit's business date)."""
    earned = earned_through(monthly_interest_of(loan, position), loan.accrued_through, loan.currency)
    non_accrual = as_of is not None and is_in_non_accrual(loan, position, as_of)
    return recognition_target(position.paid.interest, earned, charged_off=loan.charged_off, non_accrual=non_accrual)


def is_in_non_accrual(loan: Loan, position: LoanPosition, as_of: date) -> bool:
    """Whether the loan is in non-accrual at the end of `as_of`, `position` being its current one.
    Judged on a date before some of its transactions (an operation without a business date,
    back-dated), the loan's history is replayed up to that date."""
    if loan.non_accrual_days is None:
        return False
    dates = [t.date for t in loan.transactions if t.active]
    if loan.partial and loan.position_snapshot is not None and loan.position_snapshot.last_applied is not None:
        dates.append(loan.position_snapshot.last_applied[0])
    if dates and max(dates) > as_of:
        if loan.partial:
            raise HistoryNeeded(f"loan {loan.id}: its non-accrual on {as_of} needs its whole history")
        strategy = loan.terms.transaction_processing_strategy_code
        history = LoanHistory(loan.schedule, loan.transactions, loan.charges, strategy, loan.currency)
        position = history.position_on(as_of)
    return in_non_accrual(position, as_of, loan.non_accrual_days)


def recognition_date(loan: Loan, on: date) -> date:
    """Catch-ups and corrections go into a month the revenue run has not booked yet, never back."""
    if loan.accrued_through is None:
        return on
    return max(on, next_month(loan.accrued_through))


def with_charge_states(loan: Loan, position: LoanPosition) -> Loan:
    """The loan with each charge's paid, waived and outstanding parts as `position` has them."""
    charges = []
    for charge in loan.charges:
        zero = charge.amount - charge.amount
        paid, waived, outstanding = position.charge_state(charge, loan.charges)
        state = {"paid": paid + zero, "waived_amount": waived + zero, "outstanding": outstanding + zero}
        charges.append(charge.model_copy(update={**state, "waived": waived > 0}))
    return loan.model_copy(update={"charges": charges})


def _derived(txn: LoanTransaction, applied: Applied) -> dict:
    """What a transaction's record takes from its replay besides its split."""
    if txn.type not in DERIVED_AMOUNT:
        return {}
    update = {"amount": applied.portions.total + (txn.amount - txn.amount)}
    if txn.type is TransactionType.WAIVER and txn.waiver_limit is None:
        update["waiver_limit"] = txn.amount  # recorded when its amount was its limit
    return update


def _fee_name(loan: Loan, txn_date: date) -> str:
    names = [c.name for c in loan.charges if c.due_date <= txn_date and not c.waived]
    return ", ".join(dict.fromkeys(names)) or "Loan charges"


def _legs(loan: Loan, txn: LoanTransaction, applied: Applied) -> tuple[str, list[Leg]]:
    portions = applied.portions
    rail = Role(txn.rail) if txn.rail else Role.CASH
    if txn.type is TransactionType.DISBURSEMENT:
        return "First-period interest deducted: re-allocated", _deducted_interest_legs(txn, applied)
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
            Leg(Role.CUSTOMER_OVERPAYMENTS, debit=applied.overpayment, description="Overpayment refunded"),
            Leg(rail, credit=applied.overpayment, description="Refund paid out"),
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


def refuse_uncovered_refunds(loan: Loan, position: LoanPosition) -> None:
    """A refund paid money back to the customer: nothing may take away the credit it paid back."""
    for refund_id, shortfall in position.uncovered_refunds.items():
        refund = loan.transaction(refund_id)
        raise FailedPrecondition(
            f"This would leave {shortfall} of the {refund.amount} refunded on {refund.date} "
            f"(transaction {refund_id}) without the overpayment it paid back; reverse the refund first",
            reason="REFUND_NOT_COVERED",
        )


def _deducted_interest_legs(txn: LoanTransaction, applied: Applied) -> list[Leg]:
    """Move what the deducted interest paid from its split as last posted to its split now."""
    legs = []
    roles = {"principal": Role.LOANS_RECEIVABLE, **_RECEIVABLE}
    for component, role in roles.items():
        change = getattr(applied.portions, component) - getattr(txn.portions, component)
        if change:
            legs.append(Leg(role, credit=max(change, ZERO), debit=max(-change, ZERO), description=f"{component} paid"))
    change = applied.overpayment - txn.overpayment
    if change:
        legs.append(Leg(Role.CUSTOMER_OVERPAYMENTS, credit=max(change, ZERO), debit=max(-change, ZERO)))
    return legs


def _retract_deducted_interest(books: Books, txn: LoanTransaction, on: date) -> None:
    """Take back the REPAYMENT event that told the accounting system the deducted interest was paid."""
    for sent in books.unreversed_events():
        if sent.transaction_id == txn.id and sent.type == events.REPAYMENT:
            books.emit(events.REVERSAL, events.reversal(books.loan, sent.id, sent.type, on, REPLAY_REASON), txn.id)


def _retract(books: Books, txn: LoanTransaction, on: date, reason: str) -> list[OutboundEvent]:
    """Mirror a transaction's entries and take back its events; returns the events taken back."""
    books.reverse(txn.entry_ids, on, reason)
    taken_back = [sent for sent in books.unreversed_events() if sent.transaction_id == txn.id]
    for sent in taken_back:
        books.emit(events.REVERSAL, events.reversal(books.loan, sent.id, sent.type, on, reason), txn.id)
    return taken_back


def recognise_interest(loan: Loan, change: Decimal, books: Books, on: date, *, non_accrual: bool = False) -> None:
    """Book interest income up or down by `change` (to what the loan should recognise), and tell the
    accounting system; `non_accrual`: income goes down because the loan entered non-accrual (the
    interest is still owed, but no longer income until paid)."""
    if change == 0:
        return
    if change > 0:
        books.post(
            on,
            "interest-accrual",
            None,
            "Interest accrued",
            [Leg(Role.INTEREST_RECEIVABLE, debit=change), Leg(Role.INTEREST_INCOME, credit=change)],
        )
        books.emit(events.REVENUE_REPORT, events.revenue_report(loan, month_of(on), change), None)
        return
    description = NON_ACCRUAL_REASON if non_accrual else "Interest recognised but no longer owed"
    books.post(
        on,
        "interest-reversal",
        None,
        description[:1].upper() + description[1:],
        [Leg(Role.INTEREST_INCOME, debit=-change), Leg(Role.INTEREST_RECEIVABLE, credit=-change)],
    )
    lower_reported_interest(loan, books, -change, on, NON_ACCRUAL_REASON if non_accrual else NO_LONGER_OWED)


def lower_reported_interest(loan: Loan, books: Books, amount, on: date, reason: str = "") -> None:
    """Take back the newest revenue reports (and the payments applied to them), report again what is
    still owed, then send those payments again: the accounting system ends up holding `amount` less."""
    view = AccountingView.of(books.events())
    plan = view.plan_reduction(amount)
    reason = reason or NO_LONGER_OWED
    by_id = {e.id: e for e in books.outbox}
    payments = [by_id[i] for i in plan.payments]
    for sent in reversed(payments):
        books.emit(events.REVERSAL, events.reversal(loan, sent.id, sent.type, on, reason), sent.transaction_id)
    for invoice_id in plan.invoices:
        books.emit(events.REVERSAL, events.reversal(loan, invoice_id, events.REVENUE_REPORT, on, reason), None)
    if plan.report_again > 0:
        books.emit(events.REVENUE_REPORT, events.revenue_report(loan, month_of(on), plan.report_again), None)
    for sent in payments:
        books.emit(sent.type, sent.payload, sent.transaction_id)


def rebook(
    loan: Loan,
    books: Books,
    on: date,
    *,
    recognise_on: date | None = None,
    appended: list[LoanTransaction] | None = None,
    as_of: date | None = None,
) -> Loan:
    """Return `loan` with books, transaction splits and status that follow from its transactions.

    `appended` are the transactions this operation added, when it changed no other: if they apply
    after all the others, the position resumes from the loan's snapshot instead of replaying its
    history (`snapshot`), and only they are posted. `as_of` is the business date non-accrual is
    judged on: by default the day the books are recorded on (`Books.recorded_on`), else `on`."""
    position = resumed(loan, appended) if appended is not None else None
    resuming = position is not None
    if position is None:
        position = position_of(loan)
    refuse_uncovered_refunds(loan, position)
    # Before posting: a payment's fee name leaves out charges a waiver in force forgives.
    loan = with_charge_states(loan, position)
    pending: dict[int, tuple[LoanTransaction, Applied]] = {}
    updated: dict[int, LoanTransaction] = {}
    deducted: dict[int, LoanTransaction] = {}
    # Resuming, the others applied as they did before: only the new ones can need posting.
    for txn in appended if resuming else loan.transactions:
        if txn.type is TransactionType.DISBURSEMENT:
            if txn.active and txn.split is not None:
                deducted[txn.id] = txn
            continue
        if not txn.active:
            if txn.entry_ids:
                _retract(books, txn, txn.reversed_on or on, txn.reversal_reason or "reversed")
                updated[txn.id] = txn.model_copy(update={"entry_ids": []})
            continue
        applied = position.applied[txn.id]
        unchanged = (
            txn.portions == applied.portions
            and txn.overpayment == applied.overpayment
            and txn.recovery == applied.after_charge_off
        )
        if txn.entry_ids and unchanged:
            derived = _derived(txn, applied)
            if any(getattr(txn, name) != value for name, value in derived.items()):
                updated[txn.id] = txn.model_copy(update=derived)  # a record left stale by an earlier replay
            continue
        if txn.entry_ids:
            _retract(books, txn, on, REPLAY_REASON)
        pending[txn.id] = (txn, applied)
    for txn in deducted.values():
        applied = position.applied[txn.id]
        if txn.portions != applied.portions or txn.overpayment != applied.overpayment:
            _retract_deducted_interest(books, txn, on)
            pending[txn.id] = (txn, applied)
    # Retracting entries never touches interest income, so the change is known before any of it.
    judged_on = as_of or books.recorded_on or on
    interest_change = interest_to_recognise(loan, position, judged_on) - books.accrued_interest()
    if not resuming:  # resuming means no settlement is in force
        _reopen_settlement(loan, position, books, pending, on, interest_changes=interest_change != 0)
    non_accrual = interest_change < 0 and is_in_non_accrual(loan, position, judged_on)
    recognise_interest(
        loan, interest_change, books, recognise_on or recognition_date(loan, on), non_accrual=non_accrual
    )
    # Sent in the order they happened, except a settlement, which the accounting system takes last
    # (it closes the loan there to further events).
    ordered = sorted(
        pending.values(), key=lambda p: (p[0].type is TransactionType.EARLY_SETTLEMENT, p[0].date, p[0].id)
    )
    for txn, applied in ordered:
        description, legs = _legs(loan, txn, applied)
        # A charge is income when assessed, though payable from its due date.
        booked_on = min(txn.date, on) if txn.type is TransactionType.CHARGE else txn.date
        reference_type = txn.type.value.lower().replace(" ", "-")
        has_amount = any(leg.debit or leg.credit for leg in legs)
        entry_ids = [books.post(booked_on, reference_type, txn.id, description, legs)] if has_amount else []
        if txn.type is TransactionType.DISBURSEMENT:
            entry_ids = [*txn.entry_ids, *entry_ids]  # the disbursement itself stays posted
            if applied.portions.total:
                books.emit(events.REPAYMENT, events.repayment(loan, applied.portions, txn.date, ""), txn.id)
        elif txn.type in _SENT_TYPES:
            payload = (events.repayment if txn.type is TransactionType.REPAYMENT else events.early_settlement)(
                loan, applied.portions, txn.date, _fee_name(loan, txn.date)
            )
            books.emit(_SENT_TYPES[txn.type], payload, txn.id)
        updated[txn.id] = txn.model_copy(
            update={
                "portions": applied.portions,
                "overpayment": applied.overpayment,
                "recovery": applied.after_charge_off,
                "entry_ids": entry_ids,
                **_derived(txn, applied),
            }
        )
    transactions = [updated.get(t.id, t) for t in loan.transactions]
    booked = _with_status(loan.model_copy(update={"transactions": transactions}), position, books)
    return _with_snapshot(booked, position, books, appended if resuming else None)


def _with_snapshot(loan: Loan, position: LoanPosition, books: Books, appended: list[LoanTransaction] | None) -> Loan:
    """Keep the position for the next operation to resume from (`snapshot`)."""
    if appended is None:
        last = last_applied(loan.transactions)
    else:
        previous = loan.position_snapshot.last_applied
        last = max(filter(None, [previous, *((t.date, t.id) for t in appended)]), default=None)
    counts = loan.counts()  # its journal and outbox are the books' by now
    snapshot = take_snapshot(position, last, books.accrued_interest(), counts)
    return loan.model_copy(update={"position_snapshot": snapshot})


def _reopen_settlement(
    loan: Loan,
    position: LoanPosition,
    books: Books,
    pending: dict[int, tuple[LoanTransaction, Applied]],
    on: date,
    *,
    interest_changes: bool,
) -> None:
    """The accounting system takes no event after an early settlement: if anything is to be sent (a
    payment, or interest to report or lower), the settlement in force there is taken back first and
    sent again after it."""
    sends_payment = any(
        txn.type in _SENT_TYPES or txn.type is TransactionType.DISBURSEMENT for txn, _ in pending.values()
    )
    if not sends_payment and not interest_changes:
        return
    for sent in books.unreversed_events():
        if sent.type != events.EARLY_SETTLEMENT or sent.transaction_id in pending:
            continue
        settlement = loan.transaction(sent.transaction_id)
        if settlement is None or not settlement.active:
            continue
        _retract(books, settlement, on, "re-sent after a later payment")
        pending[settlement.id] = (settlement, position.applied[settlement.id])


def _with_status(loan: Loan, position: LoanPosition, books: Books) -> Loan:
    update: dict = {"journal": books.journal, "outbox": books.outbox}
    if loan.status in (LoanStatus.ACTIVE, LoanStatus.CLOSED, LoanStatus.OVERPAID):
        if position.total_outstanding > 0:
            update |= {"status": LoanStatus.ACTIVE, "closed_on_date": None}
        else:
            # Read without its older history, the loan may not hold the transaction that closed it;
            # it was closed by then, on the date it shows.
            closing = loan.read_transaction(position.closed_by) if position.closed_by is not None else None
            update |= {
                "status": LoanStatus.OVERPAID if position.credit_balance > 0 else LoanStatus.CLOSED,
                "closed_on_date": closing.date if closing else loan.closed_on_date,
            }
    return loan.model_copy(update=update)
