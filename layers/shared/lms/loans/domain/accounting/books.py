"""A loan's own books: the journal entries and outbound events its operations commit.

Entry ids are derived from the loan and the entry's position in the loan's journal
(`le_<loan>_<n>`), event ids from the loan and the event's sequence number (`<loan>-<seq>`), so an
operation retried after a lost race rebuilds exactly the same ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lms.ledger.domain.accounts import Role, account_for
from lms.ledger.domain.entries import EntryStatus, JournalEntry, mark_reversed, reversal_of
from lms.ledger.domain.posting import Leg, Posting, system_entry
from lms.loans.domain.aggregate.loan import HistoryNeeded, Loan, OutboundEvent
from lms.money import ZERO


@dataclass
class Books:
    """Collects what one operation adds to a loan's journal and outbox, in commit order."""

    loan: Loan
    base_currency: str
    recorded_at: str
    by: str
    # The business date the operation is recorded on (the actor's today): the loan's non-accrual is
    # judged then (`rebook`). None: on the operation's own date.
    recorded_on: date | None = None
    journal: list[JournalEntry] = field(default_factory=list)
    outbox: list[OutboundEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.journal = list(self.loan.journal)
        self.outbox = list(self.loan.outbox)
        self.read_entries = len(self.journal)  # those before this operation's

    def _need_history(self, what: str) -> None:
        if self.loan.partial:
            raise HistoryNeeded(f"loan {self.loan.id}: {what} needs the loan's whole journal and events")

    def _entry_id(self) -> str:
        return f"le_{self.loan.id}_{self.loan.earlier('journal') + len(self.journal) + 1:04d}"

    def _posting(self, on: date, reference_type: str, txn_id: int | None) -> Posting:
        return Posting(
            entry_id=self._entry_id(),
            entry_date=on,
            currency=self.loan.currency,
            base_currency=self.base_currency,
            recorded_at=self.recorded_at,
            reference_type=reference_type,
            reference_id=f"{self.loan.id}/{txn_id}" if txn_id is not None else str(self.loan.id),
            loan_id=self.loan.id,
            created_by=self.by,
        )

    def post(self, on: date, reference_type: str, txn_id: int | None, description: str, legs: list[Leg]) -> str:
        entry = system_entry(self._posting(on, reference_type, txn_id), description, legs)
        self.journal.append(entry)
        return entry.id

    def reverse(self, entry_ids: list[str], on: date, reason: str) -> list[str]:
        """Mirror each entry (a loan's entries are corrected by reversal, never deleted)."""
        made = []
        for entry_id in entry_ids:
            index = next((i for i, e in enumerate(self.journal) if e.id == entry_id), None)
            if index is None:
                self._need_history(f"reversing entry {entry_id}")
                raise ValueError(f"loan {self.loan.id} has no journal entry {entry_id}")
            original = self.journal[index]
            if original.status is not EntryStatus.POSTED:
                continue
            reversal_id = self._entry_id()
            reversal = reversal_of(
                original, reversal_id, max(on, original.entry_date), reason, self.recorded_at, self.by
            )
            self.journal[index] = mark_reversed(original, reversal_id)
            self.journal.append(reversal)
            made.append(reversal_id)
        return made

    def emit(self, event_type: str, payload: dict, txn_id: int | None) -> OutboundEvent:
        seq = self.loan.earlier("outbox") + len(self.outbox) + 1
        event = OutboundEvent(
            seq=seq,
            id=f"{self.loan.id}-{seq}",
            type=event_type,
            payload=payload,
            transaction_id=txn_id,
            created_at=self.recorded_at,
        )
        self.outbox.append(event)
        return event

    def unreversed_events(self) -> list[OutboundEvent]:
        """Events sent for this loan that no REVERSAL event has taken back yet, oldest first."""
        self._need_history("finding the events in force")
        taken_back = {e.payload.get("reversedEventId") for e in self.outbox if e.type == "REVERSAL"}
        return [e for e in self.outbox if e.type != "REVERSAL" and e.id not in taken_back]

    def accrued_interest(self) -> Decimal:
        """Interest income this loan has recognised: credits less debits on Interest income (of a loan
        read without its older entries: what its snapshot counted, and this operation's entries)."""
        income = account_for(Role.INTEREST_INCOME, self.loan.currency, self.base_currency)
        entries = self.journal
        counted = ZERO
        if self.loan.partial:
            snapshot = self.loan.position_snapshot
            if snapshot is None or snapshot.counts["journal"] != self.loan.count("journal"):
                self._need_history("the interest recognised")
            counted, entries = snapshot.interest_recognised, self.journal[self.read_entries :]
        return counted + sum(
            (line.credit - line.debit for entry in entries for line in entry.lines if line.account_id == income),
            ZERO,
        )

    def events(self) -> list[OutboundEvent]:
        """Every event of the loan, oldest first."""
        self._need_history("the loan's events")
        return self.outbox
