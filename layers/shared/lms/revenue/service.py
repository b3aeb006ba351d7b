"""Starting, paging and working a revenue run: the coordinator fans a month out over SQS.

- `start`: a new attempt, and one page message per shard of the accrual index.
- `page` (page queue): one page of loan ids due for the month, sent on as work messages of
  `LOANS_PER_MESSAGE`; another page message follows while the shard has more.
- `accrue` (work queue): book the month for each loan of a message, then count the batch.
Every step can run again (SQS delivers at least once): a loan books a month once whatever happens,
and counters only say how far an attempt got.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from lms import clock
from lms.config import get_settings
from lms.loans.domain.aggregate.loan import Actor
from lms.loans.domain.calculation.accrual import next_month
from lms.loans.domain.operations.revenue import Outcome
from lms.loans.service.revenue import LoanRevenue
from lms.observability import traced
from lms.revenue.run import LOANS_PER_MESSAGE, MAX_ERRORS_KEPT, Attempt, RevenueRun
from lms.revenue.store import RevenueRunStore
from lms.storage.queues import send_bodies
from lms.storage.tables import ACCRUAL_SHARDS

PAGE_SIZE = 1000
RUN_ACTOR = "revenue-run"


def _send(queue_url: str, bodies: list[dict]) -> None:
    send_bodies(queue_url, bodies, "revenue run messages")


@traced
class RevenueRunService:
    def __init__(self, store: RevenueRunStore | None = None, loans: LoanRevenue | None = None):
        self.store = store or RevenueRunStore()
        self.loans = loans or LoanRevenue()

    def get(self, month: date) -> RevenueRun | None:
        return self.store.get(month)

    def start(self, month: date) -> RevenueRun:
        attempt = self.store.begin(month, clock.timestamp())
        pages = [
            {"month": f"{month:%Y-%m}", "attempt": attempt.number, "shard": shard, "start": None}
            for shard in range(ACCRUAL_SHARDS)
        ]
        _send(get_settings().revenue_pages_queue_url, pages)
        run = self.store.get(month)
        assert run is not None
        return run

    def page(self, month: date, attempt: int, shard: int, start: dict | None, carried: list[int] = ()) -> None:
        """Queue one page of a shard as work messages of exactly `LOANS_PER_MESSAGE` loans; a page's
        last few loans are carried to the next page, so a shard's work costs the same number of
        messages however its pages fall (only the shard's very last message may be short)."""
        found, last = self.store.loans_due(next_month(month), shard, start, PAGE_SIZE)
        loan_ids = [*carried, *found]
        sent = len(loan_ids) if last is None else len(loan_ids) - len(loan_ids) % LOANS_PER_MESSAGE
        settings = get_settings()
        work = [
            {"month": f"{month:%Y-%m}", "attempt": attempt, "loanIds": loan_ids[i : min(i + LOANS_PER_MESSAGE, sent)]}
            for i in range(0, sent, LOANS_PER_MESSAGE)
        ]
        _send(settings.revenue_work_queue_url, work)
        if last is not None:
            following = {
                "month": f"{month:%Y-%m}",
                "attempt": attempt,
                "shard": shard,
                "start": last,
                "carried": loan_ids[sent:],
            }
            _send(settings.revenue_pages_queue_url, [following])
        self._finish_if_done(month, self.store.paged(month, attempt, sent, shard_done=last is None))

    def accrue(self, month: date, attempt: int, loan_ids: list[int]) -> list:
        actor = Actor(by=RUN_ACTOR, at=clock.timestamp(), today=clock.today())
        results = self.loans.accrue_month(loan_ids, month, actor)
        found = {r.loan_id for r in results}
        amounts: Counter[str] = Counter()
        errors = []
        for result in results:
            if result.outcome is Outcome.ACCRUED and result.amount:
                amounts[result.currency] += result.amount
            if result.error:
                errors.append({"loanId": str(result.loan_id), "error": result.error[:500]})
        for missing in sorted(set(loan_ids) - found):
            errors.append({"loanId": str(missing), "error": "no such loan"})
        failed = len(errors)
        progress = self.store.record(
            month,
            attempt,
            done=len(loan_ids) - failed,
            accrued=sum(1 for r in results if r.outcome is Outcome.ACCRUED),
            failed=failed,
            amounts={c: Decimal(a) for c, a in amounts.items()},
            errors=errors[:MAX_ERRORS_KEPT],
        )
        self._finish_if_done(month, progress)
        return results

    def _finish_if_done(self, month: date, attempt: Attempt) -> None:
        if attempt.finished:
            self.store.complete(month, attempt.number, clock.timestamp())
