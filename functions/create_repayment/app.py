"""POST /v1/loans/{id}/repayments: record a repayment, allocated by the loan's strategy or as the
caller splits it; an amount beyond what is outstanding settles the loan and is held as an
overpayment (Idempotency-Key)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.idempotency import actor_of, answer_once
from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.loans.schemas.payments import RepaymentRequest, TransactionWithLoanOut
from lms.loans.service.payments import LoanPayments
from lms.observability import metrics, observed

app = build_resolver()


@app.post(
    "/v1/loans/<id>/repayments",
    operation_id="createRepayment",
    summary="Record a repayment",
    tags=["Loans"],
    responses=openapi_responses(TransactionWithLoanOut, 200, "Recorded", money=True),
)
def create_repayment(id: IdPath, request: Annotated[RepaymentRequest, Body()]):
    order = request.to_order()
    actor = actor_of(app.current_event)

    def perform(answering):
        loan, txn = LoanPayments().repay(id, order, actor, answering)
        metrics.add_metric(name="RepaymentsRecorded", unit="Count", value=1)
        return loan, txn

    return answer_once(
        app, "create_repayment", perform, lambda loan, txn: json_response(TransactionWithLoanOut.of(loan, txn))
    )


lambda_handler = observed(app.resolve)
