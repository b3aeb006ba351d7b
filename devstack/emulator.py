"""moto's server on 127.0.0.1, and every table, queue, secret and parameter of template.yaml created in it.

DynamoDB guarantees that conditional writes to one item are serialized; moto's in-memory backend
does not lock, so requests are serialized here to keep conditional writes linearizable.
"""

from __future__ import annotations

import copy
import functools
import io
import json
import socket
import threading
import time
from collections.abc import Iterable
from typing import Any

import boto3
from moto import backends as moto_backends
from moto.core.utils import camelcase_to_underscores
from moto.core.utils import unix_time as _moto_unix_time
from moto.dynamodb import responses as moto_dynamodb_responses
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.moto_server.threaded_moto_server import MotoRequestHandler
from moto.server import DomainDispatcherApplication, create_backend_app
from moto.sqs import models as sqs_models
from werkzeug.serving import BaseWSGIServer, make_server

from devstack.metering import Meter, caller_of
from devstack.template import REGION, Stack, queue_name

# ---------------------------------------------------------------------------------------------
# moto backs up every table a TransactWriteItems touches with a deep copy (all its items and every
# stream record it ever produced) so that it can roll a failed transaction back. That makes each
# transaction cost as much as the data the emulator holds, and a long-running local stack slows to
# a halt. Here the backup is of the items the transaction names, which is all a rollback needs.
_copying = threading.local()
_original_transact = DynamoDBBackend.transact_write_items


def _table_deepcopy(self: Table, memo: dict) -> Table:
    if getattr(_copying, "skip_tables", False):
        return self  # the rollback below restores items instead
    clone = copy.copy(self)
    memo[id(self)] = clone
    clone.__dict__ = copy.deepcopy(self.__dict__, memo)
    return clone


def _keys_of(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[tuple[Table, Any, Any]]:
    keys = []
    for action in transact_items:
        _, op = next(iter(action.items()))
        table = backend.tables.get(op.get("TableName"))
        if table is None:
            continue
        key = op.get("Key") or op.get("Item") or {}
        if table.hash_key_attr not in key:
            continue
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
        keys.append((table, hash_value, range_value))
    return keys


def _transact_with_item_backup(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    keys = _keys_of(self, transact_items)
    saved = [(table, h, r, copy.deepcopy(table.get_item(h, r))) for table, h, r in keys]
    streams = {id(t): (t, len(t.stream_shard.items)) for t, _, _ in keys if t.stream_shard is not None}
    _copying.skip_tables = True
    try:
        return _original_transact(self, transact_items)
    except Exception:
        for table, hash_value, range_value, item in reversed(saved):
            if table.range_key_attr:
                if item is None:
                    table.items[hash_value].pop(range_value, None)
                else:
                    table.items[hash_value][range_value] = item
            elif item is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = item
        for table, length in streams.values():
            del table.stream_shard.items[length:]  # records of writes that were rolled back
        raise
    finally:
        _copying.skip_tables = False


# moto answers a Query on a table's own key by looking at every item of the table; DynamoDB reads
# one partition. With a few thousand items that made each Query take a second locally.
_original_query = Table.query


def _items_of(table: Table):
    for held in table.items.values():
        yield from held.values() if table.range_key_attr else [held]


def _matches(held, value) -> bool:
    return held is not None and held == value


def _query_one_partition(self: Table, hash_key, *args, **kwargs):
    # moto's backend passes index_name as the eighth positional argument.
    index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    conditions = kwargs.get("hash_key_conditions") or []
    if index_name and len(conditions) == 1:
        # An index partition: only the items that carry its key value (moto sorts them itself).
        attribute, value = conditions[0]
        partition = [item for item in _items_of(self) if _matches(item.attrs.get(attribute), value)]
    elif not index_name and hash_key is not None and self.range_key_attr:
        partition = list(self.items.get(hash_key, {}).values())
    else:
        return _original_query(self, hash_key, *args, **kwargs)
    self.all_items = lambda: iter(partition)  # the instance attribute hides the method for this call
    try:
        return _original_query(self, hash_key, *args, **kwargs)
    finally:
        del self.all_items


Table.__deepcopy__ = _table_deepcopy
DynamoDBBackend.transact_write_items = _transact_with_item_backup

# moto still refuses a TransactGetItems of more than 25 items; DynamoDB takes 100 since 2022 (the
# limit lms.storage.dynamo.TRANSACT_GET_LIMIT reads a currency's trial-balance shard by).
moto_dynamodb_responses.TRANSACTION_MAX_ITEMS = 100
Table.query = _query_one_partition


# moto's SQS made every call cost a scan of the whole queue, several times over: `Queue.attributes`
# (read four times per message sent, just for ContentBasedDeduplication) counts the visible,
# delayed and in-flight messages, and every message's visibility check reads the clock through
# datetime arithmetic (~15 us). With a few thousand messages queued, SendMessageBatch and
# ReceiveMessage took a second each, and since requests are serialized, so did every DynamoDB
# request behind them: the accounting push slowed as its queue grew. Here the clock is read with
# time.time() (the same value) and the message counts are computed, in one pass, only for
# GetQueueAttributes, the one call that answers with them.
_MESSAGE_COUNTS = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesDelayed",
    "ApproximateNumberOfMessagesNotVisible",
)
_original_get_queue_attributes = sqs_models.SQSBackend.get_queue_attributes


def _unix_time(dt: Any = None) -> float:
    return time.time() if dt is None else _moto_unix_time(dt)


def _unix_time_millis(dt: Any = None) -> float:
    return _unix_time(dt) * 1000.0


def _queue_attributes_without_counts(self: sqs_models.Queue) -> dict[str, Any]:
    """moto's `Queue.attributes`, less the message counts (and their scans of the queue)."""
    names = [n for n in self.BASE_ATTRIBUTES if n not in _MESSAGE_COUNTS]
    if self.fifo_queue:
        names += self.FIFO_ATTRIBUTES
    if self.kms_master_key_id:
        names += self.KMS_ATTRIBUTES
    result: dict[str, Any] = {name: getattr(self, _attribute_name(name)) for name in names}
    if self.policy:
        result["Policy"] = self.policy
    if self.redrive_policy:
        result["RedrivePolicy"] = json.dumps(self.redrive_policy)
    return {k: str(v).lower() if isinstance(v, bool) else v for k, v in result.items()}


@functools.cache
def _attribute_name(name: str) -> str:
    return camelcase_to_underscores(name)


def _message_counts(queue: sqs_models.Queue) -> dict[str, int]:
    now = time.time() * 1000.0
    visible = delayed = in_flight = 0
    for message in queue._messages:
        is_visible = now > message.visible_at
        in_flight += not is_visible
        is_delayed = now < message.delayed_until
        delayed += is_delayed
        visible += is_visible and not is_delayed
    return dict(zip(_MESSAGE_COUNTS, (visible, delayed, in_flight), strict=True))


def _get_queue_attributes_with_counts(
    self: sqs_models.SQSBackend, queue_name: str, attribute_names: list[str]
) -> dict[str, Any]:
    result = dict(_original_get_queue_attributes(self, queue_name, attribute_names))
    wanted = [n for n in _MESSAGE_COUNTS if "All" in attribute_names or n in attribute_names]
    if wanted:
        counts = _message_counts(self.get_queue(queue_name))
        result.update({name: counts[name] for name in wanted})
    return result


def _groups_in_flight(self: sqs_models.Queue) -> set[str]:
    """The message groups with a message received and still invisible.

    moto counts a message whose visibility timeout ran out as in flight until a receive walks past
    it, so when a whole batch came back at once (an invocation that timed out or crashed) each of
    the group's messages held the group for the ones before it and only the group's last message
    was delivered, again and again until it was dead-lettered: a FIFO queue hands out a group's
    messages from the oldest, as here.
    """
    return {m.group_id for m in self._pending_messages if m.group_id is not None and not m.visible}


sqs_models.Queue.pending_message_groups = property(_groups_in_flight)
sqs_models.unix_time = _unix_time
sqs_models.unix_time_millis = _unix_time_millis
sqs_models.Queue.attributes = property(_queue_attributes_without_counts)
sqs_models.SQSBackend.get_queue_attributes = _get_queue_attributes_with_counts


_list_of_moto_modules = moto_backends.list_of_moto_modules
# moto's server lists its own package directory (a stat per service, about 150) on every request
# to find the backend; the list does not change while it runs.
moto_backends.list_of_moto_modules = functools.cache(lambda: tuple(_list_of_moto_modules()))


class _QuietHandler(MotoRequestHandler):
    def setup(self) -> None:
        super().setup()
        # Small request and response segments must not wait for delayed ACKs (40 ms each).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_request(self, *_args) -> None:
        pass


class _Serialized:
    def __init__(self, app):
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


class _Metered:
    """Counts every DynamoDB request and the capacity units it would cost (devstack.metering)."""

    def __init__(self, app, meter: Meter):
        self._app = app
        self.meter = meter

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith("DynamoDB_"):
            return self._app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        request = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(request)
        started = time.perf_counter()
        response = b"".join(self._app(environ, start_response))
        caller = caller_of(environ.get("HTTP_USER_AGENT", ""))
        self.meter.record(target.split(".", 1)[1], request, response, time.perf_counter() - started, caller)
        return [response]


class Emulator:
    def __init__(self, port: int):
        self.port = port
        self.meter = Meter()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        app = _Serialized(_Metered(DomainDispatcherApplication(create_backend_app), self.meter))
        self._server = make_server("127.0.0.1", self.port, app, threaded=True, request_handler=_QuietHandler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
        if self._thread:
            self._thread.join(timeout=5)


def _client(service: str, endpoint: str | None):
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


def provision(stack: Stack, endpoint: str | None = None) -> dict[str, Any]:
    """Create the template's data resources; returns stream ARNs by table logical id."""
    dynamodb = _client("dynamodb", endpoint)
    streams: dict[str, str] = {}
    for lid, resource in stack.of_type("AWS::DynamoDB::Table").items():
        props = stack.resolve(resource["Properties"])
        kwargs: dict[str, Any] = {
            "TableName": lid,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if props.get("StreamSpecification"):
            kwargs["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        description = dynamodb.create_table(**kwargs)["TableDescription"]
        if description.get("LatestStreamArn"):
            streams[lid] = description["LatestStreamArn"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=lid, TimeToLiveSpecification=ttl)

    sqs = _client("sqs", endpoint)
    queues = stack.of_type("AWS::SQS::Queue")
    # Dead-letter queues first: a redrive policy names its target by ARN.
    ordered = sorted(queues.items(), key=lambda kv: "RedrivePolicy" in kv[1].get("Properties", {}))
    for lid, resource in ordered:
        props = stack.resolve(resource.get("Properties", {}))
        attributes = {}
        for key in ("FifoQueue", "ContentBasedDeduplication", "VisibilityTimeout", "MessageRetentionPeriod"):
            if key in props:
                value = props[key]
                attributes[key] = str(value).lower() if isinstance(value, bool) else str(value)
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
        sqs.create_queue(QueueName=queue_name(lid, bool(props.get("FifoQueue"))), Attributes=attributes)

    secrets = _client("secretsmanager", endpoint)
    for lid, resource in stack.of_type("AWS::SecretsManager::Secret").items():
        props = stack.resolve(resource.get("Properties", {}))
        secrets.create_secret(Name=lid, SecretString=props.get("SecretString", "local-placeholder"))

    ssm = _client("ssm", endpoint)
    for lid, resource in stack.of_type("AWS::SSM::Parameter").items():
        props = stack.resolve(resource["Properties"])
        ssm.put_parameter(Name=props.get("Name", f"/lms/{lid}"), Value=str(props["Value"]), Type=props["Type"])
    return streams
