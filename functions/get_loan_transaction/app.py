"""GET /v1/loans/{id}/transactions/{txnId}."""

from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.errors import NotFound
from lms.loans.schemas.payments import TransactionOut
from lms.loans.service.queries import LoanQueries
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/loans/<id>/transactions/<txnId>",
    operation_id="getLoanTransaction",
    summary="Get one transaction of a loan",
    tags=["Loans"],
    responses=openapi_responses(TransactionOut),
)
def get_loan_transaction(id: IdPath, txnId: IdPath):  # noqa: N803
    loan = LoanQueries().get(id)
    txn = loan.transaction(txnId)
    if txn is None:
        raise NotFound(f"Transaction {txnId} of loan {id} does not exist", reason="TRANSACTION_NOT_FOUND")
    return json_response(TransactionOut.of(loan, txn))


lambda_handler = observed(app.resolve)
