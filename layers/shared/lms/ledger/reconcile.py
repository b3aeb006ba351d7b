"""Recompute every account's per-day totals and its running totals from its journal lines, and
report each difference (a running totals' difference has the day `ALL`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from lms.ledger.store import LedgerStore
from lms.money import ZERO
from lms.storage.dynamo import batch_get_across


@dataclass(frozen=True)
class Difference:
    account_id: str
    day: str
    expected_debit: Decimal
    expected_credit: Decimal
    actual_debit: Decimal
    actual_credit: Decimal


def reconcile(store: LedgerStore | None = None) -> tuple[int, list[Difference]]:
    """(accounts checked, differences between stored day totals and the sums of the lines)."""
    store = store or LedgerStore()
    differences: list[Difference] = []
    accounts = store.all_accounts()
    for account in accounts:
        expected: dict[str, tuple[Decimal, Decimal]] = defaultdict(lambda: (ZERO, ZERO))
        for line in store.lines_of_account(account.id):
            debit, credit = expected[line["entryDate"]]
            expected[line["entryDate"]] = (debit + line["debit"], credit + line["credit"])
        actual = store.day_totals(account.id)
        for day in sorted(set(expected) | set(actual)):
            want = expected.get(day, (ZERO, ZERO))
            have = actual.get(day, (ZERO, ZERO))
            if want != have:
                differences.append(Difference(account.id, day, *want, *have))
        all_days = (
            sum((d for d, _ in expected.values()), ZERO),
            sum((c for _, c in expected.values()), ZERO),
        )
        _, *running = store.current_totals(account.id, batch_get_across(store.current_balance_refs(account.id)))
        if tuple(running) != all_days:
            differences.append(Difference(account.id, "ALL", *all_days, *running))
    return len(accounts), differences
