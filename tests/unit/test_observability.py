"""Correlation ids in every API log line, and the EMF metrics of loan operations."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, replace
from decimal import Decimal

import pytest

from lms import observability
from lms.loans.service.unit_of_work import LoanUnitOfWork
from tests.unit.test_loan_transitions import RacingStore, a_loan, edit_external_id


@dataclass
class LambdaContext:
    function_name: str = "CreateRepaymentFunction"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:CreateRepaymentFunction"
    aws_request_id: str = "lambda-request-1"


def emitted(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


@pytest.fixture
def metrics_on(monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")


def test_api_log_lines_carry_api_gateways_request_id(monkeypatch):
    written = io.StringIO()
    monkeypatch.setattr(observability.logger.registered_handler, "stream", written)

    def handler(event, context):
        observability.logger.critical("recorded")  # tests log at CRITICAL only
        return {"statusCode": 200}

    observability.observed(handler)({"requestContext": {"requestId": "apigw-req-42"}, "path": "/v1/x"}, LambdaContext())
    lines = [json.loads(line) for line in written.getvalue().splitlines()]
    lines = [line for line in lines if line.get("message") == "recorded"]
    assert [(line["correlation_id"], line["function_request_id"]) for line in lines] == [
        ("apigw-req-42", "lambda-request-1")
    ]


def test_a_loan_operation_is_counted_with_its_amount_in_minor_units(capsys, metrics_on):
    observability.record_loan_operation("repay", "TZS", Decimal("1234.50"))
    observability.record_loan_operation("repay", "JPY", Decimal("700"))
    observability.record_loan_operation("approve", "KES", None)
    documents = emitted(capsys)
    figures = [
        (d["operation"], d["currency"], d["LoanOperations"], d.get("LoanOperationAmountMinorUnits")) for d in documents
    ]
    assert figures == [
        ("repay", "TZS", [1.0], [123450.0]),
        ("repay", "JPY", [1.0], [700.0]),
        ("approve", "KES", [1.0], None),
    ]
    definition = documents[0]["_aws"]["CloudWatchMetrics"][0]
    assert definition["Namespace"] == "LoanServicing"
    assert definition["Dimensions"] == [["operation", "currency", "service"]]
    assert documents[0]["service"] == "lms"


def test_metrics_stay_silent_when_disabled(capsys):
    observability.record_loan_operation("repay", "TZS", Decimal("1.00"))
    assert emitted(capsys) == []


def test_only_the_saved_attempt_of_an_operation_is_counted(capsys, metrics_on):
    store = RacingStore(a_loan(), losses=1)
    work = LoanUnitOfWork(loans=store, products=object(), funds=object(), sleep=lambda seconds: None)
    work.run(1, edit_external_id("x"))
    work.run(1, replace(edit_external_id("y", Decimal("10000.00")), name="disburse"))
    assert [(d["operation"], d.get("LoanOperationAmountMinorUnits")) for d in emitted(capsys)] == [
        ("edit", None),
        ("disburse", [1000000.0]),
    ]
