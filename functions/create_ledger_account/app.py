"""POST /v1/ledger/accounts: add an account to the chart (admin)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.ledger.schemas import AccountOut, CreateAccountRequest
from lms.ledger.service import LedgerService
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/ledger/accounts",
    operation_id="createLedgerAccount",
    summary="Add an account to the chart",
    tags=["Ledger"],
    responses=openapi_responses(AccountOut, 201, "Account created"),
)
def create_ledger_account(request: Annotated[CreateAccountRequest, Body()]):
    account = LedgerService().create_account(**request.model_dump())
    return json_response(AccountOut.of(account), status=201)


lambda_handler = observed(app.resolve)
