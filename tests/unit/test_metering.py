"""The benchmarks' DynamoDB meter: capacity units by DynamoDB's size rules, split by table when one
request spans tables (a loan commit with its receipt; a batch read of a receipt and an account)."""

from __future__ import annotations

import json

from devstack.metering import Meter, item_size, usage_by_table


def string_item(name: str, size: int) -> dict:
    """An item of exactly `size` bytes: key `id` (2 + len(name)) and a string attribute `v`."""
    return {"id": {"S": name}, "v": {"S": "x" * (size - 2 - len(name) - 1)}}


def test_item_size_follows_dynamodbs_rules():
    assert item_size(string_item("a", 1500)) == 1500
    assert item_size({"n": {"N": "12345.67"}, "ok": {"BOOL": True}}) == 1 + 5 + 2 + 1


def test_a_transaction_across_tables_is_split_by_table_and_counted_once():
    request = {
        "TransactItems": [
            {"Put": {"TableName": "core", "Item": string_item("loan", 1500)}},  # 2 units, doubled
            {"Put": {"TableName": "core", "Item": string_item("page", 900)}},  # 1 unit, doubled
            {"Put": {"TableName": "idempotency", "Item": string_item("receipt", 2100)}},  # 3 units, doubled
        ]
    }
    split = usage_by_table("TransactWriteItems", request, {})
    assert {t: (u.requests, u.write_units, u.bytes_written) for t, u in split.items()} == {
        "core": (1, 6, 2400),
        "idempotency": (0, 6, 2100),
    }


def test_a_batch_read_across_tables_is_split_by_table():
    request = {
        "RequestItems": {
            "idempotency": {"Keys": [{"id": {"S": "r"}}], "ConsistentRead": True},
            "ledger": {"Keys": [{"id": {"S": "a"}}, {"id": {"S": "b"}}], "ConsistentRead": True},
        }
    }
    response = {"Responses": {"ledger": [string_item("a", 5000), string_item("b", 100)]}}
    split = usage_by_table("BatchGetItem", request, response)
    assert {t: (u.requests, u.read_units, u.bytes_read) for t, u in split.items()} == {
        "idempotency": (1, 0, 0),
        "ledger": (0, 3, 5100),  # 2 units for 5,000 bytes and 1 for 100, strongly consistent
    }


def test_the_meter_keeps_usage_per_caller_and_table():
    meter = Meter()
    request = {
        "TransactItems": [
            {"Put": {"TableName": "core-1", "Item": string_item("loan", 1000)}},
            {"Put": {"TableName": "idem-1", "Item": string_item("receipt", 500)}},
        ]
    }
    meter.record("TransactWriteItems", json.dumps(request).encode(), b"{}", caller="api")
    core, idem = meter.of_table("api", "core"), meter.of_table("api", "idem")
    assert (core.requests, core.write_units, core.bytes_written) == (1, 2, 1000)
    assert (idem.requests, idem.write_units, idem.bytes_written) == (0, 2, 500)
    assert meter.total().requests == 1
