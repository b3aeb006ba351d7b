"""A loan's position as its last commit left it, kept in the loan so that an operation that only adds
transactions after all the others needs none of the loan's history.

Replaying a loan's transactions from scratch (`position.replay`) costs time and reads that grow with
its history. But a transaction that applies after every other one (a repayment dated today, the
usual case) cannot change what the others did: the replay up to it is the position the last commit
already computed. So every `rebook` stores that position here, with what it was computed from (how
many transactions, entries and events, and where the last transaction applied), and the next
operation resumes from it when:
- the snapshot is of the loan as it is (the counts match: no commit since bypassed `rebook`);
- the new transactions are all active and apply after the last one (`replay_key`);
- no early settlement is in force (it cuts interest from the start, so it changes every installment).
Anything else (a back-dated payment, a reversal, a settlement) replays the whole history. Property
tests run every operation both ways and require the same loan (tests/support/domain.py).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lms.loans.domain.calculation.allocation import InstallmentPosition
from lms.loans.domain.calculation.position import LoanPosition, Replay, replay_key, replay_order
from lms.loans.domain.records.charges import LoanCharge
from lms.loans.domain.records.transactions import LoanTransaction, TransactionType
from lms.models import LmsModel
from lms.products.domain import ProcessingStrategy

COUNTED = ("transactions", "journal", "outbox")
RESUMABLE = frozenset(
    {TransactionType.REPAYMENT, TransactionType.REFUND, TransactionType.CHARGE, TransactionType.WAIVER}
)


class InstallmentState(LmsModel):
    number: int
    from_date: date
    due_date: date
    due: dict[str, Decimal]
    paid: dict[str, Decimal]
    waived: dict[str, Decimal]


class PositionSnapshot(LmsModel):
    """The position after every active transaction, and what it was computed from."""

    installments: list[InstallmentState]
    credit_balance: Decimal
    principal_disbursed: Decimal
    charged_off_principal: Decimal
    charged_off: bool
    closed_by: int | None
    charge_installment: dict[int, int]
    charge_waived: dict[int, Decimal]
    last_applied: tuple[date, int] | None  # replay key of the transaction applied last
    interest_recognised: Decimal  # interest income the loan's journal holds
    counts: dict[str, int]  # of the loan's transactions, journal entries and events it was taken at

    def position(self) -> LoanPosition:
        """A fresh copy of the position, to apply transactions to."""
        copied = self.model_dump(include=set(POSITION_FIELDS))  # new dicts: the snapshot stays as it was
        installments = [InstallmentPosition(**i) for i in copied.pop("installments")]
        return LoanPosition(installments=installments, **copied)


# What a snapshot keeps of a position (not `applied`: a resumed replay needs only the new ones').
POSITION_FIELDS = (
    "installments",
    "credit_balance",
    "principal_disbursed",
    "charged_off_principal",
    "charged_off",
    "closed_by",
    "charge_installment",
    "charge_waived",
)


def take_snapshot(
    position: LoanPosition,
    last_applied: tuple[date, int] | None,
    interest_recognised: Decimal,
    counts: dict[str, int],
) -> PositionSnapshot | None:
    """The snapshot of a position, or None where resuming from it is never allowed (a settlement in
    force, a refund left uncovered)."""
    if position.interest_ends_on is not None or position.uncovered_refunds:
        return None
    return PositionSnapshot.model_validate(
        {
            **{name: getattr(position, name) for name in POSITION_FIELDS},
            "installments": [InstallmentState.model_validate(i, from_attributes=True) for i in position.installments],
            "last_applied": last_applied,
            "interest_recognised": interest_recognised,
            "counts": {name: counts[name] for name in COUNTED},
        }
    )


def last_applied(transactions: list[LoanTransaction]) -> tuple[date, int] | None:
    """Where the transaction that applies last applies, of a loan's whole list of transactions."""
    ordered = replay_order(transactions)
    return replay_key(transactions)(ordered[-1]) if ordered else None


def resume(
    snapshot: PositionSnapshot | None,
    counts: dict[str, int],
    appended: list[LoanTransaction],
    charges: list[LoanCharge],
    strategy: ProcessingStrategy,
) -> LoanPosition | None:
    """The position after `appended`, applied to the snapshot; None unless that equals a replay of
    the whole history. `counts` are the loan's, `appended` included."""
    if snapshot is None:
        return None
    expected = {**snapshot.counts, "transactions": snapshot.counts["transactions"] + len(appended)}
    if {name: counts[name] for name in COUNTED} != expected:
        return None
    key = lambda t: (t.date, t.id)  # noqa: E731 - no settlement in force, so no charge moves
    ordered = sorted(appended, key=key)
    if any(not t.active or t.type not in RESUMABLE for t in ordered):
        return None
    if ordered and snapshot.last_applied is not None and key(ordered[0]) <= snapshot.last_applied:
        return None
    position = snapshot.position()
    replaying = Replay(position, ordered, charges, strategy)
    for txn in ordered:
        replaying.apply(txn)
    return position
