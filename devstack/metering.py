"""What every DynamoDB request costs on AWS, measured on the emulator's wire.

Each request to the emulator is counted by operation, with the capacity units DynamoDB would
charge, computed from the items by DynamoDB's size rules:

- item size: for each attribute, the UTF-8 length of its name plus its value's size (strings:
  UTF-8 bytes; binary: bytes; numbers: about one byte per two significant digits plus one;
  booleans and null: 1; lists and maps: 3 bytes plus their elements, and map keys count as names);
- writes: 1 unit per KB of the item written (the larger of old and new for updates is not known
  here, so the new item's size, or the request's, is used), at least 1; in a transaction, twice;
- reads: 1 unit per 4 KB read, strongly consistent (half when eventually consistent), summed
  over a Query's or BatchGetItem's items and rounded up per request; in a transaction, twice.

Index writes are not counted: they depend on the item's previous image, which the wire does not
show; `docs/data-model.md` says which items carry index keys.
"""

from __future__ import annotations

import base64
import json
import math
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

KB = 1024
READ_UNIT = 4 * KB


def value_size(value: dict[str, Any]) -> int:
    ((kind, data),) = value.items()
    if kind == "S":
        return len(data.encode("utf-8"))
    if kind == "B":
        return len(base64.b64decode(data))
    if kind == "N":
        digits = len(data.lstrip("-").replace(".", "").lstrip("0").rstrip("0")) or 1
        return (digits + 1) // 2 + 1
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode("utf-8")) for s in data)
    if kind == "NS":
        return sum(value_size({"N": n}) for n in data)
    if kind == "BS":
        return sum(len(base64.b64decode(b)) for b in data)
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in data)
    if kind == "M":
        return 3 + sum(len(k.encode("utf-8")) + value_size(v) + 1 for k, v in data.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / KB))


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / READ_UNIT))
    return units if consistent else units / 2


@dataclass
class Usage:
    requests: int = 0
    read_units: float = 0.0
    write_units: float = 0.0
    bytes_written: int = 0
    bytes_read: int = 0
    seconds: float = 0.0  # the emulator's own time serving them (not AWS's)

    def add(self, other: Usage) -> None:
        self.seconds += other.seconds
        self.requests += other.requests
        self.read_units += other.read_units
        self.write_units += other.write_units
        self.bytes_written += other.bytes_written
        self.bytes_read += other.bytes_read

    def as_dict(self) -> dict[str, float]:
        return {
            "requests": self.requests,
            "readUnits": round(self.read_units, 2),
            "writeUnits": round(self.write_units, 2),
            "bytesWritten": self.bytes_written,
            "bytesRead": self.bytes_read,
            "emulatorSeconds": round(self.seconds, 2),
        }


def usage_of(operation: str, request: dict[str, Any], response: dict[str, Any]) -> Usage:
    """The cost of one DynamoDB request/response pair."""
    usage = Usage(requests=1)
    consistent = bool(request.get("ConsistentRead"))
    if operation == "PutItem":
        size = item_size(request.get("Item"))
        usage.write_units, usage.bytes_written = write_units(size), size
    elif operation in ("UpdateItem", "DeleteItem"):
        size = item_size(response.get("Attributes")) or item_size(request.get("Key"))
        usage.write_units, usage.bytes_written = write_units(size), size
    elif operation == "GetItem":
        size = item_size(response.get("Item"))
        usage.read_units, usage.bytes_read = read_units(size, consistent), size
    elif operation in ("Query", "Scan"):
        size = sum(item_size(i) for i in response.get("Items", []))
        usage.read_units, usage.bytes_read = read_units(size, consistent and "IndexName" not in request), size
    elif operation == "BatchGetItem":
        for table, spec in request.get("RequestItems", {}).items():
            for item in response.get("Responses", {}).get(table, []):
                size = item_size(item)
                usage.read_units += read_units(size, bool(spec.get("ConsistentRead")))
                usage.bytes_read += size
    elif operation == "BatchWriteItem":
        for writes in request.get("RequestItems", {}).values():
            for write in writes:
                size = item_size(write.get("PutRequest", {}).get("Item")) or item_size(
                    write.get("DeleteRequest", {}).get("Key")
                )
                usage.write_units += write_units(size)
                usage.bytes_written += size
    elif operation == "TransactWriteItems":
        for action in request.get("TransactItems", []):
            ((kind, spec),) = action.items()
            size = item_size(spec.get("Item")) or item_size(spec.get("Key"))
            usage.write_units += 2 * write_units(size)
            usage.bytes_written += size if kind != "ConditionCheck" else 0
    elif operation == "TransactGetItems":
        for result in response.get("Responses", []):
            size = item_size(result.get("Item"))
            usage.read_units += 2 * read_units(size, True)
            usage.bytes_read += size
    return usage


def usage_by_table(operation: str, request: dict[str, Any], response: dict[str, Any]) -> dict[str, Usage]:
    """The cost of one request split by table (a transaction or batch can span tables): units and
    bytes where the items are; the request itself counted once, under its first table."""
    if operation == "TransactWriteItems":
        parts: dict[str, list] = {}
        for action in request.get("TransactItems", []):
            ((_kind, spec),) = action.items()
            parts.setdefault(spec.get("TableName", ""), []).append(action)
        split = {table: usage_of(operation, {"TransactItems": actions}, {}) for table, actions in parts.items()}
    elif operation in ("BatchGetItem", "BatchWriteItem"):
        responses = response.get("Responses", {})
        split = {
            table: usage_of(
                operation, {"RequestItems": {table: spec}}, {"Responses": {table: responses.get(table, [])}}
            )
            for table, spec in request.get("RequestItems", {}).items()
        }
    else:
        return {table_of(request): usage_of(operation, request, response)}
    for index, usage in enumerate(split.values()):
        usage.requests = 1 if index == 0 else 0
    return split or {"": Usage(requests=1)}


def table_of(request: dict[str, Any]) -> str:
    if "TableName" in request:
        return request["TableName"]
    for action in request.get("TransactItems", []):
        ((_kind, spec),) = action.items()
        return spec.get("TableName", "")
    return next(iter(request.get("RequestItems", {})), "")


def caller_of(user_agent: str) -> str:
    """The function that made a request (its environments set AWS_SDK_UA_APP_ID), or "other"."""
    for part in user_agent.split():
        if part.startswith("app/"):
            return part[4:]
    return "other"


@dataclass
class Meter:
    """Usage per DynamoDB operation and per calling function, since the last reset; thread-safe."""

    by_operation: dict[str, Usage] = field(default_factory=lambda: defaultdict(Usage))
    by_caller: dict[str, dict[str, Usage]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Usage)))
    # caller -> table -> usage (a transaction or batch spanning tables is split by table, its
    # request counted under its first table)
    by_table: dict[str, dict[str, Usage]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(Usage)))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(
        self, operation: str, request_body: bytes, response_body: bytes, seconds: float = 0.0, caller: str = "other"
    ) -> None:
        try:
            request = json.loads(request_body or b"{}")
            response = json.loads(response_body or b"{}")
        except ValueError:
            request, response = {}, {}
        usage = usage_of(operation, request, response)
        usage.seconds = seconds
        with self._lock:
            self.by_operation[operation].add(usage)
            self.by_caller[caller][operation].add(usage)
            for table, part in usage_by_table(operation, request, response).items():
                self.by_table[caller][table].add(part)

    def reset(self) -> None:
        with self._lock:
            self.by_operation.clear()
            self.by_caller.clear()
            self.by_table.clear()

    def wait_until_quiet(self, seconds: float = 2.0, limit: float = 600, poll: float = 0.5) -> None:
        """Until no DynamoDB request came for `seconds` (the stream and queue workers have nothing
        left to do), or `limit` seconds have passed."""
        deadline = time.monotonic() + limit
        last, since = self.total().requests, time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(poll)
            now = self.total().requests
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= seconds:
                return

    def of_table(self, caller: str, table_prefix: str) -> Usage:
        """What `caller` spent on tables whose name starts with `table_prefix`."""
        with self._lock:
            total = Usage()
            for table, usage in self.by_table.get(caller, {}).items():
                if table.startswith(table_prefix):
                    total.add(usage)
            return total

    def total(self) -> Usage:
        with self._lock:
            total = Usage()
            for usage in self.by_operation.values():
                total.add(usage)
            return total

    def snapshot(self) -> dict[str, dict[str, float]]:
        with self._lock:
            return {op: usage.as_dict() for op, usage in sorted(self.by_operation.items())}

    def of_caller(self, caller: str) -> Usage:
        with self._lock:
            total = Usage()
            for usage in self.by_caller.get(caller, {}).values():
                total.add(usage)
            return total

    def callers(self) -> dict[str, dict[str, dict[str, float]]]:
        with self._lock:
            return {
                caller: {op: usage.as_dict() for op, usage in sorted(ops.items())}
                for caller, ops in sorted(self.by_caller.items())
            }
