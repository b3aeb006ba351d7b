"""POST /v1/loans/{id}/early-settlement: pay exactly the payoff quote and close the loan; interest
that never accrued is not booked (Idempotency-Key)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.idempotency import actor_of, answer_once
from lms.api.params import IdPath
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.loans.schemas.payments import SettlementRequest, TransactionWithLoanOut
from lms.loans.service.payments import LoanPayments
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/loans/<id>/early-settlement",
    operation_id="settleLoanEarly",
    summary="Settle a loan early at its payoff quote",
    tags=["Loans"],
    responses=openapi_responses(TransactionWithLoanOut, money=True),
)
def settle_loan_early(id: IdPath, request: Annotated[SettlementRequest, Body()]):
    order = request.to_order()
    actor = actor_of(app.current_event)

    return answer_once(
        app,
        "settle_loan_early",
        lambda answering: LoanPayments().settle(id, order, actor, answering),
        lambda loan, txn: json_response(TransactionWithLoanOut.of(loan, txn)),
    )


lambda_handler = observed(app.resolve)
