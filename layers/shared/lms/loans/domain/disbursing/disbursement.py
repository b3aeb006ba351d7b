"""Disbursement: an approved loan becomes active, paid out net of its deductions.

Deductions come from the product: the admin fee (fixed or a percentage of the principal), VAT
on the admin fee at the product's rate (a client's VAT figure is never trusted), insurance, and
optionally the first period's interest. `disbursedAmount = loanAmount - deductions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.errors import FieldProblems, InvalidArgument, PermissionDenied
from lms.ledger.domain.accounts import Role
from lms.ledger.domain.posting import Leg
from lms.loans.domain.accounting import events
from lms.loans.domain.accounting.books import Books
from lms.loans.domain.accounting.rebook import rebook
from lms.loans.domain.aggregate.loan import Actor, Deductions, DisbursementRecord, Loan
from lms.loans.domain.aggregate.status import LoanAction, LoanStatus, ensure_allowed
from lms.loans.domain.calculation.schedule import Installment, build_schedule
from lms.loans.domain.disbursing.payment_methods import RAIL_ACCOUNTS, PaymentMethod, check_payment_details
from lms.loans.domain.disbursing.payout import ensure_not_paying_out, payout_of
from lms.loans.domain.disbursing.reference import (  # noqa: F401  (re-exported: callers name them here)
    DISBURSEMENT_PREFIX,
    disbursement_reference,
    parse_disbursement_reference,
)
from lms.loans.domain.records.payout_state import PayoutAttempt, PayoutStatus, requested
from lms.loans.domain.records.transactions import LoanTransaction, Portions, TransactionType
from lms.money import ZERO, MoneyError, round_money, to_money
from lms.products.domain import LoanProduct, fee_amount

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class DisbursementOrder:
    on: date
    amount: Decimal
    method: PaymentMethod | None = None
    details: dict[str, str] | None = None
    narration: str | None = None
    note: str | None = None


def compute_deductions(product: LoanProduct, principal: Decimal, schedule: list[Installment]) -> Deductions:
    currency = product.currency
    admin_fee = fee_amount(product.admin_fee, principal, currency)
    first_interest = schedule[0].interest_due if product.deduct_first_period_interest and schedule else ZERO
    return Deductions(
        admin_fee=admin_fee,
        vat=round_money(admin_fee * product.vat_rate / HUNDRED, currency),
        insurance=fee_amount(product.insurance, principal, currency),
        first_interest=round_money(first_interest, currency),
    )


def control_number(loan_id: int) -> str:
    """A repayment reference the customer quotes when paying: loan id plus a mod-97 check."""
    body = f"{loan_id:010d}"
    return f"REP{body}{98 - int(body + '00') % 97:02d}"


def check_order(loan: Loan, product: LoanProduct, order: DisbursementOrder, today: date) -> tuple[Decimal, dict]:
    """Everything a disbursement must satisfy, before anything is computed or written."""
    ensure_allowed(LoanAction.DISBURSE, loan.status)
    problems = FieldProblems()
    amount = order.amount
    try:
        amount = to_money(order.amount, loan.currency)
    except MoneyError as err:
        problems.add("transactionAmount", str(err))
    else:
        approved = loan.approved_principal or loan.principal
        if amount > approved:
            problems.add("transactionAmount", f"cannot exceed the approved principal {approved}")
        elif amount < approved and not product.allow_partial_disbursement:
            problems.add(
                "transactionAmount",
                f"must equal the approved principal {approved}: "
                f"product {product.id} does not allow partial disbursement",
            )
    details: dict = {}
    if order.method is not None:
        try:
            details = check_payment_details(order.method, order.details)
        except InvalidArgument as err:
            problems.errors.extend(err.details)
    elif order.details:
        problems.add("paymentMethod", "is mandatory when paymentDetails are given")
    problems.raise_if_any(reason="INVALID_DISBURSEMENT")
    if order.on > today:
        raise PermissionDenied("The transaction date cannot be in the future.", reason="DATE_IN_FUTURE")
    if loan.approved_on_date and order.on < loan.approved_on_date:
        raise PermissionDenied(
            "The date on which a loan is disbursed cannot be before its approval date.", reason="DATE_TOO_EARLY"
        )
    first = loan.repayments_starting_from_date
    if first is not None and first <= order.on:
        raise InvalidArgument.field(
            "actualDisbursementDate",
            f"must be before the loan's first repayment date {first} (repaymentsStartingFromDate)",
            reason="INVALID_DISBURSEMENT",
        )
    return amount, details


@dataclass(frozen=True)
class DisbursementPlan:
    amount: Decimal
    schedule: list[Installment]
    deductions: Deductions
    net_amount: Decimal
    method: PaymentMethod
    rail: Role
    details: dict


def plan_disbursement(loan: Loan, product: LoanProduct, order: DisbursementOrder, today: date) -> DisbursementPlan:
    """Validate and compute a disbursement without changing anything (also the validate-only answer)."""
    amount, details = check_order(loan, product, order, today)
    schedule = build_schedule(amount, loan.currency, loan.terms, order.on, loan.repayments_starting_from_date)
    deductions = compute_deductions(product, amount, schedule)
    net = amount - deductions.total
    if net <= 0:
        raise InvalidArgument.field(
            "transactionAmount",
            f"deductions of {deductions.total} leave nothing to disburse",
            reason="INVALID_DISBURSEMENT",
        )
    method = order.method or PaymentMethod.CASH
    return DisbursementPlan(amount, schedule, deductions, net, method, rail_of(order), details)


def rail_of(order: DisbursementOrder) -> Role:
    """The cash account the order pays out from (cash when no method is named)."""
    return RAIL_ACCOUNTS[order.method or PaymentMethod.CASH]


def disburse(loan: Loan, plan: DisbursementPlan, order: DisbursementOrder, books: Books, actor: Actor) -> Loan:
    txn_id = loan.next_transaction_id()
    d = plan.deductions
    entry_id = books.post(
        order.on,
        "disbursement",
        txn_id,
        f"Disbursement of loan {loan.id} via {plan.method.value}",
        [
            Leg(Role.LOANS_RECEIVABLE, debit=plan.amount, description="Principal lent"),
            # Owed to the borrower until the payout provider has paid it (lms.loans.domain.disbursing.payout).
            Leg(Role.DISBURSEMENTS_PAYABLE, credit=plan.net_amount, description="Net amount to pay out"),
            Leg(Role.FEE_INCOME, credit=d.admin_fee, description="Admin fee"),
            Leg(Role.VAT_PAYABLE, credit=d.vat, description="VAT on admin fee"),
            Leg(Role.INSURANCE_PAYABLE, credit=d.insurance, description="Insurance premium"),
            Leg(Role.INTEREST_RECEIVABLE, credit=d.first_interest, description="First-period interest deducted"),
        ],
    )
    books.emit(events.DISBURSEMENT, events.disbursement(loan, plan.amount, d.admin_fee, d.vat, order.on), txn_id)
    reference = f"{plan.method.value}-{loan.id}-{txn_id}"
    txn = LoanTransaction(
        id=txn_id,
        type=TransactionType.DISBURSEMENT,
        date=order.on,
        amount=plan.amount,
        portions=Portions(interest=d.first_interest),
        split=Portions(interest=d.first_interest) if d.first_interest else None,
        rail=plan.rail.value,
        payment_method=plan.method.value,
        reference=reference,
        net_amount=plan.net_amount,
        payment_details=plan.details or None,
        narration=order.narration,
        entry_ids=[entry_id],
        created_at=actor.at,
        created_by=actor.by,
    )
    active = loan.model_copy(
        update={
            "status": LoanStatus.ACTIVE,
            "principal": plan.amount,
            "disbursed_on_date": order.on,
            "schedule": plan.schedule,
            "disbursement": DisbursementRecord(
                transaction_id=txn_id,
                date=order.on,
                amount=plan.amount,
                net_amount=plan.net_amount,
                deductions=d,
                method=plan.method.value,
                rail=plan.rail.value,
                reference=reference,
                control_number=control_number(loan.id),
                payment_details=plan.details,
                narration=order.narration,
                payout=requested(actor.at),
            ),
            "transactions": [*loan.transactions, txn],
            "timeline": loan.record(LoanAction.DISBURSE, order.on, order.note, actor.at, actor.by),
        }
    )
    booked = rebook(active, books, order.on)
    if d.first_interest:
        # The accounting system sees the deducted interest paid, once its revenue is reported.
        paid = Portions(interest=d.first_interest)
        books.emit(events.REPAYMENT, events.repayment(loan, paid, order.on, ""), txn_id)
        snapshot = booked.position_snapshot
        if snapshot is not None:  # an event changes no position: the snapshot stays good
            snapshot = snapshot.model_copy(update={"counts": {**snapshot.counts, "outbox": len(books.outbox)}})
        booked = booked.model_copy(update={"outbox": books.outbox, "position_snapshot": snapshot})
    return booked


def undo_disbursal(loan: Loan, books: Books, actor: Actor, note: str | None) -> Loan:
    """Back to Approved: every transaction reversed, every entry the loan posted mirrored."""
    ensure_allowed(LoanAction.UNDO_DISBURSAL, loan.status)
    ensure_not_paying_out(loan)
    reason = "disbursal undone"
    transactions = [
        t
        if t.reversed
        else t.model_copy(
            update={"reversed": True, "reversed_on": actor.today, "reversal_reason": reason, "reversed_at": actor.at}
        )
        for t in loan.transactions
    ]
    in_force = [e.id for e in books.journal if e.reverses is None]
    books.reverse(in_force, actor.today, reason)
    # The accounting system is told to take back everything it received for this disbursement,
    # newest first, so that the disbursement itself is the last thing it undoes.
    for sent in reversed(books.unreversed_events()):
        books.emit(events.REVERSAL, events.reversal(loan, sent.id, sent.type, actor.today, reason), sent.transaction_id)
    return loan.model_copy(
        update={
            "status": LoanStatus.APPROVED,
            "principal": loan.approved_principal or loan.principal,
            "disbursed_on_date": None,
            "closed_on_date": None,
            "schedule": [],
            "disbursement": None,
            "charged_off": False,
            "charged_off_on": None,
            "position_snapshot": None,
            "transactions": [t.model_copy(update={"entry_ids": []}) for t in transactions],
            "charges": [c.unassessed() for c in loan.charges],
            "journal": books.journal,
            "outbox": books.outbox,
            "timeline": loan.record(LoanAction.UNDO_DISBURSAL, actor.today, note, actor.at, actor.by),
        }
    )


@dataclass(frozen=True)
class DisbursementStatus:
    reference: str
    loan_id: int
    # PENDING: the payout provider has not paid it yet; COMPLETED: paid out; FAILED: the provider
    # refused it (retry it, or undo the disbursal); REVERSED: the disbursal was undone
    status: str
    amount: Decimal  # what is paid out, net of deductions
    payment_method: str
    created_at: str
    updated_at: str
    attempt: int | None = None
    failure_reason: str | None = None
    attempts: tuple[PayoutAttempt, ...] = ()  # each answered attempt, oldest first


def disbursement_status(loan: Loan, txn_id: int) -> DisbursementStatus | None:
    """Where one of the loan's disbursements stands; None if the loan has no such disbursement."""
    txn = loan.transaction(txn_id)
    if txn is None or txn.type is not TransactionType.DISBURSEMENT:
        return None
    payout = None if txn.reversed else payout_of(loan, txn.id)
    if txn.reversed:
        status, updated = "REVERSED", txn.reversed_at or txn.created_at
    elif payout is None:  # paid at disbursement, before payouts went through a provider
        status, updated = PayoutStatus.COMPLETED.value, txn.created_at
    else:
        status, updated = payout.status.value, payout.updated_at
    return DisbursementStatus(
        reference=disbursement_reference(loan.id, txn.id),
        loan_id=loan.id,
        status=status,
        amount=txn.net_amount if txn.net_amount is not None else txn.amount,
        payment_method=txn.payment_method or PaymentMethod.CASH.value,
        created_at=txn.created_at,
        updated_at=updated,
        attempt=payout.attempt if payout else None,
        failure_reason=payout.failure_reason if payout else None,
        attempts=tuple(payout.attempts) if payout else (),
    )
