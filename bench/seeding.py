"""What the run benchmarks share: loans written straight into the local stack's table as their
disbursement left them (already relayed and pushed, so a run's own events are all that move), and
following a run through its progress route until it completes."""

from __future__ import annotations

import time

import boto3
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

BATCH_WRITE = 25  # items per BatchWriteItem


def disbursed_items(stack, loan) -> list[dict]:
    """The stored items of a disbursed loan (its one event, the disbursement, already pushed: the
    local accounting system is told of it), serialized for BatchWriteItem."""
    from lms.integration.event_store import EventRecord, PushStatus
    from lms.integration.event_store import _item as event_item
    from lms.loans.storage.history import plan_write
    from lms.loans.storage.store import commit_items
    from lms.storage.dynamo import serialize

    (event,) = loan.outbox
    record = EventRecord.of(loan.id, event, PushStatus.PUSHED, event.created_at)
    cursor = {"PK": f"LOAN#{loan.id}", "SK": "RELAY", "entity": "relayCursor", "seq": 1}
    stack.accounting.books.receive(event.type, dict(event.payload), event_id=event.id)
    return [
        *map(serialize, commit_items(loan, 1, plan_write(loan, 1))),
        serialize(event_item(record)),
        serialize(cursor),
    ]


def write_items(stack, items: list[dict]) -> None:
    client = boto3.client("dynamodb", endpoint_url=stack.emulator.url, region_name="us-east-1")
    table = stack.stack.resolve({"Ref": "CoreTable"})
    for start in range(0, len(items), BATCH_WRITE):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + BATCH_WRITE]]
        client.batch_write_item(RequestItems={table: batch})


def follow_run(http, path: str, label: str, total: int) -> dict:
    """Poll the run's progress route until it is COMPLETED; its last answer."""
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as progress:
        task = progress.add_task("run", total=total)
        while True:
            reply = http.get(path)
            if reply.status != 200:  # a poll the loaded local gateway could not answer: poll again
                progress.console.print(f"progress poll answered {reply.status}: {reply.json}")
                time.sleep(1)
                continue
            run = reply.json
            progress.update(task, completed=run["loansDone"] + run["loansFailed"])
            if run["status"] == "COMPLETED":
                return run
            time.sleep(0.5)
