"""A loan's position, recomputed by replaying its active transactions in date order.

Nothing about what has been paid is stored: the schedule, the charges and the transactions are
the record, and every balance, split and status follows from replaying them. That is what lets a
reversal or a back-dated payment recompute the loan "as if it had never happened".

Rules the replay applies, whatever order operations were recorded in:
- Transactions apply in (date, id) order; a charge is dated when it was assessed (its due date if
  that had passed), a waiver, reversal or refund no earlier than what it undoes.
- An early settlement in force cuts the interest before anything is paid (`accrual`), so interest
  paid for periods that never began is principal paid.
- A settlement pays whatever is outstanding at its point; every charge assessed before it was
  recorded is outstanding by then, whatever its due date, so the quote and the settlement agree;
  a charge assessed after it applies after it.
- A component payment keeps its split while it fits; the part that no longer fits (a back-dated
  payment paid that component first) is allocated by the loan's strategy.
- Within an installment, payments of a component settle its charges in the order they were
  assessed; a waiver forgives at most what was unpaid when it was recorded (its `waiver_limit`),
  and only what is still unpaid: its amount is what it forgives, 0 once payments cover the charge.
- A refund pays back the credit (overpayment) the loan holds at its point. A change that would take
  away credit a refund already paid back (a reversal, a charge dated before the refund) leaves that
  refund uncovered (`uncovered_refunds`), and `rebook` refuses the change: the refund is reversed
  first. The accounting system has no record of refunds or of principal lent twice, so turning the
  shortfall into an amount owed again could not be pushed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lms.loans.domain.calculation.accrual import prorated_interest
from lms.loans.domain.calculation.allocation import (
    COMPONENTS,
    InstallmentPosition,
    allocate_component_payment,
    allocate_repayment,
    outstanding,
)
from lms.loans.domain.calculation.schedule import Installment
from lms.loans.domain.records.charges import LoanCharge
from lms.loans.domain.records.transactions import LoanTransaction, Portions, TransactionType
from lms.money import ZERO
from lms.products.domain import ProcessingStrategy


@dataclass
class Applied:
    """What a transaction did when replayed: its portions, and the excess a payment left as credit
    (for a refund: the credit it paid back)."""

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
    charged_off: bool = False  # a charge-off applied: principal paid after it is a recovery
    interest_ends_on: date | None = None  # the early settlement that ended the loan's interest
    closed_by: int | None = None  # the transaction after which nothing was outstanding, and stayed so
    charge_installment: dict[int, int] = field(default_factory=dict)  # charge id -> installment number
    charge_waived: dict[int, Decimal] = field(default_factory=dict)  # charge id -> amount forgiven
    uncovered_refunds: dict[int, Decimal] = field(default_factory=dict)  # refund id -> credit it lacks

    @property
    def owed(self) -> Portions:
        return outstanding(self.installments)

    @property
    def total_outstanding(self) -> Decimal:
        return self.owed.total

    @property
    def paid(self) -> Portions:
        return Portions(**{c: sum((i.paid[c] for i in self.installments), ZERO) for c in COMPONENTS})

    def unpaid_of(self, charge: LoanCharge, charges: list[LoanCharge]) -> Decimal:
        """What is still owed of one charge: its installment's payments of the charge's component
        settle that installment's charges in the order they were assessed."""
        number = self.charge_installment.get(charge.id)
        if number is None:
            return ZERO  # not assessed at this point of the replay
        installment = self.installments[number - 1]
        component = charge.kind.component
        paid = installment.paid[component]
        for other in sorted(charges, key=lambda c: c.id):
            if self.charge_installment.get(other.id) != number or other.kind.component != component:
                continue
            payable = other.amount - self.charge_waived.get(other.id, ZERO)
            share = min(payable, paid)
            paid -= share
            if other.id == charge.id:
                return payable - share
        return ZERO

    def charge_state(self, charge: LoanCharge, charges: list[LoanCharge]) -> tuple[Decimal, Decimal, Decimal]:
        """(paid, waived, outstanding) of one charge at this point; all zero if it is not assessed
        here (its transaction is reversed)."""
        if charge.id not in self.charge_installment:
            return ZERO, ZERO, ZERO
        waived = self.charge_waived.get(charge.id, ZERO)
        outstanding = self.unpaid_of(charge, charges)
        return charge.amount - waived - outstanding, waived, outstanding


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


def replay_key(transactions: list[LoanTransaction]) -> Callable[[LoanTransaction], tuple[date, int]]:
    """Where a transaction applies: (date, id); a charge recorded after an early settlement in force
    applies after it, whatever its due date: the settlement paid what was owed when it was recorded."""
    settlements = [t for t in transactions if t.active and t.type is TransactionType.EARLY_SETTLEMENT]

    def key(txn: LoanTransaction) -> tuple[date, int]:
        if txn.type is TransactionType.CHARGE:
            settled_before = [s.date for s in settlements if s.id < txn.id]
            if settled_before:
                return max(txn.date, *settled_before), txn.id
        return txn.date, txn.id

    return key


def replay_order(transactions: list[LoanTransaction]) -> list[LoanTransaction]:
    """Active transactions in the order they apply (`replay_key`)."""
    return sorted((t for t in transactions if t.active), key=replay_key(transactions))


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

    With `stop_before`, the position just before that transaction is applied (what a transaction
    recorded now would find at its date: a payoff quote, a back-dated component payment's split).
    """
    ends_on = interest_end(transactions)
    position = LoanPosition(installments=positions_of(schedule, currency, ends_on), interest_ends_on=ends_on)
    replaying = Replay(position, transactions, charges, strategy)
    for txn in replay_order(transactions):
        if txn.type is TransactionType.EARLY_SETTLEMENT:
            replaying.bring_forward_charges(txn)
        if txn.id == stop_before:
            break
        replaying.apply(txn)
    return position


class Replay:
    """Applies transactions one by one to a position (`replay` from a fresh schedule; `lms.loans.domain
    .snapshot` from a loan's stored position, for transactions that sort after all it holds)."""

    def __init__(
        self,
        position: LoanPosition,
        transactions: list[LoanTransaction],
        charges: list[LoanCharge],
        strategy: ProcessingStrategy,
    ):
        self.position = position
        self.transactions = transactions
        self.charges = charges
        self.strategy = strategy
        self.by_txn = {c.transaction_id: c for c in charges}
        self.by_id = {c.id: c for c in charges}

    def assess(self, txn: LoanTransaction) -> None:
        position = self.position
        charge = self.by_txn[txn.id]
        target = installment_for(position.installments, charge.due_date)
        target.due[charge.kind.component] += charge.amount
        position.charge_installment[charge.id] = target.number
        position.applied[txn.id] = Applied(Portions(**{charge.kind.component: charge.amount}))

    def bring_forward_charges(self, settlement: LoanTransaction) -> None:
        """Charges assessed before the settlement was recorded are part of what it settles."""
        for earlier in replay_order(self.transactions):
            if (
                earlier.type is TransactionType.CHARGE
                and earlier.id < settlement.id
                and earlier.id not in self.position.applied
            ):
                self.assess(earlier)

    def apply(self, txn: LoanTransaction) -> None:
        position, strategy = self.position, self.strategy
        installments = position.installments
        if txn.type is TransactionType.DISBURSEMENT:
            position.principal_disbursed += txn.amount
            # First-period interest deducted at disbursement is a payment of interest made that
            # day; if a settlement cut that interest, it paid principal instead.
            deducted = txn.split.interest if txn.split else ZERO
            portions, excess = (
                allocate_component_payment(installments, Portions(interest=deducted), deducted, strategy)
                if deducted
                else (Portions(), ZERO)
            )
            position.applied[txn.id] = Applied(portions, excess)
            position.credit_balance += excess
        elif txn.type is TransactionType.REPAYMENT and txn.split is not None:
            portions, excess = allocate_component_payment(installments, txn.split, txn.amount, strategy)
            position.applied[txn.id] = Applied(portions, excess, position.charged_off)
            position.credit_balance += excess
        elif txn.type in (TransactionType.REPAYMENT, TransactionType.EARLY_SETTLEMENT):
            portions, excess = allocate_repayment(installments, txn.amount, strategy)
            position.applied[txn.id] = Applied(portions, excess, position.charged_off)
            position.credit_balance += excess
        elif txn.type is TransactionType.REFUND:
            from_credit = min(txn.amount, position.credit_balance)
            if txn.amount > from_credit:
                position.uncovered_refunds[txn.id] = txn.amount - from_credit
            position.credit_balance -= from_credit
            position.applied[txn.id] = Applied(Portions(), from_credit)
        elif txn.type is TransactionType.CHARGE:
            if txn.id not in position.applied:  # a settlement may have brought it forward
                self.assess(txn)
        elif txn.type is TransactionType.WAIVER:
            charge = self.by_id[txn.charge_id]
            limit = txn.waiver_limit if txn.waiver_limit is not None else txn.amount
            forgiven = min(limit, max(position.unpaid_of(charge, self.charges), ZERO))
            if forgiven:
                installments[position.charge_installment[charge.id] - 1].waived[charge.kind.component] += forgiven
                position.charge_waived[charge.id] = position.charge_waived.get(charge.id, ZERO) + forgiven
            position.applied[txn.id] = Applied(Portions(**{charge.kind.component: forgiven}))
        elif txn.type is TransactionType.CHARGE_OFF:
            position.charged_off = True
            position.charged_off_principal = position.owed.principal
            position.applied[txn.id] = Applied(Portions(principal=position.charged_off_principal))
        if position.total_outstanding > 0:
            position.closed_by = None
        elif position.closed_by is None and txn.type in (TransactionType.REPAYMENT, TransactionType.EARLY_SETTLEMENT):
            position.closed_by = txn.id
