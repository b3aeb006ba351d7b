"""Paging a shard of the accrual index into work messages (the SQS and DynamoDB calls faked)."""

from datetime import date

import pytest

from lms.revenue import service as revenue_service
from lms.revenue.run import LOANS_PER_MESSAGE, Attempt

MONTH = date(2026, 5, 1)


class ShardOf:
    """One shard holding `count` due loans, read `page_size` at a time, as the accrual index does."""

    def __init__(self, count: int, page_size: int):
        self.ids, self.page_size, self.queued = list(range(1, count + 1)), page_size, 0

    def loans_due(self, month_after, shard, start, limit):
        begin = 0 if start is None else start["after"]
        page = self.ids[begin : begin + self.page_size]
        end = begin + len(page)
        return page, ({"after": end} if end < len(self.ids) else None)

    def paged(self, month, number, queued, shard_done):
        self.queued += queued
        return Attempt(number=number, started_at="t", shards=1, shards_paged=int(shard_done), loans_queued=1)


@pytest.mark.parametrize("count,page_size", [(1250, 1000), (1250, 990), (70, 30), (24, 10), (50, 25)])
def test_a_shard_costs_the_same_messages_however_its_pages_fall(monkeypatch, count, page_size):
    sent: dict[str, list] = {"work": [], "pages": []}
    monkeypatch.setattr(
        revenue_service,
        "_send",
        lambda url, bodies: sent["work" if url == "work" else "pages"].extend(bodies),
    )
    monkeypatch.setattr(
        revenue_service,
        "get_settings",
        lambda: type("S", (), {"revenue_work_queue_url": "work", "revenue_pages_queue_url": "pages"}),
    )
    shard = ShardOf(count, page_size)
    service = revenue_service.RevenueRunService(store=shard, loans=object())
    message = {"start": None, "carried": []}
    while message is not None:
        before = len(sent["pages"])
        service.page(MONTH, 1, 0, message["start"], message["carried"])
        message = sent["pages"][before] if len(sent["pages"]) > before else None
    queued = [loan for body in sent["work"] for loan in body["loanIds"]]
    assert queued == shard.ids  # every loan once, in index order
    assert shard.queued == count
    sizes = [len(body["loanIds"]) for body in sent["work"]]
    assert sizes[:-1] == [LOANS_PER_MESSAGE] * (len(sizes) - 1)  # only the shard's last may be short
    assert len(sizes) == -(-count // LOANS_PER_MESSAGE)
