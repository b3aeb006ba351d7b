"""No API key, and no Authorization header, ever reaches a log line, even at DEBUG."""

from __future__ import annotations

import io

import pytest

from lms import observability
from tests.support.client import ApiClient
from tests.support.data import active_loan, repay
from tests.support.fixtures import ADMIN_KEY


@pytest.fixture
def every_log_line(monkeypatch):
    written = io.StringIO()
    monkeypatch.setattr(observability.logger.registered_handler, "stream", written)
    level = observability.logger.log_level
    observability.logger.setLevel("DEBUG")
    yield written
    observability.logger.setLevel(level)


def test_keys_never_reach_the_logs(admin, local_api, drain, seeded, every_log_line):
    drain()  # the seeded float reaches the ledger, so loans can be disbursed
    created = admin.post("/v1/api-keys", {"name": "ops", "role": "operator"}).json
    operator = ApiClient(local_api, created["key"])
    loan = active_loan(operator)
    assert repay(operator, loan["id"], 2000).status == 200
    assert repay(operator, loan["id"], "not a number").status == 400  # refused input is logged
    assert ApiClient(local_api, created["key"] + "x").get("/v1/loans").status == 401
    assert admin.delete(f"/v1/api-keys/{created['id']}").status in (200, 204)
    drain()  # the push reads the accounting system's key from Secrets Manager
    logged = every_log_line.getvalue()
    assert "request refused" in logged  # the capture sees the functions' lines
    for secret in (ADMIN_KEY, created["key"], created["key"][4:]):
        assert secret not in logged
    assert "Bearer " not in logged
