"""POST /v1/loans/bulk-disburse: up to 100 disbursements, each succeeding or failing on its own
(Idempotency-Key for the request; each item's effect is idempotent on its own)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.bulk_disbursement import disburse_each
from lms.api.caller import caller_of
from lms.api.idempotency import idempotency_key, run_idempotent
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.loans.schemas.disbursement import BulkDisbursementOut, BulkDisburseRequest
from lms.loans.service.disbursements import LoanDisbursements
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/loans/bulk-disburse",
    operation_id="bulkDisburseLoans",
    summary="Disburse many loans in one request",
    tags=["Loans"],
    responses=openapi_responses(BulkDisbursementOut, money=True),
)
def bulk_disburse_loans(request: Annotated[BulkDisburseRequest, Body()]):
    caller = caller_of(app.current_event).key_id
    key = idempotency_key(app.current_event.headers)

    def run():
        results = disburse_each(request.disbursements, caller, key, LoanDisbursements)
        return json_response(BulkDisbursementOut.of(results))

    return run_idempotent(app, "bulk_disburse", run)


lambda_handler = observed(app.resolve)
