"""The portfolio's items in the ledger table (docs/data-model.md, "Portfolio").

- `PORTFOLIO_LOAN#<loan id>` / `FIGURES`: what the loan adds now and the head version that said
  so. A commit's change is computed against it, so a redelivered or older stream record changes
  nothing.
- `PORTFOLIO#<currency>#<scope>` / `DAY#<date>#<shard>`: the changes of one business date, one item
  per shard (a stable hash of the loan id, so a loan always writes the same one), its cells'
  figures ADDed. `closed` once the date is recorded: a change for it then goes to a later date.
- `PORTFOLIO#<currency>#<scope>` / `RECORD#<date>`: the portfolio at the end of a business date, as
  the daily run recorded it (the day before's record plus the day's changes).

A scope is ALL, `O<office>`, `P<product>` or `O<office>P<product>`; a report reads one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from lms.portfolio.figures import LoanFigures, ScopeKey
from lms.storage.dynamo import ConditionFailed, Key, Table
from lms.storage.tables import ledger_table

PORTFOLIO_SHARDS = 8
DAY = "DAY#"
RECORD = "RECORD#"
LAST_DAY = "9999-12-31"


def portfolio_shard(loan_id: int) -> int:
    """A stable hash, not `id % n`: loans created together fall due together."""
    digest = hashlib.sha256(f"portfolio:{loan_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % PORTFOLIO_SHARDS


def scope_partition(currency: str, scope: str) -> str:
    return f"PORTFOLIO#{currency}#{scope}"


def day_key(currency: str, scope: str, day: date, shard: int) -> Key:
    return Key(scope_partition(currency, scope), f"{DAY}{day.isoformat()}#{shard:02d}")


def record_key(currency: str, scope: str, day: date) -> Key:
    return Key(scope_partition(currency, scope), f"{RECORD}{day.isoformat()}")


def contribution_key(loan_id: int) -> Key:
    return Key(f"PORTFOLIO_LOAN#{loan_id}", "FIGURES")


def _item_key(key: Key) -> dict[str, str]:
    return {"PK": key.pk, "SK": key.sk}


def day_of(sk: str) -> date:
    """The business date of a day's or a record's sort key."""
    return date.fromisoformat(sk.split("#")[1])


@dataclass(frozen=True)
class Contribution:
    version: int
    figures: LoanFigures | None


class DayClosed(Exception):
    """The business date a change was for is recorded already."""


class ContributionMoved(Exception):
    """Another delivery of the loan's stream changed its contribution first."""


class PortfolioStore:
    def __init__(self, table: Table | None = None):
        self.table = table or ledger_table()

    def contribution(self, loan_id: int) -> Contribution | None:
        item = self.table.get(contribution_key(loan_id))
        if item is None:
            return None
        figures = LoanFigures.of_stored(item) if "currency" in item else None
        return Contribution(int(item["version"]), figures)

    def apply(
        self,
        loan_id: int,
        expected: Contribution | None,
        version: int,
        after: LoanFigures | None,
        delta: Mapping[ScopeKey, Mapping[str, Decimal]],
        day: date,
    ) -> None:
        """One transaction: the loan's new contribution (conditional on the one the change was
        computed from) and the change ADDed to the day's item of each scope, unless it is closed."""
        contribution: dict[str, Any] = {
            **_item_key(contribution_key(loan_id)),
            "entity": "portfolioLoan",
            "version": version,
        }
        if after is not None:
            contribution |= after.stored()
        if expected is None:
            guard: dict[str, Any] = {"condition": "attribute_not_exists(PK)"}
        else:
            guard = {"condition": "version = :v", "values_": {":v": expected.version}}
        shard = portfolio_shard(loan_id)
        actions = [self.table.put_action(contribution, **guard)]
        for (currency, scope), changes in sorted(delta.items()):
            names = {f"#f{n}": name for n, name in enumerate(sorted(changes))}
            values = {f":f{n}": changes[name] for n, name in enumerate(sorted(changes))}
            adds = ", ".join(f"#f{n} :f{n}" for n in range(len(names)))
            actions.append(
                self.table.update_action(
                    day_key(currency, scope, day, shard),
                    f"ADD {adds} SET entity = :e",
                    condition="attribute_not_exists(closed)",
                    names=names,
                    values_={**values, ":e": "portfolioDay"},
                )
            )
        try:
            self.table.transact_write(actions)
        except ConditionFailed as failure:
            codes = [r.get("Code") for r in failure.reasons or []]
            if codes and codes[0] == "ConditionalCheckFailed":
                raise ContributionMoved() from failure
            if "ConditionalCheckFailed" in codes:
                raise DayClosed() from failure
            raise

    def latest_record(self, currency: str, scope: str, before: date | None = None) -> dict | None:
        """The newest record, or the newest dated before `before`."""
        upper = f"{RECORD}{before.isoformat()}" if before else f"{RECORD}{LAST_DAY}~"
        items, _ = self.table.query_page(
            "PK = :pk AND SK BETWEEN :lo AND :hi",
            {":pk": scope_partition(currency, scope), ":lo": RECORD, ":hi": upper},
            forward=False,
            limit=2,
            consistent=True,
        )
        found = [i for i in items if before is None or day_of(i["SK"]) < before]
        return found[0] if found else None

    def days(self, currency: str, scope: str, after: date | None, through: date | None) -> list[dict]:
        """The day items of dates after `after` (all, for None) up to `through` (no end, for None)."""
        low = f"{DAY}{after.isoformat()}#~" if after else DAY
        high = f"{DAY}{(through.isoformat() if through else LAST_DAY)}#~"
        return list(
            self.table.query(
                "PK = :pk AND SK BETWEEN :lo AND :hi",
                {":pk": scope_partition(currency, scope), ":lo": low, ":hi": high},
                consistent=True,
            )
        )

    def close_day(self, currency: str, scope: str, day: date, shard: int) -> dict:
        """Close one shard of a day and answer its final figures: a change that comes after goes to
        a later date (the projection's condition), so the record made from them stays true."""
        return self.table.update(
            day_key(currency, scope, day, shard),
            "SET closed = :t, entity = :e",
            values_={":t": True, ":e": "portfolioDay"},
            return_values="ALL_NEW",
        )

    def record(self, currency: str, scope: str, day: date) -> dict | None:
        return self.table.get(record_key(currency, scope, day), consistent=False)

    def put_record(self, currency: str, scope: str, day: date, cells: Mapping[str, Decimal], recorded_at: str) -> None:
        item = {
            **_item_key(record_key(currency, scope, day)),
            "entity": "portfolioRecord",
            "recordedAt": recorded_at,
            **cells,
        }
        self.table.put(item)
