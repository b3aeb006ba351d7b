"""The available balances of rail accounts, as items of the ledger table (lms.ledger.domain.funds).

Each funded account has FUNDS_SHARDS items `FUNDS#<account>` / `SHARD#<nn>` holding a part of its
available balance in `available`. Writers get transaction actions from here to put beside their
own items, so a funds change commits with what caused it or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from lms.ledger.domain.funds import FUNDS_SHARDS, plan_withdrawal, shard_for
from lms.money import ZERO
from lms.storage.dynamo import ItemRef, Key, Table, batch_get_across
from lms.storage.tables import ledger_table


def shard_key(account_id: str, shard: int) -> Key:
    return Key(f"FUNDS#{account_id}", f"SHARD#{shard:02d}")


@dataclass(frozen=True)
class FundsMove:
    """A change to an account's available balance: positive puts money in; negative takes it
    out, refused unless the shards hold it, or (`overdraw`) applied as it is (a correction of
    money that was never there: a reversed repayment)."""

    account_id: str
    amount: Decimal
    overdraw: bool = False


class FundsStore:
    def __init__(self, table: Table | None = None):
        self.table = table or ledger_table()

    def refs(self, account_id: str) -> list[ItemRef]:
        return [ItemRef.of(self.table.name, shard_key(account_id, s)) for s in range(FUNDS_SHARDS)]

    @staticmethod
    def shards_in(items: list[dict | None]) -> list[Decimal]:
        return [Decimal(item.get("available", ZERO)) if item else ZERO for item in items]

    def read(self, account_id: str, already: Mapping[ItemRef, dict | None] | None = None) -> list[Decimal]:
        """The account's shards: from `already` when the caller read them all with its other items,
        else read consistently in one round trip."""
        refs = self.refs(account_id)
        already = already or {}
        items = [already[r] for r in refs] if all(r in already for r in refs) else batch_get_across(refs)
        return self.shards_in(items)

    def available(self, account_id: str, already: Mapping[ItemRef, dict | None] | None = None) -> Decimal:
        return sum(self.read(account_id, already), ZERO)

    def actions(
        self, moves: list[FundsMove], seed: str, read: Mapping[ItemRef, dict | None] | None = None
    ) -> list[dict]:
        """Transaction actions for `moves`; the shards of an account money leaves are taken from
        `read` when the caller read them already, else read here. `seed` (the writer's commit)
        chooses the shards, so a retried write touches the same ones."""
        actions: list[dict] = []
        for move in moves:
            start = shard_for(f"{seed}#{move.account_id}")
            if move.amount > 0 or move.overdraw:
                actions.append(self._add(move.account_id, start, move.amount, None))
                continue
            shards = self.read(move.account_id, read)
            for shard, take in plan_withdrawal(move.account_id, shards, -move.amount, start):
                actions.append(self._add(move.account_id, shard, -take, take))
        return actions

    def _add(self, account_id: str, shard: int, amount: Decimal, must_hold: Decimal | None) -> dict:
        values: dict = {":amount": amount, ":e": "fundsShard", ":account": account_id}
        condition = None
        if must_hold is not None:
            condition = "available >= :held"
            values[":held"] = must_hold
        return self.table.update_action(
            shard_key(account_id, shard),
            "ADD available :amount SET entity = :e, accountId = :account",
            condition=condition,
            values_=values,
        )
