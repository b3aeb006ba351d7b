"""A client generated from the served OpenAPI document by openapi-python-client runs the seed's
worked example against the local stack: the document alone is enough to make money calls."""

from __future__ import annotations

import datetime as dt
import importlib
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import requests

from lms import jsonutil

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "lms_generated_client"


@pytest.fixture(scope="module")
def generated(stack, tmp_path_factory):
    """The client package generated from /v1/openapi.json as the stack serves it."""
    work = tmp_path_factory.mktemp("generated-client")
    served = requests.get(f"{stack.base_url}/v1/openapi.json", timeout=10)
    assert served.status_code == 200
    (work / "openapi.json").write_bytes(served.content)
    # No post hooks: the generator would run ruff over its output, which only reformats it.
    (work / "config.yaml").write_text(
        f"project_name_override: {PACKAGE}\npackage_name_override: {PACKAGE}\npost_hooks: []\n", encoding="utf-8"
    )
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            "openapi.json",
            "--config",
            "config.yaml",
            "--meta",
            "none",
            "--output-path",
            PACKAGE,
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # A warning means part of the document was skipped (an operation or a model left out).
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(work))
    try:
        yield lambda name: importlib.import_module(f"{PACKAGE}.{name}")
    finally:
        sys.path.remove(str(work))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _exact(response) -> dict:
    """The body with its numbers as decimals (the generated models hold floats)."""
    return jsonutil.loads(response.content)


def test_generated_client_runs_the_worked_example(stack, generated):
    client = generated("client").AuthenticatedClient(base_url=stack.base_url, token=stack.admin_key)
    models = generated("models")
    customers = generated("api.customers.create_customer")
    loans = generated("api.loans")
    day = dt.date(2026, 5, 23)

    created = customers.sync_detailed(
        client=client,
        body=models.CreateCustomerRequest(
            office_id=1,
            legal_form_id=models.CreateCustomerRequestLegalformid.VALUE_1,
            firstname="Ada",
            lastname="Lovelace",
            mobile_no="255700000042",
            external_id=f"gen-{uuid.uuid4().hex[:12]}",
            active=True,
            activation_date=day,
        ),
    )
    assert created.status_code == 201, created.content
    customer = created.parsed
    assert isinstance(customer, models.CustomerOut) and customer.status == "Active"

    create_loan = importlib.import_module(f"{loans.__name__}.create_loan")
    submitted = create_loan.sync(
        client=client,
        body=models.CreateLoanRequest(
            customer_id=int(customer.id),
            product_id=1,
            principal=10000,
            loan_term_frequency=7,
            loan_term_frequency_type=models.CreateLoanRequestLoanTermFrequencyTypeType0.VALUE_0,
            number_of_repayments=1,
            repayment_every=7,
            repayment_frequency_type=models.CreateLoanRequestRepaymentFrequencyTypeType0.VALUE_0,
            interest_rate_per_period=11,
            amortization_type=models.CreateLoanRequestAmortizationTypeType0.VALUE_1,
            interest_type=models.CreateLoanRequestInterestTypeType0.VALUE_1,
            interest_calculation_period_type=models.CreateLoanRequestInterestCalculationPeriodTypeType0.VALUE_1,
            transaction_processing_strategy_code="mifos-standard-strategy",
            expected_disbursement_date=day,
            submitted_on_date=day,
            loan_type="individual",
        ),
    )
    assert isinstance(submitted, models.LoanOut), submitted
    assert submitted.status.startswith("Submitted")
    lid = int(submitted.id)

    approve = importlib.import_module(f"{loans.__name__}.approve_loan")
    approved = approve.sync(
        lid, client=client, body=models.ApproveLoanRequest(approved_on_date=day, approved_loan_amount=10000)
    )
    assert isinstance(approved, models.LoanOut), approved
    assert approved.status == "Approved"

    disburse = importlib.import_module(f"{loans.__name__}.disburse_loan")
    key = str(uuid.uuid4())
    disbursement = models.DisburseLoanRequest(actual_disbursement_date=day, transaction_amount=10000)
    paid = disburse.sync_detailed(lid, client=client, body=disbursement, idempotency_key=key)
    assert paid.status_code == 200, paid.content
    assert paid.headers["Idempotent-Replayed"] == "false"
    assert isinstance(paid.parsed, models.DisbursementOut)
    assert _exact(paid)["loan"]["summary"]["principalDisbursed"] == Decimal("10000.00")
    again = disburse.sync_detailed(lid, client=client, body=disbursement, idempotency_key=key)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.content == paid.content

    repay = importlib.import_module(f"{loans.__name__}.create_repayment")
    repaid = repay.sync_detailed(
        lid,
        client=client,
        body=models.RepaymentRequest(
            transaction_date=day, transaction_amount=11100, payment_type_id=1, receipt_number="RCP-001"
        ),
        idempotency_key=str(uuid.uuid4()),
    )
    assert repaid.status_code == 200, repaid.content
    assert isinstance(repaid.parsed, models.TransactionWithLoanOut)
    body = _exact(repaid)
    assert (body["amount"], body["principal"], body["interest"], body["fees"], body["penalties"]) == (
        Decimal("11100.00"),
        Decimal("10000.00"),
        Decimal("1100.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert repaid.parsed.loan.status == "Closed (obligations met)"

    get_loan = importlib.import_module(f"{loans.__name__}.get_loan")
    loan = get_loan.sync_detailed(lid, client=client)
    assert loan.parsed.status == "Closed (obligations met)"
    assert _exact(loan)["summary"]["totalOutstanding"] == Decimal("0.00")


def test_generated_client_names_the_missing_idempotency_key(stack, generated):
    """The key is a required argument of every money call; one longer than documented is refused."""
    import inspect

    repay = generated("api.loans.create_repayment")
    assert inspect.signature(repay.sync_detailed).parameters["idempotency_key"].default is inspect.Parameter.empty
    client = generated("client").AuthenticatedClient(base_url=stack.base_url, token=stack.admin_key)
    models = generated("models")
    refused = repay.sync_detailed(
        1,
        client=client,
        body=models.RepaymentRequest(
            transaction_date=dt.date(2026, 5, 23), transaction_amount=1, payment_type_id=1, receipt_number="RCP-002"
        ),
        idempotency_key="k" * 256,
    )
    assert refused.status_code == 400
    assert isinstance(refused.parsed, models.ErrorOut)
    assert refused.parsed.reason == "BAD_IDEMPOTENCY_KEY"
    assert [(d.field, d.message) for d in refused.parsed.details] == [
        ("Idempotency-Key", "must be 1 to 255 printable characters")
    ]
