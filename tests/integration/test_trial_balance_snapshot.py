"""Today's trial balance holds every entry whole or not at all, however busy the ledger (issue 29).

The report reads one snapshot per shard of the running totals. Here an entry is applied (as the
ledger projection applies it) right after every read the report makes, the worst interleaving a
busy ledger can give: today's trial balance still balances, and holds either the entry or not. A
past date's, still read account by account, is shown to see such an entry in part: the difference
the snapshot removes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lms.ledger.domain.entries import EntryStatus, JournalEntry, JournalLine
from lms.ledger.projection import apply_posted_entry
from lms.ledger.reports import LedgerReports
from lms.ledger.store import TOTAL_SHARDS, LedgerStore, total_shard
from lms.storage.dynamo import Table

TODAY = date(2026, 12, 4)


def funding(n: int) -> JournalEntry:
    """A posted entry moving 100 + n into cash from capital (1100 / 3000)."""
    amount = Decimal(100 + n)
    return JournalEntry(
        id=f"je-busy-{n}",
        entry_date=TODAY,
        description="busy ledger",
        currency="TZS",
        source="manual",
        status=EntryStatus.POSTED,
        lines=[JournalLine(account_id="1100", debit=amount), JournalLine(account_id="3000", credit=amount)],
        recorded_at="2026-12-04T10:00:00.000Z",
        posted_at="2026-12-04T10:00:00.000Z",
    )


@pytest.fixture
def store(seeded) -> LedgerStore:
    return LedgerStore()


def busy(monkeypatch, store: LedgerStore, method: str) -> list[JournalEntry]:
    """After every call of `Table.<method>` made by the report, apply one more entry."""
    applied: list[JournalEntry] = []
    original = getattr(Table, method)

    def read_then_post(table, *args, **kwargs):
        answer = original(table, *args, **kwargs)
        entry = funding(len(applied))
        assert apply_posted_entry(store, entry)
        applied.append(entry)
        return answer

    monkeypatch.setattr(Table, method, read_then_post)
    return applied


def tzs(trials):
    return next(t for t in trials if t.currency == "TZS")


def test_todays_trial_balance_balances_while_entries_are_applied_between_its_reads(store, monkeypatch):
    before = tzs(LedgerReports(store).trial_balance(None))
    assert before.total_debits == before.total_credits
    applied = busy(monkeypatch, store, "transact_get")
    during = tzs(LedgerReports(store).trial_balance(None))
    monkeypatch.undo()
    # One snapshot per shard, and an entry applied after each: every one of them was applied
    # while the report read, and each is in it whole or not at all.
    assert len(applied) == TOTAL_SHARDS
    assert during.total_debits == during.total_credits
    seen = during.total_debits - before.total_debits
    cash = next(r for r in during.rows if r.account.id == "1100")
    capital = next(r for r in during.rows if r.account.id == "3000")
    cash_before = next(r for r in before.rows if r.account.id == "1100")
    assert cash.net_debit - cash_before.net_debit == seen
    assert -capital.net_debit == seen + (-next(r for r in before.rows if r.account.id == "3000").net_debit)
    # What it saw is exactly the entries applied before the read of their own shard.
    read_shards = list(range(TOTAL_SHARDS))
    expected = sum(
        (e.lines[0].debit for n, e in enumerate(applied) if read_shards.index(total_shard(e.id)) > n),
        Decimal(0),
    )
    assert seen == expected
    # It says how many entries it holds: exactly those, and each of them whole.
    held = [e for n, e in enumerate(applied) if read_shards.index(total_shard(e.id)) > n]
    assert during.entries == before.entries + len(held)
    after = tzs(LedgerReports(store).trial_balance(None))
    assert after.total_debits == after.total_credits == before.total_debits + sum(e.lines[0].debit for e in applied)
    assert after.entries == before.entries + len(applied)
    newest = max(applied, key=lambda e: (e.recorded_at, -applied.index(e)))
    assert after.last_recorded_at == newest.recorded_at


def test_a_past_dates_trial_balance_read_account_by_account_sees_an_entry_in_part(store, monkeypatch):
    busy(monkeypatch, store, "query")
    past = tzs(LedgerReports(store).trial_balance(TODAY, attempts=1))
    assert past.total_debits != past.total_credits
