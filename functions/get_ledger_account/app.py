"""GET /v1/ledger/accounts/{id}."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.ledger.schemas import AccountOut
from lms.ledger.service import LedgerService
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/ledger/accounts/<id>",
    operation_id="getLedgerAccount",
    summary="Get a ledger account",
    tags=["Ledger"],
    responses=openapi_responses(AccountOut),
)
def get_ledger_account(id: Annotated[str, Path(max_length=40)]):
    return json_response(AccountOut.of(LedgerService().account(id)))


lambda_handler = observed(app.resolve)
