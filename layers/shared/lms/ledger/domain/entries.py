"""Journal entries and the invariants every entry obeys, manual or system.

- at least two lines; each line is a debit or a credit (one side positive, the other zero)
- amounts in the entry's currency, at its minor units; every account exists, in that currency
- debits equal credits to the cent
- a draft counts nowhere; posting makes an entry immutable; a posted entry is reversed once, by a
  new entry with mirrored lines that links to it (and it to the reversal)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import Field

from lms.errors import FailedPrecondition, FieldProblems
from lms.ledger.domain.accounts import Account
from lms.models import LmsModel
from lms.money import ZERO, MoneyError, to_money

# The projection applies an entry in one 100-item transaction: its marker, its lines, and for each
# account a day total and a running total (1 + 3 x 32 = 97).
MAX_LINES = 32


class EntryStatus(StrEnum):
    DRAFT = "draft"
    POSTED = "posted"
    REVERSED = "reversed"  # posted, and since reversed: still counts, alongside its reversal


class JournalLine(LmsModel):
    account_id: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    description: str | None = None

    @property
    def amount(self) -> Decimal:
        return self.debit or self.credit


class JournalEntry(LmsModel):
    id: str
    entry_date: date
    description: str
    currency: str
    reference_type: str | None = None
    reference_id: str | None = None
    loan_id: int | None = None
    source: str = "manual"  # "manual" or "system"
    status: EntryStatus = EntryStatus.DRAFT
    lines: list[JournalLine] = Field(default_factory=list)
    reverses: str | None = None
    reversed_by: str | None = None
    reason: str | None = None
    recorded_at: str
    posted_at: str | None = None
    created_by: str | None = None

    @property
    def total_debits(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def total_credits(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)

    @property
    def counts(self) -> bool:
        """Whether the entry's lines count in balances (drafts do not)."""
        return self.status is not EntryStatus.DRAFT


def check_lines(lines: list[JournalLine], currency: str, accounts: Mapping[str, Account]) -> list[JournalLine]:
    """Validate an entry's lines; return them at the currency's scale. Raises listing every problem."""
    problems = FieldProblems()
    if len(lines) < 2:
        problems.add("lines", "a journal entry needs at least two lines")
    if len(lines) > MAX_LINES:
        problems.add("lines", f"a journal entry has at most {MAX_LINES} lines")
    checked: list[JournalLine] = []
    for index, line in enumerate(lines):
        where = f"lines.{index}"
        account = accounts.get(line.account_id)
        if account is None:
            problems.add(f"{where}.accountId", f"account {line.account_id!r} does not exist")
        elif account.currency != currency:
            problems.add(f"{where}.accountId", f"account {line.account_id} is in {account.currency}, not {currency}")
        try:
            debit, credit = to_money(line.debit, currency), to_money(line.credit, currency)
        except MoneyError as err:
            problems.add(where, str(err))
            continue
        if debit < 0 or credit < 0:
            problems.add(where, "amounts must not be negative")
        elif (debit > 0) == (credit > 0):
            problems.add(where, "a line is either a debit or a credit: exactly one of them must be positive")
        checked.append(line.model_copy(update={"debit": debit, "credit": credit}))
    if not problems:
        debits = sum((line.debit for line in checked), ZERO)
        credits = sum((line.credit for line in checked), ZERO)
        if debits != credits:
            problems.add("lines", f"the entry does not balance: debits {debits} != credits {credits}")
    problems.raise_if_any(reason="UNBALANCED_ENTRY" if _unbalanced(problems) else None)
    return checked


def _unbalanced(problems: FieldProblems) -> bool:
    return any("does not balance" in e.message for e in problems.errors)


def post(entry: JournalEntry, posted_at: str) -> JournalEntry:
    if entry.status is not EntryStatus.DRAFT:
        raise FailedPrecondition(f"Journal entry {entry.id} is already posted", reason="ENTRY_ALREADY_POSTED")
    return entry.model_copy(update={"status": EntryStatus.POSTED, "posted_at": posted_at})


def ensure_editable(entry: JournalEntry) -> None:
    if entry.status is not EntryStatus.DRAFT:
        raise FailedPrecondition(
            f"Journal entry {entry.id} is posted and cannot be changed; reverse it instead",
            reason="ENTRY_IMMUTABLE",
        )


def reversal_of(
    entry: JournalEntry, reversal_id: str, on: date, reason: str, recorded_at: str, by: str | None
) -> JournalEntry:
    """A posted entry with mirrored lines that undoes `entry` (which must be posted, not yet reversed)."""
    if entry.status is EntryStatus.DRAFT:
        raise FailedPrecondition(
            f"Journal entry {entry.id} is a draft; only posted entries can be reversed", reason="ENTRY_NOT_POSTED"
        )
    if entry.status is EntryStatus.REVERSED or entry.reversed_by:
        raise FailedPrecondition(
            f"Journal entry {entry.id} is already reversed by {entry.reversed_by}", reason="ENTRY_ALREADY_REVERSED"
        )
    if entry.reverses:
        raise FailedPrecondition(
            f"Journal entry {entry.id} is itself a reversal; post a new entry instead", reason="ENTRY_IS_REVERSAL"
        )
    return JournalEntry(
        id=reversal_id,
        entry_date=on,
        description=f"Reversal of {entry.id}: {reason}",
        currency=entry.currency,
        reference_type=entry.reference_type,
        reference_id=entry.reference_id,
        loan_id=entry.loan_id,
        source=entry.source,
        status=EntryStatus.POSTED,
        lines=[
            JournalLine(account_id=line.account_id, debit=line.credit, credit=line.debit, description=line.description)
            for line in entry.lines
        ],
        reverses=entry.id,
        reason=reason,
        recorded_at=recorded_at,
        posted_at=recorded_at,
        created_by=by,
    )


def mark_reversed(entry: JournalEntry, reversal_id: str) -> JournalEntry:
    return entry.model_copy(update={"status": EntryStatus.REVERSED, "reversed_by": reversal_id})
