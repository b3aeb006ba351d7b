"""A loan's position, recomputed by replaying its active transactions in date order.

Nothing about what has been paid is stored: the schedule, the charges and the transactions are
the record, and every balance, split and status follows from replaying them. That is what lets a
reversal or a back-dated payment recompute the loan "as if it had never happened".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lms.loans.domain.accrual import prorated_interest
from lms.loans.domain.allocation import (
    COMPONENTS,
    InstallmentPosition,
    allocate_repayment,
    allocate_split,
    outstanding,
)
from lms.loans.domain.charges import LoanCharge
from lms.loans.domain.schedule import Installment
from lms.loans.domain.transactions import LoanTransaction, Portions, TransactionType
from lms.money import ZERO
from lms.products.domain import ProcessingStrategy


@dataclass
class Applied:
    portions: Portions
    overpayment: Decimal = ZERO
    after_charge_off: bool = False  # principal paid after a charge-off is a recovery


@dataclass
class LoanPosition:
    installments: list[InstallmentPosition]
    applied: dict[int, Applied] = field(default_factory=dict)
    credit_balance: Decimal = ZERO  # overpaid money the lender holds for the customer
    principal_disbursed: Decimal = ZERO
    charged_off_principal: Decimal = ZERO
    interest_ends_on: date | None = None  # the early settlement that ended the loan's interest
    closed_by: int | None = None  # the transaction after which nothing was outstanding

    @property
    def owed(self) -> Portions:
        return outstanding(self.installments)

    @property
    def total_outstanding(self) -> Decimal:
        return self.owed.total

    @property
    def paid(self) -> Portions:
        return Portions(**{c: sum((i.paid[c] for i in self.installments), ZERO) for c in COMPONENTS})


def positions_of(
    schedule: list[Installment], currency: str, interest_ends_on: date | None
) -> list[InstallmentPosition]:
    """Fresh installments; interest an early settlement cut off is forgiven before anything is paid,
    so a payment made in advance pays principal, not interest the borrower never came to owe."""
    positions = []
    for i in schedule:
        position = InstallmentPosition(
            number=i.number,
            from_date=i.from_date,
            due_date=i.due_date,
            due={
                "principal": i.principal_due,
                "interest": i.interest_due,
                "fees": i.fees_due,
                "penalties": i.penalties_due,
            },
        )
        if interest_ends_on is not None:
            position.waived["interest"] = i.interest_due - prorated_interest(i, interest_ends_on, currency)
        positions.append(position)
    return positions


def installment_for(installments: list[InstallmentPosition], due: date) -> InstallmentPosition:
    """The installment a charge due on `due` belongs to: the first due on or after it, else the last."""
    return next((i for i in installments if i.due_date >= due), installments[-1])


def unpaid_of_charge(installment: InstallmentPosition, charge: LoanCharge, charges: list[LoanCharge]) -> Decimal:
    """Payments of a component settle that installment's charges in the order they were assessed."""
    component = charge.kind.component
    paid = installment.paid[component]
    for other in sorted(charges, key=lambda c: c.id):
        if other.kind is not charge.kind or installment_for([installment], other.due_date) is not installment:
            continue
        covered = min(other.amount, paid)
        paid -= covered
        if other.id == charge.id:
            return other.amount - covered
    return ZERO


def replay_order(transactions: list[LoanTransaction]) -> list[LoanTransaction]:
    return sorted((t for t in transactions if t.active), key=lambda t: (t.date, t.id))


def interest_end(transactions: list[LoanTransaction]) -> date | None:
    """The date of the first early settlement in force: the loan's interest ends there."""
    return next((t.date for t in replay_order(transactions) if t.type is TransactionType.EARLY_SETTLEMENT), None)


def replay(
    schedule: list[Installment],
    transactions: list[LoanTransaction],
    charges: list[LoanCharge],
    strategy: ProcessingStrategy,
    currency: str,
    stop_before: int | None = None,
) -> LoanPosition:
    """Apply every active transaction, in (date, id) order, to a fresh copy of the schedule.

    With `stop_before`, the position just before that transaction is applied (a payoff quote asks
    what a settlement recorded now would find).
    """
    ends_on = interest_end(transactions)
    position = LoanPosition(installments=positions_of(schedule, currency, ends_on), interest_ends_on=ends_on)
    by_id = {c.transaction_id: c for c in charges}
    charged_off = False
    for txn in replay_order(transactions):
        if txn.id == stop_before:
            break
        installments = position.installments
        if txn.type is TransactionType.DISBURSEMENT:
            position.principal_disbursed += txn.amount
            interest_deducted = txn.split.interest if txn.split else ZERO
            if interest_deducted:
                allocate_split(installments, Portions(interest=interest_deducted))
            position.applied[txn.id] = Applied(Portions(interest=interest_deducted))
        elif txn.type is TransactionType.REPAYMENT and txn.split is not None:
            position.applied[txn.id] = Applied(allocate_split(installments, txn.split), ZERO, charged_off)
        elif txn.type in (TransactionType.REPAYMENT, TransactionType.EARLY_SETTLEMENT):
            # A settlement pays what is outstanding once its cut to the interest is in force: the
            # quote it was recorded at, unless a back-dated change moved things since.
            portions, excess = allocate_repayment(installments, txn.amount, strategy)
            position.applied[txn.id] = Applied(portions, excess, charged_off)
            position.credit_balance += excess
        elif txn.type is TransactionType.REFUND:
            position.credit_balance -= txn.amount
            position.applied[txn.id] = Applied(Portions())
        elif txn.type is TransactionType.CHARGE:
            charge = by_id[txn.id]
            target = installment_for(installments, charge.due_date)
            target.due[charge.kind.component] += charge.amount
            position.applied[txn.id] = Applied(Portions(**{charge.kind.component: charge.amount}))
        elif txn.type is TransactionType.WAIVER:
            charge = next(c for c in charges if c.id == txn.charge_id)
            target = installment_for(installments, charge.due_date)
            unpaid = unpaid_of_charge(target, charge, charges)
            target.waived[charge.kind.component] += unpaid
            position.applied[txn.id] = Applied(Portions(**{charge.kind.component: unpaid}))
        elif txn.type is TransactionType.CHARGE_OFF:
            charged_off = True
            position.charged_off_principal = position.owed.principal
            position.applied[txn.id] = Applied(Portions(principal=position.charged_off_principal))
        if (
            position.closed_by is None
            and position.total_outstanding == 0
            and txn.type
            in (
                TransactionType.REPAYMENT,
                TransactionType.EARLY_SETTLEMENT,
            )
        ):
            position.closed_by = txn.id
    return position
