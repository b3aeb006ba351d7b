"""Revenue runs in the core table: one item per month and one per attempt, updated with ADD.

    REVENUE_RUN#<yyyy-MM> / RUN               the latest attempt's number, interest booked by every attempt
    REVENUE_RUN#<yyyy-MM> / ATTEMPT#<n:04>    one attempt's progress (counters only ever grow)

Workers report a batch at a time, so the counters take one update per batch, not per loan.
"""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal

from lms.observability import traced
from lms.revenue.run import Attempt, RevenueRun, RunStatus
from lms.storage.dynamo import ConditionFailed, Key, Table
from lms.storage.tables import ACCRUAL_SHARDS, BY_ACCRUAL, core_table


def _pk(month: date) -> str:
    return f"REVENUE_RUN#{month:%Y-%m}"


def run_key(month: date) -> Key:
    return Key(_pk(month), "RUN")


def attempt_key(month: date, number: int) -> Key:
    return Key(_pk(month), f"ATTEMPT#{number:04d}")


def _amounts(item: dict, prefix: str) -> dict[str, Decimal]:
    return {k[len(prefix) :]: v for k, v in item.items() if k.startswith(prefix)}


def _attempt(item: dict) -> Attempt:
    return Attempt(
        number=int(item["number"]),
        status=RunStatus(item["status"]),
        started_at=item["startedAt"],
        completed_at=item.get("completedAt"),
        shards=int(item["shards"]),
        shards_paged=int(item.get("shardsPaged", 0)),
        loans_queued=int(item.get("loansQueued", 0)),
        loans_done=int(item.get("loansDone", 0)),
        loans_accrued=int(item.get("loansAccrued", 0)),
        loans_failed=int(item.get("loansFailed", 0)),
        amounts=_amounts(item, "amount#"),
        errors=list(item.get("lastErrors", [])),
    )


@traced
class RevenueRunStore:
    def __init__(self, table: Table | None = None):
        self.table = table or core_table()

    def begin(self, month: date, started_at: str) -> Attempt:
        """A new attempt for the month (the first, or another after any number of earlier ones)."""
        item = self.table.update(
            run_key(month),
            "SET #month = :month, entity = :entity ADD #attempt :one",
            names={"#month": "month", "#attempt": "attempt"},
            values_={":month": f"{month:%Y-%m}", ":entity": "revenueRun", ":one": 1},
            return_values="UPDATED_NEW",
        )
        number = int(item["attempt"])
        key = attempt_key(month, number)
        attempt = {
            "PK": key.pk,
            "SK": key.sk,
            "entity": "revenueRunAttempt",
            "number": number,
            "status": RunStatus.RUNNING.value,
            "startedAt": started_at,
            "shards": ACCRUAL_SHARDS,
        }
        self.table.put(attempt, condition="attribute_not_exists(PK)")
        return _attempt(attempt)

    def get(self, month: date) -> RevenueRun | None:
        items = {i["SK"]: i for i in self.table.query("PK = :pk", {":pk": _pk(month)}, consistent=True)}
        run = items.get("RUN")
        if run is None:
            return None
        attempt = items[attempt_key(month, int(run["attempt"])).sk]
        return RevenueRun(month=month, attempt=_attempt(attempt), total_accrued=_amounts(run, "total#"))

    def paged(self, month: date, number: int, queued: int, shard_done: bool) -> Attempt:
        item = self.table.update(
            attempt_key(month, number),
            "ADD loansQueued :queued, shardsPaged :paged",
            values_={":queued": queued, ":paged": 1 if shard_done else 0},
        )
        return _attempt(item)

    def record(
        self,
        month: date,
        number: int,
        *,
        done: int,
        accrued: int,
        failed: int,
        amounts: dict[str, Decimal],
        errors: list[dict[str, str]],
    ) -> Attempt:
        names: dict[str, str] = {}
        values: dict = {":done": done, ":accrued": accrued, ":failed": failed}
        adds = ["loansDone :done", "loansAccrued :accrued", "loansFailed :failed"]
        for index, (currency, amount) in enumerate(sorted(amounts.items())):
            names[f"#a{index}"] = f"amount#{currency}"
            values[f":a{index}"] = amount
            adds.append(f"#a{index} :a{index}")
        expression = "ADD " + ", ".join(adds)
        if errors:
            values[":errors"] = errors
            expression = "SET lastErrors = :errors " + expression
        item = self.table.update(attempt_key(month, number), expression, names=names or None, values_=values)
        if amounts:
            self.table.update(
                run_key(month),
                "ADD " + ", ".join(f"#t{i} :t{i}" for i in range(len(amounts))),
                names={f"#t{i}": f"total#{c}" for i, c in enumerate(sorted(amounts))},
                values_={f":t{i}": a for i, (_, a) in enumerate(sorted(amounts.items()))},
            )
        return _attempt(item)

    def complete(self, month: date, number: int, at: str) -> None:
        # Another worker may have seen the last batch finish first.
        with contextlib.suppress(ConditionFailed):
            self.table.update(
                attempt_key(month, number),
                "SET #status = :completed, completedAt = :at",
                condition="#status = :running",
                names={"#status": "status"},
                values_={":completed": RunStatus.COMPLETED.value, ":running": RunStatus.RUNNING.value, ":at": at},
            )

    def loans_due(self, month_after: date, shard: int, start: dict | None, limit: int) -> tuple[list[int], dict | None]:
        """A page of loan ids whose first month still to book is before `month_after`, in one shard."""
        items, last = self.table.query_page(
            "AccrualPK = :shard AND AccrualSK < :before",
            {":shard": f"ACCRUE#{shard}", ":before": f"{month_after:%Y-%m}"},
            index=BY_ACCRUAL,
            limit=limit,
            start=start,
        )
        return [int(i["AccrualSK"].rsplit("#", 1)[1]) for i in items], last
