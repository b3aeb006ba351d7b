"""Every list also pages by token (issue 29): `pageToken` in (empty for the first page),
`nextPageToken` out, at a cost per page that does not grow with the list, with the same rows in the
same order as paging by number; a token of another list, or edited, is refused by name."""

from __future__ import annotations

import base64
import json

import pytest

from lms.storage.dynamo import Table
from tests.support.data import active_loan, new_customer, repay


def pages_by_token(client, path: str, rows: int, **query) -> list[dict]:
    pages, token = [], ""
    while token is not None:
        reply = client.get(path, query={**query, "rows": rows, "pageToken": token})
        assert reply.status == 200, reply
        assert "total" not in reply.json and "page" not in reply.json
        pages.append(reply.json)
        token = reply.json.get("nextPageToken")
        assert len(pages) < 50
    return pages


@pytest.fixture
def keys_read(monkeypatch) -> list[int]:
    """How many keys each Query page of the token path returned."""
    read: list[int] = []
    original = Table.query_page

    def counted(table, *args, **kwargs):
        items, last = original(table, *args, **kwargs)
        read.append(len(items))
        return items, last

    monkeypatch.setattr(Table, "query_page", counted)
    return read


def test_customers_by_token_are_the_same_rows_as_by_number_and_each_page_reads_only_its_keys(admin, keys_read):
    for n in range(7):
        new_customer(admin, firstname=f"Token{n}", externalId=f"tok-{n}")
    by_number = admin.get("/v1/customers", query={"rows": 99}).json["items"]
    keys_read.clear()
    pages = pages_by_token(admin, "/v1/customers", 3)
    sizes = [len(p["items"]) for p in pages]
    # Full pages, then the rest (a page that ends exactly at the list's end is followed by an empty one).
    assert all(size == 3 for size in sizes[:-1]) and sizes[-1] <= 3 and len(sizes) >= 3, sizes
    assert [c["id"] for p in pages for c in p["items"]] == [c["id"] for c in by_number]
    # No page read more keys than it shows: the cost of a page does not depend on the list's length.
    assert max(keys_read) <= 3
    assert sum(keys_read) == len(by_number)


def test_a_token_of_another_list_or_edited_is_refused_with_the_field(admin):
    for n in range(3):
        new_customer(admin, externalId=f"tok-b-{n}")
    token = admin.get("/v1/customers", query={"rows": 1, "pageToken": ""}).json["nextPageToken"]
    other = admin.get("/v1/loan-products", query={"rows": 1, "pageToken": token})
    assert (other.status, other.json["details"][0]["field"]) == (400, "pageToken"), other
    assert "another list" in other.json["details"][0]["message"]
    for bad in ["not-a-token", "e30", base64.urlsafe_b64encode(b"[1]").decode()]:
        reply = admin.get("/v1/customers", query={"pageToken": bad})
        assert (reply.status, reply.json["details"][0]["field"]) == (400, "pageToken"), (bad, reply)
    state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    state["k"] = {**state["k"], "TypePK": "LOAN"}  # a start key outside the list: DynamoDB refuses it
    forged = base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")
    reply = admin.get("/v1/customers", query={"pageToken": forged})
    assert (reply.status, reply.json["details"][0]["field"]) == (400, "pageToken"), reply
    state["k"] = {"PK": 1}
    forged = base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")
    assert admin.get("/v1/customers", query={"pageToken": forged}).status == 400


def test_journal_entries_with_a_filter_and_a_loans_transactions_page_by_token(admin, operator, funded, drain):
    loan = active_loan(operator)
    for _ in range(4):
        assert repay(operator, loan["id"], 100).status == 200
    drain()
    all_posted = admin.get("/v1/ledger/entries", query={"status": "posted", "rows": 99}).json["items"]
    pages = pages_by_token(admin, "/v1/ledger/entries", 2, status="posted")
    assert [e["id"] for p in pages for e in p["items"]] == [e["id"] for e in all_posted]
    transactions = admin.get(f"/v1/loans/{loan['id']}/transactions", query={"rows": 99}).json["items"]
    pages = pages_by_token(admin, f"/v1/loans/{loan['id']}/transactions", 2)
    assert [len(p["items"]) for p in pages] == [2, 2, 1]
    assert [t["id"] for p in pages for t in p["items"]] == [t["id"] for t in transactions]


def test_offset_paging_is_unchanged(admin):
    for n in range(3):
        new_customer(admin, externalId=f"tok-c-{n}")
    reply = admin.get("/v1/customers", query={"rows": 2, "page": 2}).json
    assert (reply["page"], reply["rowsPerPage"], reply["total"] >= 3, "nextPageToken" in reply) == (2, 2, True, False)
