"""Starting, paging and working a close-of-business run: the coordinator fans a date out over SQS.

- `start`: a new attempt (unless one is running), and one page message per shard of CobDueIndex.
- `page` (page queue): one page of the loans due on or before the date, sent on as work messages
  of `LOANS_PER_MESSAGE`; another page message follows while the shard has more.
- `close` (work queue): each loan's one close-of-business commit, then the batch counted.
Every step can run again (SQS delivers at least once): a loan's close is idempotent (a loan closed
through the date or later is not written again), and counters only say how far an attempt got.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from lms import clock
from lms.cob.run import (
    COB_SHARDS,
    LOANS_PER_MESSAGE,
    MAX_ERRORS_KEPT,
    NOT_IN_ARREARS,
    STALE_AFTER,
    CobAttempt,
    CobRun,
)
from lms.cob.store import CobRunStore
from lms.config import get_settings
from lms.observability import logger, traced
from lms.storage.queues import send_bodies

PAGE_SIZE = 1000


class CloseOfBusiness(Protocol):
    """The per-loan commit (`lms.loans.service.close_of_business.LoanCloseOfBusiness`)."""

    def close(self, loan_id: Any, business_date: date) -> Any: ...


def default_closer() -> CloseOfBusiness:
    # Imported here: the loans context provides it (docs/cob.md), and the run's read routes never call it.
    from lms.loans.service.close_of_business import LoanCloseOfBusiness
    from lms.loans.service.unit_of_work import LoanUnitOfWork

    return LoanCloseOfBusiness(LoanUnitOfWork())


@dataclass(frozen=True)
class Tally:
    """What one loan's close did, as the run counts it."""

    wrote: bool
    penalties_charged: int
    penalties_removed: int
    bucket: str | None


def _count(value: Any) -> int:
    return value if isinstance(value, int) else len(value or ())


def _tally(result: Any) -> Tally:
    """The CloseResult's fields the run reads (the one place that knows them: contract-changes.md)."""
    return Tally(
        wrote=bool(result.wrote),
        penalties_charged=_count(result.penalties_charged),
        penalties_removed=_count(result.penalties_removed),
        bucket=result.bucket_after,
    )


def _send(queue_url: str, bodies: list[dict]) -> None:
    send_bodies(queue_url, bodies, "close-of-business messages")


def _stale_before() -> str:
    moment = clock.now() - STALE_AFTER
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Started:
    run: CobRun
    new: bool  # False: an attempt was running already, and is what `run` shows


@dataclass(frozen=True)
class BatchOutcome:
    tallies: list[Tally]
    failed: int


@traced
class CobRunService:
    def __init__(self, store: CobRunStore | None = None, closer: Callable[[], CloseOfBusiness] | None = None):
        self.store = store or CobRunStore()
        self._closer = closer

    def get(self, business_date: date) -> CobRun | None:
        return self.store.get(business_date)

    def start(self, business_date: date) -> Started:
        attempt = self.store.begin(business_date, clock.timestamp(), _stale_before())
        if attempt is not None:
            date_text = business_date.isoformat()
            pages = [
                {"businessDate": date_text, "attempt": attempt.number, "shard": shard, "start": None}
                for shard in range(COB_SHARDS)
            ]
            _send(get_settings().cob_pages_queue_url, pages)
        run = self.store.get(business_date)
        assert run is not None
        return Started(run=run, new=attempt is not None)

    def page(self, business_date: date, attempt: int, shard: int, start: dict | None, carried: list[int] = ()) -> None:
        """Queue one page of a shard as work messages of exactly `LOANS_PER_MESSAGE` loans; a page's
        last few loans are carried to the next page, so the work costs the same number of messages
        however the pages fall (only a shard's very last message may be short)."""
        found, last = self.store.loans_due(business_date, shard, start, PAGE_SIZE)
        loan_ids = [*carried, *found]
        sent = len(loan_ids) if last is None else len(loan_ids) - len(loan_ids) % LOANS_PER_MESSAGE
        settings = get_settings()
        date_text = business_date.isoformat()
        work = [
            {"businessDate": date_text, "attempt": attempt, "loanIds": loan_ids[i : min(i + LOANS_PER_MESSAGE, sent)]}
            for i in range(0, sent, LOANS_PER_MESSAGE)
        ]
        _send(settings.cob_work_queue_url, work)
        if last is not None:
            following = {
                "businessDate": date_text,
                "attempt": attempt,
                "shard": shard,
                "start": last,
                "carried": loan_ids[sent:],
            }
            _send(settings.cob_pages_queue_url, [following])
        progress = self.store.paged(business_date, attempt, sent, last is None, clock.timestamp())
        self._finish_if_done(business_date, progress)

    def close(self, business_date: date, attempt: int, loan_ids: list[int]) -> BatchOutcome:
        """Each loan's close-of-business commit. A loan that fails (it kept losing a race with a
        payment, say) is counted and reported, never stops the others, and stays due in the index,
        so the next attempt or the next night's run picks it up."""
        closer = (self._closer or default_closer)()
        tallies: list[Tally] = []
        errors: list[dict[str, str]] = []
        for loan_id in loan_ids:
            try:
                tallies.append(_tally(closer.close(loan_id, business_date)))
            except Exception as error:
                logger.exception("close of business failed", extra={"loanId": loan_id})
                errors.append({"loanId": str(loan_id), "error": f"{type(error).__name__}: {error}"[:500]})
        buckets = Counter(t.bucket or NOT_IN_ARREARS for t in tallies)
        progress = self.store.record(
            business_date,
            attempt,
            now=clock.timestamp(),
            done=len(tallies),
            closed=sum(1 for t in tallies if t.wrote),
            failed=len(errors),
            penalties_charged=sum(t.penalties_charged for t in tallies),
            penalties_removed=sum(t.penalties_removed for t in tallies),
            buckets=dict(buckets),
            errors=errors[:MAX_ERRORS_KEPT],
        )
        self._finish_if_done(business_date, progress)
        return BatchOutcome(tallies=tallies, failed=len(errors))

    def _finish_if_done(self, business_date: date, attempt: CobAttempt) -> None:
        if attempt.finished and self.store.complete(business_date, attempt.number, clock.timestamp()):
            # The date's loans are closed: the portfolio's figures at its end can be recorded.
            record = {"businessDate": business_date.isoformat()}
            send_bodies(get_settings().portfolio_record_queue_url, [record], "the portfolio's record")
