"""GET /v1/disbursements/{transactionId}: where a disbursement stands (COMPLETED, or REVERSED once
its disbursal was undone), what was paid out and how."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.loans.schemas.disbursement import DisbursementStatusOut
from lms.loans.service.disbursement_status import DisbursementStatuses
from lms.observability import observed

app = build_resolver()

TransactionIdPath = Annotated[
    str, Path(description="A disbursement's transactionId, as its disbursement answered", max_length=64)
]


@app.get(
    "/v1/disbursements/<transactionId>",
    operation_id="getDisbursementStatus",
    summary="Get where a disbursement's payout stands",
    tags=["Loans"],
    responses=openapi_responses(DisbursementStatusOut),
)
def get_disbursement_status(transactionId: TransactionIdPath):  # noqa: N803 - the route's own name
    return json_response(DisbursementStatusOut.of(DisbursementStatuses().of(transactionId)))


lambda_handler = observed(app.resolve)
