"""PUT /v1/ledger/entries/{id}: replace a draft's content; a posted entry is immutable (admin)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.ledger.schemas import JournalEntryOut, JournalEntryRequest
from lms.ledger.service import LedgerService
from lms.observability import observed

app = build_resolver()


@app.put(
    "/v1/ledger/entries/<id>",
    operation_id="updateJournalEntry",
    summary="Replace a draft journal entry",
    tags=["Ledger"],
    responses=openapi_responses(JournalEntryOut),
)
def update_journal_entry(
    id: Annotated[str, Path(max_length=40)],
    request: Annotated[JournalEntryRequest, Body()],
):
    fields = request.model_dump(exclude={"lines"})
    entry = LedgerService().update_draft(id, fields, [line.to_line() for line in request.lines])
    return json_response(JournalEntryOut.of(entry))


lambda_handler = observed(app.resolve)
