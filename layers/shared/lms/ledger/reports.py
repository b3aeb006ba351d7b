"""Ledger reports: balances, trial balance, GL detail, a loan's sub-ledger."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.ledger.domain.accounts import Account
from lms.ledger.domain.entries import JournalEntry
from lms.ledger.domain.funds import is_funded_role
from lms.ledger.funds import FundsStore
from lms.ledger.store import TOTAL_SHARDS, EntriesApplied, LedgerStore
from lms.money import ZERO, round_money
from lms.observability import traced
from lms.storage.dynamo import batch_get_across
from lms.storage.pagination import Page


@dataclass(frozen=True)
class AccountBalance:
    account: Account
    debits: Decimal
    credits: Decimal

    @property
    def balance(self) -> Decimal:
        return self.account.signed_balance(self.debits, self.credits)

    @property
    def net_debit(self) -> Decimal:
        return self.debits - self.credits


@dataclass(frozen=True)
class TrialBalance:
    currency: str
    rows: list[AccountBalance]
    # Today's: how many posted entries it holds, and the newest of those its shards applied last.
    entries: int | None = None
    last_entry_id: str | None = None
    last_recorded_at: str | None = None

    @property
    def total_debits(self) -> Decimal:
        return round_money(sum((r.net_debit for r in self.rows if r.net_debit > 0), ZERO), self.currency)

    @property
    def total_credits(self) -> Decimal:
        return round_money(sum((-r.net_debit for r in self.rows if r.net_debit < 0), ZERO), self.currency)


@dataclass(frozen=True)
class GlLine:
    entry_id: str
    entry_date: str
    description: str
    reference_type: str | None
    reference_id: str | None
    debit: Decimal
    credit: Decimal
    running_balance: Decimal


@traced
class LedgerReports:
    def __init__(self, store: LedgerStore | None = None):
        self.store = store or LedgerStore()

    def balance(self, account_id: str, as_of: date | None) -> AccountBalance:
        """The balance on `as_of` (its day totals), or the current one (its running totals)."""
        if as_of is None:
            return self.current_balance(account_id, batch_get_across(self.store.current_balance_refs(account_id)))
        account = self.store.account(account_id)
        debits, credits = self.store.totals_until(account_id, as_of)
        return AccountBalance(account, round_money(debits, account.currency), round_money(credits, account.currency))

    def balance_and_available(self, account_id: str) -> tuple[AccountBalance, Decimal | None]:
        """The current balance and, for a disbursement rail, what it has available to pay out
        (lms.ledger.funds), read in one batch."""
        funds = FundsStore(self.store.table)
        balance_refs, funds_refs = self.store.current_balance_refs(account_id), funds.refs(account_id)
        items = batch_get_across([*balance_refs, *funds_refs])
        balance = self.current_balance(account_id, items[: len(balance_refs)])
        if not is_funded_role(balance.account.role):
            return balance, None
        available = sum(funds.shards_in(items[len(balance_refs) :]), ZERO)
        return balance, round_money(available, balance.account.currency)

    def current_balance(self, account_id: str, items: list[dict | None]) -> AccountBalance:
        """The current balance from the items `current_balance_refs` names, as read (with other
        reads of the same request, in one batch)."""
        account, debits, credits = self.store.current_totals(account_id, items)
        return AccountBalance(account, round_money(debits, account.currency), round_money(credits, account.currency))

    def trial_balance(self, as_of: date | None, attempts: int = 5) -> list[TrialBalance]:
        """Every account's balance, per currency. Today's is read shard by shard, each shard one
        snapshot of its running totals (LedgerStore.shard_snapshot): every entry is in it whole or
        not at all, however busy the ledger, in TOTAL_SHARDS reads per currency. A past date's is
        summed from day totals, account by account: an entry applied between two reads shows as a
        difference, so an unbalanced read is taken again (a ledger at rest always balances)."""
        if as_of is None:
            return self._current_trial_balance(attempts)
        for _ in range(attempts):
            trials = self._read_trial_balance(as_of)
            if all(t.total_debits == t.total_credits for t in trials):
                break
        return trials

    def _current_trial_balance(self, attempts: int) -> list[TrialBalance]:
        by_currency: dict[str, list[Account]] = defaultdict(list)
        for account in sorted(self.store.all_accounts(), key=lambda a: a.code):
            by_currency[account.currency].append(account)
        trials = []
        for currency, accounts in sorted(by_currency.items()):
            ids = [a.id for a in accounts]
            debits: dict[str, Decimal] = dict.fromkeys(ids, ZERO)
            credits: dict[str, Decimal] = dict.fromkeys(ids, ZERO)
            applied: list[EntriesApplied] = []
            for shard in range(TOTAL_SHARDS):
                totals, shard_applied = self._balanced_shard(ids, shard, currency, attempts)
                applied.append(shard_applied)
                for account_id, (debit, credit) in totals.items():
                    debits[account_id] += debit
                    credits[account_id] += credit
            rows = [
                AccountBalance(a, round_money(debits[a.id], currency), round_money(credits[a.id], currency))
                for a in accounts
            ]
            newest = max(
                (a for a in applied if a.last_recorded_at), key=lambda a: a.last_recorded_at or "", default=None
            )
            trials.append(
                TrialBalance(
                    currency,
                    rows,
                    entries=sum(a.entries for a in applied),
                    last_entry_id=newest.last_entry_id if newest else None,
                    last_recorded_at=newest.last_recorded_at if newest else None,
                )
            )
        return trials

    def _balanced_shard(
        self, account_ids: list[str], shard: int, currency: str, attempts: int
    ) -> tuple[dict[str, tuple[Decimal, Decimal]], EntriesApplied]:
        """One shard's snapshot; read again only where a currency has more accounts than one
        snapshot holds and its parts, read apart, saw an entry differently."""
        for _ in range(attempts):
            totals, applied = self.store.shard_snapshot(account_ids, shard, currency)
            if sum(d for d, _ in totals.values()) == sum(c for _, c in totals.values()):
                break
        return totals, applied

    def _read_trial_balance(self, as_of: date | None) -> list[TrialBalance]:
        by_currency: dict[str, list[AccountBalance]] = defaultdict(list)
        for account in sorted(self.store.all_accounts(), key=lambda a: a.code):
            debits, credits = self.store.totals_until(account.id, as_of)
            by_currency[account.currency].append(
                AccountBalance(account, round_money(debits, account.currency), round_money(credits, account.currency))
            )
        return [TrialBalance(currency, rows) for currency, rows in sorted(by_currency.items())]

    def gl_detail(
        self, account_id: str, start: date | None, end: date | None, page: int, rows: int
    ) -> tuple[Account, Decimal, Page[GlLine]]:
        """Lines of one account in a date range, with the opening balance and a running balance."""
        account = self.store.account(account_id)
        opening = ZERO
        if start is not None:
            before = date.fromordinal(start.toordinal() - 1)
            opening = account.signed_balance(*self.store.totals_until(account_id, before))
        running = opening
        lines: list[GlLine] = []
        first = (page - 1) * rows
        total = 0
        for item in self.store.lines_of_account(account_id, start, end):
            running += account.signed_balance(item["debit"], item["credit"])
            if first <= total < first + rows:
                lines.append(
                    GlLine(
                        entry_id=item["entryId"],
                        entry_date=item["entryDate"],
                        description=item.get("description") or "",
                        reference_type=item.get("referenceType"),
                        reference_id=item.get("referenceId"),
                        debit=round_money(item["debit"], account.currency),
                        credit=round_money(item["credit"], account.currency),
                        running_balance=round_money(running, account.currency),
                    )
                )
            total += 1
        return account, round_money(opening, account.currency), Page(lines, total, page, rows)

    def sub_ledger(self, loan_id: int) -> list[JournalEntry]:
        return self.store.loan_entries(loan_id)
