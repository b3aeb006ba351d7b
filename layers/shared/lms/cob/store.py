"""Close-of-business runs in the core table: one item per business date and one per attempt.

    COB_RUN#<yyyy-MM-dd> / RUN               the current attempt's number and when it started or last moved
    COB_RUN#<yyyy-MM-dd> / ATTEMPT#<n:04>    one attempt's progress (counters only ever grow)

Workers report a batch at a time, so the counters take one update per batch of loans, not per loan.
"""

from __future__ import annotations

import contextlib
from datetime import date

from lms.cob.run import COB_SHARDS, CobAttempt, CobRun, CobStatus
from lms.loans.storage.item_format import loan_id_of_partition
from lms.observability import traced
from lms.storage.dynamo import ConditionFailed, Key, Table
from lms.storage.tables import COB_DUE_INDEX, core_table


def _pk(business_date: date) -> str:
    return f"COB_RUN#{business_date.isoformat()}"


def run_key(business_date: date) -> Key:
    return Key(_pk(business_date), "RUN")


def attempt_key(business_date: date, number: int) -> Key:
    return Key(_pk(business_date), f"ATTEMPT#{number:04d}")


def _attempt(item: dict) -> CobAttempt:
    return CobAttempt(
        number=int(item["number"]),
        status=CobStatus(item["status"]),
        started_at=item["startedAt"],
        updated_at=item.get("updatedAt"),
        completed_at=item.get("completedAt"),
        shards=int(item["shards"]),
        shards_paged=int(item.get("shardsPaged", 0)),
        loans_queued=int(item.get("loansQueued", 0)),
        loans_done=int(item.get("loansDone", 0)),
        loans_closed=int(item.get("loansClosed", 0)),
        loans_failed=int(item.get("loansFailed", 0)),
        penalties_charged=int(item.get("penaltiesCharged", 0)),
        penalties_removed=int(item.get("penaltiesRemoved", 0)),
        buckets={k.removeprefix("bucket#"): int(v) for k, v in item.items() if k.startswith("bucket#")},
        errors=list(item.get("lastErrors", [])),
    )


@traced
class CobRunStore:
    def __init__(self, table: Table | None = None):
        self.table = table or core_table()

    def begin(self, business_date: date, now: str, stale_before: str) -> CobAttempt | None:
        """A new attempt for the date: the first, or another once the current one completed or went
        stale. None when an attempt is running (the caller answers with it; nothing is queued)."""
        try:
            item = self.table.update(
                run_key(business_date),
                "SET businessDate = :date, entity = :entity, activeSince = :now,"
                " #attempt = if_not_exists(#attempt, :zero) + :one",
                condition="attribute_not_exists(PK) OR completedAttempt = #attempt OR activeSince < :stale",
                names={"#attempt": "attempt"},
                values_={
                    ":date": business_date.isoformat(),
                    ":entity": "cobRun",
                    ":now": now,
                    ":zero": 0,
                    ":one": 1,
                    ":stale": stale_before,
                },
                return_values="UPDATED_NEW",
            )
        except ConditionFailed:
            return None
        number = int(item["attempt"])
        key = attempt_key(business_date, number)
        attempt = {
            "PK": key.pk,
            "SK": key.sk,
            "entity": "cobRunAttempt",
            "number": number,
            "status": CobStatus.RUNNING.value,
            "startedAt": now,
            "shards": COB_SHARDS,
        }
        self.table.put(attempt, condition="attribute_not_exists(PK)")
        return _attempt(attempt)

    def get(self, business_date: date) -> CobRun | None:
        items = {i["SK"]: i for i in self.table.query("PK = :pk", {":pk": _pk(business_date)}, consistent=True)}
        run = items.get("RUN")
        if run is None:
            return None
        attempt = items.get(attempt_key(business_date, int(run["attempt"])).sk)
        if attempt is None:  # begun this instant: its attempt item is being written
            return None
        return CobRun(business_date=business_date, attempt=_attempt(attempt))

    def paged(self, business_date: date, number: int, queued: int, shard_done: bool, now: str) -> CobAttempt:
        item = self.table.update(
            attempt_key(business_date, number),
            "SET updatedAt = :now ADD loansQueued :queued, shardsPaged :paged",
            values_={":queued": queued, ":paged": 1 if shard_done else 0, ":now": now},
        )
        self._moved(business_date, number, now)
        return _attempt(item)

    def record(
        self,
        business_date: date,
        number: int,
        *,
        now: str,
        done: int,
        closed: int,
        failed: int,
        penalties_charged: int,
        penalties_removed: int,
        buckets: dict[str, int],
        errors: list[dict[str, str]],
    ) -> CobAttempt:
        names: dict[str, str] = {}
        values: dict = {
            ":now": now,
            ":done": done,
            ":closed": closed,
            ":failed": failed,
            ":charged": penalties_charged,
            ":removed": penalties_removed,
        }
        adds = [
            "loansDone :done",
            "loansClosed :closed",
            "loansFailed :failed",
            "penaltiesCharged :charged",
            "penaltiesRemoved :removed",
        ]
        for index, (bucket, count) in enumerate(sorted(buckets.items())):
            names[f"#b{index}"] = f"bucket#{bucket}"
            values[f":b{index}"] = count
            adds.append(f"#b{index} :b{index}")
        sets = ["updatedAt = :now"]
        if errors:
            values[":errors"] = errors
            sets.append("lastErrors = :errors")
        expression = "SET " + ", ".join(sets) + " ADD " + ", ".join(adds)
        item = self.table.update(attempt_key(business_date, number), expression, names=names or None, values_=values)
        return _attempt(item)

    def complete(self, business_date: date, number: int, at: str) -> bool:
        """Mark the attempt completed; False if another worker saw the last batch finish first."""
        try:
            self.table.update(
                attempt_key(business_date, number),
                "SET #status = :completed, completedAt = :at",
                condition="#status = :running",
                names={"#status": "status"},
                values_={":completed": CobStatus.COMPLETED.value, ":running": CobStatus.RUNNING.value, ":at": at},
            )
        except ConditionFailed:
            return False
        # A start after this begins a new attempt (for the loans that failed, if any).
        with contextlib.suppress(ConditionFailed):
            self.table.update(
                run_key(business_date),
                "SET completedAttempt = :n",
                condition="#attempt = :n",
                names={"#attempt": "attempt"},
                values_={":n": number},
            )
        return True

    def _moved(self, business_date: date, number: int, now: str) -> None:
        """The attempt made progress: it is not stale (paging is once per 1,000 loans, so this is cheap)."""
        with contextlib.suppress(ConditionFailed):
            self.table.update(
                run_key(business_date),
                "SET activeSince = :now",
                condition="#attempt = :n",
                names={"#attempt": "attempt"},
                values_={":n": number, ":now": now},
            )

    def loans_due(
        self, business_date: date, shard: int, start: dict | None, limit: int
    ) -> tuple[list[int], dict | None]:
        """A page of the ids of loans with something due on or before the date, in one shard of the
        sparse CobDueIndex (loans with nothing due are not in it, so they cost nothing)."""
        items, last = self.table.query_page(
            "cobShard = :shard AND cobDue <= :date",
            {":shard": f"COB#{shard}", ":date": business_date.isoformat()},
            index=COB_DUE_INDEX,
            limit=limit,
            start=start,
        )
        return [loan_id_of_partition(i["PK"]) for i in items], last
