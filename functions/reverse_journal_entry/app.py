"""POST /v1/ledger/entries/{id}/reverse: a mirrored entry that undoes a posted one, once (admin)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from lms.api.caller import caller_of
from lms.api.idempotency import run_idempotent
from lms.api.resolver import build_resolver
from lms.api.responses import json_response, openapi_responses
from lms.ledger.schemas import JournalEntryOut, ReverseEntryRequest
from lms.ledger.service import LedgerService
from lms.observability import observed

app = build_resolver()


@app.post(
    "/v1/ledger/entries/<id>/reverse",
    operation_id="reverseJournalEntry",
    summary="Reverse a posted journal entry",
    tags=["Ledger"],
    responses=openapi_responses(JournalEntryOut, 201, "Reversal", money=True),
)
def reverse_journal_entry(
    id: Annotated[str, Path(max_length=40)],
    request: Annotated[ReverseEntryRequest, Body()],
):
    def reverse():
        by = caller_of(app.current_event).key_id
        _, reversal = LedgerService().reverse(id, request.reason, request.entry_date, by)
        return json_response(JournalEntryOut.of(reversal), status=201)

    return run_idempotent(app, "reverse_journal_entry", reverse)


lambda_handler = observed(app.resolve)
