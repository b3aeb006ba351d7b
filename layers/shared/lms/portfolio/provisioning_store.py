"""The provisioning policy, the allowance held per currency and each month's run, in the ledger
table (docs/data-model.md, "The portfolio's figures")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from lms.ledger.domain.entries import JournalEntry
from lms.ledger.store import LedgerStore, entry_item
from lms.money import ZERO
from lms.portfolio.provisioning import ProvisioningPolicy
from lms.storage.dynamo import Key, Table
from lms.storage.tables import ledger_table

POLICY_KEY = Key("PROVISIONING", "POLICY")


def allowance_key(currency: str) -> Key:
    return Key(f"PROVISIONING#{currency}", "ALLOWANCE")


def run_key(month: str, currency: str) -> Key:
    return Key(f"PROVISIONING_RUN#{month}", currency)


@dataclass(frozen=True)
class ProvisioningRun:
    month: str
    currency: str
    as_of: date
    required: Decimal
    held_before: Decimal
    booked: Decimal  # the provision's change: positive provides more, negative releases
    entry_id: str | None
    rows: list[dict[str, Any]]
    recorded_at: str
    used: Decimal = ZERO  # written off against the allowance by the charge-offs since the last run
    use_entry_id: str | None = None

    def item(self) -> dict[str, Any]:
        key = run_key(self.month, self.currency)
        return {
            "PK": key.pk,
            "SK": key.sk,
            "entity": "provisioningRun",
            "month": self.month,
            "currency": self.currency,
            "asOf": self.as_of.isoformat(),
            "required": self.required,
            "heldBefore": self.held_before,
            "booked": self.booked,
            "entryId": self.entry_id,
            "used": self.used,
            "useEntryId": self.use_entry_id,
            "rows": self.rows,
            "recordedAt": self.recorded_at,
        }

    @classmethod
    def of_item(cls, item: dict) -> ProvisioningRun:
        return cls(
            month=item["month"],
            currency=item["currency"],
            as_of=date.fromisoformat(item["asOf"]),
            required=item["required"],
            held_before=item["heldBefore"],
            booked=item["booked"],
            entry_id=item.get("entryId"),
            used=item.get("used", ZERO),
            use_entry_id=item.get("useEntryId"),
            rows=list(item["rows"]),
            recorded_at=item["recordedAt"],
        )


class ProvisioningStore:
    def __init__(self, table: Table | None = None):
        self.table = table or ledger_table()

    def policy(self) -> tuple[ProvisioningPolicy, dict | None]:
        item = self.table.get(POLICY_KEY)
        if item is None:
            return ProvisioningPolicy(), None
        rates = tuple((r["bucket"], Decimal(r["percent"])) for r in item["rates"])
        return ProvisioningPolicy(rates), item

    def put_policy(self, policy: ProvisioningPolicy, by: str, at: str) -> dict:
        item = {"PK": POLICY_KEY.pk, "SK": POLICY_KEY.sk, "entity": "provisioningPolicy", "rates": policy.wire()}
        item |= {"updatedAt": at, "updatedBy": by}
        self.table.put(item)
        return item

    def held(self, currency: str) -> tuple[Decimal, str | None]:
        item = self.table.get(allowance_key(currency)) or {}
        return item.get("allowance", ZERO), item.get("lastMonth")

    def run(self, month: str, currency: str) -> ProvisioningRun | None:
        item = self.table.get(run_key(month, currency))
        return ProvisioningRun.of_item(item) if item else None

    def book(self, run: ProvisioningRun, last_month: str | None, entries: list[JournalEntry]) -> None:
        """The run's record, the allowance now held and its entries, all or none."""
        table = self.table
        guard = "attribute_not_exists(PK)" if last_month is None else "lastMonth = :last"
        held = table.update_action(
            allowance_key(run.currency),
            "SET allowance = :a, lastMonth = :m, entity = :e",
            condition=guard,
            values_={":a": run.required, ":m": run.month, ":e": "loanLossAllowance"}
            | ({":last": last_month} if last_month is not None else {}),
        )
        record = table.put_action(run.item(), condition="attribute_not_exists(PK)")
        if not entries:
            table.transact_write([record, held])
            return
        first, *others = entries
        more = [table.put_action(entry_item(e), condition="attribute_not_exists(PK)") for e in others]
        LedgerStore(table).add_entry(first, also=[*more, record, held])
