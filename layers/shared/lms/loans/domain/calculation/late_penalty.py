"""Late-payment penalties: a product's rule, and the penalties a loan's history makes due by a date.

Definitions (`docs/cob.md` has them with examples):

- The rule: `LatePenalty(type, value, grace_days)`. `fixed`: `value` is the penalty, in the loan's
  currency (at most its minor units); `percent`: `value` percent (0 < value <= 100) of the
  installment's overdue principal and interest. `grace_days` >= 0.
- Grace. An installment due on `D` may be paid up to the end of day `D + grace_days` without a
  penalty. Its grace ends at the end of that day; the penalty is dated the next day,
  `D + grace_days + 1` (its `date`), the first day it is late beyond its grace: with no grace, the day
  after the due date, the day it first counts as overdue (`delinquency`).
- Due. An installment gets one penalty when, replaying the loan's transactions dated on or before
  `D + grace_days`, some of its principal or interest is still unpaid (an installment late only with
  fees or penalties gets none: no penalty on penalties). A payment dated on or before that day,
  recorded whenever (back-dated), means no penalty; one dated later does not remove it (it was due);
  a reversal that reopens the installment brings it back.
- Amount. `fixed`: the value. `percent`: value / 100 x that unpaid principal and interest, rounded
  half-even to the currency's minor units; a penalty that rounds to 0 is not charged.
- Once per installment. Penalties are keyed by installment number: given the late penalties the
  loan already holds (installment number -> charge id), `late_penalties` says which to charge and
  which to take away (no longer due, or due at another amount: taken away and charged again), so
  running it again on its own result changes nothing.
- Order. A penalty is a charge on its own installment (its charge's due date is the installment's
  due date, its transaction dated the penalty date), so it is in arrears at once and a payment pays
  it like any penalty of that installment. Later installments are judged with the earlier
  installments' penalties as this function decides them, so catching up many days at once gives
  what running every day would have.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from lms.loans.domain.calculation.delinquency import LoanHistory
from lms.loans.domain.calculation.schedule import Installment
from lms.loans.domain.records.charges import ChargeKind, LoanCharge
from lms.loans.domain.records.transactions import LoanTransaction, TransactionType
from lms.money import ZERO, round_money, to_money

# The rule is the product's (lms.products.servicing_rules); named here too, where it is applied.
from lms.products.servicing_rules import (
    DEFAULT_NAME,  # noqa: F401  (re-exported)
    FIELD,  # noqa: F401  (re-exported)
    HUNDRED,
    LatePenalty,
    check_late_penalty,  # noqa: F401  (re-exported)
    parse_late_penalty,  # noqa: F401  (re-exported)
)


def grace_ends_on(installment: Installment, rule: LatePenalty) -> date:
    """The last day the installment may be paid without a penalty."""
    return installment.due_date + timedelta(days=rule.grace_days)


def penalty_date(installment: Installment, rule: LatePenalty) -> date:
    """The day its penalty is dated: the day after its grace ends."""
    return grace_ends_on(installment, rule) + timedelta(days=1)


def penalty_charge_due_date(installment: Installment) -> date:
    """The due date its penalty's charge carries, so that the replay puts it on this installment
    (`position.installment_for`); the charge's transaction is dated `penalty_date`."""
    return installment.due_date


@dataclass(frozen=True)
class PenaltyDue:
    installment: int  # the key: one penalty per installment
    date: date  # the penalty date (the day after the grace ended)
    charge_due_date: date  # the installment's due date: the charge belongs to it
    amount: Decimal
    unpaid: Decimal  # the installment's principal and interest unpaid when its grace ended


@dataclass(frozen=True)
class LatePenalties:
    """The late penalties due as of a date, and how the loan's penalties must change to match them."""

    due: list[PenaltyDue] = field(default_factory=list)
    to_charge: list[PenaltyDue] = field(default_factory=list)  # not on the loan yet (or at another amount)
    to_remove: list[int] = field(default_factory=list)  # charge ids: no longer due, or replaced


def late_penalties(
    history: LoanHistory, rule: LatePenalty, as_of: date, charged: Mapping[int, int] | None = None
) -> LatePenalties:
    """The penalties due for installments whose penalty date is on or before `as_of`, given the late
    penalties the loan already holds (`charged`: installment number -> charge id, part of `history`).
    A penalty charged for an installment whose penalty date is after `as_of` is left as it is."""
    charged = dict(charged or {})
    by_id = {c.id: c for c in history.charges}
    dropped: set[int] = set()  # charge ids of held penalties that no longer stand
    added: list[tuple[LoanTransaction, LoanCharge]] = []
    next_txn = max((t.id for t in history.transactions), default=0)
    next_charge = max((c.id for c in history.charges), default=0)
    result = LatePenalties()
    for installment in history.schedule:
        on = penalty_date(installment, rule)
        if on > as_of:
            continue
        unpaid = _unpaid_when_grace_ends(history, installment, rule, dropped, added)
        amount = ZERO
        if unpaid > 0:
            amount = (
                rule.value if rule.type == "fixed" else round_money(unpaid * rule.value / HUNDRED, history.currency)
            )
        held = by_id.get(charged[installment.number]) if installment.number in charged else None
        if held is not None and amount > 0 and held.amount == amount:
            result.due.append(PenaltyDue(installment.number, on, installment.due_date, amount, unpaid))
            continue  # on the loan as it should be
        if held is not None:
            dropped.add(held.id)
            result.to_remove.append(held.id)
        if amount > 0:
            due = PenaltyDue(installment.number, on, penalty_charge_due_date(installment), amount, unpaid)
            result.due.append(due)
            result.to_charge.append(due)
            next_txn, next_charge = next_txn + 1, next_charge + 1
            added.append(penalty_records(due, rule, next_txn, next_charge, history.currency))
    return result


def _unpaid_when_grace_ends(
    history: LoanHistory,
    installment: Installment,
    rule: LatePenalty,
    dropped: set[int],
    added: list[tuple[LoanTransaction, LoanCharge]],
) -> Decimal:
    """The installment's principal and interest unpaid at the end of its last grace day, with the
    earlier installments' penalties as decided so far."""
    dropped_txns = {c.transaction_id for c in history.charges if c.id in dropped}
    judged = LoanHistory(
        history.schedule,
        [t for t in history.transactions if t.id not in dropped_txns] + [t for t, _ in added],
        [c for c in history.charges if c.id not in dropped] + [c for _, c in added],
        history.strategy,
        history.currency,
    )
    position = judged.position_on(grace_ends_on(installment, rule))
    at = position.installments[installment.number - 1]
    return at.outstanding("principal") + at.outstanding("interest")


def penalty_records(
    due: PenaltyDue, rule: LatePenalty, txn_id: int, charge_id: int, currency: str
) -> tuple[LoanTransaction, LoanCharge]:
    """The penalty as the records charging it will hold (recorded after everything the loan has)."""
    amount = to_money(due.amount, currency)
    txn = LoanTransaction(
        id=txn_id,
        type=TransactionType.CHARGE,
        date=due.date,
        amount=amount,
        created_at="",
        created_by="late-penalty",
    )
    charge = LoanCharge(
        id=charge_id,
        name=rule.name,
        kind=ChargeKind.PENALTY,
        amount=amount,
        due_date=due.charge_due_date,
        transaction_id=txn_id,
    )
    return txn, charge
