"""Pollers for DynamoDB streams, SQS queues and schedules, shaped like Lambda's event sources."""

from __future__ import annotations

import base64
import os
import re
import threading
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import boto3

from devstack.filters import any_filter_matches
from devstack.lambdas import Functions
from devstack.template import ACCOUNT, REGION, EventSource, FunctionSpec, Stack, queue_url
from devstack.workers import Worker


def _client(service: str):
    return boto3.client(service, region_name=REGION, endpoint_url=os.environ.get("AWS_ENDPOINT_URL"))


def as_lambda_json(value: Any) -> Any:
    """A stream record as Lambda hands it over: JSON, so binary attributes are base64 text."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {k: as_lambda_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_lambda_json(v) for v in value]
    if isinstance(value, datetime):
        return int(value.timestamp())
    return value


def _batch_failures(result: Any) -> list[str] | None:
    """The item ids a function reported as failed (ReportBatchItemFailures), or None for all-success."""
    if isinstance(result, dict) and result.get("batchItemFailures"):
        return [f["itemIdentifier"] for f in result["batchItemFailures"]]
    return None


class StreamWorker(Worker):
    """Reads every shard of a table's stream in order and invokes the function per batch.

    As with Lambda: a batch that fails is retried from its first failed record (with
    ReportBatchItemFailures) or whole, up to MaximumRetryAttempts, and records that do not
    pass FilterCriteria are never delivered. The worker keeps its own checkpoint (the last
    sequence number read) and asks for a fresh iterator after it on every poll: moto replaces a
    table's stream shard when it rolls back a failed transaction, which strands old iterators.
    """

    def __init__(self, fn: FunctionSpec, source: EventSource, stream_arn: str, functions: Functions):
        super().__init__(f"stream:{fn.logical_id}", interval=0.2)
        self.fn = fn
        self.props = source.properties
        self.stream_arn = stream_arn
        self.functions = functions
        self.client = _client("dynamodbstreams")
        self.checkpoints: dict[str, str | None] = {}
        self.pending: dict[str, list[dict]] = {}
        self.attempts: dict[str, int] = {}
        self.from_latest = self.props.get("StartingPosition", "TRIM_HORIZON") == "LATEST"

    def _records_after(self, shard_id: str) -> list[dict]:
        position = self.checkpoints.get(shard_id)
        if position is None:
            kwargs = {"ShardIteratorType": "TRIM_HORIZON"}
        else:
            kwargs = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": position}
        iterator = self.client.get_shard_iterator(StreamArn=self.stream_arn, ShardId=shard_id, **kwargs)[
            "ShardIterator"
        ]
        records = self.client.get_records(ShardIterator=iterator, Limit=1000).get("Records", [])
        if records:
            self.checkpoints[shard_id] = records[-1]["dynamodb"]["SequenceNumber"]
        return records

    def _refresh_shards(self) -> None:
        shards = self.client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]["Shards"]
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self.pending:
                self.pending[shard_id] = []
                self.checkpoints[shard_id] = None
                if self.from_latest:  # skip what the shard already holds
                    while self._records_after(shard_id):
                        pass

    def poll(self) -> bool:
        self._refresh_shards()
        busy = False
        batch_size = int(self.props.get("BatchSize", 100))
        for shard_id in list(self.pending):
            if len(self.pending[shard_id]) < batch_size:
                records = self._records_after(shard_id)
                # Records the filter drops still mean the shard may hold more: keep reading.
                busy = busy or bool(records)
                for raw in records:
                    record = {**as_lambda_json(raw), "eventSourceARN": self.stream_arn}
                    if any_filter_matches(self.props.get("FilterCriteria"), record):
                        self.pending[shard_id].append(record)
            batch = self.pending[shard_id][:batch_size]
            if batch:
                busy = True
                self._deliver(shard_id, batch)
        return busy

    def _deliver(self, shard_id: str, batch: list[dict]) -> None:
        try:
            failed = _batch_failures(self.functions.invoke(self.fn.logical_id, {"Records": batch}))
        except Exception:
            traceback.print_exc()
            failed = [batch[0]["dynamodb"]["SequenceNumber"]]
        if failed is None:
            self.pending[shard_id] = self.pending[shard_id][len(batch) :]
            self.attempts[shard_id] = 0
            return
        # Checkpoint before the first failed record; retry from there.
        first = next((i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in set(failed)), 0)
        self.pending[shard_id] = self.pending[shard_id][first:]
        self.attempts[shard_id] = self.attempts.get(shard_id, 0) + 1
        limit = int(self.props.get("MaximumRetryAttempts", -1))
        if limit >= 0 and self.attempts[shard_id] > limit:
            print(f"[{self.name}] dropping record after {limit} retries: {self.pending[shard_id][0]['eventID']}")
            self.pending[shard_id] = self.pending[shard_id][1:]
            self.attempts[shard_id] = 0


class QueueWorker(Worker):
    """Long-polls a queue; deletes what the function processed, leaves failures to be redelivered.

    Like Lambda's SQS poller, it runs up to `concurrency` invocations at once (each in its own
    environment), on a FIFO queue too: as SQS does, the emulator hands out none of a message
    group's messages while another of them is in flight, so concurrent batches never share a
    group and each group stays in order, while different groups (loans) go in parallel, as Lambda
    scales a FIFO queue's poller with its message groups up to MaximumConcurrency.
    """

    def __init__(
        self, fn: FunctionSpec, source: EventSource, queue_logical_id: str, functions: Functions, concurrency: int = 1
    ):
        super().__init__(f"sqs:{fn.logical_id}", interval=0.2)
        self.fn = fn
        self.props = source.properties
        self.queue_url = queue_url(queue_logical_id)
        self.queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{self.queue_url.rsplit('/', 1)[1]}"
        self.functions = functions
        self.client = _client("sqs")
        self.concurrency = max(1, concurrency)
        self._in_flight = 0
        self._lock = threading.Lock()
        self._finished = threading.Condition(self._lock)  # an invocation ended
        self._pool = ThreadPoolExecutor(self.concurrency, self.name) if self.concurrency > 1 else None

    def poll(self) -> bool:
        with self._lock:
            if self._in_flight >= self.concurrency:
                # Every invocation slot is taken: the queue is being worked; wait for a slot.
                self._finished.wait(self.interval)
                return True
            self._in_flight += 1
        try:
            response = self.client.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(10, int(self.props.get("BatchSize", 10))),
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            )
            messages = response.get("Messages", [])
        except Exception:
            self._done()
            raise
        if not messages:
            # Nothing to receive: the queue is empty, or each group with messages has one in flight.
            # Ask again when an invocation finishes (deleting its messages frees their groups) or
            # after the interval, never in a tight loop: each receive holds the emulator.
            with self._lock:
                self._in_flight -= 1
                if not self._in_flight:
                    return False
                self._finished.wait(self.interval)
            return True
        if self._pool is None:
            self._invoke(messages)
        else:
            self._pool.submit(self._invoke, messages)
        return True

    def _done(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._finished.notify_all()

    def _invoke(self, messages: list[dict]) -> None:
        try:
            records = [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m.get("Attributes", {}),
                    "messageAttributes": m.get("MessageAttributes", {}),
                    "md5OfBody": m.get("MD5OfBody"),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.queue_arn,
                    "awsRegion": REGION,
                }
                for m in messages
            ]
            try:
                failed = _batch_failures(self.functions.invoke(self.fn.logical_id, {"Records": records}))
                failed_ids = set(failed or [])
            except Exception:
                failed_ids = {r["messageId"] for r in records}
            # As Lambda does: processed messages are deleted (in one request); failed ones are left
            # to come back when their visibility timeout (the queue's, or one the function set) runs out.
            done = [r for r in records if r["messageId"] not in failed_ids]
            if done:
                result = self.client.delete_message_batch(
                    QueueUrl=self.queue_url,
                    Entries=[{"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(done)],
                )
                if result.get("Failed"):
                    print(f"[{self.name}] messages not deleted: {result['Failed']}")
        finally:
            self._done()

    def stop(self, timeout: float = 10) -> None:
        super().stop(timeout)
        if self._pool is not None:
            self._pool.shutdown(wait=True)


_RATE = re.compile(r"rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def schedule_seconds(expression: str) -> float:
    override = os.environ.get("LMS_SCHEDULE_INTERVAL_SECONDS")
    if override:
        return float(override)
    found = _RATE.fullmatch(expression.strip())
    if found:
        return int(found.group(1)) * _UNIT_SECONDS[found.group(2).rstrip("s")]
    return 86400.0  # cron(...) expressions: once a day locally


class ScheduleWorker(Worker):
    def __init__(self, fn: FunctionSpec, source: EventSource, functions: Functions):
        # Schedule (EventBridge rules) names it Schedule, ScheduleV2 (EventBridge Scheduler, which
        # reads the cron in ScheduleExpressionTimezone) ScheduleExpression; locally both fire on an interval.
        expression = source.properties.get("Schedule") or source.properties["ScheduleExpression"]
        super().__init__(f"schedule:{fn.logical_id}", interval=schedule_seconds(expression))
        self.fn = fn
        self.functions = functions

    def poll(self) -> bool:
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{self.fn.logical_id}"],
            "detail": {},
        }
        self.functions.invoke(self.fn.logical_id, event)
        return False

    def _loop(self) -> None:
        # First run after one interval, as a schedule would.
        while not self._stop.wait(self.interval):
            try:
                self.poll()
            except Exception as err:
                print(f"[{self.name}] failed: {err}")


def _table_of(stream_ref: str) -> str:
    return stream_ref.split(":table/")[1].split("/", maxsplit=1)[0]


def stream_workers(stack: Stack, functions: Functions, streams: dict[str, str]) -> list[Worker]:
    workers: list[Worker] = []
    for fn, source in stack.functions_with("DynamoDB"):
        props = stack.resolve(source.properties)
        arn = streams[_table_of(props["Stream"])]
        workers.append(StreamWorker(fn, EventSource("DynamoDB", props), arn, functions))
    return workers


def sqs_workers(stack: Stack, functions: Functions, concurrency: int = 1) -> list[Worker]:
    workers: list[Worker] = []
    for fn, source in stack.functions_with("SQS"):
        queue_ref = source.properties["Queue"]
        logical = (
            queue_ref["Fn::GetAtt"][0]
            if isinstance(queue_ref["Fn::GetAtt"], list)
            else (queue_ref["Fn::GetAtt"].split(".")[0])
        )
        props = stack.resolve(source.properties)
        limit = int(props.get("ScalingConfig", {}).get("MaximumConcurrency", concurrency))
        workers.append(QueueWorker(fn, EventSource("SQS", props), logical, functions, min(limit, concurrency)))
    return workers


def schedule_workers(stack: Stack, functions: Functions) -> list[Worker]:
    return [
        ScheduleWorker(fn, EventSource(kind, stack.resolve(source.properties)), functions)
        for kind in ("Schedule", "ScheduleV2")
        for fn, source in stack.functions_with(kind)
    ]
