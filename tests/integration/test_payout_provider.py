"""Issue 26, case 9: a stack pays out through the sandbox only where its settings say so; one with no
provider refuses disbursements (503 PAYOUT_PROVIDER_NOT_CONFIGURED) before anything is written."""

from __future__ import annotations

import pytest

from lms.config import reset_settings
from tests.support.data import approved_loan, key

REFUSED = {
    "code": "unavailable",
    "reason": "PAYOUT_PROVIDER_NOT_CONFIGURED",
}


@pytest.fixture
def no_provider(monkeypatch):
    monkeypatch.setenv("PAYOUT_PROVIDER", "none")
    reset_settings()
    yield monkeypatch
    monkeypatch.setenv("PAYOUT_PROVIDER", "sandbox")
    reset_settings()


CASH = {"depositAccount": "CASH001", "cashierId": "EMP001", "branchCode": "BR001"}


def _disburse(client, loan_id, method="CASH", details=CASH):
    body = {"actualDisbursementDate": "2026-05-23", "transactionAmount": 10000, "paymentMethod": method}
    if details:
        body["paymentDetails"] = details
    return client.post(f"/v1/loans/{loan_id}/disburse", body, headers=key())


def test_without_a_provider_a_disbursement_is_refused_and_nothing_is_written(operator, admin, drain, no_provider):
    drain()
    loan = approved_loan(operator)
    entries_before = admin.get("/v1/ledger/entries").json["total"]
    reply = _disburse(operator, loan["id"])
    assert reply.status == 503, reply
    assert {k: reply.json[k] for k in REFUSED} == REFUSED
    assert "No payout provider is configured for CASH" in reply.json["message"]
    assert operator.get(f"/v1/loans/{loan['id']}").json["status"] == "Approved"
    drain()
    assert admin.get("/v1/ledger/entries").json["total"] == entries_before
    bulk = operator.post(
        "/v1/loans/bulk-disburse",
        {"disbursements": [{"loanId": loan["id"], "actualDisbursementDate": "2026-05-23", "transactionAmount": 10000}]},
        headers=key(),
    )
    [item] = bulk.json["results"]
    assert (item["success"], item["error"]["reason"]) == (False, "PAYOUT_PROVIDER_NOT_CONFIGURED"), bulk
    assert operator.get(f"/v1/loans/{loan['id']}").json["status"] == "Approved"


def test_a_provider_per_method_overrides_the_stacks(operator, drain, no_provider):
    drain()
    no_provider.setenv("PAYOUT_PROVIDERS", '{"CASH": "sandbox"}')
    reset_settings()
    assert _disburse(operator, approved_loan(operator)["id"]).status == 200
    refused = _disburse(
        operator, approved_loan(operator)["id"], "TIPS_MNO", {"phoneNumber": "255712345678", "mnoProvider": "MPESA"}
    )
    assert (refused.status, refused.json["reason"]) == (503, "PAYOUT_PROVIDER_NOT_CONFIGURED")
    no_provider.delenv("PAYOUT_PROVIDERS")


def test_the_template_has_no_sandbox_default_and_prod_names_none():
    import tomllib

    from tests.conftest import STACK
    from tests.deploy.conftest import ROOT

    template = (ROOT / "template.yaml").read_text(encoding="utf-8")
    from samtranslator.yaml_helper import yaml_parse

    parameter = yaml_parse(template)["Parameters"]["PayoutProvider"]
    assert parameter["Default"] == "none"
    assert STACK.resources  # the settings every function gets include the provider
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    overrides = {
        env: dict(i.split("=", 1) for i in config[env]["deploy"]["parameters"]["parameter_overrides"].split())
        for env in ("default", "dev", "prod")
    }
    assert overrides["prod"]["PayoutProvider"] == "none"
    assert overrides["dev"]["PayoutProvider"] == "sandbox"
    assert overrides["default"].get("PayoutProvider", "none") == "none"
