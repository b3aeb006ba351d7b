"""Derives journal lines and per-account per-day totals from posted entries (the ledger stream).

Each posted entry is applied exactly once: one transaction writes an "applied" marker for the
entry (conditional on its absence), the entry's line items (for GL detail), and ADDs its amounts
to the day's total items. A redelivered stream record finds the marker and changes nothing.
Totals are spread over TOTAL_SHARDS items per account and day, chosen by entry id, so a hot
account (cash) is not one item written by every operation. Each account also has TOTAL_SHARDS
running totals (all days), so its current balance is a read of a fixed number of items, however
old the account (the disbursement's funds check reads it with the request's other reads). Each
shard also counts the entries of the currency applied to it, and names the last: what today's
trial balance, read with the totals, says it holds.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from lms.ledger.domain.entries import JournalEntry
from lms.ledger.store import LedgerStore, entries_applied_key, running_total_key, total_shard
from lms.money import ZERO
from lms.storage.dynamo import ConditionFailed, Key


def line_items(entry: JournalEntry) -> list[dict]:
    return [
        {
            "PK": f"ENTRY#{entry.id}",
            "SK": f"LINE#{number:03d}",
            "entity": "journalLine",
            "AcctPK": f"ACCOUNT#{line.account_id}",
            "AcctSK": f"{entry.entry_date.isoformat()}#{entry.recorded_at}#{entry.id}#{number:03d}",
            "entryId": entry.id,
            "entryDate": entry.entry_date.isoformat(),
            "accountId": line.account_id,
            "currency": entry.currency,
            "debit": line.debit,
            "credit": line.credit,
            "description": line.description or entry.description,
            "entryDescription": entry.description,
            "referenceType": entry.reference_type,
            "referenceId": entry.reference_id,
        }
        for number, line in enumerate(entry.lines, start=1)
    ]


def apply_posted_entry(store: LedgerStore, entry: JournalEntry) -> bool:
    """Apply an entry's lines and totals once; False if it had been applied already."""
    if not entry.counts:
        return False
    table = store.table
    sums: dict[str, tuple[Decimal, Decimal]] = defaultdict(lambda: (ZERO, ZERO))
    for line in entry.lines:
        debit, credit = sums[line.account_id]
        sums[line.account_id] = (debit + line.debit, credit + line.credit)
    shard = total_shard(entry.id)
    actions = [
        table.put_action(
            {"PK": f"ENTRY#{entry.id}", "SK": "APPLIED", "entity": "appliedMarker", "appliedAt": entry.recorded_at},
            condition="attribute_not_exists(PK)",
        ),
        *(table.put_action(item) for item in line_items(entry)),
        *(
            table.update_action(
                Key(f"TOTAL#{account_id}", f"{entry.entry_date.isoformat()}#{shard:02d}"),
                "ADD debit :d, credit :c SET entity = :e",
                values_={":d": debit, ":c": credit, ":e": "dayTotal"},
            )
            for account_id, (debit, credit) in sums.items()
        ),
        *(
            table.update_action(
                running_total_key(account_id, shard),
                "ADD debit :d, credit :c SET entity = :e",
                values_={":d": debit, ":c": credit, ":e": "runningTotal"},
            )
            for account_id, (debit, credit) in sums.items()
        ),
        table.update_action(
            entries_applied_key(entry.currency, shard),
            "ADD entries :one SET lastEntryId = :id, lastRecordedAt = :at, entity = :e",
            values_={":one": 1, ":id": entry.id, ":at": entry.recorded_at, ":e": "entriesApplied"},
        ),
    ]
    try:
        table.transact_write(actions)
    except ConditionFailed as failure:
        if failure.reasons and failure.reasons[0].get("Code") == "ConditionalCheckFailed":
            return False
        raise
    return True
