"""Issue 26, case 9: unprocessed BatchGetItem keys are retried after a capped, jittered exponential
backoff, not in a tight loop, and a batch that never gets through fails instead of spinning."""

from __future__ import annotations

import pytest

from lms.storage import dynamo
from lms.storage.dynamo import ItemRef, Key, Table

ITEM = {"PK": {"S": "A"}, "SK": {"S": "B"}, "v": {"N": "1"}}


class Throttled:
    """A client that leaves every key unprocessed `times` times, then answers."""

    def __init__(self, times: int):
        self.times = times
        self.calls = 0

    def batch_get_item(self, RequestItems):  # noqa: N803 (boto3's name)
        self.calls += 1
        if self.calls <= self.times:
            return {"Responses": {}, "UnprocessedKeys": RequestItems}
        return {"Responses": {name: [ITEM] for name in RequestItems}}


@pytest.fixture
def slept(monkeypatch):
    delays: list[float] = []
    monkeypatch.setattr(dynamo.time, "sleep", delays.append)
    monkeypatch.setattr(dynamo.random, "uniform", lambda low, high: high)  # the jitter's upper bound
    return delays


@pytest.mark.parametrize("read", ["table", "across"])
def test_unprocessed_keys_wait_longer_each_time_up_to_the_cap(monkeypatch, slept, read):
    fake = Throttled(times=8)
    monkeypatch.setattr(dynamo, "client", lambda service="dynamodb": fake)
    if read == "table":
        table = Table("T")
        monkeypatch.setattr(Table, "_client", property(lambda self: fake))
        assert table.batch_get([Key("A", "B")]) == [{"PK": "A", "SK": "B", "v": 1}]
    else:
        assert dynamo.batch_get_across([ItemRef.of("T", Key("A", "B"))]) == [{"PK": "A", "SK": "B", "v": 1}]
    assert fake.calls == 9
    assert slept == [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0]


def test_the_jitter_is_full_and_within_the_cap():
    for retry in range(20):
        delay = dynamo.unprocessed_backoff(retry)
        assert 0 <= delay <= min(2.0, 0.05 * 2**retry)


def test_keys_that_never_get_through_fail_after_the_last_retry(monkeypatch, slept):
    fake = Throttled(times=1000)
    monkeypatch.setattr(Table, "_client", property(lambda self: fake))
    with pytest.raises(dynamo.UnprocessedKeys):
        Table("T").batch_get([Key("A", "B")])
    assert fake.calls == dynamo.UNPROCESSED_MAX_RETRIES + 1
    assert len(slept) == dynamo.UNPROCESSED_MAX_RETRIES
