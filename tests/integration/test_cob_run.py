"""The daily close of business through the API and its queues: start, fan out over CobDueIndex,
close each due loan once, count what the closes did.

The per-loan commit is cob-penalty's (`lms.loans.service.close_of_business`); here a fake stands in
for it that does what its contract says to the index: a loan closed through a date moves its
`cobDue` past it (or leaves the index), so a second attempt finds only what the first did not do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import boto3
import pytest

from devstack.lambdas import Functions
from lms.cob import service as cob_service
from lms.cob.run import COB_SHARDS
from lms.config import get_settings
from lms.storage.dynamo import Key, Table
from tests.conftest import STACK

DATE = date(2026, 12, 4)


@dataclass(frozen=True)
class Result:
    wrote: bool
    penalties_charged: int
    penalties_removed: int
    bucket_before: str | None
    bucket_after: str | None


@dataclass
class FakeClose:
    """The contract's `close(loan_id, business_date)`: idempotent per date, moves the loan on in the index."""

    table: Table
    bucket: dict[int, str] = field(default_factory=dict)
    penalties: dict[int, int] = field(default_factory=dict)
    failing: set[int] = field(default_factory=set)
    calls: list[tuple[int, date]] = field(default_factory=list)

    def close(self, loan_id, business_date):
        self.calls.append((loan_id, business_date))
        if loan_id in self.failing:
            raise RuntimeError(f"loan {loan_id} kept losing its race")
        head = self.table.get(Key(f"LOAN#{loan_id}", "LOAN"))
        if head.get("cobThrough", "") >= business_date.isoformat():
            return Result(False, 0, 0, self.bucket.get(loan_id), self.bucket.get(loan_id))
        self.table.update(
            Key(f"LOAN#{loan_id}", "LOAN"),
            "SET cobThrough = :d, cobDue = :next",
            values_={":d": business_date.isoformat(), ":next": (business_date + timedelta(days=30)).isoformat()},
        )
        return Result(True, self.penalties.get(loan_id, 0), 0, None, self.bucket.get(loan_id))


@pytest.fixture
def table(aws) -> Table:
    return Table(get_settings().table_name)


@pytest.fixture
def closer(table, monkeypatch) -> FakeClose:
    fake = FakeClose(table)
    monkeypatch.setattr(cob_service, "default_closer", lambda: fake)
    return fake


def loan_head(table: Table, loan_id: int, due: date | None) -> None:
    """A loan head as the commits leave it: with the markers when something is due, without when not."""
    item = {"PK": f"LOAN#{loan_id}", "SK": "LOAN", "entity": "loan", "version": 1}
    if due is not None:
        item |= {"cobShard": f"COB#{loan_id % COB_SHARDS}", "cobDue": due.isoformat()}
    table.put(item)


def start(client, business_date: str = DATE.isoformat()):
    return client.post("/v1/cob-runs", {"businessDate": business_date})


def queued_messages(url: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return sum(int(v) for v in attributes.values())


def test_bad_dates_are_refused_with_the_field(admin):
    from lms import clock

    tomorrow = (clock.business_date() + timedelta(days=1)).isoformat()
    for text, message in [
        ("2026-13-01", "yyyy-MM-dd"),
        ("04/12/2026", "yyyy-MM-dd"),
        ("2026-12", "yyyy-MM-dd"),
        (tomorrow, "must not be after today's business date"),
    ]:
        reply = start(admin, text)
        assert reply.status == 400, reply
        assert reply.json["details"][0]["field"] == "businessDate"
        assert message in reply.json["details"][0]["message"]
    assert admin.post("/v1/cob-runs", {"businessDate": "2026-12-04", "extra": 1}).status == 400
    assert admin.post("/v1/cob-runs", {}).json["details"][0]["field"] == "businessDate"
    assert admin.get("/v1/cob-runs/2026-12-03").json["reason"] == "COB_RUN_NOT_FOUND"
    bad = admin.get("/v1/cob-runs/yesterday")
    assert (bad.status, bad.json["details"][0]["field"]) == (400, "businessDate")


def test_only_admins_start_runs(operator, viewer, admin, closer):
    assert start(operator).status == 403
    assert start(viewer).status == 403
    assert start(admin).status == 202
    assert viewer.get(f"/v1/cob-runs/{DATE}").status == 200


def test_a_run_closes_each_due_loan_once_and_loans_with_nothing_due_are_never_read(admin, table, closer, run_queues):
    due = list(range(1, 41))  # every shard, some twice or more
    for loan_id in due:
        loan_head(table, loan_id, DATE - timedelta(days=loan_id % 5))  # due on the date or before
    for loan_id in range(41, 46):
        loan_head(table, loan_id, DATE + timedelta(days=1))  # due tomorrow
    for loan_id in range(46, 49):
        loan_head(table, loan_id, None)  # closed, or nothing can ever be due
    closer.bucket |= {1: "1-30", 2: "1-30", 3: "31-60", 4: "181+"}
    closer.penalties |= {1: 1, 3: 1}

    reply = start(admin)
    assert reply.status == 202, reply
    assert reply.headers["Location"] == f"/v1/cob-runs/{DATE}"
    assert (reply.json["status"], reply.json["attempt"], reply.json["businessDate"]) == ("RUNNING", 1, "2026-12-04")
    run_queues()

    assert sorted(closer.calls) == [(loan_id, DATE) for loan_id in due]
    run = admin.get(f"/v1/cob-runs/{DATE}").json
    assert {
        k: run[k]
        for k in (
            "status",
            "shardsPaged",
            "loansQueued",
            "loansDone",
            "loansClosed",
            "loansFailed",
            "penaltiesCharged",
            "penaltiesRemoved",
            "loansByBucket",
            "loansNotInArrears",
            "errors",
        )
    } == {
        "status": "COMPLETED",
        "shardsPaged": COB_SHARDS,
        "loansQueued": 40,
        "loansDone": 40,
        "loansClosed": 40,
        "loansFailed": 0,
        "penaltiesCharged": 2,
        "penaltiesRemoved": 0,
        "loansByBucket": {"1-30": 2, "181+": 1, "31-60": 1},
        "loansNotInArrears": 36,
        "errors": [],
    }
    assert run["completedAt"] is not None


def test_starting_a_date_twice_is_one_run(admin, table, closer, run_queues):
    for loan_id in range(1, 6):
        loan_head(table, loan_id, DATE)
    first = start(admin)
    again = start(admin)  # the schedule and an admin, or an admin twice: the run is running
    assert (first.status, again.status) == (202, 200)
    assert again.json["attempt"] == 1
    pages = get_settings().cob_pages_queue_url
    assert queued_messages(pages) == COB_SHARDS  # the second start queued nothing
    run_queues()
    assert sorted(closer.calls) == [(loan_id, DATE) for loan_id in range(1, 6)]

    # Completed: started again, a new attempt finds no loan still due, and closes nothing twice.
    third = start(admin)
    assert (third.status, third.json["attempt"]) == (202, 2)
    run_queues()
    run = admin.get(f"/v1/cob-runs/{DATE}").json
    assert (run["status"], run["attempt"], run["loansQueued"], run["loansDone"]) == ("COMPLETED", 2, 0, 0)
    assert len(closer.calls) == 5


def test_an_earlier_date_after_a_later_one_changes_nothing(admin, table, closer, run_queues):
    loan_head(table, 7, DATE - timedelta(days=3))
    start(admin)
    run_queues()
    earlier = start(admin, (DATE - timedelta(days=1)).isoformat())
    assert earlier.status == 202
    run_queues()
    run = admin.get(f"/v1/cob-runs/{DATE - timedelta(days=1)}").json
    assert (run["status"], run["loansQueued"]) == ("COMPLETED", 0)  # the loan is due next 30 days on
    assert closer.calls == [(7, DATE)]


def test_a_loan_that_fails_is_counted_stays_due_and_the_next_attempt_closes_it(admin, table, closer, run_queues):
    for loan_id in range(1, 31):
        loan_head(table, loan_id, DATE)
    closer.failing.add(17)
    start(admin)
    run_queues()
    run = admin.get(f"/v1/cob-runs/{DATE}").json
    assert (run["status"], run["loansDone"], run["loansClosed"], run["loansFailed"]) == ("COMPLETED", 29, 29, 1)
    assert run["errors"] == [{"loanId": "17", "error": "RuntimeError: loan 17 kept losing its race"}]
    assert table.get(Key("LOAN#17", "LOAN"))["cobDue"] == DATE.isoformat()

    closer.failing.clear()
    start(admin)
    run_queues()
    run = admin.get(f"/v1/cob-runs/{DATE}").json
    assert (run["attempt"], run["loansQueued"], run["loansClosed"], run["loansFailed"]) == (2, 1, 1, 0)
    assert sorted(c for c in closer.calls if c[0] == 17) == [(17, DATE), (17, DATE)]


def test_a_run_whose_messages_were_lost_is_started_again_once_stale(admin, table, closer, run_queues, monkeypatch):
    from datetime import UTC, datetime

    from lms import clock

    for loan_id in range(1, 31):
        loan_head(table, loan_id, DATE)
    start(admin)
    run_queues(only="PageCobRun")
    boto3.client("sqs").purge_queue(QueueUrl=get_settings().cob_work_queue_url)  # the crash
    assert start(admin).status == 200  # still running as far as anyone knows
    later = datetime.now(UTC) + timedelta(hours=2)
    monkeypatch.setattr(clock, "now", lambda: later)
    restarted = start(admin)
    assert (restarted.status, restarted.json["attempt"]) == (202, 2)
    run_queues()
    assert sorted(closer.calls) == [(loan_id, DATE) for loan_id in range(1, 31)]
    assert admin.get(f"/v1/cob-runs/{DATE}").json["status"] == "COMPLETED"


def test_the_schedule_starts_the_business_date_once_however_often_it_fires(admin, table, closer, run_queues):
    from lms import clock

    today = clock.business_date()
    loan_head(table, 3, today)
    functions = Functions(STACK, inline=True)
    event = {"detail-type": "Scheduled Event", "source": "aws.scheduler", "detail": {}}
    first = functions.invoke("ScheduleCobRunFunction", event)
    second = functions.invoke("ScheduleCobRunFunction", event)
    assert first == {"businessDate": today.isoformat(), "attempt": 1, "new": True}
    assert second == {"businessDate": today.isoformat(), "attempt": 1, "new": False}
    run_queues()
    assert closer.calls == [(3, today)]
