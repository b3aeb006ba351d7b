"""Ledger use cases: the chart, manual journal entries (draft, post, reverse) and lists."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from lms import clock
from lms.config import get_settings
from lms.errors import Aborted, FailedPrecondition, InvalidArgument, PermissionDenied
from lms.ids import new_ulid
from lms.ledger.domain import entries as journal
from lms.ledger.domain.accounts import Account, AccountType, default_chart
from lms.ledger.domain.entries import EntryStatus, JournalEntry, JournalLine
from lms.ledger.domain.funds import is_funded_role, net_moves
from lms.ledger.funds import FundsMove, FundsStore
from lms.ledger.loan_projection import project_loan_journal
from lms.ledger.projection import apply_posted_entry
from lms.ledger.store import LedgerStore, account_from_item, entry_from_item
from lms.loans.storage.item_format import JournalChange
from lms.money import is_supported_currency
from lms.observability import traced
from lms.storage.dynamo import ConditionFailed, deserialize
from lms.storage.pagination import Page, PageAt, load_page

# Writers racing for one account's funds shards retry; each attempt reads them afresh.
MAX_FUNDS_ATTEMPTS = 10


def new_entry_id() -> str:
    return f"je_{new_ulid().lower()}"


@traced
class LedgerService:
    def __init__(self, store: LedgerStore | None = None):
        self.store = store or LedgerStore()
        self.funds = FundsStore(self.store.table)

    # ------------------------------------------------------------------ chart
    def ensure_chart(self, currency: str) -> int:
        """Create the default chart's accounts for `currency` that do not exist yet."""
        base = get_settings().base_currency
        chart = default_chart(currency, base, clock.timestamp())
        existing = self.store.accounts(a.id for a in chart)
        created = 0
        for account in chart:
            # Another process may create the same account at the same moment: the chart is the same either way.
            if account.id not in existing and self.store.add_account(account, if_absent=True):
                created += 1
        return created

    def create_account(
        self,
        code: str,
        name: str,
        account_type: AccountType,
        parent_id: str | None,
        description: str | None,
        currency: str | None,
    ) -> Account:
        currency = currency or get_settings().base_currency
        if not is_supported_currency(currency):
            raise InvalidArgument.field("currency", f"unsupported currency {currency!r}")
        if parent_id is not None:
            parent = self.store.accounts([parent_id]).get(parent_id)
            if parent is None:
                raise InvalidArgument.field("parentId", f"account {parent_id!r} does not exist")
            if parent.currency != currency:
                raise InvalidArgument.field("parentId", f"the parent account is in {parent.currency}, not {currency}")
        account = Account(
            id=code,
            code=code,
            name=name,
            account_type=account_type,
            currency=currency,
            parent_id=parent_id,
            description=description,
            created_at=clock.timestamp(),
        )
        self.store.add_account(account)
        return account

    # ------------------------------------------------------------------ manual entries
    def _checked(self, entry: JournalEntry) -> JournalEntry:
        accounts = self.store.accounts(line.account_id for line in entry.lines)
        currencies = {a.currency for a in accounts.values()}
        currency = currencies.pop() if len(currencies) == 1 else get_settings().base_currency
        lines = journal.check_lines(entry.lines, currency, accounts)
        return entry.model_copy(update={"lines": lines, "currency": currency})

    def create_draft(self, fields: dict, lines: list[JournalLine], by: str) -> JournalEntry:
        entry = self._checked(
            JournalEntry(
                id=new_entry_id(), currency="", lines=lines, recorded_at=clock.timestamp(), created_by=by, **fields
            )
        )
        self.store.add_entry(entry)
        return entry

    def update_draft(self, entry_id: str, fields: dict, lines: list[JournalLine]) -> JournalEntry:
        current = self.store.entry(entry_id)
        journal.ensure_editable(current)
        self._ensure_manual(current)
        updated = self._checked(current.model_copy(update={**fields, "lines": lines}))
        self.store.replace_draft(updated)
        return updated

    def post(self, entry_id: str) -> JournalEntry:
        posted = journal.post(self.store.entry(entry_id), clock.timestamp())
        self._with_funds(posted, lambda also: self.store.replace_draft(posted, also))
        return posted

    def _with_funds(self, entry: JournalEntry, write: Callable[[list[dict]], None]) -> None:
        """`write` the entry with what it moves in or out of rail accounts' available balances
        (lms.ledger.domain.funds): money out only if it is there (402). A race for an account's
        shards is lost by one writer, who reads them again."""
        accounts = self.store.accounts(line.account_id for line in entry.lines)
        funded = [a.id for a in accounts.values() if is_funded_role(a.role)]
        moves = [FundsMove(account, amount) for account, amount in net_moves(entry.lines, funded).items()]
        for attempt in range(MAX_FUNDS_ATTEMPTS):
            try:
                write(self.funds.actions(moves, seed=entry.id))
                return
            except Aborted:
                if attempt == MAX_FUNDS_ATTEMPTS - 1:
                    raise
                time.sleep(random.uniform(0, min(0.5, 0.02 * 2**attempt)))

    def reverse(self, entry_id: str, reason: str, on: date | None, by: str) -> tuple[JournalEntry, JournalEntry]:
        original = self.store.entry(entry_id)
        self._ensure_manual(original)
        on = on or max(original.entry_date, clock.today())
        if on < original.entry_date:
            raise PermissionDenied(
                f"A reversal cannot be dated before the entry it reverses ({original.entry_date})",
                reason="DATE_TOO_EARLY",
            )
        reversal = journal.reversal_of(original, new_entry_id(), on, reason, clock.timestamp(), by)
        marked = journal.mark_reversed(original, reversal.id)
        self._with_funds(reversal, lambda also: self.store.record_reversal(marked, reversal, also))
        return marked, reversal

    @staticmethod
    def _ensure_manual(entry: JournalEntry) -> None:
        if entry.source != "manual":
            raise FailedPrecondition(
                f"Journal entry {entry.id} was posted by loan {entry.loan_id}'s {entry.reference_type}; "
                "reverse the loan transaction instead",
                reason="SYSTEM_ENTRY",
            )

    def post_opening_entry(self, entry: JournalEntry) -> bool:
        """Record a posted entry once (bootstrap's opening balances); False if already there."""
        checked = self._checked(entry)
        try:
            self._with_funds(checked, lambda also: self.store.add_entry(checked, also))
        except ConditionFailed:
            return False
        return True

    # ------------------------------------------------------------------ projections (table streams)
    def apply_streamed_entry(self, new_image: Mapping[str, Any]) -> JournalEntry | None:
        """Apply the lines and totals of the entry a ledger stream record carries (its NewImage).

        The entry if it was applied now; None if it does not count or was applied before.
        """
        entry = entry_from_item(deserialize(new_image))
        return entry if apply_posted_entry(self.store, entry) else None

    def project_loan_entries(self, change: JournalChange) -> int:
        """Copy the journal entries a loan item's change committed here (its stream record, read by
        lms.loans.storage.item_format)."""
        return project_loan_journal(self.store, change)

    # ------------------------------------------------------------------ reads
    def account(self, account_id: str) -> Account:
        return self.store.account(account_id)

    def list_accounts(self, page: PageAt, rows: int) -> Page[Account]:
        return load_page(self.store.table, self.store.account_keys(), page, rows, account_from_item)

    def entry(self, entry_id: str) -> JournalEntry:
        return self.store.entry(entry_id)

    def list_entries(
        self, page: PageAt, rows: int, start: date | None, end: date | None, status: EntryStatus | None
    ) -> Page[JournalEntry]:
        return load_page(self.store.table, self.store.entry_keys(start, end, status), page, rows, entry_from_item)
