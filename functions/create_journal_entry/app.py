"""POST /v1/ledger/entries: record a manual journal entry as a draft (admin, Idempotency-Key)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body

from lms.api.caller import caller_of
from lms.api.idempotency import run_idempotent
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.ledger.schemas import JournalEntryOut, JournalEntryRequest
from lms.ledger.service import LedgerService
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/ledger/entries",
    operation_id="createJournalEntry",
    summary="Draft a manual journal entry",
    tags=["Ledger"],
    responses=openapi_responses(JournalEntryOut, 201, "Draft created", money=True),
)
def create_journal_entry(request: Annotated[JournalEntryRequest, Body()]):
    def create():
        fields = request.model_dump(exclude={"lines"})
        lines = [line.to_line() for line in request.lines]
        entry = LedgerService().create_draft(fields, lines, caller_of(app.current_event).key_id)
        return json_response(JournalEntryOut.of(entry), status=201)

    return run_idempotent(app, "create_journal_entry", create)


lambda_handler = observed(app.resolve)
