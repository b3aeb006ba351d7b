"""POST /v1/loans/{id}/refund: pay an Overpaid loan's credit balance back (all of it by default),
moving it to Closed (obligations met) (Idempotency-Key)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.idempotency import actor_of, answer_once
from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.loans.schemas.payments import RefundRequest, TransactionWithLoanOut
from lms.loans.service.payments import LoanPayments
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/loans/<id>/refund",
    operation_id="refundLoan",
    summary="Refund an overpaid loan's credit balance",
    tags=["Loans"],
    responses=openapi_responses(TransactionWithLoanOut, money=True),
)
def refund_loan(id: IdPath, request: Annotated[RefundRequest, Body()]):
    order = request.to_order()
    actor = actor_of(app.current_event)
    return answer_once(
        app,
        "refund_loan",
        lambda answering: LoanPayments().refund(id, order, actor, answering),
        lambda loan, txn: json_response(TransactionWithLoanOut.of(loan, txn)),
    )


lambda_handler = observed(app.resolve)
