"""POST /v1/loans/{id}/disburse: Approved -> Active, paid out net of deductions (Idempotency-Key).

With `validateOnly: true` it checks everything (state, dates, amount, payment details, funds)
and answers what the disbursement would be, writing nothing.
"""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.idempotency import actor_of, answer_once
from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.loans.schemas.disbursement import DisburseLoanRequest, DisbursementOut, disbursement_out, validation_out
from lms.loans.service.disbursements import LoanDisbursements
from lms.observability import metrics, observed

app = build_resolver()


@app.post(
    "/v1/loans/<id>/disburse",
    operation_id="disburseLoan",
    summary="Disburse an approved loan",
    tags=["Loans"],
    responses=openapi_responses(DisbursementOut, money=True),
)
def disburse_loan(id: IdPath, request: Annotated[DisburseLoanRequest, Body()]):
    service = LoanDisbursements()
    actor = actor_of(app.current_event)
    order = request.to_order()
    if request.validate_only:
        loan, plan = service.plan_disbursement(id, order, actor)
        return json_response(validation_out(loan, plan, service.product_of(loan)))

    def perform(answering):
        loan = service.disburse(id, order, actor, answering)
        metrics.add_metric(name="LoansDisbursed", unit="Count", value=1)
        return loan, None

    return answer_once(
        app, "disburse_loan", perform, lambda loan, _: json_response(disbursement_out(loan, service.product_of(loan)))
    )


lambda_handler = observed(app.resolve)
