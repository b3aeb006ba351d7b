"""GET /v1/loans?inArrears=true: delinquent loans oldest arrears first, over the sparse ArrearsIndex,
by bucket, office and product, paged by a cursor that holds each bucket's position.

The markers (`arrearsKey`, `arrearsBucket`, `overdueSince`) are written by every loan commit
(cob-penalty's part); here they are set on the heads of real loans as those commits leave them.
"""

from __future__ import annotations

import pytest

from lms.config import get_settings
from lms.storage.dynamo import Key, Table
from tests.support.data import active_loan


def mark(loan_id, bucket: str | None, overdue_since: str | None = None, **attributes) -> None:
    table = Table(get_settings().table_name)
    key = Key(f"LOAN#{loan_id}", "LOAN")
    if bucket is None:
        table.update(key, "REMOVE arrearsKey, arrearsBucket, overdueSince")
        return
    names = {f"#a{i}": k for i, k in enumerate(attributes)}
    values = {f":a{i}": v for i, v in enumerate(attributes.values())}
    sets = ", ".join(
        [
            "arrearsKey = :k",
            "arrearsBucket = :b",
            "overdueSince = :o",
            *(f"{n} = {v}" for n, v in zip(names, values, strict=True)),
        ]
    )
    table.update(
        key,
        "SET " + sets,
        names=names or None,
        values_={":k": f"ARREARS#{bucket}", ":b": bucket, ":o": overdue_since, **values},
    )


def arrears(client, **query):
    return client.get("/v1/loans", query={"inArrears": "true", **query})


def ids(reply) -> list[str]:
    assert reply.status == 200, reply
    return [loan["id"] for loan in reply.json["items"]]


@pytest.fixture
def delinquent(operator, funded):
    """Seven loans: six in arrears in four buckets (overdue since various dates), one not."""
    loans = [active_loan(operator, on="2026-05-23")["id"] for _ in range(7)]
    since = {
        0: ("181+", "2026-05-30"),
        1: ("31-60", "2026-10-20"),
        2: ("1-30", "2026-11-20"),
        3: ("181+", "2026-05-02"),
        4: ("1-30", "2026-11-10"),
        5: ("91-180", "2026-07-01"),
    }
    for index, (bucket, day) in since.items():
        mark(loans[index], bucket, day)
    mark(loans[6], None)  # its own commits marked it (it is really late): the one not in the index
    oldest_first = [loans[i] for i in (3, 0, 5, 1, 4, 2)]
    return loans, oldest_first


def test_every_bucket_merged_oldest_arrears_first_page_by_page(viewer, delinquent):
    _loans, oldest_first = delinquent
    whole = arrears(viewer, rows=20)
    assert ids(whole) == oldest_first
    assert set(whole.json) == {"items", "rowsPerPage"}  # no nextCursor: that was everything
    assert whole.json["items"][0]["status"] == "Active"

    walked, cursor, pages = [], None, 0
    while True:
        reply = arrears(viewer, rows=2, **({"cursor": cursor} if cursor else {}))
        walked += ids(reply)
        pages += 1
        cursor = reply.json.get("nextCursor")
        if cursor is None:
            break
    assert walked == oldest_first  # each once, in order, across the buckets' pages
    assert pages in (3, 4)  # the last page may be empty: a bucket ends where its page did


def test_one_bucket_oldest_first(viewer, delinquent):
    loans, _ = delinquent
    assert ids(arrears(viewer, bucket="1-30")) == [loans[4], loans[2]]
    assert ids(arrears(viewer, bucket="181+", rows=1)) == [loans[3]]
    assert ids(arrears(viewer, bucket="61-90")) == []


def test_a_loan_that_left_arrears_leaves_the_list(viewer, delinquent):
    loans, oldest_first = delinquent
    mark(loans[0], None)
    assert ids(arrears(viewer)) == [i for i in oldest_first if i != loans[0]]


def test_office_and_product_filter_the_index_without_reading_other_loans(viewer, delinquent):
    loans, oldest_first = delinquent
    mark(loans[5], "91-180", "2026-07-01", officeId=2)
    mark(loans[1], "31-60", "2026-10-20", productId=7)
    assert ids(arrears(viewer, officeId=2)) == [loans[5]]
    assert ids(arrears(viewer, officeId=1)) == [i for i in oldest_first if i != loans[5]]
    assert ids(arrears(viewer, productId=7, bucket="31-60")) == [loans[1]]
    assert ids(arrears(viewer, productId=7, bucket="1-30")) == []
    # A filter that drops most of a bucket still fills its page, and walks every loan once.
    walked, cursor = [], None
    while True:
        reply = arrears(viewer, rows=1, officeId=1, **({"cursor": cursor} if cursor else {}))
        walked += ids(reply)
        cursor = reply.json.get("nextCursor")
        if cursor is None:
            break
    assert walked == [i for i in oldest_first if i != loans[5]]


def test_the_plain_list_is_unchanged(viewer, delinquent):
    _loans, _ = delinquent
    reply = viewer.get("/v1/loans", query={"rows": 3})
    assert set(reply.json) == {"items", "total", "page", "rowsPerPage"}
    assert reply.json["total"] == 7


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"inArrears": "yes"}, "inArrears", "must be true or false"),
        ({"inArrears": "false"}, "inArrears", "only true is supported"),
        ({"bucket": "31-60"}, "bucket", "is only used with inArrears=true"),
        ({"officeId": "1"}, "officeId", "is only used with inArrears=true"),
        ({"cursor": "abc"}, "cursor", "is only used with inArrears=true"),
        ({"inArrears": "true", "bucket": "17-20"}, "bucket", "is not a delinquency bucket of any product"),
        ({"inArrears": "true", "page": "2"}, "page", "follow nextCursor"),
        ({"inArrears": "true", "customerId": "1"}, "customerId", "cannot be combined with inArrears=true"),
        ({"inArrears": "true", "status": "Active"}, "status", "cannot be combined with inArrears=true"),
        ({"inArrears": "true", "cursor": "%%%not-base64"}, "cursor", "is not a cursor this list returned"),
        ({"inArrears": "true", "officeId": "0"}, "officeId", ""),
    ],
)
def test_bad_filters_are_refused_with_the_field(viewer, query, field, message):
    reply = viewer.get("/v1/loans", query=query)
    assert reply.status == 400, reply
    details = {d["field"]: d["message"] for d in reply.json["details"]}
    assert field in details, reply.json
    assert message in details[field]


def test_a_cursor_of_another_list_is_refused(viewer, delinquent):
    cursor = arrears(viewer, rows=1).json["nextCursor"]
    reply = arrears(viewer, rows=1, bucket="1-30", cursor=cursor)
    assert (reply.status, reply.json["details"][0]["field"]) == (400, "cursor")
    assert "belongs to another list" in reply.json["details"][0]["message"]
