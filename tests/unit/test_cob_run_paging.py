"""Paging a shard of the CobDueIndex into work messages (the SQS and DynamoDB calls faked)."""

from datetime import date

import pytest

from lms.cob import service as cob_service
from lms.cob.run import LOANS_PER_MESSAGE, CobAttempt

DATE = date(2026, 12, 4)


class ShardOf:
    """One shard holding `count` due loans, read `page_size` at a time, as the CobDueIndex does."""

    def __init__(self, count: int, page_size: int):
        self.ids, self.page_size, self.queued = list(range(1, count + 1)), page_size, 0

    def loans_due(self, business_date, shard, start, limit):
        begin = 0 if start is None else start["after"]
        page = self.ids[begin : begin + self.page_size]
        end = begin + len(page)
        return page, ({"after": end} if end < len(self.ids) else None)

    def paged(self, business_date, number, queued, shard_done, now):
        self.queued += queued
        return CobAttempt(number=number, started_at="t", shards=1, shards_paged=int(shard_done), loans_queued=1)


@pytest.mark.parametrize("count,page_size", [(1250, 1000), (1250, 990), (70, 30), (24, 10), (50, 25)])
def test_a_shard_costs_the_same_messages_however_its_pages_fall(monkeypatch, count, page_size):
    sent: dict[str, list] = {"work": [], "pages": []}
    monkeypatch.setattr(
        cob_service,
        "_send",
        lambda url, bodies: sent["work" if url == "work" else "pages"].extend(bodies),
    )
    monkeypatch.setattr(
        cob_service,
        "get_settings",
        lambda: type("S", (), {"cob_work_queue_url": "work", "cob_pages_queue_url": "pages"}),
    )
    shard = ShardOf(count, page_size)
    service = cob_service.CobRunService(store=shard)
    message = {"start": None, "carried": []}
    while message is not None:
        before = len(sent["pages"])
        service.page(DATE, 1, 0, message["start"], message["carried"])
        message = sent["pages"][before] if len(sent["pages"]) > before else None
    queued = [loan for body in sent["work"] for loan in body["loanIds"]]
    assert queued == shard.ids  # every loan once, in index order
    assert shard.queued == count
    sizes = [len(body["loanIds"]) for body in sent["work"]]
    assert sizes[:-1] == [LOANS_PER_MESSAGE] * (len(sizes) - 1)  # only the shard's last may be short
    assert len(sizes) == -(-count // LOANS_PER_MESSAGE)
