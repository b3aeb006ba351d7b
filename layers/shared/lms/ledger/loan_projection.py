"""Copies the journal entries a loan operation committed (inside the loan's items) into the ledger table.

The loan's items are the record: each money operation writes its entries into the loan's head
(or a history page it seals or corrects) in the same conditional write as the loan's new state.
This projection, fed by the core table's stream, makes them visible to the ledger's reports; the
ledger's own stream then applies their lines and totals. Writes are idempotent and monotone: a
new entry is put once, and an entry only ever moves from posted to reversed, so a redelivered or
late record cannot undo a newer state.
"""

from __future__ import annotations

from lms.ledger.domain.entries import EntryStatus, JournalEntry
from lms.ledger.store import LedgerStore, entry_item
from lms.loans.storage.item_format import JournalChange
from lms.storage.dynamo import ConditionFailed


def changed_entries(change: JournalChange) -> list[JournalEntry]:
    """Entries new or changed from the old image to the new one. A history page sealed from the
    loan's head carries entries the head already had: the page names those its commit created or
    changed (`change.named`), and the rest are left alone."""
    before = change.before
    changed = [e for e in change.after.values() if e.id not in before or before[e.id].status != e.status]
    if change.named is None:
        return changed
    named = set(change.named)
    return [e for e in changed if e.id in named]


def project_loan_journal(store: LedgerStore, change: JournalChange) -> int:
    written = 0
    for entry in changed_entries(change):
        try:
            store.table.put(
                entry_item(entry),
                condition="attribute_not_exists(PK) OR (#status <> :reversed AND #status <> :status)",
                names={"#status": "status"},
                values_={":reversed": EntryStatus.REVERSED.value, ":status": entry.status.value},
            )
            written += 1
        except ConditionFailed:
            # Already there as it is (a page sealed entries the head had carried), or already
            # reversed there: this record is older than what the ledger holds.
            pass
    return written
