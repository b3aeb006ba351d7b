"""The ledger table: accounts, journal entries, their lines and per-account per-day totals.

Entries are the journal. Lines and totals are derived from it by the totals projection (the
ledger table's stream), so a balance never reads every line and is never a number a write sets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lms.errors import Aborted, AlreadyExists, FailedPrecondition, NotFound
from lms.ledger.domain.accounts import Account
from lms.ledger.domain.entries import EntryStatus, JournalEntry
from lms.money import ZERO
from lms.observability import traced
from lms.storage.dynamo import TRANSACT_GET_LIMIT, ConditionFailed, ItemRef, Key, Table
from lms.storage.pagination import KeyQuery
from lms.storage.tables import BY_PARENT, BY_TYPE, ledger_table

BY_ACCOUNT = "ByAccount"
TOTAL_SHARDS = 8  # a hot account's day is spread over this many items


def account_key(account_id: str) -> Key:
    return Key(f"ACCOUNT#{account_id}", "ACCOUNT")


def running_total_key(account_id: str, shard: int) -> Key:
    # "ALL#" sorts after every date, so day-total queries (SK <= "<date>#~") never include it.
    return Key(f"TOTAL#{account_id}", f"ALL#{shard:02d}")


def entries_applied_key(currency: str, shard: int) -> Key:
    """How many posted entries of the currency the projection has applied to this shard, and the
    last one: a trial balance read with the shard's totals says up to which entry it holds."""
    return Key(f"TOTAL#ENTRIES#{currency}", f"ALL#{shard:02d}")


@dataclass(frozen=True)
class EntriesApplied:
    entries: int = 0
    last_entry_id: str | None = None
    last_recorded_at: str | None = None


def entry_key(entry_id: str) -> Key:
    return Key(f"ENTRY#{entry_id}", "ENTRY")


def total_shard(entry_id: str) -> int:
    return int(hashlib.sha256(entry_id.encode()).hexdigest(), 16) % TOTAL_SHARDS


def _failed(failure: ConditionFailed, index: int) -> bool:
    """Whether the transaction's action at `index` is one whose condition failed."""
    reasons = failure.reasons or []
    return index < len(reasons) and reasons[index].get("Code") == "ConditionalCheckFailed"


def _first_failed(failure: ConditionFailed) -> bool:
    return _failed(failure, 0)


def entry_item(entry: JournalEntry) -> dict:
    key = entry_key(entry.id)
    item = {
        "PK": key.pk,
        "SK": key.sk,
        "entity": "journalEntry",
        "status": entry.status.value,
        "TypePK": "ENTRY",
        "TypeSK": f"{entry.entry_date.isoformat()}#{entry.recorded_at}#{entry.id}",
        "state": entry.model_dump_json(),
    }
    if entry.loan_id is not None:
        item["ParentPK"] = f"LOAN#{entry.loan_id}"
        item["ParentSK"] = f"{entry.entry_date.isoformat()}#{entry.recorded_at}#{entry.id}"
    return item


def entry_from_item(item: dict) -> JournalEntry:
    return JournalEntry.model_validate_json(item["state"])


def account_from_item(item: dict) -> Account:
    return Account.model_validate_json(item["state"])


@traced
class LedgerStore:
    def __init__(self, table: Table | None = None):
        self.table = table or ledger_table()

    # ------------------------------------------------------------------ accounts
    def add_account(self, account: Account, if_absent: bool = False) -> bool:
        """Store a new account; a code in use is 409, or just False with `if_absent`."""
        key = account_key(account.id)
        try:
            self.table.put(
                {
                    "PK": key.pk,
                    "SK": key.sk,
                    "entity": "account",
                    "TypePK": "ACCOUNT",
                    "TypeSK": account.id,
                    "currency": account.currency,
                    "state": account.model_dump_json(),
                },
                condition="attribute_not_exists(PK)",
            )
        except ConditionFailed:
            if if_absent:
                return False
            raise AlreadyExists(
                f"An account with code {account.code!r} already exists", reason="DUPLICATE_CODE"
            ) from None
        return True

    def account(self, account_id: str) -> Account:
        item = self.table.get(account_key(account_id))
        if not item:
            raise NotFound(f"Account {account_id} does not exist", reason="ACCOUNT_NOT_FOUND")
        return account_from_item(item)

    def accounts(self, ids: Iterable[str]) -> dict[str, Account]:
        keys = [account_key(i) for i in dict.fromkeys(ids)]
        return {a.id: a for a in map(account_from_item, self.table.batch_get(keys))}

    def all_accounts(self) -> list[Account]:
        keys = [Key(i["PK"], i["SK"]) for i in self.table.query("TypePK = :t", {":t": "ACCOUNT"}, index=BY_TYPE)]
        return [account_from_item(item) for item in self.table.batch_get(keys)]

    def account_keys(self) -> KeyQuery:
        return KeyQuery("TypePK = :t", {":t": "ACCOUNT"}, index=BY_TYPE)

    # ------------------------------------------------------------------ entries
    def add_entry(self, entry: JournalEntry, also: list[dict] | None = None) -> None:
        if also:
            self.table.transact_write(
                [self.table.put_action(entry_item(entry), condition="attribute_not_exists(PK)"), *also]
            )
        else:
            self.table.put(entry_item(entry), condition="attribute_not_exists(PK)")

    def entry(self, entry_id: str) -> JournalEntry:
        item = self.table.get(entry_key(entry_id))
        if not item:
            raise NotFound(f"Journal entry {entry_id} does not exist", reason="ENTRY_NOT_FOUND")
        return entry_from_item(item)

    def replace_draft(self, entry: JournalEntry, also: list[dict] | None = None) -> None:
        """Write a draft's new content, or its posting, only if it is still a draft; `also`
        (funds changes) with it in one transaction. A failed condition of `also` is Aborted."""
        put = {"condition": "#status = :draft", "names": {"#status": "status"}, "values_": {":draft": "draft"}}
        try:
            if also:
                self.table.transact_write([self.table.put_action(entry_item(entry), **put), *also])
            else:
                self.table.put(entry_item(entry), **put)
        except ConditionFailed as failure:
            if also and not _first_failed(failure):
                raise Aborted(
                    f"Journal entry {entry.id}: the funds it moves changed; retry", reason="FUNDS_CHANGED"
                ) from None
            raise FailedPrecondition(
                f"Journal entry {entry.id} is already posted", reason="ENTRY_ALREADY_POSTED"
            ) from None

    def record_reversal(self, original: JournalEntry, reversal: JournalEntry, also: list[dict] | None = None) -> None:
        """Store the reversal and mark the original in one transaction, with `also` (funds
        changes); only one reversal can win. A failed condition of `also` is Aborted."""
        try:
            self.table.transact_write(
                [
                    self.table.put_action(entry_item(reversal), condition="attribute_not_exists(PK)"),
                    self.table.put_action(
                        entry_item(original),
                        condition="#status = :posted",
                        names={"#status": "status"},
                        values_={":posted": EntryStatus.POSTED.value},
                    ),
                    *(also or []),
                ]
            )
        except ConditionFailed as failure:
            if also and not any(_failed(failure, i) for i in (0, 1)):
                raise Aborted(
                    f"Journal entry {original.id}: the funds its reversal moves changed; retry", reason="FUNDS_CHANGED"
                ) from None
            raise FailedPrecondition(
                f"Journal entry {original.id} is already reversed", reason="ENTRY_ALREADY_REVERSED"
            ) from None

    def entry_keys(self, start: date | None, end: date | None, status: EntryStatus | None = None) -> KeyQuery:
        """Keys of entries by business date (ByType projects `status`, so a status filter is cheap)."""
        low = start.isoformat() if start else "0000"
        high = (end.isoformat() if end else "9999") + "#~"
        values = {":t": "ENTRY", ":low": low, ":high": high}
        if status is not None:
            values[":s"] = status.value
        return KeyQuery(
            "TypePK = :t AND TypeSK BETWEEN :low AND :high",
            values,
            index=BY_TYPE,
            filter_="#status = :s" if status is not None else None,
            names={"#status": "status"} if status is not None else None,
        )

    def loan_entries(self, loan_id: int) -> list[JournalEntry]:
        keys = [
            Key(i["PK"], i["SK"])
            for i in self.table.query("ParentPK = :p", {":p": f"LOAN#{loan_id}"}, index=BY_PARENT, projection="PK, SK")
        ]
        return [entry_from_item(i) for i in self.table.batch_get(keys)]

    # ------------------------------------------------------------------ lines and totals
    def lines_of_account(self, account_id: str, start: date | None = None, end: date | None = None) -> Iterator[dict]:
        low = start.isoformat() if start else "0000"
        high = (end.isoformat() if end else "9999") + "#~"
        return self.table.query(
            "AcctPK = :a AND AcctSK BETWEEN :low AND :high",
            {":a": f"ACCOUNT#{account_id}", ":low": low, ":high": high},
            index=BY_ACCOUNT,
        )

    def day_totals(self, account_id: str, until: date | None = None) -> dict[str, tuple[Decimal, Decimal]]:
        """Debits and credits per business day (shards summed), up to and including `until`."""
        high = (until.isoformat() if until else "9999") + "#~"
        days: dict[str, tuple[Decimal, Decimal]] = {}
        for item in self.table.query(
            "PK = :p AND SK <= :high", {":p": f"TOTAL#{account_id}", ":high": high}, consistent=True
        ):
            day = item["SK"].split("#")[0]
            debit, credit = days.get(day, (ZERO, ZERO))
            days[day] = (debit + item.get("debit", ZERO), credit + item.get("credit", ZERO))
        return days

    def current_balance_refs(self, account_id: str) -> list[ItemRef]:
        """What an account's current balance is read from: the account and its running totals."""
        return [
            ItemRef.of(self.table.name, account_key(account_id)),
            *(ItemRef.of(self.table.name, running_total_key(account_id, s)) for s in range(TOTAL_SHARDS)),
        ]

    @staticmethod
    def current_totals(account_id: str, items: list[dict | None]) -> tuple[Account, Decimal, Decimal]:
        """The account and its debits and credits to date, from the items of `current_balance_refs`."""
        account_item, *totals = items
        if not account_item:
            raise NotFound(f"Account {account_id} does not exist", reason="ACCOUNT_NOT_FOUND")
        found = [t for t in totals if t]
        return (
            account_from_item(account_item),
            sum((t.get("debit", ZERO) for t in found), ZERO),
            sum((t.get("credit", ZERO) for t in found), ZERO),
        )

    def shard_snapshot(
        self, account_ids: list[str], shard: int, currency: str
    ) -> tuple[dict[str, tuple[Decimal, Decimal]], EntriesApplied]:
        """The running totals of one shard of `account_ids` (debits, credits), read as one snapshot.

        Each posted entry moves exactly one shard of every account it touches, in one transaction
        (lms.ledger.projection), and has one currency: so the shard's totals over a currency's
        accounts change only by whole, balanced entries, and a snapshot of them balances by itself
        whatever is being posted. Up to TRANSACT_GET_LIMIT accounts are one snapshot; a longer list
        is read in parts, which the caller checks (a part may see an entry the other did not). The
        first part also reads the shard's count of applied entries (`entries_applied_key`)."""
        totals: dict[str, tuple[Decimal, Decimal]] = {}
        applied = EntriesApplied()
        per_part = TRANSACT_GET_LIMIT - 1
        for start in range(0, len(account_ids), per_part):
            part = account_ids[start : start + per_part]
            keys = [running_total_key(a, shard) for a in part]
            if start == 0:
                keys.append(entries_applied_key(currency, shard))
            items = self.table.transact_get(keys)
            if start == 0:
                marker = items.pop() or {}
                applied = EntriesApplied(
                    int(marker.get("entries", 0)), marker.get("lastEntryId"), marker.get("lastRecordedAt")
                )
            for account_id, item in zip(part, items, strict=True):
                found = item or {}
                totals[account_id] = (found.get("debit", ZERO), found.get("credit", ZERO))
        return totals, applied

    def totals_until(self, account_id: str, until: date | None = None) -> tuple[Decimal, Decimal]:
        days = self.day_totals(account_id, until)
        return sum((d for d, _ in days.values()), ZERO), sum((c for _, c in days.values()), ZERO)
