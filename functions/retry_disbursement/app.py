"""POST /v1/disbursements/{transactionId}/retry: pay a FAILED payout out again (Idempotency-Key).

The debt to the borrower stayed in Disbursements payable while it was FAILED; the retry is a new
attempt, PENDING until the payout provider answers it."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from lms.api.idempotency import actor_of, answer_once
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.loans.domain.disbursing.disbursement import disbursement_status
from lms.loans.schemas.disbursement import DisbursementStatusOut
from lms.loans.service.disbursements import LoanDisbursements
from lms.observability import observed

app = build_resolver()

TransactionIdPath = Annotated[
    str, Path(description="A disbursement's transactionId, as its disbursement answered", max_length=64)
]


@app.post(
    "/v1/disbursements/<transactionId>/retry",
    operation_id="retryDisbursement",
    summary="Retry a failed payout",
    tags=["Loans"],
    responses=openapi_responses(DisbursementStatusOut, money=True),
)
def retry_disbursement(transactionId: TransactionIdPath):  # noqa: N803 - the route's own name
    actor = actor_of(app.current_event)
    return answer_once(
        app,
        "retry_disbursement",
        lambda answering: LoanDisbursements().retry_payout(transactionId, actor, answering),
        lambda loan, txn_id: json_response(DisbursementStatusOut.of(disbursement_status(loan, txn_id))),
    )


lambda_handler = observed(app.resolve)
