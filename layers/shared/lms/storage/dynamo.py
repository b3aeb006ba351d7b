"""A thin, thread-safe wrapper over the DynamoDB client: plain dicts in, plain dicts out.

Clients are created lazily (tests start moto before the first call) and numbers come back as
Decimal, never float.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
_lock = threading.Lock()
_clients: dict[str, Any] = {}

BATCH_GET_LIMIT = 100
TRANSACT_GET_LIMIT = 100  # DynamoDB's limit of items in one TransactGetItems
TRANSACT_GET_ATTEMPTS = 8  # reads cancelled by a transaction in flight on one of the items
# Unprocessed keys of a BatchGetItem (throttling, the 16 MB answer limit) are asked for again after
# a capped exponential backoff with full jitter, as AWS advises: never in a tight loop.
UNPROCESSED_BASE_SECONDS = 0.05
UNPROCESSED_MAX_SECONDS = 2.0
UNPROCESSED_MAX_RETRIES = 10
MAX_CONCURRENT_REQUESTS = 32


class ConditionFailed(Exception):
    """A conditional write lost: the item was not in the state the writer expected."""

    def __init__(self, message: str = "condition failed", item: dict | None = None, reasons: list | None = None):
        super().__init__(message)
        self.item = item
        self.reasons = reasons or []


class WriteOutcomeUnknown(Exception):
    """The write was sent but no answer came back (time-out, dropped connection): DynamoDB may or may
    not have applied it. Only a read can tell; callers whose writes carry a commit key can."""


class ItemTooLarge(Exception):
    """A write would make an item larger than DynamoDB's 400 KB item limit (nothing was written)."""


def client(service: str = "dynamodb"):
    with _lock:
        if service not in _clients:
            _clients[service] = boto3.client(
                service,
                config=Config(
                    retries={"mode": "standard", "max_attempts": 5},
                    # Reads made at once (lms.storage.concurrent) each need a connection of their own.
                    max_pool_connections=MAX_CONCURRENT_REQUESTS,
                ),
            )
        return _clients[service]


def reset_clients() -> None:
    with _lock:
        _clients.clear()


def serialize(item: Mapping[str, Any]) -> dict:
    return {k: _serializer.serialize(v) for k, v in item.items() if v is not None}


def deserialize(item: Mapping[str, Any] | None) -> dict | None:
    if item is None:
        return None
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


def values(mapping: Mapping[str, Any]) -> dict:
    return {k: _serializer.serialize(v) for k, v in mapping.items()}


@dataclass(frozen=True)
class Key:
    pk: str
    sk: str

    def av(self) -> dict:
        return {"PK": {"S": self.pk}, "SK": {"S": self.sk}}


@dataclass(frozen=True)
class ItemRef:
    """An item of any table by its key attributes (string-valued), for reads across tables."""

    table: str
    key: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, table: str, key: Key | Mapping[str, str]) -> ItemRef:
        pairs = {"PK": key.pk, "SK": key.sk} if isinstance(key, Key) else key
        return cls(table, tuple(sorted(pairs.items())))

    def av(self) -> dict:
        return {name: {"S": value} for name, value in self.key}

    def matches(self, item: Mapping[str, Any]) -> bool:
        return all(item.get(name) == value for name, value in self.key)


def batch_get_across(refs: list[ItemRef]) -> list[dict | None]:
    """Strongly consistent reads of items in any tables, in one BatchGetItem round trip (more only
    for keys DynamoDB leaves unprocessed): the item for each ref, in order, None where absent."""
    found: list[dict | None] = [None] * len(refs)
    for start in range(0, len(refs), BATCH_GET_LIMIT):
        chunk = list(enumerate(refs[start : start + BATCH_GET_LIMIT], start))
        request: dict[str, dict] = {}
        for _, ref in chunk:
            request.setdefault(ref.table, {"Keys": [], "ConsistentRead": True})["Keys"].append(ref.av())
        retry = 0
        while True:
            result = client().batch_get_item(RequestItems=request)
            for table, items in result.get("Responses", {}).items():
                for item in map(deserialize, items):
                    for index, ref in chunk:
                        if ref.table == table and ref.matches(item):
                            found[index] = item
            request = result.get("UnprocessedKeys") or {}
            if not request:
                break
            _retry_unprocessed(retry)
            retry += 1
    return found


class UnprocessedKeys(Exception):
    """DynamoDB left keys of a batch read unprocessed after every retry (sustained throttling)."""


def unprocessed_backoff(retry: int) -> float:
    """Seconds before retry number `retry` (from 0) of unprocessed keys: full jitter, capped."""
    return random.uniform(0, min(UNPROCESSED_MAX_SECONDS, UNPROCESSED_BASE_SECONDS * 2**retry))


def _retry_unprocessed(retry: int) -> None:
    if retry >= UNPROCESSED_MAX_RETRIES:
        raise UnprocessedKeys(f"keys still unprocessed after {retry} retries")
    time.sleep(unprocessed_backoff(retry))


class Table:
    """One DynamoDB table with the generic PK/SK key schema."""

    def __init__(self, name: str):
        self.name = name

    @property
    def _client(self):
        return client()

    def get(self, key: Key, *, consistent: bool = True, projection: str | None = None, names=None) -> dict | None:
        kwargs: dict[str, Any] = {"TableName": self.name, "Key": key.av(), "ConsistentRead": consistent}
        if projection:
            kwargs["ProjectionExpression"] = projection
        if names:
            kwargs["ExpressionAttributeNames"] = names
        return deserialize(self._client.get_item(**kwargs).get("Item"))

    def put(
        self,
        item: Mapping[str, Any],
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values_: Mapping[str, Any] | None = None,
    ) -> None:
        kwargs: dict[str, Any] = {"TableName": self.name, "Item": serialize(item)}
        _add_condition(kwargs, condition, names, values_)
        try:
            self._client.put_item(**kwargs, ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except ClientError as err:
            raise _translate(err) from err
        except (ReadTimeoutError, ConnectionClosedError) as err:
            raise WriteOutcomeUnknown(f"no answer to a write to {self.name}: {err}") from err

    def update(
        self,
        key: Key | Mapping[str, str],
        update: str,
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values_: Mapping[str, Any] | None = None,
        return_values: str = "ALL_NEW",
    ) -> dict | None:
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "Key": key.av() if isinstance(key, Key) else serialize(key),
            "UpdateExpression": update,
            "ReturnValues": return_values,
        }
        _add_condition(kwargs, condition, names, values_)
        try:
            result = self._client.update_item(**kwargs, ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except ClientError as err:
            raise _translate(err) from err
        return deserialize(result.get("Attributes"))

    def query(
        self,
        key_condition: str,
        values_: Mapping[str, Any],
        *,
        names: Mapping[str, str] | None = None,
        index: str | None = None,
        forward: bool = True,
        consistent: bool = False,
        projection: str | None = None,
        filter_: str | None = None,
        limit: int | None = None,
    ) -> Iterator[dict]:
        """Yield every matching item, following pages until `limit` items have been yielded."""
        kwargs = self._query_kwargs(key_condition, values_, index, projection)
        kwargs["ScanIndexForward"] = forward
        if names:
            kwargs["ExpressionAttributeNames"] = dict(names)
        if consistent and not index:
            kwargs["ConsistentRead"] = True
        if filter_:
            kwargs["FilterExpression"] = filter_
        if limit and not filter_:
            kwargs["Limit"] = limit
        yielded = 0
        while True:
            page = self._client.query(**kwargs)
            for raw in page.get("Items", []):
                yield deserialize(raw)
                yielded += 1
                if limit and yielded >= limit:
                    return
            last = page.get("LastEvaluatedKey")
            if not last:
                return
            kwargs["ExclusiveStartKey"] = last

    def _query_kwargs(
        self, key_condition: str, values_: Mapping[str, Any], index: str | None, projection: str | None
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeValues": values(values_),
        }
        if index:
            kwargs["IndexName"] = index
        if projection:
            kwargs["ProjectionExpression"] = projection
        return kwargs

    def query_page(
        self,
        key_condition: str,
        values_: Mapping[str, Any],
        *,
        index: str | None = None,
        limit: int | None = None,
        start: Mapping[str, Any] | None = None,
        projection: str | None = None,
        forward: bool = True,
        consistent: bool = False,
        filter_: str | None = None,
        names: Mapping[str, str] | None = None,
    ) -> tuple[list[dict], dict | None]:
        """One page of a Query (one request: at most `limit` items evaluated and 1 MB; a filter
        drops some of those), and the key to continue from (None once the end is reached)."""
        kwargs = self._query_kwargs(key_condition, values_, index, projection)
        kwargs["ScanIndexForward"] = forward
        if filter_:
            kwargs["FilterExpression"] = filter_
        if names:
            kwargs["ExpressionAttributeNames"] = dict(names)
        if limit:
            kwargs["Limit"] = limit
        if consistent and not index:
            kwargs["ConsistentRead"] = True
        if start:
            kwargs["ExclusiveStartKey"] = serialize(start)
        page = self._client.query(**kwargs)
        last = page.get("LastEvaluatedKey")
        return [deserialize(raw) for raw in page.get("Items", [])], deserialize(last) if last else None

    def batch_get(self, keys: list[Key], *, consistent: bool = True) -> list[dict]:
        """Fetch items by key, in the order of `keys` (missing ones are left out)."""
        found: dict[tuple[str, str], dict] = {}
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            pending = [k.av() for k in keys[start : start + BATCH_GET_LIMIT]]
            retry = 0
            while pending:
                result = self._client.batch_get_item(
                    RequestItems={self.name: {"Keys": pending, "ConsistentRead": consistent}}
                )
                for raw in result.get("Responses", {}).get(self.name, []):
                    item = deserialize(raw)
                    found[(item["PK"], item["SK"])] = item
                pending = result.get("UnprocessedKeys", {}).get(self.name, {}).get("Keys", [])
                if pending:
                    _retry_unprocessed(retry)
                    retry += 1
        return [found[(k.pk, k.sk)] for k in keys if (k.pk, k.sk) in found]

    def transact_get(self, keys: list[Key], attempts: int = TRANSACT_GET_ATTEMPTS) -> list[dict | None]:
        """Items by key read as one serializable snapshot (at most TRANSACT_GET_LIMIT): no
        transaction writing some of them is seen in part. A read cancelled by a transaction in
        flight on one of them (TransactionConflict) is read again, a bounded number of times."""
        if len(keys) > TRANSACT_GET_LIMIT:
            raise ValueError(f"a snapshot reads at most {TRANSACT_GET_LIMIT} items, not {len(keys)}")
        if not keys:
            return []
        items = [{"Get": {"TableName": self.name, "Key": k.av()}} for k in keys]
        retry = 0
        while True:
            try:
                result = self._client.transact_get_items(TransactItems=items)
                return [deserialize(r.get("Item")) for r in result.get("Responses", [])]
            except ClientError as err:
                translated = _translate(err)
                retry += 1
                if not isinstance(translated, ConditionFailed) or retry == attempts:
                    raise translated from err
                time.sleep(unprocessed_backoff(retry - 1))

    def transact_write(self, actions: list[dict]) -> None:
        """Write several items atomically, all or none (a loan's head with its history pages; a
        customer with its uniqueness guard)."""
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as err:
            raise _translate(err) from err
        except (ReadTimeoutError, ConnectionClosedError) as err:
            raise WriteOutcomeUnknown(f"no answer to a transaction on {self.name}: {err}") from err

    def next_id(self, sequence: str) -> int:
        """Allocate the next number of a named sequence (ids people read and type)."""
        item = self.update(
            Key("COUNTER", sequence),
            "ADD #value :one",
            names={"#value": "value"},
            values_={":one": 1},
            return_values="UPDATED_NEW",
        )
        return int(item["value"])

    # Builders for transact_write actions.
    def put_action(self, item: Mapping[str, Any], condition: str | None = None, names=None, values_=None) -> dict:
        action: dict[str, Any] = {"TableName": self.name, "Item": serialize(item)}
        _add_condition(action, condition, names, values_)
        return {"Put": action}

    def update_action(self, key: Key, update: str, condition: str | None = None, names=None, values_=None) -> dict:
        action: dict[str, Any] = {"TableName": self.name, "Key": key.av(), "UpdateExpression": update}
        _add_condition(action, condition, names, values_)
        return {"Update": action}


def _add_condition(kwargs: dict, condition, names, values_) -> None:
    if condition:
        kwargs["ConditionExpression"] = condition
    if names:
        kwargs["ExpressionAttributeNames"] = dict(names)
    if values_:
        kwargs["ExpressionAttributeValues"] = values(values_)


def _translate(err: ClientError) -> Exception:
    code = err.response.get("Error", {}).get("Code")
    if code == "ConditionalCheckFailedException":
        return ConditionFailed(item=deserialize(err.response.get("Item")))
    if code == "TransactionCanceledException":
        reasons = err.response.get("CancellationReasons") or []
        if any(r.get("Code") == "ConditionalCheckFailed" for r in reasons):
            return ConditionFailed("transaction condition failed", reasons=reasons)
        if any(r.get("Code") == "TransactionConflict" for r in reasons):
            return ConditionFailed("transaction conflict", reasons=reasons)
    if code == "ValidationException" and "size" in str(err):
        return ItemTooLarge(str(err))
    return err
