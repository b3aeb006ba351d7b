"""Charging and taking back late-payment penalties (`calculation.late_penalty` decides which).

Each penalty to charge becomes a Charge transaction dated the penalty date (the day after the grace
ended) and a `LoanCharge` of kind penalty due on the installment's due date, keyed by that
installment (`late_penalty_of`): it posts Dr Penalties receivable / Cr Penalty income. Each penalty
no longer due has its Charge transaction reversed, which mirrors its entries. Both go through one
`rebook`, so payments dated after a new penalty are re-allocated to it in the same commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lms.loans.domain.accounting.books import Books
from lms.loans.domain.accounting.rebook import rebook
from lms.loans.domain.aggregate.loan import Actor, HistoryNeeded, Loan
from lms.loans.domain.aggregate.status import LoanStatus
from lms.loans.domain.calculation.delinquency import LoanHistory
from lms.loans.domain.calculation.late_penalty import (
    LatePenalty,
    PenaltyDue,
    grace_ends_on,
    late_penalties,
    penalty_date,
    penalty_records,
)
from lms.loans.domain.records.charges import LoanCharge

REMOVED_REASON = "late penalty no longer due"
CHARGED_BY = "late-penalty"


@dataclass(frozen=True)
class PenaltyChange:
    charged: list[LoanCharge] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)  # charge ids

    @property
    def changed(self) -> bool:
        return bool(self.charged or self.removed)


def history_of(loan: Loan) -> LoanHistory:
    if loan.partial:
        raise HistoryNeeded(f"loan {loan.id}: late penalties replay its whole history")
    return LoanHistory(
        loan.schedule, loan.transactions, loan.charges, loan.terms.transaction_processing_strategy_code, loan.currency
    )


def held_penalties(loan: Loan) -> dict[int, int]:
    """The late penalties the loan holds in force: installment number -> charge id."""
    active = {t.id for t in loan.transactions if t.active}
    return {
        c.late_penalty_of: c.id for c in loan.charges if c.late_penalty_of is not None and c.transaction_id in active
    }


def penalties_may_change(loan: Loan, rule: LatePenalty | None, since: date, as_of: date) -> bool:
    """Whether a change of the loan's history from `since` on can change its penalties as of `as_of`:
    only an installment whose grace ends on or after `since` and whose penalty is due by `as_of`
    is judged on a position the change touches (and a loan without a rule holds no penalty to keep)."""
    if rule is None:  # products never change: a loan without a rule was never charged one
        return False
    return any(grace_ends_on(i, rule) >= since and penalty_date(i, rule) <= as_of for i in loan.schedule)


def penalising(loan: Loan) -> bool:
    """New penalties are charged only to an active loan: a closed one owes nothing to be late with
    (one that is no longer due still goes). A charged-off loan is collected, not penalised: its
    penalties are neither charged nor taken back (`apply_late_penalties`)."""
    return loan.status is LoanStatus.ACTIVE and not loan.charged_off


def apply_late_penalties(
    loan: Loan, rule: LatePenalty | None, as_of: date, books: Books, actor: Actor
) -> tuple[Loan, PenaltyChange]:
    """The loan with the late penalties its history makes due as of `as_of` (charged and taken back
    in one rebook); the same loan object when there is nothing to change."""
    if loan.charged_off:  # its penalties stay as they were when it was written off
        return loan, PenaltyChange()
    held = held_penalties(loan)
    if rule is None and not held:
        return loan, PenaltyChange()
    history = history_of(loan)
    if rule is None:  # no rule any more: nothing is due (cannot happen with products that never change)
        plan_remove, plan_charge = list(held.values()), []
    else:
        plan = late_penalties(history, rule, as_of, held)
        plan_remove, plan_charge = plan.to_remove, plan.to_charge
    if not penalising(loan):
        plan_charge = []  # a penalty no longer due still goes, whatever the loan's state
    if not plan_remove and not plan_charge:
        return loan, PenaltyChange()
    removed_txns = {c.transaction_id for c in loan.charges if c.id in plan_remove}
    transactions = [
        t.model_copy(
            update={"reversed": True, "reversed_on": as_of, "reversal_reason": REMOVED_REASON, "reversed_at": actor.at}
        )
        if t.id in removed_txns
        else t
        for t in loan.transactions
    ]
    charges = list(loan.charges)
    next_txn = loan.next_transaction_id()
    added: list[LoanCharge] = []
    for due in plan_charge:
        txn, charge = _records(due, rule, next_txn, len(charges) + 1, loan.currency, actor)
        transactions.append(txn)
        charges.append(charge)
        added.append(charge)
        next_txn += 1
    notes = [f"late penalty of installment {c.late_penalty_of}: {c.amount}" for c in added]
    notes += [f"late penalty charge {cid} removed" for cid in plan_remove]
    changed = loan.model_copy(
        update={
            "transactions": transactions,
            "charges": charges,
            "timeline": loan.record("late penalties", as_of, "; ".join(notes), actor.at, actor.by),
        }
    )
    booked = rebook(changed, books, as_of)
    by_id = {c.id: c for c in booked.charges}
    return booked, PenaltyChange([by_id[c.id] for c in added], list(plan_remove))


def _records(due: PenaltyDue, rule: LatePenalty, txn_id: int, charge_id: int, currency: str, actor: Actor):
    txn, charge = penalty_records(due, rule, txn_id, charge_id, currency)
    txn = txn.model_copy(update={"created_at": actor.at, "created_by": actor.by or CHARGED_BY})
    return txn, charge.model_copy(update={"late_penalty_of": due.installment})
