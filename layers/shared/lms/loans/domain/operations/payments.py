"""Money coming in and going back out of an active loan: repayments, their reversal, refunds of an
overpayment, and early settlement. Each returns the loan with its books rebuilt by `rebook`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.errors import FailedPrecondition, FieldProblems, InvalidArgument, NotFound, PermissionDenied
from lms.loans.domain.accounting.books import Books
from lms.loans.domain.accounting.rebook import rebook, resumed
from lms.loans.domain.aggregate.loan import Actor, HistoryNeeded, Loan
from lms.loans.domain.aggregate.payment_types import PaymentType
from lms.loans.domain.aggregate.status import LoanAction, LoanStatus, ensure_allowed
from lms.loans.domain.calculation.allocation import SPLIT_FIELDS, check_split
from lms.loans.domain.calculation.position import replay
from lms.loans.domain.operations.late_penalties import apply_late_penalties, penalties_may_change
from lms.loans.domain.records.charges import ChargeKind, LoanCharge
from lms.loans.domain.records.transactions import REVERSIBLE, LoanTransaction, Portions, TransactionType
from lms.money import ZERO, MoneyError, round_money, to_money
from lms.products.domain import LoanProduct, fee_amount


@dataclass(frozen=True)
class PaymentOrder:
    on: date
    amount: Decimal | None
    kind: PaymentType
    reference: str
    split: Portions | None = None
    note: str | None = None


def check_transaction_date(loan: Loan, on: date, today: date) -> None:
    """The seed's rules: never in the future (UTC), never before the loan's disbursement."""
    if on > today:
        raise PermissionDenied("The transaction date cannot be in the future.", reason="DATE_IN_FUTURE")
    if loan.disbursed_on_date and on < loan.disbursed_on_date:
        raise PermissionDenied(
            "The date on which a repayment or waiver is made cannot be earlier than the loan's disbursement date "
            f"({loan.disbursed_on_date}).",
            reason="DATE_TOO_EARLY",
        )


def money(loan: Loan, amount: Decimal, field: str) -> Decimal:
    try:
        value = to_money(amount, loan.currency)
    except MoneyError as err:
        raise InvalidArgument.field(field, str(err)) from None
    if value <= 0:
        raise InvalidArgument.field(field, "must be greater than 0")
    return value


def _new_transaction(loan: Loan, actor: Actor, **fields) -> LoanTransaction:
    return LoanTransaction(id=loan.next_transaction_id(), created_at=actor.at, created_by=actor.by, **fields)


def _with(loan: Loan, txn: LoanTransaction, action: LoanAction, note: str | None, actor: Actor, **update) -> Loan:
    return loan.model_copy(
        update={
            "transactions": [*loan.transactions, txn],
            "timeline": loan.record(action, txn.date, note, actor.at, actor.by),
            **update,
        }
    )


def split_of(loan: Loan, split: Portions) -> Portions:
    """A caller's split in the currency's minor units; a component with more decimals is refused."""
    problems = FieldProblems()
    values = {}
    for component, name in SPLIT_FIELDS.items():
        value = getattr(split, component)
        try:
            values[component] = to_money(value, loan.currency)
        except MoneyError as err:
            problems.add(name, str(err))
    problems.raise_if_any(reason="INVALID_SPLIT")
    return Portions(**values)


def position_at(loan: Loan, txn: LoanTransaction):
    """What `txn` finds at its date: the loan replayed with it, up to it (the loan's snapshot, if
    `txn` applies after everything the snapshot holds)."""
    snapshot = loan.position_snapshot
    if snapshot is not None and snapshot.last_applied is not None and (txn.date, txn.id) > snapshot.last_applied:
        position = resumed(loan, [])
        if position is not None:
            return position
    if loan.partial:
        raise HistoryNeeded(f"loan {loan.id}: a transaction dated {txn.date} applies among ones not read")
    strategy = loan.terms.transaction_processing_strategy_code
    return replay(loan.schedule, [*loan.transactions, txn], loan.charges, strategy, loan.currency, stop_before=txn.id)


def repay(loan: Loan, order: PaymentOrder, books: Books, actor: Actor) -> tuple[Loan, LoanTransaction]:
    ensure_allowed(LoanAction.REPAY, loan.status)
    amount = money(loan, order.amount or ZERO, "transactionAmount")
    split = split_of(loan, order.split) if order.split is not None else None
    check_transaction_date(loan, order.on, actor.today)
    txn = _new_transaction(
        loan,
        actor,
        type=TransactionType.REPAYMENT,
        date=order.on,
        amount=amount,
        split=split,
        rail=order.kind.rail.value,
        payment_type_id=order.kind.id,
        receipt_number=order.reference if order.kind.reference_field == "receiptNumber" else None,
        reference=order.reference,
        narration=order.note,
    )
    if split is not None:
        # Checked against what is outstanding at the payment's date (it may be back-dated).
        check_split(split, amount, position_at(loan, txn).owed)
    booked = rebook(_with(loan, txn, LoanAction.REPAY, order.note, actor), books, order.on, appended=[txn])
    booked = _with_penalties_from(booked, order.on, books, actor)
    return booked, booked.transaction(txn.id)


def _with_penalties_from(loan: Loan, since: date, books: Books, actor: Actor) -> Loan:
    """A change of the loan's history from `since` on (a back-dated payment or settlement, a
    reversal, a back-dated charge that payments now pay first) adds or
    takes back late penalties as of today in its own commit; one after every grace that has ended
    changes none, and needs none of the loan's history."""
    if not penalties_may_change(loan, loan.late_penalty, since, actor.today):
        return loan
    return apply_late_penalties(loan, loan.late_penalty, actor.today, books, actor)[0]


def reverse_transaction(
    loan: Loan, txn_id: int, reason: str, books: Books, actor: Actor
) -> tuple[Loan, LoanTransaction]:
    """Mark a payment reversed (kept for the audit trail) and recompute the loan as if it never happened."""
    txn = loan.transaction(txn_id)
    if txn is None:
        raise NotFound(f"Transaction {txn_id} of loan {loan.id} does not exist", reason="TRANSACTION_NOT_FOUND")
    if txn.type not in REVERSIBLE:
        hint = (
            "use undo-disbursal"
            if txn.type is TransactionType.DISBURSEMENT
            else "only payments and refunds can be reversed"
        )
        raise FailedPrecondition(f"Transaction {txn_id} is a {txn.type.value}; {hint}", reason="NOT_A_PAYMENT")
    if txn.reversed:
        raise FailedPrecondition(f"Transaction {txn_id} is already reversed", reason="ALREADY_REVERSED")
    if loan.status not in (LoanStatus.ACTIVE, LoanStatus.CLOSED, LoanStatus.OVERPAID):
        raise FailedPrecondition("Loan Account is not active", reason="INVALID_LOAN_STATE")
    reverse_ids = {txn_id}
    if txn.type is TransactionType.EARLY_SETTLEMENT and txn.charge_id is not None:
        # The settlement fee was charged for the settlement: it goes with it.
        reverse_ids.add(next(c.transaction_id for c in loan.charges if c.id == txn.charge_id))
    transactions = [
        t.model_copy(
            update={"reversed": True, "reversed_on": actor.today, "reversal_reason": reason, "reversed_at": actor.at}
        )
        if t.id in reverse_ids
        else t
        for t in loan.transactions
    ]
    changed = loan.model_copy(
        update={
            "transactions": transactions,
            "timeline": loan.record(f"reverse transaction {txn_id}", actor.today, reason, actor.at, actor.by),
        }
    )
    booked = rebook(changed, books, actor.today)
    booked = _with_penalties_from(booked, txn.date, books, actor)
    return booked, booked.transaction(txn_id)


def refund(loan: Loan, order: PaymentOrder, books: Books, actor: Actor) -> tuple[Loan, LoanTransaction]:
    """Pay an overpayment back to the customer (a step past the seed, which has no such endpoint).

    The refund may not be dated before the credit it pays back exists, nor exceed it on its date.
    """
    ensure_allowed(LoanAction.REFUND, loan.status)
    check_transaction_date(loan, order.on, actor.today)
    txn = _new_transaction(
        loan,
        actor,
        type=TransactionType.REFUND,
        date=order.on,
        amount=ZERO,
        rail=order.kind.rail.value,
        payment_type_id=order.kind.id,
        reference=order.reference,
        narration=order.note,
    )
    credit = position_at(loan, txn).credit_balance
    amount = credit if order.amount is None else money(loan, order.amount, "transactionAmount")
    if credit <= 0:
        raise InvalidArgument.field(
            "transactionDate",
            f"the loan holds no credit to refund on {order.on}; a refund is dated on or after the overpayment",
            reason="REFUND_TOO_LARGE",
        )
    if amount > credit:
        raise InvalidArgument.field(
            "transactionAmount",
            f"cannot exceed the credit balance of {credit} on {order.on}",
            reason="REFUND_TOO_LARGE",
        )
    txn = txn.model_copy(update={"amount": amount})
    booked = rebook(_with(loan, txn, LoanAction.REFUND, order.note, actor), books, order.on, appended=[txn])
    return booked, booked.transaction(txn.id)


@dataclass(frozen=True)
class PayoffQuote:
    on: date
    principal: Decimal
    interest_due: Decimal  # unpaid interest of installments due by `on`
    interest_prorated: Decimal  # the current period's interest up to `on`, not yet paid
    fees: Decimal
    penalties: Decimal
    settlement_fee: Decimal

    @property
    def interest(self) -> Decimal:
        return self.interest_due + self.interest_prorated

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.penalties + self.settlement_fee


def quote_payoff(loan: Loan, product: LoanProduct, on: date) -> PayoffQuote:
    """What settles the loan on `on`: what a settlement recorded now would find outstanding, its cut
    to the interest in force from the start (the current period's interest pro-rated by days, later
    periods' forgiven, and interest already paid for them turned into principal paid), every charge
    assessed so far, and the product's settlement fee if `on` is before the loan's maturity."""
    if loan.status is not LoanStatus.ACTIVE:
        raise FailedPrecondition("Only an active loan has a payoff amount", reason="INVALID_LOAN_STATE")
    if loan.disbursed_on_date and on < loan.disbursed_on_date:
        raise InvalidArgument.field("date", f"must not be before the disbursement date {loan.disbursed_on_date}")
    if loan.partial:  # a settlement cuts interest from the start: only a whole replay knows its effect
        raise HistoryNeeded(f"loan {loan.id}: a payoff quote replays the loan's whole history")
    probe = LoanTransaction(
        id=loan.next_transaction_id(),
        type=TransactionType.EARLY_SETTLEMENT,
        date=on,
        amount=ZERO,
        created_at="",
        created_by="",
    )
    position = replay(
        loan.schedule,
        [*loan.transactions, probe],
        loan.charges,
        loan.terms.transaction_processing_strategy_code,
        loan.currency,
        stop_before=probe.id,
    )
    zero = round_money(ZERO, loan.currency)
    interest_due = sum((i.outstanding("interest") for i in position.installments if i.due_date <= on), zero)
    owed = position.owed
    maturity = loan.schedule[-1].due_date if loan.schedule else on
    fee = fee_amount(product.settlement_fee, owed.principal, loan.currency) if on < maturity else zero
    return PayoffQuote(
        on=on,
        principal=owed.principal + zero,
        interest_due=interest_due,
        interest_prorated=owed.interest - interest_due + zero,
        fees=owed.fees + zero,
        penalties=owed.penalties + zero,
        settlement_fee=fee,
    )


def settle_early(
    loan: Loan, product: LoanProduct, order: PaymentOrder, books: Books, actor: Actor
) -> tuple[Loan, LoanTransaction, PayoffQuote]:
    ensure_allowed(LoanAction.EARLY_SETTLEMENT, loan.status)
    check_transaction_date(loan, order.on, actor.today)
    settled = next((t for t in loan.transactions if t.active and t.type is TransactionType.EARLY_SETTLEMENT), None)
    if settled is not None:
        raise FailedPrecondition(
            f"The loan was settled early on {settled.date}; pay what it owes now with a repayment",
            reason="ALREADY_SETTLED",
        )
    quote = quote_payoff(loan, product, order.on)
    if quote.principal <= 0:
        raise FailedPrecondition(
            "No principal is outstanding, so there is nothing to settle early; pay what is owed with a repayment",
            reason="NOTHING_TO_SETTLE",
        )
    amount = money(loan, order.amount or ZERO, "transactionAmount")
    if amount != quote.total:
        raise InvalidArgument.field(
            "transactionAmount",
            f"must equal the payoff amount {quote.total} on {quote.on} (principal {quote.principal}, interest "
            f"{quote.interest}, fees {quote.fees}, penalties {quote.penalties}, settlement fee {quote.settlement_fee})",
            reason="PAYOFF_MISMATCH",
        )
    changed, fee_charge = loan, None
    if quote.settlement_fee > 0:
        name = (product.settlement_fee.name if product.settlement_fee else None) or "Early settlement fee"
        changed, fee_charge = _assess(changed, name, ChargeKind.FEE, quote.settlement_fee, order.on, actor)
    txn = _new_transaction(
        changed,
        actor,
        type=TransactionType.EARLY_SETTLEMENT,
        date=order.on,
        amount=amount,
        charge_id=fee_charge.id if fee_charge else None,
        rail=order.kind.rail.value,
        payment_type_id=order.kind.id,
        reference=order.reference,
        narration=order.note,
    )
    changed = _with(changed, txn, LoanAction.EARLY_SETTLEMENT, order.note, actor)
    booked = _with_penalties_from(rebook(changed, books, order.on), order.on, books, actor)
    return booked, booked.transaction(txn.id), quote


def _assess(
    loan: Loan, name: str, kind: ChargeKind, amount: Decimal, due: date, actor: Actor
) -> tuple[Loan, LoanCharge]:
    # Ordered in the loan's history by when it was assessed (its due date if that has passed), so a
    # payment recorded before the charge was assessed is not re-allocated to it, and a settlement
    # pays every charge assessed before it; the due date decides the installment it belongs to.
    txn = _new_transaction(loan, actor, type=TransactionType.CHARGE, date=min(due, actor.today), amount=amount)
    charge = LoanCharge(
        id=len(loan.charges) + 1, name=name, kind=kind, amount=amount, due_date=due, transaction_id=txn.id
    )
    changed = loan.model_copy(update={"transactions": [*loan.transactions, txn], "charges": [*loan.charges, charge]})
    return changed, charge
