"""GET /v1/ledger/entries/{id}."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.ledger.schemas import JournalEntryOut
from lms.ledger.service import LedgerService
from lms.observability import observed

app = build_resolver()


@app.get(
    "/v1/ledger/entries/<id>",
    operation_id="getJournalEntry",
    summary="Get a journal entry",
    tags=["Ledger"],
    responses=openapi_responses(JournalEntryOut),
)
def get_journal_entry(id: Annotated[str, Path(max_length=40)]):
    return json_response(JournalEntryOut.of(LedgerService().entry(id)))


lambda_handler = observed(app.resolve)
